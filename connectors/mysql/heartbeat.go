package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
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
// transactions (after the incremental snapshot's chunk the stream may have
// reached), and runs the action query.
func (d *decoder) heartbeatTick(ctx context.Context) error {
	d.hb.SetDue()
	if err := d.incremental(ctx); err != nil { // a waiting chunk may be due (incremental.go)
		return err
	}
	if err := d.heartbeat(ctx); err != nil {
		return err
	}
	return d.action.Run(ctx)
}

// heartbeat emits the heartbeat record when one is due and the stream is
// between transactions. It emits nothing while the stream has not passed
// the checkpoint it resumed from (the checkpoint must not move back).
func (d *decoder) heartbeat(ctx context.Context) error {
	if !d.hb.Due() || d.inTx || d.pend != nil {
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
	d.hb.Emitted()
	state, err := json.Marshal(cpState{Restart: d.after, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
	if err != nil {
		return err
	}
	state = d.withState(state)
	pos := change.Position{Tx: at, Last: true, State: state}
	ev := change.NewHeartbeat(d.cfg.Heartbeat.Topic, d.cfg.TopicPrefix, time.Now(), pos)
	return d.queue(ctx, &item{Ev: ev, Size: 256 + len(state)})
}

// newHeartbeat gives the decoder its heartbeat clock and action.
func (d *decoder) newHeartbeat() {
	d.hb = capture.NewHeartbeatClock(d.cfg.Heartbeat.Interval)
	d.action = &capture.HeartbeatAction{
		Query:    d.cfg.Heartbeat.ActionQuery,
		Log:      d.st.log,
		Connect:  d.actionConn,
		Classify: d.classifyActionError,
	}
}

// actionConn is the connection heartbeat.action.query runs on.
type actionConn struct{ c *client.Conn }

func (d *decoder) actionConn(ctx context.Context) (capture.ActionConn, error) {
	c, err := connect(ctx, d.cfg)
	if err != nil {
		return nil, err
	}
	return actionConn{c}, nil
}

// Exec runs q. A statement that hangs (a lock wait) holds the stream, which
// runs it: bound it as the Postgres source does.
func (a actionConn) Exec(_ context.Context, q string) error {
	_ = a.c.SetDeadline(time.Now().Add(capture.ActionTimeout))
	_, err := a.c.Execute(q)
	return err
}

func (a actionConn) Close() { a.c.Close() }

// classifyActionError sorts an error of heartbeat.action.query. As in
// Debezium, an error the server reports with SQL state 42000 (no access to
// the database, or a syntax error) or 3D000 (no database selected) fails
// the connector; any other error, or a lost connection, is logged and the
// heartbeat goes on (capture.HeartbeatAction).
func (d *decoder) classifyActionError(err error) (state string, server bool, fatal error) {
	var my *gomysql.MyError
	if !errors.As(err, &my) {
		return "", false, nil
	}
	if my.State == "42000" || my.State == "3D000" {
		return my.State, true, fmt.Errorf("%s: heartbeat.action.query failed (SQL state %s): %w: fix the statement (name the database of its tables) or grant what it needs, or remove heartbeat.action.query", d.cfg.Flavor(), my.State, err)
	}
	return my.State, true, nil
}

// closeHeartbeatConn closes the connection of heartbeat.action.query.
func (d *decoder) closeHeartbeatConn() { d.action.Close() }
