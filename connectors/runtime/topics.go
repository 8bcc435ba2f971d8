package runtime

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/sluicecdc/sluice/connectors/connerr"
)

// TopicRecorder learns the topics a connector's task has committed records
// to: Kafka Connect's "active topics" (GET /connectors/{name}/topics).
type TopicRecorder interface {
	// Generation changes each time the recorded topics are reset; the task
	// then reports every topic it writes to again.
	Generation() uint64
	// Record adds topics that a committed batch wrote to for the first time
	// in this run (or since the last reset). It is called after the commit,
	// rarely: not per record.
	Record(topics []string)
}

// topicTracker notes the topics a task writes to, so that the first commit
// to each reaches the TopicRecorder once. The per-record cost is a string
// comparison with the last record's topic, and a map lookup only when the
// topic differs from it.
type topicTracker struct {
	rec   TopicRecorder
	gen   uint64
	seen  map[string]struct{}
	last  string
	fresh []string // written in the open batch, not yet recorded
}

// batchStart is called when a batch takes its first event: after a reset,
// the topics seen so far are forgotten so they are recorded again.
func (tt *topicTracker) batchStart() {
	if tt.rec == nil {
		return
	}
	if g := tt.rec.Generation(); g != tt.gen || tt.seen == nil {
		tt.gen, tt.seen, tt.last = g, map[string]struct{}{}, ""
	}
}

// wrote notes a record written to topic in the open batch.
func (tt *topicTracker) wrote(topic string) {
	if tt.rec == nil || topic == tt.last {
		return
	}
	tt.last = topic
	if _, ok := tt.seen[topic]; !ok {
		tt.seen[topic] = struct{}{}
		tt.fresh = append(tt.fresh, topic)
	}
}

// committed reports the open batch's new topics once it has committed.
func (tt *topicTracker) committed() {
	if tt.rec == nil || len(tt.fresh) == 0 {
		return
	}
	tt.rec.Record(slices.Clone(tt.fresh))
	tt.fresh = tt.fresh[:0]
}

// addTopic adds a topic to the connector's active topics and reports
// whether it is new. Called with m.mu held (or before the connector is
// shared).
func (m *managed) addTopic(topic string) bool {
	if _, ok := m.topics[topic]; ok {
		return false
	}
	if m.topics == nil {
		m.topics = map[string]struct{}{}
	}
	m.topics[topic] = struct{}{}
	return true
}

// topicList returns the connector's active topics, sorted; nil if none.
// Called with m.mu held.
func (m *managed) topicList() []string {
	if len(m.topics) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m.topics))
}

// connectorTopics records a connector's active topics for its task.
type connectorTopics struct {
	s *Supervisor
	m *managed
}

func (c connectorTopics) Generation() uint64 { return c.m.topicsGen.Load() }

// Record adds the topics and, when one is new, saves the registered
// connectors so the topics survive a restart. A failed save is logged, not
// returned: the topics are bookkeeping and the records are committed.
func (c connectorTopics) Record(topics []string) {
	s, m := c.s, c.m
	s.mu.Lock()
	current := s.conns[m.name] == m
	s.mu.Unlock()
	if !current {
		return // deleted or replaced meanwhile
	}
	var added []string
	m.mu.Lock()
	for _, t := range topics {
		if m.addTopic(t) {
			added = append(added, t)
			s.log.Info("connector writes to a new topic", "connector", m.name, "topic", t)
		}
	}
	m.mu.Unlock()
	if s.clustered() {
		// Kafka Connect's status-topic-<topic>:connector-<name> records.
		for _, t := range added {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.opts.Cluster.Status.PutTopic(ctx, m.name, t); err != nil {
				s.log.Warn("write the connector's active topic to the status topic", "connector", m.name, "topic", t, "err", err)
			}
			cancel()
		}
		return
	}
	if len(added) > 0 {
		if err := s.save(); err != nil {
			s.log.Warn("save the connector's active topics", "connector", m.name, "err", err)
		}
	}
}

// Topics returns the topics a connector has written to since it was
// created or its topics were last reset. An unknown connector has none.
func (s *Supervisor) Topics(name string) ([]string, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return []string{}, nil
	}
	if s.clustered() {
		if t := s.opts.Cluster.Status.Topics(name); len(t) > 0 {
			return t, nil
		}
		return []string{}, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.topicList(); t != nil {
		return t, nil
	}
	return []string{}, nil
}

// ResetTopics empties a connector's active topics; its task records the
// topics it writes to from its next batch on. An unknown connector is not an
// error, as in Kafka Connect.
func (s *Supervisor) ResetTopics(_ context.Context, name string) error {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil
	}
	if s.clustered() {
		return connerr.New(connerr.ErrBadRequest, "resetting a connector's active topics is not supported in distributed mode yet; they stay in the status topic")
	}
	m.mu.Lock()
	m.topics = nil
	m.topicsGen.Add(1)
	m.mu.Unlock()
	if err := s.save(); err != nil {
		return err
	}
	s.log.Info("connector active topics reset", "connector", name)
	return nil
}
