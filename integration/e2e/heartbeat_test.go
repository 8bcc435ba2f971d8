//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// deleteHeartbeatTopicsAtEnd deletes, when the test ends, the Kafka topics of a
// connector with topic.prefix prefix: <prefix>, <prefix>.*, and its
// heartbeat topic.
func deleteHeartbeatTopicsAtEnd(t *testing.T, prefix string) {
	t.Helper()
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			t.Logf("delete topics: %v", err)
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm := kadm.NewClient(cl)
		ts, err := adm.ListTopics(ctx)
		if err != nil {
			t.Logf("delete topics: %v", err)
			return
		}
		var del []string
		for _, name := range ts.Names() {
			if name == prefix || strings.HasPrefix(name, prefix+".") || name == "__debezium-heartbeat."+prefix {
				del = append(del, name)
			}
		}
		if len(del) > 0 {
			if _, err := adm.DeleteTopics(ctx, del...); err != nil {
				t.Logf("delete topics %v: %v", del, err)
			}
		}
	})
}

// hbSlotLag returns how much WAL the slot retains beyond its confirmed
// position: pg_current_wal_lsn() - confirmed_flush_lsn, in bytes.
func hbSlotLag(t *testing.T, pg *pgx.Conn, slot string) int64 {
	t.Helper()
	var lag int64
	if err := pg.QueryRow(context.Background(),
		"SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&lag); err != nil {
		t.Fatalf("slot %s: %v", slot, err)
	}
	return lag
}

func hbWALLSN(t *testing.T, pg *pgx.Conn) int64 {
	t.Helper()
	var lsn int64
	if err := pg.QueryRow(context.Background(), "SELECT (pg_current_wal_lsn() - '0/0')::bigint").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	return lsn
}

// hbRecord is a heartbeat as a consumer reads it (JSON without
// schemas).
type hbRecord struct {
	ServerName string
	TsMs       int64
}

func hbParseRecords(t *testing.T, recs []record) []hbRecord {
	t.Helper()
	var out []hbRecord
	for _, r := range recs {
		var k struct {
			ServerName string `json:"serverName"`
		}
		var v struct {
			TsMs *int64 `json:"ts_ms"`
		}
		if err := json.Unmarshal(r.Key, &k); err != nil || json.Unmarshal(r.Value, &v) != nil || v.TsMs == nil || k.ServerName == "" {
			t.Fatalf("heartbeat record %s / %s is not {serverName} / {ts_ms}", r.Key, r.Value)
		}
		if len(r.Headers) != 0 {
			t.Errorf("heartbeat record with headers %v; Debezium writes none", r.Headers)
		}
		out = append(out, hbRecord{k.ServerName, *v.TsMs})
	}
	return out
}

// hbCheckRowsOnce checks that the records of a table keyed {"id":n} hold
// each of want exactly once and nothing else.
func hbCheckRowsOnce(recs []record, want []int) []string {
	var problems []string
	seen := map[int]int{}
	for _, r := range recs {
		var k struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(r.Key, &k); err != nil {
			problems = append(problems, fmt.Sprintf("row key %q: %v", r.Key, err))
			continue
		}
		seen[k.ID]++
	}
	wanted := map[int]bool{}
	for _, id := range want {
		wanted[id] = true
		if seen[id] != 1 {
			problems = append(problems, fmt.Sprintf("row %d seen %d times, want once", id, seen[id]))
		}
	}
	for id := range seen {
		if !wanted[id] {
			problems = append(problems, fmt.Sprintf("row %d was never written", id))
		}
	}
	return problems
}

// TestHBCheckRowsOnceCatchesFaults shows hbCheckRowsOnce reports a lost, a
// repeated and an unknown row.
func TestHBCheckRowsOnceCatchesFaults(t *testing.T) {
	rec := func(id int) record { return record{Key: []byte(fmt.Sprintf(`{"id":%d}`, id))} }
	want := []int{1, 2, 3}
	for name, recs := range map[string][]record{
		"lost":     {rec(1), rec(3)},
		"repeated": {rec(1), rec(2), rec(2), rec(3)},
		"unknown":  {rec(1), rec(2), rec(3), rec(4)},
	} {
		if len(hbCheckRowsOnce(recs, want)) == 0 {
			t.Errorf("%s: no problem reported", name)
		}
	}
	if p := hbCheckRowsOnce([]record{rec(3), rec(1), rec(2)}, want); len(p) != 0 {
		t.Errorf("correct records: %v", p)
	}
}

// TestPostgresHeartbeatBoundsRetainedWAL: with heartbeat.interval.ms set
// and the captured table idle, 200 MB written to an uncaptured table of the
// same database leave the slot's retained WAL (pg_current_wal_lsn() -
// confirmed_flush_lsn) bounded, heartbeat records appear on
// __debezium-heartbeat.<topic.prefix> for a read_committed consumer, the
// connector's checkpoint follows the WAL, and after a SIGKILL and restart
// from a checkpoint a heartbeat wrote, the captured rows are each seen
// exactly once. Run with both publication modes: filtered (PG 15 sends no
// empty transactions, only keepalives) and all_tables (the uncaptured rows
// stream to sluice and are dropped).
func TestPostgresHeartbeatBoundsRetainedWAL(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200 MB of WAL; skipped in -short mode")
	}
	for _, mode := range []string{"all_tables", "filtered"} {
		t.Run(mode, func(t *testing.T) { testHeartbeatRetainedWAL(t, mode, true, false) })
	}
	// The WAL written in another database of the server.
	t.Run("other_database", func(t *testing.T) { testHeartbeatRetainedWAL(t, "all_tables", true, true) })
	// Without heartbeats the slot moves forward too, on the server's
	// keepalives and the transactions without captured rows, confirmed at
	// each status.update.interval.ms; the checkpoint stays where the last
	// captured change left it.
	t.Run("filtered_without_heartbeats", func(t *testing.T) { testHeartbeatRetainedWAL(t, "filtered", false, false) })
}

func testHeartbeatRetainedWAL(t *testing.T, pubMode string, heartbeats, otherDB bool) {
	const (
		interval = time.Second
		bulkWAL  = 200 << 20
		bound    = 32 << 20
	)
	// How long the slot may take to catch up: a few heartbeat intervals,
	// or without heartbeats a few status updates (every 2 s here).
	label := pubMode + " publication"
	if otherDB {
		label += ", WAL written in another database"
	}
	catchUp := 15 * interval
	if !heartbeats {
		catchUp = 30 * time.Second
	}
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	mustExec(t, pg, "CREATE TABLE public.captured (id int PRIMARY KEY)")
	bulk := pg
	if otherDB {
		bulk = messageDB(t, prefix+"_other")
	}
	mustExec(t, bulk, "CREATE TABLE public.bulk (id bigserial PRIMARY KEY, pad text)")
	root := pgConn(t)

	hbTopic := "__debezium-heartbeat." + prefix
	hbs := newConsumer(t, hbTopic)
	rows := newConsumer(t, prefix+".public.captured")

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, "public.captured")
	cfg["database.dbname"] = prefix
	cfg["publication.autocreate.mode"] = pubMode
	cfg["snapshot.mode"] = "no_data"
	if heartbeats {
		cfg["heartbeat.interval.ms"] = fmt.Sprint(interval.Milliseconds())
	} else {
		cfg["status.update.interval.ms"] = "2000"
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)

	want := []int{}
	insert := func(ids ...int) {
		for _, id := range ids {
			mustExec(t, pg, "INSERT INTO public.captured VALUES ($1)", id)
			want = append(want, id)
		}
	}
	insert(1, 2, 3)
	rows.waitCount(t, 3, 30*time.Second)
	if heartbeats {
		hbs.waitCount(t, 2, 10*interval)
	}

	// 200 MB of WAL into the uncaptured table, in transactions of about
	// 10 MB, the captured table idle.
	start := hbWALLSN(t, root)
	var maxLag int64
	began := time.Now()
	for hbWALLSN(t, root)-start < bulkWAL {
		mustExec(t, bulk, "INSERT INTO public.bulk (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 10000) g")
		if l := hbSlotLag(t, root, slot); l > maxLag {
			maxLag = l
		}
	}
	written := hbWALLSN(t, root) - start
	t.Logf("%s: wrote %d MB of WAL in %s; largest retained WAL seen while writing: %.1f MB", label, written>>20, time.Since(began).Round(time.Millisecond), float64(maxLag)/(1<<20))
	mustExec(t, bulk, "TRUNCATE public.bulk")

	// After a few heartbeat intervals the slot has caught up, and stays so.
	wrote := time.Now()
	deadline := wrote.Add(catchUp)
	var lag int64
	for {
		lag = hbSlotLag(t, root, slot)
		if lag < bound || time.Now().After(deadline) {
			break
		}
		time.Sleep(interval / 4)
	}
	t.Logf("%s: retained WAL %.1f MB, %s after the writes", label, float64(lag)/(1<<20), time.Since(wrote).Round(time.Millisecond))
	if lag >= bound {
		t.Fatalf("the slot retains %.1f MB of WAL %s after the writes to an uncaptured table, want < %d MB", float64(lag)/(1<<20), catchUp, bound>>20)
	}
	for i := 0; i < 8; i++ {
		time.Sleep(interval / 2)
		if lag = hbSlotLag(t, root, slot); lag >= bound {
			t.Errorf("the slot retains %.1f MB of WAL again while idle", float64(lag)/(1<<20))
		}
	}
	if !heartbeats {
		time.Sleep(3 * interval)
		if n := hbs.count(); n != 0 {
			t.Errorf("%d heartbeat records with heartbeat.interval.ms unset", n)
		}
		return
	}

	// The checkpoint follows the WAL: its lsn is past the bulk writes.
	end := hbWALLSN(t, root)
	deadline = time.Now().Add(catchUp)
	for {
		code, body := d.do(t, "GET", "/connectors/"+prefix+"/offsets", nil)
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
		lsn, _ := o.Offsets[0].Offset["lsn"].(float64)
		if int64(lsn) >= start+written {
			t.Logf("%s: checkpoint lsn %d, past the bulk writes' end %d", label, int64(lsn), start+written)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint %s did not pass the bulk writes (WAL %d to %d, now %d)", body, start, start+written, end)
		}
		time.Sleep(interval / 4)
	}

	// Heartbeats keep coming while idle, each {serverName: topic.prefix}
	// with a current ts_ms.
	n := hbs.count()
	recs := hbs.waitCount(t, n+3, 10*interval)
	for _, h := range hbParseRecords(t, recs) {
		if h.ServerName != prefix {
			t.Errorf("heartbeat serverName %q, want %q", h.ServerName, prefix)
		}
		if age := time.Since(time.UnixMilli(h.TsMs)); age < 0 || age > 10*time.Minute {
			t.Errorf("heartbeat ts_ms %d is not a current time", h.TsMs)
		}
	}
	t.Logf("%s: %d heartbeat records", label, len(recs))

	// A SIGKILL now finds the checkpoint at a heartbeat; the restarted
	// connector resumes there and loses and repeats nothing.
	d.kill()
	insert(4, 5)
	d = startDaemon(t, dataDir)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	insert(6)
	rows.waitCount(t, len(want), 30*time.Second)
	if p := hbCheckRowsOnce(rows.settle(2*time.Second), want); len(p) != 0 {
		t.Errorf("captured rows: %s", strings.Join(p, "; "))
	}
	hbs.waitCount(t, hbs.count()+2, 10*interval)
	d.term(t)
}

// hbWaitSlot waits until the connector created its slot.
func hbWaitSlot(t *testing.T, pg *pgx.Conn, slot string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the connector created no slot")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPostgresHeartbeatActionQuery: heartbeat.action.query runs on the
// captured database at every heartbeat (its rows reach the table and, the
// table being captured, its topic), and a query on a table that does not
// exist fails the connector with the reason, as in Debezium (42P01).
func TestPostgresHeartbeatActionQuery(t *testing.T) {
	const interval = 500 * time.Millisecond
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	mustExec(t, pg, "CREATE TABLE public.hb (id serial PRIMARY KEY, ts timestamptz NOT NULL)")
	root := pgConn(t)

	hbRows := newConsumer(t, prefix+".public.hb")
	hbs := newConsumer(t, "__debezium-heartbeat."+prefix)
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, slot, "public.hb")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["heartbeat.interval.ms"] = fmt.Sprint(interval.Milliseconds())
	cfg["heartbeat.action.query"] = "INSERT INTO public.hb (ts) VALUES (now())"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)

	time.Sleep(10 * interval)
	var n int
	if err := pg.QueryRow(context.Background(), "SELECT count(*) FROM public.hb").Scan(&n); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d action query rows after %s", n, 10*interval)
	if n < 5 || n > 12 {
		t.Errorf("heartbeat.action.query ran %d times in 10 intervals, want about 10", n)
	}
	recs := hbRows.waitCount(t, 3, 10*time.Second)
	t.Logf("%d change records of the action query's rows, %d heartbeat records", len(recs), hbs.count())
	hbs.waitCount(t, 3, 10*time.Second)

	// A query Debezium treats as fatal: the connector fails, saying why.
	bad := prefix + "_bad"
	dropSlot(t, bad)
	deleteHeartbeatTopicsAtEnd(t, bad)
	cfg = pgConfig(t, bad, bad, "public.hb")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["heartbeat.interval.ms"] = fmt.Sprint(interval.Milliseconds())
	cfg["heartbeat.action.query"] = "INSERT INTO public.no_such_table VALUES (1)"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": bad, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	s := d.waitTaskState(t, bad, "FAILED", 30*time.Second)
	_, trace := s.taskState()
	t.Logf("trace: %s", strings.SplitN(trace, "\n", 2)[0])
	if !strings.Contains(trace, "heartbeat.action.query") || !strings.Contains(trace, "42P01") {
		t.Errorf("trace %q does not name heartbeat.action.query and the SQLSTATE", trace)
	}
	d.term(t)
}

// TestPostgresHeartbeatCrashExactlyOnce: heartbeats every 100 ms
// interleaved with captured inserts and writes to an uncaptured table,
// with SIGKILLs at random moments and one SIGTERM: a read_committed
// consumer sees every committed captured row exactly once, so checkpoints
// written by heartbeats neither skip nor repeat a transaction.
func TestPostgresHeartbeatCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	mustExec(t, pg, "CREATE TABLE public.captured (id int PRIMARY KEY)")
	mustExec(t, pg, "CREATE TABLE public.other (id bigserial PRIMARY KEY, pad text)")
	root := pgConn(t)
	rows := newConsumer(t, prefix+".public.captured")
	hbs := newConsumer(t, "__debezium-heartbeat."+prefix)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, "public.captured")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["heartbeat.interval.ms"] = "100"
	cfg["status.update.interval.ms"] = "200"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)

	cc, err := pgx.ParseConfig(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	cc.Database = prefix
	wpg, err := pgx.ConnectConfig(context.Background(), cc)
	if err != nil {
		t.Fatal(err)
	}
	defer wpg.Close(context.Background())
	var committed []int
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := context.Background()
		for id := 1; ; id++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := wpg.Exec(ctx, "INSERT INTO public.captured VALUES ($1)", id); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			committed = append(committed, id)
			if _, err := wpg.Exec(ctx, "INSERT INTO public.other (pad) SELECT repeat('y', 200) FROM generate_series(1, 20)"); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		}
	}()

	kills := 0
	for i := 0; i < 4; i++ {
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		d.kill()
		kills++
		t.Logf("SIGKILL #%d at %d rows, %d heartbeats", kills, rows.count(), hbs.count())
		d = startDaemon(t, dataDir)
	}
	time.Sleep(time.Second)
	d.term(t)
	t.Logf("SIGTERM at %d rows, %d heartbeats", rows.count(), hbs.count())
	d = startDaemon(t, dataDir)
	time.Sleep(time.Second)
	close(stop)
	<-done

	var problems []string
	deadline := time.Now().Add(time.Minute)
	for {
		problems = hbCheckRowsOnce(rows.settle(2*time.Second), committed)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("%d rows committed, %d records read, %d heartbeats", len(committed), rows.count(), hbs.count())
	for i, p := range problems {
		if i == 20 {
			break
		}
		t.Error(p)
	}
	if hbs.count() < 10 {
		t.Errorf("only %d heartbeat records", hbs.count())
	}
	d.term(t)
}

// TestPostgresHeartbeatMessagesExactlyOnce: heartbeats every 50 ms among
// logical decoding messages (transactional, non-transactional, and
// non-transactional directly before a commit) and rows, with SIGKILLs at
// random moments and one SIGTERM: every message and row exactly once, in
// order, so a checkpoint at a heartbeat never skips a message written right
// after the WAL it covers.
func TestPostgresHeartbeatMessagesExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	table := "public.items"
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
	root := pgConn(t)

	msgs := newConsumer(t, prefix+".message")
	rows := newConsumer(t, prefix+"."+table)
	hbs := newConsumer(t, "__debezium-heartbeat."+prefix)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, table)
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["heartbeat.interval.ms"] = "50"
	cfg["sluice.batch.max.events"] = "50"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, root, slot)

	em := &messageEmitter{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); em.run(t, pg, table, stop) }()

	kills := 0
	for i := 0; i < 4; i++ {
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		d.kill()
		kills++
		t.Logf("SIGKILL #%d at %d message records, %d heartbeats", kills, msgs.count(), hbs.count())
		d = startDaemon(t, dataDir)
	}
	time.Sleep(time.Second)
	d.term(t)
	d = startDaemon(t, dataDir)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	<-done

	em.mu.Lock()
	emitted, wantRows := append([]string(nil), em.emitted...), em.rows
	em.mu.Unlock()
	var problems []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		problems = checkMessages(msgs.settle(2*time.Second), emitted)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	ids := map[int]int{}
	for _, r := range rows.settle(time.Second) {
		var k struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(r.Key, &k); err != nil {
			t.Fatalf("row key %q: %v", r.Key, err)
		}
		ids[k.ID]++
	}
	dups := 0
	for _, n := range ids {
		if n > 1 {
			dups++
		}
	}
	if len(ids) != wantRows || dups != 0 {
		t.Errorf("rows: %d distinct ids (%d repeated), want %d exactly once", len(ids), dups, wantRows)
	}
	t.Logf("%d SIGKILLs + 1 SIGTERM; %d messages and %d rows emitted, %d message records, %d heartbeats",
		kills, len(emitted), wantRows, msgs.count(), hbs.count())
	if hbs.count() < 20 {
		t.Errorf("only %d heartbeats", hbs.count())
	}
	d.term(t)
}
