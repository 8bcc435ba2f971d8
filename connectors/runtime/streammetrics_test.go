package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/change"
)

// series returns the value of name's series whose labels include want, and
// whether there is one.
func series(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func TestStreamingMetrics(t *testing.T) {
	srcAt := time.Now().Add(-3 * time.Second) // the source committed 3 s ago
	ev := func(op change.Op, before, after change.Row, pos change.Position) *change.Event {
		return &change.Event{Op: op, Table: testTable, Before: before, After: after, Commit: srcAt,
			Source: change.StructValue{"x", "false"}, SourceSchema: snapSourceSchema, Pos: pos}
	}
	read := func(i int64, last bool) *change.Event {
		e := ev(change.OpRead, nil, change.Row{int32(i)}, change.Position{Snapshot: true, Table: "public.t", Index: i, Last: last})
		e.Commit = time.Now() // a read's is the snapshot's time
		return e
	}
	src := &snapSource{plan: []string{"public.t"}, events: []*change.Event{
		read(1, false), read(2, true),
		// Two source transactions: c and u in 8, d (with its tombstone) in 9.
		ev(change.OpCreate, nil, change.Row{int32(3)}, change.Position{Tx: 8, Index: 0}),
		ev(change.OpUpdate, change.Row{int32(3)}, change.Row{int32(3)}, change.Position{Tx: 8, Index: 1, Last: true}),
		ev(change.OpDelete, change.Row{int32(3)}, nil, change.Position{Tx: 9, Index: 0, Last: true}),
	}}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	sink := &memSink{}
	task := newTask(src, sink, Batching{MaxEvents: 100, Linger: 50 * time.Millisecond})
	task.Metrics = m
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- task.Run(ctx) }()
	conn := map[string]string{"connector": "t1"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, _ := series(t, reg, "sluice_streaming_events_total", map[string]string{"connector": "t1", "op": "d"}); v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delete was not committed within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for op, want := range map[string]float64{"r": 2, "c": 1, "u": 1, "d": 1} {
		if v, ok := series(t, reg, "sluice_streaming_events_total", map[string]string{"connector": "t1", "op": op}); !ok || v != want {
			t.Errorf("sluice_streaming_events_total{op=%s} = %v (%v), want %v", op, v, ok, want)
		}
	}
	if v, _ := series(t, reg, "sluice_streaming_transactions_total", conn); v != 2 {
		t.Errorf("sluice_streaming_transactions_total = %v, want 2 (the snapshot's rows are no source transaction)", v)
	}
	// 2 reads, c, u, d and the delete's tombstone, all on the table's topic.
	sink.mu.Lock()
	topic := sink.batches[0][0].Topic
	sink.mu.Unlock()
	if v, _ := series(t, reg, "sluice_topic_records_total", map[string]string{"connector": "t1", "topic": topic}); v != 6 {
		t.Errorf("sluice_topic_records_total{topic=%s} = %v, want 6", topic, v)
	}
	if v, ok := series(t, reg, "sluice_streaming_milliseconds_behind_source", conn); !ok || v < 3000 || v > 60000 {
		t.Errorf("sluice_streaming_milliseconds_behind_source = %v (%v), want the 3 s since the source's commit and a little more", v, ok)
	}
	if v, ok := series(t, reg, "sluice_streaming_connected", conn); !ok || v != 1 {
		t.Errorf("sluice_streaming_connected while running = %v (%v), want 1", v, ok)
	}
	time.Sleep(20 * time.Millisecond)
	if v, ok := series(t, reg, "sluice_streaming_milliseconds_since_last_event", conn); !ok || v < 20 {
		t.Errorf("sluice_streaming_milliseconds_since_last_event = %v (%v), want at least the 20 ms slept", v, ok)
	}
	if v, ok := series(t, reg, "sluice_checkpoint_age_seconds", conn); !ok || v < 0.02 {
		t.Errorf("sluice_checkpoint_age_seconds = %v (%v), want at least 0.02", v, ok)
	}
	if _, ok := series(t, reg, "sluice_queue_pending_events", conn); ok {
		t.Error("sluice_queue_pending_events for a stream that cannot say how many events it holds")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if v, ok := series(t, reg, "sluice_streaming_connected", conn); !ok || v != 0 {
		t.Errorf("sluice_streaming_connected after the task ended = %v (%v), want 0", v, ok)
	}

	m.Forget("t1")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "connector" && l.GetValue() == "t1" {
					t.Errorf("after Forget: %s still has a series of t1", mf.GetName())
				}
			}
		}
	}
}

func TestMetricNamesAreDocumented(t *testing.T) {
	// Every metric registered has help text that says what it counts.
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.observeCommit("x", 1, 1, time.Millisecond)
	m.observeConnected("x", true, nil)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "sluice_") || len(mf.GetHelp()) < 20 {
			t.Errorf("%s: help %q", mf.GetName(), mf.GetHelp())
		}
	}
}

// lagSource's streams report a fixed lag (a LagReporter).
type lagSource struct{ *snapSource }

func (s lagSource) Open(ctx context.Context, cp *change.Position) (Stream, error) {
	st, err := s.snapSource.Open(ctx, cp)
	return lagStream{st.(*snapStream)}, err
}

type lagStream struct{ *snapStream }

func (lagStream) SourceLagBytes() (int64, bool) { return 4096, true }

func TestSourceLagWhileTheStreamIsOpen(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	task := newTask(lagSource{&snapSource{}}, &memSink{}, Batching{MaxEvents: 10, Linger: time.Hour})
	task.Metrics = m
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- task.Run(ctx) }()
	conn := map[string]string{"connector": "t1"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, ok := series(t, reg, "sluice_source_lag_bytes", conn); ok {
			if v != 4096 {
				t.Errorf("sluice_source_lag_bytes = %v, want the stream's 4096", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sluice_source_lag_bytes while the stream is open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if v, ok := series(t, reg, "sluice_source_lag_bytes", conn); ok {
		t.Errorf("sluice_source_lag_bytes = %v after the stream closed, want none", v)
	}
}
