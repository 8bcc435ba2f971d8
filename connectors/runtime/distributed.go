package runtime

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// Distributed mode (docs/distributed.md): the registered connectors come
// from the config topic and every worker knows all of them, so any worker
// answers reads; a worker runs only the connectors the group's leader
// assigned to it, and publishes their status on the status topic, from
// which the others answer status reads.
//
// The config topic is the only source of a connector's config and target:
// a write (create, reconfigure, pause, delete) goes to the topic, and every
// worker, the writer included, applies it when its reader reaches it
// (ConfigChanged, TargetChanged, ConnectorRemoved, RestartRequested). The
// REST layer forwards writes to the leader, so they are made one at a time.

// ConfigLog is the config topic's writing side (internal/cluster/store's
// ConfigTopic). Each call returns once the record is read back and applied
// on this worker.
type ConfigLog interface {
	PutConnector(ctx context.Context, name string, cfg map[string]string) error
	PutTarget(ctx context.Context, name, state string) error
	Delete(ctx context.Context, name string) error
	Restart(ctx context.Context, name string) error
}

// WorkerStatus is a status record of the status topic: the state of a
// connector or of its task, written by the worker that runs it in
// generation Generation.
type WorkerStatus struct {
	State      string
	Trace      string
	WorkerID   string
	Generation int32
	// Version is the plugin's version (Kafka Connect 4 writes it too).
	Version string
}

// StatusLog is the status topic. Puts are "safe" in Kafka Connect's sense:
// a put is dropped when the topic already holds a record of a later
// generation for the key.
type StatusLog interface {
	PutConnector(ctx context.Context, name string, st WorkerStatus) error
	PutTask(ctx context.Context, name string, task int, st WorkerStatus) error
	Connector(name string) (WorkerStatus, bool)
	Task(name string, task int) (WorkerStatus, bool)
	// PutTopic records a connector's active topic; Topics lists them.
	PutTopic(ctx context.Context, connector, topic string) error
	Topics(connector string) []string
	// DeleteConnector removes a deleted connector's status records.
	DeleteConnector(ctx context.Context, name string) error
}

// ClusterOptions put a supervisor in distributed mode.
type ClusterOptions struct {
	Config ConfigLog
	Status StatusLog
	// Rebalance asks the group for a new generation; the supervisor calls
	// it after it created or deleted a connector.
	Rebalance func()
}

// clusterState is the supervisor's part of distributed mode.
type clusterState struct {
	mu         sync.Mutex
	owned      map[string]bool
	generation int32
	// published is the last status written per connector.
	published map[string]WorkerStatus
	nudge     chan struct{}
}

func (s *Supervisor) clustered() bool { return s.opts.Cluster != nil }

// owns says whether this worker runs name in the current generation
// (always true in standalone mode).
func (s *Supervisor) owns(name string) bool {
	if !s.clustered() {
		return true
	}
	s.cl.mu.Lock()
	defer s.cl.mu.Unlock()
	return s.cl.owned[name]
}

// Assign applies a generation's assignment: this worker runs exactly the
// connectors named in owned from now on. It stops the ones it no longer
// owns and waits for them (the group hands them to another worker only
// after that), and starts the new ones. lost says this worker fell out of
// the group: another worker may run its connectors already, so they are
// dropped (sinks.WithHardStop) rather than committing what they have in
// hand first, and their sources are released at once.
func (s *Supervisor) Assign(generation int32, owned []string, lost bool) {
	s.cl.mu.Lock()
	s.cl.generation = generation
	before := s.cl.owned
	s.cl.owned = map[string]bool{}
	for _, n := range owned {
		s.cl.owned[n] = true
	}
	s.cl.mu.Unlock()
	s.mu.Lock()
	var changed []*managed
	for name, m := range s.conns {
		if before[name] != s.cl.owned[name] || s.cl.owned[name] {
			changed = append(changed, m)
		}
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, m := range changed {
		wg.Go(func() {
			_ = m.send(s.quit, func() error {
				if lost && m.hardStop != nil && !s.owns(m.name) {
					s.log.Warn("connector dropped: this worker lost its group membership", "connector", m.name)
					m.hardStop()
				}
				s.reconcile(m)
				return nil
			})
		})
	}
	wg.Wait()
	// A new generation: each owned connector's status is written again
	// with it.
	s.cl.mu.Lock()
	clear(s.cl.published)
	s.cl.mu.Unlock()
	s.nudgeStatus()
}

// reconcile makes m's run and guard match its target and this worker's
// ownership. Called by m's actor.
func (s *Supervisor) reconcile(m *managed) {
	if !s.owns(m.name) {
		if m.cancel != nil || m.unwatchFn != nil {
			s.log.Info("connector released to another worker", "connector", m.name)
		}
		s.stopAll(m)
		m.mu.Lock()
		m.state, m.trace = StateUnassigned, ""
		m.mu.Unlock()
		return
	}
	if m.unwatchFn == nil {
		s.watch(m)
	}
	s.apply(m)
}

// ConfigChanged applies a connector record of the config topic; target is
// the connector's target state then ("" for RUNNING), which a new
// connector starts in (a target-state record may come before the config).
func (s *Supervisor) ConfigChanged(name string, cfg map[string]string, target string) {
	s.mu.Lock()
	m, ok := s.conns[name]
	if !ok {
		if s.closed {
			s.mu.Unlock()
			return
		}
		if target == "" {
			target = StateRunning
		}
		m = newManaged(name, maps.Clone(cfg), target, s.opts.Metrics)
		m.state = StateUnassigned
		s.conns[name] = m
		s.mu.Unlock()
		s.log.Info("connector config read", "connector", name, "target", target)
		s.begin(m)
		return
	}
	s.mu.Unlock()
	_ = m.send(s.quit, func() error {
		if maps.Equal(m.config, cfg) {
			return nil
		}
		m.mu.Lock()
		m.config = maps.Clone(cfg)
		m.mu.Unlock()
		s.log.Info("connector reconfigured", "connector", name)
		if s.owns(name) {
			s.stopAll(m)
			s.reconcile(m)
		}
		return nil
	})
}

// TargetChanged applies a target-state record of the config topic.
func (s *Supervisor) TargetChanged(name, target string) {
	s.mu.Lock()
	m, ok := s.conns[name]
	if !ok {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	_ = m.send(s.quit, func() error {
		if m.target == target {
			return nil
		}
		m.mu.Lock()
		m.target = target
		m.mu.Unlock()
		s.log.Info("connector target state changed", "connector", name, "target", target)
		s.reconcile(m)
		return nil
	})
}

// ConnectorRemoved applies a connector's tombstone.
func (s *Supervisor) ConnectorRemoved(name string) {
	s.mu.Lock()
	m, ok := s.conns[name]
	s.mu.Unlock()
	if !ok {
		return
	}
	_ = m.send(s.quit, func() error {
		s.stopAll(m)
		s.mu.Lock()
		delete(s.conns, name)
		s.mu.Unlock()
		m.gone = errDeleted
		s.opts.Metrics.Forget(name)
		s.log.Info("connector deleted", "connector", name)
		return nil
	})
}

// RestartRequested applies a restart record: the worker that runs the
// connector restarts it.
func (s *Supervisor) RestartRequested(name string) {
	if !s.owns(name) {
		return
	}
	s.mu.Lock()
	m, ok := s.conns[name]
	s.mu.Unlock()
	if !ok {
		return
	}
	_ = m.send(s.quit, func() error {
		s.halt(m)
		s.reconcile(m)
		return nil
	})
}

// clusterCreate writes a new connector to the config topic: its target
// first when it is not RUNNING (so no worker starts it), then its config.
func (s *Supervisor) clusterCreate(ctx context.Context, name string, cfg map[string]string, target string) (rest.ConnectorInfo, error) {
	s.mu.Lock()
	_, exists := s.conns[name]
	s.mu.Unlock()
	if exists {
		return rest.ConnectorInfo{}, connerr.New(connerr.ErrExists, "Connector %s already exists", name)
	}
	if target != StateRunning {
		if err := s.opts.Cluster.Config.PutTarget(ctx, name, target); err != nil {
			return rest.ConnectorInfo{}, err
		}
	}
	if err := s.opts.Cluster.Config.PutConnector(ctx, name, cfg); err != nil {
		return rest.ConnectorInfo{}, err
	}
	s.log.Info("connector created", "connector", name, "class", cfg["connector.class"], "state", target)
	s.rebalance()
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return rest.ConnectorInfo{Name: name, Config: cfg, Tasks: []rest.TaskID{}, Type: "source"}, nil
	}
	return s.info(m), nil
}

func (s *Supervisor) rebalance() {
	if s.opts.Cluster.Rebalance != nil {
		s.opts.Cluster.Rebalance()
	}
}

// clusterStatus answers a status read for a connector this worker does not
// run, from the status topic.
func (s *Supervisor) clusterStatus(m *managed) rest.ConnectorStatus {
	version := s.pluginVersion(m)
	_, target := m.configAndTarget()
	cs, ok := s.opts.Cluster.Status.Connector(m.name)
	if !ok {
		cs = WorkerStatus{State: StateUnassigned}
	}
	out := rest.ConnectorStatus{Name: m.name, Type: "source", Tasks: []rest.TaskState{},
		Connector: rest.State{State: cs.State, WorkerID: cs.WorkerID, Version: version, Trace: cs.Trace}}
	if target == StateStopped && cs.State == StateStopped {
		return out
	}
	ts, ok := s.opts.Cluster.Status.Task(m.name, 0)
	if !ok {
		ts = WorkerStatus{State: StateUnassigned, WorkerID: cs.WorkerID}
	}
	out.Tasks = []rest.TaskState{{ID: 0, State: rest.State{State: ts.State, WorkerID: ts.WorkerID, Version: version, Trace: ts.Trace}}}
	return out
}

func (s *Supervisor) nudgeStatus() {
	if !s.clustered() {
		return
	}
	select {
	case s.cl.nudge <- struct{}{}:
	default:
	}
}

// publishStatus writes the status of the connectors this worker runs to the
// status topic when it changes (and once per generation), until the
// supervisor shuts down.
func (s *Supervisor) publishStatus() {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-s.cl.nudge:
		case <-tick.C:
		}
		s.publishOnce()
	}
}

func (s *Supervisor) publishOnce() {
	s.cl.mu.Lock()
	gen := s.cl.generation
	owned := slices.Collect(maps.Keys(s.cl.owned))
	s.cl.mu.Unlock()
	for _, name := range owned {
		m, err := s.get(name, "%s")
		if err != nil {
			continue
		}
		st, err := s.Status(name)
		if err != nil || !s.owns(name) {
			continue
		}
		// A connector that is starting shows UNASSIGNED locally; the
		// topic gets its state once it has one.
		version := st.Connector.Version
		task := WorkerStatus{State: st.Connector.State, WorkerID: s.opts.WorkerID, Generation: gen, Version: version}
		if len(st.Tasks) > 0 {
			task = WorkerStatus{State: st.Tasks[0].State.State, Trace: st.Tasks[0].State.Trace, WorkerID: s.opts.WorkerID, Generation: gen, Version: version}
		}
		key := task
		key.Trace = st.Connector.State + "|" + task.Trace
		s.cl.mu.Lock()
		same := s.cl.published[m.name] == key
		s.cl.mu.Unlock()
		if same {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = s.opts.Cluster.Status.PutConnector(ctx, name, WorkerStatus{State: st.Connector.State, WorkerID: s.opts.WorkerID, Generation: gen, Version: version})
		if err == nil && len(st.Tasks) > 0 {
			err = s.opts.Cluster.Status.PutTask(ctx, name, 0, task)
		}
		cancel()
		if err != nil {
			s.log.Warn("write the connector's status to the status topic", "connector", name, "err", err)
			continue
		}
		s.cl.mu.Lock()
		s.cl.published[m.name] = key
		s.cl.mu.Unlock()
	}
}
