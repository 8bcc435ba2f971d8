package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// queryIdle is how long the stream's query connection stays open unused.
const queryIdle = 5 * time.Second

// queryConn is the stream's query connection once the snapshot has ended.
// Streaming needs the catalog only when a RELATION message comes (the
// first change of each table after a start, and schema changes), so the
// connection is opened then and closed once unused for queryIdle: an idle
// connector holds only its replication connection (docs/scale.md).
// Heartbeat action queries and incremental and blocking snapshots open
// connections of their own.
type queryConn struct {
	cfg *Config
	// connect opens the connection (nil: connectQuery); after is how long
	// it stays open unused (0: queryIdle). Tests set them.
	connect func(context.Context, *Config) (*pgx.Conn, error)
	after   time.Duration
	mu      sync.Mutex
	c       *pgx.Conn
	busy    bool
	idle    *time.Timer
}

// get returns the connection, opening it when it is closed. The caller
// calls put when done with it.
func (q *queryConn) get(ctx context.Context) (*pgx.Conn, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.c == nil {
		connect := q.connect
		if connect == nil {
			connect = connectQuery
		}
		c, err := connect(ctx, q.cfg)
		if err != nil {
			return nil, err
		}
		q.c = c
	}
	q.busy = true
	return q.c, nil
}

// put hands the connection back; it is closed after queryIdle unless it
// is used again.
func (q *queryConn) put() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.busy = false
	after := q.after
	if after == 0 {
		after = queryIdle
	}
	if q.idle == nil {
		q.idle = time.AfterFunc(after, q.expire)
	} else {
		q.idle.Reset(after)
	}
}

// expire closes the connection unless it is in use.
func (q *queryConn) expire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.busy {
		q.closeLocked()
	}
}

// close closes the connection and stops its timer.
func (q *queryConn) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.idle != nil {
		q.idle.Stop()
	}
	q.closeLocked()
}

func (q *queryConn) closeLocked() {
	if q.c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q.c.Close(ctx)
	q.c = nil
}

// open reports whether the connection is open (for tests).
func (q *queryConn) open() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.c != nil
}
