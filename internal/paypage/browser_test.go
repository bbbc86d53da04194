package paypage_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
)

// chromium returns Debian's Chromium, or skips the test without it (fails
// it under CI, where scripts/test installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "Chromium is not installed (apt-get install chromium chromium-driver): the pay page's browser tests did not run"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile for t, stopped
// when t ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	var (
		mu   sync.Mutex
		done bool
	)
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf("chromedp: "+format, args...)
		}
	}
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancelBrowser() // closes the browser and waits for it
		cancelAlloc()
		mu.Lock()
		done = true
		mu.Unlock()
	})
	// The first action starts the browser, bound to bctx's life.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// tab is one browser tab, with the console messages it has seen.
type tab struct {
	ctx      context.Context
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	tb := &tab{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.messages = append(tb.messages, m)
			tb.mu.Unlock()
		}
	}()
	return tb
}

// problems lists the messages that say the page is broken: exceptions,
// console errors from scripts, and security reports (CSP violations).
// Failed requests (the 402 of a declined card) are expected.
func (tb *tab) problems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, m := range tb.messages {
		if m.IsException() || m.Source == "security" || m.Source == "violation" || (m.Source == "" && m.Type == chromedp.ConsoleError) {
			out = append(out, fmt.Sprintf("%s %s (%s:%d)", m.Source, m, m.URL, m.Line+1))
		}
	}
	return out
}

func (tb *tab) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (tb *tab) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// pay opens the pay page of payment id and pays with card number.
func (tb *tab) pay(t *testing.T, s *stack, id, number string) {
	t.Helper()
	tb.do(t, "open the pay page",
		chromedp.Navigate(s.URL+"/pay/"+id),
		chromedp.WaitVisible(chromedp.CSS("#card-form")),
		chromedp.SendKeys(chromedp.CSS("#card-number"), number),
		chromedp.SendKeys(chromedp.CSS("#card-exp"), fmt.Sprintf("12 / %02d", (time.Now().Year()+3)%100)),
		chromedp.SendKeys(chromedp.CSS("#card-cvc"), "123"),
		chromedp.Click(chromedp.CSS("#pay-button")),
	)
}

// outcome waits until the page shows a final status and returns it with
// the texts shown.
func (tb *tab) outcome(t *testing.T) (status, text, detail string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#outcome[data-final="true"]`))); err != nil {
		html, _ := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("waiting for the outcome: %v; the page shows:\n%s\nthe browser reported:\n%s", err, html, strings.Join(tb.problems(), "\n"))
	}
	attr, err := chromedp.Run(tb.ctx, chromedp.AttributeValue(chromedp.CSS("#outcome"), "data-status"))
	if err != nil {
		t.Fatal(err)
	}
	return attr.Value, tb.text(t, "#status-text"), tb.text(t, "#status-detail")
}

// cardDetail reports whether detail is the success line for amount with
// the card's last four digits.
func cardDetail(detail, amount, last4 string) bool {
	return detail == amount+" with visa ending "+last4+"."
}

// TestBrowser pays with Stripe's test cards in Debian's Chromium against
// the real stack, then scans the database and every log line for card
// numbers. Its cases share one browser and one stack, one after another:
// the scan at the end covers them all (and the machine is small).
func TestBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	s := newStack(t, stackOptions{runSandbox: true, pollInterval: 200 * time.Millisecond})

	t.Run("4242 succeeds", func(t *testing.T) {
		tb := newTab(t, browser)
		id := s.CreatePayment(1050, "eur", "Tea for two")
		// A mistyped number is refused by the tokeniser, and the form says so.
		tb.pay(t, s, id, "4242 4242 4242 4241")
		tb.do(t, "wait for the tokeniser's error", chromedp.WaitVisible(chromedp.CSS("#form-error")))
		if got := tb.text(t, "#form-error"); got != "Your card number is incorrect." {
			t.Errorf("form error = %q", got)
		}
		// Nothing reached paystep: the page still offers the form.
		tb.pay(t, s, id, "4242 4242 4242 4242")
		status, text, detail := tb.outcome(t)
		if status != "succeeded" || text != "Payment succeeded. Thank you!" || !cardDetail(detail, "10.50 EUR", "4242") {
			t.Errorf("page shows %s: %q %q", status, text, detail)
		}
		s.endedByWebhook(id, payment.Succeeded)
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
		}
	})

	t.Run("3-D Secure approved", func(t *testing.T) {
		tb := newTab(t, browser)
		id := s.CreatePayment(4999, "usd", "")
		tb.pay(t, s, id, "4000 0025 0000 3155")
		tb.do(t, "approve in the challenge",
			chromedp.WaitVisible(chromedp.CSS("#approve")),
			chromedp.Click(chromedp.CSS("#approve")),
		)
		status, text, detail := tb.outcome(t)
		if status != "succeeded" || text != "Payment succeeded. Thank you!" || !cardDetail(detail, "49.99 USD", "3155") {
			t.Errorf("page shows %s: %q %q", status, text, detail)
		}
		loc, err := chromedp.Run(tb.ctx, chromedp.Location())
		if err != nil || !strings.HasPrefix(loc, s.URL+"/pay/"+id+"?") {
			t.Errorf("after 3-D Secure the browser is at %q, %v; want back on the pay page", loc, err)
		}
		s.endedByWebhook(id, payment.Succeeded)
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
		}
	})

	t.Run("declined", func(t *testing.T) {
		tb := newTab(t, browser)
		id := s.CreatePayment(1200, "jpy", "")
		tb.pay(t, s, id, "4000000000000002")
		status, text, detail := tb.outcome(t)
		if status != "failed" || text != "Payment failed." || detail != "Your card was declined." {
			t.Errorf("page shows %s: %q %q", status, text, detail)
		}
		p := s.endedByWebhook(id, payment.Failed)
		if p.Failure.DeclineCode != "generic_decline" {
			t.Errorf("payment failure = %+v", p.Failure)
		}
		if p := tb.problems(); len(p) > 0 {
			t.Errorf("the browser reported:\n%s", strings.Join(p, "\n"))
		}
	})

	// The policy is really enforced: Chromium refuses an inline script on
	// the page, and says so where the cases above look.
	t.Run("CSP blocks inline scripts", func(t *testing.T) {
		tb := newTab(t, browser)
		id := s.CreatePayment(100, "eur", "")
		tb.do(t, "open the page", chromedp.Navigate(s.URL+"/pay/"+id), chromedp.WaitVisible(chromedp.CSS("#card-form")))
		ran, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(function () {
			window.__inline = false;
			var s = document.createElement("script");
			s.textContent = "window.__inline = true";
			document.head.appendChild(s);
			return window.__inline;
		})()`))
		if err != nil || ran {
			t.Fatalf("an inline script ran: %v, %v", ran, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(tb.problems()) == 0 && time.Now().Before(deadline) {
			select {
			case <-tb.ctx.Done():
				t.Fatal(tb.ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
		if p := tb.problems(); len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), "Content Security Policy") {
			t.Errorf("no CSP report from the browser: %q", p)
		}
	})

	t.Run("no card numbers stored or logged", func(t *testing.T) {
		dir := filepath.Dir(s.DBPath)
		files, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("database files in %s: %v, %v", dir, files, err)
		}
		logs := s.logs.Bytes()
		if !strings.Contains(string(logs), `"msg":"wiretap","method":"POST","url":"/v1/payments/`) {
			t.Fatalf("the wiretap saw no confirmation; logs:\n%s", logs)
		}
		var stored []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, b...)
			if found := findCards(b); len(found) > 0 {
				t.Errorf("%s holds card numbers: %q", filepath.Base(f), found)
			}
		}
		// The files hold what the suite stored: the payments' last4 and the
		// raw webhook events the intake keeps.
		for _, want := range []string{"payment_intent.succeeded", "payment_intent.payment_failed", "3155"} {
			if !strings.Contains(string(stored), want) {
				t.Errorf("the database files lack %q: the scan read the wrong files", want)
			}
		}
		if found := findCards(logs); len(found) > 0 {
			t.Errorf("the logs hold card numbers: %q", found)
		}

		// Positive controls: the same scans find a card number put where
		// they look, in the database file and in the logs.
		if _, err := s.Service.Create(t.Context(), payment.CreateParams{Amount: mustAmount(t, 100, "EUR"),
			Description: "planted 4000 0000 0000 0002"}); err != nil {
			t.Fatal(err)
		}
		files, err = filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		var planted []string
		for _, f := range files {
			found, err := scanFile(f)
			if err != nil {
				t.Fatal(err)
			}
			planted = append(planted, found...)
		}
		if len(planted) == 0 || planted[0] != "400000…0002" {
			t.Errorf("the scan of the database missed a planted card number: %q", planted)
		}
		control := &paytest.Buffer{}
		newLogger(control).Info("planted", "card_number", "4242-4242-4242-4242")
		if found := findCards(append(logs, control.Bytes()...)); len(found) != 1 || found[0] != "424242…4242" {
			t.Errorf("the scan of the logs missed a planted card number: %q", found)
		}
	})
}
