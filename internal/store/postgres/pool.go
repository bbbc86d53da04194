package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pool is a minimal pool of pgx connections. (pgxpool would need
// github.com/jackc/puddle/v2, which go.mod does not require yet.)
// Connections are made on demand up to the size of slots, kept while idle,
// and dropped when broken or left inside a transaction.
type pool struct {
	cfg   *pgx.ConnConfig
	slots chan struct{}  // one per connection in use
	idle  chan *pgx.Conn // as large as slots, so release never blocks

	mu     sync.Mutex
	closed bool
}

var errPoolClosed = errors.New("postgres: store closed")

func newPool(cfg *pgx.ConnConfig, size int) *pool {
	return &pool{cfg: cfg, slots: make(chan struct{}, size), idle: make(chan *pgx.Conn, size)}
}

func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p.isClosed() {
		<-p.slots
		return nil, errPoolClosed
	}
	for {
		select {
		case c := <-p.idle:
			if c.IsClosed() {
				continue
			}
			return c, nil
		default:
		}
		c, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return c, nil
	}
}

// release returns c to the pool, or closes it when it is unusable.
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slots }()
	if !c.IsClosed() && c.PgConn().TxStatus() == 'I' {
		p.mu.Lock()
		if !p.closed { // close drains idle after setting closed, so c cannot leak
			p.idle <- c
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	closeConn(c)
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close closes the idle connections; those in use close on release.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for {
		select {
		case c := <-p.idle:
			closeConn(c)
		default:
			return
		}
	}
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}
