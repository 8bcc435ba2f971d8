//go:build integration

package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// envCmd runs integration/env/<script> args.
func envCmd(t *testing.T, script string, args ...string) {
	t.Helper()
	cmd := exec.Command("../env/"+script, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("integration/env/%s %v: %v\n%s", script, args, err, out)
	}
}

// TestKafkaOutage stops the Kafka broker while rows are being written and
// starts it again: the connector keeps retrying, and once Kafka is back every
// row arrives exactly once.
func TestKafkaOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops the shared Kafka broker")
	}
	prefix := uniq("outage")
	dropSlot(t, prefix)
	pg := pgConn(t)
	table := "public." + prefix
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, prefix, table)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	t.Cleanup(func() { envCmd(t, "up", "kafka") }) // whatever happens, leave Kafka up

	const rows = 300
	for i := 1; i <= rows/3; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d)", table, i))
	}
	time.Sleep(time.Second)
	envCmd(t, "down", "kafka")
	for i := rows/3 + 1; i <= 2*rows/3; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d)", table, i))
	}
	time.Sleep(3 * time.Second)
	if code, _ := d.do(t, "GET", "/healthz", nil); code != 200 {
		t.Fatalf("daemon unhealthy while Kafka is down")
	}
	// While Kafka is away the task is RUNNING (a request still waiting in
	// the Kafka client) or FAILED with a trace saying it retries by itself;
	// never FAILED for good.
	if st, trace := d.status(t, prefix).taskState(); st == "FAILED" && !strings.Contains(trace, "sluice retries by itself") {
		t.Fatalf("connector failed during the outage instead of retrying: %s", trace)
	}
	envCmd(t, "up", "kafka")
	d.waitTaskState(t, prefix, "RUNNING", 3*time.Minute)
	for i := 2*rows/3 + 1; i <= rows; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d)", table, i))
	}
	c := newConsumer(t, prefix+"."+table)
	c.waitCount(t, rows, 3*time.Minute)
	recs := c.settle(3 * time.Second)
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	if len(seen) != rows || len(recs) != rows {
		t.Errorf("%d records for %d distinct keys, want %d of each", len(recs), len(seen), rows)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s arrived %d times", k, n)
		}
	}
}
