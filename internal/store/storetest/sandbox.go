package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/store"
)

// RunSandbox runs the suite of the sandbox PSP's state
// (store.SandboxStore). Each test calls open for a store of its own, empty
// and migrated.
func RunSandbox(t *testing.T, open func(t *testing.T) store.SandboxStore) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.SandboxStore)
	}{
		{"SandboxObject", testSandboxObject},
		{"SandboxObjectLockSerialisesChanges", testSandboxObjectLock},
		{"SandboxInTx", testSandboxInTx},
		{"SandboxInTxUsableAfterErrors", testSandboxInTxUsableAfterErrors},
		{"SandboxEvent", testSandboxEvent},
		{"SandboxDelivery", testSandboxDelivery},
		{"SandboxDeliveryClaimConcurrent", testSandboxDeliveryClaimConcurrent},
		{"SandboxJob", testSandboxJob},
		{"SandboxJobTakeConcurrent", testSandboxJobTakeConcurrent},
		{"SandboxIdempotency", testSandboxIdempotency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func sandboxObject(kind, id, body string) *store.SandboxObject {
	return &store.SandboxObject{Kind: kind, ID: id, Body: []byte(body), UpdatedAt: t0}
}

func mustGetSandboxObject(t *testing.T, q store.SandboxQueries, kind, id string) *store.SandboxObject {
	t.Helper()
	o, err := q.SandboxObjectGet(t.Context(), kind, id, false)
	if err != nil {
		t.Fatalf("SandboxObjectGet(%s, %s) = %v", kind, id, err)
	}
	return o
}

func testSandboxObject(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	pi, pm := sandboxObject("intent", "pi_1", `{"amount":100}`), sandboxObject("method", "pi_1", `{"last4":"4242"}`)
	if err := s.SandboxObjectPut(ctx, pi, pm); err != nil {
		t.Fatalf("SandboxObjectPut = %v", err)
	}
	want := &store.SandboxObject{Kind: "intent", ID: "pi_1", Body: []byte(`{"amount":100}`), UpdatedAt: at(0)}
	if diff := cmp.Diff(want, mustGetSandboxObject(t, s, "intent", "pi_1")); diff != "" {
		t.Errorf("SandboxObjectGet (-want +got):\n%s", diff)
	}
	if got := mustGetSandboxObject(t, s, "method", "pi_1"); string(got.Body) != `{"last4":"4242"}` {
		t.Errorf("the method that shares the intent's ID = %s; kinds must not collide", got.Body)
	}
	if _, err := s.SandboxObjectGet(ctx, "intent", "pi_missing", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxObjectGet(pi_missing) = %v, want ErrNotFound", err)
	}
	pi.Body, pi.UpdatedAt = []byte(`{"amount":100,"status":"succeeded"}`), t0.Add(time.Second)
	if err := s.SandboxObjectPut(ctx, pi); err != nil {
		t.Fatalf("SandboxObjectPut (replace) = %v", err)
	}
	want = &store.SandboxObject{Kind: "intent", ID: "pi_1", Body: pi.Body, UpdatedAt: at(time.Second)}
	if diff := cmp.Diff(want, mustGetSandboxObject(t, s, "intent", "pi_1")); diff != "" {
		t.Errorf("SandboxObjectGet after a replace (-want +got):\n%s", diff)
	}
}

// testSandboxObjectLock makes many transactions read, increment and write
// one counter at once: with the row locked by the read, none is lost.
func testSandboxObjectLock(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	if err := s.SandboxObjectPut(ctx, sandboxObject("intent", "pi_n", "0")); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 6, 5
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				err := s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
					o, err := q.SandboxObjectGet(ctx, "intent", "pi_n", true)
					if err != nil {
						return err
					}
					n, err := strconv.Atoi(string(o.Body))
					if err != nil {
						return err
					}
					o.Body = []byte(strconv.Itoa(n + 1))
					return q.SandboxObjectPut(ctx, o)
				})
				if err != nil {
					t.Errorf("increment = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := string(mustGetSandboxObject(t, s, "intent", "pi_n").Body); got != strconv.Itoa(workers*rounds) {
		t.Errorf("counter = %s after %d locked increments; updates were lost", got, workers*rounds)
	}
}

func testSandboxInTx(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		if err := q.SandboxObjectPut(ctx, sandboxObject("intent", "pi_rolled_back", "{}")); err != nil {
			return err
		}
		if err := q.SandboxEventAppend(ctx, &store.SandboxEvent{ID: "evt_rolled_back", Type: "x", Body: []byte("{}"), CreatedAt: t0}); err != nil {
			return err
		}
		if err := q.SandboxJobAdd(ctx, &store.SandboxJob{Kind: "settle", Ref: "pi_rolled_back", DueAt: t0}); err != nil {
			return err
		}
		if err := q.SandboxDeliveryAdd(ctx, &store.SandboxDelivery{EventID: "evt_rolled_back", EventType: "x", Body: []byte("{}"), DueAt: t0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("SandboxInTx = %v, want boom", err)
	}
	if _, err := s.SandboxObjectGet(ctx, "intent", "pi_rolled_back", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("object of a rolled back transaction: %v, want ErrNotFound", err)
	}
	if evs, err := s.SandboxEventList(ctx); err != nil || len(evs) != 0 {
		t.Errorf("events after a rollback = %d, %v; want none", len(evs), err)
	}
	if d, j, err := s.SandboxCountDue(ctx, at(time.Hour)); err != nil || d != 0 || j != 0 {
		t.Errorf("SandboxCountDue after a rollback = %d deliveries, %d jobs, %v; want none", d, j, err)
	}

	err = s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		if err := q.SandboxObjectPut(ctx, sandboxObject("intent", "pi_committed", `{"a":1}`)); err != nil {
			return err
		}
		// A transaction reads what it wrote.
		o, err := q.SandboxObjectGet(ctx, "intent", "pi_committed", true)
		if err != nil || string(o.Body) != `{"a":1}` {
			return fmt.Errorf("read back in the transaction: %v, %v", o, err)
		}
		return q.SandboxJobAdd(ctx, &store.SandboxJob{Kind: "settle", Ref: "pi_committed", DueAt: t0})
	})
	if err != nil {
		t.Fatalf("SandboxInTx = %v", err)
	}
	mustGetSandboxObject(t, s, "intent", "pi_committed")
	if d, j, err := s.SandboxCountDue(ctx, t0); err != nil || d != 0 || j != 1 {
		t.Errorf("SandboxCountDue = %d deliveries, %d jobs, %v; want the committed job", d, j, err)
	}
}

// testSandboxInTxUsableAfterErrors meets every condition a sandbox query
// reports inside one transaction and commits what was written around them.
func testSandboxInTxUsableAfterErrors(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	if err := s.SandboxEventAppend(ctx, &store.SandboxEvent{ID: "evt_taken", Type: "x", Body: []byte("{}"), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SandboxIdempotencyPut(ctx, &store.SandboxIdempotency{Key: "k", Fingerprint: "f", Status: 200, Body: []byte("{}"), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	err := s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		if _, err := q.SandboxObjectGet(ctx, "intent", "pi_missing", true); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("SandboxObjectGet(missing) = %v, want ErrNotFound", err)
		}
		if err := q.SandboxEventAppend(ctx, &store.SandboxEvent{ID: "evt_new", Type: "x", Body: []byte("{}"), CreatedAt: t0},
			&store.SandboxEvent{ID: "evt_taken", Type: "x", Body: []byte("{}"), CreatedAt: t0}); !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("SandboxEventAppend(taken) = %v, want ErrExists", err)
		}
		if err := q.SandboxIdempotencyPut(ctx, &store.SandboxIdempotency{Key: "k", Fingerprint: "g", Status: 201, Body: []byte("[]"), CreatedAt: t0}); !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("SandboxIdempotencyPut(taken) = %v, want ErrExists", err)
		}
		if _, err := q.SandboxIdempotencyGet(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("SandboxIdempotencyGet(missing) = %v, want ErrNotFound", err)
		}
		if _, err := q.SandboxEventGet(ctx, "evt_missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("SandboxEventGet(missing) = %v, want ErrNotFound", err)
		}
		if err := q.SandboxDeliveryRetry(ctx, 12345, t0); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("SandboxDeliveryRetry(missing) = %v, want ErrNotFound", err)
		}
		if err := q.SandboxDeliveryDelete(ctx, 12345); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("SandboxDeliveryDelete(missing) = %v, want ErrNotFound", err)
		}
		if err := q.SandboxObjectPut(ctx, sandboxObject("intent", "pi_after", "{}")); err != nil {
			return err
		}
		return q.SandboxEventAppend(ctx, &store.SandboxEvent{ID: "evt_after", Type: "x", Body: []byte("{}"), CreatedAt: t0})
	})
	if err != nil {
		t.Fatalf("SandboxInTx = %v", err)
	}
	mustGetSandboxObject(t, s, "intent", "pi_after")
	evs, err := s.SandboxEventList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	if diff := cmp.Diff([]string{"evt_taken", "evt_after"}, ids); diff != "" {
		t.Errorf("events (-want +got); the refused batch must leave nothing:\n%s", diff)
	}
	if e, err := s.SandboxIdempotencyGet(ctx, "k"); err != nil || e.Fingerprint != "f" || e.Status != 200 {
		t.Errorf("idempotency entry after a refused put = %+v, %v; want the first", e, err)
	}
}

func testSandboxEvent(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	var evs []*store.SandboxEvent
	for i := range 5 {
		evs = append(evs, &store.SandboxEvent{ID: fmt.Sprintf("evt_%d", i), Type: "payment_intent.created",
			Body: []byte(fmt.Sprintf(`{"n":%d}`, i)), CreatedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	if err := s.SandboxEventAppend(ctx, evs[:3]...); err != nil {
		t.Fatalf("SandboxEventAppend = %v", err)
	}
	if err := s.SandboxEventAppend(ctx, evs[3:]...); err != nil {
		t.Fatalf("SandboxEventAppend = %v", err)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Errorf("Seq of %s = %d, not above %s's %d", evs[i].ID, evs[i].Seq, evs[i-1].ID, evs[i-1].Seq)
		}
	}
	got, err := s.SandboxEventGet(ctx, "evt_2")
	want := &store.SandboxEvent{Seq: evs[2].Seq, ID: "evt_2", Type: "payment_intent.created", Body: []byte(`{"n":2}`), CreatedAt: at(2 * time.Second)}
	if err != nil {
		t.Fatalf("SandboxEventGet = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SandboxEventGet (-want +got):\n%s", diff)
	}
	if err := s.SandboxEventAppend(ctx, &store.SandboxEvent{ID: "evt_2", Type: "x", Body: []byte("{}"), CreatedAt: t0}); !errors.Is(err, store.ErrExists) {
		t.Errorf("SandboxEventAppend of a taken ID = %v, want ErrExists", err)
	}
	if err := s.SandboxEventTrim(ctx, 3); err != nil {
		t.Fatalf("SandboxEventTrim = %v", err)
	}
	list, err := s.SandboxEventList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	if diff := cmp.Diff([]string{"evt_2", "evt_3", "evt_4"}, ids); diff != "" {
		t.Errorf("events kept by SandboxEventTrim(3) (-want +got):\n%s", diff)
	}
	if _, err := s.SandboxEventGet(ctx, "evt_1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxEventGet of a trimmed event = %v, want ErrNotFound", err)
	}
}

func delivery(event string, due time.Duration) *store.SandboxDelivery {
	return &store.SandboxDelivery{EventID: event, EventType: "payment_intent.succeeded", Body: []byte(`{"id":"` + event + `"}`), DueAt: t0.Add(due)}
}

func deliveryEvents(ds []*store.SandboxDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.EventID)
	}
	return out
}

func testSandboxDelivery(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	if err := s.SandboxDeliveryAdd(ctx, delivery("evt_b", time.Second), delivery("evt_a", 0), delivery("evt_late", time.Hour)); err != nil {
		t.Fatalf("SandboxDeliveryAdd = %v", err)
	}
	// Same due time: the order they were added in.
	if err := s.SandboxDeliveryAdd(ctx, delivery("evt_c", time.Second), delivery("evt_c", time.Second)); err != nil {
		t.Fatalf("SandboxDeliveryAdd = %v", err)
	}
	if d, j, err := s.SandboxCountDue(ctx, at(time.Second)); err != nil || d != 4 || j != 0 {
		t.Errorf("SandboxCountDue = %d, %d, %v; want 4 deliveries", d, j, err)
	}
	got, err := s.SandboxDeliveryClaimDue(ctx, t0.Add(time.Second), t0.Add(time.Minute), 3)
	if err != nil {
		t.Fatalf("SandboxDeliveryClaimDue = %v", err)
	}
	if diff := cmp.Diff([]string{"evt_a", "evt_b", "evt_c"}, deliveryEvents(got)); diff != "" {
		t.Fatalf("claimed (-want +got):\n%s", diff)
	}
	for _, d := range got {
		if d.Attempts != 1 || !d.DueAt.Equal(at(time.Minute)) || string(d.Body) != `{"id":"`+d.EventID+`"}` || d.EventType != "payment_intent.succeeded" {
			t.Errorf("claimed %+v; want attempt 1, leased to +1m, with its body", d)
		}
	}
	if got[2].ID == 0 || got[0].ID == got[1].ID || got[1].ID == got[2].ID {
		t.Errorf("delivery IDs %d %d %d; want distinct, set by the store", got[0].ID, got[1].ID, got[2].ID)
	}
	// Leased: not due again until the lease ends.
	rest, err := s.SandboxDeliveryClaimDue(ctx, t0.Add(time.Second), t0.Add(time.Minute), 10)
	if err != nil || len(rest) != 1 || rest[0].EventID != "evt_c" || rest[0].ID == got[2].ID {
		t.Fatalf("second claim = %v, %v; want the second evt_c only", deliveryEvents(rest), err)
	}
	if err := s.SandboxDeliveryDelete(ctx, got[0].ID); err != nil {
		t.Fatalf("SandboxDeliveryDelete = %v", err)
	}
	if err := s.SandboxDeliveryRetry(ctx, got[1].ID, t0.Add(30*time.Second)); err != nil {
		t.Fatalf("SandboxDeliveryRetry = %v", err)
	}
	if err := s.SandboxDeliveryDelete(ctx, got[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxDeliveryDelete twice = %v, want ErrNotFound", err)
	}
	if err := s.SandboxDeliveryRetry(ctx, got[0].ID, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxDeliveryRetry of a deleted one = %v, want ErrNotFound", err)
	}
	// At +1m: the retried evt_b (due +30s) and both leases that ran out.
	again, err := s.SandboxDeliveryClaimDue(ctx, t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"evt_b", "evt_c", "evt_c"}, deliveryEvents(again)); diff != "" {
		t.Errorf("claimed at +1m (-want +got):\n%s", diff)
	}
	for _, d := range again {
		if d.Attempts != 2 {
			t.Errorf("%s (%d) attempts = %d, want 2", d.EventID, d.ID, d.Attempts)
		}
	}
	if d, _, err := s.SandboxCountDue(ctx, at(time.Hour)); err != nil || d != 4 {
		t.Errorf("SandboxCountDue at +1h = %d, %v; want 4 deliveries left", d, err)
	}
	if got, err := s.SandboxDeliveryClaimDue(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 0); err != nil || len(got) != 0 {
		t.Errorf("SandboxDeliveryClaimDue with limit 0 = %v, %v; want nothing", deliveryEvents(got), err)
	}
}

func testSandboxDeliveryClaimConcurrent(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	const n = 40
	var ds []*store.SandboxDelivery
	for i := range n {
		ds = append(ds, delivery(fmt.Sprintf("evt_%02d", i), 0))
	}
	if err := s.SandboxDeliveryAdd(ctx, ds...); err != nil {
		t.Fatal(err)
	}
	claimEachOnce(t, n, 8, "deliveries", func() ([]int64, error) {
		got, err := s.SandboxDeliveryClaimDue(ctx, t0, at(time.Minute), 3)
		keys := make([]int64, len(got))
		for i, r := range got {
			keys[i] = r.ID
		}
		return keys, err
	})
}

func testSandboxJob(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	if err := s.SandboxJobAdd(ctx, &store.SandboxJob{Kind: "settle_charge", Ref: "pi_2", DueAt: t0.Add(2 * time.Second)},
		&store.SandboxJob{Kind: "settle_refund", Ref: "re_1", DueAt: t0.Add(time.Second)},
		&store.SandboxJob{Kind: "fail_refund", Ref: "re_1", DueAt: t0.Add(time.Hour)},
		&store.SandboxJob{Kind: "settle_charge", Ref: "pi_1", DueAt: t0.Add(2 * time.Second)}); err != nil {
		t.Fatalf("SandboxJobAdd = %v", err)
	}
	if _, j, err := s.SandboxCountDue(ctx, at(2*time.Second)); err != nil || j != 3 {
		t.Errorf("SandboxCountDue = %d jobs, %v; want 3", j, err)
	}
	// Taken in a transaction that rolls back: still there.
	boom := errors.New("boom")
	err := s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		got, err := q.SandboxJobTakeDue(ctx, t0.Add(2*time.Second), 10)
		if err != nil {
			return err
		}
		if len(got) != 3 {
			return fmt.Errorf("took %d jobs, want 3", len(got))
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("SandboxInTx = %v, want boom", err)
	}
	var got []*store.SandboxJob
	err = s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		var err error
		got, err = q.SandboxJobTakeDue(ctx, t0.Add(2*time.Second), 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, j := range got {
		refs = append(refs, j.Kind+" "+j.Ref+" "+j.DueAt.Sub(t0.Truncate(time.Microsecond)).String())
	}
	if diff := cmp.Diff([]string{"settle_refund re_1 1s", "settle_charge pi_2 2s"}, refs); diff != "" {
		t.Errorf("taken, earliest first, then in the order added (-want +got):\n%s", diff)
	}
	left, err := s.SandboxJobTakeDue(ctx, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	refs = nil
	for _, j := range left {
		refs = append(refs, j.Kind+" "+j.Ref)
	}
	if diff := cmp.Diff([]string{"settle_charge pi_1", "fail_refund re_1"}, refs); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
	if _, j, err := s.SandboxCountDue(ctx, at(24*time.Hour)); err != nil || j != 0 {
		t.Errorf("SandboxCountDue after taking all = %d jobs, %v", j, err)
	}
}

func testSandboxJobTakeConcurrent(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	const n = 40
	for i := range n {
		if err := s.SandboxJobAdd(ctx, &store.SandboxJob{Kind: "settle_charge", Ref: fmt.Sprintf("pi_%02d", i), DueAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
	)
	for range 8 {
		wg.Go(func() {
			for {
				var got []*store.SandboxJob
				err := s.SandboxInTx(ctx, func(q store.SandboxQueries) error {
					var err error
					got, err = q.SandboxJobTakeDue(ctx, t0, 3)
					return err
				})
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					t.Errorf("SandboxJobTakeDue = %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					seen[j.Ref]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("took %d distinct jobs, want %d", len(seen), n)
	}
	for ref, c := range seen {
		if c != 1 {
			t.Errorf("job %s taken %d times, want once", ref, c)
		}
	}
}

func testSandboxIdempotency(t *testing.T, s store.SandboxStore) {
	ctx := t.Context()
	e := &store.SandboxIdempotency{Key: "key-1", Fingerprint: "POST /v1/payment_intents?amount=100", Status: 402, Body: []byte(`{"error":{}}`), CreatedAt: t0}
	if err := s.SandboxIdempotencyPut(ctx, e); err != nil {
		t.Fatalf("SandboxIdempotencyPut = %v", err)
	}
	if err := s.SandboxIdempotencyPut(ctx, &store.SandboxIdempotency{Key: "key-2", Fingerprint: "f", Status: 200, Body: []byte("{}"), CreatedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.SandboxIdempotencyGet(ctx, "key-1")
	if err != nil {
		t.Fatalf("SandboxIdempotencyGet = %v", err)
	}
	want := *e
	want.CreatedAt = at(0)
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("SandboxIdempotencyGet (-want +got):\n%s", diff)
	}
	if err := s.SandboxIdempotencyPut(ctx, &store.SandboxIdempotency{Key: "key-1", Fingerprint: "other", Status: 200, Body: []byte("{}"), CreatedAt: t0}); !errors.Is(err, store.ErrExists) {
		t.Errorf("SandboxIdempotencyPut of a taken key = %v, want ErrExists", err)
	}
	if _, err := s.SandboxIdempotencyGet(ctx, "key-missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxIdempotencyGet(missing) = %v, want ErrNotFound", err)
	}
	if n, err := s.SandboxIdempotencyDeleteBefore(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Errorf("SandboxIdempotencyDeleteBefore = %d, %v; want 1", n, err)
	}
	if _, err := s.SandboxIdempotencyGet(ctx, "key-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SandboxIdempotencyGet of a deleted key = %v, want ErrNotFound", err)
	}
	if _, err := s.SandboxIdempotencyGet(ctx, "key-2"); err != nil {
		t.Errorf("SandboxIdempotencyGet of a younger key = %v", err)
	}
}
