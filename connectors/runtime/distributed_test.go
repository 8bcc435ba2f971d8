package runtime

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/sinks"
)

// memConfigLog is a config topic in memory: each write is applied, in
// order, to every worker's supervisor before the write returns, as the
// real topic's reader does (read-your-writes).
type memConfigLog struct {
	mu      sync.Mutex
	workers []*Supervisor
	targets map[string]string
}

func (l *memConfigLog) each(f func(s *Supervisor)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.workers {
		f(s)
	}
	return nil
}

func (l *memConfigLog) PutConnector(_ context.Context, name string, cfg map[string]string) error {
	return l.each(func(s *Supervisor) { s.ConfigChanged(name, cfg, l.targets[name]) })
}

func (l *memConfigLog) PutTarget(_ context.Context, name, state string) error {
	l.mu.Lock()
	l.targets[name] = state
	l.mu.Unlock()
	return l.each(func(s *Supervisor) { s.TargetChanged(name, state) })
}

func (l *memConfigLog) Delete(_ context.Context, name string) error {
	l.mu.Lock()
	delete(l.targets, name)
	l.mu.Unlock()
	return l.each(func(s *Supervisor) { s.ConnectorRemoved(name) })
}

func (l *memConfigLog) Restart(_ context.Context, name string) error {
	return l.each(func(s *Supervisor) { s.RestartRequested(name) })
}

// memStatusLog is a status topic in memory with Kafka Connect's safe-put
// rule.
type memStatusLog struct {
	mu     sync.Mutex
	items  map[string]WorkerStatus
	topics map[string][]string
}

func (l *memStatusLog) put(key string, st WorkerStatus) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.items[key]; ok && old.Generation > st.Generation {
		return
	}
	l.items[key] = st
}

func (l *memStatusLog) PutConnector(_ context.Context, name string, st WorkerStatus) error {
	l.put("c-"+name, st)
	return nil
}

func (l *memStatusLog) PutTask(_ context.Context, name string, _ int, st WorkerStatus) error {
	l.put("t-"+name, st)
	return nil
}

func (l *memStatusLog) Connector(name string) (WorkerStatus, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.items["c-"+name]
	return st, ok
}

func (l *memStatusLog) Task(name string, _ int) (WorkerStatus, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.items["t-"+name]
	return st, ok
}

// newClusterPair returns two workers of one group sharing an in-memory
// config and status topic, each with its own source.
func newClusterPair(t *testing.T) (a, b *Supervisor, ha, hb *heldSource) {
	t.Helper()
	cl := &memConfigLog{targets: map[string]string{}}
	st := &memStatusLog{items: map[string]WorkerStatus{}}
	mk := func(id string, h *heldSource) *Supervisor {
		close(h.release) // stops return at once
		sink := &memSink{}
		s := NewSupervisor(SupervisorOptions{
			WorkerID: id,
			Plugins:  []Plugin{testPlugin(h)},
			NewSink:  func(context.Context, string, SinkSpec) (sinks.Sink, error) { return sink, nil },
			Offsets:  sink,
			Metrics:  NewMetrics(prometheus.NewRegistry()),
			Cluster:  &ClusterOptions{Config: cl, Status: st},
		})
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		cl.workers = append(cl.workers, s)
		return s
	}
	ha, hb = newHeldSource(), newHeldSource()
	return mk("a:8083", ha), mk("b:8083", hb), ha, hb
}

// waitView waits until s shows name's task in state want on worker.
func waitView(t *testing.T, s *Supervisor, name, want, worker string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := s.Status(name)
		if err == nil && len(st.Tasks) == 1 && st.Tasks[0].State.State == want && st.Tasks[0].State.WorkerID == worker {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status of %s on %s = %+v (err %v), want task %s on %s", name, s.opts.WorkerID, st, err, want, worker)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDistributedRunsOnlyAssigned: every worker knows every connector, only
// the assigned one runs it, a move stops it on the old owner before Assign
// returns, and writes made on any worker reach the owner.
func TestDistributedRunsOnlyAssigned(t *testing.T) {
	a, b, ha, hb := newClusterPair(t)
	ctx := context.Background()
	if _, err := a.Create(ctx, "c1", maps.Clone(lifecycleCfg), ""); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Supervisor{a, b} {
		if names := s.Names(); len(names) != 1 || names[0] != "c1" {
			t.Fatalf("%s knows %v, want [c1]", s.opts.WorkerID, names)
		}
	}
	noLiveRun(t, ha, "c1 is assigned to nobody")
	noLiveRun(t, hb, "c1 is assigned to nobody")
	if _, err := a.Create(ctx, "c1", maps.Clone(lifecycleCfg), ""); err == nil {
		t.Error("a second create of c1 was accepted")
	}

	a.Assign(1, []string{"c1"}, false)
	b.Assign(1, nil, false)
	waitState(t, a, "c1", StateRunning)
	waitView(t, b, "c1", StateRunning, "a:8083")
	noLiveRun(t, hb, "c1 runs on a")

	// The move: a stops c1 before Assign returns; then b starts it.
	a.Assign(2, nil, false)
	if n := ha.live.Load(); n != 0 {
		t.Fatalf("a still runs c1 (%d streams open) after its revocation returned", n)
	}
	b.Assign(2, []string{"c1"}, false)
	waitState(t, b, "c1", StateRunning)
	waitView(t, a, "c1", StateRunning, "b:8083")

	// A pause written on a (not the owner) stops b's run.
	if err := a.Pause(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, "c1", StatePaused)
	noLiveRun(t, hb, "c1 is paused")
	if err := a.Resume(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, "c1", StateRunning)

	// A restart asked of a is carried out by b.
	opens := hb.opens.Load()
	if err := a.Restart(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, "c1", StateRunning)
	if hb.opens.Load() <= opens {
		t.Errorf("restart through a: b opened %d streams before and %d after", opens, hb.opens.Load())
	}

	// A delete on a removes c1 everywhere and stops b's run.
	if err := a.Delete(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	noRunAfter(t, b, hb)
	if names := a.Names(); len(names) != 0 {
		t.Errorf("a knows %v after the delete", names)
	}
}

// TestDistributedTargetBeforeConfig: a connector created PAUSED is written
// target first, and a worker that reads the target before the config
// starts it paused, never running.
func TestDistributedTargetBeforeConfig(t *testing.T) {
	a, b, ha, hb := newClusterPair(t)
	a.Assign(1, []string{"c1"}, false)
	b.Assign(1, nil, false)
	if _, err := b.Create(context.Background(), "c1", maps.Clone(lifecycleCfg), StatePaused); err != nil {
		t.Fatal(err)
	}
	waitState(t, a, "c1", StatePaused)
	if ha.opens.Load() != 0 || hb.opens.Load() != 0 {
		t.Errorf("a connector created PAUSED was opened (%d on a, %d on b)", ha.opens.Load(), hb.opens.Load())
	}
}

func (l *memStatusLog) PutTopic(_ context.Context, connector, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topics == nil {
		l.topics = map[string][]string{}
	}
	if !slices.Contains(l.topics[connector], topic) {
		l.topics[connector] = append(l.topics[connector], topic)
	}
	return nil
}

func (l *memStatusLog) Topics(connector string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(slices.Values(l.topics[connector]))
}

func (l *memStatusLog) DeleteConnector(_ context.Context, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.items, "c-"+name)
	delete(l.items, "t-"+name)
	delete(l.topics, name)
	return nil
}
