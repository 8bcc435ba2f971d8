package runtime

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the runtime's Prometheus metrics.
type Metrics struct {
	events  *prometheus.CounterVec
	records *prometheus.CounterVec
	commits *prometheus.CounterVec
	latency *prometheus.HistogramVec
	retries *prometheus.CounterVec
	skipped *prometheus.CounterVec
	snap    snapshotMetrics
	stream  streamMetrics
	guard   guardMetrics
}

// NewMetrics registers the runtime's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_events_total", Help: "Source events committed to the sink.",
		}, []string{"connector"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_records_total", Help: "Records committed to the sink (events plus tombstones).",
		}, []string{"connector"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_commits_total", Help: "Sink transactions committed.",
		}, []string{"connector"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sluice_commit_seconds", Help: "Time to write and commit one batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"connector"}),
	}
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_task_retries_total", Help: "Retries of a connector's task after a retryable failure (a database or Kafka out of reach).",
	}, []string{"connector"})
	m.skipped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_events_skipped_total", Help: "Events that failed to encode, and records a transform failed on, skipped with errors.tolerance=all.",
	}, []string{"connector"})
	reg.MustRegister(m.events, m.records, m.commits, m.latency, m.retries, m.skipped)
	m.snap = newSnapshotMetrics(reg)
	m.stream = newStreamMetrics(reg)
	m.guard = newGuardMetrics(reg)
	return m
}

func (m *Metrics) observeCommit(connector string, events, records int, d time.Duration) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(connector).Add(float64(events))
	m.records.WithLabelValues(connector).Add(float64(records))
	m.commits.WithLabelValues(connector).Inc()
	m.latency.WithLabelValues(connector).Observe(d.Seconds())
}

func (m *Metrics) observeRetry(connector string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(connector).Inc()
}

func (m *Metrics) observeSkipped(connector string) {
	if m == nil {
		return
	}
	m.skipped.WithLabelValues(connector).Inc()
}

// snapshotMetrics are Debezium's snapshot metrics (RowsScanned,
// TotalTableCount/RemainingTableCount, SnapshotRunning, SnapshotCompleted,
// SnapshotAborted, SnapshotDurationInSeconds) as Prometheus metrics, set by
// Progress.
type snapshotMetrics struct {
	rows      *prometheus.CounterVec
	estimated *prometheus.GaugeVec
	running   *prometheus.GaugeVec
	completed *prometheus.GaugeVec
	aborted   *prometheus.GaugeVec
	total     *prometheus.GaugeVec
	remaining *prometheus.GaugeVec
	duration  *prometheus.GaugeVec
}

func newSnapshotMetrics(reg prometheus.Registerer) snapshotMetrics {
	m := snapshotMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_snapshot_rows_scanned_total", Help: "Rows a snapshot read from a table and committed to Kafka (a resumed snapshot counts its checkpoint's rows once).",
		}, []string{"connector", "table"}),
		estimated: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_rows_estimated", Help: "The database's estimate of a snapshot table's rows, asked when its reading starts.",
		}, []string{"connector", "table"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_running", Help: "1 while the connector's snapshot runs, else 0.",
		}, []string{"connector"}),
		completed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_completed", Help: "1 when the connector's last snapshot read every table, else 0 (Debezium's SnapshotCompleted).",
		}, []string{"connector"}),
		aborted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_aborted", Help: "1 when the connector's last snapshot stopped before its end (the task stopped or failed; a restart resumes it), else 0 (Debezium's SnapshotAborted).",
		}, []string{"connector"}),
		total: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_tables_total", Help: "Tables of the connector's last snapshot (Debezium's TotalTableCount).",
		}, []string{"connector"}),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_tables_remaining", Help: "Tables of the connector's snapshot not read to their end yet.",
		}, []string{"connector"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_snapshot_duration_seconds", Help: "Time the connector's last snapshot ran (so far, while it runs).",
		}, []string{"connector"}),
	}
	reg.MustRegister(m.rows, m.estimated, m.running, m.completed, m.aborted, m.total, m.remaining, m.duration)
	return m
}

func (m *Metrics) observeSnapshotRows(connector, table string, n int64) {
	if m == nil {
		return
	}
	m.snap.rows.WithLabelValues(connector, table).Add(float64(n))
}

func (m *Metrics) observeSnapshotEstimate(connector, table string, n int64) {
	if m == nil {
		return
	}
	m.snap.estimated.WithLabelValues(connector, table).Set(float64(n))
}

func (m *Metrics) observeSnapshot(connector, state string, total, remaining int, d time.Duration) {
	if m == nil {
		return
	}
	one := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	m.snap.running.WithLabelValues(connector).Set(one(state == snapRunning))
	m.snap.completed.WithLabelValues(connector).Set(one(state == snapCompleted))
	m.snap.aborted.WithLabelValues(connector).Set(one(state == snapAborted))
	m.snap.total.WithLabelValues(connector).Set(float64(total))
	m.snap.remaining.WithLabelValues(connector).Set(float64(remaining))
	m.snap.duration.WithLabelValues(connector).Set(d.Seconds())
}
