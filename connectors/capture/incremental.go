package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"

	"github.com/sluicecdc/sluice/connectors/change"
)

// DefaultChunkSize is incremental.snapshot.chunk.size's default, Debezium's.
const DefaultChunkSize = 1024

// IncTable is one table queued for an incremental snapshot, as an
// execute-snapshot signal asked for it.
type IncTable struct {
	ID        string `json:"id"`             // "schema.table" / "db.table"
	Cond      string `json:"cond,omitempty"` // additional-conditions filter
	Surrogate string `json:"sk,omitempty"`   // surrogate-key column
	Corr      string `json:"corr,omitempty"` // id of the signal that queued it
}

// IncState is an incremental snapshot's progress, carried in the
// Position.State of every event while one runs, so that a restart from any
// committed event goes on where that event left it (docs/capture-core.md
// section 3.3). It is kept small: keys, not rows.
type IncState struct {
	// Queue is the tables still to read; its head is the table being read.
	Queue []IncTable `json:"q"`
	// After is the key of the last row emitted from the head table (or the
	// last key of a chunk fully done); nil: from the table's first row.
	After []string `json:"after,omitempty"`
	// Max is the head table's greatest key when its reading began; rows
	// above it are left to the stream. nil: not read yet.
	Max []string `json:"max,omitempty"`
	// Paused stops new chunks from being read (pause-snapshot).
	Paused bool `json:"paused,omitempty"`
	// Signals is the next offset of the Kafka signal topic to read.
	Signals int64 `json:"sig,omitempty"`
	// Schema is the head table's column fingerprint when its reading began.
	Schema string `json:"fp,omitempty"`
}

// Running reports whether tables are queued.
func (s IncState) Running() bool { return len(s.Queue) > 0 }

// next drops the head table and the progress made in it.
func (s *IncState) next() {
	s.Queue = slices.Delete(slices.Clone(s.Queue), 0, 1)
	s.After, s.Max, s.Schema = nil, nil, ""
}

// Incremental runs incremental snapshots beside the stream: it reads the
// head table of its queue one chunk at a time through a View and decides,
// from the stream items that pass, when the chunk's rows are emitted and
// which of them a streamed change makes stale (docs/capture-core.md
// section 3.2). It never drops a stream item and compares keys only for
// equality. The producer goroutine owns it: it calls Step between source
// transactions and Observe before it sends each stream item.
type Incremental struct {
	// ChunkSize is incremental.snapshot.chunk.size (0: DefaultChunkSize).
	ChunkSize int
	// Log receives lifecycle lines (nil: none).
	Log *slog.Logger

	state IncState
	win   *window
	enc   json.RawMessage // state encoded; nil when it changed since
	// lastTx and nextIndex number the rows of windows that share a
	// watermark (an idle database gives each new view the same point), so
	// that no two emitted rows share a position.
	lastTx    uint64
	nextIndex int64
	// schemaWait: the last read waited for a column change (incschema.go).
	schemaWait bool
}

// window is one chunk read at a watermark, waiting for the stream to reach
// it.
type window struct {
	mark  Watermark
	table change.TableID
	rows  []winRow
	at    map[string]int // key -> index in rows
	left  int            // rows not removed
	end   []string       // last key the chunk read
	done  bool           // the chunk ended the table
}

type winRow struct {
	ev   *change.Event
	key  []string
	size int
	gone bool // a streamed change made it stale
}

// Emitted is a snapshot row Observe gives back to send before the item.
type Emitted struct {
	Ev   *change.Event
	Size int
}

// NewIncremental returns an engine that goes on from state (the IncState of
// the checkpoint; the zero value when none runs).
func NewIncremental(state IncState, chunk int, log *slog.Logger) *Incremental {
	return &Incremental{ChunkSize: chunk, Log: log, state: state}
}

// ResumeAfter tells the engine the checkpoint it restarts from, so that
// rows it emits at the same watermark as the checkpoint's row sort after
// it (the runtime would skip them as already written).
func (e *Incremental) ResumeAfter(cp change.Position) {
	e.lastTx, e.nextIndex = cp.Tx, cp.Index+1
}

// State returns the engine's state as of the last item observed: what the
// next stream event's checkpoint carries.
func (e *Incremental) State() IncState { return e.state }

// StateJSON is State encoded, cached until the state changes.
func (e *Incremental) StateJSON() json.RawMessage {
	if e.enc == nil {
		e.enc, _ = json.Marshal(e.state) // plain strings and numbers: cannot fail
	}
	return e.enc
}

// WindowOpen reports whether a chunk waits for the stream.
func (e *Incremental) WindowOpen() bool { return e.win != nil }

func (e *Incremental) changed() { e.enc = nil }

func (e *Incremental) chunk() int {
	if e.ChunkSize > 0 {
		return e.ChunkSize
	}
	return DefaultChunkSize
}

func (e *Incremental) logInfo(msg string, args ...any) {
	if e.Log != nil {
		e.Log.Info(msg, args...)
	}
}

// Add queues tables (execute-snapshot).
func (e *Incremental) Add(tables ...IncTable) {
	if len(tables) == 0 {
		return
	}
	e.state.Queue = append(slices.Clone(e.state.Queue), tables...)
	e.changed()
	e.logInfo("incremental snapshot queued", "tables", len(tables), "queued", len(e.state.Queue))
}

// Pause stops reading new chunks (pause-snapshot); a chunk already read is
// still emitted when the stream reaches it.
func (e *Incremental) Pause() {
	if !e.state.Paused {
		e.state.Paused = true
		e.changed()
		e.logInfo("incremental snapshot paused")
	}
}

// Resume lets chunks be read again (resume-snapshot).
func (e *Incremental) Resume() {
	if e.state.Paused {
		e.state.Paused = false
		e.changed()
		e.logInfo("incremental snapshot resumed")
	}
}

// Stop removes the given tables from the queue, or every table when ids is
// empty (stop-snapshot). Stopping the head table drops its open chunk
// unsent.
func (e *Incremental) Stop(ids ...string) {
	if !e.state.Running() {
		return
	}
	var q []IncTable
	if len(ids) > 0 {
		for _, t := range e.state.Queue {
			if !slices.Contains(ids, t.ID) {
				q = append(q, t)
			}
		}
	}
	if len(ids) == 0 || slices.Contains(ids, e.state.Queue[0].ID) {
		e.win = nil
		e.state.After, e.state.Max, e.state.Schema = nil, nil, ""
	}
	e.state.Queue = q
	e.changed()
	e.logInfo("incremental snapshot stopped", "tables", ids, "queued", len(q))
}

// Step reads the next chunk when none is open, the snapshot runs and is
// not paused: open gives a View, which Step closes before it returns. A
// table that no longer exists or has no row left is finished at once. Call
// it between source transactions.
func (e *Incremental) Step(ctx context.Context, open func(context.Context) (View, error)) error {
	if e.win != nil || e.state.Paused || !e.state.Running() {
		return nil
	}
	v, err := open(ctx)
	if err != nil {
		return fmt.Errorf("incremental snapshot: open a read view: %w", err)
	}
	err = e.read(ctx, v)
	if cerr := v.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("incremental snapshot: close the read view: %w", cerr)
	}
	if err != nil {
		e.win = nil
	}
	return err
}

// read fills the window from v: the head table's next chunk, or, when that
// table is done, the next table's first.
func (e *Incremental) read(ctx context.Context, v View) error {
	for e.state.Running() {
		head := e.state.Queue[0]
		id, err := ParseTableID(head.ID)
		if err != nil {
			e.endTable("incremental snapshot: skipping a table whose name does not parse", "error", err)
			continue
		}
		t, err := v.Table(ctx, id, head.Surrogate)
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: %w", head.ID, err)
		}
		if t == nil { // dropped, or no longer captured: Debezium warns and skips it too
			if e.Log != nil {
				e.Log.Warn("incremental snapshot: table not found; skipped", "table", head.ID)
			}
			e.state.next()
			e.changed()
			continue
		}
		if e.state.Max == nil {
			max, err := v.MaxKey(ctx, t, head.Cond)
			if err != nil {
				return fmt.Errorf("incremental snapshot of %s: read the maximum key: %w", head.ID, err)
			}
			if max == nil {
				e.endTable("incremental snapshot: table has no row to read")
				continue
			}
			e.state.Max = max
			e.changed()
			e.logInfo("incremental snapshot of table started", "table", head.ID, "max_key", max)
		}
		if e.state.After != nil && len(e.state.After) != len(t.Key) {
			return fmt.Errorf("incremental snapshot of %s: the checkpoint's key has %d columns, the table's key %d", head.ID, len(e.state.After), len(t.Key))
		}
		w := &window{mark: v.At(), table: id, at: map[string]int{}}
		if w.mark.Point == nil || (!w.mark.Exact && w.mark.Visible == nil) {
			return errors.New("incremental snapshot: the read view has no usable watermark")
		}
		limit := e.chunk()
		n, err := v.Scan(ctx, t, head.Cond, e.state.After, e.state.Max, limit, func(ev *change.Event, key []string, size int) error {
			w.end = key
			if ev != nil {
				w.at[keyOf(key)] = len(w.rows)
				w.rows = append(w.rows, winRow{ev: ev, key: key, size: size})
			}
			return nil
		})
		if errors.Is(err, ErrSchemaPending) {
			if !e.schemaWait {
				e.logInfo("incremental snapshot: waiting for the stream to read the table's column change", "table", head.ID)
			}
			e.schemaWait = true
			return nil // no window: the next Step reads again (incschema.go)
		}
		e.schemaWait = false
		if err != nil {
			return fmt.Errorf("incremental snapshot of %s: read a chunk: %w", head.ID, err)
		}
		if n == 0 {
			e.endTable("incremental snapshot of table done")
			continue
		}
		w.left = len(w.rows)
		w.done = n < limit || slices.Equal(w.end, e.state.Max)
		e.win = w
		return nil
	}
	return nil
}

// endTable logs msg about the head table and moves to the next table.
func (e *Incremental) endTable(msg string, args ...any) {
	e.logInfo(msg, append([]any{"table", e.state.Queue[0].ID}, args...)...)
	e.state.next()
	e.changed()
}

// Observe is called with every stream item, in stream order, before the
// item is sent. When the item is past the open chunk's watermark it closes
// the chunk and returns its rows still valid, to be sent before the item;
// while the chunk waits, a change the view did not see removes its key (or,
// when its key is not known, drops the chunk to be read again).
// Without an open chunk it does nothing, so a source builds items only
// while WindowOpen reports true and the stream pays nothing otherwise.
func (e *Incremental) Observe(it *StreamItem) []Emitted {
	w := e.win
	if w == nil {
		return nil
	}
	if it.At != nil && it.At.Order() >= w.mark.Point.Order() {
		return e.close()
	}
	if w.mark.Exact || it.Key == nil && !it.Whole || it.Table != w.table || w.mark.Visible(it.Tx) {
		return nil
	}
	if it.Whole { // which rows it changed is not known: read the chunk again
		e.win = nil
		e.logInfo("incremental snapshot: a change the chunk's read did not see may touch any of its rows; the chunk is read again", "table", it.Table.String())
		return nil
	}
	if i, ok := w.at[keyOf(it.Key)]; ok && !w.rows[i].gone {
		w.rows[i].gone = true
		w.rows[i].ev = nil
		w.left--
	}
	return nil
}

// close emits the open chunk: each row gets a Position between the stream
// positions before and after the watermark (Tx = Point-1, Index = its
// place among the rows emitted at that Tx, Last on the chunk's last) and
// the state as it stands once it is sent.
func (e *Incremental) close() []Emitted {
	w := e.win
	e.win = nil
	out := make([]Emitted, 0, w.left)
	tx := w.mark.Point.Order() - 1
	if tx != e.lastTx {
		e.lastTx, e.nextIndex = tx, 0
	}
	for i := range w.rows {
		r := &w.rows[i]
		if r.gone {
			continue
		}
		e.state.After = r.key
		if len(out) == w.left-1 {
			e.finishChunk(w)
		}
		e.changed()
		r.ev.Op = change.OpRead
		r.ev.Pos = change.Position{Tx: tx, Index: e.nextIndex, Last: len(out) == w.left-1, State: e.StateJSON()}
		e.nextIndex++
		out = append(out, Emitted{Ev: r.ev, Size: r.size})
	}
	if w.left == 0 {
		e.finishChunk(w)
		e.changed()
	}
	return out
}

// finishChunk moves the state past the whole chunk: after its last key,
// or to the next table when it was the table's last.
func (e *Incremental) finishChunk(w *window) {
	e.state.After = w.end
	if w.done {
		e.endTable("incremental snapshot of table done")
	}
}

// keyOf is a key's map form: each value length-prefixed, so no two keys
// share one.
func keyOf(k []string) string {
	var b []byte
	for _, s := range k {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b)
}

// ParseTableID splits "namespace.name" at its first dot.
func ParseTableID(s string) (change.TableID, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			if i == 0 || i == len(s)-1 {
				break
			}
			return change.TableID{Namespace: s[:i], Name: s[i+1:]}, nil
		}
	}
	return change.TableID{}, fmt.Errorf("table %q: want namespace.table", s)
}
