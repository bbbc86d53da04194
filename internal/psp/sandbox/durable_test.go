package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/cardscan"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/store/dbtest"
)

// The sandbox on paystep's databases: its state outlives the Sandbox that
// made it, and two Sandboxes on one database are one PSP.

// nodeIDs returns a NewID for one Sandbox of several sharing a database:
// sequential, with the node's name, so that no two make the same ID.
func nodeIDs(node string) func(string) string {
	seq := sandbox.Sequential()
	return func(prefix string) string {
		id := seq(prefix)
		return prefix + "_" + node + id[len(prefix)+1:]
	}
}

// openStore opens a fresh database of the backend as a sandbox.Store.
func openStore(t *testing.T, backend string) sandbox.Store {
	t.Helper()
	st, ok := dbtest.Open(t, backend).(sandbox.Store)
	if !ok {
		t.Fatalf("the %s store keeps no sandbox state", backend)
	}
	return st
}

// onEachBackend runs fn as a parallel subtest per database backend.
func onEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fn(t, backend)
		})
	}
}

// node starts a Sandbox named name on st, served over HTTP, delivering to r.
func node(t *testing.T, st sandbox.Store, name string, clk *clock.Fake, r *receiver, cfg sandbox.Config) *env {
	t.Helper()
	cfg.Store, cfg.NewID = st, nodeIDs(name)
	if r != nil {
		cfg.WebhookURL = r.srv.URL + "/webhooks/sandbox"
	}
	e := newEnvAt(t, cfg, clk)
	if r != nil && r.verify == nil {
		r.verify = e.client.VerifyEvent
	}
	return e
}

// stop drops a Sandbox as a crash would: it is no longer served or run.
func (e *env) stop() { e.srv.Close() }

// counts returns how many times the receiver got each event ID, and the
// types received in order.
func (r *receiver) counts() (map[string]int, []string) {
	n := map[string]int{}
	var types []string
	for _, ev := range r.received() {
		n[ev.ID]++
		types = append(types, ev.ProviderType)
	}
	return n, types
}

func checkOnce(t *testing.T, r *receiver) {
	t.Helper()
	n, types := r.counts()
	for id, c := range n {
		if c != 1 {
			t.Errorf("event %s delivered %d times, want once (received %v)", id, c, types)
		}
	}
}

func TestRestartKeepsPaymentsAndIdempotency(t *testing.T) {
	t.Parallel()
	onEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, clk, r := openStore(t, backend), clock.NewFake(start), newReceiver(t)
		a := node(t, st, "a", clk, r, sandbox.Config{})
		created, err := a.client.Create(ctx, psp.CreateParams{IdempotencyKey: "create-1", Amount: 1050, Currency: "EUR",
			Metadata: map[string]string{psp.MetadataPaymentID: "pay_1"}})
		if err != nil || created.Status != psp.StatusRequiresPaymentMethod {
			t.Fatalf("Create = %+v, %v", created, err)
		}
		if n := a.sb.RunDue(ctx); n != 1 {
			t.Fatalf("RunDue delivered %d, want the created event", n)
		}
		a.stop()

		// A new Sandbox on the same database: the customer pays.
		b := node(t, st, "b", clk, r, sandbox.Config{})
		again, err := b.client.Create(ctx, psp.CreateParams{IdempotencyKey: "create-1", Amount: 1050, Currency: "EUR",
			Metadata: map[string]string{psp.MetadataPaymentID: "pay_1"}})
		if err != nil || again.Ref != created.Ref {
			t.Fatalf("Create replayed after the restart = %+v, %v; want %s again", again, err, created.Ref)
		}
		in, err := b.client.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: "confirm-1", Ref: created.Ref, PaymentMethod: "pm_card_visa"})
		if err != nil || in.Status != psp.StatusSucceeded || in.PaymentMethod == nil || in.PaymentMethod.Last4 != "4242" {
			t.Fatalf("Confirm after the restart = %+v, %v; want succeeded with the 4242 card", in, err)
		}
		if n := b.sb.RunDue(ctx); n != 1 {
			t.Errorf("RunDue delivered %d, want the succeeded event", n)
		}
		if n := b.sb.RunDue(ctx); n != 0 {
			t.Errorf("RunDue again delivered %d, want none", n)
		}
		if _, types := r.counts(); strings.Join(types, " ") != "payment_intent.created payment_intent.succeeded" {
			t.Errorf("received %v; want created, then succeeded", types)
		}
		checkOnce(t, r)
		evs := r.received()
		if last := evs[len(evs)-1]; last.IntentRef != created.Ref || last.PaymentID != "pay_1" || last.Type != psp.EventPaymentSucceeded {
			t.Errorf("succeeded event = %+v", last)
		}
		got, err := b.client.Retrieve(ctx, created.Ref)
		if err != nil || got.Status != psp.StatusSucceeded || got.AmountReceived != 1050 {
			t.Errorf("Retrieve = %+v, %v", got, err)
		}
		if n := len(b.sb.Events()); n != 2 {
			t.Errorf("%d events kept, want 2", n)
		}
	})
}

func TestPendingDeliverySurvivesRestart(t *testing.T) {
	t.Parallel()
	onEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, clk, r := openStore(t, backend), clock.NewFake(start), newReceiver(t)
		r.fail = 1 // the first delivery fails
		a := node(t, st, "a", clk, r, sandbox.Config{RetryBase: 10 * time.Second})
		pay(t, a, "pm_card_visa", "")
		if n := a.sb.RunDue(ctx); n != 2 {
			t.Fatalf("RunDue tried %d, want 2", n)
		}
		if _, types := r.counts(); strings.Join(types, " ") != "payment_intent.succeeded" {
			t.Fatalf("received %v; want the succeeded event only, the created one failed", types)
		}
		a.stop()

		b := node(t, st, "b", clk, r, sandbox.Config{RetryBase: 10 * time.Second})
		if d, j := b.sb.Pending(); d != 1 || j != 0 {
			t.Fatalf("pending after the restart: %d deliveries, %d jobs; want the failed one", d, j)
		}
		if n := b.sb.RunDue(ctx); n != 0 {
			t.Errorf("RunDue before the retry is due tried %d", n)
		}
		clk.Advance(10 * time.Second)
		if n := b.sb.RunDue(ctx); n != 1 {
			t.Errorf("RunDue when the retry is due tried %d, want 1", n)
		}
		clk.Advance(time.Hour)
		if n := b.sb.RunDue(ctx); n != 0 {
			t.Errorf("RunDue after the retry succeeded tried %d, want none", n)
		}
		if _, types := r.counts(); strings.Join(types, " ") != "payment_intent.succeeded payment_intent.created" {
			t.Errorf("received %v", types)
		}
		checkOnce(t, r)
		if d, j := b.sb.Pending(); d != 0 || j != 0 {
			t.Errorf("pending at the end: %d deliveries, %d jobs", d, j)
		}
	})
}

func TestProcessingSurvivesRestart(t *testing.T) {
	t.Parallel()
	onEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, clk, r := openStore(t, backend), clock.NewFake(start), newReceiver(t)
		cfg := sandbox.Config{ProcessingDelay: 5 * time.Second}
		a := node(t, st, "a", clk, r, cfg)
		in := pay(t, a, "pm_card_visa", "")
		if in.Status != psp.StatusProcessing {
			t.Fatalf("Create = %s, want processing", in.Status)
		}
		a.stop() // before anything was delivered

		b := node(t, st, "b", clk, r, cfg)
		if d, j := b.sb.Pending(); d != 2 || j != 1 {
			t.Fatalf("pending after the restart: %d deliveries, %d jobs; want 2 and the settlement", d, j)
		}
		b.sb.RunDue(ctx)
		clk.Advance(5 * time.Second)
		b.sb.RunDue(ctx)
		b.sb.RunDue(ctx)
		if _, types := r.counts(); strings.Join(types, " ") != "payment_intent.created payment_intent.processing payment_intent.succeeded" {
			t.Errorf("received %v", types)
		}
		checkOnce(t, r)
		if got, err := b.client.Retrieve(ctx, in.Ref); err != nil || got.Status != psp.StatusSucceeded {
			t.Errorf("Retrieve = %+v, %v; want succeeded", got, err)
		}
	})
}

// TestDeadNodesClaimRunsOut: a delivery a node claimed and never finished
// (it died) is made by another once the claim runs out, not before.
func TestDeadNodesClaimRunsOut(t *testing.T) {
	t.Parallel()
	onEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st, clk, r := openStore(t, backend), clock.NewFake(start), newReceiver(t)
		a := node(t, st, "a", clk, r, sandbox.Config{})
		pay(t, a, "pm_card_visa", "")
		claimed, err := st.SandboxDeliveryClaimDue(ctx, clk.Now(), clk.Now().Add(time.Minute), 10) // as the dead node did
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim = %d, %v", len(claimed), err)
		}
		a.stop()
		b := node(t, st, "b", clk, r, sandbox.Config{})
		if n := b.sb.RunDue(ctx); n != 0 {
			t.Errorf("RunDue during the claim tried %d, want none", n)
		}
		clk.Advance(time.Minute)
		if n := b.sb.RunDue(ctx); n != 2 {
			t.Errorf("RunDue after the claim ran out tried %d, want 2", n)
		}
		checkOnce(t, r)
	})
}

// TestTwoSandboxesOnOnePostgres runs two Sandboxes on one PostgreSQL
// schema, each with connections of its own, as two serve nodes do:
// payments created through one are confirmed through the other, a payment
// confirmed through both at once is charged once, and with both running
// their due work at once each job runs once and each event is delivered
// once.
func TestTwoSandboxesOnOnePostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.PostgresURL(t)
	clk, r := clock.NewFake(start), newReceiver(t)
	cfg := sandbox.Config{ProcessingDelay: 2 * time.Second}
	a := node(t, dbtest.Postgres(t, url), "a", clk, r, cfg)
	b := node(t, dbtest.Postgres(t, url), "b", clk, r, cfg)

	const n = 12
	var refs []string
	for i := range n {
		in, err := a.client.Create(ctx, psp.CreateParams{IdempotencyKey: fmt.Sprintf("create-%d", i), Amount: int64(100 + i), Currency: "EUR"})
		if err != nil {
			t.Fatalf("Create through a = %v", err)
		}
		refs = append(refs, in.Ref)
	}
	// Each payment is confirmed through both at once, with different keys
	// (two customers' tabs): one confirmation wins, the other finds it
	// processing.
	var wg sync.WaitGroup
	won := make([]int, n)
	var mu sync.Mutex
	for i, ref := range refs {
		for _, e := range []*env{a, b} {
			wg.Go(func() {
				in, err := e.client.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: "confirm-" + e.srv.URL + ref, Ref: ref, PaymentMethod: "pm_card_visa"})
				var pe *psp.Error
				switch {
				case err == nil && in.Status == psp.StatusProcessing:
					mu.Lock()
					won[i]++
					mu.Unlock()
				case errors.As(err, &pe) && pe.Code == psp.CodeUnexpectedState:
				default:
					t.Errorf("Confirm %s = %+v, %v; want processing or unexpected_state", ref, in, err)
				}
			})
		}
	}
	wg.Wait()
	for i, w := range won {
		if w != 1 {
			t.Errorf("payment %s: %d confirmations went through, want 1", refs[i], w)
		}
	}

	// Both run their due work at once, rounds after the delay.
	clk.Advance(2 * time.Second)
	for range 3 {
		var wg sync.WaitGroup
		for _, e := range []*env{a, b} {
			wg.Go(func() { e.sb.RunDue(ctx) })
		}
		wg.Wait()
	}
	for _, e := range []*env{a, b} {
		if d, j := e.sb.Pending(); d != 0 || j != 0 {
			t.Errorf("pending at the end: %d deliveries, %d jobs", d, j)
		}
	}
	checkOnce(t, r)
	byRef := map[string][]string{}
	for _, ev := range r.received() {
		byRef[ev.IntentRef] = append(byRef[ev.IntentRef], ev.ProviderType)
	}
	for _, ref := range refs {
		got := map[string]int{}
		for _, typ := range byRef[ref] {
			got[typ]++
		}
		if len(got) != 3 || got["payment_intent.created"] != 1 || got["payment_intent.processing"] != 1 || got["payment_intent.succeeded"] != 1 {
			t.Errorf("events of %s = %v; want created, processing and succeeded once each", ref, byRef[ref])
		}
		for _, e := range []*env{a, b} {
			if in, err := e.client.Retrieve(ctx, ref); err != nil || in.Status != psp.StatusSucceeded || in.AmountReceived != in.Amount {
				t.Errorf("Retrieve %s = %+v, %v; want succeeded", ref, in, err)
			}
		}
	}
}

// TestDatabaseHoldsNoCardNumber tokenises cards on a SQLite file and scans
// the file for card numbers: only brand, last four digits and expiry are
// kept.
func TestDatabaseHoldsNoCardNumber(t *testing.T) {
	t.Parallel()
	path := dbtest.SQLitePath(t)
	st := dbtest.SQLite(t, path)
	e := node(t, st, "a", clock.NewFake(start), nil, sandbox.Config{})
	for i, number := range []string{"4242424242424242", "4000002500003155", "378282246310005", "4111111111111111"} {
		cvc := "123"
		if len(number) == 15 {
			cvc = "1234" // amex
		}
		form := url.Values{"type": {"card"}, "card[number]": {number}, "card[exp_month]": {"12"}, "card[exp_year]": {"2034"}, "card[cvc]": {cvc}}
		// With an Idempotency-Key, the request is remembered: by a hash.
		status, raw, _ := e.post(t, "/v1/payment_methods", fmt.Sprint("tok-", i), form.Encode())
		var pm map[string]any
		if status != http.StatusOK || json.Unmarshal([]byte(raw), &pm) != nil {
			t.Fatalf("tokenise = %d %s", status, raw)
		}
		if _, err := e.client.Create(context.Background(), psp.CreateParams{IdempotencyKey: "pay-" + pm["id"].(string), Amount: 100,
			Currency: "EUR", PaymentMethod: pm["id"].(string), Confirm: true}); err != nil && psp.OutcomeOf(err) != psp.Failed {
			t.Fatalf("pay with %s = %v", number[len(number)-4:], err)
		}
	}
	e.stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, m := range cardscan.Find(b) {
			t.Errorf("%s holds the card number %s", f, m.Masked())
		}
	}
}

// BenchmarkCreateConfirm measures a payment created and confirmed through
// the client over HTTP, its two events delivered: in memory and on each
// database.
func BenchmarkCreateConfirm(b *testing.B) {
	for _, backend := range append([]string{"memory"}, dbtest.Backends...) {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			r := newBenchReceiver(b)
			cfg := sandbox.Config{WebhookURL: r.URL + "/webhooks/sandbox", WebhookSecret: secret}
			if backend != "memory" {
				st, ok := dbtest.Open(b, backend).(sandbox.Store)
				if !ok {
					b.Fatal("no sandbox store")
				}
				cfg.Store = st
			}
			var h http.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			b.Cleanup(srv.Close)
			cfg.BaseURL, cfg.APIKey = srv.URL+"/sandbox", apiKey
			sb := sandbox.New(cfg)
			mux := http.NewServeMux()
			mux.Handle("/sandbox/", http.StripPrefix("/sandbox", sb))
			h = mux
			client := sandbox.NewClient(sandbox.ClientConfig{BaseURL: cfg.BaseURL, APIKey: apiKey})
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				in, err := client.Create(ctx, psp.CreateParams{IdempotencyKey: fmt.Sprint("c", i), Amount: 100, Currency: "EUR"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := client.Confirm(ctx, psp.ConfirmParams{IdempotencyKey: fmt.Sprint("k", i), Ref: in.Ref, PaymentMethod: "pm_card_visa"}); err != nil {
					b.Fatal(err)
				}
				if n := sb.RunDue(ctx); n != 2 {
					b.Fatalf("RunDue delivered %d, want 2", n)
				}
			}
		})
	}
}

// newBenchReceiver is a webhook endpoint that accepts everything.
func newBenchReceiver(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	b.Cleanup(srv.Close)
	return srv
}
