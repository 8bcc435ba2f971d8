package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// Resuming an interrupted snapshot, exactly once.
//
// The first run of a snapshot reads the tables at binlog coordinate Origin
// (its consistent snapshot); streaming starts at Origin once every table is
// read. A restart cannot reopen that snapshot: the rest of the tables is
// read in a new one, consistent with a later coordinate C. Between Origin
// and C the rows not read yet may have changed. Reading them at C and
// dropping the streamed changes C holds (what earlier versions did) loses
// every change of a row inserted and deleted between Origin and C, and
// turns the changes of the others into one read. Instead the restarted
// source, before it reads anything,
//
//  1. opens the new snapshot and learns C (beginSnapshot);
//  2. reads the binlog from Origin to C, emitting nothing, and remembers,
//     for each row after the scan's cursor that changed, its first change:
//     the before image of an update or delete is the row as it was at
//     Origin; an insert means the row did not exist then (collectOrigin);
//  3. reads the rest of the tables under the new snapshot in key order,
//     giving for each remembered row its image at Origin (none after an
//     insert) in its place instead of its image at C; every other row is
//     at C as it was at Origin;
//  4. streams from Origin, as after an uninterrupted snapshot.
//
// A consumer so sees what an uninterrupted snapshot at Origin gives: one
// read per row that existed at Origin, in key order, then every change from
// Origin once, in order. The snapshot's checkpoints stay what they were (the
// table and last key read, the stream's start Origin), so a crash during
// the resumed scan resumes the same way, with a new C. The remembered rows
// are held in memory: as many as rows after the cursor changed between
// Origin and C. A table read whole (no key, or an override SELECT without
// it) cannot be matched this way: its rows are read at C. The read-ahead
// skips DDL statements (the stream that follows applies them): a row image
// at Origin keeps the columns it had then; rows a TRUNCATE removed between
// Origin and C are not read.

// catchUp says what the read-ahead of a resumed snapshot collects
// (snapshotRun.catchUp).
type catchUp struct {
	origin restartPoint // the snapshot's coordinate: the stream starts there
	tables []string
	cursor region // rows it covers are not read yet (At unused)
	stop   binlogPos
	// unreadIn, when set, replaces cursor for a parallel snapshot
	// (parallel.go): it says whether the row (table index, key) is after
	// its key range's cursor. The scan then asks for the rows by range
	// (pendingRows.between), on several workers at once.
	unreadIn func(ti int, key []string, order capture.KeyOrder) bool
}

// unread reports whether the row (table index ti, key) is not read yet.
func (c *catchUp) unread(ti int, key []string, order capture.KeyOrder) bool {
	if c.unreadIn != nil {
		return c.unreadIn(ti, key, order)
	}
	return c.cursor.Covers(ti, key, order)
}

// errBarrier ends a binlog dump when the read-ahead reaches the snapshot's
// coordinate.
var errBarrier = errors.New("read-ahead reached the snapshot coordinate")

// originRow is the first change since Origin of a row not read yet: its key
// and, for an update or delete, its image at Origin (before nil: the row was
// inserted after Origin) with the table schema the image has.
type originRow struct {
	key    []string
	keyRow change.Row
	before change.Row
	schema *change.TableSchema
}

// pendingRows collects the first changes since Origin of the rows not read
// yet, and hands them to the scan in key order (capture.Pending).
type pendingRows struct {
	c    *catchUp
	idx  map[string]int // table name -> index in c.tables
	rows *capture.Pending[*originRow]
}

func newPendingRows(c *catchUp) *pendingRows {
	p := &pendingRows{c: c, idx: map[string]int{}, rows: capture.NewPending[*originRow]()}
	for i, n := range c.tables {
		p.idx[n] = i
	}
	return p
}

// record notes ev, a change to the row of t whose image keyVals holds its
// key, if it is the first since Origin of a row the scan has not read.
func (p *pendingRows) record(t *tableInfo, keyVals []any, ev *change.Event) {
	ti, ok := p.idx[t.name()]
	if !ok {
		return
	}
	key := rowKey(t, keyVals)
	if key == nil {
		return
	}
	if !p.c.unread(ti, key, t.keyKinds()) || p.rows.Has(ti, key) {
		return
	}
	r := &originRow{key: key, keyRow: ev.KeyRow, schema: ev.Table}
	if ev.Op != change.OpCreate {
		r.before = ev.Before
	}
	p.rows.Record(ti, key, r)
}

// count returns the number of rows remembered.
func (p *pendingRows) count() int {
	return p.rows.Count()
}

// upTo returns the remembered rows of table index ti with keys before key
// (all of them when key is nil) not handed out yet, and whether the row with
// key itself is one (the scan then leaves its image at C out).
func (p *pendingRows) upTo(ti int, key []string, kinds capture.KeyOrder) (rows []*originRow, same *originRow) {
	if p == nil {
		return nil, nil
	}
	rows, same, _ = p.rows.UpTo(ti, key, kinds)
	return rows, same
}

// between is upTo for the workers of a parallel snapshot, each in its own
// key range: the remembered rows of table index ti with keys after after
// (nil: from the first) and before key (nil: all the rest), and the row
// with key itself. It hands nothing out, so that the workers may ask at
// once; sort must have run.
func (p *pendingRows) between(ti int, after, key []string, kinds capture.KeyOrder) (rows []*originRow, same *originRow) {
	if p == nil {
		return nil, nil
	}
	rows, same, _ = p.rows.Between(ti, after, key, kinds)
	return rows, same
}

// reachedStop reports whether the read-ahead, between transactions, has
// reached the snapshot's coordinate: at, the end of the event just handled,
// is at or past it.
func (d *decoder) reachedStop(at binlogPos) bool {
	return d.pend != nil && !d.inTx && at.Pos != 0 && orderOf(at) >= orderOf(d.pend.c.stop)
}

// collectOrigin reads the binlog from the snapshot's origin to its new
// coordinate and returns the first change of each row not read yet.
func (st *Stream) collectOrigin(ctx context.Context, c *catchUp) (*pendingRows, error) {
	d, err := newDecoder(st, c.origin, nil, nil)
	if err != nil {
		return nil, err
	}
	d.pend = newPendingRows(c)
	d.send = func(context.Context, item) error { return nil }
	defer d.closeHeartbeatConn()
	delay := st.knobs.ReconnectDelay
	for failures := 0; ; {
		rp := d.resumePoint()
		if d.reachedStop(rp.binlogPos) {
			break
		}
		err := d.runOnce(ctx, rp)
		if errors.Is(err, errBarrier) {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ce *ConnError
		if failures++; !errors.As(err, &ce) || failures > st.knobs.MaxReconnects {
			return nil, err
		}
		d.prepareReconnect()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
	st.log.Info("binlog read from the snapshot's origin to its new coordinate",
		"origin", c.origin.String(), "at", c.stop.String(), "rows_changed", d.pend.count())
	return d.pend, nil
}

// pushOrigin queues the reads at Origin of rows (remembered by the
// read-ahead) of t, table index ti, as snapshot rows; those inserted after
// Origin have none. It returns how many it queued.
func (st *Stream) pushOrigin(ctx context.Context, run *snapshotRun, e *capture.Emitter, t *tableInfo, ti int, rows []*originRow, count *int64) (int, error) {
	n := 0
	for _, r := range rows {
		if r.before == nil {
			continue
		}
		*count++
		ev := st.originEvent(run, t, run.tableTS, r)
		ev.Pos.Index, ev.Pos.State = *count, run.stateJSON
		if err := e.Push(ctx, capture.SnapRow{Ev: ev, Table: ti, FirstInTable: *count == 1, Size: eventHeap + valueHeap*len(r.before)}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// originEvent returns the "r" event of r, a row of t as it was at the
// origin, as of the table's time ts. Pos.Index and Pos.State are the
// caller's.
func (st *Stream) originEvent(run *snapshotRun, t *tableInfo, ts time.Time, r *originRow) *change.Event {
	keyJSON, _ := json.Marshal(r.key)
	si := srcInfo{ts: ts, snapshot: "true", db: t.ID.Namespace, table: t.ID.Name, file: run.at.File, pos: run.at.Pos}
	return &change.Event{
		Op:           change.OpRead,
		Table:        r.schema, // the image's columns (t's unless a DDL came between)
		KeyRow:       r.keyRow,
		After:        r.before,
		Source:       si.block(st.cfg),
		SourceSchema: st.src,
		Commit:       run.ts,
		Pos: change.Position{
			Snapshot: true,
			Table:    t.name(),
			Key:      keyJSON,
		},
	}
}
