package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/store"
)

// memStore is a Store in memory, for tests and in-process fakes: its state
// ends with the process. Transactions hold one mutex, so they take turns
// whole; a failed one is undone from a log of what it changed.
type memStore struct {
	mu sync.Mutex
	st memState
}

var (
	_ Store              = (*memStore)(nil)
	_ store.SandboxStore = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{st: memState{
		objects: map[objKey]store.SandboxObject{}, eventIdx: map[string]int{}, deliveries: map[int64]store.SandboxDelivery{},
		jobs: map[int64]store.SandboxJob{}, idem: map[string]store.SandboxIdempotency{},
	}}
}

type memState struct {
	objects    map[objKey]store.SandboxObject
	events     []store.SandboxEvent // by Seq
	eventIdx   map[string]int       // ID → index in events
	seq        int64
	deliveries map[int64]store.SandboxDelivery
	jobs       map[int64]store.SandboxJob
	nextID     int64
	idem       map[string]store.SandboxIdempotency

	undo []func() // set inside a transaction
}

func (m *memStore) locked(fn func(st *memState) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(&m.st)
}

// SandboxInTx runs fn holding the store, and undoes its changes when it fails.
func (m *memStore) SandboxInTx(ctx context.Context, fn func(q store.SandboxQueries) error) (err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := &m.st
	st.undo = []func(){}
	defer func() {
		p := recover()
		if err != nil || p != nil {
			for i := len(st.undo) - 1; i >= 0; i-- {
				st.undo[i]()
			}
		}
		st.undo = nil
		if p != nil {
			panic(p)
		}
	}()
	return fn(memTx{st})
}

// onUndo notes how to take back a change, inside a transaction.
func (st *memState) onUndo(fn func()) {
	if st.undo != nil {
		st.undo = append(st.undo, fn)
	}
}

func memNotFound(what string) error { return fmt.Errorf("%s: %w", what, store.ErrNotFound) }

func (st *memState) objectGet(kind, id string) (*store.SandboxObject, error) {
	o, ok := st.objects[objKey{kind, id}]
	if !ok {
		return nil, memNotFound("sandbox " + kind + " " + id)
	}
	o.Body = slices.Clone(o.Body)
	return &o, nil
}

func (st *memState) objectPut(objs []*store.SandboxObject) error {
	for _, o := range objs {
		k := objKey{o.Kind, o.ID}
		old, had := st.objects[k]
		st.onUndo(func() {
			if had {
				st.objects[k] = old
			} else {
				delete(st.objects, k)
			}
		})
		c := *o
		c.Body, c.UpdatedAt = slices.Clone(o.Body), o.UpdatedAt.Truncate(time.Microsecond)
		st.objects[k] = c
	}
	return nil
}

func (st *memState) eventAppend(events []*store.SandboxEvent) error {
	for i, e := range events {
		_, taken := st.eventIdx[e.ID]
		if taken || slices.ContainsFunc(events[:i], func(o *store.SandboxEvent) bool { return o.ID == e.ID }) {
			return fmt.Errorf("sandbox event %s: %w", e.ID, store.ErrExists)
		}
	}
	n, seq := len(st.events), st.seq
	st.onUndo(func() {
		for _, e := range st.events[n:] {
			delete(st.eventIdx, e.ID)
		}
		st.events, st.seq = st.events[:n], seq
	})
	for _, e := range events {
		st.seq++
		e.Seq = st.seq
		c := *e
		c.Body, c.CreatedAt = slices.Clone(e.Body), e.CreatedAt.Truncate(time.Microsecond)
		st.eventIdx[e.ID] = len(st.events)
		st.events = append(st.events, c)
	}
	return nil
}

func (st *memState) eventTrim(keep int) {
	if len(st.events) == 0 {
		return
	}
	cut := st.events[len(st.events)-1].Seq - int64(max(keep, 1))
	i, _ := slices.BinarySearchFunc(st.events, cut+1, func(e store.SandboxEvent, seq int64) int { return cmp.Compare(e.Seq, seq) })
	if i == 0 {
		return
	}
	old := slices.Clone(st.events)
	st.onUndo(func() { st.events = old; st.reindex() })
	st.events = slices.Delete(st.events, 0, i)
	st.reindex()
}

func (st *memState) reindex() {
	clear(st.eventIdx)
	for i, e := range st.events {
		st.eventIdx[e.ID] = i
	}
}

func (st *memState) id() int64 {
	st.nextID++
	return st.nextID
}

func (st *memState) deliveryAdd(ds []*store.SandboxDelivery) {
	for _, d := range ds {
		c := *d
		c.ID, c.Body, c.DueAt = st.id(), slices.Clone(d.Body), d.DueAt.Truncate(time.Microsecond)
		st.deliveries[c.ID] = c
		st.onUndo(func() { delete(st.deliveries, c.ID) })
	}
}

func (st *memState) deliverySet(id int64, fn func(d *store.SandboxDelivery) bool) error {
	d, ok := st.deliveries[id]
	if !ok {
		return memNotFound(fmt.Sprintf("sandbox delivery %d", id))
	}
	st.onUndo(func() { st.deliveries[id] = d })
	c := d
	if fn(&c) {
		st.deliveries[id] = c
	} else {
		delete(st.deliveries, id)
	}
	return nil
}

// due returns the keys of m whose due time is at or before now, earliest
// first, then by ID, at most limit.
func due[T any](m map[int64]T, dueAt func(T) time.Time, now time.Time, limit int) []int64 {
	var ids []int64
	for id, v := range m {
		if !dueAt(v).After(now) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Or(dueAt(m[a]).Compare(dueAt(m[b])), cmp.Compare(a, b)) })
	return ids[:min(len(ids), max(limit, 0))]
}

func (st *memState) deliveryClaimDue(now, leaseUntil time.Time, limit int) []*store.SandboxDelivery {
	var out []*store.SandboxDelivery
	for _, id := range due(st.deliveries, func(d store.SandboxDelivery) time.Time { return d.DueAt }, now, limit) {
		st.deliverySet(id, func(d *store.SandboxDelivery) bool {
			d.DueAt, d.Attempts = leaseUntil.Truncate(time.Microsecond), d.Attempts+1
			c := *d
			c.Body = slices.Clone(d.Body)
			out = append(out, &c)
			return true
		})
	}
	return out
}

func (st *memState) jobAdd(jobs []*store.SandboxJob) {
	for _, j := range jobs {
		c := *j
		c.ID, c.DueAt = st.id(), j.DueAt.Truncate(time.Microsecond)
		st.jobs[c.ID] = c
		st.onUndo(func() { delete(st.jobs, c.ID) })
	}
}

func (st *memState) jobTakeDue(now time.Time, limit int) []*store.SandboxJob {
	var out []*store.SandboxJob
	for _, id := range due(st.jobs, func(j store.SandboxJob) time.Time { return j.DueAt }, now, limit) {
		j := st.jobs[id]
		delete(st.jobs, id)
		st.onUndo(func() { st.jobs[id] = j })
		out = append(out, &j)
	}
	return out
}

func (st *memState) countDue(now time.Time) (deliveries, jobs int64) {
	for _, d := range st.deliveries {
		if !d.DueAt.After(now) {
			deliveries++
		}
	}
	for _, j := range st.jobs {
		if !j.DueAt.After(now) {
			jobs++
		}
	}
	return deliveries, jobs
}

func (st *memState) idemGet(key string) (*store.SandboxIdempotency, error) {
	e, ok := st.idem[key]
	if !ok {
		return nil, memNotFound("sandbox idempotency key")
	}
	e.Body = slices.Clone(e.Body)
	return &e, nil
}

func (st *memState) idemPut(e *store.SandboxIdempotency) error {
	if _, ok := st.idem[e.Key]; ok {
		return fmt.Errorf("sandbox idempotency key: %w", store.ErrExists)
	}
	c := *e
	c.Body, c.CreatedAt = slices.Clone(e.Body), e.CreatedAt.Truncate(time.Microsecond)
	st.idem[e.Key] = c
	st.onUndo(func() { delete(st.idem, e.Key) })
	return nil
}

func (st *memState) idemDeleteBefore(before time.Time) int64 {
	var n int64
	for k, e := range st.idem {
		if e.CreatedAt.Before(before) {
			delete(st.idem, k)
			st.onUndo(func() { st.idem[k] = e })
			n++
		}
	}
	return n
}

// memTx is the queries of a transaction: the state, already held.
type memTx struct{ st *memState }

func (q memTx) SandboxObjectGet(_ context.Context, kind, id string, _ bool) (*store.SandboxObject, error) {
	return q.st.objectGet(kind, id)
}
func (q memTx) SandboxObjectPut(_ context.Context, objs ...*store.SandboxObject) error {
	return q.st.objectPut(objs)
}
func (q memTx) SandboxEventAppend(_ context.Context, events ...*store.SandboxEvent) error {
	return q.st.eventAppend(events)
}
func (q memTx) SandboxEventGet(_ context.Context, id string) (*store.SandboxEvent, error) {
	return q.st.eventGet(id)
}
func (q memTx) SandboxEventList(context.Context) ([]*store.SandboxEvent, error) {
	return q.st.eventList(), nil
}
func (q memTx) SandboxEventTrim(_ context.Context, keep int) error { q.st.eventTrim(keep); return nil }
func (q memTx) SandboxDeliveryAdd(_ context.Context, ds ...*store.SandboxDelivery) error {
	q.st.deliveryAdd(ds)
	return nil
}
func (q memTx) SandboxDeliveryClaimDue(_ context.Context, now, leaseUntil time.Time, limit int) ([]*store.SandboxDelivery, error) {
	return q.st.deliveryClaimDue(now, leaseUntil, limit), nil
}
func (q memTx) SandboxDeliveryRetry(_ context.Context, id int64, dueAt time.Time) error {
	return q.st.deliverySet(id, func(d *store.SandboxDelivery) bool { d.DueAt = dueAt.Truncate(time.Microsecond); return true })
}
func (q memTx) SandboxDeliveryDelete(_ context.Context, id int64) error {
	return q.st.deliverySet(id, func(*store.SandboxDelivery) bool { return false })
}
func (q memTx) SandboxJobAdd(_ context.Context, jobs ...*store.SandboxJob) error {
	q.st.jobAdd(jobs)
	return nil
}
func (q memTx) SandboxJobTakeDue(_ context.Context, now time.Time, limit int) ([]*store.SandboxJob, error) {
	return q.st.jobTakeDue(now, limit), nil
}
func (q memTx) SandboxCountDue(_ context.Context, now time.Time) (int64, int64, error) {
	d, j := q.st.countDue(now)
	return d, j, nil
}
func (q memTx) SandboxIdempotencyGet(_ context.Context, key string) (*store.SandboxIdempotency, error) {
	return q.st.idemGet(key)
}
func (q memTx) SandboxIdempotencyPut(_ context.Context, e *store.SandboxIdempotency) error {
	return q.st.idemPut(e)
}
func (q memTx) SandboxIdempotencyDeleteBefore(_ context.Context, before time.Time) (int64, error) {
	return q.st.idemDeleteBefore(before), nil
}

func (st *memState) eventGet(id string) (*store.SandboxEvent, error) {
	i, ok := st.eventIdx[id]
	if !ok {
		return nil, memNotFound("sandbox event " + id)
	}
	e := st.events[i]
	e.Body = slices.Clone(e.Body)
	return &e, nil
}

func (st *memState) eventList() []*store.SandboxEvent {
	out := make([]*store.SandboxEvent, len(st.events))
	for i, e := range st.events {
		e.Body = slices.Clone(e.Body)
		out[i] = &e
	}
	return out
}

// The store's own methods: each one a transaction of its own.

func (m *memStore) tx(fn func(q memTx) error) error {
	return m.SandboxInTx(context.Background(), func(store.SandboxQueries) error { return fn(memTx{&m.st}) })
}

func (m *memStore) SandboxObjectGet(ctx context.Context, kind, id string, lock bool) (o *store.SandboxObject, err error) {
	err = m.locked(func(st *memState) error { o, err = st.objectGet(kind, id); return err })
	return o, err
}
func (m *memStore) SandboxObjectPut(ctx context.Context, objs ...*store.SandboxObject) error {
	return m.tx(func(q memTx) error { return q.SandboxObjectPut(ctx, objs...) })
}
func (m *memStore) SandboxEventAppend(ctx context.Context, events ...*store.SandboxEvent) error {
	return m.tx(func(q memTx) error { return q.SandboxEventAppend(ctx, events...) })
}
func (m *memStore) SandboxEventGet(ctx context.Context, id string) (e *store.SandboxEvent, err error) {
	err = m.locked(func(st *memState) error { e, err = st.eventGet(id); return err })
	return e, err
}
func (m *memStore) SandboxEventList(ctx context.Context) (out []*store.SandboxEvent, err error) {
	m.locked(func(st *memState) error { out = st.eventList(); return nil })
	return out, nil
}
func (m *memStore) SandboxEventTrim(ctx context.Context, keep int) error {
	return m.tx(func(q memTx) error { return q.SandboxEventTrim(ctx, keep) })
}
func (m *memStore) SandboxDeliveryAdd(ctx context.Context, ds ...*store.SandboxDelivery) error {
	return m.tx(func(q memTx) error { return q.SandboxDeliveryAdd(ctx, ds...) })
}
func (m *memStore) SandboxDeliveryClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) (out []*store.SandboxDelivery, err error) {
	err = m.tx(func(q memTx) error { out, err = q.SandboxDeliveryClaimDue(ctx, now, leaseUntil, limit); return err })
	return out, err
}
func (m *memStore) SandboxDeliveryRetry(ctx context.Context, id int64, dueAt time.Time) error {
	return m.tx(func(q memTx) error { return q.SandboxDeliveryRetry(ctx, id, dueAt) })
}
func (m *memStore) SandboxDeliveryDelete(ctx context.Context, id int64) error {
	return m.tx(func(q memTx) error { return q.SandboxDeliveryDelete(ctx, id) })
}
func (m *memStore) SandboxJobAdd(ctx context.Context, jobs ...*store.SandboxJob) error {
	return m.tx(func(q memTx) error { return q.SandboxJobAdd(ctx, jobs...) })
}
func (m *memStore) SandboxJobTakeDue(ctx context.Context, now time.Time, limit int) (out []*store.SandboxJob, err error) {
	err = m.tx(func(q memTx) error { out, err = q.SandboxJobTakeDue(ctx, now, limit); return err })
	return out, err
}
func (m *memStore) SandboxCountDue(ctx context.Context, now time.Time) (d, j int64, err error) {
	m.locked(func(st *memState) error { d, j = st.countDue(now); return nil })
	return d, j, nil
}
func (m *memStore) SandboxIdempotencyGet(ctx context.Context, key string) (e *store.SandboxIdempotency, err error) {
	err = m.locked(func(st *memState) error { e, err = st.idemGet(key); return err })
	return e, err
}
func (m *memStore) SandboxIdempotencyPut(ctx context.Context, e *store.SandboxIdempotency) error {
	return m.tx(func(q memTx) error { return q.SandboxIdempotencyPut(ctx, e) })
}
func (m *memStore) SandboxIdempotencyDeleteBefore(ctx context.Context, before time.Time) (n int64, err error) {
	err = m.tx(func(q memTx) error { n, err = q.SandboxIdempotencyDeleteBefore(ctx, before); return err })
	return n, err
}
