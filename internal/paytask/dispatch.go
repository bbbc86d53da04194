package paytask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// Sender sends a task's outcome to the engine; *runner.Runner is one.
type Sender interface {
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
}

// DispatcherConfig configures a Dispatcher.
type DispatcherConfig struct {
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// PollInterval is how often Run looks for due resumptions when not
	// kicked. Defaults to 1s.
	PollInterval time.Duration
	// Lease is how long a claimed resumption is left to its claimer before
	// another node may deliver it. Defaults to 30s.
	Lease time.Duration
	// Batch is how many resumptions one RunDue claims at most. Defaults to 100.
	Batch int
	// SendTimeout bounds one delivery. Defaults to 10s.
	SendTimeout time.Duration
	// RetryBase is the wait after a failed delivery; it doubles with each
	// attempt up to RetryMax. Defaults to 1s and 5 minutes.
	RetryBase, RetryMax time.Duration
	// OutputFunc, when set, renders a success outcome's payment at delivery
	// (Tasks.Output), so the task gets it as it is then, with what was
	// recorded after its end (a card summary the PSP's answer brought after
	// the webhook). nil, or its error, sends the output recorded at the end.
	OutputFunc func(ctx context.Context, paymentID string) (json.RawMessage, error)
}

// Dispatcher delivers the resumption outbox to the engine: see the package
// documentation.
type Dispatcher struct {
	st   store.PaymentStore
	send Sender
	cfg  DispatcherConfig
	log  *slog.Logger
	kick chan struct{}

	delivered, notAwaited, retried atomic.Uint64
}

// DispatchStats counts a Dispatcher's deliveries since it was made, for
// metrics. The resumptions still undelivered are counted by the store
// (TaskResumptionCountUndelivered).
type DispatchStats struct {
	Delivered  uint64 // the engine took the outcome
	NotAwaited uint64 // delivered, but nothing waited any more: a repeat after a crash, a timed-out task, an ended execution
	Retried    uint64 // attempts that failed, to be made again later
}

// Stats returns the counts so far.
func (d *Dispatcher) Stats() DispatchStats {
	return DispatchStats{Delivered: d.delivered.Load(), NotAwaited: d.notAwaited.Load(), Retried: d.retried.Load()}
}

// NewDispatcher returns a dispatcher of st's resumptions to send.
func NewDispatcher(st store.PaymentStore, send Sender, cfg DispatcherConfig) *Dispatcher {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 10 * time.Second
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	return &Dispatcher{st: st, send: send, cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1)}
}

// Kick wakes Run: something was committed to deliver. It never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers due resumptions when kicked and every PollInterval until
// ctx ends; it starts with what an earlier process left.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.PollInterval)
	defer t.Stop()
	for {
		for {
			n, err := d.RunDue(ctx)
			if err != nil && ctx.Err() == nil {
				d.log.WarnContext(ctx, "delivering task resumptions", "err", err)
			}
			if n < d.cfg.Batch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.kick:
		case <-t.C:
		}
	}
}

// RunDue claims the due resumptions, up to Batch, delivers them and
// returns how many it claimed.
func (d *Dispatcher) RunDue(ctx context.Context) (int, error) {
	now := d.cfg.Clock.Now()
	rs, err := d.st.TaskResumptionClaimDue(ctx, now, now.Add(d.cfg.Lease), d.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim task resumptions: %w", err)
	}
	var errs []error
	for _, r := range rs {
		if err := d.deliver(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	return len(rs), errors.Join(errs...)
}

// deliver sends one resumption and records how it went.
func (d *Dispatcher) deliver(ctx context.Context, r *store.TaskResumption) error {
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	var err error
	switch r.Outcome {
	case store.ResumeSuccess:
		out := r.Output
		if d.cfg.OutputFunc != nil {
			if now, oerr := d.cfg.OutputFunc(sctx, r.PaymentID); oerr == nil {
				out = now
			} else {
				d.log.WarnContext(ctx, "rendering a resumed task's payment; sending it as it ended", "payment_id", r.PaymentID, "err", oerr)
			}
		}
		err = d.send.SendTaskSuccess(sctx, r.TaskToken, string(out))
	default:
		err = d.send.SendTaskFailure(sctx, r.TaskToken, r.Error, r.Cause)
	}
	cancel()
	note, counter := "delivered", &d.delivered
	var we *wire.Error
	if errors.As(err, &we) && (we.Code == wire.TaskTimedOut || we.Code == wire.InvalidToken || we.Code == wire.TaskDoesNotExist) {
		// Delivered before (a repeat after a crash), or the task timed out
		// or its execution ended: no one waits for it any more.
		note, counter, err = "not awaited: "+we.Code, &d.notAwaited, nil
	}
	now := d.cfg.Clock.Now()
	if err != nil {
		wait := d.cfg.RetryBase << min(r.Attempts-1, 20)
		if wait <= 0 || wait > d.cfg.RetryMax {
			wait = d.cfg.RetryMax
		}
		d.log.WarnContext(ctx, "task resumption not delivered; will retry", "payment_id", r.PaymentID, "attempt", r.Attempts, "retry_in", wait, "err", err)
		if rerr := d.st.TaskResumptionRetry(context.WithoutCancel(ctx), r.TaskToken, now.Add(wait), err.Error()); rerr != nil {
			return fmt.Errorf("task resumption of payment %s: %w", r.PaymentID, rerr)
		}
		d.retried.Add(1)
		return nil
	}
	if err := d.st.TaskResumptionDelivered(context.WithoutCancel(ctx), r.TaskToken, now, note); err != nil {
		return fmt.Errorf("task resumption of payment %s delivered: %w", r.PaymentID, err)
	}
	counter.Add(1)
	d.log.InfoContext(ctx, "task resumed", "payment_id", r.PaymentID, "outcome", r.Outcome, "note", note)
	return nil
}
