//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tfChain is a transforms chain that fails on some records: the change
// events are unwrapped to their row state (ExtractNewRecordState), then
// Cast turns the text column n into an int32, which fails when n is not a
// number; records of the <base>_f table are dropped by Filter.
func tfChain(cfg map[string]string, base string) {
	for k, v := range map[string]string{
		"transforms":                     "unwrap,cast,drop",
		"transforms.unwrap.type":         "io.debezium.transforms.ExtractNewRecordState",
		"transforms.cast.type":           "org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec":           "n:int32",
		"transforms.drop.type":           "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate":      "isF",
		"predicates":                     "isF",
		"predicates.isF.type":            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isF.pattern":         `.*\.` + base + `_f`,
		"value.converter.schemas.enable": "false",
	} {
		cfg[k] = v
	}
}

// tfIDs returns the ids of the unwrapped rows (JSON without schemas) in
// recs, in order, failing on a record that is not one.
func tfIDs(t *testing.T, recs []record) []int {
	t.Helper()
	var ids []int
	for _, r := range recs {
		var v struct {
			ID *int `json:"id"`
			N  any  `json:"n"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil || v.ID == nil {
			t.Fatalf("record %s on %s is not an unwrapped row: %v", r.Value, r.Topic, err)
		}
		if _, ok := v.N.(float64); !ok {
			t.Errorf("record %s: n is not the cast number", r.Value)
		}
		ids = append(ids, *v.ID)
	}
	return ids
}

// metricValue returns the value of a connector's sample of a counter on
// the daemon's /metrics, 0 when absent.
func metricValue(t *testing.T, d *daemon, name, connector string) float64 {
	t.Helper()
	code, b := d.do(t, "GET", "/metrics", nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	re := regexp.MustCompile(`(?m)^` + name + `\{connector="` + regexp.QuoteMeta(connector) + `"\} (\S+)$`)
	m := re.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pgOffset returns the connector's one Postgres offset from GET
// /connectors/{name}/offsets.
func pgOffset(t *testing.T, d *daemon, name string) map[string]any {
	t.Helper()
	code, body := d.do(t, "GET", "/connectors/"+name+"/offsets", nil)
	if code != 200 {
		t.Fatalf("offsets: %d %s", code, body)
	}
	var o struct {
		Offsets []struct {
			Offset map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(body, &o); err != nil || len(o.Offsets) != 1 {
		t.Fatalf("offsets %s: %v", body, err)
	}
	return o.Offsets[0].Offset
}

// TestTransformErrorToleranceNone runs a chain that fails on a streamed
// record with errors.tolerance=none: the task is FAILED with a trace naming
// the transform's alias and its error; the records before the failing one
// are in Kafka exactly once, nothing of the failing transaction is, and a
// restart fails again at the same record without writing anything twice.
func TestTransformErrorToleranceNone(t *testing.T) {
	base := uniq("tfnone")
	table := "public." + base + "_a"
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY, n text)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1, '10'), (2, '20')")

	d := startDaemon(t, t.TempDir())
	dropSlot(t, base)
	cfg := pgConfig(t, base, base, table)
	tfChain(cfg, base)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": base, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, base, "RUNNING", 30*time.Second)
	c := newConsumer(t, base+"."+table)
	c.waitCount(t, 2, 60*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (3, '30')")
	c.waitCount(t, 3, 30*time.Second)
	// One transaction: a good row, the bad one, a good one.
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (4, '40'), (5, 'oops'), (6, '60')")

	s := d.waitTaskState(t, base, "FAILED", 30*time.Second)
	_, trace := s.taskState()
	for _, want := range []string{`transform "cast"`, "Cast$Value", "Value (oops) was out of range for requested data type"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace lacks %q:\n%.800s", want, trace)
		}
	}
	// The batch in hand when the transform fails is not committed, so the
	// failing transaction's row before the bad one (4) is normally not in
	// Kafka either; it may be, once, if a batch ended inside the
	// transaction (a linger), never the bad row or those after it.
	check := func(when string) {
		t.Helper()
		ids := tfIDs(t, c.settle(2*time.Second))
		if !slices.Equal(ids, []int{1, 2, 3}) && !slices.Equal(ids, []int{1, 2, 3, 4}) {
			t.Errorf("%s: ids in Kafka %v, want [1 2 3] (each once, nothing of the failing transaction)", when, ids)
		}
	}
	check("after the failure")

	// A restart reads from the checkpoint: the records before the failing
	// transaction are not written again, and the task fails again on it.
	if code, b := d.do(t, "POST", "/connectors/"+base+"/restart?includeTasks=true", nil); code >= 300 {
		t.Fatalf("restart: %d %s", code, b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(d.logs.String(), "Value (oops) was out of range") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted task did not fail again on the same record:\n%s", tail(d.logs.String(), 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.waitTaskState(t, base, "FAILED", 30*time.Second)
	check("after a restart")
}

// TestTransformErrorToleranceAll runs the same chain with
// errors.tolerance=all: the records Cast fails on (one in the snapshot, one
// streamed) are skipped with a WARN naming the alias and counted in
// sluice_events_skipped_total, the others arrive; and a transaction whose
// records the Filter all drops still moves the checkpoint (GET offsets
// shows its txId).
func TestTransformErrorToleranceAll(t *testing.T) {
	base := uniq("tfall")
	ta, tf := "public."+base+"_a", "public."+base+"_f"
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+ta+" (id int PRIMARY KEY, n text)")
	mustExec(t, pg, "CREATE TABLE "+tf+" (id int PRIMARY KEY, n text)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+ta+", "+tf) })
	mustExec(t, pg, "INSERT INTO "+ta+" VALUES (1, '10'), (2, 'two')")

	d := startDaemon(t, t.TempDir())
	dropSlot(t, base)
	cfg := pgConfig(t, base, base, ta+","+tf)
	tfChain(cfg, base)
	cfg["errors.tolerance"] = "all"
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": base, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, base, "RUNNING", 30*time.Second)
	c := newConsumer(t, base+"."+ta, base+"."+tf)
	c.waitCount(t, 1, 60*time.Second)
	mustExec(t, pg, "INSERT INTO "+ta+" VALUES (3, 'x3'), (4, '40')")
	c.waitCount(t, 2, 30*time.Second)
	if ids := tfIDs(t, c.settle(2*time.Second)); !slices.Equal(ids, []int{1, 4}) {
		t.Errorf("ids in Kafka %v, want [1 4]", ids)
	}
	logs := d.logs.String()
	if n := strings.Count(logs, "record skipped: a transform failed on it"); n != 2 {
		t.Errorf("%d WARN lines of skipped records, want 2:\n%s", n, tail(logs, 30))
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "record skipped") && (!strings.Contains(line, "WARN") || !strings.Contains(line, "cast")) {
			t.Errorf("skip line without WARN or the alias: %s", line)
		}
	}
	if n := metricValue(t, d, "sluice_events_skipped_total", base); n != 2 {
		t.Errorf("sluice_events_skipped_total = %v, want 2", n)
	}

	// A transaction of filtered records only: nothing reaches Kafka, and
	// the checkpoint moves to it.
	before := pgOffset(t, d, base)
	tx, err := pg.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "INSERT INTO "+tf+" VALUES (1, '1'), (2, '2')"); err != nil {
		t.Fatal(err)
	}
	var xid int64
	if err := tx.QueryRow(context.Background(), "SELECT txid_current()").Scan(&xid); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		o := pgOffset(t, d, base)
		if id, _ := o["txId"].(float64); int64(id) == xid {
			if o["lsn"] == before["lsn"] {
				t.Errorf("offset lsn did not move: %v then %v", before, o)
			}
			t.Logf("after only filtered records the offset moved: %v -> %v", before, o)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the offset %v did not move to the filtered transaction %d (was %v)", o, xid, before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := c.count(); n != 2 {
		t.Errorf("%d records in Kafka after the filtered transaction, want still 2", n)
	}
}
