package capture

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Heartbeats (heartbeat.interval.ms, heartbeat.action.query). Both sources
// emit a heartbeat record between transactions once one is due, at a
// position of their own (the WAL end, the binlog restart point): building
// that record stays with their decoders. What they share is here: when a
// heartbeat is due, and how the action query runs.

// HeartbeatClock says when a heartbeat is due. The due flag is set when the
// interval has passed and cleared by the decoder when it emits the record;
// it may be set on one goroutine and read on another.
//
// A reader that the database wakes up by itself (the Postgres walsender's
// keepalives) runs Tick on a goroutine of its own. A reader that blocks on
// the log (the binlog) waits with the context of Wait and asks Fired when
// the wait ends.
type HeartbeatClock struct {
	interval time.Duration
	due      atomic.Bool

	// the wait of a blocking reader: ctx ends at the next heartbeat
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
}

// NewHeartbeatClock returns a clock for interval (zero: heartbeats are off,
// and the clock never fires).
func NewHeartbeatClock(interval time.Duration) *HeartbeatClock {
	return &HeartbeatClock{interval: interval}
}

// Interval returns the heartbeat interval (zero: off).
func (c *HeartbeatClock) Interval() time.Duration { return c.interval }

// Due reports whether a heartbeat is due.
func (c *HeartbeatClock) Due() bool { return c.due.Load() }

// SetDue makes a heartbeat due.
func (c *HeartbeatClock) SetDue() { c.due.Store(true) }

// Emitted clears the due flag: the decoder emitted the heartbeat.
func (c *HeartbeatClock) Emitted() { c.due.Store(false) }

// Tick calls tick every interval until ctx ends or tick fails, and returns
// tick's error (nil when ctx ended).
func (c *HeartbeatClock) Tick(ctx context.Context, tick func(ctx context.Context) error) error {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := tick(ctx); err != nil {
			return err
		}
	}
}

// Start begins the waits of a blocking reader under parent: Wait's context
// ends at the next heartbeat (never when heartbeats are off) or with
// parent. Stop releases it.
func (c *HeartbeatClock) Start(parent context.Context) {
	c.parent, c.ctx, c.cancel = parent, parent, func() {}
	c.Reset()
}

// Wait returns the context a blocking reader waits with.
func (c *HeartbeatClock) Wait() context.Context { return c.ctx }

// Reset starts the wait for the next heartbeat.
func (c *HeartbeatClock) Reset() {
	c.cancel()
	if c.interval > 0 {
		c.ctx, c.cancel = context.WithTimeout(c.parent, c.interval)
	}
}

// Fired reports whether the clock, not the parent, ended the wait.
func (c *HeartbeatClock) Fired() bool {
	return c.interval > 0 && c.parent.Err() == nil && c.ctx.Err() != nil
}

// Stop ends the waits that Start began.
func (c *HeartbeatClock) Stop() { c.cancel() }

// ActionTimeout bounds one run of heartbeat.action.query: a statement that
// hangs (a lock wait) would otherwise hold the heartbeats, or the stream.
const ActionTimeout = 30 * time.Second

// ActionConn is a connection of the source's own driver that
// heartbeat.action.query runs on.
type ActionConn interface {
	// Exec runs q, giving up after ActionTimeout.
	Exec(ctx context.Context, q string) error
	Close()
}

// HeartbeatAction runs heartbeat.action.query on a connection of its own,
// as Debezium does: an error the server reports is logged and the heartbeat
// goes on, unless Classify says it fails the connector; a lost connection
// is logged and reconnected at the next heartbeat, as is a failed connect.
type HeartbeatAction struct {
	Query string // "" runs nothing
	Log   *slog.Logger
	// Connect opens the connection.
	Connect func(ctx context.Context) (ActionConn, error)
	// Classify sorts an error of the query: server is true when the server
	// reported it (state its SQL state); fatal, when not nil, ends the
	// stream with that error.
	Classify func(err error) (state string, server bool, fatal error)

	conn ActionConn
}

// Run runs the query once, connecting first when needed, and returns an
// error only when the stream must end.
func (a *HeartbeatAction) Run(ctx context.Context) error {
	if a.Query == "" {
		return nil
	}
	if a.conn == nil {
		c, err := a.Connect(ctx)
		if err != nil {
			a.Log.Warn("heartbeat.action.query: cannot connect; trying again at the next heartbeat", "err", err)
			return nil
		}
		a.conn = c
	}
	err := a.conn.Exec(ctx, a.Query)
	if err == nil {
		a.Log.Debug("heartbeat action query executed")
		return nil
	}
	if ctx.Err() != nil {
		return nil
	}
	if state, server, fatal := a.Classify(err); server {
		if fatal != nil {
			a.Close()
			return fatal
		}
		a.Log.Error("heartbeat.action.query failed; the heartbeat goes on", "sqlstate", state, "err", err)
		return nil
	}
	a.Log.Warn("heartbeat.action.query failed; reconnecting at the next heartbeat", "err", err)
	a.Close()
	return nil
}

// Close closes the connection, if any.
func (a *HeartbeatAction) Close() {
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
}
