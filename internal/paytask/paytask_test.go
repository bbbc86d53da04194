package paytask_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytask"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/resource"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

// env is the payment built-ins on a real store, a real runner and the
// in-process sandbox PSP.
type env struct {
	st    store.PaymentStore
	fake  *psptest.Fake
	count *psptest.CountingProvider
	svc   *payment.Service
	tasks *paytask.Tasks
	reg   *resource.Registry
	r     *runner.Runner
	disp  *paytask.Dispatcher
}

func newEnv(t *testing.T, backend string) *env {
	t.Helper()
	e := &env{st: dbtest.Open(t, backend).(store.PaymentStore), fake: psptest.NewFake(sandbox.Config{})}
	e.count = psptest.Counting(e.fake)
	e.tasks = paytask.New(e.st, paytask.Config{Clock: e.fake.Clock, PublicURL: "http://pay.test/"})
	svc, err := payment.NewService(e.st, []psp.Provider{e.count}, payment.Config{Clock: e.fake.Clock, IDs: &idgen.Sequential{}, EndedFunc: e.tasks.Ended})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.reg = resource.New(resource.Config{}, nil)
	e.tasks.Register(e.reg, svc)
	if e.r, err = runner.New(runner.Config{Store: e.st, Resources: e.reg, Region: region, Account: account, PollInterval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the runner did not stop within 10s")
		}
	})
	e.disp = paytask.NewDispatcher(e.st, e.r, paytask.DispatcherConfig{Clock: e.fake.Clock, OutputFunc: e.tasks.Output})
	return e
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *env) machine(t *testing.T, name, def string) string {
	t.Helper()
	arn := wire.StateMachineARN(region, account, name)
	now := time.Now().UTC()
	err := e.st.StateMachineCreate(ctxOf(t), &store.StateMachine{ARN: arn, Name: name, Type: store.StateMachineStandard, Definition: def,
		RoleARN: "arn:aws:iam::" + account + ":role/test", Status: store.StateMachineActive, RevisionID: "r1", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// waitPayment starts an execution of a machine that creates a payment and
// waits on it, and returns the execution and the payment once bound.
func (e *env) startWaiting(t *testing.T, smARN, name string) (string, *payment.Payment) {
	t.Helper()
	out, err := e.r.StartExecution(ctxOf(t), runner.StartInput{StateMachineARN: smARN, Name: name, Input: `{"order":"o-1","total":1050}`})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ps, _, err := e.svc.List(ctxOf(t), payment.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Metadata["execution"] == name {
				if tasks, _ := e.st.PaymentTaskList(ctxOf(t), p.ID); len(tasks) == 1 {
					return out.ExecutionARN, p
				}
			}
		}
	}
	t.Fatalf("no payment of execution %s was bound to its task", name)
	return "", nil
}

// deliverEvents applies every event the sandbox emitted, as the webhook
// intake does, and then runs the dispatcher.
func (e *env) deliverEvents(t *testing.T) {
	t.Helper()
	for _, se := range e.fake.SignedEvents() {
		ev, err := e.fake.VerifyEvent(se.Header, se.Body)
		if err != nil {
			t.Fatal(err)
		}
		err = e.st.PaymentInTx(ctxOf(t), func(q store.PaymentTx) error {
			if err := q.WebhookEventInsert(ctxOf(t), &store.WebhookEvent{Provider: ev.Provider, EventID: ev.ID, Type: ev.ProviderType, Body: se.Body, ReceivedAt: e.fake.Clock.Now()}); err != nil {
				return err
			}
			_, _, err := e.svc.ApplyEvent(ctxOf(t), q, ev)
			return err
		})
		if err != nil && !errors.Is(err, store.ErrExists) {
			t.Fatalf("event %s: %v", ev.ID, err)
		}
	}
	if _, err := e.disp.RunDue(ctxOf(t)); err != nil {
		t.Fatalf("RunDue: %v", err)
	}
}

func (e *env) wait(t *testing.T, arn string) *store.Execution {
	t.Helper()
	ex, err := e.r.WaitExecution(ctxOf(t), arn)
	if err != nil {
		t.Fatalf("WaitExecution: %v", err)
	}
	return ex
}

const waitingMachine = `{
  "StartAt": "Pay",
  "States": {
    "Pay": {
      "Type": "Task",
      "Resource": "arn:paystep:states:::payments:create.waitForTaskToken",
      "Parameters": {"amount.$": "$.total", "currency": "eur", "customer": "cus_ada",
                     "metadata": {"order.$": "$.order", "execution.$": "$$.Execution.Name"}},
      "ResultPath": "$.payment",
      "Catch": [{"ErrorEquals": ["Payment.Failed", "Payment.Canceled"], "ResultPath": "$.error", "Next": "Declined"}],
      "Next": "Paid"
    },
    "Paid": {"Type": "Pass", "Parameters": {"id.$": "$.payment.id", "status.$": "$.payment.status", "last4.$": "$.payment.payment_method.last4"}, "End": true},
    "Declined": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
  }
}`

func forBackends(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range dbtest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

func TestWaitForPaymentSucceeds(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		sm := e.machine(t, "pay", waitingMachine)
		arn, p := e.startWaiting(t, sm, "exec-ok")
		if p.Amount.Minor != 1050 || p.Amount.Currency != "EUR" || p.Metadata["order"] != "o-1" || p.PSPReference == "" {
			t.Fatalf("payment = %+v; want 10.50 EUR for order o-1, created at the PSP", p)
		}
		if _, err := e.svc.Confirm(ctxOf(t), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
			t.Fatal(err)
		}
		e.deliverEvents(t)
		ex := e.wait(t, arn)
		want := `{"id":"` + p.ID + `","last4":"4242","status":"succeeded"}`
		if ex.Status != store.ExecutionSucceeded || string(ex.Output) != want {
			t.Fatalf("execution %s output %s, want SUCCEEDED %s", ex.Status, ex.Output, want)
		}
		if tasks, _ := e.st.PaymentTaskList(ctxOf(t), p.ID); len(tasks) != 0 {
			t.Errorf("tokens still bound after the payment ended: %v", tasks)
		}
		if n, _ := e.st.TaskResumptionCountUndelivered(ctxOf(t)); n != 0 {
			t.Errorf("%d resumptions undelivered", n)
		}
		// The events again (a PSP redelivery) and the dispatcher again change nothing.
		e.deliverEvents(t)
		if n := e.count.Calls("create"); n != 1 {
			t.Errorf("PSP create calls = %d, want 1", n)
		}
		if st := e.disp.Stats(); st != (paytask.DispatchStats{Delivered: 1}) {
			t.Errorf("dispatcher Stats = %+v, want one delivered", st)
		}
	})
}

func TestWaitForPaymentDeclined(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		sm := e.machine(t, "pay", waitingMachine)
		arn, p := e.startWaiting(t, sm, "exec-declined")
		if _, err := e.svc.Confirm(ctxOf(t), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa_chargeDeclinedInsufficientFunds"}); !errors.Is(err, psp.ErrDeclined) {
			t.Fatalf("Confirm = %v, want a decline", err)
		}
		e.deliverEvents(t)
		ex := e.wait(t, arn)
		if ex.Status != store.ExecutionFailed || ex.Error != paytask.ErrFailed || ex.Cause != "insufficient_funds" {
			t.Fatalf("execution %s %s %q, want FAILED Payment.Failed insufficient_funds", ex.Status, ex.Error, ex.Cause)
		}
	})
}

func TestCancelResumesWithCanceled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	sm := e.machine(t, "pay", waitingMachine)
	arn, p := e.startWaiting(t, sm, "exec-cancel")
	if _, err := e.svc.Cancel(ctxOf(t), p.ID); err != nil {
		t.Fatal(err)
	}
	e.deliverEvents(t)
	if ex := e.wait(t, arn); ex.Status != store.ExecutionFailed || ex.Error != paytask.ErrCanceled {
		t.Fatalf("execution %s %s, want FAILED Payment.Canceled", ex.Status, ex.Error)
	}
}

func call(resource, token, input string) *engine.Task {
	return &engine.Task{Resource: resource, Token: token, Input: json.RawMessage(input)}
}

// TestCreateIdempotentOnToken invokes the same task twice, as the runner
// does after a crash: one payment, one PSP intent.
func TestCreateIdempotentOnToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	in := `{"amount": 990, "currency": "EUR", "description": "tea"}`
	var ids []string
	for range 2 {
		out, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCreate, "tok-1", in))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			PayURL string `json:"pay_url"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got.ID, "pay_") || got.Status != "created" || got.PayURL != "http://pay.test/pay/"+got.ID {
			t.Errorf("payments:create = %s", out)
		}
		ids = append(ids, got.ID)
	}
	if ids[0] != ids[1] || e.count.Calls("create") != 1 {
		t.Errorf("two invocations made payments %v with %d PSP calls; want one", ids, e.count.Calls("create"))
	}
	out, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCreate, "tok-2", in))
	if err != nil || strings.Contains(string(out), ids[0]) {
		t.Errorf("another task's payments:create = %s, %v; want a new payment", out, err)
	}
}

// TestBindAfterTheEnd binds a token to a payment that already ended: the
// resumption is recorded at once.
func TestBindAfterTheEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	sm := e.machine(t, "pay", waitingMachine)
	arn, p := e.startWaiting(t, sm, "exec-late")
	if _, err := e.svc.Confirm(ctxOf(t), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
		t.Fatal(err)
	}
	e.deliverEvents(t)
	e.wait(t, arn)
	// The same task again, after the payment ended (a crash before the
	// runner recorded the first invocation's answer).
	tok := "late-token"
	if _, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCreate+".waitForTaskToken", tok, `{"amount":1050,"currency":"EUR"}`)); err != nil {
		t.Fatal(err)
	}
	ps, _, _ := e.svc.List(ctxOf(t), payment.ListParams{})
	var late *payment.Payment
	for _, q := range ps {
		if q.ID != p.ID {
			late = q
		}
	}
	if late == nil {
		t.Fatal("no second payment")
	}
	if _, err := e.svc.Cancel(ctxOf(t), late.ID); err != nil {
		t.Fatal(err)
	}
	e.fake.Settle(ctxOf(t), 0)
	e.deliverEvents(t)
	r, err := e.st.TaskResumptionGet(ctxOf(t), tok)
	if err != nil || r.Error != paytask.ErrCanceled || r.DeliveredAt.IsZero() || r.LastError != "not awaited: InvalidToken" {
		t.Fatalf("resumption of a made-up token = %+v, %v; want Payment.Canceled, delivered as not awaited", r, err)
	}
	// Binding again once it ended records nothing new.
	if _, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCreate+".waitForTaskToken", tok, `{"amount":1050,"currency":"EUR"}`)); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.st.TaskResumptionCountUndelivered(ctxOf(t)); n != 0 {
		t.Errorf("%d resumptions undelivered after binding an ended payment again", n)
	}
}

func TestInvalidParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	for _, tc := range []struct{ resource, input, want string }{
		{paytask.ResourceCreate, `{"amount": 10.50, "currency": "EUR"}`, "amount: 10.50 is not a positive whole number of minor units"},
		{paytask.ResourceCreate, `{"amount": 1050}`, "currency: required"},
		{paytask.ResourceCreate, `{"amount": 1050, "currency": "EUR", "card": "x"}`, `unknown field "card"`},
		{paytask.ResourceCreate, `{"amount": 1050, "currency": "XYZ"}`, `unknown currency "XYZ"`},
		{paytask.ResourceCreate, `{"amount": 1050, "currency": "EUR", "metadata": {"a": [1]}}`, "metadata.a: want a string"},
		{paytask.ResourceCapture, `{}`, "payment_id: required"},
		{paytask.ResourceGet, `{"payment_id": "pay_missing"}`, "not found"},
		{paytask.ResourceRefund, `{"payment_id": "pay_missing", "amount": -1}`, "amount: -1 is not a positive"},
		{paytask.ResourceGet + ".waitForTaskToken", `{"payment_id": "pay_x"}`, "only " + paytask.ResourceCreate},
	} {
		_, err := e.reg.Invoke(ctxOf(t), call(tc.resource, "tok", tc.input))
		var te *engine.TaskError
		if !errors.As(err, &te) || !strings.Contains(te.Cause, tc.want) || !strings.HasPrefix(te.Name, "Payment.") && te.Name != "States.Runtime" {
			t.Errorf("%s %s = %v; want a Payment.* error saying %q", tc.resource, tc.input, err, tc.want)
		}
	}
}

func TestCaptureRefundGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	p, err := e.svc.Create(ctxOf(t), payment.CreateParams{Amount: moneyEUR(2000), CaptureMethod: payment.CaptureManual})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Confirm(ctxOf(t), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
		t.Fatal(err)
	}
	e.deliverEvents(t)
	in := `{"payment_id": "` + p.ID + `"}`
	for range 2 { // the task repeated after a crash, before the PSP's event
		if _, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCapture, "tok-cap", in)); err != nil {
			t.Errorf("payments:capture = %v", err)
		}
	}
	e.deliverEvents(t)
	if _, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceCapture, "tok-cap2", in)); !isTaskError(err, paytask.ErrInvalidState) {
		t.Errorf("another capture of a captured payment = %v, want %s", err, paytask.ErrInvalidState)
	}
	if n := e.count.Calls("capture"); n != 1 {
		t.Errorf("PSP capture calls = %d, want 1", n)
	}
	out, err := e.reg.Invoke(ctxOf(t), call(paytask.ResourceGet, "tok-get", in))
	if err != nil || !strings.Contains(string(out), `"status":"succeeded"`) || !strings.Contains(string(out), `"amount_captured":2000`) {
		t.Fatalf("payments:get = %s, %v; want succeeded with 2000 captured", out, err)
	}
	for range 2 {
		out, err = e.reg.Invoke(ctxOf(t), call(paytask.ResourceRefund, "tok-ref", `{"payment_id": "`+p.ID+`", "amount": 500, "reason": "requested_by_customer"}`))
		if err != nil || !strings.Contains(string(out), `"amount":500`) {
			t.Fatalf("payments:refund = %s, %v", out, err)
		}
	}
	if n := e.count.Calls("refund"); n != 1 {
		t.Errorf("PSP refund calls = %d, want 1 (the task repeated)", n)
	}
}

func moneyEUR(n int64) money.Amount { return money.New(n, "EUR") }

func isTaskError(err error, name string) bool {
	var te *engine.TaskError
	return errors.As(err, &te) && te.Name == name
}

// TestResumeExactlyOnce delivers a resumption the engine took already, as
// after a crash between the delivery and its record: the engine answers
// TaskTimedOut, the execution is not resumed twice, and the resumption
// counts as delivered.
func TestResumeExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	sm := e.machine(t, "pay", waitingMachine)
	arn, p := e.startWaiting(t, sm, "exec-once")
	tasks, err := e.st.PaymentTaskList(ctxOf(t), p.ID)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("PaymentTaskList = %v, %v", tasks, err)
	}
	if _, err := e.svc.Confirm(ctxOf(t), p.ID, payment.ConfirmParams{PaymentMethod: "pm_card_visa"}); err != nil {
		t.Fatal(err)
	}
	// The first delivery reached the engine; its record was lost.
	if err := e.r.SendTaskSuccess(ctxOf(t), tasks[0].TaskToken, `{"id":"`+p.ID+`","status":"succeeded","payment_method":{"last4":"4242"}}`); err != nil {
		t.Fatal(err)
	}
	e.deliverEvents(t) // applies the events and runs the dispatcher
	r, err := e.st.TaskResumptionGet(ctxOf(t), tasks[0].TaskToken)
	if err != nil || r.DeliveredAt.IsZero() || r.LastError != "not awaited: TaskTimedOut" {
		t.Fatalf("resumption = %+v, %v; want delivered, not awaited: TaskTimedOut", r, err)
	}
	if st := e.disp.Stats(); st != (paytask.DispatchStats{NotAwaited: 1}) {
		t.Errorf("dispatcher Stats = %+v, want one not awaited", st)
	}
	ex := e.wait(t, arn)
	evs, _, err := e.st.HistoryList(ctxOf(t), store.HistoryFilter{ExecutionARN: arn, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	succeeded := 0
	for _, ev := range evs {
		if ev.Type == "TaskSucceeded" {
			succeeded++
		}
	}
	if ex.Status != store.ExecutionSucceeded || succeeded != 1 {
		t.Errorf("execution %s with %d TaskSucceeded events; want SUCCEEDED, resumed once", ex.Status, succeeded)
	}
}

// flakySender fails its first n deliveries, as an engine that is not
// running yet does.
type flakySender struct {
	paytask.Sender
	mu   sync.Mutex
	left int
}

func (f *flakySender) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	f.mu.Lock()
	if f.left > 0 {
		f.left--
		f.mu.Unlock()
		return runner.ErrStopped
	}
	f.mu.Unlock()
	return f.Sender.SendTaskFailure(ctx, token, errName, cause)
}

func TestResumeRetriedAfterAFailedDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.disp = paytask.NewDispatcher(e.st, &flakySender{Sender: e.r, left: 2}, paytask.DispatcherConfig{Clock: e.fake.Clock, RetryBase: time.Second})
	sm := e.machine(t, "pay", waitingMachine)
	arn, p := e.startWaiting(t, sm, "exec-retry")
	if _, err := e.svc.Cancel(ctxOf(t), p.ID); err != nil {
		t.Fatal(err)
	}
	e.deliverEvents(t) // first attempt fails
	for i, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
		e.fake.Clock.Advance(wait)
		if _, err := e.disp.RunDue(ctxOf(t)); err != nil {
			t.Fatal(err)
		}
		n, _ := e.st.TaskResumptionCountUndelivered(ctxOf(t))
		if want := int64(map[int]int{0: 1, 1: 1, 2: 0}[i]); n != want {
			t.Fatalf("after %v: %d undelivered, want %d", wait, n, want)
		}
	}
	if ex := e.wait(t, arn); ex.Status != store.ExecutionFailed || ex.Error != paytask.ErrCanceled {
		t.Errorf("execution %s %s, want FAILED Payment.Canceled", ex.Status, ex.Error)
	}
	if st := e.disp.Stats(); st != (paytask.DispatchStats{Delivered: 1, Retried: 2}) {
		t.Errorf("dispatcher Stats = %+v, want two failed attempts, then delivered", st)
	}
}
