// Package paypage is the customer's pay page of seed 001, at
// /pay/{payment_id}: a card form whose script sends the card to the PSP's
// tokeniser (the sandbox's /sandbox/v1/payment_methods), never to paystep,
// confirms the payment with the token through POST
// /v1/payments/{id}/confirm and a publishable key, sends the customer to
// the 3-D Secure challenge when the card needs it, and then polls the
// payment's status until it ends. The page never decides the outcome: it
// shows the status the PSP's verified webhooks gave the payment.
//
// Everything is plain HTML with one static script and one style sheet,
// embedded, under a strict Content-Security-Policy (script-src 'self', no
// inline scripts, form-action 'none', frame-ancestors 'none'). The card
// inputs have no name, so even without the script a form submission sends
// no card data anywhere.
//
// Mount it for everything under its prefix:
//
//	h, err := paypage.New(paymentService, paypage.Config{PublishableKey: pk, SandboxBaseURL: "/sandbox"})
//	mux.Handle("/pay/", h)
package paypage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/httpsec"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/store"
)

// Payments reads payments. *payment.Service is one.
type Payments interface {
	Get(ctx context.Context, id string) (*payment.Payment, error)
}

var _ Payments = (*payment.Service)(nil)

// Config configures the pay page.
type Config struct {
	// PublishableKey ("pk_…") is embedded in the page to confirm payments
	// with. Required. It may only create and confirm payments.
	PublishableKey string
	// APIBaseURL is where paystep's API is, without /v1: "" (the default)
	// is the page's own origin; "https://api.example.com" another one,
	// which then must allow the page's origin (CORS).
	APIBaseURL string
	// SandboxBaseURL is where the sandbox PSP is mounted, whose tokeniser
	// takes the card. Defaults to "/sandbox".
	SandboxBaseURL string
	// PSP names the provider whose tokeniser the form uses. The page takes
	// only its payments: the token of one PSP means nothing to another.
	// Defaults to "sandbox".
	PSP string
	// Prefix is the path the page is mounted under. Defaults to "/pay".
	Prefix string
	// PollInterval is how often the page asks for the payment's status
	// while it is under way. Defaults to one second.
	PollInterval time.Duration
	// Headers configures the security headers (HSTS, proxies); the page
	// sets its own Content-Security-Policy.
	Headers httpsec.HeadersConfig
	Logger  *slog.Logger // Defaults to discarding.
}

// Handler serves the pay page.
type Handler struct {
	payments Payments
	cfg      Config
	log      *slog.Logger
	h        http.Handler
}

//go:embed static
var static embed.FS

var pageTmpl = template.Must(template.ParseFS(static, "static/page.html"))

// New returns the pay page over payments.
func New(payments Payments, cfg Config) (*Handler, error) {
	if payments == nil {
		return nil, errors.New("paypage: no payments to read")
	}
	if !strings.HasPrefix(cfg.PublishableKey, "pk_") {
		return nil, errors.New("paypage: PublishableKey: want a publishable key (pk_…)")
	}
	if cfg.SandboxBaseURL == "" {
		cfg.SandboxBaseURL = "/sandbox"
	}
	if cfg.PSP == "" {
		cfg.PSP = "sandbox"
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/pay"
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var origins []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"APIBaseURL", &cfg.APIBaseURL}, {"SandboxBaseURL", &cfg.SandboxBaseURL}} {
		origin, err := baseURL(*f.v)
		if err != nil {
			return nil, fmt.Errorf("paypage: %s %q: %w", f.name, *f.v, err)
		}
		*f.v = strings.TrimRight(*f.v, "/")
		if origin != "" {
			origins = append(origins, origin)
		}
	}
	hc := cfg.Headers
	hc.CSP = csp(origins)
	p := &Handler{payments: payments, cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+cfg.Prefix+"/{id}", p.page)
	mux.HandleFunc("GET "+cfg.Prefix+"/{id}/status", p.status)
	for _, f := range []string{"pay.js", "pay.css"} {
		mux.HandleFunc("GET "+cfg.Prefix+"/static/"+f, p.asset)
	}
	mux.HandleFunc(cfg.Prefix+"/", p.notFound)
	p.h = httpsec.Headers(hc)(mux)
	return p, nil
}

// baseURL checks a configured base URL, a path ("/sandbox") or an absolute
// http(s) URL, and returns its origin when it has one.
func baseURL(s string) (origin string, err error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("want no query, fragment or user")
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//") {
		return "", nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("want a path such as /sandbox or an http(s) URL")
	}
	return u.Scheme + "://" + u.Host, nil
}

// csp is the page's policy: its own script and styles, requests to its own
// origin and the API's and tokeniser's, no forms, no frames, no plugins.
func csp(origins []string) string {
	connect := "'self'"
	for _, o := range origins {
		connect += " " + o
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src " + connect +
		"; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
}

// ServeHTTP serves the page, its status and its assets.
func (p *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.h.ServeHTTP(w, r) }

// validID matches the payment IDs paystep makes ("pay_…"); anything else
// is not looked up.
var validID = regexp.MustCompile(`^pay_[A-Za-z0-9]{1,64}$`)

// load reads the payment of the request, or answers and returns nil.
func (p *Handler) load(w http.ResponseWriter, r *http.Request, asJSON bool) *payment.Payment {
	id := r.PathValue("id")
	fail := func(status int, msg string) *payment.Payment {
		if asJSON {
			writeJSON(w, status, errorJSON{Error: errorBody{Type: "invalid_request_error", Code: "resource_missing", Message: msg}})
		} else {
			p.message(w, status, msg)
		}
		return nil
	}
	if !validID.MatchString(id) {
		return fail(http.StatusNotFound, "There is no payment at this address. Check the link you were given.")
	}
	pay, err := p.payments.Get(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail(http.StatusNotFound, "There is no payment at this address. Check the link you were given.")
	case err != nil:
		p.log.ErrorContext(r.Context(), "pay page: reading a payment", "payment_id", id, "err", err)
		if asJSON {
			writeJSON(w, http.StatusInternalServerError, errorJSON{Error: errorBody{Type: "api_error", Code: "internal", Message: "an internal error occurred"}})
			return nil
		}
		p.message(w, http.StatusInternalServerError, "Something went wrong on our side. Nothing was charged by this page; please try again in a moment.")
		return nil
	}
	return pay
}

type pageView struct {
	Prefix, ID, Key, API, Sandbox, PollMS string
	Amount, Description, Status           string
	Message, Notice                       string
	ShowForm                              bool
}

func (p *Handler) page(w http.ResponseWriter, r *http.Request) {
	pay := p.load(w, r, false)
	if pay == nil {
		return
	}
	v := p.view()
	v.ID, v.Amount, v.Description, v.Status = pay.ID, pay.Amount.String(), pay.Description, string(pay.Status)
	// The form is for a payment no card was tried on yet; after a decline
	// the page waits for the PSP's word on it.
	v.ShowForm = pay.Status == payment.Created && pay.Pending == "" && pay.PaymentMethod.Token == "" && pay.Failure.Code == ""
	if v.ShowForm && pay.PSP != p.cfg.PSP {
		v.ShowForm = false
		v.Notice = "This payment is taken by another payment provider (" + pay.PSP + "); this page cannot take it."
	}
	p.render(w, http.StatusOK, v)
}

func (p *Handler) view() pageView {
	return pageView{Prefix: p.cfg.Prefix, Key: p.cfg.PublishableKey, API: p.cfg.APIBaseURL, Sandbox: p.cfg.SandboxBaseURL,
		PollMS: strconv.FormatInt(p.cfg.PollInterval.Milliseconds(), 10)}
}

func (p *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	p.message(w, http.StatusNotFound, "There is no payment at this address. Check the link you were given.")
}

// message answers with the page showing only msg.
func (p *Handler) message(w http.ResponseWriter, status int, msg string) {
	v := p.view()
	v.Message = msg
	p.render(w, status, v)
}

func (p *Handler) render(w http.ResponseWriter, status int, v pageView) {
	var b strings.Builder
	if err := pageTmpl.Execute(&b, v); err != nil {
		panic(fmt.Sprintf("paypage: render: %v", err)) // the template and its data are ours
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

func (p *Handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	b, err := static.ReadFile("static/" + name)
	if err != nil {
		panic(fmt.Sprintf("paypage: asset %s: %v", name, err)) // only embedded names are routed here
	}
	ctype := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		ctype = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
}
