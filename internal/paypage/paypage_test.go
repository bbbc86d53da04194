package paypage_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paypage"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store/dbtest"
)

const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// tokenize sends a card to the sandbox's tokeniser, as the page's script
// does, and returns the token.
func (s *stack) tokenize(number string) string {
	s.t.Helper()
	form := url.Values{"type": {"card"}, "card[number]": {number}, "card[exp_month]": {"12"},
		"card[exp_year]": {strconv.Itoa(time.Now().Year() + 3)}, "card[cvc]": {"123"}}
	r := s.Do("POST", "/sandbox/v1/payment_methods", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != 200 {
		s.t.Fatalf("tokenise: %d %s", r.Status, r.Body)
	}
	return r.JSON(s.t)["id"].(string)
}

// confirm confirms payment id with token pm, as the page's script does.
func (s *stack) confirm(id, pm string) paytest.Response {
	s.t.Helper()
	body := `{"payment_method":"` + pm + `","return_url":"` + s.URL + `/pay/` + id + `"}`
	return s.Do("POST", "/v1/payments/"+id+"/confirm", body, "Authorization", "Bearer "+s.PublishableKey,
		"Content-Type", "application/json", "Idempotency-Key", id+":confirm:"+pm)
}

// status polls the page's status endpoint.
func (s *stack) status(id string) map[string]any {
	s.t.Helper()
	r := s.Do("GET", "/pay/"+id+"/status", "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Cache-Control") != "no-store" {
		s.t.Fatalf("GET /pay/%s/status = %d %v %s", id, r.Status, r.Header, r.Body)
	}
	return r.JSON(s.t)
}

func wantStatus(t *testing.T, got map[string]any, status string, final bool) {
	t.Helper()
	if got["status"] != status || got["final"] != final {
		t.Fatalf("status = %v (final %v), want %s (final %v): %v", got["status"], got["final"], status, final, got)
	}
}

// The page's flow, driven over HTTP as its script drives it: the outcome
// shows only once the PSP's webhook arrived.
func TestFlowOverHTTP(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})

	t.Run("4242 succeeds", func(t *testing.T) {
		id := s.CreatePayment(1050, "eur", "Tea for two")
		page := s.Do("GET", "/pay/"+id, "")
		for _, want := range []string{`id="card-form"`, `data-key="` + s.PublishableKey + `"`, `data-payment="` + id + `"`,
			`data-sandbox="/sandbox"`, `<span id="amount">10.50 EUR</span>`, `<p id="description">Tea for two</p>`} {
			if !strings.Contains(string(page.Body), want) {
				t.Errorf("GET /pay/%s = %d, want %s in:\n%s", id, page.Status, want, page.Body)
			}
		}
		wantStatus(t, s.status(id), "created", false)
		r := s.confirm(id, s.tokenize("4242 4242 4242 4242"))
		if r.Status != 200 {
			t.Fatalf("confirm = %d %s", r.Status, r.Body)
		}
		// The PSP said yes, but until its webhook says so the page waits.
		wantStatus(t, s.status(id), "processing", false)
		s.Deliver()
		got := s.status(id)
		wantStatus(t, got, "succeeded", true)
		if pm, _ := got["payment_method"].(map[string]any); pm["brand"] != "visa" || pm["last4"] != "4242" || got["amount_text"] != "10.50 EUR" {
			t.Errorf("status = %v, want the visa ending 4242 and 10.50 EUR", got)
		}
		s.endedByWebhook(id, payment.Succeeded)
		if page := s.Do("GET", "/pay/"+id, ""); strings.Contains(string(page.Body), "card-form") {
			t.Errorf("the page of a paid payment still shows the card form")
		}
	})

	t.Run("declined card", func(t *testing.T) {
		id := s.CreatePayment(2500, "usd", "")
		r := s.confirm(id, s.tokenize("4000000000000002"))
		if r.Status != 402 {
			t.Fatalf("confirm = %d %s, want 402", r.Status, r.Body)
		}
		// Declined, but failed only on the PSP's word.
		wantStatus(t, s.status(id), "created", false)
		if page := s.Do("GET", "/pay/"+id, ""); strings.Contains(string(page.Body), "card-form") {
			t.Errorf("the page offers the form again while the decline is being settled")
		}
		s.Deliver()
		got := s.status(id)
		wantStatus(t, got, "failed", true)
		if f, _ := got["failure"].(map[string]any); f["message"] != "Your card was declined." || f["decline_code"] != "generic_decline" {
			t.Errorf("failure = %v, want the sandbox's decline", got["failure"])
		}
		s.endedByWebhook(id, payment.Failed)
	})

	t.Run("3-D Secure approved", func(t *testing.T) {
		id := s.CreatePayment(999, "gbp", "")
		r := s.confirm(id, s.tokenize("4000002500003155"))
		next, _ := r.JSON(t)["next_action"].(map[string]any)
		challenge, _ := next["redirect_url"].(string)
		if r.Status != 200 || !strings.HasPrefix(challenge, s.URL+"/sandbox/3ds/") {
			t.Fatalf("confirm = %d %s, want a redirect to the sandbox's challenge", r.Status, r.Body)
		}
		got := s.status(id)
		wantStatus(t, got, "requires_action", false)
		if got["next_action_url"] != challenge {
			t.Errorf("status next_action_url = %v, want %s", got["next_action_url"], challenge)
		}
		path := strings.TrimPrefix(challenge, s.URL)
		if page := s.Do("GET", path, ""); page.Status != 200 || !strings.Contains(string(page.Body), `id="approve"`) {
			t.Fatalf("challenge page = %d %s", page.Status, page.Body)
		}
		answer := s.Do("POST", path, "action=approve", "Content-Type", "application/x-www-form-urlencoded")
		back, err := url.Parse(answer.Header.Get("Location"))
		if answer.Status != http.StatusSeeOther || err != nil || back.Path != "/pay/"+id || back.Query().Get("redirect_status") != "succeeded" {
			t.Fatalf("approving = %d Location %q, want a redirect back to the page", answer.Status, answer.Header.Get("Location"))
		}
		// Back on the page (its URL carries the sandbox's query): no form, and
		// no success until the webhook.
		if page := s.Do("GET", back.RequestURI(), ""); page.Status != 200 || strings.Contains(string(page.Body), "card-form") {
			t.Errorf("the page after 3-D Secure = %d, with the form: %s", page.Status, page.Body)
		}
		if got := s.status(id); got["status"] == "succeeded" {
			t.Errorf("status = succeeded before the webhook")
		}
		s.Deliver()
		wantStatus(t, s.status(id), "succeeded", true)
		s.endedByWebhook(id, payment.Succeeded)
	})
}

var (
	scriptTag  = regexp.MustCompile(`<script[^>]*>`)
	inlineAttr = regexp.MustCompile(`(?i)\s(on[a-z]+|style)\s*=|javascript:`)
	inputTag   = regexp.MustCompile(`<input[^>]*>`)
)

func TestPageHeadersAndMarkup(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	id := s.CreatePayment(1050, "eur", `<script>alert("x")</script>`)
	for _, tc := range []struct {
		path, status, ctype, csp string
	}{
		{"/pay/" + id, "200", "text/html; charset=utf-8", pageCSP},
		{"/pay/" + id + "/status", "200", "application/json", pageCSP},
		{"/pay/static/pay.js", "200", "text/javascript; charset=utf-8", pageCSP},
		{"/pay/static/pay.css", "200", "text/css; charset=utf-8", pageCSP},
		{"/pay/pay_nosuchpayment", "404", "text/html; charset=utf-8", pageCSP},
		{"/pay/pay_nosuchpayment/status", "404", "application/json", pageCSP},
		{"/pay/..%2fv1%2fpayments", "404", "text/html; charset=utf-8", pageCSP},
		{"/pay/", "404", "text/html; charset=utf-8", pageCSP},
		{"/pay/static/page.html", "404", "text/html; charset=utf-8", pageCSP},
		{"/v1/payments", "401", "application/json", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
	} {
		r := s.Do("GET", tc.path, "")
		h := r.Header
		if strconv.Itoa(r.Status) != tc.status || h.Get("Content-Type") != tc.ctype || h.Get("Content-Security-Policy") != tc.csp ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s = %d %q\n CSP %q\n nosniff %q, referrer %q, frames %q, HSTS %q",
				tc.path, r.Status, h.Get("Content-Type"), h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"),
				h.Get("Referrer-Policy"), h.Get("X-Frame-Options"), h.Get("Strict-Transport-Security"))
		}
	}

	page := string(s.Do("GET", "/pay/"+id, "").Body)
	if tags := scriptTag.FindAllString(page, -1); len(tags) != 1 || tags[0] != `<script src="/pay/static/pay.js" defer>` {
		t.Errorf("script tags = %q, want only the static script", tags)
	}
	if m := inlineAttr.FindString(page); m != "" {
		t.Errorf("the page has inline script or style: %q", m)
	}
	if !strings.Contains(page, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
		t.Errorf("the description is not escaped:\n%s", page)
	}
	inputs := inputTag.FindAllString(page, -1)
	if len(inputs) != 3 {
		t.Errorf("inputs = %q, want number, expiry and CVC", inputs)
	}
	for _, in := range inputs {
		// Unnamed inputs are never submitted by a form: without the script
		// the card goes nowhere.
		if strings.Contains(in, " name=") {
			t.Errorf("card input %s has a name", in)
		}
	}
	if !strings.Contains(page, `<form id="card-form" hidden>`) || strings.Contains(page, "action=") {
		t.Errorf("the form must start hidden (shown by the script) and have no action:\n%s", page)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	svc, err := payment.NewService(st, []psp.Provider{psptest.AlwaysApproves()}, payment.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  paypage.Config
		want string
	}{
		{paypage.Config{}, "paypage: PublishableKey: want a publishable key (pk_…)"},
		{paypage.Config{PublishableKey: "sk_secret"}, "paypage: PublishableKey: want a publishable key (pk_…)"},
		{paypage.Config{PublishableKey: "pk_x", SandboxBaseURL: "sandbox"}, `paypage: SandboxBaseURL "sandbox": want a path such as /sandbox or an http(s) URL`},
		{paypage.Config{PublishableKey: "pk_x", SandboxBaseURL: "//evil.example/x"}, `paypage: SandboxBaseURL "//evil.example/x": want a path such as /sandbox or an http(s) URL`},
		{paypage.Config{PublishableKey: "pk_x", APIBaseURL: "javascript:alert(1)"}, `paypage: APIBaseURL "javascript:alert(1)": want a path such as /sandbox or an http(s) URL`},
		{paypage.Config{PublishableKey: "pk_x", APIBaseURL: "https://api.example.com/?x=1"}, `paypage: APIBaseURL "https://api.example.com/?x=1": want no query, fragment or user`},
		{paypage.Config{PublishableKey: "pk_x", APIBaseURL: "https://api.example.com"}, ""},
	} {
		_, err := paypage.New(svc, tc.cfg)
		if got := errString(err); got != tc.want {
			t.Errorf("New(%+v) = %q, want %q", tc.cfg, got, tc.want)
		}
	}
	if _, err := paypage.New(nil, paypage.Config{PublishableKey: "pk_x"}); err == nil {
		t.Error("New(nil payments) = nil error")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// With the API and the tokeniser on other origins, the page may talk to
// them; over TLS it asks for HSTS.
func TestOtherOriginsAndTLS(t *testing.T) {
	t.Parallel()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	svc, err := payment.NewService(st, []psp.Provider{psptest.AlwaysApproves()}, payment.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := paypage.New(svc, paypage.Config{PublishableKey: "pk_x", APIBaseURL: "https://api.example.com/",
		SandboxBaseURL: "https://psp.example.com:8443/sandbox/", Prefix: "/checkout/"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	p, err := svc.Create(t.Context(), payment.CreateParams{Amount: mustAmount(t, 1200, "JPY")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(srv.URL + "/checkout/" + p.ID)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	wantCSP := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://api.example.com https://psp.example.com:8443; " +
		"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != wantCSP || resp.Header.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("GET over TLS = %d\n CSP %q\n HSTS %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("Strict-Transport-Security"))
	}
	for _, want := range []string{`data-api="https://api.example.com"`, `data-sandbox="https://psp.example.com:8443/sandbox"`,
		`data-prefix="/checkout"`, `<script src="/checkout/static/pay.js" defer>`, `<span id="amount">1200 JPY</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
}

// A store that fails gives a plain 500, logged, and no details.
func TestStoreFailure(t *testing.T) {
	t.Parallel()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	svc, err := payment.NewService(st, []psp.Provider{psptest.AlwaysApproves()}, payment.Config{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &paytest.Buffer{}
	h, err := paypage.New(svc, paypage.Config{PublishableKey: "pk_x", Logger: newLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/pay/pay_abc", "/pay/pay_abc/status"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if resp.StatusCode != 500 || strings.Contains(body, "sql") || strings.Contains(body, "closed") {
			t.Errorf("GET %s on a closed store = %d %s", path, resp.StatusCode, body)
		}
	}
	if n := strings.Count(string(logs.Bytes()), `"msg":"pay page: reading a payment"`); n != 2 {
		t.Errorf("logged %d failures, want 2:\n%s", n, logs.Bytes())
	}
}

func mustAmount(t *testing.T, minor int64, currency string) money.Amount {
	t.Helper()
	c, err := money.ParseCurrency(currency)
	if err != nil {
		t.Fatal(err)
	}
	return money.New(minor, c)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Card testing (many cards tried from one address) meets the tokeniser's
// limit: 429 with Retry-After, and the sandbox never sees the card.
func TestTokenizerLimit(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	form := url.Values{"card[number]": {"4000000000000002"}, "card[exp_month]": {"12"},
		"card[exp_year]": {strconv.Itoa(time.Now().Year() + 3)}, "card[cvc]": {"123"}}.Encode()
	for i := range 11 {
		r := s.Do("POST", "/sandbox/v1/payment_methods", form, "Content-Type", "application/x-www-form-urlencoded")
		want := 200
		if i == 10 {
			want = 429
		}
		if r.Status != want {
			t.Fatalf("tokenisation #%d = %d %s, want %d", i, r.Status, r.Body, want)
		}
		if want == 429 && (r.Header.Get("Retry-After") != "6" || r.JSON(t)["error"].(map[string]any)["type"] != "rate_limit_error") {
			t.Errorf("429 = Retry-After %q %s", r.Header.Get("Retry-After"), r.Body)
		}
	}
}

// A payment of another PSP gets no form: a sandbox token means nothing to it.
func TestOtherPSP(t *testing.T) {
	t.Parallel()
	st := dbtest.SQLite(t, dbtest.SQLitePath(t))
	prov := psptest.AlwaysApproves()
	svc, err := payment.NewService(st, []psp.Provider{prov}, payment.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Create(t.Context(), payment.CreateParams{Amount: mustAmount(t, 500, "EUR")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		psp    string
		form   bool
		notice string
	}{
		{prov.Name(), true, ""},
		{"other", false, `<p id="notice" class="error">This payment is taken by another payment provider (` + prov.Name() + `); this page cannot take it.</p>`},
	} {
		h, err := paypage.New(svc, paypage.Config{PublishableKey: "pk_x", PSP: tc.psp})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/pay/"+p.ID, nil))
		body := w.Body.String()
		if w.Code != 200 || strings.Contains(body, `id="card-form"`) != tc.form || (tc.notice != "") != strings.Contains(body, `id="notice"`) ||
			!strings.Contains(body, tc.notice) {
			t.Errorf("PSP %q: GET = %d, want form %v and notice %q:\n%s", tc.psp, w.Code, tc.form, tc.notice, body)
		}
	}
}
