package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/api"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/httpsec"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paypage"
	"github.com/paystep/paystep/internal/paytask"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripe"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/server"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/webhook"
)

// How often serve's payment loops run.
const (
	settleEvery = 10 * time.Second
	purgeEvery  = time.Hour
	settleBatch = 100
)

// Settings serve keeps in the database.
const (
	sandboxSecretSetting = "sandbox_webhook_secret"
	payPageKeySetting    = "pay_page_publishable_key"
)

// payments is serve's payment side: the PSPs, the service, the /v1 API, the
// webhook intake, the task built-ins and their resumption dispatcher.
type payments struct {
	st       store.PaymentStore
	clk      clock.Clock
	log      *slog.Logger
	sandbox  *sandbox.Sandbox // nil when off
	svc      *payment.Service
	api      *api.Handler
	intake   *webhook.Intake
	dispatch *paytask.Dispatcher
	payPage  *paypage.Handler // nil without the sandbox
	psps     []string
	devKeys  [2]api.Secret // the development pair, when this start made it
}

// newPayments builds the payment side. selfURL is where this process
// reaches itself; publicURL where customers and PSPs reach it.
func newPayments(ctx context.Context, cfg serveConfig, st store.PaymentStore, r *runner.Runner, reg *resource.Registry,
	clk clock.Clock, logger *slog.Logger, selfURL, publicURL string) (*payments, error) {
	p := &payments{st: st, clk: clk, log: logger}
	var (
		providers []psp.Provider
		verifiers = map[string]psp.EventVerifier{}
	)
	if cfg.sandbox {
		// The sandbox keeps its state in this database, so that its
		// payments outlive a restart and every node sees them.
		sbStore, ok := st.(sandbox.Store)
		if !ok {
			return nil, errors.New("the sandbox needs a database that keeps its state")
		}
		secret := cfg.sandboxSecret
		if secret == "" {
			stored, err := st.SettingInit(ctx, sandboxSecretSetting, "whsec_"+strings.ToLower(rand.Text()), clk.Now())
			if err != nil {
				return nil, fmt.Errorf("the sandbox's webhook secret: %w", err)
			}
			secret = stripesig.Secret(stored)
		}
		// This node's client calls this node's sandbox: the key, one per
		// process, only keeps others from its API.
		key := stripesig.Secret("sk_sandbox_" + strings.ToLower(rand.Text()))
		p.sandbox = sandbox.New(sandbox.Config{
			Store: sbStore, Clock: clk, Logger: logger.With("psp", sandbox.Name), APIKey: key,
			BaseURL: publicURL + "/sandbox", WebhookURL: selfURL + "/webhooks/sandbox", WebhookSecret: secret,
			ProcessingDelay: cfg.sandboxDelay,
		})
		c := sandbox.NewClient(sandbox.ClientConfig{BaseURL: selfURL + "/sandbox", APIKey: key, WebhookSecrets: []stripesig.Secret{secret}, Clock: clk})
		providers = append(providers, c)
		verifiers[sandbox.Name] = c
	}
	if cfg.stripeKey != "" {
		c, err := stripe.New(stripe.Config{APIKey: cfg.stripeKey, WebhookSecrets: cfg.stripeWebhookSecrets, BaseURL: cfg.stripeAPIURL,
			Clock: clk, Logger: logger.With("psp", stripe.Name)})
		if err != nil {
			return nil, err
		}
		providers = append(providers, c)
		verifiers[stripe.Name] = c
	}
	for _, pr := range providers {
		p.psps = append(p.psps, pr.Name())
	}

	// The dispatcher is made after the service that needs its Kick.
	kick := func() {
		if p.dispatch != nil {
			p.dispatch.Kick()
		}
	}
	tasks := paytask.New(st, paytask.Config{Clock: clk, Logger: logger, PublicURL: publicURL, Kick: kick})
	svc, err := payment.NewService(st, providers, payment.Config{Clock: clk, IDs: idgen.Random{}, Logger: logger, EndedFunc: tasks.Ended})
	if err != nil {
		return nil, err
	}
	p.svc = svc
	tasks.Register(reg, svc)
	p.dispatch = paytask.NewDispatcher(st, r, paytask.DispatcherConfig{Clock: clk, Logger: logger, OutputFunc: tasks.Output})
	p.api = api.New(svc, st, api.Config{Clock: clk, Logger: logger})
	p.intake = webhook.New(svc, verifiers, webhook.Config{Clock: clk, Logger: logger, CommittedFunc: kick})
	// The development pair comes first: it is made only while there are no keys.
	sk, pk, created, err := api.DevelopmentKeys(ctx, st, idgen.Random{}, clk.Now())
	if err != nil {
		return nil, fmt.Errorf("development keys: %w", err)
	}
	if created {
		p.devKeys = [2]api.Secret{sk, pk}
	}
	if p.sandbox != nil { // the page tokenises cards at the sandbox
		key := cfg.payPageKey
		if key == "" {
			if key, err = p.storedPayPageKey(ctx); err != nil {
				return nil, err
			}
		}
		if p.payPage, err = paypage.New(svc, paypage.Config{PublishableKey: key, Logger: logger}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

var errKeyTaken = errors.New("another node made the key first")

// storedPayPageKey returns the publishable key of the pay page: made on the
// first start and kept in the clear, as a publishable key is public by
// design (every page carries it) and may only create and confirm payments.
func (p *payments) storedPayPageKey(ctx context.Context) (string, error) {
	var stored string
	err := p.st.PaymentInTx(ctx, func(q store.PaymentTx) error {
		key, _, err := api.CreateKey(ctx, q, api.PublishableKey, "pay page", idgen.Random{}, p.clk.Now())
		if err != nil {
			return err
		}
		if stored, err = q.SettingInit(ctx, payPageKeySetting, string(key), p.clk.Now()); err != nil {
			return err
		}
		if stored != string(key) {
			return errKeyTaken // roll the new key back: the stored one stays
		}
		return nil
	})
	if err != nil && !errors.Is(err, errKeyTaken) {
		return "", fmt.Errorf("the pay page's publishable key: %w", err)
	}
	return stored, nil
}

// mount puts the payment surfaces on the server, hardened: security
// headers everywhere, rate limits on what browsers and the open internet
// reach (the API per address and per publishable key, the pay page, the
// sandbox's tokeniser, where card testing aims).
func (p *payments) mount(h *server.Server) {
	pub := httpsec.NewPublic(httpsec.PublicConfig{Clock: p.clk, Logger: p.log})
	h.Handle("/v1/", pub.API(p.api))
	h.Handle("/webhooks/", pub.Headers(p.intake))
	if p.sandbox != nil {
		// Card numbers arrive here: nothing under /sandbox/ is logged.
		sb := http.StripPrefix("/sandbox", p.sandbox)
		h.Handle("/sandbox/", pub.Headers(sb))
		h.Handle("POST /sandbox/v1/payment_methods", pub.Tokenize(sb))
	}
	if p.payPage != nil {
		h.Handle("/pay/", pub.Page(p.payPage))
	}
}

// start runs the loops until ctx ends: the sandbox's deliveries, the
// resumption dispatcher, settling unanswered PSP calls and purging old
// idempotency keys.
func (p *payments) start(ctx context.Context, wg *sync.WaitGroup) {
	if p.sandbox != nil {
		wg.Go(func() { p.sandbox.Run(ctx) })
	}
	wg.Go(func() { p.dispatch.Run(ctx) })
	wg.Go(func() {
		every(ctx, settleEvery, func() {
			if _, err := p.svc.SettlePending(ctx, settleBatch); err != nil && ctx.Err() == nil {
				p.log.Warn("settling PSP calls", "err", err)
			}
		})
	})
	wg.Go(func() {
		every(ctx, purgeEvery, func() {
			if n, err := p.api.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("purging idempotency keys", "err", err)
			} else if n > 0 {
				p.log.Info("purged idempotency keys", "count", n)
			}
		})
	})
}

// printDevelopmentKeys prints the development key pair when this start
// made it (the first, on a database without keys).
func (p *payments) printDevelopmentKeys(w io.Writer) {
	if p.devKeys[0] == "" {
		return
	}
	fmt.Fprintf(w, "Development API keys (shown once; 'paystep keys' makes more):\n  secret key:      %s\n  publishable key: %s\n",
		string(p.devKeys[0]), string(p.devKeys[1]))
}

// every calls fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
