package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/psp/stripesig"
)

var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	apiKey = stripesig.Secret("sk_test_sandbox")
	secret = stripesig.Secret("whsec_sandbox")
)

// env is a sandbox served over real HTTP on 127.0.0.1 with a client for it.
type env struct {
	sb     *sandbox.Sandbox
	srv    *httptest.Server
	client *sandbox.Client
	clk    *clock.Fake
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, cfg sandbox.Config) *env {
	t.Helper()
	return newEnvAt(t, cfg, clock.NewFake(start))
}

// newEnvAt is newEnv on the clock clk, with cfg's Store and NewID if set.
func newEnvAt(t *testing.T, cfg sandbox.Config, clk *clock.Fake) *env {
	t.Helper()
	e := &env{clk: clk, logs: &syncBuffer{}}
	cfg.Clock, cfg.APIKey = e.clk, apiKey
	if cfg.NewID == nil {
		cfg.NewID = sandbox.Sequential()
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.WebhookURL != "" && cfg.WebhookSecret == "" {
		cfg.WebhookSecret = secret
	}
	// The sandbox needs its own URL for 3-D Secure links: start the
	// listener first, then the handler.
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg.BaseURL = e.srv.URL + "/sandbox"
	e.sb = sandbox.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", e.sb))
	h = mux
	e.client = sandbox.NewClient(sandbox.ClientConfig{BaseURL: cfg.BaseURL, APIKey: apiKey,
		WebhookSecrets: []stripesig.Secret{secret}, Clock: e.clk})
	return e
}

// tokenize posts card data to the tokeniser as a browser would.
func (e *env) tokenize(t *testing.T, number, month, year, cvc string) (int, map[string]any, string) {
	t.Helper()
	form := url.Values{"type": {"card"}, "card[number]": {number}, "card[exp_month]": {month}, "card[exp_year]": {year}, "card[cvc]": {cvc}}
	resp, err := http.PostForm(e.srv.URL+"/sandbox/v1/payment_methods", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("tokenise answer %q: %v", raw, err)
	}
	return resp.StatusCode, out, string(raw)
}

// answerChallenge opens the 3-D Secure page and presses a button, as a
// browser would, without following the redirect.
func (e *env) answerChallenge(t *testing.T, in *psp.Intent, approve bool) *http.Response {
	t.Helper()
	resp, err := http.Get(in.NextAction.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET challenge = %s: %s", resp.Status, page)
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindSubmatch(page)
	if action == nil {
		t.Fatalf("challenge page has no form: %s", page)
	}
	value := "fail"
	if approve {
		value = "approve"
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page0, _ := url.Parse(in.NextAction.RedirectURL)
	ref, err := url.Parse(html.UnescapeString(string(action[1])))
	if err != nil {
		t.Fatalf("form action %q: %v", action[1], err)
	}
	target := page0.ResolveReference(ref)
	resp, err = noRedirect.PostForm(target.String(), url.Values{"action": {value}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestClientOverHTTPConforms(t *testing.T) {
	t.Parallel()
	for _, delay := range []time.Duration{0, 2 * time.Second} {
		t.Run("delay="+delay.String(), func(t *testing.T) {
			t.Parallel()
			psptest.Run(t, func(t *testing.T) *psptest.Harness {
				e := newEnv(t, sandbox.Config{ProcessingDelay: delay})
				h := &psptest.Harness{
					Provider: e.client,
					PaymentMethod: func(t *testing.T, number string) string {
						status, pm, raw := e.tokenize(t, number, "12", "2034", "123")
						if status != http.StatusOK {
							t.Fatalf("tokenise %s = %d %s", number[len(number)-4:], status, raw)
						}
						return pm["id"].(string)
					},
					Authenticate: func(t *testing.T, in *psp.Intent, approve bool) {
						if resp := e.answerChallenge(t, in, approve); resp.StatusCode != http.StatusSeeOther {
							t.Fatalf("POST challenge = %s, want 303 to the return URL", resp.Status)
						}
					},
				}
				if delay > 0 {
					h.Settle = func(*testing.T) {
						e.clk.Advance(delay)
						e.sb.RunDue(context.Background())
					}
				}
				return h
			})
		})
	}
}

func TestTokenizeKeepsOnlyTheSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	const number = "4242424242424242"
	status, pm, raw := e.tokenize(t, "4242 4242 4242 4242", "7", "34", "123")
	if status != http.StatusOK {
		t.Fatalf("tokenise = %d %s", status, raw)
	}
	card := pm["card"].(map[string]any)
	if !strings.HasPrefix(pm["id"].(string), "pm_") || card["brand"] != "visa" || card["last4"] != "4242" ||
		card["exp_month"] != 7.0 || card["exp_year"] != 2034.0 {
		t.Errorf("tokenise = %s; want pm_…, visa, 4242, 7/2034", raw)
	}
	if strings.Contains(raw, number) || strings.Contains(raw, "123") && strings.Contains(raw, "cvc") {
		t.Errorf("tokenise answer carries card data: %s", raw)
	}
	// Pay with it; then nothing the sandbox says or logs holds the number.
	ctx := context.Background()
	in, err := e.client.Create(ctx, psp.CreateParams{IdempotencyKey: "c", Amount: 100, Currency: "EUR", PaymentMethod: pm["id"].(string), Confirm: true})
	if err != nil || in.Status != psp.StatusSucceeded || in.PaymentMethod.Last4 != "4242" {
		t.Fatalf("pay with the token = %+v, %v", in, err)
	}
	for _, ev := range e.sb.Events() {
		if bytes.Contains(ev.Body, []byte(number)) {
			t.Errorf("event %s carries the card number", ev.ID)
		}
	}
	if strings.Contains(e.logs.String(), number) {
		t.Errorf("logs carry the card number")
	}
}

func TestTokenizeRejects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	for _, tc := range []struct {
		name, number, month, year, cvc string
		code, param                    string
	}{
		{"bad Luhn", "4242424242424241", "12", "2034", "123", "incorrect_number", "card[number]"},
		{"letters", "4242abcd42424242", "12", "2034", "123", "incorrect_number", "card[number]"},
		{"no number", "", "12", "2034", "123", "parameter_missing", "card[number]"},
		{"month 13", "4242424242424242", "13", "2034", "123", "invalid_expiry_month", "card[exp_month]"},
		{"past year", "4242424242424242", "12", "2029", "123", "invalid_expiry_year", "card[exp_year]"},
		{"past month", "4242424242424242", "12", "2029", "123", "invalid_expiry_year", "card[exp_year]"},
		{"expired this year", "4242424242424242", "0", "2030", "123", "invalid_expiry_month", "card[exp_month]"},
		{"short cvc", "4242424242424242", "12", "2034", "12", "invalid_cvc", "card[cvc]"},
		{"amex needs 4", "378282246310005", "12", "2034", "123", "invalid_cvc", "card[cvc]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, out, raw := e.tokenize(t, tc.number, tc.month, tc.year, tc.cvc)
			errObj, _ := out["error"].(map[string]any)
			if status < 400 || errObj == nil || errObj["code"] != tc.code || errObj["param"] != tc.param || errObj["message"] == "" {
				t.Errorf("tokenise = %d %s; want code %s on %s", status, raw, tc.code, tc.param)
			}
			if tc.number != "" && strings.Contains(raw, tc.number) {
				t.Errorf("error answer repeats the card number: %s", raw)
			}
		})
	}
}

func TestUnknownCardIsDeclinedLikeStripeTestMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	_, pm, _ := e.tokenize(t, "4111111111111111", "12", "2034", "123")
	_, err := e.client.Create(context.Background(), psp.CreateParams{IdempotencyKey: "c", Amount: 100, Currency: "EUR", PaymentMethod: pm["id"].(string), Confirm: true})
	if d, ok := psp.DeclineOf(err); !ok || d.DeclineCode != "test_mode_live_card" {
		t.Errorf("pay with a non-test card = %v; want a test_mode_live_card decline", err)
	}
}

func TestAPIKeyRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	bad := sandbox.NewClient(sandbox.ClientConfig{BaseURL: e.srv.URL + "/sandbox", APIKey: "sk_wrong"})
	_, err := bad.Create(context.Background(), psp.CreateParams{IdempotencyKey: "k", Amount: 100, Currency: "EUR"})
	var pe *psp.Error
	if !errors.As(err, &pe) || pe.Outcome != psp.Failed || pe.Type != psp.ErrorTypeAuthentication || pe.HTTPStatus != 401 {
		t.Errorf("Create with a wrong key = %v; want a Failed authentication error", err)
	}
}

func TestUnknownParameterRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/sandbox/v1/payment_intents", strings.NewReader("amount=100&currency=eur&colour=blue"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+string(apiKey))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "Received unknown parameter: colour") {
		t.Errorf("unknown parameter = %d %s", resp.StatusCode, raw)
	}
}

func TestChallengePageIsStrictAndRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	in, err := e.client.Create(context.Background(), psp.CreateParams{IdempotencyKey: "c", Amount: 1999, Currency: "EUR",
		PaymentMethod: "pm_card_authenticationRequired", Confirm: true, ReturnURL: "https://shop.example/done?order=7"})
	if err != nil || in.Status != psp.StatusRequiresAction {
		t.Fatalf("Create = %+v, %v", in, err)
	}
	resp, err := http.Get(in.NextAction.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' https://shop.example") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("challenge headers: CSP %q, nosniff %q", csp, resp.Header.Get("X-Content-Type-Options"))
	}
	if bytes.Contains(page, []byte("<script")) || bytes.Contains(page, []byte("style=")) || !bytes.Contains(page, []byte("19.99 EUR")) {
		t.Errorf("challenge page has inline code or lacks the amount: %s", page)
	}
	answer := e.answerChallenge(t, in, true)
	loc, _ := url.Parse(answer.Header.Get("Location"))
	if answer.StatusCode != http.StatusSeeOther || loc.Host != "shop.example" || loc.Query().Get("order") != "7" ||
		loc.Query().Get("payment_intent") != in.Ref || loc.Query().Get("redirect_status") != "succeeded" {
		t.Errorf("approve = %s to %s; want 303 to the return URL with payment_intent and redirect_status", answer.Status, loc)
	}
	// The challenge is closed now.
	resp, err = http.Get(in.NextAction.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a completed challenge = %s, want 404", resp.Status)
	}
	// A guessed challenge URL is not one.
	resp, err = http.PostForm(e.srv.URL+"/sandbox/3ds/"+in.Ref+"/3ds_guess", url.Values{"action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("POST a wrong challenge = %s, want 409", resp.Status)
	}
}

func TestConnectionRefusedIsFailedAndResetIsUnknown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	refused := sandbox.NewClient(sandbox.ClientConfig{BaseURL: "http://" + addr})
	_, err = refused.Confirm(context.Background(), psp.ConfirmParams{IdempotencyKey: "k", Ref: "pi_1"})
	if psp.OutcomeOf(err) != psp.Failed {
		t.Errorf("Confirm to a closed port = %v (%s); want Failed", err, psp.OutcomeOf(err))
	}

	// A server that reads the request and hangs up without answering.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	reset := sandbox.NewClient(sandbox.ClientConfig{BaseURL: srv.URL})
	_, err = reset.Confirm(context.Background(), psp.ConfirmParams{IdempotencyKey: "k", Ref: "pi_1"})
	if psp.OutcomeOf(err) != psp.Unknown {
		t.Errorf("Confirm answered by a hang-up = %v (%s); want Unknown", err, psp.OutcomeOf(err))
	}

	// A server slower than the client's timeout.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	timeout := sandbox.NewClient(sandbox.ClientConfig{BaseURL: slow.URL, Timeout: 50 * time.Millisecond})
	_, err = timeout.Capture(context.Background(), psp.CaptureParams{IdempotencyKey: "k", Ref: "pi_1"})
	if psp.OutcomeOf(err) != psp.Unknown {
		t.Errorf("Capture timing out = %v (%s); want Unknown", err, psp.OutcomeOf(err))
	}

	// 5xx: the PSP may have acted.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"type":"api_error","message":"boom"}}`, http.StatusInternalServerError)
	}))
	defer broken.Close()
	_, err = sandbox.NewClient(sandbox.ClientConfig{BaseURL: broken.URL}).Refund(context.Background(), psp.RefundParams{IdempotencyKey: "k", Ref: "pi_1"})
	if psp.OutcomeOf(err) != psp.Unknown {
		t.Errorf("Refund answered 500 = %v; want Unknown", err)
	}
}
