package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
	"github.com/paystep/paystep/internal/webhook"
)

// env is the intake over a real store, served on 127.0.0.1, with the
// in-process sandbox PSP, whose clock the service and the intake share.
type env struct {
	*paytest.Env
	in      *webhook.Intake
	srv     *httptest.Server
	kicks   int
	kicksMu sync.Mutex
}

func newEnv(t *testing.T, st store.PaymentStore) *env {
	t.Helper()
	e := &env{Env: paytest.NewEnv(t, st, paytest.EnvOptions{PSPClock: true})}
	e.in = e.Intake(webhook.Config{MaxBodyBytes: 64 << 10, CommittedFunc: func() { e.kicksMu.Lock(); e.kicks++; e.kicksMu.Unlock() }})
	mux := http.NewServeMux()
	mux.Handle("/webhooks/", e.in)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// post delivers a webhook and returns the status and body.
func (e *env) post(t *testing.T, provider string, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhooks/"+provider, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEventMovesPaymentOnce(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st)
		p, err := e.Service.Create(t.Context(), payment.CreateParams{Amount: money.New(1050, "EUR")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Service.Confirm(t.Context(), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
			t.Fatal(err)
		}
		evs := e.Fake.SignedEvents()
		last := evs[len(evs)-1]
		if last.Type != "payment_intent.succeeded" {
			t.Fatalf("last event %s, want payment_intent.succeeded", last.Type)
		}
		for i, want := range []string{`{"received":true}`, `{"received":true,"duplicate":true}`} {
			if code, body := e.post(t, "sandbox", last.Header, last.Body); code != 200 || strings.TrimSpace(body) != want {
				t.Errorf("delivery %d = %d %s, want 200 %s", i+1, code, body, want)
			}
		}
		got, err := e.Service.Get(t.Context(), p.ID)
		if err != nil || got.Status != payment.Succeeded {
			t.Fatalf("payment after the event = %+v, %v; want succeeded", got, err)
		}
		log, _ := e.Service.Log(t.Context(), p.ID)
		if l := log[len(log)-1]; l.To != payment.Succeeded || l.Cause.Kind != payment.CauseWebhook || l.Cause.EventID != last.ID {
			t.Errorf("last log entry = %+v, want →succeeded by webhook %s", l, last.ID)
		}
		stored, err := e.Store.WebhookEventGet(t.Context(), "sandbox", last.ID)
		if err != nil || !bytes.Equal(stored.Body, last.Body) || stored.ProcessedAt.IsZero() {
			t.Errorf("stored event = %+v, %v; want the raw body, processed", stored, err)
		}
		if e.kicks != 1 {
			t.Errorf("CommittedFunc called %d times, want once (the duplicate changed nothing)", e.kicks)
		}
		// An older event arriving late never moves the payment back.
		for _, ev := range evs[:len(evs)-1] {
			if code, body := e.post(t, "sandbox", ev.Header, ev.Body); code != 200 {
				t.Errorf("older event %s = %d %s", ev.Type, code, body)
			}
		}
		if got, _ := e.Service.Get(t.Context(), p.ID); got.Status != payment.Succeeded {
			t.Errorf("after older events the payment is %s, want succeeded", got.Status)
		}
		wantStats(t, e.in, webhook.Stats{{"sandbox", webhook.Applied}: 1, {"sandbox", webhook.Duplicate}: 1,
			{"sandbox", webhook.Ignored}: uint64(len(evs) - 1)})
		moves := e.Service.Stats().Moves
		if n := moves[payment.Move{PSP: "sandbox", From: payment.Processing, To: payment.Succeeded}]; n != 1 {
			t.Errorf("service counted %d moves processing→succeeded, want 1 (by the one applied event): %v", n, moves)
		}
	})
}

// wantStats checks the intake's counts.
func wantStats(t *testing.T, in *webhook.Intake, want webhook.Stats) {
	t.Helper()
	if got := in.Stats(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Stats = %v, want %v", got, want)
	}
}

func TestRefusedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore))
	p, err := e.Service.Create(t.Context(), payment.CreateParams{Amount: money.New(1050, "EUR")})
	if err != nil {
		t.Fatal(err)
	}
	ev := e.Fake.SignedEvents()[0]
	for _, tc := range []struct {
		name     string
		provider string
		header   http.Header
		body     []byte
		code     int
		want     string
	}{
		{"no signature", "sandbox", http.Header{}, ev.Body, 400, "no Stripe-Signature header"},
		{"tampered body", "sandbox", ev.Header, bytes.Replace(ev.Body, []byte("1050"), []byte("1"), 1), 400, "signature"},
		{"wrong secret", "sandbox", signed(e.Fake.Clock.Now(), ev.Body, "whsec_other"), ev.Body, 400, "signature"},
		{"stale", "sandbox", signed(e.Fake.Clock.Now().Add(-10*time.Minute), ev.Body, psptest.FakeWebhookSecret), ev.Body, 400, "tolerance"},
		{"unknown provider", "paypal", ev.Header, ev.Body, 404, `no PSP named \"paypal\"`},
		{"too large", "sandbox", ev.Header, bytes.Repeat([]byte("x"), 65<<10), 413, "larger than"},
	} {
		if code, body := e.post(t, tc.provider, tc.header, tc.body); code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.name, code, body, tc.code, tc.want)
		}
	}
	if _, err := e.Store.WebhookEventGet(t.Context(), "sandbox", ev.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused event was stored: %v", err)
	}
	if got, _ := e.Service.Get(t.Context(), p.ID); got.Version != p.Version {
		t.Errorf("refused events changed the payment: version %d → %d", p.Version, got.Version)
	}
	resp, err := e.srv.Client().Get(e.srv.URL + "/webhooks/sandbox")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}
	wantStats(t, e.in, webhook.Stats{{"sandbox", webhook.BadSignature}: 4, {"unknown", webhook.UnknownProvider}: 1,
		{"sandbox", webhook.BadRequest}: 2})
}

func signed(at time.Time, body []byte, secret stripesig.Secret) http.Header {
	h := http.Header{}
	h.Set(stripesig.HeaderName, stripesig.Sign(at, body, secret))
	return h
}

// delivery is one webhook request of the storm.
type delivery struct {
	ev  psptest.SignedEvent
	h   http.Header
	bad bool
}

// TestStorm delivers the events of hundreds of payments, with 30%
// duplicates, shuffled, concurrently, mixed with events whose signature is
// bad or stale: every payment ends in exactly the status the PSP decided,
// nothing is captured twice, and the bad events change nothing.
func TestStorm(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st)
		ctx := t.Context()
		const n = 300
		manual := 0
		for i := range n {
			in := payment.CreateParams{Amount: money.New(int64(100+i), "EUR"), Customer: fmt.Sprintf("cus_%d", i)}
			if i%5 == 3 || i%5 == 4 {
				in.CaptureMethod = payment.CaptureManual
			}
			p, err := e.Service.Create(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			switch i % 5 {
			case 0:
				_, err = e.Service.Confirm(ctx, p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"})
			case 1:
				_, err = e.Service.Confirm(ctx, p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa_chargeDeclinedInsufficientFunds"})
				if errors.Is(err, psp.ErrDeclined) {
					err = nil
				}
			case 2:
				_, err = e.Service.Cancel(ctx, p.ID)
			case 3:
				if _, err = e.Service.Confirm(ctx, p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_mastercard"}); err == nil {
					_, err = e.Service.Capture(ctx, p.ID, int64(50+i))
					manual++
				}
			case 4:
				if _, err = e.Service.Confirm(ctx, p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_amex"}); err == nil {
					_, err = e.Service.Cancel(ctx, p.ID) // release the authorisation
				}
			}
			if err != nil {
				t.Fatalf("payment %d: %v", i, err)
			}
		}
		before, _, err := e.Service.List(ctx, payment.ListParams{Limit: n})
		if err != nil || len(before) != n {
			t.Fatalf("List = %d payments, %v", len(before), err)
		}

		rng := rand.New(rand.NewPCG(4, 2))
		now := e.Fake.Clock.Now()
		var good, bad []delivery
		genuine := e.Fake.SignedEvents()
		for _, ev := range genuine {
			good = append(good, delivery{ev: ev, h: ev.Header})
			if rng.Float64() < 0.3 {
				good = append(good, delivery{ev: ev, h: ev.Header})
			}
			switch r := rng.IntN(10); {
			case r == 0:
				bad = append(bad, delivery{ev: ev, h: signed(now, ev.Body, "whsec_attacker"), bad: true})
			case r == 1:
				bad = append(bad, delivery{ev: ev, h: signed(now.Add(-6*time.Minute), ev.Body, psptest.FakeWebhookSecret), bad: true})
			case r == 2:
				// Forged: another type under the genuine signature.
				other := "payment_intent.succeeded"
				if ev.Type == other {
					other = "payment_intent.canceled"
				}
				body := bytes.Replace(ev.Body, []byte(`"`+ev.Type+`"`), []byte(`"`+other+`"`), 1)
				if bytes.Equal(body, ev.Body) {
					t.Fatalf("event %s does not name its type %s", ev.ID, ev.Type)
				}
				bad = append(bad, delivery{ev: psptest.SignedEvent{ID: ev.ID, Type: other, Body: body}, h: ev.Header, bad: true})
			}
		}
		if len(bad) < 30 {
			t.Fatalf("only %d bad deliveries; the storm needs more", len(bad))
		}

		// The bad ones alone change nothing.
		storm(t, e, bad)
		after, _, err := e.Service.List(ctx, payment.ListParams{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		for i := range before {
			if after[i].Version != before[i].Version || after[i].Status != before[i].Status {
				t.Errorf("bad events moved payment %s: %s v%d → %s v%d", before[i].ID, before[i].Status, before[i].Version, after[i].Status, after[i].Version)
			}
		}
		for _, d := range bad {
			if _, err := e.Store.WebhookEventGet(ctx, "sandbox", d.ev.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("bad delivery of %s was stored: %v", d.ev.ID, err)
			}
		}

		all := append(append([]delivery(nil), good...), bad...)
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		dups := storm(t, e, all)
		if want := len(good) - len(genuine); dups != want {
			t.Errorf("%d deliveries were answered as duplicates, want %d", dups, want)
		}
		ws := e.in.Stats()
		if got := ws[webhook.StatsKey{Provider: "sandbox", Outcome: webhook.BadSignature}]; got != uint64(2*len(bad)) {
			t.Errorf("Stats counted %d bad signatures, want %d (every bad delivery, twice)", got, 2*len(bad))
		}
		if got := ws[webhook.StatsKey{Provider: "sandbox", Outcome: webhook.Duplicate}]; got != uint64(dups) {
			t.Errorf("Stats counted %d duplicates, want %d", got, dups)
		}
		if got := ws[webhook.StatsKey{Provider: "sandbox", Outcome: webhook.Applied}] + ws[webhook.StatsKey{Provider: "sandbox", Outcome: webhook.Ignored}] +
			ws[webhook.StatsKey{Provider: "sandbox", Outcome: webhook.Refused}]; got != uint64(len(genuine)) {
			t.Errorf("Stats counted %d first deliveries (applied, ignored, refused), want %d: %v", got, len(genuine), ws)
		}

		// Every payment ends where the PSP says it is; nothing twice.
		final, _, err := e.Service.List(ctx, payment.ListParams{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		count := map[payment.Status]int{}
		for _, p := range final {
			in, err := e.Fake.Retrieve(ctx, p.PSPReference)
			if err != nil {
				t.Fatal(err)
			}
			want := payment.ObserveIntent(in).Status
			if p.Status != want || !p.Status.Terminal() {
				t.Errorf("payment %s is %s; the PSP says %s (%s)", p.ID, p.Status, want, in.Status)
			}
			if p.Status == payment.Succeeded && p.AmountCaptured != in.AmountReceived {
				t.Errorf("payment %s captured %d; the PSP received %d", p.ID, p.AmountCaptured, in.AmountReceived)
			}
			log, err := e.Service.Log(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			ends := 0
			for _, l := range log {
				if l.To.Terminal() {
					ends++
				}
			}
			if ends != 1 {
				t.Errorf("payment %s entered a terminal status %d times: %+v", p.ID, ends, log)
			}
			count[p.Status]++
		}
		if c := e.Count.Calls("capture"); c != manual {
			t.Errorf("PSP capture calls = %d, want %d", c, manual)
		}
		want := map[payment.Status]int{payment.Succeeded: 2 * n / 5, payment.Failed: n / 5, payment.Canceled: 2 * n / 5}
		if fmt.Sprint(count) != fmt.Sprint(want) {
			t.Errorf("statuses = %v, want %v", count, want)
		}
	})
}

// storm posts deliveries from 8 clients at once, checks each answer and
// returns how many were duplicates.
func storm(t *testing.T, e *env, ds []delivery) int {
	t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		dups int
		next = make(chan delivery)
	)
	for range 8 {
		wg.Go(func() {
			for d := range next {
				code, body := e.post(t, "sandbox", d.h, d.ev.Body)
				switch {
				case d.bad && code != 400:
					t.Errorf("bad delivery of %s (%s) = %d %s, want 400", d.ev.ID, d.ev.Type, code, body)
				case !d.bad && code != 200:
					t.Errorf("delivery of %s (%s) = %d %s, want 200", d.ev.ID, d.ev.Type, code, body)
				case !d.bad:
					var r struct{ Duplicate bool }
					if err := json.Unmarshal([]byte(body), &r); err != nil {
						t.Errorf("answer %q: %v", body, err)
					}
					if r.Duplicate {
						mu.Lock()
						dups++
						mu.Unlock()
					}
				}
			}
		})
	}
	for _, d := range ds {
		next <- d
	}
	close(next)
	wg.Wait()
	return dups
}
