package runtime

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// RowEstimator is a Source that can estimate how many rows tables hold
// (Postgres pg_class.reltuples, MySQL information_schema.TABLES.TABLE_ROWS).
// It is optional: a Source without it shows no estimates. The runtime asks
// once per run, off the loop's goroutine, for every table of the snapshot's
// plan still to read (one call, so a snapshot of thousands of tables costs
// one connection and query, not one per table), and once for a table
// outside the plan when its rows come. Tables are named as snapshot
// positions name them (Position.Table). A negative count, or a table left
// out, means the database does not know.
type RowEstimator interface {
	EstimateRows(ctx context.Context, tables []string) (map[string]int64, error)
}

// SnapshotPlanner is a Stream that tells which tables its snapshot reads, in
// reading order (nil when it runs none). It is optional: without it the
// progress lists the tables as their rows arrive.
type SnapshotPlanner interface {
	SnapshotTables() []string
}

// estimateTimeout bounds one EstimateRows call.
const estimateTimeout = 30 * time.Second

// The states of a snapshot and of its tables in a status body.
const (
	snapRunning   = "running"
	snapCompleted = "completed"
	snapAborted   = "aborted"

	tablePending = "pending"
	tableRunning = "running"
	tableDone    = "done"
)

// Progress is a connector's snapshot progress, kept across the runs of its
// task. The loop tells it what each committed batch read (so a crash shows
// what the checkpoint holds, never rows still in flight); the REST status
// and the metrics read it.
type Progress struct {
	connector string
	metrics   *Metrics

	mu  sync.Mutex
	run *snapRun // the last snapshot begun; nil before any
	// est is the running task's source, when it estimates rows.
	est RowEstimator
	// counted is each table's rows already added to the metric
	// sluice_snapshot_rows_scanned_total.
	counted map[string]int64
	wg      sync.WaitGroup // estimate calls in flight
}

// NewProgress returns the progress of connector; m may be nil.
func NewProgress(connector string, m *Metrics) *Progress {
	return &Progress{connector: connector, metrics: m, counted: map[string]int64{}}
}

// snapRun is one snapshot's progress, guarded by Progress.mu.
type snapRun struct {
	state          string
	started, ended time.Time
	tables         []*tableProgress // reading order
	byName         map[string]*tableProgress
	next           int // index in tables of the first table not begun
}

type tableProgress struct {
	name  string
	state string
	rows  int64
	known bool // rows is known (false: done in an earlier run)
	est   int64
	asked bool // the estimate was asked for
	estOK bool
}

// begin starts a run of the task that opened its stream after cp. A run
// whose stream reads a snapshot (a plan, or a snapshot checkpoint) starts a
// new snapRun; any other run keeps the last one for the status.
func (p *Progress) begin(ctx context.Context, cp *change.Position, stream Stream, src Source) {
	if p == nil {
		return
	}
	var plan []string
	if sp, ok := stream.(SnapshotPlanner); ok {
		plan = sp.SnapshotTables()
	}
	est, _ := src.(RowEstimator)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.est = est
	resume := cp != nil && cp.Snapshot
	if len(plan) == 0 && !resume {
		return
	}
	r := &snapRun{state: snapRunning, started: time.Now(), byName: map[string]*tableProgress{}}
	for _, name := range plan {
		r.add(name)
	}
	// The estimates of the tables still to read, in one call: on a resumed
	// run, those from the checkpoint's table on.
	ask := r.tables
	if resume && cp.Table != "" {
		if i := slices.Index(plan, cp.Table); i >= 0 {
			ask = r.tables[i:]
		}
	}
	p.estimate(ctx, ask)
	if !resume {
		clear(p.counted) // a new snapshot counts its rows again
	} else if cp.Table != "" {
		// Tables before the checkpoint's are done: their counts are not
		// in the checkpoint, but an earlier run of this process may know
		// them.
		t := r.add(cp.Table)
		for _, u := range r.tables {
			if u == t {
				break
			}
			u.state, u.rows, u.known = tableDone, 0, false
			if old := p.run.table(u.name); old != nil && old.state == tableDone && old.known {
				u.rows, u.known, u.est, u.estOK = old.rows, true, old.est, old.estOK
			}
		}
		p.startTable(ctx, r, t)
		t.rows, t.known = cp.Index, true
		p.count(t)
	}
	p.run = r
	p.publish()
}

// table returns the table named name; nil when r is nil or has none.
func (r *snapRun) table(name string) *tableProgress {
	if r == nil {
		return nil
	}
	return r.byName[name]
}

// add returns the table named name, appending it when it is new.
func (r *snapRun) add(name string) *tableProgress {
	if t := r.byName[name]; t != nil {
		return t
	}
	t := &tableProgress{name: name, state: tablePending, known: true}
	r.tables = append(r.tables, t)
	r.byName[name] = t
	return t
}

// startTable marks t running, the tables before it that had not begun done
// (tables with no rows send none), and asks for t's estimate (until ctx,
// the task run's, is done).
func (p *Progress) startTable(ctx context.Context, r *snapRun, t *tableProgress) {
	for r.next < len(r.tables) && r.tables[r.next] != t {
		if u := r.tables[r.next]; u.state == tablePending {
			u.state = tableDone
		}
		r.next++
	}
	if r.next < len(r.tables) {
		r.next++
	}
	t.state = tableRunning
	p.estimate(ctx, []*tableProgress{t})
}

// estimate asks the source, off the caller's goroutine, for the estimates
// of the tables not asked for yet (until ctx, the task run's, is done).
// Called with mu held.
func (p *Progress) estimate(ctx context.Context, tables []*tableProgress) {
	if p.est == nil {
		return
	}
	var ask []*tableProgress
	for _, t := range tables {
		if !t.asked {
			t.asked = true
			ask = append(ask, t)
		}
	}
	if len(ask) == 0 {
		return
	}
	names := make([]string, len(ask))
	for i, t := range ask {
		names[i] = t.name
	}
	est := p.est
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(ctx, estimateTimeout)
		defer cancel()
		got, err := est.EstimateRows(ctx, names)
		if err != nil {
			return // unknown: the status shows null
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, t := range ask {
			if n, ok := got[t.name]; ok && n >= 0 {
				t.est, t.estOK = n, true
				p.metrics.observeSnapshotEstimate(p.connector, t.name, n)
			}
		}
	}()
}

// committed applies a committed batch: b's table counts, then last, the
// position of its last event.
func (p *Progress) committed(ctx context.Context, b *snapBatch, last change.Position) {
	defer b.reset()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.run
	if r == nil || r.state != snapRunning {
		if b.table == "" && len(b.ended) == 0 {
			return
		}
		// Snapshot rows without a plan or checkpoint that announced them.
		r = &snapRun{state: snapRunning, started: time.Now(), byName: map[string]*tableProgress{}}
		p.run = r
	}
	for _, e := range b.ended {
		p.setRows(ctx, r, e.table, e.rows, !e.done)
	}
	if b.table != "" {
		p.setRows(ctx, r, b.table, b.rows, !b.done)
	}
	if b.lastRow || !last.Snapshot {
		p.completeLocked()
	}
	p.publish()
}

// setRows records table's committed row count; running says the batch
// ended inside it.
func (p *Progress) setRows(ctx context.Context, r *snapRun, table string, rows int64, running bool) {
	t := r.add(table)
	if t.state == tablePending {
		p.startTable(ctx, r, t)
	}
	t.rows, t.known = rows, true
	if running {
		// A parallel snapshot's tables interleave: one taken for done
		// (a later table began first) is running.
		t.state = tableRunning
	} else {
		t.state = tableDone
	}
	p.count(t)
}

// count adds t's new rows to the rows-scanned metric.
func (p *Progress) count(t *tableProgress) {
	if d := t.rows - p.counted[t.name]; d > 0 {
		p.metrics.observeSnapshotRows(p.connector, t.name, d)
		p.counted[t.name] = t.rows
	}
}

// complete marks the running snapshot completed (the source has nothing
// more to give).
func (p *Progress) complete() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.completeLocked()
	p.publish()
}

func (p *Progress) completeLocked() {
	r := p.run
	if r == nil || r.state != snapRunning {
		return
	}
	for _, t := range r.tables {
		if t.state != tableDone {
			t.state = tableDone // one never begun had no rows
		}
	}
	r.next = len(r.tables)
	r.state, r.ended = snapCompleted, time.Now()
}

// end is called when a run of the task ends: a snapshot still running is
// aborted. It waits for the estimates in flight.
func (p *Progress) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if r := p.run; r != nil && r.state == snapRunning {
		r.state, r.ended = snapAborted, time.Now()
		p.publish()
	}
	p.est = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// publish sets the snapshot gauges; called with mu held.
func (p *Progress) publish() {
	r := p.run
	if p.metrics == nil || r == nil {
		return
	}
	p.metrics.observeSnapshot(p.connector, r.state, len(r.tables), r.remaining(), r.duration(time.Now()))
}

func (r *snapRun) remaining() int {
	n := 0
	for _, t := range r.tables {
		if t.state != tableDone {
			n++
		}
	}
	return n
}

func (r *snapRun) duration(now time.Time) time.Duration {
	if r.state != snapRunning {
		return r.ended.Sub(r.started)
	}
	return now.Sub(r.started)
}

// Snapshot returns the progress for a status body; nil when no snapshot
// ran.
func (p *Progress) Snapshot() *rest.SnapshotProgress {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.run
	if r == nil {
		return nil
	}
	d := r.duration(time.Now())
	if r.state == snapRunning {
		p.metrics.observeSnapshot(p.connector, r.state, len(r.tables), r.remaining(), d)
	}
	s := &rest.SnapshotProgress{
		State:           r.state,
		DurationSeconds: d.Seconds(),
		TotalTables:     len(r.tables),
		RemainingTables: r.remaining(),
		Tables:          make([]rest.SnapshotTable, 0, len(r.tables)),
	}
	for _, t := range r.tables {
		st := rest.SnapshotTable{Table: t.name, State: t.state}
		if t.known {
			rows := t.rows
			st.RowsScanned = &rows
			s.RowsScanned += rows
		}
		if t.estOK {
			est := t.est
			st.RowsEstimated = &est
			s.RowsEstimated += est
		}
		s.Tables = append(s.Tables, st)
	}
	return s
}

// snapBatch is what the open batch read of a snapshot: the loop fills it
// per event without allocating, and hands it to Progress at commit.
type snapBatch struct {
	table string // the table of the batch's last snapshot row
	rows  int64  // its rows read so far (the position's Index)
	done  bool   // the batch holds table's last row
	// ended are the tables the batch read before table; a parallel
	// snapshot's tables interleave, so done says whether each ended.
	ended []tableRows
	// lastRow: the batch holds the snapshot's last row.
	lastRow bool
	// schema and idx cache where the source block keeps "snapshot".
	schema *change.Field
	idx    int
}

type tableRows struct {
	table string
	rows  int64
	done  bool
}

// saw notes a snapshot event of the batch.
func (b *snapBatch) saw(ev *change.Event) {
	if ev.Pos.Table == b.table && !ev.Pos.Last {
		b.rows = ev.Pos.Index
		return
	}
	b.sawSlow(ev)
}

func (b *snapBatch) sawSlow(ev *change.Event) {
	p := &ev.Pos
	if p.Table == "" {
		return // not a row (a schema-change record)
	}
	if p.Table != b.table {
		if b.table != "" {
			b.ended = append(b.ended, tableRows{b.table, b.rows, b.done})
		}
		b.table, b.done = p.Table, false
	}
	b.rows = p.Index
	// The last row of a table ends a chunk, and says
	// last_in_data_collection (the snapshot's last row: last) in its
	// source block's snapshot field, as Debezium's does.
	if p.Last && ev.SourceSchema != nil {
		if ev.SourceSchema != b.schema {
			b.schema, b.idx = ev.SourceSchema, -1
			for i := range ev.SourceSchema.Fields {
				if ev.SourceSchema.Fields[i].Name == "snapshot" {
					b.idx = i
				}
			}
		}
		if b.idx >= 0 && b.idx < len(ev.Source) {
			if s, ok := ev.Source[b.idx].(string); ok && (s == "last" || s == "last_in_data_collection") {
				b.lastRow = b.lastRow || s == "last"
				b.done = true
			}
		}
	}
}

func (b *snapBatch) reset() {
	b.table, b.rows, b.done, b.ended, b.lastRow = "", 0, false, b.ended[:0], false
}
