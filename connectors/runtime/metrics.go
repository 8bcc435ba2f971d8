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
