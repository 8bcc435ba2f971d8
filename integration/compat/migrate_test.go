//go:build integration

package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// connectOffsetsTopic is the offset.storage.topic of the env's Kafka
// Connect worker (integration/env/connect.sh).
var connectOffsetsTopic = envOr("SLUICE_CONNECT_OFFSETS_TOPIC", "sluice-env-connect-offsets")

// migRecord is one row record: every change sets v to a number no other
// change uses, so each record names the change it carries.
type migRecord struct {
	v      int
	op     string
	offset int64
}

// migRecords returns the row records of topic (tombstones left out), in
// topic order.
func migRecords(t *testing.T, r *topicReader, topic string) []migRecord {
	t.Helper()
	var out []migRecord
	for _, x := range r.all() {
		if x.Topic != topic || x.Value == nil {
			continue
		}
		var env struct {
			Op     string `json:"op"`
			Before *struct {
				V *int `json:"v"`
			} `json:"before"`
			After *struct {
				V *int `json:"v"`
			} `json:"after"`
		}
		if err := json.Unmarshal(x.Value, &env); err != nil {
			t.Fatalf("record at %d: %v: %s", x.Offset, err, x.Value)
		}
		v := -1
		switch {
		case env.After != nil && env.After.V != nil:
			v = *env.After.V
		case env.Op == "d" && env.Before != nil && env.Before.V != nil:
			v = -*env.Before.V // a delete carries the v it removed
		}
		out = append(out, migRecord{v: v, op: env.Op, offset: x.Offset})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].offset < out[j].offset })
	return out
}

// waitFor waits until cond holds, failing the test after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pgChanges makes changes first..last on table t of c, one transaction
// each but for every fourth, which holds two changes: an insert of a new
// row, then for odd numbers an update of an earlier row. The change's
// number goes in v.
func pgChanges(t *testing.T, c *pgx.Conn, first, last int) {
	t.Helper()
	ctx := context.Background()
	for n := first; n <= last; n++ {
		if n%4 == 0 && n < last {
			pgExec(t, c, "BEGIN",
				fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", n, n),
				fmt.Sprintf("UPDATE t SET v = %d WHERE id = %d", n+1, n),
				"COMMIT")
			n++
			continue
		}
		if _, err := c.Exec(ctx, fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", n, n)); err != nil {
			t.Fatal(err)
		}
	}
}

// checkOnce checks that the records carry every change of want exactly
// once and in the order they were made.
func checkOnce(t *testing.T, recs []migRecord, want []int) {
	t.Helper()
	seen := map[int]int{}
	var order []int
	for _, r := range recs {
		seen[r.v]++
		order = append(order, r.v)
	}
	var missing, twice []int
	for _, v := range want {
		switch seen[v] {
		case 0:
			missing = append(missing, v)
		case 1:
		default:
			twice = append(twice, v)
		}
	}
	if len(missing) > 0 || len(twice) > 0 || len(recs) != len(want) {
		t.Errorf("changes missing %v, repeated %v; %d records for %d changes; topic order %v", missing, twice, len(recs), len(want), order)
	}
	if !sort.IntsAreSorted(order) {
		t.Errorf("changes out of order: %v", order)
	}
}

// TestMigrateFromDebeziumPostgres moves a connector from real Debezium
// 3.6.1 on Kafka Connect 4.3.0 to sluice without a new snapshot: Debezium
// snapshots and streams changes 1..25 (the last written before the one
// before it committed), is stopped, changes 26..40 are made
// while nothing runs, then the same config is registered on sluice with
// sluice.migrate.from.connect.offsets.topic, and changes 41..60 follow. The
// topic (read_committed) must hold every change exactly once, in order,
// from one writer or the other; sluice must reuse Debezium's slot. Then
// sluice's offsets are checked in Debezium's shape, and PATCH moves the
// stopped connector forward (changes made before the offset are not
// emitted) and refuses a position the slot no longer holds.
func TestMigrateFromDebeziumPostgres(t *testing.T) {
	dbz := needConnect(t)
	slc := startOffsetsDaemon(t)
	db := uniq("offsets_mig")
	pg := pgDatabase(t, db)
	pgExec(t, pg, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)")
	// The snapshot's rows: changes 1..3.
	pgExec(t, pg, "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")

	name, prefix := uniq("offsets_mig"), uniq("offsets_mig")
	topic := prefix + ".public.t"
	cfg := map[string]string{
		"connector.class":                "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname":              "127.0.0.1",
		"database.port":                  pgPort(t),
		"database.user":                  "postgres",
		"database.password":              "postgres",
		"database.dbname":                db,
		"topic.prefix":                   prefix,
		"slot.name":                      name,
		"publication.name":               name,
		"plugin.name":                    "pgoutput",
		"publication.autocreate.mode":    "filtered",
		"table.include.list":             "public.t",
		"snapshot.mode":                  "initial",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
	}
	r := readPrefix(t, prefix)
	dbz.create(t, name, cfg)
	t.Cleanup(func() { dbz.remove(t, name) })

	has := func(v int) func() bool {
		return func() bool {
			for _, x := range migRecords(t, r, topic) {
				if x.v == v {
					return true
				}
			}
			return false
		}
	}
	waitFor(t, "Debezium's snapshot", 120*time.Second, has(3))
	// Debezium's last transaction (change 25) wrote its change before the
	// one before it (change 24, on another connection) committed: its
	// offset's lsn_proc is before its lsn_commit.
	pgChanges(t, pg, 4, 23)
	u, err := url.Parse(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	other, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())
	pgExec(t, pg, "BEGIN", "INSERT INTO t VALUES (25, 25)")
	pgExec(t, other, "INSERT INTO t VALUES (24, 24)")
	pgExec(t, pg, "COMMIT")
	waitFor(t, "Debezium to stream change 25", 60*time.Second, has(25))

	// Stop Debezium; Kafka Connect commits the task's last offsets as it
	// stops it.
	if code, body, err := dbz.do("PUT", "/connectors/"+name+"/stop", nil); err != nil || code/100 != 2 {
		t.Fatalf("stop Debezium: %d %s %v", code, body, err)
	}
	waitFor(t, "Debezium's task to stop", 60*time.Second, func() bool {
		code, body, err := dbz.do("GET", "/connectors/"+name+"/status", nil)
		return err == nil && code == 200 && strings.Contains(string(body), `"state":"STOPPED"`)
	})
	ctx := context.Background()
	waitFor(t, "Debezium to release its slot", 60*time.Second, func() bool {
		var active bool
		err := pg.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", name).Scan(&active)
		return err == nil && !active
	})
	var dbzOffsets struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	code, body, err := dbz.do("GET", "/connectors/"+name+"/offsets", nil)
	if err != nil || code != 200 || json.Unmarshal(body, &dbzOffsets) != nil || len(dbzOffsets.Offsets) != 1 {
		t.Fatalf("Debezium's offsets: %d %s %v", code, body, err)
	}
	t.Logf("Debezium's last offset: %s", body)
	if o := dbzOffsets.Offsets[0].Offset; !(o["lsn_proc"].(float64) < o["lsn_commit"].(float64)) {
		t.Errorf("Debezium's offset %v: lsn_proc is not before lsn_commit, so the test does not check interleaved transactions", o)
	}

	// Changes while nothing captures.
	pgChanges(t, pg, 26, 40)

	scfg := map[string]string{}
	for k, v := range cfg {
		scfg[k] = v
	}
	scfg["sluice.migrate.from.connect.offsets.topic"] = connectOffsetsTopic
	// The slot's confirmed position is checked below: report it often.
	scfg["status.update.interval.ms"] = "200"
	slc.create(t, name, scfg)
	t.Cleanup(func() { slc.remove(t, name) })
	waitFor(t, "sluice to stream change 40", 60*time.Second, has(40))
	pgChanges(t, pg, 41, 60)
	waitFor(t, "sluice to stream change 60", 60*time.Second, has(60))
	settle([]pair{{dbz: r, slc: r}}, 2*time.Second, 10*time.Second)

	want := make([]int, 0, 60)
	for v := 1; v <= 60; v++ {
		want = append(want, v)
	}
	recs := migRecords(t, r, topic)
	checkOnce(t, recs, want)
	var snaps int
	for _, x := range recs {
		if x.op == "r" {
			snaps++
		}
	}
	if snaps != 3 {
		t.Errorf("%d snapshot records, want Debezium's 3 (sluice must not snapshot again)", snaps)
	}
	var slots int
	if err := pg.QueryRow(ctx, "SELECT count(*) FROM pg_replication_slots WHERE database = $1", db).Scan(&slots); err != nil || slots != 1 {
		t.Errorf("%d replication slots in %s (%v), want only Debezium's", slots, db, err)
	}

	// GET offsets: Debezium's keys, and the last change's transaction.
	var xid int64
	tx, err := pg.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, "INSERT INTO t VALUES (61, 61) RETURNING txid_current()").Scan(&xid); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sluice to stream change 61", 30*time.Second, has(61))
	if code, body, _ := slc.do("PATCH", "/connectors/"+name+"/offsets", map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"server": prefix}, "offset": map[string]any{"lsn": 1}}}}); code != 400 || !strings.Contains(string(body), "STOPPED state") {
		t.Errorf("PATCH offsets of a running connector: %d %s", code, body)
	}
	if code, body, err := slc.do("PUT", "/connectors/"+name+"/stop", nil); err != nil || code/100 != 2 {
		t.Fatalf("stop sluice: %d %s %v", code, body, err)
	}
	var sOffsets struct {
		Offsets []struct {
			Partition map[string]any `json:"partition"`
			Offset    map[string]any `json:"offset"`
		} `json:"offsets"`
	}
	code, body, err = slc.do("GET", "/connectors/"+name+"/offsets", nil)
	if err != nil || code != 200 || json.Unmarshal(body, &sOffsets) != nil || len(sOffsets.Offsets) != 1 {
		t.Fatalf("sluice's offsets: %d %s %v", code, body, err)
	}
	t.Logf("sluice's offset after change 61: %s", body)
	so := sOffsets.Offsets[0].Offset
	var keys, dkeys []string
	for k := range so {
		keys = append(keys, k)
	}
	for k := range dbzOffsets.Offsets[0].Offset {
		dkeys = append(dkeys, k)
	}
	sort.Strings(keys)
	sort.Strings(dkeys)
	if strings.Join(keys, ",") != strings.Join(dkeys, ",") {
		t.Errorf("sluice's offset keys %v, Debezium's %v", keys, dkeys)
	}
	if fmt.Sprint(sOffsets.Offsets[0].Partition) != fmt.Sprint(dbzOffsets.Offsets[0].Partition) {
		t.Errorf("partition %v, Debezium's %v", sOffsets.Offsets[0].Partition, dbzOffsets.Offsets[0].Partition)
	}
	if so["txId"] != float64(xid) || so["messageType"] != "INSERT" || so["lsn"] != so["lsn_proc"] {
		t.Errorf("offset %v: want txId %d, messageType INSERT, lsn = lsn_proc", so, xid)
	}
	if us, _ := so["ts_usec"].(float64); time.Since(time.UnixMicro(int64(us))) > time.Minute {
		t.Errorf("ts_usec %v is not the commit time of the last change", so["ts_usec"])
	}

	// PATCH forward: changes 62..65 are made while stopped, then the
	// connector is moved past them (a COMMIT-typed offset at the WAL's
	// end), so only 66..70 follow.
	pgChanges(t, pg, 62, 65)
	var walEnd int64
	if err := pg.QueryRow(ctx, "SELECT (pg_current_wal_lsn() - '0/0')::bigint").Scan(&walEnd); err != nil {
		t.Fatal(err)
	}
	patch := map[string]any{"offsets": []any{map[string]any{
		"partition": map[string]any{"server": prefix},
		"offset":    map[string]any{"lsn": walEnd, "lsn_proc": walEnd, "lsn_commit": walEnd, "messageType": "COMMIT"},
	}}}
	if code, body, err := slc.do("PATCH", "/connectors/"+name+"/offsets", patch); err != nil || code != 200 || !strings.Contains(string(body), "altered successfully") {
		t.Fatalf("PATCH offsets: %d %s %v", code, body, err)
	}
	if code, body, err := slc.do("GET", "/connectors/"+name+"/offsets", nil); err != nil || code != 200 ||
		!strings.Contains(string(body), fmt.Sprintf(`"lsn":%d,`, walEnd)) || !strings.Contains(string(body), `"messageType":"COMMIT"`) {
		t.Errorf("GET offsets after PATCH: %d %s %v", code, body, err)
	}
	if code, body, err := slc.do("PUT", "/connectors/"+name+"/resume", nil); err != nil || code/100 != 2 {
		t.Fatalf("resume sluice: %d %s %v", code, body, err)
	}
	pgChanges(t, pg, 66, 70)
	waitFor(t, "sluice to stream change 70", 60*time.Second, has(70))
	settle([]pair{{dbz: r, slc: r}}, 2*time.Second, 10*time.Second)
	want = want[:0]
	for v := 1; v <= 70; v++ {
		if v < 62 || v > 65 {
			want = append(want, v)
		}
	}
	checkOnce(t, migRecords(t, r, topic), want)

	// PATCH back to Debezium's offset: the slot has confirmed past it, so
	// the connector fails with the reason instead of skipping changes.
	// Once sluice has confirmed its position to the slot, Postgres cannot
	// send the changes after Debezium's offset again.
	dbzCommit, _ := dbzOffsets.Offsets[0].Offset["lsn_commit"].(float64)
	var confirmed int64
	waitFor(t, "sluice to confirm its position to the slot", 30*time.Second, func() bool {
		err := pg.QueryRow(ctx, "SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots WHERE slot_name = $1", name).Scan(&confirmed)
		return err == nil && confirmed > int64(dbzCommit)+1
	})
	t.Logf("slot confirmed at %d after change 70", confirmed)
	if code, body, err := slc.do("PUT", "/connectors/"+name+"/stop", nil); err != nil || code/100 != 2 {
		t.Fatalf("stop sluice: %d %s %v", code, body, err)
	}
	patch = map[string]any{"offsets": []any{map[string]any{"partition": map[string]any{"server": prefix}, "offset": dbzOffsets.Offsets[0].Offset}}}
	if code, body, err := slc.do("PATCH", "/connectors/"+name+"/offsets", patch); err != nil || code != 200 {
		t.Fatalf("PATCH offsets back: %d %s %v", code, body, err)
	}
	if code, body, err := slc.do("PUT", "/connectors/"+name+"/resume", nil); err != nil || code/100 != 2 {
		t.Fatalf("resume sluice: %d %s %v", code, body, err)
	}
	var trace string
	waitFor(t, "sluice to fail on a position its slot no longer holds", 60*time.Second, func() bool {
		var st string
		st, trace = slc.state(name)
		return st == "FAILED"
	})
	if !strings.Contains(trace, "has already confirmed LSN") {
		t.Errorf("trace %q does not say the slot has moved past the offset", trace)
	}
	t.Logf("FAILED as expected: %s", clip(trace, 400))
}
