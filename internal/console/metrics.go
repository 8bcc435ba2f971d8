package console

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are a connector's lag and counters, read from the daemon's
// Prometheus registry; a value the registry does not have (yet) is null.
type Metrics struct {
	// LagMillis is sluice_streaming_milliseconds_behind_source.
	LagMillis *float64 `json:"lag_ms"`
	// Records is sluice_records_total; Events sluice_events_total.
	Records *float64 `json:"records_total"`
	Events  *float64 `json:"events_total"`
	// SourceLagBytes is sluice_source_lag_bytes (Postgres WAL not yet
	// confirmed).
	SourceLagBytes *float64 `json:"source_lag_bytes"`
	// SlotRetainedBytes is sluice_slot_retained_wal_bytes summed over the
	// connector's slots.
	SlotRetainedBytes *float64 `json:"slot_retained_wal_bytes"`
}

// metricFields maps the families the console reads to the field each fills.
var metricFields = map[string]func(*Metrics) **float64{
	"sluice_streaming_milliseconds_behind_source": func(m *Metrics) **float64 { return &m.LagMillis },
	"sluice_records_total":                        func(m *Metrics) **float64 { return &m.Records },
	"sluice_events_total":                         func(m *Metrics) **float64 { return &m.Events },
	"sluice_source_lag_bytes":                     func(m *Metrics) **float64 { return &m.SourceLagBytes },
	"sluice_slot_retained_wal_bytes":              func(m *Metrics) **float64 { return &m.SlotRetainedBytes },
}

// gatherMetrics reads each connector's Metrics from g. A family's series
// with the same connector (several slots) are summed. It returns what it
// could read with Gather's error.
func gatherMetrics(g prometheus.Gatherer) (map[string]Metrics, error) {
	out := map[string]Metrics{}
	if g == nil {
		return out, nil
	}
	families, err := g.Gather()
	for _, f := range families {
		field, ok := metricFields[f.GetName()]
		if !ok {
			continue
		}
		for _, m := range f.GetMetric() {
			conn := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "connector" {
					conn = l.GetValue()
				}
			}
			v, ok := value(m)
			if conn == "" || !ok {
				continue
			}
			cm := out[conn]
			p := field(&cm)
			if *p != nil {
				v += **p
			}
			*p = &v
			out[conn] = cm
		}
	}
	return out, err
}

// value is a counter's, gauge's or untyped metric's value.
func value(m *dto.Metric) (float64, bool) {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	case m.Untyped != nil:
		return m.Untyped.GetValue(), true
	}
	return 0, false
}
