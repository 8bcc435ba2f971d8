package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Incremental snapshots on MariaDB (docs/capture-core.md sections 3.2-3.4):
// an execute-snapshot signal queues tables in a capture.Incremental engine
// that the decoder drives on the producer goroutine. Between two
// transactions of the binlog, with no chunk waiting, the decoder reads the
// next chunk through an incView (a consistent-snapshot transaction whose
// binlog_snapshot_file/position is exactly what it holds: an Exact
// watermark P). The chunk waits until the stream reaches P: at the start of
// the first transaction at or after P, or between transactions once the
// stream is past P (an idle database: at once, or at a heartbeat). Its rows
// are then sent as op r with source.snapshot=incremental through the same
// queue as the stream's events, at positions Tx = P-1 that sort between the
// stream's events before and after P. No transaction straddles P, so the
// stream's events need no deduplication against the chunk: the engine sees
// one item per transaction start and per point between transactions while a
// chunk waits, and nothing otherwise.
//
// The engine's IncState rides in every position's State as "inc" (with
// "inck", the Java classes of the head table's key columns, for the
// Debezium offset view), so a restart from any committed event resumes the
// snapshot where that event left it (capture.Incremental.ResumeAfter).
//
// Nothing is written to the database, so read.only changes nothing here
// (readonly.go). Column changes of the head table: incschema.go in capture.
//
// Limits: MariaDB only (MySQL has no binlog_snapshot_* and would need
// GTID-set visibility, with gtid_mode=ON, as Debezium's read-only
// gtid_executed watermarks do); a MySQL execute-snapshot is refused with a
// log line. Blocking snapshots: blocking.go.

// incChunksPerBreak bounds the chunks read one after the other between two
// transactions (an idle database lets each chunk be sent at once), so that
// the binlog is read again now and then.
const incChunksPerBreak = 16

// incCheckpoint is the part of a position's State that the incremental
// snapshot adds to cpState.
type incCheckpoint struct {
	Inc   *capture.IncState  `json:"inc,omitempty"`
	Kinds []capture.JavaKind `json:"inck,omitempty"`
}

// readIncCheckpoint reads the incremental snapshot of a position's State
// (nil: none runs).
func readIncCheckpoint(state []byte) (incCheckpoint, error) {
	var c incCheckpoint
	if len(state) == 0 {
		return c, nil
	}
	err := json.Unmarshal(state, &c)
	return c, err
}

// openIncremental gives the decoder its engine, resuming the snapshot of
// the checkpoint cp, and registers the snapshot signals with disp.
func (d *decoder) openIncremental(disp *capture.Dispatcher, cp *change.Position) error {
	if !d.st.info.MariaDB {
		if len(d.st.added) > 0 {
			d.st.log.Warn("tables added to the capture; incremental snapshots need MariaDB for now, their existing rows are not read", "tables", d.st.added)
		}
		refuse := func(s capture.Signal, log *slog.Logger) error {
			log.Warn("incremental snapshots need MariaDB (binlog_snapshot_file/position) for now; the signal is ignored", "signal", s)
			return nil
		}
		disp.Register(capture.ExecuteSnapshotType, refuse)
		return nil
	}
	var state capture.IncState
	if cp != nil {
		c, err := readIncCheckpoint(cp.State)
		if err != nil {
			return &DecodeError{Table: "checkpoint", Err: err}
		}
		if c.Inc != nil {
			state = *c.Inc
		}
	}
	d.inc = capture.NewIncremental(state, d.cfg.IncChunkSize, d.st.log)
	if cp != nil {
		d.inc.ResumeAfter(*cp)
	}
	if state.Running() {
		d.st.log.Info("incremental snapshot resumed from the checkpoint", "queued", len(state.Queue), "after", state.After)
	}
	if len(d.st.added) > 0 {
		d.inc.QueueAdded(d.st.log, d.st.added, func(string) bool { return false })
	}
	disp.RegisterSnapshots(d.inc, d.capturedTables)
	return nil
}

// capturedMark is the column fingerprint of a captured table the stream
// has not described yet (its schema version is 0): it tells a later start
// that the table was captured, so that a changed table.include.list's new
// tables are told from tables merely not changed since the start.
const capturedMark = "captured"

// markCaptured records the captured tables ids in the schema versions, so
// that the checkpoints name every captured table.
func (st *Stream) markCaptured(ids []change.TableID) {
	for _, id := range ids {
		n := id.Namespace + "." + id.Name
		if v, ok := st.versions[n]; !ok || v.V == 0 && v.FP == "" {
			v.FP = capturedMark
			st.versions[n] = v
		}
	}
}

// addedTables returns, sorted, the tables of ids a streaming checkpoint's
// schema versions do not name as captured (a version, or capturedMark):
// tables a changed table.include.list added. An entry with neither (the
// declared types of a table the DDL history saw) is no capture.
func addedTables(ids []change.TableID, known map[string]schemaVer) []string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Namespace + "." + id.Name
	}
	return capture.AddedTables(names, func(n string) bool {
		v := known[n]
		return v.V > 0 || v.FP != ""
	}, capture.IncState{})
}

// capturedTables lists the captured tables' "db.table", which the
// data-collections of an execute-snapshot signal are matched against.
func (d *decoder) capturedTables() []string {
	q, err := connect(context.Background(), d.cfg)
	if err != nil {
		d.st.log.Warn("execute-snapshot: cannot list the captured tables", "err", err)
		return nil
	}
	defer q.Close()
	ids, err := listTables(q, d.cfg)
	if err != nil {
		d.st.log.Warn("execute-snapshot: cannot list the captured tables", "err", err)
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Namespace + "." + id.Name
	}
	return out
}

// beginsTx reports whether ev can begin a transaction (or a DDL
// statement): where a waiting chunk may have to be sent first.
func beginsTx(ev *replication.BinlogEvent) bool {
	switch ev.Event.(type) {
	case *replication.GTIDEvent, *replication.MariadbGTIDEvent, *replication.QueryEvent, *replication.RowsEvent:
		return true
	}
	return false
}

// incWaiting reports whether a chunk waits for the stream.
func (d *decoder) incWaiting() bool { return d.inc != nil && d.inc.WindowOpen() }

// incReach tells the engine the stream has reached at (a transaction
// starts there, or every transaction before it is read) and sends the
// waiting chunk's rows if at is at or past its watermark.
func (d *decoder) incReach(ctx context.Context, at binlogPos) error {
	rows := d.inc.Observe(&capture.StreamItem{At: binlogCursor(at)})
	if rows == nil {
		return nil
	}
	d.stateJSON = nil // the stream's next events carry the state past the chunk
	if len(rows) == 0 {
		return nil
	}
	// A restart from one of the rows replays the binlog from after the
	// last complete transaction: every transaction there is at or after
	// the watermark, after the rows.
	base, err := json.Marshal(cpState{Restart: d.after, Schemas: d.st.schemasSnapshot(), Tables: d.snapTables, Regions: d.regions, Sig: d.sigs.s.Next()})
	if err != nil {
		return err
	}
	kinds := d.incKinds()
	for _, r := range rows {
		ev := r.Ev
		ev.Pos.State = withInc(base, ev.Pos.State, kinds)
		ev.Pos.Op = byte(change.OpRead)
		ev.Pos.Micros = ev.Commit.UnixMicro()
		if err := d.queue(ctx, &item{Ev: ev, Size: r.Size + len(ev.Pos.State)}); err != nil {
			return err
		}
	}
	return nil
}

// incremental runs, between transactions, the incremental snapshot: it
// sends the waiting chunk when the stream has reached its watermark and
// reads the next chunk, as long as the chunks read can be sent at once.
// Like a heartbeat it waits until the stream has passed its checkpoint.
func (d *decoder) incremental(ctx context.Context) error {
	if d.inc == nil || d.inTx || d.pend != nil {
		return nil
	}
	at := orderOf(d.after.binlogPos)
	if at == 0 || d.cp != nil && at-1 < d.cp.Tx {
		return nil
	}
	for range incChunksPerBreak {
		if d.inc.WindowOpen() {
			if err := d.incReach(ctx, d.after.binlogPos); err != nil {
				return err
			}
			if d.inc.WindowOpen() {
				return nil // the chunk waits for the stream
			}
		}
		st := d.inc.State()
		if !st.Running() || st.Paused {
			return nil
		}
		if err := d.incStep(ctx); err != nil {
			return err
		}
		if !d.inc.WindowOpen() {
			return nil
		}
	}
	// More chunks may be ready at once: read the binlog, then come back
	// without waiting for a transaction.
	d.sigs.wakeUp()
	return nil
}

// incStep reads the next chunk. A table the view refuses (no key to chunk
// by, a surrogate-key that is no column) or whose reads the server rejects
// (SQL state 42xxx: an additional condition that is not valid SQL or names
// no column, no SELECT grant) is dropped from the snapshot with a warning, as Debezium
// skips a table without a primary key; other errors end the stream.
func (d *decoder) incStep(ctx context.Context) error {
	before := d.inc.State()
	err := d.inc.Step(ctx, d.openIncView)
	if !slices.Equal(before.Max, d.inc.State().Max) || len(before.Queue) != len(d.inc.State().Queue) {
		d.stateJSON = nil
	}
	if err == nil {
		return nil
	}
	if readAgain(err) {
		d.st.log.Info("incremental snapshot: the table changed under the chunk's read; the chunk is read again", "table", d.inc.State().Queue[0].ID, "err", err)
		d.sigs.wakeUp() // at once, not at the next transaction
		return nil
	}
	var my *gomysql.MyError
	rejected := errors.As(err, &my) && strings.HasPrefix(my.State, "42") // syntax, access, unknown column or table
	if !errors.Is(err, errTableRefused) && !rejected {
		return err
	}
	head := d.inc.State().Queue[0].ID
	d.st.log.Warn("incremental snapshot of a table refused; the table is skipped", "table", head, "err", err)
	d.inc.Stop(head)
	d.stateJSON = nil
	return nil
}

// readAgain reports whether a chunk's read failed because a DDL statement
// (a TRUNCATE) recreated the table after the view's snapshot was taken
// (ER_TABLE_DEF_CHANGED): a new view, which sees the table as it is now,
// reads the chunk again.
func readAgain(err error) bool {
	var my *gomysql.MyError
	return errors.As(err, &my) && my.Code == gomysql.ER_TABLE_DEF_CHANGED
}

// incReread discards the waiting chunk of table name ("db.table"), whose
// columns a DDL statement of the stream has just changed: it is read again
// with the new ones (capture.Incremental.Reread).
func (d *decoder) incReread(name string) {
	if id, err := capture.ParseTableID(name); err == nil && d.inc != nil {
		d.inc.Reread(id)
	}
}

// openIncView opens a view for one chunk on a connection of its own,
// describing tables as the stream knows them: a table the stream has not
// met yet is read from the server and adopted, as a TABLE_MAP would. A
// column change the stream has not read yet is the view's business
// (incView.columnsNow).
func (d *decoder) openIncView(ctx context.Context) (capture.View, error) {
	q, err := connect(ctx, d.cfg)
	if err != nil {
		return nil, err
	}
	return openIncView(ctx, q, d.cfg, d.st.log, func(ctx context.Context, id change.TableID) (*tableInfo, error) {
		if !d.cfg.Captures(id.Namespace, id.Name) {
			return nil, nil
		}
		if t := d.st.tables[id.String()]; t != nil {
			return t, nil // as the stream knows it (read once, not per chunk)
		}
		model, err := d.st.model(ctx, q, id.Namespace, id.Name)
		if err != nil {
			return nil, err
		}
		t, err := describeTable(ctx, q, id, 0, d.cfg.Types, model)
		if err != nil || t == nil {
			return nil, err
		}
		before := d.st.tables[t.name()]
		if t = d.st.adopt(t); t != before {
			d.stateJSON = nil
		}
		return t, nil
	})
}

// incJSON is what the stream's positions carry of the incremental
// snapshot: the engine's state while tables are queued, else nil.
func (d *decoder) incJSON() json.RawMessage {
	if d.inc == nil || !d.inc.State().Running() {
		return nil
	}
	return d.inc.StateJSON()
}

// withState returns a cpState's JSON with the incremental snapshot's state
// added when one runs.
func (d *decoder) withState(b []byte) []byte {
	if inc := d.incJSON(); inc != nil {
		b = withInc(b, inc, d.incKinds())
	}
	if blk := d.blkJSON(); blk != nil {
		b = withBlk(b, blk) // blocking.go
	}
	return b
}

// withInc returns the JSON object b with "inc": inc and "inck": kinds
// added.
func withInc(b []byte, inc json.RawMessage, kinds []capture.JavaKind) []byte {
	out := make([]byte, 0, len(b)+len(inc)+32)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"inc":`...)
	out = append(out, inc...)
	if len(kinds) > 0 {
		out = append(out, `,"inck":[`...)
		for i, k := range kinds {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, '0'+byte(k))
		}
		out = append(out, ']')
	}
	return append(out, '}')
}

// incKinds returns the Java classes Debezium's offsets give the head
// table's key columns (the JDBC driver's classes for their types), when
// the stream knows the table.
func (d *decoder) incKinds() []capture.JavaKind {
	st := d.inc.State()
	if !st.Running() {
		return nil
	}
	head := st.Queue[0]
	t := d.st.tables[head.ID]
	if t == nil {
		return nil
	}
	key := t.Key
	if head.Surrogate != "" {
		key = nil
		for i, m := range t.Meta {
			if strings.EqualFold(m.Name, head.Surrogate) {
				key = []int{i}
			}
		}
	}
	kinds := make([]capture.JavaKind, len(key))
	for i, c := range key {
		kinds[i] = javaKind(&t.Meta[c])
	}
	return kinds
}

// javaKind is the Java class MariaDB's JDBC driver returns for a column.
func javaKind(m *ColumnMeta) capture.JavaKind {
	switch m.Type {
	case gomysql.MYSQL_TYPE_TINY, gomysql.MYSQL_TYPE_SHORT, gomysql.MYSQL_TYPE_INT24:
		return capture.JavaInteger
	case gomysql.MYSQL_TYPE_LONG:
		if m.Unsigned {
			return capture.JavaLong
		}
		return capture.JavaInteger
	case gomysql.MYSQL_TYPE_LONGLONG:
		if !m.Unsigned {
			return capture.JavaLong
		}
	}
	return capture.JavaString
}

// errTableRefused marks a view's refusal of a table (incview.go).
var errTableRefused = errors.New("table refused for an incremental snapshot")

// refusedTable is a view's refusal of a table: errTableRefused and why.
type refusedTable struct{ err error }

func (e refusedTable) Error() string   { return e.err.Error() }
func (e refusedTable) Unwrap() []error { return []error{errTableRefused, e.err} }
