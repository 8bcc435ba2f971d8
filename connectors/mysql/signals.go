package mysql

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// Signals (capture/signals.go, docs/capture-core.md section 3.4) on the
// binlog stream. The source channel: rows written to signal.data.collection
// are read from the binlog whether or not the table is captured, and run
// when their transaction commits; the transaction's last event (or, when
// it has none, a position with no record) carries them into the
// checkpoint, so a restart past it does not run them again. The Kafka
// channel (and POST /connectors/{name}/signals): signals read from the
// signal topic run between transactions, where a position with no record,
// Tx = the order of the coordinate after the last complete transaction - 1
// as a heartbeat's, carries the topic's next offset in its State ("sig").
// A signal read while the reader waits for the binlog wakes it.

func init() {
	ConfigKeys = append(ConfigKeys, capture.SignalKeys...)
}

// signalDefs are the signal keys' definitions (ConfigDefs).
func signalDefs() []cd.Key { return capture.SignalDefs(41) }

// decoderSignals is the decoder's signal state.
type decoderSignals struct {
	s *capture.Signals

	mu     sync.Mutex
	wake   context.Context // the binlog reader's wait ends when it does
	cancel context.CancelFunc
}

// openSignals opens the stream's signal channels; the returned func closes
// them.
func (d *decoder) openSignals(ctx context.Context) (func(), error) {
	cfg := d.cfg.Signals
	log := d.st.log
	disp := capture.NewDispatcher(log)
	if err := d.openIncremental(disp, d.cp); err != nil {
		return nil, err
	}
	if err := d.openBlocking(disp, d.cp); err != nil { // blocking.go
		return nil, err
	}
	k, err := capture.OpenKafkaChannel(ctx, cfg, d.st.knobs.Signals, d.st.sigFrom, log, d.sigs.wakeUp)
	if err != nil {
		return nil, err
	}
	d.sigs.s = capture.NewSignals(cfg, disp, k, d.st.sigFrom, log)
	return d.sigs.s.Close, nil
}

// waitCtx returns the context the binlog reader waits with: ctx, ended
// early when a signal arrives from the signal topic.
func (ds *decoderSignals) waitCtx(ctx context.Context) context.Context {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.cancel != nil {
		ds.cancel()
	}
	ds.wake, ds.cancel = context.WithCancel(ctx)
	return ds.wake
}

// wakeUp ends the reader's wait (called by the signal channel's reader).
func (ds *decoderSignals) wakeUp() {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.cancel != nil {
		ds.cancel()
	}
}

// woke reports whether a signal, not ctx, ended the reader's wait; the
// heartbeat timer then waits with a new context.
func (d *decoder) woke(ctx context.Context) bool {
	ds := &d.sigs
	ds.mu.Lock()
	w := ds.wake
	ds.mu.Unlock()
	if w == nil || w.Err() == nil || ctx.Err() != nil {
		return false
	}
	d.hb.Stop()
	d.hb.Start(ds.waitCtx(ctx))
	return true
}

// signalRows queues the signals of a rows event that writes to the signal
// table.
func (d *decoder) signalRows(h *replication.EventHeader, e *replication.RowsEvent) error {
	t := d.sigs.s.Table()
	if t.Name == "" {
		return nil
	}
	tm := d.tmap[e.TableID]
	if tm == nil || tm.ev == nil || string(tm.ev.Schema) != t.Namespace || string(tm.ev.Table) != t.Name {
		return nil
	}
	switch h.EventType {
	case replication.WRITE_ROWS_EVENTv0, replication.WRITE_ROWS_EVENTv1, replication.WRITE_ROWS_EVENTv2, replication.MARIADB_WRITE_ROWS_COMPRESSED_EVENT_V1:
	default:
		return nil
	}
	if dr := deferredOf(e); dr != nil {
		if err := decodeDeferred(h, e, dr); err != nil {
			return err
		}
	}
	cols := [3]int{0, 1, 2} // Debezium's column order when the binlog has no names
	if names := tm.ev.ColumnNameString(); len(names) > 0 {
		cols = [3]int{-1, -1, -1}
		for i, n := range names {
			switch n {
			case "id":
				cols[0] = i
			case "type":
				cols[1] = i
			case "data":
				cols[2] = i
			}
		}
	}
	for _, row := range e.Rows {
		col := func(i int) string {
			if i < 0 || i >= len(row) {
				return ""
			}
			switch v := row[i].(type) {
			case string:
				return v
			case []byte:
				return string(v)
			case nil:
				return ""
			case int64:
				return strconv.FormatInt(v, 10)
			}
			return ""
		}
		d.sigs.s.Row(col(cols[0]), col(cols[1]), col(cols[2]))
	}
	return nil
}

// signalCommit runs the signals the transaction wrote, before its end is
// queued. Its last event carries them into the checkpoint; without one
// (and without the empty transaction's metadata records, which carry
// them), an event with no record at the next index does.
func (d *decoder) signalCommit() error {
	if d.cp != nil && d.txOrder == d.cp.Tx && (d.cp.Last || d.index <= d.cp.Index) {
		d.sigs.s.Begin() // the checkpoint is past them: they ran
		return nil
	}
	if d.skipAll || !d.sigs.s.RunRows() {
		return nil
	}
	if d.buf.Ev != nil && d.inc != nil {
		// The last event carries the signals' effect on the incremental
		// snapshot into the checkpoint.
		d.stateJSON = nil
		if err := d.posState(); err != nil {
			return err
		}
		d.buf.Ev.Pos.State = d.stateJSON
	}
	if d.buf.Ev != nil || d.tx != nil && d.explicit && d.tx.Total() == 0 {
		d.stateJSON = nil // and so does an empty transaction's record
		return nil
	}
	d.stateJSON = nil
	if err := d.posState(); err != nil {
		return err
	}
	d.buf = item{Ev: &change.Event{Commit: d.evTime, Pos: change.Position{Tx: d.txOrder, TxID: d.txid, Index: d.index, State: d.stateJSON,
		BinlogEvent: int32(d.evIdx), ServerID: d.evServer, Micros: d.evTime.UnixMicro()}}, Size: 64}
	d.index++
	return nil
}

// between runs, between transactions, the signals read from the signal
// topic, then the heartbeat.
func (d *decoder) between(ctx context.Context) error {
	if err := d.kafkaSignals(ctx); err != nil {
		return err
	}
	if err := d.blkStep(ctx); err != nil { // blocking.go
		return err
	}
	if !d.blkRunning() || d.incWaiting() { // a waiting chunk goes first
		if err := d.incremental(ctx); err != nil {
			return err
		}
	}
	return d.heartbeat(ctx)
}

// kafkaSignals runs the signals read from the signal topic and queues the
// position that holds the topic's next offset, with no record. Like a
// heartbeat it waits until the stream has passed its checkpoint.
func (d *decoder) kafkaSignals(ctx context.Context) error {
	if d.inTx || d.pend != nil {
		return nil
	}
	at := orderOf(d.after.binlogPos)
	if at == 0 || d.cp != nil && at-1 < d.cp.Tx {
		return nil
	}
	if !d.sigs.s.RunKafka() {
		return nil
	}
	state, err := json.Marshal(cpState{Restart: d.after, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
	if err != nil {
		return err
	}
	state = d.withState(state)
	d.stateJSON = nil // the transactions to come carry the new offset
	return d.queue(ctx, &item{Ev: &change.Event{Commit: d.evTime, Pos: change.Position{Tx: at - 1, Last: true, State: state}}, Size: 64 + len(state)})
}
