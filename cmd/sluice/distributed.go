package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/cluster"
	"github.com/sluicecdc/sluice/internal/cluster/store"
)

// groupConfig is distributed mode's part of the worker config: Kafka
// Connect's keys, by flag, SLUICE_* variable or worker file.
type groupConfig struct {
	id                 string
	configTopic        string
	statusTopic        string
	configRF, statusRF int
	session, heartbeat time.Duration
	rebalance          time.Duration
	sessionMS          string
	heartbeatMS        string
	rebalanceMS        string
}

func groupFlags(fs *flag.FlagSet, g *groupConfig) {
	fs.StringVar(&g.id, "group-id", env("SLUICE_GROUP_ID", ""),
		"join the distributed group of this id (Kafka Connect's group.id): workers of one group share the connectors, kept in --config-topic (SLUICE_GROUP_ID; empty: standalone, connectors in --data-dir)")
	fs.StringVar(&g.configTopic, "config-topic", env("SLUICE_CONFIG_TOPIC", "sluice-configs"),
		"distributed mode: the compacted topic of connector configs (config.storage.topic; SLUICE_CONFIG_TOPIC)")
	fs.StringVar(&g.statusTopic, "status-topic", env("SLUICE_STATUS_TOPIC", "sluice-status"),
		"distributed mode: the compacted topic of connector and task status (status.storage.topic; SLUICE_STATUS_TOPIC)")
	g.sessionMS = env("SLUICE_SESSION_TIMEOUT_MS", "10000")
	g.heartbeatMS = env("SLUICE_HEARTBEAT_INTERVAL_MS", "3000")
	g.rebalanceMS = env("SLUICE_REBALANCE_TIMEOUT_MS", "60000")
	g.configRF, g.statusRF = -1, -1
}

// applyWorker takes distributed mode's keys from a worker file where no
// flag or variable gave them.
func (g *groupConfig) applyWorker(props map[string]string, given func(flagName, envName string) bool) {
	take := func(key, flagName, envName string, dst *string) {
		if v := strings.TrimSpace(props[key]); v != "" && !given(flagName, envName) {
			*dst = v
		}
	}
	take("group.id", "group-id", "SLUICE_GROUP_ID", &g.id)
	take("config.storage.topic", "config-topic", "SLUICE_CONFIG_TOPIC", &g.configTopic)
	take("status.storage.topic", "status-topic", "SLUICE_STATUS_TOPIC", &g.statusTopic)
	take("session.timeout.ms", "", "SLUICE_SESSION_TIMEOUT_MS", &g.sessionMS)
	take("heartbeat.interval.ms", "", "SLUICE_HEARTBEAT_INTERVAL_MS", &g.heartbeatMS)
	take("rebalance.timeout.ms", "", "SLUICE_REBALANCE_TIMEOUT_MS", &g.rebalanceMS)
	for key, dst := range map[string]*int{"config.storage.replication.factor": &g.configRF, "status.storage.replication.factor": &g.statusRF} {
		if v := strings.TrimSpace(props[key]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				n = 0 // finish reports it
			}
			*dst = n
		}
	}
}

// finish checks the group settings.
func (g *groupConfig) finish() error {
	var errs []error
	ms := func(key, v string, dst *time.Duration) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: give a number of milliseconds above 0", key, v))
			return
		}
		*dst = time.Duration(n) * time.Millisecond
	}
	ms("session.timeout.ms", g.sessionMS, &g.session)
	ms("heartbeat.interval.ms", g.heartbeatMS, &g.heartbeat)
	ms("rebalance.timeout.ms", g.rebalanceMS, &g.rebalance)
	if g.heartbeat >= g.session && g.session > 0 {
		errs = append(errs, fmt.Errorf("heartbeat.interval.ms=%s must be below session.timeout.ms=%s (a third of it or less)", g.heartbeatMS, g.sessionMS))
	}
	for key, rf := range map[string]int{"config.storage.replication.factor": g.configRF, "status.storage.replication.factor": g.statusRF} {
		if rf == 0 || rf < -1 || rf > 32767 {
			errs = append(errs, fmt.Errorf("%s: use -1 (the broker's default) or a number of replicas", key))
		}
	}
	if g.id != "" && (strings.TrimSpace(g.configTopic) == "" || strings.TrimSpace(g.statusTopic) == "") {
		errs = append(errs, errors.New("distributed mode needs config.storage.topic and status.storage.topic (--config-topic, --status-topic)"))
	}
	return errors.Join(errs...)
}

// group is a running worker's membership and its topics.
type group struct {
	member *cluster.Member
	config *store.ConfigTopic
	status *store.StatusTopic
	client *kgo.Client
	// exited is closed when the membership ends; runErr is why (nil
	// after a clean leave).
	exited chan struct{}
	runErr error
	cancel context.CancelFunc
	wasIn  atomic.Bool
}

// groupPlumbing is what serve gives distributed mode.
type groupPlumbing struct {
	brokers  []string
	opts     []kgo.Opt // the worker's client options (security, client id)
	workerID string    // host:port
	url      string    // this worker's REST URL
	log      *slog.Logger
}

// openGroup opens the config and status topics; the supervisor is given
// the config log before any record reaches it (apply is set after).
func openGroup(ctx context.Context, g groupConfig, p groupPlumbing, apply func(store.Change)) (*group, error) {
	base := append([]kgo.Opt{kgo.SeedBrokers(p.brokers...)}, p.opts...)
	cfg, err := store.OpenConfigTopic(ctx, store.ConfigTopicOptions{
		Opts: base, Topic: g.configTopic, ReplicationFactor: int16(g.configRF),
		OnChange: apply, Logger: p.log,
	})
	if err != nil {
		return nil, fmt.Errorf("config topic %s: %w", g.configTopic, err)
	}
	if cfg.WrittenByConnect() {
		cfg.Close()
		return nil, fmt.Errorf("config topic %s belongs to a Kafka Connect cluster (it holds the session key only Connect's leader writes): "+
			"set config.storage.topic (--config-topic) and status.storage.topic (--status-topic) to topics of sluice's own", g.configTopic)
	}
	st, err := store.OpenStatusTopic(ctx, store.StatusTopicOptions{
		Opts: base, Topic: g.statusTopic, ReplicationFactor: int16(g.statusRF), Logger: p.log,
	})
	if err != nil {
		cfg.Close()
		return nil, fmt.Errorf("status topic %s: %w", g.statusTopic, err)
	}
	return &group{config: cfg, status: st}, nil
}

// join makes the worker a member of the group; its assignments go to sup.
func (gr *group) join(g groupConfig, p groupPlumbing, sup *runtime.Supervisor) error {
	cl, err := kgo.NewClient(append(append([]kgo.Opt{kgo.SeedBrokers(p.brokers...)}, p.opts...), kgo.ClientID("sluice"))...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	m, err := cluster.NewMember(cluster.Config{
		Client:            cl,
		Group:             g.id,
		WorkerID:          p.url,
		SessionTimeout:    g.session,
		HeartbeatInterval: g.heartbeat,
		RebalanceTimeout:  g.rebalance,
		Connectors: func() []string {
			// The leader assigns what the config topic holds at its end.
			ctx, cancel := context.WithTimeout(context.Background(), g.session)
			defer cancel()
			if err := gr.config.ReadToEnd(ctx); err != nil {
				p.log.Warn("read the config topic to its end before assigning", "err", err)
			}
			return slices.Sorted(maps.Keys(gr.config.Connectors()))
		},
		OnAssign: func(a cluster.Assignment) {
			p.log.Info("assignment", "generation", a.Generation, "leader", a.LeaderURL, "connectors", len(a.Connectors),
				"added", strings.Join(a.Added, ","), "revoked", strings.Join(a.Revoked, ","), "lost", a.Lost)
			sup.Assign(a.Generation, a.Connectors, a.Lost)
		},
		Logger: p.log,
	})
	if err != nil {
		cl.Close()
		return err
	}
	gr.member, gr.client = m, cl
	ctx, cancel := context.WithCancel(context.Background())
	gr.cancel, gr.exited = cancel, make(chan struct{})
	go func() {
		gr.runErr = m.Run(ctx)
		close(gr.exited)
	}()
	return nil
}

// joined is nil once the worker has been in a generation of its group
// (GET /health is 503 "starting" until then, as Kafka Connect's before its
// worker has joined), and says so otherwise.
func (gr *group) joined() error {
	if gr.member.Assignment().Generation >= 0 || gr.wasIn.Load() {
		gr.wasIn.Store(true)
		return nil
	}
	return errors.New("Joining the group of workers (group.id) and reading its config topic.")
}

// ended is closed when the membership ended by itself (a terminal error:
// not authorized, a group of another protocol type); nil-safe.
func (gr *group) ended() <-chan struct{} {
	if gr == nil || gr.exited == nil {
		return nil
	}
	return gr.exited
}

// leader is the forwarder's view of the group.
func (gr *group) leader() (string, bool, bool) {
	a := gr.member.Assignment()
	return a.LeaderURL, a.IsLeader, a.Generation >= 0 && a.LeaderURL != ""
}

// leave stops this worker's connectors and leaves the group (the others
// take them over at once), within ctx.
func (gr *group) leave(ctx context.Context) error {
	var err error
	if gr.member != nil {
		gr.cancel()
		select {
		case <-gr.exited:
			err = gr.runErr
		case <-ctx.Done():
			err = ctx.Err()
		}
		gr.client.Close()
	}
	gr.config.Close()
	gr.status.Close()
	return err
}

// forward wraps h so that connector writes go to the leader, and a
// connector's AsyncAPI document is asked of the worker running it (owner).
func (gr *group) forward(h http.Handler, owner func(string) (string, bool, bool), log *slog.Logger) http.Handler {
	return &forwarder{next: h, leader: gr.leader, owner: owner, client: http.DefaultTransport.(*http.Transport).Clone(), log: log}
}

// ownerOf says which worker runs connector name, from its status: the
// worker's REST URL, and whether it is self (a worker id).
func ownerOf(sup *runtime.Supervisor, self string, tls bool) func(string) (string, bool, bool) {
	return func(name string) (string, bool, bool) {
		st, err := sup.Status(name)
		if err != nil || st.Connector.WorkerID == "" || st.Connector.State != runtime.StateRunning {
			return "", false, false
		}
		return restURL(st.Connector.WorkerID, tls), st.Connector.WorkerID == self, true
	}
}

// applyChange hands a config topic record to the supervisor.
func applyChange(sup *runtime.Supervisor) func(store.Change) {
	return func(c store.Change) {
		switch c.Kind {
		case store.ChangeConfig:
			sup.ConfigChanged(c.Name, c.Config, c.Target)
		case store.ChangeTarget:
			sup.TargetChanged(c.Name, c.Target)
		case store.ChangeDeleted:
			sup.ConnectorRemoved(c.Name)
		case store.ChangeRestart:
			sup.RestartRequested(c.Name)
		}
	}
}

// statusLog adapts the status topic to the runtime.
type statusLog struct{ t *store.StatusTopic }

func (s statusLog) PutConnector(ctx context.Context, name string, st runtime.WorkerStatus) error {
	_, err := s.t.PutConnectorSafe(ctx, name, store.Status(st))
	return err
}

func (s statusLog) PutTask(ctx context.Context, name string, task int, st runtime.WorkerStatus) error {
	_, err := s.t.PutTaskSafe(ctx, name, task, store.Status(st))
	return err
}

func (s statusLog) Connector(name string) (runtime.WorkerStatus, bool) {
	st, ok := s.t.Connector(name)
	return runtime.WorkerStatus(st), ok
}

func (s statusLog) Task(name string, task int) (runtime.WorkerStatus, bool) {
	st, ok := s.t.Task(name, task)
	return runtime.WorkerStatus(st), ok
}

func (s statusLog) PutTopic(ctx context.Context, connector, topic string) error {
	return s.t.PutTopic(ctx, connector, topic)
}

func (s statusLog) Topics(connector string) []string { return s.t.Topics(connector) }

func (s statusLog) DeleteConnector(ctx context.Context, name string) error {
	return s.t.DeleteConnector(ctx, name)
}

// restURL is the URL other workers reach this one at.
func restURL(workerID string, tls bool) string {
	if tls {
		return "https://" + workerID
	}
	return "http://" + workerID
}

// dialVia makes every Kafka connection of the daemon go to addr instead
// of the broker it names (SLUICE_TEST_KAFKA_DIAL_VIA, for tests only: a
// proxy in a test that cuts one worker off from a one-broker cluster;
// the broker's advertised address would otherwise bypass the proxy).
func (k *kafkaClients) dialVia(addr string) {
	if addr == "" {
		return
	}
	var d net.Dialer
	opt := kgo.Dialer(func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	})
	k.producer = append(k.producer, opt)
	k.consumer = append(k.consumer, opt)
	k.admin = append(k.admin, opt)
}
