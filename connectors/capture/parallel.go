package capture

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/sluicecdc/sluice/connectors/change"
)

// A parallel snapshot (snapshot.max.threads > 1) reads its tables on
// several connections that share one database snapshot: whole tables side
// by side, and a large table split into key ranges (lo, hi], each read in
// key order, a chunk at a time, by one worker. Every key is in exactly one
// range, so the order of each key's events holds.
//
// The rows of the workers meet in the one queue of the stream, a chunk at
// a time: a worker reads its chunk into memory, then sends it under a lock,
// so that the rows of one chunk are consecutive. Each row's position
// carries, in its State, the cursors of every range as they stood when its
// chunk was sent (ParState; the row's own range is Cur) and, in Key and
// Index, its own key and its table's row count. A checkpoint at any row
// thus says exactly what is in Kafka: the rows of each range up to its
// cursor, and of the row's range up to the row. A restart resumes each
// range after its cursor, the row's after the row.
//
// Markers (source.snapshot) are Debezium's chunked snapshot's: the first
// row of a table to be sent is its first in key order (the table's other
// ranges wait until its first range sent a row), and gets
// first_in_data_collection; its last row in key order (the last row of its
// last range) is held back until the table's other ranges are done, and
// gets last_in_data_collection. On a fresh snapshot the first table's first
// row is sent before any other and gets first; the row sent last gets
// last.

// ParState is a parallel snapshot's progress, as every row's position
// carries it (in the source's State).
type ParState struct {
	// Next is the index of the first table not begun: the tables before it
	// are done or have ranges in Ranges.
	Next int `json:"next"`
	// Ranges are the ranges of the tables begun and not done, in the
	// order they were planned.
	Ranges []ParRange `json:"ranges,omitempty"`
	// Cur is the index in Ranges of the range of the row that carries
	// this state; -1 in a state no row carries.
	Cur int `json:"cur"`
}

// ParRange is one key range of a table: keys after After (from the table's
// start when nil) and at most Hi (no bound when nil).
type ParRange struct {
	Table int `json:"t"`
	// Part is the range's place in its table (0: the first keys); Last
	// marks the table's last range.
	Part int  `json:"p,omitempty"`
	Last bool `json:"last,omitempty"`
	// Hi is the range's greatest key, nil for the last range.
	Hi []string `json:"hi,omitempty"`
	// After is the key of the range's last row sent; nil until one was,
	// for the first range (the others start after their low bound).
	After []string `json:"after,omitempty"`
	// Rows counts the range's rows sent.
	Rows int64 `json:"n,omitempty"`
	// Done: every row of the range was sent (the last range is never
	// marked: it is dropped with its table).
	Done bool `json:"done,omitempty"`
}

// ResumeAt returns the state a restart continues from, given the state a
// checkpoint's row carried and the row's key (nil for a table read whole,
// which is read again from its start) and index (its table's row count).
func (s ParState) ResumeAt(key []string, index int64) ParState {
	s.Ranges = slices.Clone(s.Ranges)
	if s.Cur < 0 || s.Cur >= len(s.Ranges) {
		return s
	}
	cur := &s.Ranges[s.Cur]
	if key == nil {
		cur.After, cur.Rows = nil, 0
		return s
	}
	var others int64
	for i, r := range s.Ranges {
		if i != s.Cur && r.Table == cur.Table {
			others += r.Rows
		}
	}
	cur.After, cur.Rows = key, index-others
	return s
}

// ParScan is a source's side of a parallel snapshot.
type ParScan interface {
	// Table returns the name of table index ti and the number of its key
	// columns; ok is false when the table is gone (the source logs why,
	// and it is skipped). It is called from any worker.
	Table(ti int) (name string, keyLen int, ok bool)
	// Worker opens worker w's connection, joined to the snapshot.
	Worker(ctx context.Context, w int) (ParWorker, error)
}

// ParWorker reads on one connection of a parallel snapshot. One goroutine
// uses it.
type ParWorker interface {
	// Plan prepares table ti for reading: chunked says whether it is read
	// in key chunks (otherwise one Chunk reads it whole), and bounds are at
	// most parts-1 increasing keys that split it into ranges, nil when the
	// table is not split (it holds fewer than minRows rows, or is not
	// chunked).
	Plan(ctx context.Context, ti, parts int, minRows int64) (chunked bool, bounds [][]string, err error)
	// Chunk reads the rows of table ti with keys after after (nil: from
	// the start) and at most upTo (nil: no bound), at most limit of them,
	// in key order, calling row for each row to send with its event
	// (Pos.Snapshot, Table and Key set), key and size. A table that is not
	// chunked is read whole. It returns the rows read (sent or not) and
	// the last key read.
	Chunk(ctx context.Context, ti int, after, upTo []string, limit int,
		row func(ev *change.Event, key []string, size int) error) (n int, last []string, err error)
	// Close ends the worker's transaction and connection.
	Close() error
}

// Parallel runs a parallel snapshot.
type Parallel struct {
	Log     *slog.Logger
	Tables  int // the number of tables in the snapshot's list
	Threads int // workers (snapshot.max.threads)
	// Parts is the number of ranges a large table is split into (0:
	// Threads; 1: none is split).
	Parts int
	// ChunkSize is snapshot.fetch.size: a shorter chunk ends a range.
	ChunkSize int
	// State is where reading starts: ParState{} for a fresh snapshot, or
	// a checkpoint's ParState.ResumeAt.
	State   ParState
	Emitter *Emitter
	// StateJSON returns the source's State for a row that carries par.
	StateJSON func(par *ParState) (json.RawMessage, error)
}

// SplitMinRows is the size from which a table is split: four chunks for
// each worker, so that a split pays for its planning query.
func (p *Parallel) SplitMinRows() int64 { return 4 * int64(p.ChunkSize) * int64(p.Threads) }

// parTable is a table begun in this run.
type parTable struct {
	name    string
	chunked bool
	planned bool // chunked is known (a restored table learns it when a worker first reads it)
	ranges  []*ParRange
	open    int  // ranges not done reading
	first   bool // a row was sent, or its first range is done
	rows    int64
	parked  *parRow // its last row, held back until the other ranges are done
}

type parRow struct {
	ev   *change.Event
	key  []string
	size int
}

// parRun is one Run's shared state.
type parRun struct {
	p *Parallel
	s ParScan

	dispatch sync.Mutex // held while a worker picks or plans its next range

	mu     sync.Mutex // guards what follows and the Emitter
	cond   *sync.Cond
	next   int
	ranges []*ParRange // as ParState.Ranges
	queue  []*ParRange // not yet taken by a worker
	tables map[int]*parTable
	gate   *ParRange // a fresh snapshot's first range: the others wait for its first row
	gated  bool      // the gate is open (or there is none)
	err    error
}

// Run reads the snapshot with p.Threads workers, then sends the last row
// held back.
func (p *Parallel) Run(ctx context.Context, s ParScan) error {
	run := &parRun{p: p, s: s, next: p.State.Next, tables: map[int]*parTable{}, gated: !p.Emitter.Fresh}
	run.cond = sync.NewCond(&run.mu)
	if err := run.restore(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		run.mu.Lock()
		run.cond.Broadcast()
		run.mu.Unlock()
	})
	defer stop()
	var wg sync.WaitGroup
	errs := make([]error, p.Threads)
	for w := range p.Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := change.Guard(func() error { return run.work(ctx, w) })
			if err != nil {
				errs[w] = err
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return p.Emitter.Finish(ctx)
}

// restore rebuilds the tables and the ranges to read from p.State.
func (run *parRun) restore() error {
	for i := range run.p.State.Ranges {
		r := run.p.State.Ranges[i]
		t := run.tables[r.Table]
		if t == nil {
			name, _, ok := run.s.Table(r.Table)
			if !ok {
				continue
			}
			t = &parTable{name: name}
			run.tables[r.Table] = t
		}
		t.ranges = append(t.ranges, &r)
		run.ranges = append(run.ranges, &r)
		t.rows += r.Rows
		if !r.Done {
			t.open++
			run.queue = append(run.queue, &r)
		}
		if r.Part == 0 && r.Done {
			t.first = true
		}
	}
	for ti, t := range run.tables {
		if t.rows > 0 {
			t.first = true
		}
		_, keyLen, _ := run.s.Table(ti)
		for _, r := range t.ranges {
			if (r.After != nil && len(r.After) != keyLen) || (r.Hi != nil && len(r.Hi) != keyLen) {
				return errors.New("capture: the key of table " + t.name + " changed during its parallel snapshot: start the snapshot again (delete the connector's offsets)")
			}
		}
		run.p.Log.Info("resuming the snapshot of table", "table", t.name, "ranges", len(t.ranges), "rows_read", t.rows)
	}
	return nil
}

// work is worker w: it takes ranges until there are none left.
func (run *parRun) work(ctx context.Context, w int) error {
	pw, err := run.s.Worker(ctx, w)
	if err != nil {
		return err
	}
	defer pw.Close()
	for {
		r, err := run.take(ctx, pw)
		if err != nil || r == nil {
			return err
		}
		if err := run.read(ctx, pw, r); err != nil {
			return err
		}
	}
}

// take returns the next range to read, planning the next table when no
// planned range is left; nil when there is nothing left.
func (run *parRun) take(ctx context.Context, pw ParWorker) (*ParRange, error) {
	run.dispatch.Lock()
	defer run.dispatch.Unlock()
	for {
		run.mu.Lock()
		if len(run.queue) > 0 {
			r := run.queue[0]
			run.queue = run.queue[1:]
			run.mu.Unlock()
			return r, nil
		}
		ti := run.next
		run.mu.Unlock()
		if ti >= run.p.Tables || ctx.Err() != nil {
			return nil, nil
		}
		name, _, ok := run.s.Table(ti)
		if !ok {
			run.mu.Lock()
			run.next = ti + 1
			run.mu.Unlock()
			continue
		}
		parts := run.p.Parts
		if parts == 0 {
			parts = run.p.Threads
		}
		chunked, bounds, err := pw.Plan(ctx, ti, parts, run.p.SplitMinRows())
		if err != nil {
			return nil, err
		}
		t := &parTable{name: name, chunked: chunked, planned: true}
		for i := 0; i <= len(bounds); i++ {
			r := &ParRange{Table: ti, Part: i, Last: i == len(bounds)}
			if i > 0 {
				r.After = bounds[i-1]
			}
			if i < len(bounds) {
				r.Hi = bounds[i]
			}
			t.ranges = append(t.ranges, r)
		}
		t.open = len(t.ranges)
		if len(bounds) > 0 {
			run.p.Log.Info("snapshotting table", "table", name, "ranges", len(t.ranges))
		} else {
			run.p.Log.Info("snapshotting table", "table", name)
		}
		run.mu.Lock()
		run.tables[ti] = t
		run.next = ti + 1
		run.ranges = append(run.ranges, t.ranges...)
		run.queue = append(run.queue, t.ranges[1:]...)
		if !run.gated && run.gate == nil {
			run.gate = t.ranges[0]
		}
		run.mu.Unlock()
		return t.ranges[0], nil
	}
}

// read reads range r to its end, sending its rows a chunk at a time.
func (run *parRun) read(ctx context.Context, pw ParWorker, r *ParRange) error {
	run.mu.Lock()
	t := run.tables[r.Table]
	after, planned, chunked := r.After, t.planned, t.chunked
	run.mu.Unlock()
	if !planned {
		var err error
		if chunked, _, err = pw.Plan(ctx, r.Table, 1, 0); err != nil {
			return err
		}
		run.mu.Lock()
		t.chunked, t.planned = chunked, true
		run.mu.Unlock()
	}
	limit := run.p.ChunkSize
	var buf []parRow
	for {
		n, last, err := pw.Chunk(ctx, r.Table, after, r.Hi, limit, func(ev *change.Event, key []string, size int) error {
			buf = append(buf, parRow{ev: ev, key: key, size: size})
			if !chunked && len(buf) >= limit {
				// A table read whole is sent as it is read.
				if err := run.send(ctx, r, t, buf, false); err != nil {
					return err
				}
				clear(buf)
				buf = buf[:0]
			}
			return nil
		})
		if err != nil {
			return err
		}
		done := !chunked || n < limit
		if err := run.send(ctx, r, t, buf, done); err != nil {
			return err
		}
		clear(buf)
		buf = buf[:0]
		if done {
			return nil
		}
		after = last
	}
}

// send sends rows of range r (in key order, after the rows sent before);
// end says they are its last. The last range keeps its last row back
// until the table's other ranges are done.
func (run *parRun) send(ctx context.Context, r *ParRange, t *parTable, rows []parRow, end bool) error {
	run.mu.Lock()
	defer run.mu.Unlock()
	for !run.open(r, t) {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		run.cond.Wait()
	}
	if r.Last && len(rows) > 0 {
		// Its last row may be the table's last: it waits for the next
		// chunk, or for the table's end.
		if t.parked != nil {
			rows = append([]parRow{*t.parked}, rows...)
		}
		p := rows[len(rows)-1]
		t.parked = &p
		rows = rows[:len(rows)-1]
	}
	if err := run.sendLocked(ctx, r, t, rows, false); err != nil {
		return err
	}
	if !end {
		return nil
	}
	t.open--
	if !r.Last {
		r.Done = true
	}
	if r.Part == 0 && !t.first {
		t.first = true
		run.cond.Broadcast()
	}
	if r == run.gate && !run.gated {
		run.gated = true
		run.cond.Broadcast()
	}
	if t.open > 0 {
		return nil
	}
	// The table is done: its last row goes last.
	if t.parked != nil {
		last := t.ranges[len(t.ranges)-1]
		if err := run.sendLocked(ctx, last, t, []parRow{*t.parked}, true); err != nil {
			return err
		}
		t.parked = nil
	}
	run.ranges = slices.DeleteFunc(run.ranges, func(x *ParRange) bool { return x.Table == r.Table })
	run.p.Log.Info("table snapshot done", "table", t.name, "rows", t.rows)
	return nil
}

// open reports whether range r may send: a table's other ranges wait for
// its first row, and on a fresh snapshot every range waits for the
// snapshot's first row.
func (run *parRun) open(r *ParRange, t *parTable) bool {
	if !run.gated && r != run.gate {
		return false
	}
	return r.Part == 0 || t.first
}

// sendLocked pushes rows of range r to the Emitter, each with the state as
// it stands before it; lastInTable marks the last row as its table's.
func (run *parRun) sendLocked(ctx context.Context, r *ParRange, t *parTable, rows []parRow, lastInTable bool) error {
	if len(rows) == 0 {
		return nil
	}
	st := ParState{Next: run.next, Ranges: make([]ParRange, len(run.ranges)), Cur: -1}
	for i, x := range run.ranges {
		st.Ranges[i] = *x
		if x == r {
			st.Cur = i
		}
	}
	js, err := run.p.StateJSON(&st)
	if err != nil {
		return err
	}
	e := run.p.Emitter
	for i := range rows {
		row := &rows[i]
		t.rows++
		row.ev.Pos.Index = t.rows
		row.ev.Pos.State = js
		if err := e.Push(ctx, SnapRow{Ev: row.ev, Table: r.Table, FirstInTable: t.rows == 1,
			LastInTable: lastInTable && i == len(rows)-1, Size: row.size}); err != nil {
			return err
		}
	}
	if err := e.EndChunk(ctx); err != nil {
		return err
	}
	r.After = rows[len(rows)-1].key
	r.Rows += int64(len(rows))
	if !t.first {
		t.first = true
		run.cond.Broadcast()
	}
	if !run.gated {
		run.gated = true
		run.cond.Broadcast()
	}
	return nil
}
