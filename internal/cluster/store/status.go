package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Keys of the status topic: Kafka Connect's (KafkaStatusBackingStore).
const (
	connectorStatusPrefix = "status-connector-"
	taskStatusPrefix      = "status-task-"
	topicStatusPrefix     = "status-topic-"
	topicStatusSeparator  = ":connector-"
)

// DefaultStatusPartitions is Connect's status.storage.partitions default.
const DefaultStatusPartitions = 5

// Status states, Connect's names.
const (
	StateUnassigned = "UNASSIGNED"
	StateRunning    = "RUNNING"
	StatePaused     = "PAUSED"
	StateStopped    = "STOPPED"
	StateFailed     = "FAILED"
	StateRestarting = "RESTARTING"
)

// StatusTopicOptions configures OpenStatusTopic.
type StatusTopicOptions struct {
	// Opts are the worker's client options, as in ConfigTopicOptions.
	Opts []kgo.Opt
	// Topic is status.storage.topic, e.g. "sluice-status".
	Topic string
	// Partitions of the topic when it is created (default 5, Connect's
	// status.storage.partitions). An existing topic is used as it is.
	Partitions int32
	// ReplicationFactor when created; -1 or 0 is the broker's default.
	ReplicationFactor int16
	// ReadOnly opens an existing topic without creating it; writes return
	// ErrReadOnly.
	ReadOnly bool
	// Logger (default: discard).
	Logger *slog.Logger
}

// Status is a connector's or a task's status record.
type Status struct {
	// State is one of the State* constants.
	State string
	// Trace is the failure's stack trace or message; empty for none
	// (written as null).
	Trace string
	// WorkerID is the writer's worker id (its REST URL; Connect's
	// "host:port").
	WorkerID string
	// Generation is the group generation in which the writer owned it.
	Generation int32
	// Version is the connector plugin's version; Kafka Connect 4.x writes
	// it (null when unknown, e.g. for an UNASSIGNED task). Empty is
	// written as null.
	Version string
}

// topicStatus is one active topic of a connector (status-topic-<topic>:
// connector-<name>).
type topicStatus struct {
	Topic     string
	Connector string
	Task      int32
	// Discovered is when the connector first wrote to the topic.
	Discovered time.Time
}

type taskID struct {
	connector string
	task      int
}

// StatusTopic is the connector and task statuses of a group, kept in a
// compacted topic in Kafka Connect's layout. Every method is safe from any
// goroutine.
//
// Writes come in two kinds, as in Connect: PutConnector and PutTask write
// unconditionally; PutConnectorSafe and PutTaskSafe write only if the last
// record this store has read for the key is absent, from the same worker,
// or from a generation at or below the new one (Connect's putSafe), so a
// worker that has fallen behind the group does not overwrite the status
// its successor wrote. Like Connect's, the check is against what has been
// read, so it narrows the window for a stale write; it cannot close it.
type StatusTopic struct {
	log *slog.Logger
	tl  *topicLog

	mu         sync.Mutex
	connectors map[string]Status
	tasks      map[taskID]Status
	topics     map[string]map[string]topicStatus // connector -> topic
}

// OpenStatusTopic creates the topic when it is missing (compacted,
// Partitions partitions), refuses an existing one whose cleanup.policy is
// not compact, reads it to its end and keeps tailing it until Close.
func OpenStatusTopic(ctx context.Context, opts StatusTopicOptions) (*StatusTopic, error) {
	if opts.Topic == "" {
		return nil, fmt.Errorf("%w: Topic is empty: set status.storage.topic", ErrConfig)
	}
	if opts.Partitions == 0 {
		opts.Partitions = DefaultStatusPartitions
	}
	if opts.Partitions < 0 {
		return nil, fmt.Errorf("%w: Partitions %d: want 1 or more", ErrConfig, opts.Partitions)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &StatusTopic{
		log:        opts.Logger.With("topic", opts.Topic),
		connectors: map[string]Status{},
		tasks:      map[taskID]Status{},
		topics:     map[string]map[string]topicStatus{},
	}
	tl, err := openLog(ctx, logSpec{
		opts: opts.Opts, topic: opts.Topic, purpose: "connector and task statuses", setting: "status.storage.topic",
		partitions: opts.Partitions, replication: replication(opts.ReplicationFactor),
		readOnly: opts.ReadOnly, logger: s.log,
	}, s.apply)
	if err != nil {
		return nil, err
	}
	s.tl = tl
	return s, nil
}

// PutConnector writes status-connector-<name> and returns once it is
// read back.
func (s *StatusTopic) PutConnector(ctx context.Context, name string, st Status) error {
	return s.put(ctx, connectorStatusPrefix+name, st)
}

// PutTask writes status-task-<name>-<task> and returns once it is read
// back.
func (s *StatusTopic) PutTask(ctx context.Context, name string, task int, st Status) error {
	return s.put(ctx, taskKey(name, task), st)
}

// PutConnectorSafe is PutConnector under Connect's putSafe rule; it
// reports whether it wrote.
func (s *StatusTopic) PutConnectorSafe(ctx context.Context, name string, st Status) (bool, error) {
	s.mu.Lock()
	prev, ok := s.connectors[name]
	s.mu.Unlock()
	if ok && !canWriteSafely(prev, st) {
		s.log.Debug("status not written: a later generation wrote it", "connector", name, "state", st.State, "generation", st.Generation, "last_worker", prev.WorkerID, "last_generation", prev.Generation)
		return false, nil
	}
	return true, s.PutConnector(ctx, name, st)
}

// PutTaskSafe is PutTask under Connect's putSafe rule; it reports whether
// it wrote.
func (s *StatusTopic) PutTaskSafe(ctx context.Context, name string, task int, st Status) (bool, error) {
	s.mu.Lock()
	prev, ok := s.tasks[taskID{name, task}]
	s.mu.Unlock()
	if ok && !canWriteSafely(prev, st) {
		s.log.Debug("status not written: a later generation wrote it", "connector", name, "task", task, "state", st.State, "generation", st.Generation, "last_worker", prev.WorkerID, "last_generation", prev.Generation)
		return false, nil
	}
	return true, s.PutTask(ctx, name, task, st)
}

func canWriteSafely(prev, next Status) bool {
	return prev.WorkerID == next.WorkerID || prev.Generation <= next.Generation
}

// PutTopic writes status-topic-<topic>:connector-<connector> for task 0,
// discovered now, and returns once it is read back.
func (s *StatusTopic) PutTopic(ctx context.Context, connector, topic string) error {
	b, err := json.Marshal(topicStatusValue{Topic: topicStatusInner{
		Name: topic, Connector: connector, Task: 0, DiscoverTimestamp: time.Now().UnixMilli(),
	}})
	if err != nil {
		return fmt.Errorf("encode topic status: %w", err)
	}
	return s.tl.produce(ctx, kv{topicStatusPrefix + topic + topicStatusSeparator + connector, b})
}

// Connector returns the last status read for the connector.
func (s *StatusTopic) Connector(name string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.connectors[name]
	return st, ok
}

// Task returns the last status read for the task.
func (s *StatusTopic) Task(name string, task int) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.tasks[taskID{name, task}]
	return st, ok
}

// Topics returns the connector's active topics, sorted.
func (s *StatusTopic) Topics(connector string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.topics[connector]))
	for t := range s.topics[connector] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// DeleteConnector writes what Connect writes when a connector is deleted
// (AbstractHerder.onDeletion): a tombstone for every task status this
// store knows of (at least task 0), then one for the connector's status.
// Topic statuses are left as they are (Connect keeps them too, until a
// reset of the active topics). It returns once they are read back.
func (s *StatusTopic) DeleteConnector(ctx context.Context, name string) error {
	s.mu.Lock()
	tasks := []int{0}
	for id := range s.tasks {
		if id.connector == name && id.task != 0 {
			tasks = append(tasks, id.task)
		}
	}
	s.mu.Unlock()
	slices.Sort(tasks)
	recs := make([]kv, 0, len(tasks)+1)
	for _, t := range tasks {
		recs = append(recs, kv{taskKey(name, t), nil})
	}
	recs = append(recs, kv{connectorStatusPrefix + name, nil})
	return s.tl.produce(ctx, recs...)
}

// ReadToEnd blocks until every record up to the topic's current end
// offsets is applied.
func (s *StatusTopic) ReadToEnd(ctx context.Context) error { return s.tl.readToEnd(ctx) }

// Close stops the reader and closes the clients.
func (s *StatusTopic) Close() { s.tl.close() }

func (s *StatusTopic) put(ctx context.Context, key string, st Status) error {
	if !validState(st.State) {
		return fmt.Errorf("%w: status state %q: want one of UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING", ErrConfig, st.State)
	}
	b, err := encodeStatus(st)
	if err != nil {
		return err
	}
	return s.tl.produce(ctx, kv{key, b})
}

func taskKey(name string, task int) string {
	return taskStatusPrefix + name + "-" + strconv.Itoa(task)
}

func validState(s string) bool {
	switch s {
	case StateUnassigned, StateRunning, StatePaused, StateStopped, StateFailed, StateRestarting:
		return true
	}
	return false
}

// apply runs on the reader goroutine.
func (s *StatusTopic) apply(r *kgo.Record, _ bool) {
	key := string(r.Key)
	var err error
	switch {
	case strings.HasPrefix(key, connectorStatusPrefix):
		err = s.applyConnector(strings.TrimPrefix(key, connectorStatusPrefix), r.Value)
	case strings.HasPrefix(key, taskStatusPrefix):
		err = s.applyTask(strings.TrimPrefix(key, taskStatusPrefix), r.Value)
	case strings.HasPrefix(key, topicStatusPrefix):
		err = s.applyTopic(strings.TrimPrefix(key, topicStatusPrefix), r.Value)
	default:
		err = errors.New("unknown key")
	}
	if err != nil {
		// Connect logs and discards a record it cannot read; so does sluice.
		s.log.Warn("ignored status record", "key", key, "offset", r.Offset, "err", err)
	}
}

func (s *StatusTopic) applyConnector(name string, value []byte) error {
	if name == "" {
		return errors.New("no connector name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		// Connect drops the connector's task statuses with it.
		delete(s.connectors, name)
		for id := range s.tasks {
			if id.connector == name {
				delete(s.tasks, id)
			}
		}
		return nil
	}
	st, err := decodeStatus(value)
	if err != nil {
		return err
	}
	s.connectors[name] = st
	return nil
}

func (s *StatusTopic) applyTask(rest string, value []byte) error {
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 {
		return errors.New("no <connector>-<task> in the key")
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return fmt.Errorf("task number: %w", err)
	}
	id := taskID{rest[:i], n}
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(s.tasks, id)
		return nil
	}
	st, err := decodeStatus(value)
	if err != nil {
		return err
	}
	// Connect's reader ignores an UNASSIGNED task status of the same or an
	// older generation over a RUNNING one: a worker that had not yet read
	// the new owner's RUNNING may write it during a rebalance.
	if prev, ok := s.tasks[id]; ok && st.State == StateUnassigned && prev.State == StateRunning && prev.Generation >= st.Generation {
		s.log.Debug("ignored stale UNASSIGNED task status", "connector", id.connector, "task", id.task, "generation", st.Generation, "running_generation", prev.Generation)
		return nil
	}
	s.tasks[id] = st
	return nil
}

func (s *StatusTopic) applyTopic(rest string, value []byte) error {
	i := strings.Index(rest, topicStatusSeparator)
	if i <= 0 || i+len(topicStatusSeparator) >= len(rest) {
		return errors.New("no <topic>:connector-<name> in the key")
	}
	topic, connector := rest[:i], rest[i+len(topicStatusSeparator):]
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(s.topics[connector], topic)
		return nil
	}
	var v topicStatusValue
	if err := json.Unmarshal(value, &v); err != nil {
		return fmt.Errorf("decode topic status: %w", err)
	}
	if s.topics[connector] == nil {
		s.topics[connector] = map[string]topicStatus{}
	}
	s.topics[connector][topic] = topicStatus{
		Topic: v.Topic.Name, Connector: v.Topic.Connector, Task: v.Topic.Task,
		Discovered: time.UnixMilli(v.Topic.DiscoverTimestamp),
	}
	return nil
}

// statusValue is Connect's status record; trace is null when empty.
type statusValue struct {
	State      string  `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int32   `json:"generation"`
	Version    *string `json:"version"`
}

type topicStatusInner struct {
	Name              string `json:"name"`
	Connector         string `json:"connector"`
	Task              int32  `json:"task"`
	DiscoverTimestamp int64  `json:"discoverTimestamp"`
}

type topicStatusValue struct {
	Topic topicStatusInner `json:"topic"`
}

func encodeStatus(st Status) ([]byte, error) {
	v := statusValue{State: st.State, WorkerID: st.WorkerID, Generation: st.Generation}
	if st.Trace != "" {
		v.Trace = &st.Trace
	}
	if st.Version != "" {
		v.Version = &st.Version
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode status: %w", err)
	}
	return b, nil
}

func decodeStatus(b []byte) (Status, error) {
	var v statusValue
	if err := json.Unmarshal(b, &v); err != nil {
		return Status{}, fmt.Errorf("decode status: %w", err)
	}
	if !validState(v.State) {
		return Status{}, fmt.Errorf("decode status: unknown state %q", v.State)
	}
	st := Status{State: v.State, WorkerID: v.WorkerID, Generation: v.Generation}
	if v.Trace != nil {
		st.Trace = *v.Trace
	}
	if v.Version != nil {
		st.Version = *v.Version
	}
	return st, nil
}
