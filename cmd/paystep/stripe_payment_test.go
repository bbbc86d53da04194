package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/paytest"
)

// exampleDir is the stripe-payment example, seed 000.
const exampleDir = "../../examples/stripe-payment"

// TestStripePaymentExample runs seed 000 as shipped: the real paystep serve
// (a temporary SQLite file) with the example's bindings pointed at its
// stand-in services, the machine created and started with the AWS CLI, the
// payment confirmed as a customer would (the card tokenised at the sandbox,
// then confirmed with a publishable key), and the execution resumed by the
// sandbox's webhook. A 4242 card ends SUCCEEDED after the post-payment
// steps; a declined card takes the failure branch.
func TestStripePaymentExample(t *testing.T) {
	t.Parallel()
	aws := awsCLI(t)
	bin := buildPaystep(t)
	standin := startStandin(t)

	dir := t.TempDir()
	db := filepath.Join(dir, "paystep.db")
	bindings, err := os.ReadFile(filepath.Join(exampleDir, "bindings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bpath := filepath.Join(dir, "bindings.yaml")
	if err := os.WriteFile(bpath, bytes.ReplaceAll(bindings, []byte("http://127.0.0.1:9100"), []byte(standin.url)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A publishable key for the customer, made on the database like an operator would.
	code, out, errs := runMain(t, "keys", "create", "--db", db, "--kind", "publishable", "--name", "shop", "-o", "json")
	var pk keyJSON
	if code != 0 || json.Unmarshal([]byte(out), &pk) != nil {
		t.Fatalf("keys create = %d %q %q", code, out, errs)
	}
	p := startServe(t, bin, "--db", db, "--bindings", bpath)

	run := awsRunner(t, aws, p)
	var sm struct{ StateMachineArn string }
	run(&sm, "create-state-machine", "--name", "StripePayment", "--definition", "file://"+filepath.Join(exampleDir, "state-machine.asl.json"),
		"--role-arn", "arn:aws:iam::123456789012:role/paystep")
	input, err := os.ReadFile(filepath.Join(exampleDir, "input.json"))
	if err != nil {
		t.Fatal(err)
	}

	// history returns the execution's events.
	type event struct {
		Type                      string `json:"type"`
		ID                        int64  `json:"id"`
		StateEnteredEventDetails  *struct{ Name string }
		TaskSubmittedEventDetails *struct{ Output string }
	}
	history := func(arn string) []event {
		var h struct{ Events []event }
		run(&h, "get-execution-history", "--execution-arn", arn)
		for i, ev := range h.Events {
			if ev.ID != int64(i+1) {
				t.Fatalf("history of %s: event %d has id %d", arn, i+1, ev.ID)
			}
		}
		return h.Events
	}
	// pay starts an execution, waits for its payment and pays it with card.
	pay := func(name, card string) (arn string, confirm string) {
		var ex struct{ ExecutionArn string }
		run(&ex, "start-execution", "--state-machine-arn", sm.StateMachineArn, "--name", name, "--input", string(input))
		var payment struct {
			ID     string `json:"id"`
			Amount int64  `json:"amount"`
			Status string `json:"status"`
			PayURL string `json:"pay_url"`
		}
		for deadline := time.Now().Add(30 * time.Second); payment.ID == "" && time.Now().Before(deadline); {
			for _, ev := range history(ex.ExecutionArn) {
				if ev.TaskSubmittedEventDetails != nil {
					if err := json.Unmarshal([]byte(ev.TaskSubmittedEventDetails.Output), &payment); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if payment.Amount != 1050 || payment.Status != "created" || payment.PayURL != p.url+"/pay/"+payment.ID {
			t.Fatalf("the execution waits on payment %+v; want 1050 created with its pay page", payment)
		}
		pm := tokenize(t, p.url, card)
		return ex.ExecutionArn, confirmPayment(t, p.url, pk.Key, payment.ID, pm)
	}
	finish := func(arn string) (status, output, errName, cause string) {
		var desc struct{ Status, Output, Error, Cause string }
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
			run(&desc, "describe-execution", "--execution-arn", arn)
			if desc.Status != "RUNNING" {
				break
			}
		}
		return desc.Status, desc.Output, desc.Error, desc.Cause
	}
	entered := func(evs []event) []string {
		var out []string
		for _, ev := range evs {
			if ev.StateEnteredEventDetails != nil {
				out = append(out, ev.StateEnteredEventDetails.Name)
			}
		}
		return out
	}
	types := func(evs []event) string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.Type)
		}
		return strings.Join(out, " ")
	}

	t.Run("Succeeds", func(t *testing.T) {
		arn, confirmed := pay("order-1001", "4242424242424242")
		// The answer says processing, or succeeded when the webhook was faster.
		if !strings.Contains(confirmed, `"status":"processing"`) && !strings.Contains(confirmed, `"status":"succeeded"`) {
			t.Errorf("confirm = %s; want processing or succeeded", confirmed)
		}
		status, output, _, _ := finish(arn)
		var got struct {
			OrderID   string `json:"order_id"`
			PaymentID string `json:"payment_id"`
			Status    string `json:"status"`
			Amount    int64  `json:"amount"`
			Receipt   string `json:"receipt"`
			Inventory []struct {
				SKU  string `json:"sku"`
				Left int64  `json:"left"`
			} `json:"inventory"`
		}
		if err := json.Unmarshal([]byte(output), &got); status != "SUCCEEDED" || err != nil {
			t.Fatalf("execution %s, output %q; want SUCCEEDED\nserver log:\n%s", status, output, p.stderr)
		}
		if got.OrderID != "order-1001" || got.Status != "succeeded" || got.Amount != 1050 || got.Receipt != "ntf_1" ||
			len(got.Inventory) != 2 || got.Inventory[0].Left != 98 || got.Inventory[1].Left != 19 {
			t.Errorf("output = %+v", got)
		}
		evs := history(arn)
		if want := []string{"CreatePayment", "RecordPayment", "SendReceipt", "AdjustInventory", "PaymentComplete"}; strings.Join(entered(evs), " ") != strings.Join(want, " ") {
			t.Errorf("states entered = %v, want %v", entered(evs), want)
		}
		want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited" +
			strings.Repeat(" TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited", 3) +
			" PassStateEntered PassStateExited ExecutionSucceeded"
		if got := types(evs); got != want {
			t.Errorf("history = %s\nwant      %s", got, want)
		}
		var outbox []struct {
			Template, To string
			Data         struct{ Card string }
		}
		standin.get(t, "/notifications", &outbox)
		if len(outbox) != 1 || outbox[0].Template != "receipt" || outbox[0].To != "ada@example.com" || outbox[0].Data.Card != "visa ending 4242" {
			t.Errorf("notification outbox = %+v; want the receipt", outbox)
		}
	})

	t.Run("Declined", func(t *testing.T) {
		arn, confirmed := pay("order-1002", "4000000000000002")
		if !strings.Contains(confirmed, `"decline_code":"generic_decline"`) {
			t.Errorf("confirm = %s; want a generic decline", confirmed)
		}
		status, _, errName, cause := finish(arn)
		if status != "FAILED" || errName != "Payment.Failed" || cause != "generic_decline" {
			t.Fatalf("execution %s %s %q; want FAILED Payment.Failed generic_decline\nserver log:\n%s", status, errName, cause, p.stderr)
		}
		if got, want := entered(history(arn)), "CreatePayment NotifyPaymentFailed PaymentFailed"; strings.Join(got, " ") != want {
			t.Errorf("states entered = %v, want %s", got, want)
		}
		var outbox []struct{ Template, To string }
		standin.get(t, "/notifications", &outbox)
		if len(outbox) != 2 || outbox[1].Template != "payment_failed" {
			t.Errorf("notification outbox = %+v; want the failure notice last", outbox)
		}
	})

	t.Run("Metrics", func(t *testing.T) {
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A payment reaches its end from created or from processing,
		// depending on whether the webhook beats the confirm's answer.
		for _, to := range []string{"succeeded", "failed"} {
			re := regexp.MustCompile(`(?m)^paystep_payment_transitions_total\{from="[a-z_]+",psp="sandbox",to="` + to + `"\} (\d+)$`)
			sum := 0
			for _, m := range re.FindAllStringSubmatch(string(body), -1) {
				n, _ := strconv.Atoi(m[1])
				sum += n
			}
			if sum != 1 {
				t.Errorf("/metrics counts %d payment transitions to %s, want 1", sum, to)
			}
		}
		for _, series := range []string{
			`paystep_webhooks_total{outcome="applied",provider="sandbox"}`,
			`paystep_task_resumptions_pending 0`,
		} {
			if !strings.Contains(string(body), series) {
				t.Errorf("/metrics lacks %s", series)
			}
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", body)
		}
	})

	t.Run("PublicEndpointsHardened", func(t *testing.T) {
		// The tokeniser, where card testing aims, allows 10 at once per address.
		limited := false
		for i := 0; i < 12 && !limited; i++ {
			resp, err := http.PostForm(p.url+"/sandbox/v1/payment_methods", url.Values{"type": {"card"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("tokeniser answer lacks the security headers: %v", resp.Header)
			}
			limited = resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != ""
		}
		if !limited {
			t.Error("12 tokenisations from one address were all let through; want 429 with Retry-After")
		}
	})

	p.stop(t)
	// No card number reached the database or the server's log.
	for _, f := range []string{db, db + "-wal"} {
		b, _ := os.ReadFile(f)
		for _, card := range []string{"4242424242424242", "4000000000000002"} {
			if bytes.Contains(b, []byte(card)) {
				t.Errorf("%s holds the card number %s", filepath.Base(f), card)
			}
		}
	}
	for _, card := range []string{"4242424242424242", "4000000000000002"} {
		if strings.Contains(p.stderr.String(), card) {
			t.Errorf("the server's log holds the card number %s", card)
		}
	}
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
	if err := json.NewDecoder(resp.Body).Decode(&pm); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(pm.ID, "pm_") {
		t.Fatalf("tokenise = %d %+v, %v", resp.StatusCode, pm, err)
	}
	return pm.ID
}

// confirmPayment confirms a payment with a publishable key and returns the answer.
func confirmPayment(t *testing.T, base, pk, id, pm string) string {
	t.Helper()
	r := paytest.Do(t, "POST", base+"/v1/payments/"+id+"/confirm", `{"payment_method":"`+pm+`"}`,
		"Authorization", "Bearer "+pk, "Content-Type", "application/json")
	return string(r.Body)
}

// standinProcess is the example's stand-in services, built and running.
type standinProcess struct{ url string }

func startStandin(t *testing.T) *standinProcess {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "standin")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(gobin, "build", "-o", bin, exampleDir+"/standin").CombinedOutput(); err != nil {
		t.Fatalf("go build standin: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr paytest.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() // by its PID
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("standin printed nothing: %s", stderr.String())
	}
	_, u, ok := strings.Cut(sc.Text(), "listening on ")
	if !ok {
		t.Fatalf("standin printed %q", sc.Text())
	}
	go io.Copy(io.Discard, stdout)
	return &standinProcess{url: u}
}

func (s *standinProcess) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}
