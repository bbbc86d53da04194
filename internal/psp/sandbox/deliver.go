package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/paystep/paystep/internal/psp/stripesig"
)

// emit records an event about obj (an *intent or a *refund) as it is now and
// queues its delivery. Called with s.mu held.
func (s *Sandbox) emit(typ string, obj any) {
	var data any
	switch o := obj.(type) {
	case *intent:
		data = s.renderIntent(o, nil)
		if typ == "charge.refunded" {
			data = s.renderCharge(o)
		}
	case *refund:
		data = s.renderRefund(o)
	default:
		panic(fmt.Sprintf("sandbox: emit %T", obj))
	}
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal %s: %v", typ, err)) // our own types always marshal
	}
	ev := &event{ID: s.cfg.NewID("evt"), Type: typ, Created: s.now().Unix()}
	ev.Body, err = json.Marshal(wireEvent{
		ID: ev.ID, Object: "event", APIVersion: APIVersion, Created: ev.Created, Data: wireEventData{Object: raw},
		PendingWebhooks: 1, Type: typ,
	})
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal event %s: %v", typ, err))
	}
	s.events = append(s.events, ev)
	s.byEvent[ev.ID] = ev
	if over := len(s.events) - s.cfg.KeepEvents; over > 0 {
		for _, old := range s.events[:over] {
			delete(s.byEvent, old.ID)
		}
		s.events = slices.Delete(s.events, 0, over)
	}
	if s.cfg.WebhookURL == "" {
		return
	}
	now := s.now()
	s.queue = append(s.queue, delivery{ev: ev, due: now})
	if s.cfg.DuplicateEvents {
		s.queue = append(s.queue, delivery{ev: ev, due: now})
	}
	s.notify()
}

// schedule queues a job d from now. Called with s.mu held.
func (s *Sandbox) schedule(kind jobKind, ref string, d time.Duration) {
	s.jobs = append(s.jobs, job{due: s.now().Add(d), kind: kind, ref: ref})
	s.notify()
}

// Run performs due work until ctx is cancelled: it wakes when work is queued
// and otherwise every PollInterval. It returns ctx's error.
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

// RunDue settles the processing that is due and makes the webhook deliveries
// that are due, one attempt each, and returns how many deliveries it tried.
// A failed delivery is retried later with exponential backoff.
func (s *Sandbox) RunDue(ctx context.Context) int {
	s.mu.Lock()
	now := s.now()
	// Jobs may queue jobs; run until none is due.
	for {
		var due []job
		s.jobs = slices.DeleteFunc(s.jobs, func(j job) bool {
			if !j.due.After(now) {
				due = append(due, j)
				return true
			}
			return false
		})
		if len(due) == 0 {
			break
		}
		slices.SortStableFunc(due, func(a, b job) int { return a.due.Compare(b.due) })
		for _, j := range due {
			s.runJob(j)
		}
	}
	var batch []delivery
	s.queue = slices.DeleteFunc(s.queue, func(d delivery) bool {
		if !d.due.After(now) {
			batch = append(batch, d)
			return true
		}
		return false
	})
	s.mu.Unlock()
	if s.cfg.ReorderEvents {
		slices.Reverse(batch)
	}
	var retry []delivery
	for _, d := range batch {
		d.attempt++
		if err := s.deliver(ctx, d.ev); err != nil {
			if d.attempt >= s.cfg.MaxAttempts {
				s.log.ErrorContext(ctx, "sandbox webhook dropped", "event_id", d.ev.ID, "event_type", d.ev.Type, "attempts", d.attempt, "err", err)
				continue
			}
			wait := s.backoff(d.attempt)
			s.log.WarnContext(ctx, "sandbox webhook failed", "event_id", d.ev.ID, "event_type", d.ev.Type, "attempt", d.attempt, "retry_in", wait, "err", err)
			d.due = s.now().Add(wait)
			retry = append(retry, d)
			continue
		}
		s.log.DebugContext(ctx, "sandbox webhook delivered", "event_id", d.ev.ID, "event_type", d.ev.Type, "attempt", d.attempt)
	}
	if len(retry) > 0 {
		s.mu.Lock()
		s.queue = append(s.queue, retry...)
		s.mu.Unlock()
	}
	return len(batch)
}

// backoff is the wait after the attempt-th failed delivery.
func (s *Sandbox) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

func (s *Sandbox) deliver(ctx context.Context, ev *event) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.WebhookURL, bytes.NewReader(ev.Body))
	if err != nil {
		return fmt.Errorf("deliver %s: %w", ev.ID, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "paystep-sandbox/1.0")
	req.Header.Set(stripesig.HeaderName, stripesig.Sign(s.now(), ev.Body, s.cfg.WebhookSecret))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", ev.ID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("deliver %s: %s answered %s", ev.ID, s.cfg.WebhookURL, resp.Status)
	}
	return nil
}

// EventInfo describes an event the sandbox emitted.
type EventInfo struct {
	ID   string
	Type string // Stripe's type: "payment_intent.succeeded"
	Body []byte // the JSON delivered
}

// Events lists every event emitted so far, oldest first.
func (s *Sandbox) Events() []EventInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EventInfo, len(s.events))
	for i, ev := range s.events {
		out[i] = EventInfo{ID: ev.ID, Type: ev.Type, Body: ev.Body}
	}
	return out
}

// Pending reports how many deliveries and processing jobs are queued.
func (s *Sandbox) Pending() (deliveries, jobs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), len(s.jobs)
}
