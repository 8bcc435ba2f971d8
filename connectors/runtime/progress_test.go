package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/sinks"
)

// slowSink is a memSink whose commits take 20 ms.
type slowSink struct{ *memSink }

func (s slowSink) Commit(ctx context.Context, cp []byte) error {
	time.Sleep(20 * time.Millisecond)
	return s.memSink.Commit(ctx, cp)
}

// slowTask is newTask with a slowSink.
func slowTask(src Source, sink *memSink, b Batching) *Task {
	task := newTask(src, sink, b)
	task.NewSink = func(context.Context) (sinks.Sink, error) { return slowSink{sink}, nil }
	return task
}

var snapSourceSchema = &change.Field{Type: change.Struct, Fields: []change.Field{
	{Name: "name", Type: change.String}, {Name: "snapshot", Type: change.String},
}}

// snapRows returns a snapshot's events: rows of each table in turn (one
// chunk per table), the last row marked "last" as the sources mark it, then
// one streamed change.
func snapRows(tables []string, rows []int) []*change.Event {
	var evs []*change.Event
	total := 0
	for _, n := range rows {
		total += n
	}
	seen := 0
	for ti, name := range tables {
		for i := 1; i <= rows[ti]; i++ {
			seen++
			marker := "true"
			switch {
			case seen == total:
				marker = "last"
			case i == rows[ti]:
				marker = "last_in_data_collection"
			}
			evs = append(evs, &change.Event{
				Op: change.OpRead, Table: testTable, After: change.Row{int32(seen)},
				Source: change.StructValue{"x", marker}, SourceSchema: snapSourceSchema,
				Pos: change.Position{Snapshot: true, Table: name, Index: int64(i), Last: i == rows[ti]},
			})
		}
	}
	return append(evs, &change.Event{
		Op: change.OpCreate, Table: testTable, After: change.Row{int32(0)},
		Source: change.StructValue{"x", "false"}, SourceSchema: snapSourceSchema,
		Pos: change.Position{Tx: 7, Last: true},
	})
}

// snapSource replays events after the checkpoint it is opened with; its
// stream plans tables and it estimates rows from est (absent: unknown).
type snapSource struct {
	events []*change.Event
	plan   []string
	est    map[string]int64
	eof    bool // io.EOF after the last event

	mu    sync.Mutex
	asked []string
}

func (s *snapSource) Open(_ context.Context, cp *change.Position) (Stream, error) {
	next := 0
	if cp != nil {
		for i, ev := range s.events {
			if samePos(ev.Pos, *cp) {
				next = i + 1
			}
		}
	}
	return &snapStream{src: s, next: next}, nil
}

func (s *snapSource) EstimateRows(_ context.Context, tables []string) (map[string]int64, error) {
	s.mu.Lock()
	s.asked = append(s.asked, fmt.Sprint(tables))
	s.mu.Unlock()
	out := map[string]int64{}
	for _, t := range tables {
		if n, ok := s.est[t]; ok {
			out[t] = n
		}
	}
	return out, nil
}

type snapStream struct {
	src  *snapSource
	next int
}

func (st *snapStream) SnapshotTables() []string { return st.src.plan }

func (st *snapStream) Next(ctx context.Context) (*change.Event, error) {
	if st.next >= len(st.src.events) {
		if st.src.eof {
			return nil, io.EOF
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	ev := *st.src.events[st.next]
	st.next++
	return &ev, nil
}

func (st *snapStream) Ack(change.Position) error { return nil }
func (st *snapStream) Close() error              { return nil }

// tableView is a SnapshotTable with its pointers read, for comparisons.
type tableView struct {
	table, state string
	rows, est    int64 // -1: null
}

func viewTables(s *rest.SnapshotProgress) []tableView {
	var v []tableView
	for _, t := range s.Tables {
		tv := tableView{table: t.Table, state: t.State, rows: -1, est: -1}
		if t.RowsScanned != nil {
			tv.rows = *t.RowsScanned
		}
		if t.RowsEstimated != nil {
			tv.est = *t.RowsEstimated
		}
		v = append(v, tv)
	}
	return v
}

func TestSnapshotProgressCountsCommittedRowsAcrossACrash(t *testing.T) {
	plan := []string{"s.a", "s.empty", "s.c"}
	src := &snapSource{events: snapRows([]string{"s.a", "s.c"}, []int{3, 4}), plan: plan, est: map[string]int64{"s.a": 3, "s.c": 5}}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	prog := NewProgress("t1", m)
	// Batches of 2 events ([a1 a2] [a3 c1] [c2 c3]; a commit takes longer
	// than the events take to come, so a table's end does not end a
	// batch): the third commit fails.
	sink := &memSink{failCommit: 3}
	task := slowTask(src, sink, Batching{MaxEvents: 2, Linger: time.Hour})
	task.Progress, task.Metrics = prog, m
	if err := runFor(t, task, 2*time.Second); err == nil || err.Error() != "commit refused" {
		t.Fatalf("Run = %v, want the commit error", err)
	}
	s := prog.Snapshot()
	if s == nil || s.State != snapAborted {
		t.Fatalf("after the failed commit: %+v, want an aborted snapshot", s)
	}
	want := []tableView{{"s.a", tableDone, 3, 3}, {"s.empty", tableDone, 0, -1}, {"s.c", tableRunning, 1, 5}}
	if got := viewTables(s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tables after the failed commit:\n got %v\nwant %v", got, want)
	}
	if s.RowsScanned != 4 || s.TotalTables != 3 || s.RemainingTables != 1 {
		t.Errorf("totals = rows %d, tables %d, remaining %d; want 4, 3, 1", s.RowsScanned, s.TotalTables, s.RemainingTables)
	}
	for metric, want := range map[string]float64{"sluice_snapshot_running": 0, "sluice_snapshot_aborted": 1, "sluice_snapshot_completed": 0, "sluice_snapshot_tables_total": 3} {
		if got := metricValue(t, reg, metric, ""); got != want {
			t.Errorf("%s after the abort = %v, want %v", metric, got, want)
		}
	}

	// The next run resumes from the checkpoint (c1) and ends the snapshot.
	sink.failCommit = 0
	task = slowTask(src, sink, Batching{MaxEvents: 2, Linger: time.Hour})
	task.Progress, task.Metrics = prog, m
	if err := runFor(t, task, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s = prog.Snapshot()
	want = []tableView{{"s.a", tableDone, 3, 3}, {"s.empty", tableDone, 0, -1}, {"s.c", tableDone, 4, 5}}
	if got := viewTables(s); s.State != snapCompleted || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the resumed run: state %s, tables\n got %v\nwant %v", s.State, got, want)
	}
	if s.RowsScanned != 7 || s.RowsEstimated != 8 || s.RemainingTables != 0 {
		t.Errorf("totals = rows %d, estimated %d, remaining %d; want 7, 8, 0", s.RowsScanned, s.RowsEstimated, s.RemainingTables)
	}
	for metric, want := range map[string]float64{"sluice_snapshot_running": 0, "sluice_snapshot_aborted": 0, "sluice_snapshot_completed": 1} {
		if got := metricValue(t, reg, metric, ""); got != want {
			t.Errorf("%s after the resumed run = %v, want %v", metric, got, want)
		}
	}
	// The counter counts each committed row once, the crash's lost batch
	// not at all.
	for table, want := range map[string]float64{"s.a": 3, "s.c": 4} {
		if got := metricValue(t, reg, "sluice_snapshot_rows_scanned_total", table); got != want {
			t.Errorf("sluice_snapshot_rows_scanned_total{table=%s} = %v, want %v", table, got, want)
		}
	}
	if got := metricValue(t, reg, "sluice_snapshot_rows_estimated", "s.c"); got != 5 {
		t.Errorf("sluice_snapshot_rows_estimated{table=s.c} = %v, want 5", got)
	}
	if got := metricValue(t, reg, "sluice_snapshot_tables_remaining", ""); got != 0 {
		t.Errorf("sluice_snapshot_tables_remaining = %v, want 0", got)
	}
	// Estimates are asked once per run, in one call for the tables still
	// to read: every table of the plan, then those from the checkpoint's.
	src.mu.Lock()
	defer src.mu.Unlock()
	if fmt.Sprint(src.asked) != "[[s.a s.empty s.c] [s.c]]" {
		t.Errorf("estimates asked for %v, want [[s.a s.empty s.c] [s.c]] (s.c again by the resumed run)", src.asked)
	}
}

func TestSnapshotProgressAfterAProcessRestart(t *testing.T) {
	// A new Progress (a new process) resuming from a checkpoint in s.c
	// knows s.c's count from the checkpoint and not s.a's.
	prog := NewProgress("t1", nil)
	cp := change.Position{Snapshot: true, Table: "s.c", Index: 2, Last: true}
	prog.begin(context.Background(), &cp, &snapStream{src: &snapSource{plan: []string{"s.a", "s.c", "s.d"}}}, nil)
	s := prog.Snapshot()
	want := []tableView{{"s.a", tableDone, -1, -1}, {"s.c", tableRunning, 2, -1}, {"s.d", tablePending, 0, -1}}
	if got := viewTables(s); s.State != snapRunning || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("state %s, tables\n got %v\nwant %v", s.State, got, want)
	}
	if s.RemainingTables != 2 || s.RowsScanned != 2 {
		t.Errorf("remaining %d, rows %d; want 2, 2", s.RemainingTables, s.RowsScanned)
	}
	b, err := json.Marshal(s.Tables[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"table":"s.a","state":"done","rows_scanned":null,"rows_estimated":null}` {
		t.Errorf("a table done before the restart = %s", b)
	}
}

func TestSnapshotProgressAbsentWithoutSnapshot(t *testing.T) {
	src := &scriptedSource{events: positions(5), failAt: -1, endEOF: true}
	sink := &memSink{src: src}
	task := newTask(src, sink, Batching{MaxEvents: 2, Linger: time.Hour})
	task.Progress = NewProgress("t1", nil)
	if err := runFor(t, task, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if s := task.Progress.Snapshot(); s != nil {
		t.Fatalf("a streaming-only run shows a snapshot: %+v", s)
	}
	b, err := json.Marshal(rest.TaskState{ID: 0, Snapshot: task.Progress.Snapshot()})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"id":0,"state":"","worker_id":""}` {
		t.Errorf("status task = %s, want no snapshot key", b)
	}
}

func TestSnapshotProgressInitialOnlyCompletesAtEOF(t *testing.T) {
	// An initial_only snapshot ends with io.EOF, and (here) no row marked
	// "last" (the marker is not relied on alone).
	evs := snapRows([]string{"s.a"}, []int{3})
	evs = evs[:len(evs)-1]
	evs[len(evs)-1].Source = change.StructValue{"x", "true"}
	src := &snapSource{events: evs, plan: []string{"s.a", "s.b"}, eof: true}
	task := newTask(src, &memSink{}, Batching{MaxEvents: 100, Linger: time.Hour})
	task.Progress = NewProgress("t1", nil)
	if err := runFor(t, task, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s := task.Progress.Snapshot()
	want := []tableView{{"s.a", tableDone, 3, -1}, {"s.b", tableDone, 0, -1}}
	if got := viewTables(s); s.State != snapCompleted || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("state %s, tables\n got %v\nwant %v", s.State, got, want)
	}
}

func TestSnapBatch(t *testing.T) {
	row := func(table string, i int64, last bool, marker string) *change.Event {
		return &change.Event{Source: change.StructValue{"x", marker}, SourceSchema: snapSourceSchema,
			Pos: change.Position{Snapshot: true, Table: table, Index: i, Last: last}}
	}
	for _, tc := range []struct {
		name    string
		evs     []*change.Event
		table   string
		rows    int64
		ended   string
		lastRow bool
		done    bool // the batch holds table's last row
	}{
		{"one table", []*change.Event{row("a", 5, false, "true"), row("a", 6, true, "true")}, "a", 6, "[]", false, false},
		{"tables end in the batch", []*change.Event{row("a", 9, true, "last_in_data_collection"), row("b", 1, true, "last_in_data_collection"), row("c", 1, false, "true")}, "c", 1, "[{a 9 true} {b 1 true}]", false, false},
		{"tables interleave (parallel)", []*change.Event{row("a", 5, true, "true"), row("b", 3, true, "true"), row("a", 6, false, "true")}, "a", 6, "[{a 5 false} {b 3 false}]", false, false},
		{"a table ends last in the batch", []*change.Event{row("a", 5, true, "true"), row("b", 3, true, "last_in_data_collection")}, "b", 3, "[{a 5 false}]", false, true},
		{"schema record ignored", []*change.Event{row("a", 2, false, "true"), row("", 1, true, "")}, "a", 2, "[]", false, false},
		{"last row", []*change.Event{row("a", 2, false, "true"), row("a", 3, true, "last")}, "a", 3, "[]", true, true},
		{"last only counts at a chunk's end", []*change.Event{row("a", 3, false, "last")}, "a", 3, "[]", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b snapBatch
			for _, ev := range tc.evs {
				b.saw(ev)
			}
			if b.table != tc.table || b.rows != tc.rows || fmt.Sprint(b.ended) != tc.ended || b.lastRow != tc.lastRow || b.done != tc.done {
				t.Errorf("got table %q rows %d ended %v last %v done %v; want %q %d %s %v %v", b.table, b.rows, b.ended, b.lastRow, b.done, tc.table, tc.rows, tc.ended, tc.lastRow, tc.done)
			}
			b.reset()
			if b.table != "" || len(b.ended) != 0 || b.lastRow {
				t.Errorf("reset left %+v", b)
			}
		})
	}
}

func TestSnapshotEstimateErrorIsUnknown(t *testing.T) {
	prog := NewProgress("t1", nil)
	cp := change.Position{Snapshot: true, Table: "s.a", Index: 1}
	prog.begin(context.Background(), &cp, &snapStream{src: &snapSource{}}, failingEstimator{})
	prog.end()
	s := prog.Snapshot()
	if s.Tables[0].RowsEstimated != nil || s.State != snapAborted {
		t.Errorf("estimate after an error = %v, state %s; want null, aborted", s.Tables[0].RowsEstimated, s.State)
	}
}

type failingEstimator struct{}

func (failingEstimator) Open(context.Context, *change.Position) (Stream, error) {
	return nil, errors.New("unused")
}

func (failingEstimator) EstimateRows(context.Context, []string) (map[string]int64, error) {
	return nil, errors.New("no")
}

// metricValue is the value of the metric name of connector t1 (and table,
// unless ""), as /metrics shows it.
func metricValue(t *testing.T, reg *prometheus.Registry, name, table string) float64 {
	t.Helper()
	v, ok := series(t, reg, name, map[string]string{"connector": "t1", "table": table})
	if !ok {
		t.Fatalf("no metric %s{table=%q}", name, table)
	}
	return v
}

func TestSnapshotProgressCompletesAtTheLastRow(t *testing.T) {
	// No streamed change and no io.EOF follow: the row marked "last" ends
	// the snapshot.
	evs := snapRows([]string{"s.a", "s.b"}, []int{2, 3})
	src := &snapSource{events: evs[:len(evs)-1], plan: []string{"s.a", "s.b"}}
	task := newTask(src, &memSink{}, Batching{MaxEvents: 100, Linger: time.Millisecond})
	task.Progress = NewProgress("t1", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- task.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s := task.Progress.Snapshot(); s != nil && s.State == snapCompleted {
			want := []tableView{{"s.a", tableDone, 2, -1}, {"s.b", tableDone, 3, -1}}
			if got := viewTables(s); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("tables\n got %v\nwant %v", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("snapshot not completed: %+v", task.Progress.Snapshot())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Stopping after the end leaves it completed, not aborted.
	if s := task.Progress.Snapshot(); s.State != snapCompleted {
		t.Errorf("after the task stopped: %s, want completed", s.State)
	}
}
