package capture

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Pending holds what a resumed snapshot learnt by reading the change log
// ahead, from the interrupted snapshot's origin to the point of the new
// snapshot that reads the rest of the tables: for each row after the scan's
// cursor that changed in between, the first change's R (the row's image at
// the origin, or only the fact that it changed). The scan then asks, row by
// row in key order, what to give in place of or before the row it reads.
// The read-ahead fills it before the scan starts; neither is concurrent.
type Pending[R any] struct {
	seen   map[string]struct{} // TouchKey of every row held
	tables map[int]*pendingTable[R]
}

type pendingTable[R any] struct {
	rows   []pendingRow[R]
	sorted bool
	next   int // the scan's place in rows, once sorted
}

type pendingRow[R any] struct {
	key []string
	row R
}

// NewPending returns an empty Pending.
func NewPending[R any]() *Pending[R] {
	return &Pending[R]{seen: map[string]struct{}{}, tables: map[int]*pendingTable[R]{}}
}

// Record notes row for the row (table index table, key) unless a change of
// that row is held already: the first change since the origin wins. It
// reports whether row was kept. The caller decides which rows the scan has
// not read yet.
func (p *Pending[R]) Record(table int, key []string, row R) bool {
	k := TouchKey(table, key)
	if _, ok := p.seen[k]; ok {
		return false
	}
	p.seen[k] = struct{}{}
	t := p.tables[table]
	if t == nil {
		t = &pendingTable[R]{}
		p.tables[table] = t
	}
	t.rows = append(t.rows, pendingRow[R]{key: key, row: row})
	return true
}

// Has reports whether a change of the row (table, key) is held. A nil
// Pending holds nothing.
func (p *Pending[R]) Has(table int, key []string) bool {
	if p == nil {
		return false
	}
	_, ok := p.seen[TouchKey(table, key)]
	return ok
}

// Count returns the number of rows held.
func (p *Pending[R]) Count() int {
	if p == nil {
		return 0
	}
	return len(p.seen)
}

// UpTo returns, in key order, the rows held of table index table with keys
// before key (all that are left when key is nil) and not handed out yet,
// and the row with key itself when it is held (ok; the scan then leaves its
// own read of it out). order is the table's key order, as the scan reads
// it. A nil Pending holds nothing.
func (p *Pending[R]) UpTo(table int, key []string, order KeyOrder) (rows []R, same R, ok bool) {
	if p == nil {
		return nil, same, false
	}
	t := p.tables[table]
	if t == nil || len(t.rows) == 0 {
		return nil, same, false
	}
	if !t.sorted {
		slices.SortFunc(t.rows, func(a, b pendingRow[R]) int { return order.Compare(a.key, b.key) })
		t.sorted = true
	}
	s := t.rows
	i := t.next
	j := i
	for j < len(s) && (key == nil || order.Compare(s[j].key, key) < 0) {
		j++
	}
	for _, r := range s[i:j] {
		rows = append(rows, r.row)
	}
	if key != nil && j < len(s) && order.Compare(s[j].key, key) == 0 {
		same, ok = s[j].row, true
		j++
	}
	t.next = j
	return rows, same, ok
}

// Sort puts the rows held of every table in key order (order gives each
// table's), once the read-ahead is done, so that Between may be called by
// several goroutines at once.
func (p *Pending[R]) Sort(order func(table int) KeyOrder) {
	if p == nil {
		return
	}
	for ti, t := range p.tables {
		o := order(ti)
		slices.SortFunc(t.rows, func(a, b pendingRow[R]) int { return o.Compare(a.key, b.key) })
		t.sorted = true
	}
}

// Between is UpTo for the workers of a parallel snapshot, each reading its
// own key range: the rows held of table index table with keys after after
// (nil: from the first) and before key (nil: all the rest), in key order,
// and the row with key itself (ok). It hands nothing out, so a worker asks
// with after = the last key it asked for; Sort must have run.
func (p *Pending[R]) Between(table int, after, key []string, order KeyOrder) (rows []R, same R, ok bool) {
	if p == nil {
		return nil, same, false
	}
	t := p.tables[table]
	if t == nil {
		return nil, same, false
	}
	s := t.rows
	i := 0
	if after != nil {
		i, _ = slices.BinarySearchFunc(s, after, func(r pendingRow[R], k []string) int { return order.Compare(r.key, k) })
		if i < len(s) && order.Compare(s[i].key, after) == 0 {
			i++
		}
	}
	j := i
	for j < len(s) && (key == nil || order.Compare(s[j].key, key) < 0) {
		rows = append(rows, s[j].row)
		j++
	}
	if key != nil && j < len(s) && order.Compare(s[j].key, key) == 0 {
		same, ok = s[j].row, true
	}
	return rows, same, ok
}

// TouchKey is the key of the row (table index table, key) in a set of
// rows: each column's length, then its text, so that no two keys meet.
func TouchKey(table int, key []string) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(table))
	for _, k := range key {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(len(k)))
		b.WriteByte(':')
		b.WriteString(k)
	}
	return b.String()
}

// Scan is a source's side of a snapshot's table loop: Backfill decides
// which table and which chunk to read, the source reads them. Its methods
// run once per table or per chunk, never per row.
type Scan interface {
	// Table returns the name of table index ti (in the snapshot's table
	// list) and the number of its key columns. ok is false when the table
	// is gone: the source logs why, and Backfill skips it.
	Table(ti int) (name string, keyLen int, ok bool)
	// Begin prepares table ti for reading. chunked says whether it is read
	// in key order, a chunk at a time; otherwise one Chunk reads it whole.
	Begin(ctx context.Context, ti int) (chunked bool, err error)
	// Chunk reads the rows of table ti after key after (nil: from the
	// table's start), at most the chunk size of them, pushes them to e
	// and counts them in count. It returns the rows read (pushed or not)
	// and the last key read.
	Chunk(ctx context.Context, ti int, e *Emitter, after []string, count *int64) (n int, last []string, err error)
	// End runs after table ti's last chunk.
	End(ctx context.Context, ti int, e *Emitter, chunked bool, count *int64) error
}

// Backfill reads a snapshot's tables in their list's order, each chunk by
// chunk in key order, from where a checkpoint left off, and marks the rows
// through Emitter.
type Backfill struct {
	Log        *slog.Logger
	Tables     int      // the number of tables in the snapshot's list
	Start      int      // the table reading starts at
	StartAfter []string // resume after this key in table Start; nil: from its start
	StartCount int64    // rows of table Start read already
	ChunkSize  int      // snapshot.fetch.size: a shorter chunk ends a table
	Emitter    *Emitter
}

// Run reads the tables through s, then sends the last row held back.
func (b *Backfill) Run(ctx context.Context, s Scan) error {
	for ti := b.Start; ti < b.Tables; ti++ {
		name, keyLen, ok := s.Table(ti)
		if !ok {
			continue
		}
		var after []string
		var count int64
		if ti == b.Start {
			after, count = b.StartAfter, b.StartCount
			if after != nil && len(after) != keyLen {
				after, count = nil, 0 // the table's key changed
			}
		}
		b.Log.Info("snapshotting table", "table", name)
		chunked, err := s.Begin(ctx, ti)
		if err != nil {
			return err
		}
		if !chunked && after != nil {
			b.Log.Warn("resuming the snapshot of a table whose override SELECT lacks the key: reading it again from its start; its rows may repeat", "table", name)
			after, count = nil, 0
		}
		for {
			n, last, err := s.Chunk(ctx, ti, b.Emitter, after, &count)
			if err != nil {
				return err
			}
			if !chunked || n < b.ChunkSize {
				break
			}
			after = last
		}
		if err := s.End(ctx, ti, b.Emitter, chunked, &count); err != nil {
			return err
		}
		b.Log.Info("table snapshot done", "table", name, "rows", count)
	}
	return b.Emitter.Finish(ctx)
}
