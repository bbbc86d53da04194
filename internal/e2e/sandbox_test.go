package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// sandboxDelay is how long the sandbox processes a payment: long enough for
// a payment confirmed just before the kill to be still processing, short
// enough for CI.
const sandboxDelay = 5 * time.Second

// payDef creates a payment at the built-in sandbox PSP and waits until it
// ends, resumed by the sandbox's webhook.
const payDef = `{"StartAt":"Pay","States":{
"Pay":{"Type":"Task","Resource":"arn:paystep:states:::payments:create.waitForTaskToken",
 "Parameters":{"amount.$":"$.amount","currency":"EUR","description.$":"$.order"},"ResultPath":"$.payment","End":true}}}`

// TestSandboxPaymentsSurviveSIGKILL kills `paystep serve` with SIGKILL while
// one payment waits for its customer and another, just confirmed, is still
// processing at the sandbox PSP; restarts it on the same SQLite file; has
// the first customer pay then; and checks that both executions end
// SUCCEEDED with their payments succeeded: the sandbox's payments, its
// pending processing and its webhooks outlive the process.
func TestSandboxPaymentsSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "paystep.db")
	args := []string{"--db", db, "--sandbox-delay", sandboxDelay.String()}
	srv := serve(t, "paystep serve", args...)
	var pk string
	eventually(t, time.Minute, "the development keys printed", func() bool {
		m := regexp.MustCompile(`publishable key: +(pk_\S+)`).FindStringSubmatch(srv.log.String())
		if m != nil {
			pk = m[1]
		}
		return m != nil
	})

	sm := srv.createMachine(t, "pay", payDef)
	waiting := srv.start(t, sm, "waits-for-customer", `{"amount":1050,"order":"order-1"}`)
	processing := srv.start(t, sm, "processing", `{"amount":2500,"order":"order-2"}`)
	waitingID, processingID := submittedPayment(t, srv, waiting), submittedPayment(t, srv, processing)

	if got := confirm(t, srv.url, pk, processingID, tokenize(t, srv.url, "4242424242424242")); got.Status != "processing" {
		t.Fatalf("confirm of %s = %+v; want processing for %s", processingID, got, sandboxDelay)
	}
	srv.kill(t)

	srv = serve(t, "paystep serve (restarted)", args...)
	// The customer opens the pay page after the restart, and pays.
	if status, body := get(t, srv.url+"/pay/"+waitingID); status != http.StatusOK || !strings.Contains(body, "10.50") {
		t.Errorf("GET /pay/%s after the restart = %d; want 200 with the amount:\n%s", waitingID, status, body)
	}
	if got := confirm(t, srv.url, pk, waitingID, tokenize(t, srv.url, "5555555555554444")); got.Status != "processing" && got.Status != "succeeded" {
		t.Fatalf("confirm of %s after the restart = %+v; want processing", waitingID, got)
	}

	for _, x := range []struct{ arn, id string }{{waiting, waitingID}, {processing, processingID}} {
		res := srv.awaitEnd(t, x.arn, time.Minute)
		var out struct {
			Payment struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"payment"`
		}
		if err := json.Unmarshal([]byte(res.Output), &out); res.Status != "SUCCEEDED" || err != nil ||
			out.Payment.ID != x.id || out.Payment.Status != "succeeded" {
			t.Errorf("%s ended %s (%s: %s) with %s; want SUCCEEDED with payment %s succeeded", x.arn, res.Status, res.Error, res.Cause, res.Output, x.id)
		}
		if n := count(res.History, "TaskSucceeded"); n != 1 {
			t.Errorf("%s: %d TaskSucceeded events, want 1", x.arn, n)
		}
	}
}

// TestSandboxSharedByTwoNodes runs two `paystep serve` processes on one
// PostgreSQL database: payments created at the sandbox through node a are
// paid through node b's sandbox and API, and one confirmed through a just
// before a is killed with SIGKILL finishes processing on b. Every
// execution ends SUCCEEDED on b.
func TestSandboxSharedByTwoNodes(t *testing.T) {
	t.Parallel()
	db := dbtest.PostgresURL(t)
	args := []string{"--db", db, "--sandbox-delay", "2s", "--lease", "2s", "--poll-interval", "200ms"}
	a := serve(t, "node a", args...)
	b := serve(t, "node b", args...)
	var pk string
	eventually(t, time.Minute, "the development keys printed", func() bool {
		m := regexp.MustCompile(`publishable key: +(pk_\S+)`).FindStringSubmatch(a.log.String())
		if m != nil {
			pk = m[1]
		}
		return m != nil
	})
	sm := a.createMachine(t, "pay", payDef)
	var arns, ids []string
	for i := range 4 {
		arn := a.start(t, sm, fmt.Sprintf("order-%d", i), fmt.Sprintf(`{"amount":%d,"order":"order-%d"}`, 1000+i, i))
		arns, ids = append(arns, arn), append(ids, submittedPayment(t, a, arn))
	}
	// The last is paid through a, which dies while it processes.
	if got := confirm(t, a.url, pk, ids[3], tokenize(t, a.url, "4242424242424242")); got.Status != "processing" {
		t.Fatalf("confirm of %s through a = %+v; want processing", ids[3], got)
	}
	a.kill(t)
	for _, id := range ids[:3] {
		if got := confirm(t, b.url, pk, id, tokenize(t, b.url, "4000056655665556")); got.Status != "processing" && got.Status != "succeeded" {
			t.Fatalf("confirm of %s through b = %+v; want processing", id, got)
		}
	}
	for i, arn := range arns {
		res := b.awaitEnd(t, arn, time.Minute)
		if res.Status != "SUCCEEDED" || !strings.Contains(res.Output, `"id":"`+ids[i]+`"`) || !strings.Contains(res.Output, `"status":"succeeded"`) {
			t.Errorf("%s ended %s (%s: %s) with %s; want SUCCEEDED with payment %s succeeded", arn, res.Status, res.Error, res.Cause, res.Output, ids[i])
		}
	}
}

// submittedPayment waits for the execution's payment task to submit and
// returns the payment's ID.
func submittedPayment(t *testing.T, p *proc, arn string) string {
	t.Helper()
	var id string
	eventually(t, time.Minute, arn+" waiting on its payment", func() bool {
		h, err := p.history(t.Context(), arn)
		if err != nil {
			return false
		}
		for _, ev := range h {
			if ev.Type != "TaskSubmitted" {
				continue
			}
			var d wire.TaskOutputEventDetails
			var pay struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			}
			if json.Unmarshal(ev.Details, &d) != nil || json.Unmarshal([]byte(d.Output), &pay) != nil || pay.Status != "created" {
				t.Fatalf("TaskSubmitted of %s: %s; want a created payment", arn, ev.Details)
			}
			id = pay.ID
		}
		return id != ""
	})
	return id
}

// tokenize sends a card to the sandbox's tokeniser, as the pay page's
// script does from the customer's browser, and returns the pm_… token.
func tokenize(t *testing.T, base, number string) string {
	t.Helper()
	form := url.Values{"type": {"card"}, "card[number]": {number}, "card[exp_month]": {"12"}, "card[exp_year]": {"2034"}, "card[cvc]": {"123"}}
	resp, err := http.PostForm(base+"/sandbox/v1/payment_methods", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pm struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&pm); err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(pm.ID, "pm_") {
		t.Fatalf("tokenise = %d %+v, %v", resp.StatusCode, pm, err)
	}
	return pm.ID
}

type confirmed struct {
	Status      string `json:"status"`
	DeclineCode string `json:"decline_code"`
	Raw         string `json:"-"`
}

// confirm confirms a payment with a publishable key, as the pay page does.
func confirm(t *testing.T, base, pk, id, pm string) confirmed {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, base+"/v1/payments/"+id+"/confirm", strings.NewReader(`{"payment_method":"`+pm+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+pk)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c confirmed
	if err := json.Unmarshal(b, &c); err != nil || resp.StatusCode != http.StatusOK {
		c.Status = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	c.Raw = string(b)
	return c
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
