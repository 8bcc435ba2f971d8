package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Heartbeats (heartbeat.interval.ms). The binlog reader waits for the next
// event with a context that ends at the next heartbeat; when it ends, a
// heartbeat is due. The decoder emits it at once between transactions, or
// at the commit of the transaction in progress: its position is the binlog
// coordinate after the last complete transaction (Restart = that
// coordinate and the GTIDs executed before it, Tx = its order - 1, Last),
// so a checkpoint at a heartbeat resumes after every transaction read so
// far, including those of uncaptured tables and databases. Then
// heartbeat.action.query, if set, runs on a connection of its own, after
// the record as in Debezium.

// heartbeatTick makes a heartbeat due, emits it if the stream is between
// transactions, and runs the action query.
func (d *decoder) heartbeatTick(ctx context.Context) error {
	d.hbDue = true
	if err := d.heartbeat(ctx); err != nil {
		return err
	}
	return d.heartbeatAction(ctx)
}

// heartbeat emits the heartbeat record when one is due and the stream is
// between transactions. It emits nothing while the stream has not passed
// the checkpoint it resumed from (the checkpoint must not move back).
func (d *decoder) heartbeat(ctx context.Context) error {
	if !d.hbDue || d.inTx || d.pend != nil {
		return nil
	}
	at := orderOf(d.after.binlogPos)
	if at == 0 {
		return nil
	}
	at-- // every transaction starting before d.after is complete
	if d.cp != nil {
		if at < d.cp.Tx {
			return nil
		}
		d.cp = nil
	}
	d.hbDue = false
	state, err := json.Marshal(cpState{Restart: d.after, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
	if err != nil {
		return err
	}
	pos := change.Position{Tx: at, Last: true, State: state}
	ev := change.NewHeartbeat(d.cfg.Heartbeat.Topic, d.cfg.TopicPrefix, time.Now(), pos)
	return d.queue(ctx, &item{ev: ev, size: 256 + len(state)})
}

// heartbeatAction runs heartbeat.action.query, connecting first when
// needed. As in Debezium, an error the server reports with SQL state 42000
// (no access to the database, or a syntax error) or 3D000 (no database
// selected) fails the connector; any other error, or a lost connection, is
// logged and the heartbeat goes on.
func (d *decoder) heartbeatAction(ctx context.Context) error {
	q := d.cfg.Heartbeat.ActionQuery
	if q == "" {
		return nil
	}
	if d.hbConn == nil {
		c, err := connect(ctx, d.cfg)
		if err != nil {
			d.st.log.Warn("heartbeat.action.query: cannot connect; trying again at the next heartbeat", "err", err)
			return nil
		}
		d.hbConn = c
	}
	// A statement that hangs (a lock wait) holds the stream, which runs it:
	// bound it as the Postgres source does.
	_ = d.hbConn.SetDeadline(time.Now().Add(heartbeatActionTimeout))
	_, err := d.hbConn.Execute(q)
	if err == nil {
		d.st.log.Debug("heartbeat action query executed")
		return nil
	}
	var my *gomysql.MyError
	if errors.As(err, &my) {
		if my.State == "42000" || my.State == "3D000" {
			return fmt.Errorf("%s: heartbeat.action.query failed (SQL state %s): %w: fix the statement (name the database of its tables) or grant what it needs, or remove heartbeat.action.query", d.cfg.Flavor(), my.State, err)
		}
		d.st.log.Error("heartbeat.action.query failed; the heartbeat goes on", "sqlstate", my.State, "err", err)
		return nil
	}
	d.st.log.Warn("heartbeat.action.query failed; reconnecting at the next heartbeat", "err", err)
	d.closeHeartbeatConn()
	return nil
}

// heartbeatActionTimeout bounds one run of heartbeat.action.query.
const heartbeatActionTimeout = 30 * time.Second

func (d *decoder) closeHeartbeatConn() {
	if d.hbConn != nil {
		d.hbConn.Close()
		d.hbConn = nil
	}
}

// heartbeatTimer is the context the binlog reader waits with: it ends at
// the next heartbeat (never when heartbeats are off).
type heartbeatTimer struct {
	parent   context.Context
	interval time.Duration
	ctx      context.Context
	cancel   context.CancelFunc
}

func newHeartbeatTimer(parent context.Context, interval time.Duration) *heartbeatTimer {
	t := &heartbeatTimer{parent: parent, interval: interval, ctx: parent, cancel: func() {}}
	t.reset()
	return t
}

// reset starts the wait for the next heartbeat.
func (t *heartbeatTimer) reset() {
	t.cancel()
	if t.interval > 0 {
		t.ctx, t.cancel = context.WithTimeout(t.parent, t.interval)
	}
}

// fired reports whether the timer, not the parent, ended the wait.
func (t *heartbeatTimer) fired() bool {
	return t.interval > 0 && t.parent.Err() == nil && t.ctx.Err() != nil
}

func (t *heartbeatTimer) stop() { t.cancel() }
