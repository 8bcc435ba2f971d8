package runtime

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/sinks"
)

// fakeGuard reports what the test sets and counts its checks and releases.
type fakeGuard struct {
	mu       sync.Mutex
	rep      capture.GuardReport
	checks   int
	releases int
}

func (g *fakeGuard) Every() time.Duration { return 5 * time.Millisecond }

func (g *fakeGuard) Check(context.Context) (capture.GuardReport, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checks++
	return g.rep, nil
}

func (g *fakeGuard) Release(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releases++
	g.rep.Exists = false
	g.rep.Over, g.rep.Warnings = "", nil
	return nil
}

func (g *fakeGuard) set(f func(r *capture.GuardReport)) {
	g.mu.Lock()
	f(&g.rep)
	g.mu.Unlock()
}

func (g *fakeGuard) counts() (checks, releases int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.checks, g.releases
}

// guardedSource is a source with a guardrail.
type guardedSource struct {
	*scriptedSource
	g *fakeGuard
}

func (s guardedSource) Guard() capture.Guard { return s.g }

func newGuardSupervisor(t *testing.T, g *fakeGuard) (*Supervisor, *prometheus.Registry) {
	t.Helper()
	src := &scriptedSource{events: positions(3), failAt: -1}
	sink := &memSink{src: src}
	reg := prometheus.NewRegistry()
	s := NewSupervisor(SupervisorOptions{
		DataDir:  t.TempDir(),
		WorkerID: "127.0.0.1:8083",
		Plugins:  []Plugin{testPlugin(guardedSource{src, g})},
		NewSink:  func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets:  sink,
		Metrics:  NewMetrics(reg),
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s, reg
}

// waitStatus polls name's status until cond holds.
func waitStatus(t *testing.T, s *Supervisor, name, what string, cond func(statusView) bool) statusView {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := s.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		v := statusView{state: st.Connector.State, warnings: st.Warnings}
		if len(st.Tasks) > 0 {
			v.task, v.trace = st.Tasks[0].State.State, st.Tasks[0].Trace
		}
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s; status %+v", name, what, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type statusView struct {
	state, task, trace string
	warnings           []string
}

var guardCfg = map[string]string{"connector.class": "test", "topic.prefix": "p"}

func TestGuardWarnsAndStopsAboveTheLimit(t *testing.T) {
	g := &fakeGuard{rep: capture.GuardReport{Slot: "s1", Exists: true, Active: true, Retained: 100, Safe: -1, Status: "reserved", Warn: 1000, Max: 5000}}
	s, reg := newGuardSupervisor(t, g)
	if _, err := s.Create(context.Background(), "c1", guardCfg, ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	conn := map[string]string{"connector": "c1", "slot": "s1"}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("slot metrics", func() bool { v, ok := series(t, reg, "sluice_slot_retained_wal_bytes", conn); return ok && v == 100 })
	for name, want := range map[string]float64{"sluice_slot_active": 1, "sluice_connector_warnings": 0} {
		if v, ok := series(t, reg, name, map[string]string{"connector": "c1"}); !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}
	if v, ok := series(t, reg, "sluice_slot_wal_status", map[string]string{"connector": "c1", "wal_status": "reserved"}); !ok || v != 1 {
		t.Errorf(`sluice_slot_wal_status{wal_status="reserved"} = %v (%v), want 1`, v, ok)
	}
	if v, ok := series(t, reg, "sluice_slot_lag_threshold_bytes", map[string]string{"connector": "c1", "level": "max"}); !ok || v != 5000 {
		t.Errorf(`sluice_slot_lag_threshold_bytes{level="max"} = %v (%v), want 5000`, v, ok)
	}
	if _, ok := series(t, reg, "sluice_slot_safe_wal_bytes", conn); ok {
		t.Error("sluice_slot_safe_wal_bytes present for a slot the server sets no limit on")
	}

	// Above the warning: in the status and the metrics, the task runs on.
	g.set(func(r *capture.GuardReport) { r.Retained, r.Warnings = 2000, []string{"slot s1 keeps 2000 bytes"} })
	v := waitStatus(t, s, "c1", "warning", func(v statusView) bool { return len(v.warnings) == 1 })
	if v.warnings[0] != "slot s1 keeps 2000 bytes" || v.task != StateRunning {
		t.Errorf("status above the warning: %+v, want the warning and the task RUNNING", v)
	}
	waitFor("sluice_connector_warnings 1", func() bool {
		v, ok := series(t, reg, "sluice_connector_warnings", map[string]string{"connector": "c1"})
		return ok && v == 1
	})

	// Above the limit: the task stops, FAILED with the reason; the target
	// stays RUNNING.
	g.set(func(r *capture.GuardReport) { r.Retained, r.Over = 6000, "slot s1 is over the limit: restart it" })
	v = waitStatus(t, s, "c1", "stop", func(v statusView) bool { return v.task == StateFailed })
	if !strings.Contains(v.trace, "slot s1 is over the limit: restart it") {
		t.Errorf("trace %q, want the guard's reason", v.trace)
	}
	if _, r := g.counts(); r != 0 {
		t.Errorf("%d releases without the config asking for one", r)
	}
	// A restart runs the task again, and the guard leaves it to catch up
	// while the slot stays over the limit.
	if err := s.Restart(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	c0, _ := g.counts()
	waitFor("more checks", func() bool { c, _ := g.counts(); return c > c0+5 })
	if st, _ := s.Status("c1"); st.Tasks[0].State.State != StateRunning {
		t.Fatalf("restarted over the limit: %+v, want RUNNING until the slot goes below the limit and above it again", st.Tasks[0])
	}
	// Below, then above again: stopped again.
	g.set(func(r *capture.GuardReport) { r.Retained, r.Over = 4000, "" })
	c0, _ = g.counts()
	waitFor("a check below the limit", func() bool { c, _ := g.counts(); return c > c0+2 })
	g.set(func(r *capture.GuardReport) { r.Retained, r.Over = 7000, "over again" })
	waitStatus(t, s, "c1", "second stop", func(v statusView) bool { return v.task == StateFailed && strings.Contains(v.trace, "over again") })

	// Deleted: its guard stops and its series go.
	if err := s.Delete(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	c0, _ = g.counts()
	time.Sleep(50 * time.Millisecond)
	if c, _ := g.counts(); c != c0 {
		t.Errorf("%d checks after the connector was deleted", c-c0)
	}
	if _, ok := series(t, reg, "sluice_slot_retained_wal_bytes", conn); ok {
		t.Error("slot series left after the connector was deleted")
	}
}

func TestGuardDropsTheSlotWhenAsked(t *testing.T) {
	for _, target := range []string{StateRunning, StateStopped} {
		t.Run(target, func(t *testing.T) {
			g := &fakeGuard{rep: capture.GuardReport{Slot: "s1", Exists: true, Retained: 100, Safe: -1, Status: "reserved", Max: 5000, Release: true}}
			s, reg := newGuardSupervisor(t, g)
			if _, err := s.Create(context.Background(), "c1", guardCfg, target); err != nil {
				t.Fatal(err)
			}
			waitState(t, s, "c1", target)
			g.set(func(r *capture.GuardReport) {
				r.Retained, r.Over, r.Released = 6000, "over: dropping", "over: dropped; the next start needs a new snapshot"
			})
			var v statusView
			if target == StateRunning {
				v = waitStatus(t, s, "c1", "drop", func(v statusView) bool { return strings.Contains(v.trace, "dropped") })
				if v.task != StateFailed {
					t.Errorf("task %s after the drop, want FAILED", v.task)
				}
			} else {
				v = waitStatus(t, s, "c1", "drop", func(v statusView) bool { return len(v.warnings) > 0 && strings.Contains(v.warnings[0], "dropped") })
				if v.state != StateStopped {
					t.Errorf("connector %s after the drop, want STOPPED", v.state)
				}
			}
			if _, r := g.counts(); r != 1 {
				t.Errorf("%d releases, want 1", r)
			}
			// The slot is gone: no slot series.
			deadline := time.Now().Add(5 * time.Second)
			for {
				if _, ok := series(t, reg, "sluice_slot_retained_wal_bytes", map[string]string{"connector": "c1"}); !ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("slot series left after the slot was dropped")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if target == StateStopped {
				// The notice stays until the task starts again.
				if err := s.Resume(context.Background(), "c1"); err != nil {
					t.Fatal(err)
				}
				waitStatus(t, s, "c1", "notice cleared", func(v statusView) bool { return v.task == StateRunning && len(v.warnings) == 0 })
			}
		})
	}
}

// posGuard is a fakeGuard told of committed positions.
type posGuard struct {
	*fakeGuard
	mu  sync.Mutex
	got []change.Position
}

func (g *posGuard) Committed(p change.Position) {
	g.mu.Lock()
	g.got = append(g.got, p)
	g.mu.Unlock()
}

type posGuardedSource struct {
	*scriptedSource
	g *posGuard
}

func (s posGuardedSource) Guard() capture.Guard { return s.g }

// TestPositionGuardIsToldOfCommits: a guard that judges positions gets the
// stored checkpoint when it starts and every committed batch's last
// position, and its Behind is a metric.
func TestPositionGuardIsToldOfCommits(t *testing.T) {
	g := &posGuard{fakeGuard: &fakeGuard{rep: capture.GuardReport{Retained: -1, Safe: -1, Behind: 777}}}
	ps := positions(3)
	src := &scriptedSource{events: ps, failAt: -1}
	sink := &memSink{src: src}
	reg := prometheus.NewRegistry()
	s := NewSupervisor(SupervisorOptions{
		DataDir: t.TempDir(), WorkerID: "w",
		Plugins: []Plugin{testPlugin(posGuardedSource{src, g})},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets: sink, Metrics: NewMetrics(reg),
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if _, err := s.Create(context.Background(), "c1", guardCfg, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		n := len(g.got)
		last := change.Position{}
		if n > 0 {
			last = g.got[n-1]
		}
		g.mu.Unlock()
		if samePos(last, ps[2]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("guard told of %d positions, the last %+v; want the last committed %+v", n, last, ps[2])
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		if v, ok := series(t, reg, "sluice_binlog_bytes_behind", map[string]string{"connector": "c1"}); ok && v == 777 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sluice_binlog_bytes_behind 777")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Restarted daemon: the stored checkpoint comes first.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	g2 := &posGuard{fakeGuard: &fakeGuard{rep: capture.GuardReport{Retained: -1, Safe: -1, Behind: -1}}}
	src2 := &scriptedSource{events: ps, failAt: -1}
	s2 := NewSupervisor(SupervisorOptions{
		DataDir: s.opts.DataDir, WorkerID: "w",
		Plugins: []Plugin{testPlugin(posGuardedSource{src2, g2})},
		NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets: sink,
	})
	if err := s2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s2.Shutdown(context.Background())
	for {
		g2.mu.Lock()
		n := len(g2.got)
		var first change.Position
		if n > 0 {
			first = g2.got[0]
		}
		g2.mu.Unlock()
		if n > 0 {
			if !samePos(first, ps[2]) {
				t.Errorf("first position after a restart %+v, want the stored checkpoint %+v", first, ps[2])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the guard was not given the stored checkpoint")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
