package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Heartbeats (heartbeat.interval.ms). Every interval the heartbeat loop
// runs heartbeat.action.query, if any, on a connection of its own, marks a
// heartbeat due and asks the status loop to send a standby status update
// with ReplyRequested set. The server answers with a keepalive carrying the
// end of the WAL it has decoded, and the decoder, which sees that keepalive
// in stream order, emits the heartbeat record there, between transactions:
// its position says everything before that WAL end is done: Tx = end - 1,
// Last. The end is that of the last WAL record the server processed (a
// keepalive's, a commit's end LSN, or a non-transactional logical decoding
// message's LSN, which is its record's end: message.go), so every commit
// read has a commit LSN below it and every commit not yet read one at or
// after it, and a message read has the position (its LSN - 1) <= Tx while
// one not yet read has a larger one. A heartbeat right after a message so
// ties with it, and one between a message and the transaction that commits
// right after it (whose commit LSN is the message's LSN) stays before that
// transaction. The runtime commits the record with that position as the
// checkpoint, and the Ack that follows confirms the slot up to the end. So while the captured tables are idle the checkpoint, and the
// slot, follow the WAL the server writes elsewhere; keepalives and
// transactions without captured rows move the slot forward in any case,
// heartbeats or not (Stream.advanceLocked).

// heartbeatLoop runs until ctx ends, one heartbeat every interval.
func (st *Stream) heartbeatLoop(ctx context.Context) {
	action := &capture.HeartbeatAction{
		Query:    st.cfg.Heartbeat.ActionQuery,
		Log:      st.log,
		Connect:  st.actionConn,
		Classify: classifyActionError,
	}
	defer action.Close()
	err := st.hb.Tick(ctx, func(ctx context.Context) error {
		if err := action.Run(ctx); err != nil {
			return err
		}
		st.hb.SetDue()
		select {
		case st.hbPing <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		_ = st.send(ctx, item{Err: err})
	}
}

// actionConn is the connection heartbeat.action.query runs on.
type actionConn struct{ c *pgx.Conn }

func (st *Stream) actionConn(ctx context.Context) (capture.ActionConn, error) {
	c, err := connectQuery(ctx, st.cfg)
	if err != nil {
		return nil, err
	}
	return actionConn{c}, nil
}

func (a actionConn) Exec(ctx context.Context, q string) error {
	qctx, cancel := context.WithTimeout(ctx, capture.ActionTimeout)
	defer cancel()
	_, err := a.c.Exec(qctx, q, pgx.QueryExecModeSimpleProtocol)
	return err
}

func (a actionConn) Close() { a.c.Close(context.Background()) }

// classifyActionError sorts an error of heartbeat.action.query. As in
// Debezium, an error the server reports for a missing table (42P01) or a
// shutdown (57P01) fails the connector, one for a server starting up
// (57P03) restarts it, and any other error, or a lost connection, is logged
// and the heartbeat goes on (capture.HeartbeatAction).
func classifyActionError(err error) (state string, server bool, fatal error) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "", false, nil
	}
	switch pgErr.Code {
	case "42P01", "57P01":
		return pgErr.Code, true, fmt.Errorf("postgres: heartbeat.action.query failed (SQLSTATE %s): %w: fix the statement or create what it needs, or remove heartbeat.action.query", pgErr.Code, err)
	case "57P03":
		return pgErr.Code, true, &ConnError{Op: "run heartbeat.action.query", Err: err}
	}
	return pgErr.Code, true, nil
}

// heartbeat emits a heartbeat record, when one is due, between
// transactions, at the end of the WAL read so far (d.consumed): every
// transaction committing before it has been read. It emits nothing while
// the stream has not yet passed the checkpoint it resumed from (the
// checkpoint must not move back), nor before the first event after a
// position set by PATCH or a migration (hold); the heartbeat stays due.
func (d *decoder) heartbeat(send func(item) error) error {
	if d.inTx || d.hold || d.consumed == 0 || !d.st.hb.Due() {
		return nil
	}
	at := d.consumed - 1 // everything up to here is read; see above
	if d.cp != nil {
		if at < d.cp.Tx {
			return nil
		}
		d.cp = nil
	}
	d.st.hb.Emitted()
	if d.stateGen != d.st.versionsGen {
		d.makeState()
	}
	pos := change.Position{Tx: at, Last: true, State: d.stateJSON}
	ev := change.NewHeartbeat(d.cfg.Heartbeat.Topic, d.cfg.TopicPrefix, time.Now(), pos)
	return send(item{Ev: ev, Size: 256, End: &txEnd{Commit: at, End: d.consumed, Events: true}})
}

// read records that the stream has read the WAL up to end.
func (d *decoder) read(end uint64) {
	if end > d.consumed {
		d.consumed = end
	}
}
