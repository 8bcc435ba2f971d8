// Package grafana holds sluice's Grafana dashboard (sluice.json), built on
// the metrics the daemon exports at /metrics; its test checks that every
// panel's query names a metric sluice exports.
package grafana
