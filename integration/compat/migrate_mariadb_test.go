//go:build integration

package compat

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
)

// myChanges makes changes first..last on table t as pgChanges does: one
// transaction each but for every fourth, which holds an insert and an
// update (two binlog rows events).
func myChanges(t *testing.T, c *client.Conn, first, last int) {
	t.Helper()
	for n := first; n <= last; n++ {
		if n%4 == 0 && n < last {
			myExec(t, c, "BEGIN",
				fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", n, n),
				fmt.Sprintf("UPDATE t SET v = %d WHERE id = %d", n+1, n),
				"COMMIT")
			n++
			continue
		}
		myExec(t, c, fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", n, n))
	}
}

// TestMigrateFromDebeziumMariaDB is TestMigrateFromDebeziumPostgres with
// Debezium's MariaDB connector 3.5.0: Debezium snapshots and streams
// changes 1..25 (its last transaction holds two rows events, so its offset
// has event and row), is stopped, 26..40 are made, the same config is
// registered on sluice with sluice.migrate.from.connect.offsets.topic, and
// 41..60 follow; read_committed, the topic holds each change once and in
// order, and sluice's offset has Debezium's keys.
func TestMigrateFromDebeziumMariaDB(t *testing.T) {
	dbz := needConnect(t)
	slc := startOffsetsDaemon(t)
	db := uniq("offsets_mig")
	my := myDatabase(t, db)
	myExec(t, my, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)", "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")

	name, prefix := uniq("offsets_mig"), uniq("offsets_mig")
	topic := prefix + "." + db + ".t"
	cfg := map[string]string{
		"connector.class":                "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":              myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":                  myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":                  "sluice",
		"database.password":              "sluice",
		"database.server.id":             serverID(),
		"database.include.list":          db,
		"table.include.list":             db + ".t",
		"topic.prefix":                   prefix,
		"snapshot.mode":                  "initial",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
		// hist_<prefix> is deleted with the prefix's topics (readPrefix).
		"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
		"schema.history.internal.kafka.topic":             "hist_" + prefix,
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
	myChanges(t, my, 4, 25)
	waitFor(t, "Debezium to stream change 25", 60*time.Second, has(25))

	if code, body, err := dbz.do("PUT", "/connectors/"+name+"/stop", nil); err != nil || code/100 != 2 {
		t.Fatalf("stop Debezium: %d %s %v", code, body, err)
	}
	waitFor(t, "Debezium's task to stop", 60*time.Second, func() bool {
		code, body, err := dbz.do("GET", "/connectors/"+name+"/status", nil)
		return err == nil && code == 200 && strings.Contains(string(body), `"state":"STOPPED"`)
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
	if dbzOffsets.Offsets[0].Offset["event"] == nil {
		t.Errorf("Debezium's offset has no event to skip: the test does not check a restart inside a transaction")
	}

	myChanges(t, my, 26, 40)
	scfg := map[string]string{}
	for k, v := range cfg {
		scfg[k] = v
	}
	scfg["sluice.migrate.from.connect.offsets.topic"] = connectOffsetsTopic
	slc.create(t, name, scfg)
	t.Cleanup(func() { slc.remove(t, name) })
	waitFor(t, "sluice to stream change 40", 60*time.Second, has(40))
	myChanges(t, my, 41, 60)
	waitFor(t, "sluice to stream change 60", 60*time.Second, has(60))
	settle([]pair{{dbz: r, slc: r}}, 2*time.Second, 10*time.Second)

	want := make([]int, 0, 60)
	for v := 1; v <= 60; v++ {
		want = append(want, v)
	}
	recs := migRecords(t, r, topic)
	checkOnce(t, recs, want)
	snaps := 0
	for _, x := range recs {
		if x.op == "r" {
			snaps++
		}
	}
	if snaps != 3 {
		t.Errorf("%d snapshot records, want Debezium's 3 (sluice must not snapshot again)", snaps)
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
	t.Logf("sluice's offset after change 60: %s", body)
	var keys, dkeys []string
	for k := range sOffsets.Offsets[0].Offset {
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

	// PATCH forward: changes 61..65 are made while stopped, then the
	// connector is moved to the binlog's end, so only 66..70 follow.
	myChanges(t, my, 61, 65)
	res, err := my.Execute("SHOW MASTER STATUS")
	if err != nil || res.RowNumber() != 1 {
		t.Fatalf("SHOW MASTER STATUS: %v", err)
	}
	file, _ := res.GetString(0, 0)
	pos, _ := res.GetInt(0, 1)
	res, err = my.Execute("SELECT @@gtid_binlog_pos")
	if err != nil {
		t.Fatal(err)
	}
	gtids, _ := res.GetString(0, 0)
	patch := map[string]any{"offsets": []any{map[string]any{
		"partition": map[string]any{"server": prefix},
		"offset":    map[string]any{"file": file, "pos": pos, "gtids": gtids},
	}}}
	if code, body, err := slc.do("PATCH", "/connectors/"+name+"/offsets", patch); err != nil || code != 200 || !strings.Contains(string(body), "altered successfully") {
		t.Fatalf("PATCH offsets: %d %s %v", code, body, err)
	}
	if code, body, err := slc.do("PUT", "/connectors/"+name+"/resume", nil); err != nil || code/100 != 2 {
		t.Fatalf("resume sluice: %d %s %v", code, body, err)
	}
	myChanges(t, my, 66, 70)
	waitFor(t, "sluice to stream change 70", 60*time.Second, has(70))
	settle([]pair{{dbz: r, slc: r}}, 2*time.Second, 10*time.Second)
	want = want[:0]
	for v := 1; v <= 70; v++ {
		if v < 61 || v > 65 {
			want = append(want, v)
		}
	}
	checkOnce(t, migRecords(t, r, topic), want)
}
