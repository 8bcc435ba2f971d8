package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Incremental snapshots on the Postgres stream (docs/capture-core.md
// sections 3.2-3.4). The stream owns a capture.Incremental engine; the
// decoder, on the producer goroutine, drives it:
//   - between transactions (after a COMMIT or a keepalive, in between) it
//     lets the engine read the next chunk through an incView, a REPEATABLE
//     READ transaction on a connection of its own whose watermark is the
//     WAL insert position L read after its snapshot;
//   - while a chunk waits (WindowOpen), each row change to its table is
//     shown to the engine with its xid, so that a change the view did not
//     see drops the row it read;
//   - the first point of the stream at or past L closes the window: a
//     BEGIN whose commit LSN is >= L, a COMMIT or a keepalive whose end is
//     >= L. The rows left are sent there, before that point's items,
//     through the same queue as the stream's events, as op r with
//     source.snapshot incremental, at positions Tx = L-1 that sort between
//     the stream's (capture.Incremental.close);
//   - while a window is open the status loop asks the server for a reply
//     every incReplyInterval, so that an idle database sends keepalives and
//     closes windows.
//
// The engine's IncState rides in the positions' State under "inc" (with
// the Java classes of the head table's key columns under "inck", for
// OffsetView), so a restart from any committed event goes on where that
// event left the snapshot.

// incReplyInterval is how often the status loop asks for a keepalive
// while a window is open.
const incReplyInterval = 100 * time.Millisecond

// posState is the State of the stream's positions: the snapshot
// bookkeeping (snapState) and, while an incremental snapshot runs, its
// state and the Java classes of its head table's key columns.
type posState struct {
	snapState
	Inc   *capture.IncState  `json:"inc,omitempty"`
	Kinds []capture.JavaKind `json:"inck,omitempty"`
	// Blk is the blocking snapshot's state (capture.BlockState, blocking.go).
	Blk json.RawMessage `json:"blk,omitempty"`
}

// openIncremental sets up the stream's engine from the checkpoint's State:
// it goes on with the incremental snapshot the checkpoint was taken in.
func (st *Stream) openIncremental(cp *change.Position) error {
	var ps posState
	if cp != nil && !cp.Snapshot && len(cp.State) > 0 {
		if err := json.Unmarshal(cp.State, &ps); err != nil {
			return &DecodeError{Table: "checkpoint", Err: fmt.Errorf("state: %w", err)}
		}
	}
	var s capture.IncState
	if ps.Inc != nil {
		s = *ps.Inc
	}
	chunk := st.cfg.IncChunkSize
	if st.knobs.IncChunk > 0 {
		chunk = st.knobs.IncChunk
	}
	st.inc = capture.NewIncremental(s, chunk, st.log)
	if cp != nil && !cp.Snapshot {
		st.inc.ResumeAfter(*cp)
	}
	if s.Running() {
		st.log.Info("resuming an incremental snapshot", "table", s.Queue[0].ID, "queued", len(s.Queue), "after_key", s.After)
	}
	return nil
}

// queueAdded queues for an incremental snapshot the captured tables the
// streaming checkpoint's schema versions do not name: tables a changed
// table.include.list added (capture.Incremental.QueueAdded).
func (st *Stream) queueAdded(tables []*tableInfo, known map[string]schemaVer) {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name()
	}
	st.inc.QueueAdded(st.log, names, func(n string) bool { _, ok := known[n]; return ok })
}

// incView opens the view the engine reads its next chunk through, on a
// connection of its own. It describes tables as the stream knows them, so
// that the rows read have the schema version the stream's events have; a
// table the connector does not capture is not found.
func (st *Stream) incView(ctx context.Context) (capture.View, error) {
	q, err := connectQuery(ctx, st.cfg)
	if err != nil {
		return nil, err
	}
	return openIncView(ctx, q, st.cfg, st.log, func(_ context.Context, id change.TableID) (*tableInfo, error) {
		return st.tables[id.Namespace+"."+id.Name], nil
	})
}

// capturedTables names the tables the stream captures, "schema.table",
// sorted: what execute-snapshot's data-collections are matched against.
func (st *Stream) capturedTables() []string {
	names := make([]string, 0, len(st.tables))
	for n := range st.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// incStep reads the next chunk when the snapshot runs and no chunk waits.
// It runs between transactions.
func (d *decoder) incStep() error {
	e := d.st.inc
	if d.inTx || e.WindowOpen() {
		return nil
	}
	if s := e.State(); !s.Running() || s.Paused {
		return nil
	}
	open := d.st.openView
	if open == nil {
		open = d.st.incView
	}
	err := e.Step(d.ctx, open)
	if err != nil && refused(err) {
		head := e.State().Queue[0].ID
		d.st.log.Warn("incremental snapshot of a table refused; the table is skipped", "table", head, "err", err)
		e.Stop(head)
		err = nil
	}
	d.incChanged()
	return err
}

// errTableRefused marks a view's refusal of a table (incview.go).
var errTableRefused = errors.New("table refused for an incremental snapshot")

// refusedTable is a view's refusal of a table: errTableRefused and why.
type refusedTable struct{ err error }

func (e refusedTable) Error() string   { return e.err.Error() }
func (e refusedTable) Unwrap() []error { return []error{errTableRefused, e.err} }

// refused reports whether an error of the engine's step is about the head
// table rather than the database: the view refused it (no key to chunk by,
// a surrogate-key that is no column), or the server rejected its reads (an
// additional condition that does not parse or names no column, no SELECT
// privilege). Debezium skips such a table; a lost connection, a server
// shutting down or out of resources ends the stream, to be retried.
func refused(err error) bool {
	if errors.Is(err, errTableRefused) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code[:2] {
	case "08", "53", "57", "58", "XX", "40", "25":
		return false
	}
	return true
}

// incReread discards the waiting chunk of table id, whose columns a
// RELATION message has just changed: it is read again with the new ones
// (capture.Incremental.Reread).
func (d *decoder) incReread(id change.TableID) {
	if d.st.inc != nil && d.st.inc.Reread(id) {
		d.st.setIncOpen(false) // the state is as it was: no chunk was sent
	}
}

// incChanged takes the engine's state into the positions to come and tells
// the status loop whether a window is open.
func (d *decoder) incChanged() {
	d.st.setIncOpen(d.st.inc.WindowOpen() || d.st.blk.Waiting())
	d.makeState()
}

// incAt shows the engine a point of the stream where everything before at
// is read (a BEGIN's commit LSN, a COMMIT's or a keepalive's end). When it
// is at or past the open window's watermark, the window's rows are sent.
func (d *decoder) incAt(at uint64, send func(item) error) error {
	if err := d.blkAt(at, send); err != nil { // blocking.go
		return err
	}
	e := d.st.inc
	if !e.WindowOpen() {
		return nil
	}
	rows := e.Observe(&capture.StreamItem{At: lsnCursor(at)})
	if e.WindowOpen() {
		return nil
	}
	d.incChanged()
	base := d.baseState()
	for _, r := range rows {
		if r.Ev.Pos.Last && !e.State().Running() {
			r.Ev.Pos.State = d.stateJSON // the snapshot's last row: it is done
		} else {
			r.Ev.Pos.State = spliceInc(base, r.Ev.Pos.State)
		}
		if err := send(item{Ev: r.Ev, Size: r.Size}); err != nil {
			return err
		}
	}
	return nil
}

// incRow shows the engine a change of a row of t while a window is open:
// tup is the row (old supplies unchanged TOASTed values). Only changes to
// the window's table matter; their key is the table's chunk key.
func (d *decoder) incRow(t *tableInfo, tup, old *pglogrepl.TupleData) {
	if tup == nil {
		return
	}
	d.blkRow(t, tup, old) // blocking.go
	s := d.st.inc.State()
	if !s.Running() || s.Queue[0].ID != t.name() {
		return
	}
	cols := t.Key
	if sk := s.Queue[0].Surrogate; sk != "" {
		cols = nil
		for i := range t.Cols {
			if t.Cols[i].Name == sk {
				cols = []int{i}
			}
		}
	}
	key := tupleCols(cols, tup, old)
	if key == nil {
		return
	}
	d.st.inc.Observe(&capture.StreamItem{Table: t.ID, Key: key, Tx: capture.TxRef{XID: uint64(d.xid)}})
}

// incOldRow shows the engine the old row of an UPDATE or DELETE of t while
// a window is open (typ: pgoutput's old tuple type). When the chunk key is
// a surrogate column outside the replica identity and the old row is not
// whole (REPLICA IDENTITY FULL), its old key is not known, and neither is
// the row of the window it changed: the engine reads the chunk again if
// the view did not see the change.
func (d *decoder) incOldRow(t *tableInfo, typ uint8, old *pglogrepl.TupleData) {
	s := d.st.inc.State()
	if !s.Running() || s.Queue[0].ID != t.name() {
		d.blkRow(t, old, nil) // a blocking snapshot's wait sees the old key too
		return
	}
	if sk := s.Queue[0].Surrogate; sk != "" && typ != pglogrepl.UpdateMessageTupleTypeOld && !slices.ContainsFunc(t.Key, func(k int) bool { return t.Cols[k].Name == sk }) {
		d.incWhole(t)
		return
	}
	d.incRow(t, old, nil)
}

// incWhole shows the engine a change of rows of t whose keys are not
// known (a TRUNCATE, an old row without its surrogate key) while a window
// is open: the chunk is read again if the view did not see it.
func (d *decoder) incWhole(t *tableInfo) {
	if s := d.st.inc.State(); !s.Running() || s.Queue[0].ID != t.name() {
		return
	}
	d.st.inc.Observe(&capture.StreamItem{Table: t.ID, Whole: true, Tx: capture.TxRef{XID: uint64(d.xid)}})
	if !d.st.inc.WindowOpen() {
		d.incChanged()
	}
}

// incState returns the positions' State with the engine's state in it
// (base unchanged when no incremental snapshot runs).
func (d *decoder) incState(base json.RawMessage) json.RawMessage {
	if !d.st.inc.State().Running() {
		return base
	}
	if base == nil {
		base = json.RawMessage("{}")
	}
	return spliceInc(base, d.st.inc.StateJSON())
}

// baseState is the positions' State without the engine's state, with the
// head table's key classes: what the rows a window emits add their own
// state to.
func (d *decoder) baseState() json.RawMessage {
	var ps posState
	if d.state != nil {
		ps.snapState = *d.state
	}
	ps.Schemas, ps.Sig = d.st.versions, d.sigs.s.Next()
	ps.Kinds = d.incKinds()
	ps.Blk = d.blkState()
	b, _ := json.Marshal(&ps) // plain structs and maps: cannot fail
	return b
}

// incKinds returns the Java classes of the head table's chunk key columns,
// as Debezium's offsets write the key (nil when no snapshot runs).
func (d *decoder) incKinds() []capture.JavaKind {
	s := d.st.inc.State()
	if !s.Running() {
		return nil
	}
	t := d.st.tables[s.Queue[0].ID]
	if t == nil {
		return nil
	}
	var kinds []capture.JavaKind
	add := func(c colInfo) {
		switch c.BaseOID {
		case 21, 23: // int2, int4: the JDBC driver gives an Integer
			kinds = append(kinds, capture.JavaInteger)
		case 20: // int8
			kinds = append(kinds, capture.JavaLong)
		default:
			kinds = append(kinds, capture.JavaString)
		}
	}
	if sk := s.Queue[0].Surrogate; sk != "" {
		for _, c := range t.Cols {
			if c.Name == sk {
				add(c)
			}
		}
		return kinds
	}
	for _, k := range t.Key {
		add(t.Cols[k])
	}
	return kinds
}

// spliceInc adds "inc": inc to the JSON object base.
func spliceInc(base, inc json.RawMessage) json.RawMessage {
	b := make([]byte, 0, len(base)+len(inc)+8)
	b = append(b, base[:len(base)-1]...)
	if len(base) > 2 {
		b = append(b, ',')
	}
	b = append(b, `"inc":`...)
	b = append(b, inc...)
	return append(b, '}')
}

// addIncOffset adds to o Debezium's incremental_snapshot_* offset keys
// of a streamed position's State, when an incremental snapshot runs.
func addIncOffset(o map[string]any, state json.RawMessage) {
	var ps posState
	if len(state) == 0 || json.Unmarshal(state, &ps) != nil || ps.Inc == nil || !ps.Inc.Running() {
		return
	}
	kinds := ps.Kinds
	if n := max(len(ps.Inc.After), len(ps.Inc.Max)); len(kinds) != n {
		kinds = make([]capture.JavaKind, n) // unknown: the key's text
	}
	inc, err := ps.Inc.DebeziumOffset(kinds)
	if err != nil { // a key value that is not the class's: write it as text
		inc, _ = ps.Inc.DebeziumOffset(make([]capture.JavaKind, len(kinds)))
	}
	for k, v := range inc {
		o[k] = v
	}
}
