package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
)

// BlockState is a blocking snapshot's progress, carried in the
// Position.State of each of its rows (and of the stream's positions from
// the signal that asked for it until its first row), so that a restart from
// any committed event goes on where that event left it
// (docs/capture-core.md, "Built in step 11").
type BlockState struct {
	// Queue is the tables still to read; its head is the table being read.
	Queue []IncTable `json:"q"`
	// After is the key of the last row read from the head table; nil: from
	// its first row.
	After []string `json:"after,omitempty"`
	// Rows counts the rows emitted from the head table.
	Rows int64 `json:"rows,omitempty"`
	// Started is set once a row was emitted: a resumed snapshot's first
	// row is not marked "first" again.
	Started bool `json:"started,omitempty"`
}

// Running reports whether tables are queued.
func (s BlockState) Running() bool { return len(s.Queue) > 0 }

// Blocking runs blocking snapshots: the stream stops, the named tables are
// read whole, and the stream goes on. Instead of reading at the point where
// the stream stopped (which no database can give once writes went on), it
// opens one View, lets the stream run up to the view's watermark, and stops
// it there: every change committed before the watermark is emitted before
// the rows read, every later one after them, so no change is dropped and no
// row is older than a change emitted before it. With a Visibility
// watermark, a row that a transaction invisible to the view but committed
// before the watermark changed is left out of the read (Observe notes its
// key while the stream runs up to the watermark): the stream emitted its
// newer state already.
//
// A crash in the middle resumes from the last row committed: a new view is
// opened, the stream runs from there up to its watermark, and the head
// table is read on after the last key emitted. The producer goroutine owns
// the engine: Open and Run between transactions, Observe with stream items.
type Blocking struct {
	// ChunkSize is the number of rows one read takes (0: DefaultChunkSize).
	ChunkSize int
	// SnapshotIdx is the index of source.snapshot in the rows' source
	// blocks, where the snapshot markers (first, last, ...) go.
	SnapshotIdx int
	// Skip reports whether an error reading a table is about the table
	// (no key, a condition the database rejects) rather than the
	// database: such a table is skipped with a warning, as Debezium skips
	// a table it cannot snapshot. nil: every error stops the stream.
	Skip func(error) bool
	// Log receives lifecycle lines (nil: none).
	Log *slog.Logger

	state   BlockState
	enc     json.RawMessage // state encoded; nil when it changed since
	view    View
	mark    Watermark
	tables  map[change.TableID]bool // the queued tables, while the view waits
	touched map[string]struct{}     // rows a change invisible to the view touched
	lastTx  uint64
	next    int64
}

// NewBlocking returns an engine that goes on from state (the BlockState of
// the checkpoint; the zero value when none runs).
func NewBlocking(state BlockState, chunk, snapshotIdx int, log *slog.Logger) *Blocking {
	return &Blocking{ChunkSize: chunk, SnapshotIdx: snapshotIdx, Log: log, state: state}
}

// ResumeAfter tells the engine the checkpoint it restarts from, so that
// rows it emits at the checkpoint's Tx sort after it.
func (b *Blocking) ResumeAfter(cp change.Position) { b.lastTx, b.next = cp.Tx, cp.Index+1 }

// State returns the engine's state.
func (b *Blocking) State() BlockState { return b.state }

// StateJSON is State encoded, cached until the state changes.
func (b *Blocking) StateJSON() json.RawMessage {
	if b.enc == nil {
		b.enc, _ = json.Marshal(b.state) // plain strings and numbers: cannot fail
	}
	return b.enc
}

// Running reports whether a blocking snapshot is queued or being taken.
func (b *Blocking) Running() bool { return b.state.Running() }

// Waiting reports whether a view is open and the stream runs up to its
// watermark: the source then shows Observe its items.
func (b *Blocking) Waiting() bool { return b.view != nil }

// Exact reports whether the open view's watermark is exact (no change
// needs observing for its key).
func (b *Blocking) Exact() bool { return b.view != nil && b.mark.Exact }

func (b *Blocking) logInfo(msg string, args ...any) {
	if b.Log != nil {
		b.Log.Info(msg, args...)
	}
}

// Add queues tables (an execute-snapshot signal of type blocking); a table
// already queued is not queued again.
func (b *Blocking) Add(tables ...IncTable) {
	if !b.state.Running() {
		b.state = BlockState{} // a new snapshot: its first row is "first"
	}
	n := 0
	for _, t := range tables {
		if slices.ContainsFunc(b.state.Queue, func(q IncTable) bool { return q.ID == t.ID }) {
			continue
		}
		b.state.Queue = append(slices.Clone(b.state.Queue), t)
		n++
	}
	if n > 0 {
		b.enc = nil
		b.logInfo("blocking snapshot queued", "tables", n, "queued", len(b.state.Queue))
	}
}

// Open opens the view the snapshot reads through, when one runs and none
// is open. From then on the stream runs up to the view's watermark.
func (b *Blocking) Open(ctx context.Context, open func(context.Context) (View, error)) error {
	if b.view != nil || !b.state.Running() {
		return nil
	}
	v, err := open(ctx)
	if err != nil {
		return fmt.Errorf("blocking snapshot: open a read view: %w", err)
	}
	m := v.At()
	if m.Point == nil || (!m.Exact && m.Visible == nil) {
		v.Close()
		return fmt.Errorf("blocking snapshot: the read view has no usable watermark")
	}
	b.view, b.mark = v, m
	b.tables, b.touched = map[change.TableID]bool{}, map[string]struct{}{}
	for _, t := range b.state.Queue {
		if id, err := ParseTableID(t.ID); err == nil {
			b.tables[id] = true
		}
	}
	b.logInfo("blocking snapshot: the stream runs up to the read view", "tables", ids(b.state.Queue), "after_key", b.state.After)
	return nil
}

// Observe is called with every stream item, in stream order, while a view
// waits. It reports true when the item is at or past the view's watermark:
// the stream must stop before it and Run. Before that, a change to a queued
// table that the view does not see marks its row as left out of the read.
func (b *Blocking) Observe(it *StreamItem) bool {
	if b.view == nil {
		return false
	}
	if it.At != nil && it.At.Order() >= b.mark.Point.Order() {
		return true
	}
	if b.mark.Exact || it.Key == nil || !b.tables[it.Table] || b.mark.Visible(it.Tx) {
		return false
	}
	b.touched[touchID(it.Table, it.Key)] = struct{}{}
	return false
}

// touchID is a row's key in the touched set.
func touchID(t change.TableID, key []string) string {
	return t.Namespace + "." + t.Name + "\x00" + keyOf(key)
}

// Run reads the queued tables through the open view, key chunk by key
// chunk, and hands their rows to send as op r with Debezium's snapshot
// markers, at positions Tx = watermark-1 (between the stream's positions
// before and after the watermark), each carrying the state as it stands
// once the row is sent; the snapshot's last row carries a nil State (the
// snapshot is done). It closes the view.
func (b *Blocking) Run(ctx context.Context, send func(ev *change.Event, size int) error) error {
	v := b.view
	if v == nil {
		return nil
	}
	defer func() {
		b.view, b.tables, b.touched = nil, nil, nil
	}()
	err := b.read(ctx, v, send)
	if cerr := v.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("blocking snapshot: close the read view: %w", cerr)
	}
	return err
}

func (b *Blocking) read(ctx context.Context, v View, send func(ev *change.Event, size int) error) error {
	tx := b.mark.Point.Order() - 1
	if tx != b.lastTx {
		// Index 0 stays free for a heartbeat or a signal's position, which
		// sources put at the same Tx when the watermark is where the stream
		// stands.
		b.lastTx, b.next = tx, 1
	}
	em := &Emitter{SnapshotIdx: b.SnapshotIdx, Fresh: !b.state.Started, Send: func(_ context.Context, ev *change.Event, size int) error {
		if s, _ := ev.Source[b.SnapshotIdx].(string); s == "last" {
			ev.Pos.State = nil // the snapshot is done
		}
		return send(ev, size)
	}}
	limit := b.ChunkSize
	if limit <= 0 {
		limit = DefaultChunkSize
	}
	for ti := 0; b.state.Running(); ti++ {
		head := b.state.Queue[0]
		id, t, err := b.headTable(ctx, v)
		if err != nil {
			return err
		}
		if t == nil {
			continue // skipped
		}
		if b.state.After != nil && len(b.state.After) != len(t.Key) {
			b.logInfo("blocking snapshot: the table's key changed; reading it from its start", "table", head.ID)
			b.state.After, b.state.Rows = nil, 0
		}
		b.logInfo("blocking snapshot of table started", "table", head.ID, "after_key", b.state.After)
		for {
			pushed := false
			n, err := v.Scan(ctx, t, head.Cond, b.state.After, nil, limit, func(ev *change.Event, key []string, size int) error {
				b.state.After = key
				b.enc = nil
				if ev == nil {
					return nil
				}
				if _, ok := b.touched[touchID(id, key)]; ok {
					return nil // a change the view did not see was emitted already
				}
				b.state.Rows++
				b.state.Started = true
				ev.Op = change.OpRead
				ev.Pos = change.Position{Tx: tx, Index: b.next, State: b.StateJSON()}
				b.next++
				pushed = true
				return em.Push(ctx, SnapRow{Ev: ev, Table: ti, FirstInTable: b.state.Rows == 1, Size: size})
			})
			if err != nil && b.Skip != nil && b.Skip(err) && b.state.Rows == 0 {
				b.endTable("blocking snapshot: table cannot be read; skipped", "err", err)
				break
			}
			if err != nil {
				return fmt.Errorf("blocking snapshot of %s: read a chunk: %w", head.ID, err)
			}
			if pushed {
				if err := em.EndChunk(ctx); err != nil { // a batch may commit here
					return err
				}
			}
			if b.Log != nil {
				b.Log.Debug("blocking snapshot chunk read", "table", head.ID, "rows", b.state.Rows, "after_key", b.state.After)
			}
			if n < limit {
				b.endTable("blocking snapshot of table done", "rows", b.state.Rows)
				break
			}
		}
	}
	if err := em.Finish(ctx); err != nil {
		return err
	}
	b.logInfo("blocking snapshot done; streaming goes on")
	return nil
}

// headTable describes the head table through v. A table it cannot read is
// skipped (nil): a name that does not parse, a table gone, or one the view
// refuses when Skip says so.
func (b *Blocking) headTable(ctx context.Context, v View) (change.TableID, *Table, error) {
	head := b.state.Queue[0]
	id, err := ParseTableID(head.ID)
	if err != nil {
		b.endTable("blocking snapshot: skipping a table whose name does not parse", "error", err)
		return id, nil, nil
	}
	t, err := v.Table(ctx, id, head.Surrogate)
	switch {
	case err != nil && b.Skip != nil && b.Skip(err):
		b.endTable("blocking snapshot: table cannot be read; skipped", "err", err)
	case err != nil:
		return id, nil, fmt.Errorf("blocking snapshot of %s: %w", head.ID, err)
	case t == nil:
		b.endTable("blocking snapshot: table not found; skipped")
	}
	return id, t, nil
}

// endTable logs msg about the head table and moves to the next table.
func (b *Blocking) endTable(msg string, args ...any) {
	b.logInfo(msg, append([]any{"table", b.state.Queue[0].ID}, args...)...)
	b.state.Queue = slices.Delete(slices.Clone(b.state.Queue), 0, 1)
	b.state.After, b.state.Rows = nil, 0
	b.enc = nil
}

// RegisterBlocking makes d queue the tables of an execute-snapshot signal of
// type blocking in b, matching its data-collections against the names
// tables returns (the captured tables, "namespace.name"), each with the
// first additional condition that matches it. Other execute-snapshot
// signals go to the action registered before (RegisterSnapshots), which
// refuses blocking ones.
func (d *Dispatcher) RegisterBlocking(b *Blocking, tables func() []string) {
	prev := d.actions[ExecuteSnapshotType]
	d.Register(ExecuteSnapshotType, func(s Signal, log *slog.Logger) error {
		r, err := ParseExecuteSnapshot(s)
		if err == nil && r.Type != SnapshotBlocking && prev != nil {
			return prev(s, log)
		}
		if err != nil {
			return err
		}
		ts := r.Tables(tables())
		log.Info("blocking snapshot requested", "signal_id", s.ID, "data_collections", patterns(r.Collections),
			"tables", ids(ts), "channel", s.Channel)
		if len(ts) == 0 {
			log.Warn("execute-snapshot signal matches no captured table; nothing is queued", "signal", s)
			return nil
		}
		b.Add(ts...)
		return nil
	})
}

// BlockingOffset adds to o, the Debezium view of a position, the keys
// Debezium's offsets have while a blocking snapshot runs (snapshot BLOCKING,
// snapshot_completed false, and on Postgres, pg, last_snapshot_record
// false), when state (the position's State) holds one that has sent rows;
// sluice's place in it goes under "sluice.blocking.table" and
// "sluice.blocking.key".
func BlockingOffset(o map[string]any, state []byte, pg bool) {
	if len(state) == 0 {
		return
	}
	var s struct {
		Blk *BlockState `json:"blk"`
	}
	if json.Unmarshal(state, &s) != nil || s.Blk == nil || !s.Blk.Running() || !s.Blk.Started {
		return
	}
	o["snapshot"], o["snapshot_completed"] = "BLOCKING", false
	if pg {
		o["last_snapshot_record"] = false
	}
	o["sluice.blocking.table"] = s.Blk.Queue[0].ID
	if s.Blk.After != nil {
		o["sluice.blocking.key"] = s.Blk.After
	}
}
