package runtime

import (
	"context"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/sinks"
)

// heldSource is a scriptedSource whose streams' Close blocks until the test
// releases it, so that whoever stops a run is held inside that stop. It
// counts the streams opened and those still open.
type heldSource struct {
	*scriptedSource
	closing chan struct{} // a receive per Close that starts
	release chan struct{} // closed: Close returns
	opens   atomic.Int64
	live    atomic.Int64
}

func newHeldSource() *heldSource {
	return &heldSource{
		scriptedSource: &scriptedSource{events: positions(3), failAt: -1},
		closing:        make(chan struct{}, 16),
		release:        make(chan struct{}),
	}
}

func (h *heldSource) Open(ctx context.Context, cp *change.Position) (Stream, error) {
	st, err := h.scriptedSource.Open(ctx, cp)
	if err != nil {
		return nil, err
	}
	h.opens.Add(1)
	h.live.Add(1)
	return &heldStream{Stream: st, h: h}, nil
}

type heldStream struct {
	Stream
	h    *heldSource
	once sync.Once
}

func (st *heldStream) Close() error {
	st.once.Do(func() {
		st.h.closing <- struct{}{}
		<-st.h.release
		st.h.live.Add(-1)
	})
	return nil
}

// heldGuardedSource is a heldSource with a guardrail.
type heldGuardedSource struct {
	*heldSource
	g *fakeGuard
}

func (s heldGuardedSource) Guard() capture.Guard { return s.g }

var lifecycleCfg = map[string]string{"connector.class": "test", "topic.prefix": "p"}

// newHeldSupervisor runs src (a heldSource, with or without a guard) and
// creates c1 on it, RUNNING.
func newHeldSupervisor(t *testing.T, src Source, h *heldSource) *Supervisor {
	t.Helper()
	sink := &memSink{}
	s := NewSupervisor(SupervisorOptions{
		DataDir:  t.TempDir(),
		WorkerID: "127.0.0.1:8083",
		Plugins:  []Plugin{testPlugin(src)},
		NewSink:  func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
		Offsets:  sink,
		Metrics:  NewMetrics(prometheus.NewRegistry()),
	})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		_ = s.Shutdown(context.Background())
	})
	if _, err := s.Create(context.Background(), "c1", maps.Clone(lifecycleCfg), ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "c1", StateRunning)
	return s
}

// waitClosing waits until a run of h is inside its stream's Close.
func waitClosing(t *testing.T, h *heldSource) {
	t.Helper()
	select {
	case <-h.closing:
	case <-time.After(5 * time.Second):
		t.Fatal("no run was stopped")
	}
}

// noRunAfter fails t if, once everything is answered, c1 is registered or
// a run of it is open, or one opens within a while.
func noRunAfter(t *testing.T, s *Supervisor, h *heldSource) {
	t.Helper()
	if names := s.Names(); len(names) != 0 {
		t.Errorf("names after delete = %v, want none", names)
	}
	noLiveRun(t, h, "c1 is deleted")
}

// noLiveRun fails t if a run of h is open, or opens within a while.
func noLiveRun(t *testing.T, h *heldSource, why string) {
	t.Helper()
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if n := h.live.Load(); n != 0 {
			t.Errorf("%s, yet %d run(s) of it are open (%d opened in all)", why, n, h.opens.Load())
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// guardStopped fails t if g still checks.
func guardStopped(t *testing.T, g *fakeGuard, why string) {
	t.Helper()
	before, _ := g.counts()
	time.Sleep(50 * time.Millisecond)
	if after, _ := g.counts(); after != before {
		t.Errorf("%s, yet its guard still checks: %d checks, then %d", why, before, after)
	}
}

// TestDeleteWhileStoppingLeavesNoRun: a Delete that is stopping the
// connector's run, with a command arriving meanwhile that would start a run
// (restart, a new config, pause then resume), leaves no run of the deleted
// connector going: the commands are applied in order, before or after the
// delete, never in its middle.
func TestDeleteWhileStoppingLeavesNoRun(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(s *Supervisor) error{
		"restart": func(s *Supervisor) error { return s.Restart(ctx, "c1") },
		"put config": func(s *Supervisor) error {
			cfg := maps.Clone(lifecycleCfg)
			cfg["tombstones.on.delete"] = "false"
			_, _, err := s.PutConfig(ctx, "c1", cfg)
			return err
		},
		"pause then resume": func(s *Supervisor) error {
			if err := s.Pause(ctx, "c1"); err != nil {
				return err
			}
			return s.Resume(ctx, "c1")
		},
	}
	for name, cmd := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHeldSource()
			s := newHeldSupervisor(t, h, h)
			deleted := make(chan error, 1)
			go func() { deleted <- s.Delete(ctx, "c1") }()
			waitClosing(t, h)
			answered := make(chan error, 1)
			go func() { answered <- cmd(s) }()
			// Give the command the time to reach the connector while the
			// delete is held; then let the run end.
			time.Sleep(50 * time.Millisecond)
			close(h.release)
			if err := <-deleted; err != nil {
				t.Fatalf("delete: %v", err)
			}
			err := <-answered
			if err != nil && statusCode(err) != 404 {
				t.Fatalf("%s during the delete: %v (status %d), want success or 404", name, err, statusCode(err))
			}
			noRunAfter(t, s, h)
		})
	}
}

// TestDeleteDuringARestartLeavesNoRun: a Delete that arrives while a
// restart or a reconfiguration is stopping the run waits for it, then
// stops what it started: no run of the deleted connector goes on, and its
// guard stops.
func TestDeleteDuringARestartLeavesNoRun(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(s *Supervisor) error{
		"restart": func(s *Supervisor) error { return s.Restart(ctx, "c1") },
		"put config": func(s *Supervisor) error {
			cfg := maps.Clone(lifecycleCfg)
			cfg["tombstones.on.delete"] = "false"
			_, _, err := s.PutConfig(ctx, "c1", cfg)
			return err
		},
	}
	for name, cmd := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHeldSource()
			g := &fakeGuard{rep: capture.GuardReport{Retained: -1, Safe: -1, Behind: -1}}
			s := newHeldSupervisor(t, heldGuardedSource{h, g}, h)
			answered := make(chan error, 1)
			go func() { answered <- cmd(s) }()
			waitClosing(t, h)
			deleted := make(chan error, 1)
			go func() { deleted <- s.Delete(ctx, "c1") }()
			time.Sleep(50 * time.Millisecond)
			close(h.release)
			if err := <-answered; err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := <-deleted; err != nil {
				t.Fatalf("delete: %v", err)
			}
			noRunAfter(t, s, h)
			guardStopped(t, g, "c1 is deleted")
		})
	}
}

// TestShutdownDuringARestartLeavesNoRun: a Shutdown that arrives while a
// restart or a reconfiguration is stopping the run returns only once
// neither a run nor a guard of the connector is left.
func TestShutdownDuringARestartLeavesNoRun(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(s *Supervisor) error{
		"restart": func(s *Supervisor) error { return s.Restart(ctx, "c1") },
		"put config": func(s *Supervisor) error {
			cfg := maps.Clone(lifecycleCfg)
			cfg["tombstones.on.delete"] = "false"
			_, _, err := s.PutConfig(ctx, "c1", cfg)
			return err
		},
	}
	for name, cmd := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHeldSource()
			g := &fakeGuard{rep: capture.GuardReport{Retained: -1, Safe: -1, Behind: -1}}
			s := newHeldSupervisor(t, heldGuardedSource{h, g}, h)
			answered := make(chan error, 1)
			go func() { answered <- cmd(s) }()
			waitClosing(t, h)
			go func() {
				time.Sleep(50 * time.Millisecond)
				close(h.release)
			}()
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-answered; err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			noLiveRun(t, h, "the supervisor is shut down")
			guardStopped(t, g, "the supervisor is shut down")
		})
	}
}

// TestNoRunStartsAfterShutdown: once Shutdown has returned, a command that
// would start a run starts none.
func TestNoRunStartsAfterShutdown(t *testing.T) {
	ctx := context.Background()
	for name, cmd := range map[string]func(s *Supervisor) error{
		"restart": func(s *Supervisor) error { return s.Restart(ctx, "c1") },
		"resume":  func(s *Supervisor) error { _ = s.Pause(ctx, "c1"); return s.Resume(ctx, "c1") },
	} {
		t.Run(name, func(t *testing.T) {
			h := newHeldSource()
			close(h.release)
			s := newHeldSupervisor(t, h, h)
			if err := s.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			opens := h.opens.Load()
			_ = cmd(s)
			time.Sleep(100 * time.Millisecond)
			if n := h.live.Load(); n != 0 || h.opens.Load() != opens {
				t.Fatalf("after Shutdown, %s opened the source again: %d open, %d opened before, %d after", name, n, opens, h.opens.Load())
			}
		})
	}
}

// TestStatusDoesNotWaitForAStoppingRun: while a run is being stopped
// (a delete held in its stream's Close), status, info and the list answer
// at once.
func TestStatusDoesNotWaitForAStoppingRun(t *testing.T) {
	h := newHeldSource()
	s := newHeldSupervisor(t, h, h)
	deleted := make(chan error, 1)
	go func() { deleted <- s.Delete(context.Background(), "c1") }()
	waitClosing(t, h)
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		_, _ = s.Status("c1")
		_, _ = s.Info("c1")
		_ = s.Names()
		_, _ = s.Topics("c1")
	}()
	select {
	case <-answered:
	case <-time.After(2 * time.Second):
		t.Fatal("status waited for the run being stopped")
	}
	close(h.release)
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
}

// TestGuardTripDuringARestartIsNotLost: the guard finding the hold over
// its limit while a restart is stopping the run stops the run that the
// restart starts: the trip is applied after the restart, not lost in its
// middle.
func TestGuardTripDuringARestartIsNotLost(t *testing.T) {
	ctx := context.Background()
	h := newHeldSource()
	g := &fakeGuard{rep: capture.GuardReport{Slot: "s1", Exists: true, Retained: 100, Safe: -1, Behind: -1, Max: 5000}}
	s := newHeldSupervisor(t, heldGuardedSource{h, g}, h)
	restarted := make(chan error, 1)
	go func() { restarted <- s.Restart(ctx, "c1") }()
	waitClosing(t, h)
	g.set(func(r *capture.GuardReport) { r.Retained, r.Over = 6000, "slot s1 is over the limit" })
	c0, _ := g.counts()
	deadline := time.Now().Add(5 * time.Second)
	for c, _ := g.counts(); c <= c0; c, _ = g.counts() {
		if time.Now().After(deadline) {
			t.Fatal("the guard did not check")
		}
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the trip reaches the connector
	close(h.release)
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	v := waitStatus(t, s, "c1", "stop by the trip", func(v statusView) bool { return v.task == StateFailed })
	if !strings.Contains(v.trace, "slot s1 is over the limit") {
		t.Errorf("trace %q, want the guard's reason", v.trace)
	}
	noLiveRun(t, h, "the guard stopped c1")
}
