// Package paytest assembles paystep's payment side for other packages'
// tests: a payment service on a real store and the in-process sandbox PSP
// (NewEnv), the whole payment stack served on 127.0.0.1 as paystep serve
// mounts it (NewStack), requests read whole (Do), and Buffer, a sink for
// logs that many goroutines write. It is imported by tests only.
package paytest

import (
	"context"
	"testing"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/psp/sandbox"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
	"github.com/paystep/paystep/internal/webhook"
)

// ForEachBackend runs fn in a parallel subtest per store backend
// (dbtest.Backends), each on a fresh payment store: a SQLite file, and a
// PostgreSQL schema when TEST_DATABASE_URL is set (skipped otherwise).
func ForEachBackend(t *testing.T, fn func(t *testing.T, st store.PaymentStore)) {
	t.Helper()
	for _, b := range dbtest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, dbtest.Open(t, b).(store.PaymentStore))
		})
	}
}

// Env is a payment service on a real store and the in-process sandbox PSP
// (psptest.Fake), on a fake clock with sequential IDs.
type Env struct {
	Store   store.PaymentStore
	Fake    *psptest.Fake             // the PSP, named "sandbox"
	Count   *psptest.CountingProvider // counts the calls that reach Fake
	Clock   *clock.Fake               // the service's: Fake.Clock with EnvOptions.PSPClock, else its own
	IDs     *idgen.Sequential         // the service's
	Service *payment.Service
}

// EnvOptions adjust an Env; the zero value is the plain service.
type EnvOptions struct {
	// Wrap wraps the provider the service calls (Count), to force a
	// behaviour (psptest.UnknownAfterSend) or watch the calls.
	Wrap func(psp.Provider) psp.Provider
	// PSPClock runs the service on the PSP's clock, so that advancing one
	// advances both (webhook signatures are checked against it). Otherwise
	// the service has a clock of its own, set to the same start
	// (psptest.Start), and the PSP's stands still while the test advances
	// the service's.
	PSPClock bool
	// EndedFunc is the service's payment.Config.EndedFunc.
	EndedFunc func(ctx context.Context, q store.PaymentTx, p *payment.Payment) error
}

// NewEnv returns a payment service on st, speaking to a new sandbox PSP.
func NewEnv(t testing.TB, st store.PaymentStore, opts EnvOptions) *Env {
	t.Helper()
	e := &Env{Store: st, Fake: psptest.NewFake(sandbox.Config{}), IDs: &idgen.Sequential{}}
	e.Count = psptest.Counting(e.Fake)
	e.Clock = clock.NewFake(psptest.Start)
	if opts.PSPClock {
		e.Clock = e.Fake.Clock
	}
	var p psp.Provider = e.Count
	if opts.Wrap != nil {
		p = opts.Wrap(p)
	}
	svc, err := payment.NewService(st, []psp.Provider{p}, payment.Config{Clock: e.Clock, IDs: e.IDs, EndedFunc: opts.EndedFunc})
	if err != nil {
		t.Fatal(err)
	}
	e.Service = svc
	return e
}

// Event returns the webhook event the PSP would send now about payment p's
// intent: of type typ, with the ID id, as the intake has it once verified.
func (e *Env) Event(t testing.TB, p *payment.Payment, typ psp.EventType, id string) *psp.Event {
	t.Helper()
	in, err := e.Fake.Retrieve(t.Context(), p.PSPReference)
	if err != nil {
		t.Fatalf("Retrieve(%s): %v", p.PSPReference, err)
	}
	ev := &psp.Event{Provider: sandbox.Name, ID: id, Type: typ, Created: e.Clock.Now(), IntentRef: in.Ref,
		PaymentID: in.Metadata[psp.MetadataPaymentID], Status: in.Status, Amount: in.Amount, Currency: in.Currency,
		AmountReceived: in.AmountReceived, PaymentMethod: in.PaymentMethod}
	if in.LastError != nil {
		ev.FailureCode, ev.DeclineCode, ev.FailureMessage = in.LastError.Code, in.LastError.DeclineCode, in.LastError.Message
	}
	return ev
}

// Apply applies a verified event in a transaction of its own, as the
// webhook intake does, and returns what ApplyEvent returned.
func (e *Env) Apply(t testing.TB, ev *psp.Event) (*payment.Payment, bool, error) {
	t.Helper()
	var (
		got     *payment.Payment
		changed bool
	)
	err := e.Service.InTx(t.Context(), func(q store.PaymentTx) error {
		var err error
		got, changed, err = e.Service.ApplyEvent(t.Context(), q, ev)
		return err
	})
	return got, changed, err
}

// Intake returns a webhook intake for the Env's PSP over its service. cfg's
// Clock defaults to the service's.
func (e *Env) Intake(cfg webhook.Config) *webhook.Intake {
	if cfg.Clock == nil {
		cfg.Clock = e.Clock
	}
	return webhook.New(e.Service, map[string]psp.EventVerifier{sandbox.Name: e.Fake}, cfg)
}
