package mysql

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Resuming an interrupted snapshot, exactly once.
//
// The first run of a snapshot reads the tables at the binlog coordinate
// Origin (its consistent snapshot) and streaming starts there. A restart
// cannot reopen that snapshot: the rest of the tables is read in a new one,
// consistent with a later coordinate C. Reading the rest at C and dropping
// the streamed changes C already holds (what earlier versions did) loses
// the changes of rows inserted and deleted between Origin and C: they are
// in neither the scan nor the stream. Instead the restarted source
//
//  1. opens the new snapshot and learns C (beginSnapshot);
//  2. streams from Origin up to C, emitting every change from where the
//     stream's checkpoint left it. A change to a row the scan has not read
//     yet (after the scan's cursor) is emitted too, and the first such
//     change of each row since Origin is preceded by a read of the row as
//     it was at Origin (the update's or delete's before image; an insert
//     has none): the read the interrupted snapshot would have given. The
//     keys of those rows are remembered;
//  3. at C pauses the stream and reads the rest of the tables under the new
//     snapshot, leaving out the remembered rows (their read and changes up
//     to C are out already; every other row is at C as it was at Origin),
//     then streams on from C.
//
// A consumer so sees what an uninterrupted snapshot at Origin followed by
// the stream from Origin gives: one read per row that existed at Origin,
// then each change once, in order. The stream part between Origin and its
// checkpoint is read again at each restart, emitting nothing, to rebuild
// the remembered keys, so that a crash in any phase resumes the same way:
// the catch-up's positions carry the scan's cursor (cpState.Pending); the
// resumed scan's rows carry Restart = C, the point the stream had reached.
// The remembered keys are held in memory: as many as rows after the cursor
// changed between Origin and C.

// pendingScan is where an interrupted snapshot's scan resumes, kept in the
// state of the positions between its restart and its end.
type pendingScan struct {
	// Origin is the coordinate of the snapshot's first run: where the
	// catch-up stream starts, to learn which unread rows changed since.
	Origin restartPoint `json:"origin"`
	// Table, Key and Count are the snapshot checkpoint the scan resumes
	// at (its Table, Key and Index), set in the catch-up's positions.
	Table string          `json:"table,omitempty"`
	Key   json.RawMessage `json:"key,omitempty"`
	Count int64           `json:"count,omitempty"`
}

// catchUp is the stream part of a resumed snapshot (snapshotRun.catchUp).
type catchUp struct {
	scan   pendingScan
	cp     *change.Position // the stream's checkpoint: emit nothing up to it
	tables []string
	cursor region // rows covered by it are not read yet (At unused)
	stop   binlogPos
}

// errBarrier ends a binlog dump when the catch-up reaches the snapshot's
// coordinate.
var errBarrier = errors.New("catch-up reached the snapshot coordinate")

// pendingRows tracks, during a catch-up, the unread rows changed since
// Origin.
type pendingRows struct {
	c       *catchUp
	idx     map[string]int              // table name -> index in c.tables
	changed map[int]map[string][]string // table index -> joined key -> key
	sorted  map[int][][]string          // built at the barrier
}

func newPendingRows(c *catchUp) *pendingRows {
	p := &pendingRows{c: c, idx: map[string]int{}, changed: map[int]map[string][]string{}}
	for i, n := range c.tables {
		p.idx[n] = i
	}
	return p
}

// first reports whether a change to the row of t with key image keyVals is
// the first since Origin of a row the scan has not read: the caller then
// emits the row's read first (for an update or delete). It remembers the
// row.
func (p *pendingRows) first(t *tableInfo, keyVals []any) bool {
	ti, ok := p.idx[t.name()]
	if !ok {
		return false
	}
	key := rowKey(t, keyVals)
	if key == nil || !p.c.cursor.covers(ti, key, t.keyKinds()) {
		return false
	}
	m := p.changed[ti]
	if m == nil {
		m = map[string][]string{}
		p.changed[ti] = m
	}
	k := strings.Join(key, "\x00")
	if _, seen := m[k]; seen {
		return false
	}
	m[k] = key
	return true
}

// skip reports whether the scan leaves out the row of table index ti with
// key: it changed since Origin, so its read and changes were streamed.
func (p *pendingRows) skip(ti int, key []string, kinds []keyKind) bool {
	m := p.changed[ti]
	if len(m) == 0 || key == nil {
		return false
	}
	if p.sorted == nil {
		p.sorted = map[int][][]string{}
	}
	s, ok := p.sorted[ti]
	if !ok {
		s = make([][]string, 0, len(m))
		for _, k := range m {
			s = append(s, k)
		}
		slices.SortFunc(s, func(a, b []string) int { return compareKeys(kinds, a, b) })
		p.sorted[ti] = s
	}
	_, found := slices.BinarySearchFunc(s, key, func(a, b []string) int { return compareKeys(kinds, a, b) })
	return found
}

// count returns the number of rows remembered.
func (p *pendingRows) count() int {
	n := 0
	for _, m := range p.changed {
		n += len(m)
	}
	return n
}

// originRead returns the read of the row a change's before image shows, as
// the interrupted snapshot would have read it at Origin: ev's before image
// as after, its source block marked as a snapshot's.
func (d *decoder) originRead(ev *change.Event) *change.Event {
	src := change.StructValue(d.values(len(ev.Source)))
	copy(src, ev.Source)
	src[srcSnapshotIdx] = "true"
	r := d.newEvent()
	*r = change.Event{
		Op:           change.OpRead,
		Table:        ev.Table,
		KeyRow:       ev.KeyRow,
		After:        ev.Before,
		Source:       src,
		SourceSchema: ev.SourceSchema,
		Commit:       ev.Commit,
	}
	return r
}

// reachedStop reports whether the catch-up, between transactions, has
// reached the snapshot's coordinate: at, the end of the event just handled,
// is at or past it.
func (d *decoder) reachedStop(at binlogPos) bool {
	return d.pend != nil && !d.inTx && at.Pos != 0 && orderOf(at) >= orderOf(d.pend.c.stop)
}

// barrier runs at the snapshot's coordinate: the rest of the snapshot is
// read (without the rows the catch-up streamed), then the stream goes on.
func (d *decoder) barrier(ctx context.Context) error {
	p := d.pend
	d.pend = nil
	d.stateJSON = nil
	d.st.log.Info("catch-up reached the snapshot coordinate; reading the rest of the snapshot",
		"at", p.c.stop.String(), "rows_streamed_instead", p.count())
	d.st.snap.skip = p.skip
	_, err := d.st.runSnapshot(ctx)
	return err
}
