//go:build integration

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicecdc/sluice/integration/tlspg"
)

// TestSlotGuardrailPostgres runs the slot guardrail against a real
// Postgres (a private server, so that its WAL is this test's alone and its
// max_slot_wal_keep_size can be changed) and a real daemon and Kafka:
//
//  1. a running connector whose slot an open transaction holds back warns
//     above sluice.slot.lag.warn.bytes (status, log, metrics) and is
//     stopped, FAILED with the reason, above sluice.slot.lag.max.bytes;
//     restarted, it catches up and every change arrives exactly once;
//  2. stopped, with sluice.slot.drop.on.max.lag=true, its slot is dropped
//     above the limit, the status says a new snapshot is needed, a resume
//     fails naming the fix, and the fix (offsets deleted) snapshots anew;
//  3. under max_slot_wal_keep_size, the slot's safe WAL is reported, and
//     wal_status unreserved, then lost after a checkpoint, are warned of.
func TestSlotGuardrailPostgres(t *testing.T) {
	s := tlspg.Start(t)
	ctx := context.Background()
	admin, err := s.Admin(ctx, tlspg.DBName)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	exec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	walEnd := func() int64 {
		t.Helper()
		var n int64
		if err := admin.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// writeWAL writes at least n bytes of WAL into a table no connector
	// captures.
	exec("CREATE TABLE public.filler (id bigserial PRIMARY KEY, pad text)")
	writeWAL := func(n int64) {
		t.Helper()
		for start := walEnd(); walEnd()-start < n; {
			exec("INSERT INTO public.filler (pad) SELECT repeat(md5(g::text), 32) FROM generate_series(1, 2000) g")
		}
	}
	slotRow := func(slot string) (exists bool, active bool) {
		t.Helper()
		err := admin.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active)
		if err == pgx.ErrNoRows {
			return false, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return true, active
	}

	prefix := uniq("guard")
	table := "public." + prefix
	topic := prefix + "." + table
	deleteTopicsAfter(t, topic)
	exec("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)")
	exec("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')")

	d := startDaemon(t, t.TempDir())
	const mib = 1 << 20
	config := func(extra map[string]string) map[string]string {
		cfg := exampleConfig(t, "postgres.json")
		for k, v := range s.Config(nil) {
			cfg[k] = v
		}
		cfg["topic.prefix"] = prefix
		cfg["slot.name"] = prefix
		cfg["publication.name"] = prefix + "_pub"
		cfg["publication.autocreate.mode"] = "filtered"
		cfg["table.include.list"] = table
		cfg["sluice.slot.lag.warn.bytes"] = fmt.Sprint(4 * mib)
		cfg["sluice.slot.lag.max.bytes"] = fmt.Sprint(16 * mib)
		cfg["sluice.slot.check.interval.ms"] = "200"
		for k, v := range extra {
			cfg[k] = v
		}
		return cfg
	}
	name := prefix
	c := newConsumer(t, topic)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": config(nil)}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", time.Minute)
	c.waitCount(t, 3, time.Minute)
	slotLabel := `,slot="` + prefix + `"`
	waitFor(t, 30*time.Second, "the slot's retained WAL in /metrics", func() bool {
		return d.series(t, "sluice_slot_retained_wal_bytes", name, slotLabel) >= 0
	})
	if got := d.series(t, "sluice_slot_retained_wal_bytes", name, slotLabel); got > 4*mib {
		t.Fatalf("a new slot keeps %v bytes, more than the warning; the test cannot tell", got)
	}
	if st := d.status(t, name); len(st.Warnings) != 0 {
		t.Errorf("warnings below the threshold: %q", st.Warnings)
	}
	if got := d.series(t, "sluice_slot_lag_threshold_bytes", name, `,level="max"`+slotLabel); got != 16*mib {
		t.Errorf(`sluice_slot_lag_threshold_bytes{level="max"} = %v, want %d`, got, 16*mib)
	}
	if got := d.series(t, "sluice_slot_safe_wal_bytes", name, slotLabel); got != -1 {
		t.Errorf("sluice_slot_safe_wal_bytes = %v on a server without max_slot_wal_keep_size, want none", got)
	}

	// 1. An open transaction holds the slot's restart_lsn while WAL grows.
	hold, err := s.Admin(ctx, tlspg.DBName)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close(ctx)
	tx, err := hold.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+table+" VALUES (100, 'held')"); err != nil {
		t.Fatal(err)
	}
	writeWAL(6 * mib)
	var st status
	waitFor(t, 30*time.Second, "a warning above sluice.slot.lag.warn.bytes", func() bool {
		st = d.status(t, name)
		return len(st.Warnings) == 1 && strings.Contains(st.Warnings[0], "sluice.slot.lag.warn.bytes")
	})
	t.Logf("warning: %s", st.Warnings[0])
	if s, _ := st.taskState(); s != "RUNNING" {
		t.Errorf("task %s above the warning, want RUNNING", s)
	}
	if got := d.series(t, "sluice_connector_warnings", name, ""); got != 1 {
		t.Errorf("sluice_connector_warnings = %v, want 1", got)
	}
	if got := d.series(t, "sluice_slot_retained_wal_bytes", name, slotLabel); got <= 4*mib {
		t.Errorf("sluice_slot_retained_wal_bytes = %v with a warning, want above %d", got, 4*mib)
	}
	if !strings.Contains(d.logs.String(), "guardrail: replication slot") {
		t.Error("no guardrail warning in the daemon's log")
	}
	writeWAL(12 * mib)
	st = d.waitTaskState(t, name, "FAILED", 30*time.Second)
	_, tr := st.taskState()
	t.Logf("stopped: %s", firstLine(tr))
	for _, want := range []string{"sluice.slot.lag.max.bytes=16777216", "sluice stopped the connector", "POST /connectors/<name>/restart"} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	if exists, _ := slotRow(prefix); !exists {
		t.Fatal("the slot was dropped without sluice.slot.drop.on.max.lag")
	}
	// Restarted, it catches up (the held row included) while the slot
	// stays above the limit: it is not stopped again.
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if code, b := d.do(t, "POST", "/connectors/"+name+"/restart", nil); code != 204 {
		t.Fatalf("restart: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", time.Minute)
	exec("INSERT INTO " + table + " VALUES (101, 'after')")
	recs := c.waitCount(t, 5, time.Minute)
	time.Sleep(time.Second) // a check or five more
	if s, tr := d.status(t, name).taskState(); s != "RUNNING" {
		t.Fatalf("restarted connector %s: %s", s, firstLine(tr))
	}
	recs = append(recs, c.settle(2 * time.Second)[len(recs):]...)
	if got := keysOf(t, recs, ""); fmt.Sprint(got) != "[1 2 3 100 101]" {
		t.Errorf("records by id %v, want each of [1 2 3 100 101] once, in order", got)
	}

	// 2. Stopped, with the drop: over the limit the slot goes.
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/stop", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	d.waitTaskState(t, name, "STOPPED", 30*time.Second)
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/config", config(map[string]string{"sluice.slot.drop.on.max.lag": "true"})); code != 200 {
		t.Fatalf("put config: %d %s", code, b)
	}
	exec("INSERT INTO " + table + " VALUES (200, 'while stopped')")
	writeWAL(18 * mib)
	waitFor(t, 30*time.Second, "the slot dropped", func() bool {
		st = d.status(t, name)
		return len(st.Warnings) > 0 && strings.Contains(st.Warnings[0], "dropped the slot")
	})
	t.Logf("dropped: %s", st.Warnings[0])
	if !strings.Contains(st.Warnings[0], "the next start needs a new snapshot") || st.Connector.State != "STOPPED" {
		t.Errorf("status after the drop: %+v", st)
	}
	if exists, _ := slotRow(prefix); exists {
		t.Fatal("the status says the slot was dropped; pg_replication_slots still has it")
	}
	waitFor(t, 10*time.Second, "the slot's series gone", func() bool {
		return d.series(t, "sluice_slot_retained_wal_bytes", name, slotLabel) == -1
	})
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/resume", nil); code != 202 {
		t.Fatalf("resume: %d %s", code, b)
	}
	st = d.waitTaskState(t, name, "FAILED", time.Minute)
	_, tr = st.taskState()
	if !strings.Contains(tr, "was lost") || !strings.Contains(tr, "snapshot.mode=when_needed") {
		t.Errorf("resumed after the drop: trace %q, want the lost slot and its fix", firstLine(tr))
	}
	// The fix: stop, delete the offsets, resume: a new snapshot.
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/stop", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	d.waitTaskState(t, name, "STOPPED", 30*time.Second)
	if code, b := d.do(t, "DELETE", "/connectors/"+name+"/offsets", nil); code != 200 {
		t.Fatalf("delete offsets: %d %s", code, b)
	}
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/resume", nil); code != 202 {
		t.Fatalf("resume: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", time.Minute)
	recs = c.waitCount(t, 5+6, time.Minute)
	recs = append(recs, c.settle(2 * time.Second)[len(recs):]...)
	if len(recs) != 11 {
		t.Errorf("%d records, want 11: 5, then a new snapshot of 6 rows", len(recs))
	}
	if reads := keysOf(t, recs[5:], "r"); fmt.Sprint(reads) != "[1 2 3 100 101 200]" {
		t.Errorf("new snapshot read %v, want [1 2 3 100 101 200]", reads)
	}
	if code, b := d.do(t, "DELETE", "/connectors/"+name, nil); code != 204 {
		t.Fatalf("delete: %d %s", code, b)
	}

	// 3. Postgres's own limit.
	exec("ALTER SYSTEM SET max_slot_wal_keep_size = '48MB'")
	exec("SELECT pg_reload_conf()")
	name2, slot2 := prefix+"_keep", prefix+"_keep"
	cfg := config(map[string]string{"slot.name": slot2, "sluice.slot.lag.warn.bytes": "0", "sluice.slot.lag.max.bytes": "0", "topic.prefix": prefix + "k"})
	deleteTopicsAfter(t, prefix+"k."+table)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name2, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, name2, "RUNNING", time.Minute)
	label2 := `,slot="` + slot2 + `"`
	waitFor(t, 30*time.Second, "sluice_slot_safe_wal_bytes under max_slot_wal_keep_size", func() bool {
		return d.series(t, "sluice_slot_safe_wal_bytes", name2, label2) > 0
	})
	if code, b := d.do(t, "PUT", "/connectors/"+name2+"/stop", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	d.waitTaskState(t, name2, "STOPPED", 30*time.Second)
	writeWAL(80 * mib)
	waitFor(t, 30*time.Second, "a warning of wal_status=unreserved", func() bool {
		st = d.status(t, name2)
		return len(st.Warnings) == 1 && strings.Contains(st.Warnings[0], "wal_status=unreserved")
	})
	t.Logf("unreserved: %s", st.Warnings[0])
	if got := d.series(t, "sluice_slot_wal_status", name2, label2+`,wal_status="unreserved"`); got != 1 {
		t.Errorf(`sluice_slot_wal_status{wal_status="unreserved"} = %v, want 1`, got)
	}
	exec("CHECKPOINT")
	waitFor(t, 30*time.Second, "a warning of wal_status=lost", func() bool {
		st = d.status(t, name2)
		return len(st.Warnings) == 1 && strings.Contains(st.Warnings[0], "wal_status=lost")
	})
	t.Logf("lost: %s", st.Warnings[0])
	if !strings.Contains(st.Warnings[0], "max_slot_wal_keep_size=48MB") {
		t.Errorf("lost warning %q does not name max_slot_wal_keep_size=48MB", st.Warnings[0])
	}
}

// keysOf returns the ids of recs' keys, in order, of the events of op (""
// for all).
func keysOf(t *testing.T, recs []record, op string) []int64 {
	t.Helper()
	var ids []int64
	for _, r := range recs {
		id, ev, err := parseCrashRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if op == "" || string(ev.op) == op {
			ids = append(ids, id)
		}
	}
	return ids
}
