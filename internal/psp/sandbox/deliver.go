package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/store"
)

// emit records an event about obj (an *intent or a *refund) as it is now and
// queues its delivery.
func (t *txn) emit(typ string, obj any) {
	var data any
	switch o := obj.(type) {
	case *intent:
		data = t.renderIntent(o, nil)
		if typ == "charge.refunded" {
			data = t.renderCharge(o)
		}
	case *refund:
		data = t.renderRefund(o)
	default:
		panic(fmt.Sprintf("sandbox: emit %T", obj))
	}
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal %s: %v", typ, err)) // our own types always marshal
	}
	ev := &store.SandboxEvent{ID: t.s.cfg.NewID("evt"), Type: typ, CreatedAt: t.now}
	ev.Body, err = json.Marshal(wireEvent{
		ID: ev.ID, Object: "event", APIVersion: APIVersion, Created: t.now.Unix(), Data: wireEventData{Object: raw},
		PendingWebhooks: 1, Type: typ,
	})
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal event %s: %v", typ, err))
	}
	t.events = append(t.events, ev)
	if t.s.cfg.WebhookURL == "" {
		return
	}
	d := &store.SandboxDelivery{EventID: ev.ID, EventType: ev.Type, Body: ev.Body, DueAt: t.now}
	t.deliveries = append(t.deliveries, d)
	if t.s.cfg.DuplicateEvents {
		t.deliveries = append(t.deliveries, d)
	}
}

// schedule queues a job d from now.
func (t *txn) schedule(kind, ref string, d time.Duration) {
	t.jobs = append(t.jobs, &store.SandboxJob{Kind: kind, Ref: ref, DueAt: t.now.Add(d)})
}

// Run performs due work until ctx is cancelled: it wakes when this node
// queued work and otherwise every PollInterval (work other nodes queued is
// found then). It returns ctx's error.
func (s *Sandbox) Run(ctx context.Context) error {
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		case <-s.clk.After(s.cfg.PollInterval):
		}
	}
}

// How many jobs one transaction runs, and how many deliveries a claim takes.
const (
	jobBatch      = 50
	deliveryBatch = 8
)

// RunDue settles the processing that is due and makes the webhook deliveries
// that are due, one attempt each, and returns how many deliveries it tried.
// A failed delivery is retried later with exponential backoff. Both are
// claimed from the Store, so that with several nodes each job runs once
// and each delivery is attempted by one node. Storage errors are logged;
// what they left undone is due again at the next call.
func (s *Sandbox) RunDue(ctx context.Context) int {
	now := s.now()
	deliveries, jobs, err := s.store.SandboxCountDue(ctx, now)
	if err != nil {
		s.logStorage(ctx, "looking for due work", err)
		return 0
	}
	// Jobs run in the transaction that takes them, which commits their
	// changes; they may queue deliveries, and jobs for later.
	for jobs > 0 {
		taken := 0
		err := s.update(ctx, func(t *txn) error {
			js, err := t.q.SandboxJobTakeDue(ctx, now, jobBatch)
			if err != nil {
				return err
			}
			for _, j := range js {
				t.runJob(j)
			}
			taken = len(js)
			return nil
		})
		if err != nil {
			s.logStorage(ctx, "running due processing", err)
			break
		}
		if taken < jobBatch {
			deliveries = 1 // the jobs may have queued some
			break
		}
	}
	if deliveries == 0 {
		return 0
	}
	tried := 0
	for {
		// A claim lasts as long as its deliveries may take.
		now := s.now()
		lease := now.Add(time.Duration(deliveryBatch+1) * s.cfg.DeliveryTimeout)
		batch, err := s.store.SandboxDeliveryClaimDue(ctx, now, lease, deliveryBatch)
		if err != nil {
			s.logStorage(ctx, "claiming due webhook deliveries", err)
			return tried
		}
		if s.cfg.ReorderEvents {
			slices.Reverse(batch)
		}
		for _, d := range batch {
			s.attempt(ctx, d)
		}
		tried += len(batch)
		if len(batch) < deliveryBatch {
			return tried
		}
	}
}

// attempt makes one delivery attempt and records its outcome: done, given
// up after MaxAttempts, or due again after a backoff. The outcome is
// recorded even when ctx ends meanwhile.
func (s *Sandbox) attempt(ctx context.Context, d *store.SandboxDelivery) {
	err := s.deliver(ctx, d)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	log := []any{"event_id", d.EventID, "event_type", d.EventType, "attempt", d.Attempts}
	switch {
	case err == nil:
		s.log.DebugContext(ctx, "sandbox webhook delivered", log...)
	case d.Attempts >= s.cfg.MaxAttempts:
		s.log.ErrorContext(ctx, "sandbox webhook dropped", append(log[:4], "attempts", d.Attempts, "err", err)...)
	default:
		wait := s.backoff(d.Attempts)
		s.log.WarnContext(ctx, "sandbox webhook failed", append(log, "retry_in", wait, "err", err)...)
		if rerr := s.store.SandboxDeliveryRetry(ctx, d.ID, s.now().Add(wait)); rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
			s.logStorage(ctx, "scheduling a webhook redelivery", rerr)
		}
		return
	}
	// ErrNotFound: another node took the delivery over when the claim ran
	// out, and finished it first.
	if rerr := s.store.SandboxDeliveryDelete(ctx, d.ID); rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
		s.logStorage(ctx, "recording a webhook delivery", rerr)
	}
}

// logStorage logs a storage error of due work, which is due again at the
// next call: an error, but only a warning for a conflict with another node.
func (s *Sandbox) logStorage(ctx context.Context, what string, err error) {
	switch {
	case ctx.Err() != nil: // stopping
	case errors.Is(err, store.ErrConflict):
		s.log.WarnContext(ctx, "sandbox work met another node's", "while", what, "err", err)
	default:
		s.log.ErrorContext(ctx, "sandbox state unavailable", "while", what, "err", err)
	}
}

// backoff is the wait after the attempt-th failed delivery.
func (s *Sandbox) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

func (s *Sandbox) deliver(ctx context.Context, d *store.SandboxDelivery) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("deliver %s: %w", d.EventID, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "paystep-sandbox/1.0")
	req.Header.Set(stripesig.HeaderName, stripesig.Sign(s.now(), d.Body, s.cfg.WebhookSecret))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", d.EventID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("deliver %s: %s answered %s", d.EventID, s.cfg.WebhookURL, resp.Status)
	}
	return nil
}

// EventInfo describes an event the sandbox emitted.
type EventInfo struct {
	ID   string
	Type string // Stripe's type: "payment_intent.succeeded"
	Body []byte // the JSON delivered
}

// Events lists the events kept (the latest KeepEvents), oldest first. It
// lists none when the Store cannot be read, and logs why.
func (s *Sandbox) Events() []EventInfo {
	ctx := context.Background()
	evs, err := s.store.SandboxEventList(ctx)
	if err != nil {
		s.logStorage(ctx, "listing events", err)
		return nil
	}
	out := make([]EventInfo, len(evs))
	for i, ev := range evs {
		out[i] = EventInfo{ID: ev.ID, Type: ev.Type, Body: ev.Body}
	}
	return out
}

// Pending reports how many deliveries and processing jobs are queued, due
// or not (0, 0 when the Store cannot be read, which is logged).
func (s *Sandbox) Pending() (deliveries, jobs int) {
	ctx := context.Background()
	d, j, err := s.store.SandboxCountDue(ctx, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		s.logStorage(ctx, "counting queued work", err)
	}
	return int(d), int(j)
}
