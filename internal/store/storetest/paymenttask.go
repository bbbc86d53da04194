package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/store"
)

func testPaymentTask(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	mustCreatePayment(t, s, payment("pay_1"))
	for _, tok := range []string{"tok_b", "tok_a"} {
		if err := s.PaymentTaskAdd(ctx, &store.PaymentTask{PaymentID: "pay_1", TaskToken: tok, CreatedAt: t0}); err != nil {
			t.Fatalf("PaymentTaskAdd(%s) = %v", tok, err)
		}
	}
	if err := s.PaymentTaskAdd(ctx, &store.PaymentTask{PaymentID: "pay_1", TaskToken: "tok_a", CreatedAt: t0}); !errors.Is(err, store.ErrExists) {
		t.Errorf("PaymentTaskAdd of a bound token = %v, want ErrExists", err)
	}
	if err := s.PaymentTaskAdd(ctx, &store.PaymentTask{PaymentID: "pay_missing", TaskToken: "tok_c", CreatedAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PaymentTaskAdd to a missing payment = %v, want ErrNotFound", err)
	}
	got, err := s.PaymentTaskList(ctx, "pay_1")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PaymentTask{{PaymentID: "pay_1", TaskToken: "tok_a", CreatedAt: at(0)}, {PaymentID: "pay_1", TaskToken: "tok_b", CreatedAt: at(0)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PaymentTaskList (-want +got):\n%s", diff)
	}
	if err := s.PaymentTaskDelete(ctx, "pay_1", "tok_a", "tok_missing"); err != nil {
		t.Fatal(err)
	}
	got, err = s.PaymentTaskList(ctx, "pay_1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:], got); diff != "" {
		t.Errorf("PaymentTaskList after deleting tok_a (-want +got):\n%s", diff)
	}
}

func resumption(token string, due time.Duration) *store.TaskResumption {
	return &store.TaskResumption{TaskToken: token, PaymentID: "pay_1", Outcome: store.ResumeSuccess,
		Output: []byte(`{"id":"pay_1"}`), CreatedAt: t0, DueAt: t0.Add(due)}
}

func testTaskResumption(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	fail := &store.TaskResumption{TaskToken: "tok_fail", PaymentID: "pay_2", Outcome: store.ResumeFailure,
		Error: "Payment.Failed", Cause: "card_declined", CreatedAt: t0, DueAt: t0}
	if err := s.TaskResumptionAdd(ctx, resumption("tok_late", time.Minute), resumption("tok_now", 0), fail); err != nil {
		t.Fatalf("TaskResumptionAdd = %v", err)
	}
	err := s.TaskResumptionAdd(ctx, resumption("tok_new", 0), resumption("tok_now", 0))
	var be *store.BatchError
	if !errors.As(err, &be) || !errors.Is(err, store.ErrExists) || !cmp.Equal(be.Keys, []string{"tok_now"}) {
		t.Errorf("TaskResumptionAdd with a taken token = %v, want a BatchError of ErrExists naming tok_now", err)
	}
	if _, err := s.TaskResumptionGet(ctx, "tok_new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TaskResumptionGet(tok_new) after a refused batch = %v, want ErrNotFound", err)
	}
	if n, err := s.TaskResumptionCountUndelivered(ctx); err != nil || n != 3 {
		t.Errorf("TaskResumptionCountUndelivered = %d, %v; want 3", n, err)
	}

	lease := at(30 * time.Second)
	claimed, err := s.TaskResumptionClaimDue(ctx, t0, lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, r := range claimed {
		tokens = append(tokens, r.TaskToken)
		if r.Attempts != 1 || !r.DueAt.Equal(lease) {
			t.Errorf("claimed %s: attempts %d, due %v; want 1 and %v", r.TaskToken, r.Attempts, r.DueAt, lease)
		}
	}
	if diff := cmp.Diff([]string{"tok_fail", "tok_now"}, tokens); diff != "" {
		t.Errorf("TaskResumptionClaimDue tokens (-want +got):\n%s", diff)
	}
	if again, err := s.TaskResumptionClaimDue(ctx, t0, lease, 10); err != nil || len(again) != 0 {
		t.Errorf("TaskResumptionClaimDue while leased = %d resumptions, %v; want none", len(again), err)
	}
	got, err := s.TaskResumptionGet(ctx, "tok_fail")
	if err != nil {
		t.Fatal(err)
	}
	want := &store.TaskResumption{TaskToken: "tok_fail", PaymentID: "pay_2", Outcome: store.ResumeFailure,
		Error: "Payment.Failed", Cause: "card_declined", CreatedAt: at(0), DueAt: lease, Attempts: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TaskResumptionGet (-want +got):\n%s", diff)
	}

	if err := s.TaskResumptionDelivered(ctx, "tok_now", at(time.Second), "delivered"); err != nil {
		t.Fatal(err)
	}
	if err := s.TaskResumptionRetry(ctx, "tok_fail", at(2*time.Second), "engine unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := s.TaskResumptionRetry(ctx, "tok_now", at(2*time.Second), "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TaskResumptionRetry of a delivered one = %v, want ErrNotFound", err)
	}
	if err := s.TaskResumptionDelivered(ctx, "tok_missing", t0, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TaskResumptionDelivered(tok_missing) = %v, want ErrNotFound", err)
	}
	claimed, err = s.TaskResumptionClaimDue(ctx, at(time.Minute), at(2*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	tokens = tokens[:0]
	for _, r := range claimed {
		tokens = append(tokens, r.TaskToken)
	}
	if diff := cmp.Diff([]string{"tok_fail", "tok_late"}, tokens); diff != "" {
		t.Errorf("TaskResumptionClaimDue after a retry (-want +got):\n%s", diff)
	}
	if claimed[0].Attempts != 2 || claimed[0].LastError != "engine unavailable" {
		t.Errorf("retried resumption: attempts %d, last error %q; want 2, engine unavailable", claimed[0].Attempts, claimed[0].LastError)
	}
	if n, err := s.TaskResumptionCountUndelivered(ctx); err != nil || n != 2 {
		t.Errorf("TaskResumptionCountUndelivered = %d, %v; want 2", n, err)
	}
}

func testTaskResumptionClaimConcurrent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	const n = 40
	var rs []*store.TaskResumption
	for i := range n {
		rs = append(rs, resumption(string(rune('A'+i)), 0))
	}
	if err := s.TaskResumptionAdd(ctx, rs...); err != nil {
		t.Fatal(err)
	}
	claimEachOnce(t, n, 8, "resumptions", func() ([]string, error) {
		got, err := s.TaskResumptionClaimDue(ctx, t0, at(time.Minute), 3)
		keys := make([]string, len(got))
		for i, r := range got {
			keys[i] = r.TaskToken
		}
		return keys, err
	})
}

func testSettingInit(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string]int{}
	)
	for i := range 8 {
		wg.Go(func() {
			v, err := s.SettingInit(ctx, "sandbox_webhook_secret", fmt.Sprintf("whsec_%d", i), t0)
			if err != nil {
				t.Errorf("SettingInit = %v", err)
				return
			}
			mu.Lock()
			got[v]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != 1 {
		t.Errorf("concurrent SettingInit calls got %v, want all the same value", got)
	}
	for v := range got {
		if again, err := s.SettingInit(ctx, "sandbox_webhook_secret", "whsec_late", t0); err != nil || again != v {
			t.Errorf("SettingInit later = %q, %v; want %q", again, err, v)
		}
	}
}
