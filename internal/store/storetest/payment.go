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

// RunPayments runs the payment half of the suite (store.PaymentQueries).
// Each test calls open for a store of its own, empty and migrated.
func RunPayments(t *testing.T, open func(t *testing.T) store.PaymentStore) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.PaymentStore)
	}{
		{"PaymentCreateGet", testPaymentCreateGet},
		{"PaymentSave", testPaymentSave},
		{"PaymentSaveConcurrent", testPaymentSaveConcurrent},
		{"PaymentRefundedNeverAboveCaptured", testPaymentRefundedNeverAboveCaptured},
		{"PaymentList", testPaymentList},
		{"PaymentListPending", testPaymentListPending},
		{"Refund", testRefund},
		{"DomainEvent", testDomainEvent},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"APIKey", testAPIKey},
		{"WebhookEvent", testWebhookEvent},
		{"WebhookEventConcurrent", testWebhookEventConcurrent},
		{"PaymentInTx", testPaymentInTx},
		{"PaymentInTxUsableAfterErrors", testPaymentInTxUsableAfterErrors},
		{"PaymentTask", testPaymentTask},
		{"TaskResumption", testTaskResumption},
		{"TaskResumptionClaimConcurrent", testTaskResumptionClaimConcurrent},
		{"SettingInit", testSettingInit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func payment(id string) *store.Payment {
	return &store.Payment{
		ID:             id,
		AmountMinor:    1050,
		Currency:       "EUR",
		PSP:            "sandbox",
		CaptureMethod:  "automatic",
		CreatedAt:      t0,
		Customer:       "cus_ada",
		Description:    "tea and a cup",
		Metadata:       []byte(`{"order":"42"}`),
		Status:         "created",
		PendingOp:      "create",
		CreateAttempts: 1,
		UpdatedAt:      t0,
	}
}

func mustCreatePayment(t *testing.T, s store.PaymentQueries, p *store.Payment, log ...store.PaymentTransition) {
	t.Helper()
	if err := s.PaymentCreate(t.Context(), p, log...); err != nil {
		t.Fatalf("PaymentCreate(%s): %v", p.ID, err)
	}
}

func mustGetPayment(t *testing.T, s store.PaymentQueries, id string) *store.Payment {
	t.Helper()
	p, err := s.PaymentGet(t.Context(), id)
	if err != nil {
		t.Fatalf("PaymentGet(%s): %v", id, err)
	}
	return p
}

// truncatedPayment returns a copy of p with its times as the store keeps them.
func truncatedPayment(p *store.Payment) *store.Payment {
	c := *p
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.LastEventAt} {
		*t = t.Truncate(time.Microsecond)
	}
	return &c
}

func testPaymentCreateGet(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	p := payment("pay_1")
	log := []store.PaymentTransition{{From: "", To: "created", At: t0, Cause: "api"}}
	mustCreatePayment(t, s, p, log...)
	if p.Version != 1 || log[0].Seq != 1 || log[0].PaymentID != "pay_1" {
		t.Errorf("after PaymentCreate: version %d, log %+v; want version 1 and entry 1 of pay_1", p.Version, log[0])
	}
	want := truncatedPayment(p)
	if diff := cmp.Diff(want, mustGetPayment(t, s, "pay_1"), opts...); diff != "" {
		t.Errorf("PaymentGet (-want +got):\n%s", diff)
	}
	wantErr(t, "PaymentCreate(taken)", s.PaymentCreate(ctx, payment("pay_1")), store.ErrExists)
	_, err := s.PaymentGet(ctx, "pay_missing")
	wantErr(t, "PaymentGet(missing)", err, store.ErrNotFound)
	_, err = s.PaymentGetByPSPReference(ctx, "sandbox", "")
	wantErr(t, "PaymentGetByPSPReference(empty)", err, store.ErrNotFound)

	p.PSPReference, p.PendingOp, p.UpdatedAt = "pi_1", "", at(time.Second)
	if err := s.PaymentSave(ctx, p); err != nil {
		t.Fatalf("PaymentSave: %v", err)
	}
	got, err := s.PaymentGetByPSPReference(ctx, "sandbox", "pi_1")
	if err != nil || got.ID != "pay_1" {
		t.Errorf("PaymentGetByPSPReference(sandbox, pi_1) = %+v, %v; want pay_1", got, err)
	}
	_, err = s.PaymentGetByPSPReference(ctx, "stripe", "pi_1")
	wantErr(t, "PaymentGetByPSPReference(other PSP)", err, store.ErrNotFound)
	other := payment("pay_2")
	other.PSPReference = "pi_1"
	if err := s.PaymentCreate(ctx, other); err == nil {
		t.Error("PaymentCreate with a PSP reference another payment has succeeded")
	}
}

func testPaymentSave(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	p := payment("pay_1")
	mustCreatePayment(t, s, p, store.PaymentTransition{To: "created", At: t0, Cause: "api"})
	stale := *p

	p.Status, p.PSPReference, p.PendingOp = "processing", "pi_1", ""
	p.PaymentMethod, p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear = "pm_1", "visa", "4242", 12, 2034
	p.ConfirmAttempts, p.NextActionURL, p.FailureCode, p.DeclineCode, p.FailureMessage = 2, "https://psp.test/3ds", "card_declined", "generic_decline", "declined"
	p.Description, p.Metadata, p.Customer = "changed", nil, "cus_bob"
	p.UpdatedAt, p.LastEventAt = at(time.Second), at(2*time.Second)
	entry := store.PaymentTransition{From: "created", To: "processing", At: at(time.Second), Cause: "psp_response"}
	if err := s.PaymentSave(ctx, p, entry); err != nil {
		t.Fatalf("PaymentSave: %v", err)
	}
	if p.Version != 2 {
		t.Errorf("version after save = %d, want 2", p.Version)
	}
	if diff := cmp.Diff(truncatedPayment(p), mustGetPayment(t, s, "pay_1"), opts...); diff != "" {
		t.Errorf("PaymentGet after save (-want +got):\n%s", diff)
	}

	stale.Status = "canceled"
	wantErr(t, "PaymentSave(stale)", s.PaymentSave(ctx, &stale, store.PaymentTransition{From: "created", To: "canceled", At: t0, Cause: "api"}), store.ErrConflict)
	if stale.Version != 1 {
		t.Errorf("a refused save changed the version to %d", stale.Version)
	}
	missing := payment("pay_missing")
	missing.Version = 1
	wantErr(t, "PaymentSave(missing)", s.PaymentSave(ctx, missing), store.ErrNotFound)

	p.Status, p.AmountCaptured, p.UpdatedAt = "succeeded", 1050, at(3*time.Second)
	if err := s.PaymentSave(ctx, p,
		store.PaymentTransition{From: "processing", To: "requires_action", At: at(2 * time.Second), Cause: "webhook", PSPEventID: "evt_1"},
		store.PaymentTransition{From: "requires_action", To: "succeeded", At: at(3 * time.Second), Cause: "webhook", PSPEventID: "evt_2", Detail: "x"},
	); err != nil {
		t.Fatalf("PaymentSave: %v", err)
	}
	log, err := s.PaymentTransitionList(ctx, "pay_1")
	if err != nil {
		t.Fatalf("PaymentTransitionList: %v", err)
	}
	want := []store.PaymentTransition{
		{PaymentID: "pay_1", Seq: 1, To: "created", At: at(0), Cause: "api"},
		{PaymentID: "pay_1", Seq: 2, From: "created", To: "processing", At: at(time.Second), Cause: "psp_response"},
		{PaymentID: "pay_1", Seq: 3, From: "processing", To: "requires_action", At: at(2 * time.Second), Cause: "webhook", PSPEventID: "evt_1"},
		{PaymentID: "pay_1", Seq: 4, From: "requires_action", To: "succeeded", At: at(3 * time.Second), Cause: "webhook", PSPEventID: "evt_2", Detail: "x"},
	}
	if diff := cmp.Diff(want, log, opts...); diff != "" {
		t.Errorf("PaymentTransitionList (-want +got):\n%s", diff)
	}
	if log, err := s.PaymentTransitionList(ctx, "pay_missing"); err != nil || len(log) != 0 {
		t.Errorf("PaymentTransitionList(missing) = %v, %v; want none", log, err)
	}
}

// testPaymentSaveConcurrent saves one version of a payment from many
// goroutines: exactly one wins, and only its log entry is stored.
func testPaymentSaveConcurrent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	mustCreatePayment(t, s, payment("pay_1"))
	const n = 16
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []int
	)
	for i := range n {
		wg.Go(func() {
			p := payment("pay_1")
			p.Version = 1
			p.ConfirmAttempts, p.Status = i+1, "processing"
			err := s.PaymentSave(ctx, p, store.PaymentTransition{From: "created", To: "processing", At: t0, Cause: "psp_response", Detail: fmt.Sprint(i)})
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, i)
				mu.Unlock()
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("PaymentSave %d = %v, want nil or ErrConflict", i, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d saves of version 1 succeeded (%v), want 1", len(winners), winners)
	}
	got := mustGetPayment(t, s, "pay_1")
	log, err := s.PaymentTransitionList(ctx, "pay_1")
	if err != nil || len(log) != 1 || log[0].Detail != fmt.Sprint(winners[0]) || got.ConfirmAttempts != winners[0]+1 || got.Version != 2 {
		t.Errorf("after the race: payment %+v, log %+v, %v; want the winner %d's", got, log, err, winners[0])
	}
}

// testPaymentRefundedNeverAboveCaptured checks the schema's last line of
// defence: refunds, settled or pending, never exceed the captured amount.
func testPaymentRefundedNeverAboveCaptured(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	p := payment("pay_1")
	p.Status, p.AmountCaptured = "succeeded", 1050
	mustCreatePayment(t, s, p)
	p.AmountRefunded, p.AmountRefundPending = 1000, 51
	if err := s.PaymentSave(ctx, p); err == nil {
		t.Fatal("PaymentSave with 10.51 refunded of 10.50 captured succeeded")
	}
	if got := mustGetPayment(t, s, "pay_1"); got.AmountRefunded != 0 || got.AmountRefundPending != 0 || got.Version != 1 {
		t.Errorf("refused save changed the payment: %+v", got)
	}
	p.AmountRefundPending = 50
	if err := s.PaymentSave(ctx, p); err != nil {
		t.Errorf("PaymentSave with 10.50 refunded of 10.50: %v", err)
	}
}

func testPaymentList(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	// Seven payments, two per second, two customers, two statuses.
	var all []string
	for i := range 7 {
		p := payment(fmt.Sprintf("pay_%d", i))
		p.CreatedAt = at(time.Duration(i/2) * time.Second)
		if i%2 == 1 {
			p.Customer = "cus_bob"
		}
		if i%3 == 0 {
			p.Status = "succeeded"
		}
		mustCreatePayment(t, s, p)
		all = append([]string{p.ID}, all...) // newest first; IDs break ties descending
	}
	ids := func(ps []*store.Payment) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	var got []string
	cur := ""
	for page := 0; ; page++ {
		ps, next, err := s.PaymentList(ctx, store.PaymentFilter{Cursor: cur, Limit: 3})
		if err != nil {
			t.Fatalf("PaymentList page %d: %v", page, err)
		}
		if len(ps) > 3 || page > 3 {
			t.Fatalf("PaymentList page %d has %d payments", page, len(ps))
		}
		got = append(got, ids(ps)...)
		if next == "" {
			break
		}
		cur = next
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("PaymentList pages (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		f    store.PaymentFilter
		want []string
	}{
		{"customer", store.PaymentFilter{Customer: "cus_bob"}, []string{"pay_5", "pay_3", "pay_1"}},
		{"status", store.PaymentFilter{Status: "succeeded"}, []string{"pay_6", "pay_3", "pay_0"}},
		{"customer and status", store.PaymentFilter{Customer: "cus_bob", Status: "succeeded"}, []string{"pay_3"}},
		{"created after", store.PaymentFilter{CreatedAfter: at(2 * time.Second)}, []string{"pay_6"}},
		{"created before", store.PaymentFilter{CreatedBefore: at(time.Second)}, []string{"pay_1", "pay_0"}},
		{"none", store.PaymentFilter{Customer: "cus_nobody"}, nil},
	} {
		ps, next, err := s.PaymentList(ctx, tc.f)
		if err != nil || next != "" {
			t.Errorf("PaymentList(%s) = next %q, %v", tc.name, next, err)
		}
		if diff := cmp.Diff(tc.want, ids(ps)); diff != "" {
			t.Errorf("PaymentList(%s) (-want +got):\n%s", tc.name, diff)
		}
	}
	_, _, err := s.PaymentList(ctx, store.PaymentFilter{Cursor: "not a cursor"})
	wantErr(t, "PaymentList(bad cursor)", err, store.ErrInvalidCursor)
}

func testPaymentListPending(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	for i, op := range []string{"create", "", "confirm", "capture"} {
		p := payment(fmt.Sprintf("pay_%d", i))
		p.PendingOp, p.UpdatedAt = op, at(time.Duration(3-i)*time.Second)
		mustCreatePayment(t, s, p)
	}
	ps, err := s.PaymentListPending(ctx, at(2*time.Second), 10)
	if err != nil {
		t.Fatalf("PaymentListPending: %v", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.ID+":"+p.PendingOp)
	}
	if diff := cmp.Diff([]string{"pay_3:capture", "pay_2:confirm"}, got); diff != "" {
		t.Errorf("PaymentListPending (-want +got):\n%s", diff)
	}
	if ps, err := s.PaymentListPending(ctx, at(time.Hour), 1); err != nil || len(ps) != 1 || ps[0].ID != "pay_3" {
		t.Errorf("PaymentListPending(limit 1) = %v, %v; want pay_3", ps, err)
	}
	if ps, err := s.PaymentListPending(ctx, at(time.Hour), 0); err != nil || len(ps) != 0 {
		t.Errorf("PaymentListPending(limit 0) = %v, %v; want none", ps, err)
	}
}

func refund(id, paymentID string) *store.Refund {
	return &store.Refund{
		ID: id, PaymentID: paymentID, AmountMinor: 500, Currency: "EUR", PSP: "sandbox", Reason: "requested_by_customer",
		Metadata: []byte(`{"ticket":"7"}`), CreatedAt: t0, Status: "pending", PendingOp: "refund", Attempts: 1, UpdatedAt: t0,
	}
}

func testRefund(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	p := payment("pay_1")
	p.Status, p.AmountCaptured = "succeeded", 1050
	mustCreatePayment(t, s, p)
	wantErr(t, "RefundCreate(missing payment)", s.RefundCreate(ctx, refund("re_x", "pay_missing")), store.ErrNotFound)
	r := refund("re_1", "pay_1")
	if err := s.RefundCreate(ctx, r); err != nil || r.Version != 1 {
		t.Fatalf("RefundCreate = %v, version %d; want nil, 1", err, r.Version)
	}
	wantErr(t, "RefundCreate(taken)", s.RefundCreate(ctx, refund("re_1", "pay_1")), store.ErrExists)
	got, err := s.RefundGet(ctx, "re_1")
	if err != nil {
		t.Fatalf("RefundGet: %v", err)
	}
	want := *r
	want.CreatedAt, want.UpdatedAt = at(0), at(0)
	if diff := cmp.Diff(&want, got, opts...); diff != "" {
		t.Errorf("RefundGet (-want +got):\n%s", diff)
	}
	_, err = s.RefundGet(ctx, "re_missing")
	wantErr(t, "RefundGet(missing)", err, store.ErrNotFound)

	stale := *r
	r.Status, r.PSPReference, r.PendingOp, r.UpdatedAt = "succeeded", "re_psp_1", "", at(time.Second)
	if err := s.RefundSave(ctx, r); err != nil || r.Version != 2 {
		t.Fatalf("RefundSave = %v, version %d; want nil, 2", err, r.Version)
	}
	wantErr(t, "RefundSave(stale)", s.RefundSave(ctx, &stale), store.ErrConflict)
	missing := refund("re_missing", "pay_1")
	wantErr(t, "RefundSave(missing)", s.RefundSave(ctx, missing), store.ErrNotFound)
	got, err = s.RefundGetByPSPReference(ctx, "sandbox", "re_psp_1")
	if err != nil || got.ID != "re_1" || got.Status != "succeeded" || got.UpdatedAt != at(time.Second) {
		t.Errorf("RefundGetByPSPReference = %+v, %v; want re_1 succeeded", got, err)
	}
	_, err = s.RefundGetByPSPReference(ctx, "stripe", "re_psp_1")
	wantErr(t, "RefundGetByPSPReference(other PSP)", err, store.ErrNotFound)

	r2 := refund("re_2", "pay_1")
	r2.CreatedAt, r2.UpdatedAt = at(time.Second), at(time.Second)
	if err := s.RefundCreate(ctx, r2); err != nil {
		t.Fatalf("RefundCreate: %v", err)
	}
	list, err := s.RefundList(ctx, "pay_1")
	if err != nil || len(list) != 2 || list[0].ID != "re_1" || list[1].ID != "re_2" {
		t.Errorf("RefundList = %v, %v; want re_1, re_2", list, err)
	}
	pending, err := s.RefundListPending(ctx, at(time.Hour), 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "re_2" {
		t.Errorf("RefundListPending = %v, %v; want re_2", pending, err)
	}
	if pending, err := s.RefundListPending(ctx, at(0), 10); err != nil || len(pending) != 0 {
		t.Errorf("RefundListPending(before it was updated) = %v, %v; want none", pending, err)
	}
}

func domainEvent(id, typ, object string, d time.Duration) *store.DomainEvent {
	return &store.DomainEvent{ID: id, Type: typ, ObjectID: object, Data: []byte(`{"id":"` + object + `"}`), CreatedAt: at(d)}
}

func testDomainEvent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	evs := []*store.DomainEvent{
		domainEvent("evt_1", "payment.created", "pay_1", 0),
		domainEvent("evt_2", "payment.created", "pay_2", time.Second),
		domainEvent("evt_3", "payment.succeeded", "pay_1", 2*time.Second),
	}
	if err := s.DomainEventAppend(ctx, evs...); err != nil {
		t.Fatalf("DomainEventAppend: %v", err)
	}
	if !(evs[0].Seq > 0 && evs[0].Seq < evs[1].Seq && evs[1].Seq < evs[2].Seq) {
		t.Errorf("seqs = %d, %d, %d; want increasing", evs[0].Seq, evs[1].Seq, evs[2].Seq)
	}
	err := s.DomainEventAppend(ctx, domainEvent("evt_4", "payment.canceled", "pay_2", 3*time.Second), domainEvent("evt_1", "x", "y", 0))
	wantBatchError(t, "DomainEventAppend(taken)", err, store.ErrExists, "evt_1")
	if err := s.DomainEventAppend(ctx, domainEvent("evt_4", "payment.canceled", "pay_2", 3*time.Second)); err != nil {
		t.Fatalf("DomainEventAppend after a refused batch: %v", err)
	}
	ids := func(es []*store.DomainEvent) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	var got []string
	cur := ""
	for range 5 {
		page, next, err := s.DomainEventList(ctx, store.DomainEventFilter{Cursor: cur, Limit: 3})
		if err != nil {
			t.Fatalf("DomainEventList: %v", err)
		}
		got = append(got, ids(page)...)
		if cur = next; cur == "" {
			break
		}
	}
	if diff := cmp.Diff([]string{"evt_4", "evt_3", "evt_2", "evt_1"}, got); diff != "" {
		t.Errorf("DomainEventList pages (-want +got):\n%s", diff)
	}
	page, _, err := s.DomainEventList(ctx, store.DomainEventFilter{ObjectID: "pay_1"})
	if err != nil {
		t.Fatalf("DomainEventList(object): %v", err)
	}
	want := []*store.DomainEvent{evs[2], evs[0]}
	if diff := cmp.Diff(want, page, opts...); diff != "" {
		t.Errorf("DomainEventList(pay_1) (-want +got):\n%s", diff)
	}
	page, _, err = s.DomainEventList(ctx, store.DomainEventFilter{Type: "payment.created"})
	if err != nil || !cmp.Equal(ids(page), []string{"evt_2", "evt_1"}) {
		t.Errorf("DomainEventList(payment.created) = %v, %v; want evt_2, evt_1", ids(page), err)
	}
	after, err := s.DomainEventListAfter(ctx, evs[0].Seq, 2)
	if err != nil || !cmp.Equal(ids(after), []string{"evt_2", "evt_3"}) {
		t.Errorf("DomainEventListAfter(evt_1) = %v, %v; want evt_2, evt_3", ids(after), err)
	}
	_, _, err = s.DomainEventList(ctx, store.DomainEventFilter{Cursor: "!"})
	wantErr(t, "DomainEventList(bad cursor)", err, store.ErrInvalidCursor)
}

func testIdempotency(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	k := &store.IdempotencyKey{Scope: "key_1", Key: "k1", Method: "POST", Path: "/v1/payments", RequestHash: "h1", CreatedAt: at(0)}
	if stored, err := s.IdempotencyBegin(ctx, k); err != nil || stored != nil {
		t.Fatalf("IdempotencyBegin = %v, %v; want nil, nil", stored, err)
	}
	again := *k
	again.RequestHash, again.CreatedAt = "h2", at(time.Second)
	stored, err := s.IdempotencyBegin(ctx, &again)
	wantErr(t, "IdempotencyBegin(taken)", err, store.ErrExists)
	if diff := cmp.Diff(k, stored, opts...); diff != "" {
		t.Errorf("IdempotencyBegin(taken) returned (-want +got):\n%s", diff)
	}
	other := *k
	other.Scope = "key_2"
	if _, err := s.IdempotencyBegin(ctx, &other); err != nil {
		t.Errorf("IdempotencyBegin(same key, other scope) = %v", err)
	}
	wantErr(t, "IdempotencyRelease(other time)", s.IdempotencyRelease(ctx, "key_1", "k1", at(time.Second)), store.ErrNotFound)
	if err := s.IdempotencyFinish(ctx, "key_1", "k1", 200, []byte(`{"id":"pay_1"}`), at(time.Second)); err != nil {
		t.Fatalf("IdempotencyFinish: %v", err)
	}
	wantErr(t, "IdempotencyFinish(finished)", s.IdempotencyFinish(ctx, "key_1", "k1", 500, nil, at(time.Second)), store.ErrNotFound)
	wantErr(t, "IdempotencyRelease(finished)", s.IdempotencyRelease(ctx, "key_1", "k1", at(0)), store.ErrNotFound)
	stored, err = s.IdempotencyBegin(ctx, &again)
	wantErr(t, "IdempotencyBegin(finished)", err, store.ErrExists)
	want := *k
	want.Status, want.Body, want.FinishedAt = 200, []byte(`{"id":"pay_1"}`), at(time.Second)
	if diff := cmp.Diff(&want, stored, opts...); diff != "" {
		t.Errorf("IdempotencyBegin(finished) returned (-want +got):\n%s", diff)
	}

	if err := s.IdempotencyRelease(ctx, "key_2", "k1", at(0)); err != nil {
		t.Fatalf("IdempotencyRelease: %v", err)
	}
	if stored, err := s.IdempotencyBegin(ctx, &other); err != nil || stored != nil {
		t.Errorf("IdempotencyBegin after release = %v, %v; want nil, nil", stored, err)
	}
	late := *k
	late.Key, late.CreatedAt = "k2", at(time.Hour)
	if _, err := s.IdempotencyBegin(ctx, &late); err != nil {
		t.Fatal(err)
	}
	n, err := s.IdempotencyDeleteBefore(ctx, at(time.Minute))
	if err != nil || n != 2 {
		t.Errorf("IdempotencyDeleteBefore = %d, %v; want 2", n, err)
	}
	if _, err := s.IdempotencyBegin(ctx, &again); err != nil {
		t.Errorf("IdempotencyBegin after expiry = %v, want nil", err)
	}
	if _, err := s.IdempotencyBegin(ctx, &late); !errors.Is(err, store.ErrExists) {
		t.Errorf("IdempotencyBegin(late key) after expiry of the others = %v, want ErrExists", err)
	}
}

func testIdempotencyConcurrent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	const n = 20
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first int
	)
	for range n {
		wg.Go(func() {
			k := &store.IdempotencyKey{Scope: "key_1", Key: "k", Method: "POST", Path: "/v1/payments/pay_1/confirm", RequestHash: "h", CreatedAt: t0}
			stored, err := s.IdempotencyBegin(ctx, k)
			switch {
			case err == nil:
				mu.Lock()
				first++
				mu.Unlock()
			case errors.Is(err, store.ErrExists) && stored != nil && stored.Status == 0:
			default:
				t.Errorf("IdempotencyBegin = %v, %v; want nil or an in-flight ErrExists", stored, err)
			}
		})
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("%d concurrent begins of one key succeeded, want 1", first)
	}
}

func testAPIKey(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	sk := &store.APIKey{ID: "key_1", Kind: "secret", Name: "server", Hint: "sk_…abcd", Hash: "aa", CreatedAt: t0}
	pk := &store.APIKey{ID: "key_2", Kind: "publishable", Hint: "pk_…wxyz", Hash: "bb", CreatedAt: at(time.Second)}
	for _, k := range []*store.APIKey{sk, pk} {
		if err := s.APIKeyCreate(ctx, k); err != nil {
			t.Fatalf("APIKeyCreate(%s): %v", k.ID, err)
		}
	}
	wantErr(t, "APIKeyCreate(same hash)", s.APIKeyCreate(ctx, &store.APIKey{ID: "key_3", Kind: "secret", Hint: "x", Hash: "aa", CreatedAt: t0}), store.ErrExists)
	wantErr(t, "APIKeyCreate(same id)", s.APIKeyCreate(ctx, &store.APIKey{ID: "key_1", Kind: "secret", Hint: "x", Hash: "cc", CreatedAt: t0}), store.ErrExists)
	got, err := s.APIKeyGetByHash(ctx, "aa")
	wantSK := *sk
	wantSK.CreatedAt = at(0)
	if err != nil || !cmp.Equal(&wantSK, got) {
		t.Errorf("APIKeyGetByHash(aa) = %+v, %v; want %+v", got, err, wantSK)
	}
	_, err = s.APIKeyGetByHash(ctx, "zz")
	wantErr(t, "APIKeyGetByHash(unknown)", err, store.ErrNotFound)
	if err := s.APIKeyRevoke(ctx, "key_1", at(time.Minute)); err != nil {
		t.Fatalf("APIKeyRevoke: %v", err)
	}
	if err := s.APIKeyRevoke(ctx, "key_1", at(time.Hour)); err != nil {
		t.Errorf("APIKeyRevoke(revoked) = %v, want nil", err)
	}
	wantErr(t, "APIKeyRevoke(missing)", s.APIKeyRevoke(ctx, "key_x", t0), store.ErrNotFound)
	list, err := s.APIKeyList(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "key_1" || list[0].RevokedAt != at(time.Minute) || !list[1].RevokedAt.IsZero() {
		t.Errorf("APIKeyList = %+v, %v; want key_1 revoked at +1m, key_2 valid", list, err)
	}
}

func testWebhookEvent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	e := &store.WebhookEvent{Provider: "sandbox", EventID: "evt_1", Type: "payment_intent.succeeded", Body: []byte(`{"id":"evt_1"}`), ReceivedAt: t0}
	if err := s.WebhookEventInsert(ctx, e); err != nil {
		t.Fatalf("WebhookEventInsert: %v", err)
	}
	wantErr(t, "WebhookEventInsert(duplicate)", s.WebhookEventInsert(ctx, e), store.ErrExists)
	other := *e
	other.Provider = "stripe"
	if err := s.WebhookEventInsert(ctx, &other); err != nil {
		t.Errorf("WebhookEventInsert(same ID, other provider) = %v", err)
	}
	if err := s.WebhookEventMarkProcessed(ctx, "sandbox", "evt_1", at(time.Second)); err != nil {
		t.Fatalf("WebhookEventMarkProcessed: %v", err)
	}
	wantErr(t, "WebhookEventMarkProcessed(missing)", s.WebhookEventMarkProcessed(ctx, "sandbox", "evt_x", t0), store.ErrNotFound)
	got, err := s.WebhookEventGet(ctx, "sandbox", "evt_1")
	want := *e
	want.ReceivedAt, want.ProcessedAt = at(0), at(time.Second)
	if err != nil || !cmp.Equal(&want, got) {
		t.Errorf("WebhookEventGet = %+v, %v; want %+v", got, err, want)
	}
	_, err = s.WebhookEventGet(ctx, "sandbox", "evt_x")
	wantErr(t, "WebhookEventGet(missing)", err, store.ErrNotFound)
}

func testWebhookEventConcurrent(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	const n = 16
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won int
	)
	for range n {
		wg.Go(func() {
			err := s.WebhookEventInsert(ctx, &store.WebhookEvent{Provider: "sandbox", EventID: "evt_dup", Type: "x", Body: []byte("{}"), ReceivedAt: t0})
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, store.ErrExists):
				t.Errorf("WebhookEventInsert = %v, want nil or ErrExists", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of %d concurrent inserts of one event succeeded, want 1", won, n)
	}
}

func testPaymentInTx(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	boom := errors.New("boom")
	err := s.PaymentInTx(ctx, func(q store.PaymentTx) error {
		mustCreatePayment(t, q, payment("pay_1"), store.PaymentTransition{To: "created", At: t0, Cause: "api"})
		if err := q.DomainEventAppend(ctx, domainEvent("evt_1", "payment.created", "pay_1", 0)); err != nil {
			return err
		}
		if got := mustGetPayment(t, q, "pay_1"); got.ID != "pay_1" {
			t.Errorf("PaymentGet in the transaction = %+v", got)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("PaymentInTx = %v, want boom", err)
	}
	if _, err := s.PaymentGet(ctx, "pay_1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PaymentGet after rollback = %v, want ErrNotFound", err)
	}
	if evs, _, err := s.DomainEventList(ctx, store.DomainEventFilter{}); err != nil || len(evs) != 0 {
		t.Errorf("DomainEventList after rollback = %v, %v; want none", evs, err)
	}
	err = s.PaymentInTx(ctx, func(q store.PaymentTx) error {
		if err := q.PaymentCreate(ctx, payment("pay_1")); err != nil {
			return err
		}
		return q.DomainEventAppend(ctx, domainEvent("evt_1", "payment.created", "pay_1", 0))
	})
	if err != nil {
		t.Fatalf("PaymentInTx: %v", err)
	}
	mustGetPayment(t, s, "pay_1")
	if evs, _, err := s.DomainEventList(ctx, store.DomainEventFilter{}); err != nil || len(evs) != 1 {
		t.Errorf("DomainEventList after commit = %v, %v; want evt_1", evs, err)
	}
	// The plain InTx hands out the same queries.
	err = s.InTx(ctx, func(q store.Queries) error {
		pq, ok := q.(store.PaymentQueries)
		if !ok {
			return fmt.Errorf("InTx's queries (%T) are not store.PaymentQueries", q)
		}
		_, err := pq.PaymentGet(ctx, "pay_1")
		return err
	})
	if err != nil {
		t.Errorf("InTx: %v", err)
	}
}

// testPaymentInTxUsableAfterErrors meets every condition a payment
// transaction branches on and then commits.
func testPaymentInTxUsableAfterErrors(t *testing.T, s store.PaymentStore) {
	ctx := t.Context()
	p := payment("pay_1")
	p.Status, p.AmountCaptured = "succeeded", 1050
	mustCreatePayment(t, s, p)
	if err := s.WebhookEventInsert(ctx, &store.WebhookEvent{Provider: "sandbox", EventID: "evt_1", Type: "x", Body: []byte("{}"), ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.DomainEventAppend(ctx, domainEvent("evt_d1", "payment.created", "pay_1", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IdempotencyBegin(ctx, &store.IdempotencyKey{Scope: "s", Key: "k", Method: "POST", Path: "/", RequestHash: "h", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	err := s.PaymentInTx(ctx, func(q store.PaymentTx) error {
		stale := *p
		stale.Version = 7
		_, idemErr := q.IdempotencyBegin(ctx, &store.IdempotencyKey{Scope: "s", Key: "k", Method: "POST", Path: "/", RequestHash: "h", CreatedAt: t0})
		_, getErr := q.PaymentGet(ctx, "pay_x")
		for _, tc := range []struct {
			what string
			err  error
			want error
		}{
			{"PaymentCreate(taken)", q.PaymentCreate(ctx, payment("pay_1")), store.ErrExists},
			{"PaymentSave(stale)", q.PaymentSave(ctx, &stale, store.PaymentTransition{To: "failed", At: t0, Cause: "webhook"}), store.ErrConflict},
			{"PaymentGet(missing)", getErr, store.ErrNotFound},
			{"RefundCreate(missing payment)", q.RefundCreate(ctx, refund("re_1", "pay_x")), store.ErrNotFound},
			{"WebhookEventInsert(duplicate)", q.WebhookEventInsert(ctx, &store.WebhookEvent{Provider: "sandbox", EventID: "evt_1", Type: "x", Body: []byte("{}"), ReceivedAt: t0}), store.ErrExists},
			{"DomainEventAppend(taken)", q.DomainEventAppend(ctx, domainEvent("evt_d2", "x", "pay_1", 0), domainEvent("evt_d1", "x", "pay_1", 0)), store.ErrExists},
			{"IdempotencyBegin(taken)", idemErr, store.ErrExists},
			{"APIKeyRevoke(missing)", q.APIKeyRevoke(ctx, "key_x", t0), store.ErrNotFound},
		} {
			if !errors.Is(tc.err, tc.want) {
				return fmt.Errorf("%s = %v, want %v", tc.what, tc.err, tc.want)
			}
		}
		if err := q.RefundCreate(ctx, refund("re_1", "pay_1")); err != nil {
			return err
		}
		p.AmountRefundPending = 500
		if err := q.PaymentSave(ctx, p); err != nil {
			return err
		}
		return q.DomainEventAppend(ctx, domainEvent("evt_d2", "refund.created", "re_1", 0))
	})
	if err != nil {
		t.Fatalf("PaymentInTx: %v", err)
	}
	if got := mustGetPayment(t, s, "pay_1"); got.AmountRefundPending != 500 || got.Version != 2 {
		t.Errorf("payment after the transaction = %+v; want 5.00 pending, version 2", got)
	}
	if evs, _, err := s.DomainEventList(ctx, store.DomainEventFilter{}); err != nil || len(evs) != 2 {
		t.Errorf("DomainEventList = %d events, %v; want 2", len(evs), err)
	}
	if _, err := s.RefundGet(ctx, "re_1"); err != nil {
		t.Errorf("RefundGet: %v", err)
	}
}
