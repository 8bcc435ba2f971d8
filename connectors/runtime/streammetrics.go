package runtime

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// streamMetrics are Debezium's streaming metrics (MilliSecondsBehindSource,
// MilliSecondsSinceLastEvent, TotalNumberOfCreateEventsSeen and its
// siblings, NumberOfCommittedTransactions, QueueRemainingCapacity,
// Connected) as Prometheus series per connector, plus what Debezium does
// not show: the checkpoint's age and the records per topic. All count what
// Kafka has committed, as the other metrics do: a batch lost to a crash is
// not counted.
type streamMetrics struct {
	behind  *prometheus.GaugeVec
	events  *prometheus.CounterVec
	txns    *prometheus.CounterVec
	topics  *prometheus.CounterVec
	pending *prometheus.GaugeVec
	queue   *prometheus.GaugeVec
	clocks  *clocks
}

func newStreamMetrics(reg prometheus.Registerer) streamMetrics {
	m := streamMetrics{
		behind: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_streaming_milliseconds_behind_source",
			Help: "At the last commit, the time from the source's commit of the batch's last streamed change to its commit to Kafka (Debezium's MilliSecondsBehindSource).",
		}, []string{"connector"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_streaming_events_total",
			Help: "Change events committed to Kafka by operation (c, u, d, r for snapshot reads, t), as Debezium's TotalNumberOf*EventsSeen.",
		}, []string{"connector", "op"}),
		txns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_streaming_transactions_total",
			Help: "Source transactions whose changes were all committed to Kafka (Debezium's NumberOfCommittedTransactions).",
		}, []string{"connector"}),
		topics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_topic_records_total",
			Help: "Records committed to each topic.",
		}, []string{"connector", "topic"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_queue_pending_events",
			Help: "Events the source had read and the connector not yet taken, at the last commit (Debezium's queue: QueueTotalCapacity − QueueRemainingCapacity).",
		}, []string{"connector"}),
		queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_queue",
			Help: "The source's queue at the last commit: measure=capacity_events (Debezium's QueueTotalCapacity, max.queue.size), capacity_bytes (MaxQueueSizeInBytes, max.queue.size.in.bytes), pending_bytes (CurrentQueueSizeInBytes).",
		}, []string{"connector", "measure"}),
		clocks: &clocks{m: map[string]*clock{}},
	}
	reg.MustRegister(m.behind, m.events, m.txns, m.topics, m.pending, m.queue, m.clocks)
	return m
}

// batchStats is what a batch counts for the metrics until it commits. It
// is on every event's path, so it counts in an array and in runs of
// records to one topic, touching its map only when the topic changes.
type batchStats struct {
	ops     [len(statOps)]int // by index in statOps
	txns    int
	topics  map[string]int
	run     string // the topic of the current run of records
	runN    int
	lastSrc time.Time // the source commit time of its last streamed change
}

// statOps are the operations counted, by their index in batchStats.ops.
const statOps = "cudrt"

// saw counts an event of the batch.
func (b *batchStats) saw(ev *change.Event) {
	if ev.Message == nil && ev.Table != nil {
		if i := strings.IndexByte(statOps, byte(ev.Op)); i >= 0 {
			b.ops[i]++
		}
	}
	if !ev.Pos.Snapshot {
		if !ev.Commit.IsZero() && ev.Message == nil {
			b.lastSrc = ev.Commit
		}
		if ev.Pos.Last && ev.Table != nil {
			b.txns++
		}
	}
}

// wrote counts a record for topic.
func (b *batchStats) wrote(topic string) {
	if topic == b.run {
		b.runN++
		return
	}
	b.endRun()
	b.run, b.runN = topic, 1
}

// endRun adds the current run of records to its topic's count.
func (b *batchStats) endRun() {
	if b.runN == 0 {
		return
	}
	if b.topics == nil {
		b.topics = map[string]int{}
	}
	b.topics[b.run] += b.runN
	b.run, b.runN = "", 0
}

func (b *batchStats) reset() {
	b.ops = [len(statOps)]int{}
	clear(b.topics)
	b.run, b.runN = "", 0
	b.txns, b.lastSrc = 0, time.Time{}
}

// observeBatch records a committed batch; pending < 0 is unknown.
func (m *Metrics) observeBatch(connector string, b *batchStats, pending int, now time.Time) {
	if m == nil {
		return
	}
	s := m.stream
	b.endRun()
	seen := false
	for i, n := range b.ops {
		if n > 0 {
			s.events.WithLabelValues(connector, statOps[i:i+1]).Add(float64(n))
			seen = true
		}
	}
	if b.txns > 0 {
		s.txns.WithLabelValues(connector).Add(float64(b.txns))
	}
	for t, n := range b.topics {
		s.topics.WithLabelValues(connector, t).Add(float64(n))
	}
	if !b.lastSrc.IsZero() {
		s.behind.WithLabelValues(connector).Set(float64(max(now.Sub(b.lastSrc), 0).Milliseconds()))
	}
	if pending >= 0 {
		s.pending.WithLabelValues(connector).Set(float64(pending))
	}
	c := s.clocks.get(connector)
	s.clocks.mu.Lock()
	c.commit = now
	if seen {
		c.event = now
	}
	s.clocks.mu.Unlock()
}

// queueReporter is a Stream that shows its queue (capture.Pipe).
type queueReporter interface {
	QueueStats() capture.QueueStats
}

// observeQueue records stream's queue, when it shows one.
func (m *Metrics) observeQueue(connector string, stream Stream) {
	qr, ok := stream.(queueReporter)
	if m == nil || !ok {
		return
	}
	q := qr.QueueStats()
	m.stream.queue.WithLabelValues(connector, "capacity_events").Set(float64(q.CapacityEvents))
	m.stream.queue.WithLabelValues(connector, "capacity_bytes").Set(float64(q.CapacityBytes))
	m.stream.queue.WithLabelValues(connector, "pending_bytes").Set(float64(q.QueuedBytes))
}

// observeConnected records whether connector's stream is open, and the
// stream's lag while it is (stream may be nil).
func (m *Metrics) observeConnected(connector string, up bool, stream Stream) {
	if m == nil {
		return
	}
	c := m.stream.clocks.get(connector)
	m.stream.clocks.mu.Lock()
	defer m.stream.clocks.mu.Unlock()
	c.connected, c.lag = up, nil
	if lr, ok := stream.(LagReporter); ok && up {
		c.lag = lr.SourceLagBytes
	}
}

// Forget drops a deleted connector's series.
func (m *Metrics) Forget(connector string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"connector": connector}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.events, m.records, m.commits, m.latency, m.retries, m.skipped,
		m.snap.rows, m.snap.estimated, m.snap.running, m.snap.completed, m.snap.aborted, m.snap.total, m.snap.remaining, m.snap.duration,
		m.stream.behind, m.stream.events, m.stream.txns, m.stream.topics, m.stream.pending, m.stream.queue,
	} {
		v.DeletePartialMatch(l)
	}
	m.forgetGuard(connector)
	m.stream.clocks.mu.Lock()
	delete(m.stream.clocks.m, connector)
	m.stream.clocks.mu.Unlock()
}

// clocks are the series computed when scraped: the time since each
// connector's last event and last commit, and whether it is connected.
type clocks struct {
	mu sync.Mutex
	m  map[string]*clock
}

type clock struct {
	event, commit time.Time // committed last; zero: never
	connected     bool
	// lag, while the task's stream is open and can say, is how many bytes
	// of the source's log it has still to commit (LagReporter).
	lag func() (int64, bool)
}

// LagReporter is a Stream that can say how far behind the source's log
// its committed position is, in bytes (Postgres: the server's WAL end less
// the confirmed LSN).
type LagReporter interface {
	SourceLagBytes() (lag int64, ok bool)
}

var (
	sinceEventDesc = prometheus.NewDesc("sluice_streaming_milliseconds_since_last_event",
		"Time since the connector last committed a change event (Debezium's MilliSecondsSinceLastEvent); absent before the first.", []string{"connector"}, nil)
	checkpointAgeDesc = prometheus.NewDesc("sluice_checkpoint_age_seconds",
		"Time since the connector's checkpoint was last committed with a batch; absent before the first commit of this process.", []string{"connector"}, nil)
	connectedDesc = prometheus.NewDesc("sluice_streaming_connected",
		"1 while the connector's task has its source stream open (Debezium's Connected), else 0.", []string{"connector"}, nil)
	sourceLagDesc = prometheus.NewDesc("sluice_source_lag_bytes",
		"Bytes of the source's log between the server's end, as the server last reported it, and the position sluice has committed and confirmed (Postgres WAL); absent when the source cannot say.", []string{"connector"}, nil)
)

func (c *clocks) get(connector string) *clock {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.m[connector]
	if k == nil {
		k = &clock{}
		c.m[connector] = k
	}
	return k
}

func (c *clocks) Describe(ch chan<- *prometheus.Desc) {
	ch <- sinceEventDesc
	ch <- checkpointAgeDesc
	ch <- connectedDesc
	ch <- sourceLagDesc
}

func (c *clocks) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, k := range c.m {
		if !k.event.IsZero() {
			ch <- prometheus.MustNewConstMetric(sinceEventDesc, prometheus.GaugeValue, float64(now.Sub(k.event).Milliseconds()), name)
		}
		if !k.commit.IsZero() {
			ch <- prometheus.MustNewConstMetric(checkpointAgeDesc, prometheus.GaugeValue, now.Sub(k.commit).Seconds(), name)
		}
		up := 0.0
		if k.connected {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(connectedDesc, prometheus.GaugeValue, up, name)
		if k.lag != nil {
			if lag, ok := k.lag(); ok {
				ch <- prometheus.MustNewConstMetric(sourceLagDesc, prometheus.GaugeValue, float64(lag), name)
			}
		}
	}
}
