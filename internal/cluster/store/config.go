package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Keys of the config topic: Kafka Connect's (KafkaConfigBackingStore).
const (
	connectorPrefix   = "connector-"
	targetStatePrefix = "target-state-"
	taskPrefix        = "task-"
	commitPrefix      = "commit-"
	restartPrefix     = "restart-connector-"
)

// Target states as sluice names them (REST, Connectors) ...
const (
	TargetRunning = "RUNNING"
	TargetPaused  = "PAUSED"
	TargetStopped = "STOPPED"
)

// ConfigTopicOptions configures OpenConfigTopic.
type ConfigTopicOptions struct {
	// Opts are the worker's client options (seed brokers, TLS, SASL,
	// client id). The store builds its own producer and consumer from them
	// and closes them on Close; do not pass consumer or transactional
	// options.
	Opts []kgo.Opt
	// Topic is config.storage.topic, e.g. "sluice-configs".
	Topic string
	// ReplicationFactor of the topic when it is created; -1 or 0 is the
	// broker's default.
	ReplicationFactor int16
	// ReadOnly opens an existing topic without creating it; every write
	// returns ErrReadOnly. For reading another cluster's topic (a Kafka
	// Connect cluster's, in the fidelity test).
	ReadOnly bool
	// OnChange is called on the reader goroutine, in log order, for each
	// record that changes a connector (see Change), during the initial
	// read as well as after it. It must not call the store's writes or
	// ReadToEnd (they wait for that goroutine).
	OnChange func(Change)
	// Logger (default: discard).
	Logger *slog.Logger
}

// ChangeKind says what a Change is.
type ChangeKind int

const (
	// ChangeConfig: a connector-<name> record (a new or updated config).
	ChangeConfig ChangeKind = iota + 1
	// ChangeTarget: the target state of a connector that has a config
	// changed (not sent for a target-state record of an unknown connector,
	// nor for a target-state tombstone, as in Connect).
	ChangeTarget
	// ChangeDeleted: a connector-<name> tombstone for a connector that
	// had a config.
	ChangeDeleted
	// ChangeRestart: a restart-connector-<name> record read after the
	// initial read (Connect ignores restart requests it finds on start).
	ChangeRestart
)

func (k ChangeKind) String() string {
	switch k {
	case ChangeConfig:
		return "Config"
	case ChangeTarget:
		return "Target"
	case ChangeDeleted:
		return "Deleted"
	case ChangeRestart:
		return "Restart"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is one applied record, as OnChange sees it.
type Change struct {
	Kind ChangeKind
	Name string
	// Config and Target are the connector's state after the record
	// (Target in sluice's terms: RUNNING, PAUSED or STOPPED); empty for
	// ChangeDeleted.
	Config map[string]string
	Target string
	// IncludeTasks and OnlyFailed are the restart request's (ChangeRestart).
	IncludeTasks, OnlyFailed bool
	// Offset is the record's offset in the topic.
	Offset int64
}

// Connector is one connector in a Connectors snapshot.
type Connector struct {
	Config map[string]string
	// Target is RUNNING, PAUSED or STOPPED.
	Target string
}

// ConfigTopic is the connector configurations of a group, kept in a
// compacted one-partition topic in Kafka Connect's layout. Every method is
// safe from any goroutine.
type ConfigTopic struct {
	log      *slog.Logger
	onChange func(Change)
	tl       *topicLog

	foreign atomic.Bool // a Connect-only record was read
	mu      sync.Mutex
	configs map[string]map[string]string
	targets map[string]string // Connect's STARTED, PAUSED, STOPPED
}

// OpenConfigTopic creates the topic when it is missing (one partition,
// cleanup.policy=compact), refuses an existing one with more partitions or
// another cleanup policy (ErrTopicLayout), reads it to its end
// (read_committed) and keeps tailing it until Close.
func OpenConfigTopic(ctx context.Context, opts ConfigTopicOptions) (*ConfigTopic, error) {
	if opts.Topic == "" {
		return nil, fmt.Errorf("%w: Topic is empty: set config.storage.topic", ErrConfig)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &ConfigTopic{
		log:      opts.Logger.With("topic", opts.Topic),
		onChange: opts.OnChange,
		configs:  map[string]map[string]string{},
		targets:  map[string]string{},
	}
	tl, err := openLog(ctx, logSpec{
		opts: opts.Opts, topic: opts.Topic, purpose: "connector configurations", setting: "config.storage.topic",
		partitions: 1, onlyOne: true, replication: replication(opts.ReplicationFactor),
		readOnly: opts.ReadOnly, logger: c.log,
	}, c.apply)
	if err != nil {
		return nil, err
	}
	c.tl = tl
	return c, nil
}

func replication(rf int16) int16 {
	if rf == 0 {
		return -1
	}
	return rf
}

// PutConnector writes the connector's config as Connect does when a
// connector is created or updated and its tasks are configured:
// connector-<name>, task-<name>-0 (the same properties: sluice runs one
// task per connector) and commit-<name> {"tasks":1}. It returns once the
// records are read back and applied.
func (c *ConfigTopic) PutConnector(ctx context.Context, name string, cfg map[string]string) error {
	if name == "" {
		return fmt.Errorf("%w: empty connector name", ErrConfig)
	}
	v, err := encodeProperties(cfg)
	if err != nil {
		return err
	}
	commit, _ := json.Marshal(commitValue{Tasks: 1})
	return c.tl.produce(ctx,
		kv{connectorPrefix + name, v},
		kv{taskPrefix + name + "-0", v},
		kv{commitPrefix + name, commit},
	)
}

// PutTarget writes target-state-<name> for state RUNNING, PAUSED or
// STOPPED. Connect's record carries "state" (STARTED or PAUSED, what
// workers before KIP-875 read; STOPPED is written as PAUSED there) and
// "state.v2". It returns once the record is applied.
func (c *ConfigTopic) PutTarget(ctx context.Context, name, state string) error {
	v, err := encodeTarget(state)
	if err != nil {
		return err
	}
	return c.tl.produce(ctx, kv{targetStatePrefix + name, v})
}

// Delete writes tombstones for connector-<name> and then
// target-state-<name>, as Connect's removeConnectorConfig does (task and
// commit records are left to compaction, as in Connect). It returns once
// they are applied.
func (c *ConfigTopic) Delete(ctx context.Context, name string) error {
	return c.tl.produce(ctx, kv{connectorPrefix + name, nil}, kv{targetStatePrefix + name, nil})
}

// Restart writes restart-connector-<name> {"include-tasks":true,
// "only-failed":false}; the connector's owner acts on it (OnChange with
// ChangeRestart). It returns once the record is applied.
func (c *ConfigTopic) Restart(ctx context.Context, name string) error {
	v, _ := json.Marshal(restartValue{IncludeTasks: true, OnlyFailed: false})
	return c.tl.produce(ctx, kv{restartPrefix + name, v})
}

// ReadToEnd blocks until every record up to the topic's current end offset
// (read_committed) is applied. The leader calls it before it assigns.
func (c *ConfigTopic) ReadToEnd(ctx context.Context) error {
	return c.tl.readToEnd(ctx)
}

// Connectors returns a snapshot of the connectors that have a config.
func (c *ConfigTopic) Connectors() map[string]Connector {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]Connector, len(c.configs))
	for n, cfg := range c.configs {
		out[n] = Connector{Config: maps.Clone(cfg), Target: fromConnectTarget(c.targets[n])}
	}
	return out
}

// WrittenByConnect says whether the topic holds a record only a Kafka
// Connect cluster writes (its leader's session-key): a worker must not
// share a running Connect cluster's config topic.
func (c *ConfigTopic) WrittenByConnect() bool { return c.foreign.Load() }

// Close stops the reader and closes the clients.
func (c *ConfigTopic) Close() { c.tl.close() }

// apply runs on the reader goroutine.
func (c *ConfigTopic) apply(r *kgo.Record, replay bool) {
	key := string(r.Key)
	log := c.log.With("key", key, "offset", r.Offset)
	var ch *Change
	var err error
	switch {
	case strings.HasPrefix(key, targetStatePrefix):
		ch, err = c.applyTarget(strings.TrimPrefix(key, targetStatePrefix), r.Value)
	case strings.HasPrefix(key, connectorPrefix):
		ch, err = c.applyConfig(strings.TrimPrefix(key, connectorPrefix), r.Value)
	case strings.HasPrefix(key, restartPrefix):
		var rv restartValue
		rv, err = decodeRestart(r.Value)
		if err == nil && !replay {
			ch = &Change{Kind: ChangeRestart, Name: strings.TrimPrefix(key, restartPrefix), IncludeTasks: rv.IncludeTasks, OnlyFailed: rv.OnlyFailed}
		}
	default:
		// task-, commit-, tasks-fencing-, session-key, logger-cluster-:
		// Connect's, not used by sluice (one task, the connector's config).
		if key == "session-key" {
			// Only a Kafka Connect leader writes one (sessioned protocol).
			c.foreign.Store(true)
		}
		log.Debug("skipped config record")
		return
	}
	if err != nil {
		// Connect logs a malformed record and goes on; so does sluice.
		log.Warn("ignored malformed config record", "err", err)
		return
	}
	log.Debug("applied config record")
	if ch != nil && c.onChange != nil {
		ch.Offset = r.Offset
		c.onChange(*ch)
	}
}

func (c *ConfigTopic) applyConfig(name string, value []byte) (*Change, error) {
	if value == nil {
		c.mu.Lock()
		_, had := c.configs[name]
		delete(c.configs, name)
		c.mu.Unlock()
		if !had {
			return nil, nil
		}
		return &Change{Kind: ChangeDeleted, Name: name}, nil
	}
	props, err := decodeProperties(value)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.configs[name] = props
	if _, ok := c.targets[name]; !ok {
		c.targets[name] = "STARTED"
	}
	t := c.targets[name]
	c.mu.Unlock()
	return &Change{Kind: ChangeConfig, Name: name, Config: maps.Clone(props), Target: fromConnectTarget(t)}, nil
}

func (c *ConfigTopic) applyTarget(name string, value []byte) (*Change, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if value == nil {
		// Written with the connector's tombstone; a connector that still
		// has a config falls back to STARTED. No change is announced.
		delete(c.targets, name)
		if _, ok := c.configs[name]; ok {
			c.targets[name] = "STARTED"
		}
		return nil, nil
	}
	t, err := decodeTarget(value)
	if err != nil {
		return nil, err
	}
	prev, had := c.targets[name]
	c.targets[name] = t
	cfg, ok := c.configs[name]
	if !ok || (had && prev == t) {
		return nil, nil
	}
	return &Change{Kind: ChangeTarget, Name: name, Config: maps.Clone(cfg), Target: fromConnectTarget(t)}, nil
}

// Values as Connect's JsonConverter writes them with schemas.enable=false.

type propertiesValue struct {
	Properties map[string]*string `json:"properties"`
}

type commitValue struct {
	Tasks int32 `json:"tasks"`
}

type targetValue struct {
	State   string  `json:"state"`
	StateV2 *string `json:"state.v2"`
}

type restartValue struct {
	IncludeTasks bool `json:"include-tasks"`
	OnlyFailed   bool `json:"only-failed"`
}

func encodeProperties(cfg map[string]string) ([]byte, error) {
	p := make(map[string]*string, len(cfg))
	for k, v := range cfg {
		p[k] = &v
	}
	b, err := json.Marshal(propertiesValue{Properties: p})
	if err != nil {
		return nil, fmt.Errorf("encode connector config: %w", err)
	}
	return b, nil
}

// decodeProperties reads {"properties":{...}}. Connect's schema allows a
// null property value; it is kept as "" (sluice's configs have no nulls).
func decodeProperties(b []byte) (map[string]string, error) {
	var v propertiesValue
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("decode {\"properties\":{…}}: %w", err)
	}
	if v.Properties == nil {
		return nil, errors.New(`decode {"properties":{…}}: no "properties" object`)
	}
	out := make(map[string]string, len(v.Properties))
	for k, p := range v.Properties {
		if p != nil {
			out[k] = *p
		} else {
			out[k] = ""
		}
	}
	return out, nil
}

func encodeTarget(state string) ([]byte, error) {
	var v1, v2 string
	switch state {
	case TargetRunning:
		v1, v2 = "STARTED", "STARTED"
	case TargetPaused:
		v1, v2 = "PAUSED", "PAUSED"
	case TargetStopped:
		v1, v2 = "PAUSED", "STOPPED"
	default:
		return nil, fmt.Errorf("%w: target state %q: want RUNNING, PAUSED or STOPPED", ErrConfig, state)
	}
	return json.Marshal(targetValue{State: v1, StateV2: &v2})
}

// decodeTarget returns Connect's target state: "state.v2" when it is a
// string, else "state" (written by workers before KIP-875).
func decodeTarget(b []byte) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("decode target state: %w", err)
	}
	s, ok := m["state.v2"].(string)
	if !ok {
		if s, ok = m["state"].(string); !ok {
			return "", fmt.Errorf(`decode target state: neither "state.v2" nor "state" is a string in %s`, b)
		}
	}
	switch s {
	case "STARTED", "PAUSED", "STOPPED":
		return s, nil
	}
	return "", fmt.Errorf("decode target state: unknown state %q", s)
}

func decodeRestart(b []byte) (restartValue, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return restartValue{}, fmt.Errorf("decode restart request: %w", err)
	}
	// Connect falls back to false for a missing or non-boolean field.
	it, _ := m["include-tasks"].(bool)
	of, _ := m["only-failed"].(bool)
	return restartValue{IncludeTasks: it, OnlyFailed: of}, nil
}

// fromConnectTarget maps Connect's target state to sluice's; a connector
// with no target-state record is STARTED.
func fromConnectTarget(t string) string {
	switch t {
	case "PAUSED":
		return TargetPaused
	case "STOPPED":
		return TargetStopped
	}
	return TargetRunning
}
