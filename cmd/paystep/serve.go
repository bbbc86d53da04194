package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/server"
	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/sigv4"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/postgres"
	"github.com/paystep/paystep/internal/store/sqlite"
)

const serveUsage = `Usage: paystep serve [flags]

Runs the paystep server: the AWS Step Functions API on a durable engine, so
the AWS CLI and SDKs drive it unchanged (POST / with
X-Amz-Target: AWSStepFunctions.<Action>), plus /healthz (the process is up),
/readyz (the database answers) and /metrics (Prometheus).

State lives in a SQLite file, or in PostgreSQL when --db is a postgres:// URL;
several servers may share one PostgreSQL database and its work.

With --auth, requests must be signed (SigV4) with one of the file's keys:
a JSON object {"ACCESS_KEY_ID": "SECRET"} or one "ACCESS_KEY_ID SECRET" pair
a line (# starts a comment). Without it any request is accepted, signed or not.

--bindings maps Task Resource strings to HTTP endpoints, activities or
built-ins (YAML or JSON). HTTP Tasks may not reach private, loopback or
link-local addresses unless --allow-private-targets is given.

Payments: paystep's own API is at /v1/ (API keys: a development pair is
created and printed on the first start; 'paystep keys' makes more), PSP
webhooks arrive at /webhooks/<psp>, and state machines use the built-ins
arn:paystep:states:::payments:create[.waitForTaskToken], :capture, :refund
and :get. The sandbox PSP, a simulator of Stripe with its test cards, is on
by default at /sandbox/ (card tokenisation at /sandbox/v1/payment_methods);
its webhook secret is generated on the first start and kept in the database
unless --sandbox-webhook-secret gives one. With --stripe-secret-key and
--stripe-webhook-secret, Stripe is a PSP too; point Stripe's webhook
endpoint at <public URL>/webhooks/stripe. --public-url is the address
customers and PSPs reach this server at (links to /pay/ and 3-D Secure
pages); it defaults to http://<the address it listens on>. The customer's
pay page is at /pay/<payment id> (with the sandbox).

Every flag may come from the environment instead; a flag given wins:
  --addr                   PAYSTEP_ADDR
  --db                     PAYSTEP_DB
  --region                 PAYSTEP_REGION
  --account                PAYSTEP_ACCOUNT
  --auth                   PAYSTEP_AUTH
  --bindings               PAYSTEP_BINDINGS
  --allow-private-targets  PAYSTEP_ALLOW_PRIVATE_TARGETS (true or false)
  --log-level              PAYSTEP_LOG_LEVEL
  --log-format             PAYSTEP_LOG_FORMAT
  --public-url             PAYSTEP_PUBLIC_URL
  --sandbox                PAYSTEP_SANDBOX (true or false)
  --sandbox-webhook-secret PAYSTEP_SANDBOX_WEBHOOK_SECRET
  --sandbox-delay          PAYSTEP_SANDBOX_DELAY
  --stripe-secret-key      PAYSTEP_STRIPE_SECRET_KEY
  --stripe-webhook-secret  PAYSTEP_STRIPE_WEBHOOK_SECRET (several: comma-separated)
  --stripe-api-url         PAYSTEP_STRIPE_API_URL
  --pay-page-key           PAYSTEP_PAY_PAGE_KEY
  --lease                  PAYSTEP_LEASE
  --poll-interval          PAYSTEP_POLL_INTERVAL
  --pprof                  PAYSTEP_PPROF

SIGTERM or SIGINT stops it gracefully: no new connections, in-flight
requests finish (long polls end with an empty task), the engine commits
what it holds, the database is closed. After a crash, executions continue
where they were; a Task whose result was not yet recorded may run again.

Examples:
  paystep serve
  paystep serve --addr 127.0.0.1:9000 --db data/paystep.db --log-level debug
  PAYSTEP_DB='postgres://paystep@db.internal:5432/paystep' paystep serve --log-format json
  paystep serve --auth keys.txt --bindings bindings.yaml
  PAYSTEP_STRIPE_SECRET_KEY=sk_test_… PAYSTEP_STRIPE_WEBHOOK_SECRET=whsec_… paystep serve --public-url https://pay.example.com

  aws stepfunctions --endpoint-url http://127.0.0.1:8080 list-state-machines
`

// serveConfig is what the flags and the environment say.
type serveConfig struct {
	addr, db, region, account, auth, bindings string
	allowPrivate                              bool
	logLevel, logFormat                       string
	publicURL                                 string
	sandbox                                   bool
	sandboxSecret                             stripesig.Secret
	sandboxDelay                              time.Duration
	stripeKey                                 stripesig.Secret
	stripeWebhookSecrets                      []stripesig.Secret
	stripeAPIURL                              string
	payPageKey                                string
	lease, pollInterval                       time.Duration
	pprof                                     string // loopback address of the profiler, or ""
}

// envFlag makes a flag's default the value of an environment variable.
func envFlag(fs *flag.FlagSet, p *string, name, env, def, usage string) {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	fs.StringVar(p, name, def, usage+" (env "+env+")")
}

func parseServeFlags(args []string, s stdio) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", serveUsage, s)
	envFlag(fs, &c.addr, "addr", "PAYSTEP_ADDR", "127.0.0.1:8080", "address to listen on")
	envFlag(fs, &c.db, "db", "PAYSTEP_DB", "paystep.db", "SQLite file, or a postgres:// URL")
	envFlag(fs, &c.region, "region", "PAYSTEP_REGION", "us-east-1", "region in ARNs and signatures")
	envFlag(fs, &c.account, "account", "PAYSTEP_ACCOUNT", "123456789012", "account ID in ARNs")
	envFlag(fs, &c.auth, "auth", "PAYSTEP_AUTH", "", "file of access keys requests must be signed with")
	envFlag(fs, &c.bindings, "bindings", "PAYSTEP_BINDINGS", "", "bindings file for Task resources (YAML or JSON)")
	envFlag(fs, &c.logLevel, "log-level", "PAYSTEP_LOG_LEVEL", "info", "debug, info, warn or error")
	envFlag(fs, &c.logFormat, "log-format", "PAYSTEP_LOG_FORMAT", "text", "text or json")
	envFlag(fs, &c.pprof, "pprof", "PAYSTEP_PPROF", "", "debugging: serve Go's profiler (/debug/pprof/) on this loopback address, such as 127.0.0.1:6060 (default off)")
	envFlag(fs, &c.publicURL, "public-url", "PAYSTEP_PUBLIC_URL", "", "the address customers and PSPs reach this server at (default http://<addr>)")
	var sandboxSecret, sandboxDelay, stripeKey, stripeSecrets, lease, pollInterval string
	envFlag(fs, &lease, "lease", "PAYSTEP_LEASE", "30s", "how long this node's claim on an execution whose task it runs lasts unless renewed: when the node dies, others take over after it")
	envFlag(fs, &pollInterval, "poll-interval", "PAYSTEP_POLL_INTERVAL", "1s", "how often to look for due timers, expired claims and activity tasks other nodes made")
	envFlag(fs, &sandboxSecret, "sandbox-webhook-secret", "PAYSTEP_SANDBOX_WEBHOOK_SECRET", "", "the sandbox's webhook signing secret, whsec_… (default: generated once, kept in the database)")
	envFlag(fs, &sandboxDelay, "sandbox-delay", "PAYSTEP_SANDBOX_DELAY", "0s", "how long the sandbox processes a payment before its event (0 settles at once)")
	envFlag(fs, &stripeKey, "stripe-secret-key", "PAYSTEP_STRIPE_SECRET_KEY", "", "Stripe's secret key, sk_…: Stripe becomes a PSP")
	envFlag(fs, &stripeSecrets, "stripe-webhook-secret", "PAYSTEP_STRIPE_WEBHOOK_SECRET", "", "Stripe's webhook signing secrets, whsec_…, comma-separated")
	envFlag(fs, &c.payPageKey, "pay-page-key", "PAYSTEP_PAY_PAGE_KEY", "", "the publishable key (pk_…) the pay page at /pay/ uses (default: made once, kept in the database)")
	envFlag(fs, &c.stripeAPIURL, "stripe-api-url", "PAYSTEP_STRIPE_API_URL", "", "Stripe's API address (default Stripe's; for stripe-mock)")
	for _, b := range []struct {
		p         *bool
		name, env string
		def       bool
		usage     string
	}{
		{&c.allowPrivate, "allow-private-targets", "PAYSTEP_ALLOW_PRIVATE_TARGETS", false, "let HTTP Tasks reach private, loopback and link-local addresses"},
		{&c.sandbox, "sandbox", "PAYSTEP_SANDBOX", true, "serve the sandbox PSP at /sandbox/ and use it"},
	} {
		def := b.def
		if v, ok := os.LookupEnv(b.env); ok {
			parsed, err := strconv.ParseBool(v)
			if err != nil {
				return c, usagef("%s=%q: want true or false", b.env, v)
			}
			def = parsed
		}
		fs.BoolVar(b.p, b.name, def, b.usage+" (env "+b.env+")")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return c, err
	}
	if len(pos) > 0 {
		return c, usagef("unexpected argument %q", pos[0])
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, usagef("--log-format must be text or json, not %q", c.logFormat)
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return c, err
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return c, usagef("--addr %q: want host:port, such as 127.0.0.1:8080", c.addr)
	}
	if c.pprof != "" && !isLoopbackAddr(c.pprof) {
		return c, usagef("--pprof %q: want a loopback host:port, such as 127.0.0.1:6060", c.pprof)
	}
	if c.db == "" {
		return c, usagef("--db must name a SQLite file or a postgres:// URL")
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, usagef("--public-url %q: want an http or https URL such as https://pay.example.com", c.publicURL)
		}
		c.publicURL = strings.TrimRight(c.publicURL, "/")
	}
	if c.payPageKey != "" && !strings.HasPrefix(c.payPageKey, "pk_") {
		return c, usagef("--pay-page-key must be a publishable key (pk_…)")
	}
	if sandboxSecret != "" && !strings.HasPrefix(sandboxSecret, "whsec_") {
		return c, usagef("--sandbox-webhook-secret must start with whsec_")
	}
	c.sandboxSecret = stripesig.Secret(sandboxSecret)
	if c.lease, err = time.ParseDuration(lease); err != nil || c.lease < time.Second {
		return c, usagef("--lease %q: want a duration of at least 1s, such as 30s", lease)
	}
	if c.pollInterval, err = time.ParseDuration(pollInterval); err != nil || c.pollInterval < 10*time.Millisecond {
		return c, usagef("--poll-interval %q: want a duration of at least 10ms, such as 1s", pollInterval)
	}
	if c.sandboxDelay, err = time.ParseDuration(sandboxDelay); err != nil || c.sandboxDelay < 0 {
		return c, usagef("--sandbox-delay %q: want a duration such as 2s", sandboxDelay)
	}
	c.stripeKey = stripesig.Secret(stripeKey)
	for _, sec := range strings.Split(stripeSecrets, ",") {
		if sec = strings.TrimSpace(sec); sec != "" {
			if !strings.HasPrefix(sec, "whsec_") {
				return c, usagef("--stripe-webhook-secret: each secret starts with whsec_")
			}
			c.stripeWebhookSecrets = append(c.stripeWebhookSecrets, stripesig.Secret(sec))
		}
	}
	switch {
	case c.stripeKey != "" && len(c.stripeWebhookSecrets) == 0:
		return c, usagef("--stripe-secret-key needs --stripe-webhook-secret: only verified webhooks end payments")
	case c.stripeKey == "" && len(c.stripeWebhookSecrets) > 0:
		return c, usagef("--stripe-webhook-secret needs --stripe-secret-key")
	case !c.sandbox && c.stripeKey == "":
		return c, usagef("--sandbox=false leaves no PSP: give --stripe-secret-key and --stripe-webhook-secret")
	}
	return c, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// redacted are substrings of log keys whose values never reach the log, a
// safety net behind the code that logs.
var redacted = []string{"authorization", "secret", "password", "card_number", "cvc"}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	l, _ := parseLevel(level) // checked by parseServeFlags
	opts := &slog.HandlerOptions{Level: l, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		k := strings.ToLower(a.Key)
		for _, r := range redacted {
			if strings.Contains(k, r) {
				return slog.String(a.Key, "[redacted]")
			}
		}
		return a
	}}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func openStore(ctx context.Context, db string) (store.Store, error) {
	if isPostgres(db) {
		s, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL database: %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, db, sqlite.Config{})
	if err != nil {
		return nil, fmt.Errorf("open SQLite database: %w", err)
	}
	return s, nil
}

func loadVerifier(path, region string, clk clock.Clock) (*sigv4.Verifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--auth: %v", err)
	}
	keys, err := sfnapi.ParseAccessKeys(data)
	if err != nil {
		return nil, usagef("--auth %s: %v", path, err)
	}
	return sigv4.NewVerifier(keys, clk.Now, sigv4.Config{
		Regions:              []string{region},
		RequireSignedHeaders: []string{"x-amz-target"},
	}), nil
}

func serveCmd(ctx context.Context, args []string, s stdio) error {
	cfg, err := parseServeFlags(args, s)
	if err != nil {
		return err
	}
	logger := newLogger(s.err, cfg.logFormat, cfg.logLevel)
	clk := clock.System{}
	if os.Getenv("GOGC") == "" {
		// The server's live heap is small and its garbage plentiful (JSON of
		// every request and step): collecting at 4x the live heap instead of
		// 2x spends about a fifth less CPU per execution.
		debug.SetGCPercent(400)
	}

	if cfg.pprof != "" {
		stopPprof, err := servePprof(cfg.pprof, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	var verifier *sigv4.Verifier
	if cfg.auth != "" {
		if verifier, err = loadVerifier(cfg.auth, cfg.region, clk); err != nil {
			return err
		}
	}
	var table *binding.Table
	if cfg.bindings != "" {
		if table, err = binding.Load(cfg.bindings); err != nil {
			return usagef("--bindings: %v", err)
		}
	}

	st, err := openPaymentStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	closeStore := sync.OnceValue(st.Close)
	defer closeStore()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	selfURL := "http://" + dialable(ln.Addr())
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}

	resources := resource.New(resource.Config{
		Logger: logger, Region: cfg.region, Account: cfg.account, AllowPrivate: cfg.allowPrivate,
	}, table)
	r, err := runner.New(runner.Config{
		Store: st, Resources: resources, Clock: clk, Logger: logger,
		Region: cfg.region, Account: cfg.account, Exclusive: !isPostgres(cfg.db),
		Lease: cfg.lease, PollInterval: cfg.pollInterval,
	})
	if err != nil {
		return err
	}
	pay, err := newPayments(ctx, cfg, st, r, resources, clk, logger, selfURL, publicURL)
	if err != nil {
		return err
	}
	if err := resources.Check(); err != nil {
		return usagef("--bindings: %v", err)
	}

	metrics := server.NewMetrics(server.MetricsConfig{Counts: st.ExecutionCounts, Stats: r.Stats, Logger: logger,
		Payments: pay.svc.Stats, Webhooks: pay.intake.Stats, PaymentsAPI: pay.api.Stats,
		Resumptions: pay.dispatch.Stats, ResumptionsPending: st.TaskResumptionCountUndelivered})
	api, err := sfnapi.New(sfnapi.Config{
		Store: st, Runner: r, Region: cfg.region, Account: cfg.account, Auth: verifier, Clock: clk, Logger: logger,
		Observe: func(q sfnapi.Request) { metrics.ObserveRequest(q.Action, q.Status, q.Duration) },
	})
	if err != nil {
		return err
	}
	handler := server.New(server.Config{
		API:     api,
		Metrics: metrics,
		Logger:  logger,
		Ready: func(ctx context.Context) error {
			_, _, err := st.StateMachineList(ctx, "", 1)
			return err
		},
	})
	pay.mount(handler)

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	runCtx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRunner()
	runDone := make(chan error, 1)
	go func() { runDone <- r.Run(runCtx) }()
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLoops()
	var loops sync.WaitGroup
	loops.Go(func() { sweep(loopCtx, api, logger) })
	pay.start(loopCtx, &loops)
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ln) }()

	backend := "SQLite"
	if isPostgres(cfg.db) {
		backend = "PostgreSQL"
	}
	fmt.Fprintf(s.out, "paystep %s listening on http://%s (%s)\n", version, ln.Addr(), backend)
	logger.Info("listening", "addr", ln.Addr().String(), "database", backend, "auth", verifier != nil, "bindings", cfg.bindings,
		"public_url", publicURL, "psps", strings.Join(pay.psps, ","))
	pay.printDevelopmentKeys(s.out)

	var failure error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case err := <-serveDone:
		failure = fmt.Errorf("serve: %w", err)
	case err := <-runDone:
		runDone <- err // read again below
		failure = fmt.Errorf("engine stopped: %w", err)
	}

	// Stop accepting, end long polls, let the other requests finish.
	api.EndPolls()
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		logger.Warn("requests still running after 30s were cut off", "err", err)
		srv.Close()
	}
	stopLoops()
	loops.Wait()
	stopRunner()
	if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) && failure == nil {
		failure = fmt.Errorf("engine: %w", err)
	}
	resources.Close()
	if err := closeStore(); err != nil && failure == nil {
		failure = fmt.Errorf("close database: %w", err)
	}
	if failure != nil {
		return failure
	}
	logger.Info("stopped")
	return nil
}

// openPaymentStore opens the database; both backends keep payments.
func openPaymentStore(ctx context.Context, db string) (store.PaymentStore, error) {
	st, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	ps, ok := st.(store.PaymentStore)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("the %T store keeps no payments", st) // both backends do: a bug
	}
	return ps, nil
}

// isLoopbackAddr reports whether addr is host:port with a loopback host
// (127.0.0.0/8, ::1 or localhost).
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// servePprof serves Go's profiler on addr (a loopback address) until the
// returned function is called.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	logger.Info("profiler listening", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}

// dialable is addr as this process can connect to it: an unspecified host
// (0.0.0.0, ::) becomes loopback.
func dialable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

// sweep removes deleted state machines whose last executions ended, now
// and then, until ctx ends.
func sweep(ctx context.Context, api *sfnapi.Handler, logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := api.Sweep(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("sweep deleted state machines", "err", err)
			}
		}
	}
}
