package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// Store keeps the sandbox's state. Both of paystep's database backends
// implement it (tables sandbox_*, see store.SandboxQueries); so does the
// memory store the sandbox uses when Config.Store is nil.
type Store interface {
	store.SandboxQueries
	// SandboxInTx runs fn in one transaction, committed when fn returns nil.
	SandboxInTx(ctx context.Context, fn func(q store.SandboxQueries) error) error
}

// The kinds of stored objects.
const (
	kindIntent = "intent"
	kindMethod = "method"
	kindRefund = "refund"
)

// opTimeout bounds one change of the state. A change runs to its end even
// when the caller hangs up, as a PSP's would.
const opTimeout = 30 * time.Second

type objKey struct{ kind, id string }

// txn is one change of the sandbox's state, or one read of it: the objects
// it loaded, decoded, and written back at its end when they changed, with
// the events, deliveries and jobs it made, all in one transaction.
type txn struct {
	s     *Sandbox
	ctx   context.Context
	q     store.SandboxQueries
	now   time.Time
	write bool // false for a read: nothing is stored

	intents map[string]*intent
	methods map[string]*method
	refunds map[string]*refund
	loaded  map[objKey][]byte // each object as read ("" when new), in order
	order   []objKey

	events     []*store.SandboxEvent
	deliveries []*store.SandboxDelivery
	jobs       []*store.SandboxJob

	err error // the first storage error: the transaction rolls back
}

func (s *Sandbox) newTxn(ctx context.Context, q store.SandboxQueries, write bool) *txn {
	return &txn{s: s, ctx: ctx, q: q, now: s.now(), write: write,
		intents: map[string]*intent{}, methods: map[string]*method{}, refunds: map[string]*refund{}, loaded: map[objKey][]byte{}}
}

// update runs fn in one transaction and commits what it changed. A storage
// error fn met (t.err) rolls it back and is returned.
func (s *Sandbox) update(ctx context.Context, fn func(t *txn) error) error {
	var t *txn
	err := s.store.SandboxInTx(ctx, func(q store.SandboxQueries) error {
		t = s.newTxn(ctx, q, true)
		if err := fn(t); err != nil {
			return err
		}
		if t.err != nil {
			return t.err
		}
		return t.flush()
	})
	if err == nil && (len(t.deliveries) > 0 || len(t.jobs) > 0) {
		s.notify()
	}
	return err
}

// view runs fn on the stored state without a transaction, changing nothing.
func (s *Sandbox) view(ctx context.Context, fn func(t *txn)) error {
	t := s.newTxn(ctx, s.store, false)
	fn(t)
	return t.err
}

// errStorage is how the API answers when the state could not be read or
// written: a 500, which clients treat as an unknown outcome and retry with
// the same idempotency key.
var errStorage = &apiError{Status: http.StatusInternalServerError, Type: psp.ErrorTypeAPI,
	Message: "The sandbox could not read or write its state. Try again with the same Idempotency-Key."}

// fail records a storage error and returns the API's answer to it.
func (t *txn) fail(err error) *apiError {
	if t.err == nil {
		t.err = err
	}
	return errStorage
}

// load reads and decodes an object into v, locking it in a write. It
// reports false when there is no such object.
func (t *txn) load(kind, id string, v any) (bool, error) {
	o, err := t.q.SandboxObjectGet(t.ctx, kind, id, t.write && kind != kindMethod) // methods never change
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(o.Body, v); err != nil {
		return false, fmt.Errorf("sandbox %s %s: %w", kind, id, err)
	}
	k := objKey{kind, id}
	t.loaded[k] = o.Body
	t.order = append(t.order, k)
	return true, nil
}

// add makes obj a new object of the state, stored at the end.
func (t *txn) add(kind, id string) {
	k := objKey{kind, id}
	if _, ok := t.loaded[k]; !ok {
		t.loaded[k] = nil
		t.order = append(t.order, k)
	}
}

// intent returns a payment intent, or nil when there is none (or on a
// storage error, recorded in t.err).
func (t *txn) intent(id string) *intent {
	if in, ok := t.intents[id]; ok {
		return in
	}
	in := &intent{}
	ok, err := t.load(kindIntent, id, in)
	if err != nil {
		t.fail(err)
	}
	if !ok {
		return nil
	}
	t.intents[id] = in
	return in
}

func (t *txn) method(id string) *method {
	if id == "" {
		return nil
	}
	if m, ok := t.methods[id]; ok {
		return m
	}
	m := &method{}
	ok, err := t.load(kindMethod, id, m)
	if err != nil {
		t.fail(err)
	}
	if !ok {
		return nil
	}
	t.methods[id] = m
	return m
}

func (t *txn) refund(id string) *refund {
	if re, ok := t.refunds[id]; ok {
		return re
	}
	re := &refund{}
	ok, err := t.load(kindRefund, id, re)
	if err != nil {
		t.fail(err)
	}
	if !ok {
		return nil
	}
	t.refunds[id] = re
	return re
}

func (t *txn) addIntent(in *intent) { t.intents[in.ID] = in; t.add(kindIntent, in.ID) }
func (t *txn) addMethod(m *method)  { t.methods[m.ID] = m; t.add(kindMethod, m.ID) }
func (t *txn) addRefund(re *refund) { t.refunds[re.ID] = re; t.add(kindRefund, re.ID) }

// flush writes the objects that changed, then the events, deliveries and
// jobs made, and trims the oldest events.
func (t *txn) flush() error {
	if !t.write {
		return nil
	}
	var objs []*store.SandboxObject
	for _, k := range t.order {
		var v any
		switch k.kind {
		case kindIntent:
			v = t.intents[k.id]
		case kindMethod:
			v = t.methods[k.id]
		case kindRefund:
			v = t.refunds[k.id]
		}
		body, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("sandbox %s %s: %w", k.kind, k.id, err)
		}
		if old := t.loaded[k]; old != nil && bytes.Equal(old, body) {
			continue
		}
		objs = append(objs, &store.SandboxObject{Kind: k.kind, ID: k.id, Body: body, UpdatedAt: t.now})
	}
	if err := t.q.SandboxObjectPut(t.ctx, objs...); err != nil {
		return err
	}
	if err := t.q.SandboxEventAppend(t.ctx, t.events...); err != nil {
		return err
	}
	if err := t.q.SandboxDeliveryAdd(t.ctx, t.deliveries...); err != nil {
		return err
	}
	if err := t.q.SandboxJobAdd(t.ctx, t.jobs...); err != nil {
		return err
	}
	if len(t.events) > 0 {
		return t.q.SandboxEventTrim(t.ctx, t.s.cfg.KeepEvents)
	}
	return nil
}
