//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStreamingMetricsPostgres checks the streaming metrics against a real
// Postgres and Kafka: a snapshot of two rows, then three source
// transactions (three inserts; an update; a delete), each counted once by
// operation and transaction, with the lag, the clocks and the records per
// topic; and a deleted connector's series gone.
func TestStreamingMetricsPostgres(t *testing.T) {
	db := pgConn(t)
	table := uniq("sm")
	mustExec(t, db, fmt.Sprintf("CREATE TABLE public.%s (id int PRIMARY KEY, v text)", table))
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS public."+table) })
	mustExec(t, db, fmt.Sprintf("INSERT INTO public.%s VALUES (1, 'a'), (2, 'b')", table))
	slot := uniq("slot")
	dropSlot(t, slot)
	prefix := uniq("sm")
	topic := prefix + ".public." + table
	deleteTopicsAfter(t, topic, prefix+"-signals")
	d := startDaemon(t, t.TempDir())
	name := prefix
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": pgConfig(t, prefix, slot, "public\\."+table)}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	waitFor(t, time.Minute, "the snapshot's rows", func() bool { return d.metricValue(t, "sluice_streaming_events_total", name) >= 2 })
	mustExec(t, db, fmt.Sprintf("INSERT INTO public.%s VALUES (3, 'c'), (4, 'd'), (5, 'e')", table))
	mustExec(t, db, fmt.Sprintf("UPDATE public.%s SET v = 'x' WHERE id = 3", table))
	mustExec(t, db, fmt.Sprintf("DELETE FROM public.%s WHERE id = 4", table))
	one := func(metric, labels string) float64 { t.Helper(); return d.series(t, metric, name, labels) }
	waitFor(t, time.Minute, "the delete", func() bool { return one("sluice_streaming_events_total", `,op="d"`) == 1 })
	for op, want := range map[string]float64{"r": 2, "c": 3, "u": 1, "d": 1} {
		if got := one("sluice_streaming_events_total", fmt.Sprintf(`,op="%s"`, op)); got != want {
			t.Errorf(`sluice_streaming_events_total{op="%s"} = %v, want %v`, op, got, want)
		}
	}
	if got := one("sluice_streaming_transactions_total", ""); got != 3 {
		t.Errorf("sluice_streaming_transactions_total = %v, want 3", got)
	}
	// 2 reads, 3 inserts, an update, a delete and its tombstone.
	if got := one("sluice_topic_records_total", fmt.Sprintf(`,topic="%s"`, topic)); got != 8 {
		t.Errorf("sluice_topic_records_total{topic=%s} = %v, want 8", topic, got)
	}
	if got := one("sluice_streaming_milliseconds_behind_source", ""); got < 0 || got > 30000 {
		t.Errorf("sluice_streaming_milliseconds_behind_source = %v, want between 0 and 30 s on an idle test server", got)
	}
	if got := one("sluice_streaming_connected", ""); got != 1 {
		t.Errorf("sluice_streaming_connected = %v, want 1", got)
	}
	if got := one("sluice_streaming_milliseconds_since_last_event", ""); got < 0 || got > 60000 {
		t.Errorf("sluice_streaming_milliseconds_since_last_event = %v, want a time since the delete", got)
	}
	// The delete's WAL is committed and confirmed: what is left is at most
	// what the server wrote since (other tests' WAL, on a shared server).
	if got := one("sluice_source_lag_bytes", ""); got < 0 || got > 256<<20 {
		t.Errorf("sluice_source_lag_bytes = %v, want between 0 and 256 MiB", got)
	}
	for measure, ok := range map[string]func(float64) bool{
		"capacity_events": func(v float64) bool { return v > 0 },
		"capacity_bytes":  func(v float64) bool { return v > 0 },
		"pending_bytes":   func(v float64) bool { return v >= 0 },
	} {
		if got := one("sluice_queue", fmt.Sprintf(`,measure="%s"`, measure)); !ok(got) {
			t.Errorf(`sluice_queue{measure="%s"} = %v`, measure, got)
		}
	}
	if got := one("sluice_checkpoint_age_seconds", ""); got < 0 || got > 60 {
		t.Errorf("sluice_checkpoint_age_seconds = %v, want a time since the last commit", got)
	}
	if code, body := d.do(t, "DELETE", "/connectors/"+name, nil); code != 204 {
		t.Fatalf("delete connector: %d %s", code, body)
	}
	_, body := d.do(t, "GET", "/metrics", nil)
	if strings.Contains(string(body), `connector="`+name+`"`) {
		t.Errorf("/metrics still has series of the deleted connector:\n%s", grepLines(string(body), name))
	}
}

// waitFor polls cond every 50 ms until it holds, failing after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// series returns the value of metric{connector="name"<labels>} in the
// daemon's /metrics (labels: the others, in Prometheus's order, each with a
// leading comma), or -1 when it has none.
func (d *daemon) series(t *testing.T, metric, name, labels string) float64 {
	t.Helper()
	code, body := d.do(t, "GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	series := fmt.Sprintf(`%s{connector="%s"%s}`, metric, name, labels)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}
