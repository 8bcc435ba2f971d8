package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sluicecdc/sluice/connectors/change"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/internal/configprovider"
	"github.com/sluicecdc/sluice/offsets"
	"github.com/sluicecdc/sluice/sinks"
)

// Connector and task states, as Kafka Connect names them.
const (
	StateRunning    = "RUNNING"
	StatePaused     = "PAUSED"
	StateStopped    = "STOPPED"
	StateFailed     = "FAILED"
	StateUnassigned = "UNASSIGNED"
	StateRestarting = "RESTARTING"
)

// hidden replaces secret values in everything the daemon shows.
const hidden = "[hidden]"

// SupervisorOptions configure a Supervisor.
type SupervisorOptions struct {
	// DataDir keeps the registered connectors (connectors.json).
	DataDir string
	// WorkerID names this daemon in status bodies (host:port).
	WorkerID string
	Plugins  []Plugin
	// NewSink returns the sink for a connector, creating topics and setting
	// its producer as spec says; the sink's checkpoints must be readable by
	// Offsets.
	NewSink func(ctx context.Context, connector string, spec SinkSpec) (sinks.Sink, error)
	Offsets offsets.Store
	// SendSignal writes a signal record (POST /connectors/{name}/signals)
	// to topic, creating it with one partition when missing, and returns
	// once it is committed; nil: the worker takes no signals.
	SendSignal func(ctx context.Context, topic string, key, value []byte) error
	// ConnectOffsets reads Kafka Connect's offsets topic for a migration
	// from Debezium (migrate.go); nil when there is no Kafka.
	ConnectOffsets ConnectOffsetsReader
	// ClusterID returns the Kafka cluster id for GET /.
	ClusterID func() string
	Log       *slog.Logger
	Metrics   *Metrics
	Knobs     *Knobs
	// Worker holds the daemon's defaults for connector keys.
	Worker WorkerDefaults
	// Providers resolves config provider placeholders (${file:…},
	// ${env:…}) when a task starts and when a config is validated; configs
	// are kept and shown with their placeholders. Nil resolves nothing.
	Providers *configprovider.Resolver
	// Cluster puts the supervisor in distributed mode
	// (distributed.go): connectors come from the config topic, not the
	// data directory. Nil: standalone.
	Cluster *ClusterOptions
	// Secrets are the daemon's own secret values (what the worker file's
	// placeholders resolved to, its passwords, the REST credentials), kept
	// out of every trace, validate answer and connector log line as a
	// connector's own secrets are.
	Secrets []string
}

// SinkSpec is what a connector's config says about its sink: how the
// topics it writes to are created and its producer's settings.
type SinkSpec struct {
	Topics   TopicCreation
	Producer ProducerOverrides
}

// Supervisor runs the registered connectors. It implements rest.Manager.
type Supervisor struct {
	opts SupervisorOptions
	log  *slog.Logger

	// mu guards conns and closed only: it registers and finds
	// connectors, and is never held while a connector's run ends.
	mu     sync.Mutex
	conns  map[string]*managed
	closed bool
	// quit is closed by Shutdown; every connector's actor then stops.
	quit chan struct{}
	// configMu makes PUT and PATCH of configs one at a time: a PATCH reads
	// the stored config and writes its patched copy under it.
	configMu sync.Mutex
	// saveMu orders the writes of connectors.json.
	saveMu sync.Mutex
	// cl is the state of distributed mode.
	cl clusterState
}

// managed is one registered connector. Its actor (actor.go) applies its
// commands.
type managed struct {
	name string

	// cmds takes the connector's commands; exited is closed when its actor
	// ends, and gone then says why (errDeleted or errShuttingDown).
	cmds   chan command
	exited chan struct{}
	gone   error

	// Owned by the actor: the connector's run and its guard's goroutine
	// (guard.go).
	cancel    context.CancelFunc
	hardStop  context.CancelFunc // cuts the run's last commit short (sinks.WithHardStop)
	done      chan struct{}
	unwatchFn context.CancelFunc
	watchDone chan struct{}

	// mu guards what the connector shows. config and target are written
	// only by the actor (which reads them without mu), state and trace by
	// the actor and the run, warnings and notice by the actor and the
	// guard; config maps are replaced, never changed in place.
	mu     sync.Mutex
	config map[string]string
	target string // RUNNING, PAUSED or STOPPED
	state  string
	trace  string
	// The guard's warnings of its last check, and what it did to a
	// connector whose task was not running (shown until the task next
	// starts).
	warnings []string
	notice   string
	// topics are the connector's active topics; topicsGen changes when
	// they are reset (see TopicRecorder).
	topics    map[string]struct{}
	topicsGen atomic.Uint64

	// progress is the snapshot progress of the connector's task.
	progress *Progress
	// catalog is what the connector has written: its AsyncAPI channels.
	catalog catalog

	// posGuard is the guard told of each committed position (a
	// capture.PositionGuard), nil without one.
	posGuard atomic.Pointer[capture.PositionGuard]
}

var _ rest.Manager = (*Supervisor)(nil)

// NewSupervisor returns a supervisor; Start loads and starts the connectors
// kept in the data directory.
func NewSupervisor(o SupervisorOptions) *Supervisor {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{opts: o, log: o.Log, conns: map[string]*managed{}, quit: make(chan struct{}),
		cl: clusterState{owned: map[string]bool{}, published: map[string]WorkerStatus{}, nudge: make(chan struct{}, 1)}}
}

func newManaged(name string, cfg map[string]string, target string, metrics *Metrics) *managed {
	return &managed{
		name: name, config: cfg, target: target, progress: NewProgress(name, metrics),
		cmds: make(chan command), exited: make(chan struct{}),
	}
}

// begin starts m's actor, which starts m as its target says, and waits for
// that start.
func (s *Supervisor) begin(m *managed) {
	started := make(chan struct{})
	go s.serve(m, started)
	<-started
}

// configAndTarget returns m's config (not to be changed) and target.
func (m *managed) configAndTarget() (map[string]string, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.config, m.target
}

type savedConnector struct {
	Config map[string]string `json:"config"`
	State  string            `json:"state"`
	// Topics are the connector's active topics, kept so GET
	// /connectors/{name}/topics survives a restart (Kafka Connect keeps them
	// in its status topic).
	Topics []string `json:"topics,omitempty"`
}

func (s *Supervisor) storePath() string { return filepath.Join(s.opts.DataDir, "connectors.json") }

// Start loads the connectors kept in the data directory and starts them.
func (s *Supervisor) Start(ctx context.Context) error {
	if s.clustered() {
		// The config topic's reader registers the connectors.
		go s.publishStatus()
		return nil
	}
	if err := os.MkdirAll(s.opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	b, err := os.ReadFile(s.storePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read connectors: %w", err)
	}
	var saved map[string]savedConnector
	if err := json.Unmarshal(b, &saved); err != nil {
		return fmt.Errorf("read connectors from %s: %w", s.storePath(), err)
	}
	var loaded []*managed
	s.mu.Lock()
	for name, sc := range saved {
		target := sc.State
		if target == "" {
			target = StateRunning
		}
		m := newManaged(name, sc.Config, target, s.opts.Metrics)
		for _, t := range sc.Topics {
			m.addTopic(t)
		}
		s.conns[name] = m
		loaded = append(loaded, m)
	}
	s.mu.Unlock()
	for _, m := range loaded {
		s.log.Info("loaded connector", "connector", m.name, "target", m.target)
		s.begin(m)
	}
	return nil
}

// save writes the registered connectors atomically. Saves are written one
// at a time, each with what is registered when it starts, so the last
// write has every change made before it. Called without mu or any
// connector's mu held.
func (s *Supervisor) save() error {
	if s.clustered() {
		return nil // the config topic keeps them
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	conns := slices.Collect(maps.Values(s.conns))
	s.mu.Unlock()
	saved := map[string]savedConnector{}
	for _, m := range conns {
		m.mu.Lock()
		saved[m.name] = savedConnector{Config: m.config, State: m.target, Topics: m.topicList()}
		m.mu.Unlock()
	}
	b, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.storePath() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return saveError(s.opts.DataDir, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return saveError(s.opts.DataDir, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return saveError(s.opts.DataDir, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return saveError(s.opts.DataDir, err)
	}
	if err := os.Rename(tmp, s.storePath()); err != nil {
		return saveError(s.opts.DataDir, err)
	}
	if d, err := os.Open(s.opts.DataDir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// apply makes a connector's run match its target. Called by m's actor.
func (s *Supervisor) apply(m *managed) {
	switch m.target {
	case StateRunning:
		if m.cancel == nil {
			s.launch(m)
		}
	default:
		s.halt(m)
		m.mu.Lock()
		m.state, m.trace = m.target, ""
		m.mu.Unlock()
	}
}

// halt stops a connector's run and waits for it. Called by m's actor.
func (s *Supervisor) halt(m *managed) {
	if m.cancel == nil {
		return
	}
	m.cancel()
	<-m.done
	m.hardStop()
	m.cancel, m.hardStop, m.done = nil, nil, nil
}

// launch starts a connector's run goroutine. Called by m's actor.
func (s *Supervisor) launch(m *managed) {
	ctx, cancel := context.WithCancel(context.Background())
	hard, hardStop := context.WithCancel(context.Background())
	ctx = sinks.WithHardStop(ctx, hard)
	done := make(chan struct{})
	m.cancel, m.hardStop, m.done = cancel, hardStop, done
	m.mu.Lock()
	m.state, m.trace, m.notice = StateUnassigned, "", ""
	m.mu.Unlock()
	cfg := maps.Clone(m.config)
	go func() {
		defer close(done)
		// A bug in the connector's own goroutine fails that connector,
		// not the daemon.
		if err := change.Guard(func() error { s.run(ctx, m, cfg); return nil }); err != nil {
			s.log.Error("connector stopped by an internal error", "connector", m.name, "err", err)
			s.setState(m, StateFailed, trace(err))
		}
	}()
}

func (s *Supervisor) setState(m *managed, state, trace string) {
	m.mu.Lock()
	m.state, m.trace = state, trace
	m.mu.Unlock()
	s.nudgeStatus()
}

// run runs a connector until ctx is done or it fails for good. A retryable
// failure (a database or Kafka out of reach) shows the task FAILED with the
// reason and the next attempt in its trace while the run waits to retry, and
// RUNNING again as soon as a retry opens the source; the connector's
// RetryPolicy bounds the retries of one outage, after which the task stays
// FAILED until it is restarted. A terminal failure (a wrong password, a
// missing privilege, a lost slot) is not retried.
func (s *Supervisor) run(ctx context.Context, m *managed, cfg map[string]string) {
	log := s.log.With("connector", m.name)
	stored := cfg
	var r *retrier
	for {
		// Placeholders are resolved at each start, so a rotated secret file
		// is read again by a restart or a retry.
		res := s.opts.Providers.Resolve(stored)
		sec := secretsOf(s.opts.Plugins, stored, slices.Concat(res.Secrets, s.opts.Secrets))
		if err := res.Err(); err != nil {
			log.Error("connector failed: a config provider placeholder did not resolve", "err", sec.scrub(err.Error()))
			s.setState(m, StateFailed, sec.scrub(trace(err)))
			return
		}
		cfg := res.Config
		cc, src, probs := parseConfigWith(s.opts.Worker, s.opts.Plugins, m.name, cfg, log)
		if len(probs) > 0 {
			s.setState(m, StateFailed, sec.scrub(invalidConfigError(probs).Error()))
			return
		}
		if r == nil {
			r = &retrier{policy: cc.retry}
			for _, kr := range unusedKeys(cc.plugin, cfg) {
				log.Info("configuration key accepted but not used", "key", kr[0], "reason", kr[1])
			}
		}
		m.catalog.forConfig(stored)
		cc.catalog = &m.catalog
		enc, err := cc.newEncoder(ctx.Done(), log, func() { s.opts.Metrics.observeSkipped(m.name) })
		if err != nil {
			s.setState(m, StateFailed, sec.scrub(trace(err)))
			return
		}
		// runningAt is when the run opened its source (unix ns, 0 before);
		// committed says it committed a batch since.
		var runningAt atomic.Int64
		var committed atomic.Bool
		task := &Task{
			Name:    m.name,
			Source:  src,
			Encoder: enc,
			NewSink: func(ctx context.Context) (sinks.Sink, error) {
				return s.opts.NewSink(ctx, m.name, SinkSpec{Topics: cc.topics, Producer: cc.producer})
			},
			Offsets:   s.opts.Offsets,
			Batching:  cc.batching,
			Tolerance: cc.tolerance,
			Log:       log,
			Metrics:   s.opts.Metrics,
			OnRunning: func() {
				runningAt.Store(time.Now().UnixNano())
				s.setState(m, StateRunning, "")
			},
			OnCommit:  func() { committed.Store(true) },
			Committed: m.committed,
			Topics:    connectorTopics{s, m},
			Knobs:     s.opts.Knobs,
			Progress:  m.progress,
		}
		if _, ok := cfg[MigrateTopicKey]; ok {
			task.Migrate = func(ctx context.Context) (*change.Position, error) {
				return migrateFrom(ctx, s.opts.ConnectOffsets, cc.plugin, m.name, cfg)
			}
		}
		err = task.Run(ctx)
		if ctx.Err() != nil {
			log.Info("connector stopped")
			return
		}
		if err == nil {
			err = errors.New("connector task ended unexpectedly")
		}
		// No resolved secret or stored password leaves in a log or a trace.
		err = sec.scrubErr(err)
		now := time.Now()
		// An outage is over once a run has made progress: it committed
		// something, or stayed RUNNING a while.
		if at := runningAt.Load(); at != 0 && (committed.Load() || now.Sub(time.Unix(0, at)) >= stableAfter) {
			r.recovered()
		}
		retryable := IsRetryable(err)
		v := r.failed(now, retryable)
		switch {
		case !retryable:
			log.Error("connector failed", "err", err)
			s.setState(m, StateFailed, trace(err))
			return
		case !v.retry:
			log.Error("connector failed: no retries left", "err", err, "retries", v.attempt, "outage", r.outage(now), "limit", v.why)
			s.setState(m, StateFailed, gaveUpTrace(err, v, r.outage(now), m.name))
			return
		}
		log.Warn("connector failed; retrying", "err", err, "retry", v.attempt, "in", v.wait, "outage", r.outage(now))
		s.opts.Metrics.observeRetry(m.name)
		s.setState(m, StateFailed, retryingTrace(err, v, r.policy, now.Add(v.wait)))
		t := time.NewTimer(v.wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// trace renders an error for a status body, Kafka Connect style.
func trace(err error) string {
	return "org.apache.kafka.connect.errors.ConnectException: " + err.Error()
}

// Shutdown stops every connector, committing what each has in hand. A
// command that reaches a connector after it is answered with 503 and
// starts nothing.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.quit)
	}
	conns := slices.Collect(maps.Values(s.conns))
	s.mu.Unlock()
	for _, m := range conns {
		select {
		case <-m.exited:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Names lists the registered connectors.
func (s *Supervisor) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := slices.Collect(maps.Keys(s.conns))
	slices.Sort(names)
	return names
}

// Plugins lists the connector classes, the registered transforms and
// predicates, the converters and the header converter.
func (s *Supervisor) Plugins() []rest.PluginInfo {
	var out []rest.PluginInfo
	for _, p := range s.opts.Plugins {
		out = append(out, rest.PluginInfo{Class: p.Class, Type: "source", Version: p.Version})
	}
	for _, o := range otherPlugins() {
		out = append(out, o.PluginInfo)
	}
	return out
}

// ClusterID returns the Kafka cluster id.
func (s *Supervisor) ClusterID() string {
	if s.opts.ClusterID == nil {
		return ""
	}
	return s.opts.ClusterID()
}

// check validates a config for name, returning a 400 error listing every
// problem.
func (s *Supervisor) check(name string, cfg map[string]string) error {
	if _, ok := cfg["connector.class"]; !ok {
		return connerr.New(connerr.ErrBadRequest, "Connector config %v contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector", s.redact(cfg))
	}
	// Checked with its placeholders resolved, as Kafka Connect validates a
	// config. A placeholder that does not resolve now (a secret file not yet
	// mounted) does not refuse the config: the task fails with the reason
	// when it starts, and validate reports it on its key.
	res := s.opts.Providers.Resolve(cfg)
	_, _, probs := parseConfigWith(s.opts.Worker, s.opts.Plugins, name, res.Config, s.log)
	for k := range res.Errors {
		delete(probs, k)
	}
	if len(probs) > 0 {
		// The problems are sluice's own messages, which quote no password;
		// a resolved value may be quoted (a placeholder in a number key).
		secretsOf(nil, nil, slices.Concat(res.Secrets, s.opts.Secrets)).scrubProblems(probs)
		return invalidConfigError(probs)
	}
	return nil
}

// redact returns cfg with secret values hidden.
func (s *Supervisor) redact(cfg map[string]string) map[string]string {
	out := maps.Clone(cfg)
	p := findPlugin(s.opts.Plugins, cfg["connector.class"])
	for k := range out {
		if isSecret(p, k) {
			out[k] = hidden
		}
	}
	return out
}

func isSecret(p *Plugin, key string) bool {
	if p != nil && slices.Contains(p.Secrets, key) {
		return true
	}
	return strings.HasSuffix(key, ".password") || key == "password" || strings.HasSuffix(key, ".basic.auth.user.info")
}

// info is a connector's ConnectorInfo. A STOPPED connector has no tasks,
// as in Kafka Connect.
func (s *Supervisor) info(m *managed) rest.ConnectorInfo {
	cfg, target := m.configAndTarget()
	tasks := []rest.TaskID{{Connector: m.name, Task: 0}}
	if target == StateStopped {
		tasks = []rest.TaskID{}
	}
	return rest.ConnectorInfo{
		Name:   m.name,
		Config: maps.Clone(cfg),
		Tasks:  tasks,
		Type:   "source",
	}
}

// Create registers and starts a connector.
func (s *Supervisor) Create(ctx context.Context, name string, cfg map[string]string, initialState string) (rest.ConnectorInfo, error) {
	if strings.TrimSpace(name) == "" {
		return rest.ConnectorInfo{}, errEmptyName
	}
	target := StateRunning
	switch strings.ToUpper(initialState) {
	case "", StateRunning:
	case StatePaused:
		target = StatePaused
	case StateStopped:
		target = StateStopped
	default:
		return rest.ConnectorInfo{}, connerr.New(connerr.ErrBadRequest, "initial_state %q is not valid: use RUNNING, PAUSED or STOPPED", initialState)
	}
	cfg = maps.Clone(cfg)
	cfg["name"] = name
	if err := s.check(name, cfg); err != nil {
		return rest.ConnectorInfo{}, err
	}
	if s.clustered() {
		return s.clusterCreate(ctx, name, cfg, target)
	}
	m := newManaged(name, cfg, target, s.opts.Metrics)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return rest.ConnectorInfo{}, errShuttingDown
	}
	if _, ok := s.conns[name]; ok {
		s.mu.Unlock()
		return rest.ConnectorInfo{}, connerr.New(connerr.ErrExists, "Connector %s already exists", name)
	}
	s.conns[name] = m
	s.mu.Unlock()
	if err := s.save(); err != nil {
		s.mu.Lock()
		delete(s.conns, name)
		s.mu.Unlock()
		// A command that found m meanwhile finds it gone.
		m.gone = errDeleted
		close(m.exited)
		return rest.ConnectorInfo{}, err
	}
	s.log.Info("connector created", "connector", name, "class", cfg["connector.class"], "state", target)
	s.begin(m)
	return s.info(m), nil
}

// get finds a registered connector.
func (s *Supervisor) get(name, notFoundFormat string) (*managed, error) {
	s.mu.Lock()
	m, ok := s.conns[name]
	s.mu.Unlock()
	if !ok {
		return nil, notFound(notFoundFormat, name)
	}
	return m, nil
}

// Info returns a connector's info.
func (s *Supervisor) Info(name string) (rest.ConnectorInfo, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	return s.info(m), nil
}

// Config returns a connector's config as stored, placeholders unresolved and
// passwords as they were sent, as Kafka Connect returns it (tools compare it
// with what they sent).
func (s *Supervisor) Config(name string) (map[string]string, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil, err
	}
	cfg, _ := m.configAndTarget()
	return maps.Clone(cfg), nil
}

// RedactedConfig returns a connector's config as stored with the values of
// its secret keys (the plugin's Secrets and every *.password) replaced by a
// placeholder, for views that must not show them (the web console).
func (s *Supervisor) RedactedConfig(name string) (map[string]string, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil, err
	}
	cfg, _ := m.configAndTarget()
	return s.redact(cfg), nil
}

// PutConfig creates or reconfigures a connector.
func (s *Supervisor) PutConfig(ctx context.Context, name string, cfg map[string]string) (rest.ConnectorInfo, bool, error) {
	s.configMu.Lock()
	defer s.configMu.Unlock()
	return s.putConfig(ctx, name, cfg, true)
}

// PatchConfig reconfigures a connector with the config patch makes of a
// copy of its stored one (PATCH /connectors/{name}/config). Config writes
// hold configMu, so a PUT or another PATCH cannot come between the read and
// the write, and a connector deleted meanwhile is 404, not created again.
func (s *Supervisor) PatchConfig(ctx context.Context, name string, patch func(map[string]string) (map[string]string, error)) (rest.ConnectorInfo, error) {
	s.configMu.Lock()
	defer s.configMu.Unlock()
	stored, err := s.Config(name)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	cfg, err := patch(stored)
	if err != nil {
		return rest.ConnectorInfo{}, err
	}
	info, _, err := s.putConfig(ctx, name, cfg, false)
	return info, err
}

// putConfig is PutConfig; without create, an unknown connector is 404.
func (s *Supervisor) putConfig(ctx context.Context, name string, cfg map[string]string, create bool) (rest.ConnectorInfo, bool, error) {
	s.mu.Lock()
	_, exists := s.conns[name]
	s.mu.Unlock()
	if !exists && !create {
		return rest.ConnectorInfo{}, false, connerr.New(connerr.ErrNotFound, "Connector %s not found", name)
	}
	if !exists {
		info, err := s.Create(ctx, name, cfg, "")
		return info, err == nil, err
	}
	cfg = maps.Clone(cfg)
	cfg["name"] = name
	if err := s.check(name, cfg); err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	if s.clustered() {
		if old, _ := s.Config(name); maps.Equal(old, cfg) {
			info, err := s.Info(name)
			return info, false, err
		}
		if err := s.opts.Cluster.Config.PutConnector(ctx, name, cfg); err != nil {
			return rest.ConnectorInfo{}, false, err
		}
		info, err := s.Info(name)
		return info, false, err
	}
	var info rest.ConnectorInfo
	err := s.do(name, "Connector %s not found", func(m *managed) error {
		if maps.Equal(m.config, cfg) {
			// Kafka Connect restarts neither the tasks nor the stored
			// config for an identical config: nothing changes.
			s.log.Info("connector config unchanged; not restarted", "connector", name)
			info = s.info(m)
			return nil
		}
		old := m.config
		m.mu.Lock()
		m.config = cfg
		m.mu.Unlock()
		if err := s.save(); err != nil {
			m.mu.Lock()
			m.config = old
			m.mu.Unlock()
			return err
		}
		s.log.Info("connector reconfigured", "connector", name)
		s.halt(m)
		s.apply(m)
		s.watch(m)
		info = s.info(m)
		return nil
	})
	if err != nil {
		return rest.ConnectorInfo{}, false, err
	}
	return info, false, nil
}

// Delete stops and removes a connector. Its checkpoint stays on the offsets
// topic, as Kafka Connect keeps a deleted connector's offsets.
func (s *Supervisor) Delete(ctx context.Context, name string) error {
	if s.clustered() {
		if _, err := s.get(name, "Connector %s not found"); err != nil {
			return err
		}
		if err := s.opts.Cluster.Config.Delete(ctx, name); err != nil {
			return err
		}
		s.rebalance()
		// Its status records go too, as Kafka Connect's onDeletion.
		if err := s.opts.Cluster.Status.DeleteConnector(ctx, name); err != nil {
			s.log.Warn("remove a deleted connector's status records", "connector", name, "err", err)
		}
		return nil
	}
	return s.do(name, "Connector %s not found", func(m *managed) error {
		s.unwatch(m)
		s.halt(m)
		s.mu.Lock()
		delete(s.conns, name)
		s.mu.Unlock()
		// The actor ends after this command; commands after it find the
		// connector gone.
		m.gone = errDeleted
		if err := s.save(); err != nil {
			return err
		}
		s.opts.Metrics.Forget(name)
		s.log.Info("connector deleted", "connector", name)
		return nil
	})
}

// Status returns a connector's status.
func (s *Supervisor) Status(name string) (rest.ConnectorStatus, error) {
	m, err := s.get(name, "No status found for connector %s")
	if err != nil {
		return rest.ConnectorStatus{}, err
	}
	if !s.owns(name) {
		return s.clusterStatus(m), nil
	}
	m.mu.Lock()
	state, tr := m.state, m.trace
	version := s.pluginVersion(m)
	warnings := m.statusWarnings()
	m.mu.Unlock()
	cstate := rest.State{State: state, WorkerID: s.opts.WorkerID, Version: version}
	if state == StateStopped {
		return rest.ConnectorStatus{Name: name, Connector: cstate, Tasks: []rest.TaskState{}, Type: "source", Warnings: warnings}, nil
	}
	// The connector instance is RUNNING while its task works or fails, as in
	// Kafka Connect; the task carries the failure and its trace.
	if state == StateFailed || state == StateUnassigned {
		cstate.State = StateRunning
	}
	task := rest.TaskState{ID: 0, State: rest.State{State: state, WorkerID: s.opts.WorkerID, Version: version, Trace: tr}, Snapshot: m.progress.Snapshot()}
	return rest.ConnectorStatus{Name: name, Connector: cstate, Tasks: []rest.TaskState{task}, Type: "source", Warnings: warnings}, nil
}

func (s *Supervisor) setTarget(ctx context.Context, name, target string) error {
	if s.clustered() {
		if _, err := s.get(name, "Unknown connector %s"); err != nil {
			return err
		}
		return s.opts.Cluster.Config.PutTarget(ctx, name, target)
	}
	return s.do(name, "Unknown connector %s", func(m *managed) error {
		if m.target == target {
			return nil
		}
		old := m.target
		m.mu.Lock()
		m.target = target
		m.mu.Unlock()
		if err := s.save(); err != nil {
			m.mu.Lock()
			m.target = old
			m.mu.Unlock()
			return err
		}
		s.log.Info("connector target state changed", "connector", name, "target", target)
		s.apply(m)
		return nil
	})
}

// Pause pauses a connector: its run stops and its position stays where it
// was committed.
func (s *Supervisor) Pause(ctx context.Context, name string) error {
	return s.setTarget(ctx, name, StatePaused)
}

// Resume resumes a paused or stopped connector from its checkpoint.
func (s *Supervisor) Resume(ctx context.Context, name string) error {
	return s.setTarget(ctx, name, StateRunning)
}

// Stop stops a connector.
func (s *Supervisor) Stop(ctx context.Context, name string) error {
	return s.setTarget(ctx, name, StateStopped)
}

// Restart restarts a connector's run (from its checkpoint).
func (s *Supervisor) Restart(ctx context.Context, name string) error {
	if s.clustered() && !s.owns(name) {
		if _, err := s.get(name, "Unknown connector: %s"); err != nil {
			return err
		}
		return s.opts.Cluster.Config.Restart(ctx, name)
	}
	return s.do(name, "Unknown connector: %s", func(m *managed) error {
		s.halt(m)
		s.apply(m)
		return nil
	})
}

// UnusedKeys returns the keys of a connector's config that sluice accepts
// without using them, each with the reason.
func (s *Supervisor) UnusedKeys(name string) ([]rest.UnusedKey, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil, err
	}
	cfg, _ := m.configAndTarget()
	p := findPlugin(s.opts.Plugins, cfg["connector.class"])
	if p == nil {
		return []rest.UnusedKey{}, nil
	}
	out := []rest.UnusedKey{}
	for _, kr := range unusedKeys(p, cfg) {
		out = append(out, rest.UnusedKey{Key: kr[0], Reason: kr[1]})
	}
	return out, nil
}

// Validate checks a config against plugin without creating anything: the
// keys and values, then, as Debezium's validate does, a connection to the
// database and its login (the plugin's Check), unless a connection key
// already has a problem. The check is bounded by
// connection.validation.timeout.ms.
func (s *Supervisor) Validate(plugin string, cfg map[string]string) (map[string][]string, error) {
	res := s.opts.Providers.Resolve(cfg)
	// The problems are sluice's own messages and the database's login
	// errors, which quote no stored password; a resolved value may be quoted.
	sec := secretsOf(nil, nil, slices.Concat(res.Secrets, s.opts.Secrets))
	cc, _, probs := parseConfigWith(s.opts.Worker, s.opts.Plugins, cfg["name"], res.Config, s.log)
	// The chain's problems, each on its key as Kafka Connect reports them,
	// replace what the key check says of those keys.
	for k := range probs {
		if isTransformKey(k) {
			delete(probs, k)
		}
	}
	for k, es := range transformProblems(res.Config) {
		if probs == nil {
			probs = problems{}
		}
		probs[k] = es
	}
	for k, err := range res.Errors {
		if probs == nil {
			probs = problems{}
		}
		probs[k] = []string{err.Error()}
	}
	if cc.plugin == nil || cc.plugin.Check == nil || len(res.Errors) > 0 {
		sec.scrubProblems(probs)
		return probs, nil
	}
	for _, k := range connectionKeys {
		if len(probs[k]) > 0 {
			sec.scrubProblems(probs)
			return probs, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cc.validationTimeout)
	defer cancel()
	for k, es := range cc.plugin.Check(ctx, res.Config) {
		if probs == nil {
			probs = problems{}
		}
		probs[k] = append(probs[k], es...)
	}
	sec.scrubProblems(probs)
	return probs, nil
}

// connectionKeys are the keys a connection check needs, its TLS keys
// included; with a problem on one, Validate does not try to connect.
var connectionKeys = []string{"database.hostname", "database.port", "database.user", "database.password", "database.dbname", "connection.validation.timeout.ms",
	"database.sslmode", "database.sslrootcert", "database.sslcert", "database.sslkey", "database.sslpassword", "database.sslfactory",
	"database.ssl.mode", "database.ssl.truststore", "database.ssl.truststore.password", "database.ssl.keystore", "database.ssl.keystore.password"}

// Offsets returns a connector's committed checkpoint in Kafka Connect's
// offsets shape: the partition is {"server": topic.prefix}, as Debezium's.
func (s *Supervisor) Offsets(ctx context.Context, name string) (rest.ConnectorOffsets, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	cfg, _ := m.configAndTarget()
	raw, err := s.opts.Offsets.Load(ctx, name)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	if raw == nil {
		return rest.ConnectorOffsets{Offsets: []rest.PartitionOffset{}}, nil
	}
	pos, err := DecodeCheckpoint(raw)
	if err != nil {
		return rest.ConnectorOffsets{}, err
	}
	return rest.ConnectorOffsets{Offsets: []rest.PartitionOffset{{
		Partition: map[string]any{"server": cfg["topic.prefix"]},
		Offset:    s.offsetView(cfg, *pos),
	}}}, nil
}

// ResetOffsets deletes a STOPPED connector's checkpoint.
func (s *Supervisor) ResetOffsets(ctx context.Context, name string) error {
	m, err := s.get(name, "Connector %s not found")
	if err == nil {
		if _, target := m.configAndTarget(); target != StateStopped {
			err = errNotStopped(name)
		}
	}
	if err != nil {
		return err
	}
	if err := s.opts.Offsets.Reset(ctx, name); err != nil {
		return err
	}
	s.log.Info("connector offsets reset", "connector", name)
	return nil
}

// offsetView shows pos with the connector class's offset keys.
func (s *Supervisor) offsetView(cfg map[string]string, pos change.Position) map[string]any {
	if p := findPlugin(s.opts.Plugins, cfg["connector.class"]); p != nil && p.Offsets != nil {
		return p.Offsets(pos)
	}
	return offsetView(pos)
}
