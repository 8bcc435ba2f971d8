//go:build integration

package compat

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"
)

// txmetaSQL are the changes of the transaction-metadata comparisons: single
// statements, a transaction over every captured table (their END lists the
// tables in Debezium's HashMap order), a key change (two events), a
// transaction that also writes an uncaptured table, and one that writes only
// that table (no records on either side).
func txmetaSQL(q func(string) string) []string {
	return []string{
		"INSERT INTO " + q("a") + " VALUES (2, 'two')",
		"UPDATE " + q("b") + " SET v = 'one!' WHERE id = 1",
		"BEGIN",
		"INSERT INTO " + q("a") + " VALUES (3, 'three')",
		"INSERT INTO " + q("b") + " VALUES (3, 'three')",
		"UPDATE " + q("a") + " SET v = 'three!' WHERE id = 3",
		"INSERT INTO " + q("customers") + " VALUES (1, 'c')",
		"INSERT INTO " + q("orders") + " VALUES (1, 'o'), (2, 'p')",
		"DELETE FROM " + q("b") + " WHERE id = 3",
		"INSERT INTO " + q("products") + " VALUES (1, 'p')",
		"INSERT INTO " + q("addresses") + " VALUES (1, 'x')",
		"COMMIT",
		"UPDATE " + q("a") + " SET id = 20 WHERE id = 2",
		"BEGIN",
		"INSERT INTO " + q("uncaptured") + " VALUES (1, 'u')",
		"INSERT INTO " + q("b") + " VALUES (4, 'four')",
		"COMMIT",
		"INSERT INTO " + q("uncaptured") + " VALUES (2, 'u')",
		"INSERT INTO " + q("zz_end") + " VALUES (1, 'end')",
	}
}

var txmetaTables = []string{"a", "b", "customers", "orders", "products", "addresses", "uncaptured", "zz_end"}

// TestPostgresTransactionMetadataSideBySide registers the same config with
// provide.transaction.metadata=true on Debezium and on sluice and compares
// every record, the transaction topic's included.
func TestPostgresTransactionMetadataSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("txmeta_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg, "CREATE SCHEMA s")
	for _, tb := range txmetaTables {
		pgExec(t, pg, "CREATE TABLE s."+tb+" (id int PRIMARY KEY, v text)")
	}
	pgExec(t, pg, "INSERT INTO s.a VALUES (1, 'one')", "INSERT INTO s.b VALUES (1, 'one')")

	var ps []pair
	// The third run publishes all tables (Debezium's default): pgoutput then
	// sends the transactions of the uncaptured table too, and both write
	// BEGIN and END (event_count 0) for them.
	for i, se := range []string{"true", "false", "false"} {
		name := uniq("txmeta_pg")
		dp, sp := uniq("dbz"), uniq("slc")
		cfg := map[string]string{
			"connector.class":                "io.debezium.connector.postgresql.PostgresConnector",
			"database.hostname":              "127.0.0.1",
			"database.port":                  pgPort(t),
			"database.user":                  "postgres",
			"database.password":              "postgres",
			"database.dbname":                db,
			"plugin.name":                    "pgoutput",
			"publication.autocreate.mode":    "filtered",
			"table.include.list":             "s.a,s.b,s.customers,s.orders,s.products,s.addresses,s.zz_end",
			"provide.transaction.metadata":   "true",
			"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
			"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
			"key.converter.schemas.enable":   se,
			"value.converter.schemas.enable": se,
		}
		if i == 1 {
			cfg["topic.transaction"] = "txn_meta"
		}
		if i == 2 {
			cfg["publication.autocreate.mode"] = "all_tables"
		}
		p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: se == "true"}
		createBoth(t, dbz, slc.restClient, name, cfg,
			map[string]string{"topic.prefix": dp, "slot.name": dp, "publication.name": dp},
			map[string]string{"topic.prefix": sp, "slot.name": sp, "publication.name": sp}, nil)
		ps = append(ps, p)
	}
	waitCounts(t, ps, map[string]int{".s.a": 1, ".s.b": 1}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg, txmetaSQL(func(tb string) string { return "s." + tb })...)
	waitCounts(t, ps[:1], map[string]int{".s.zz_end": 1, ".transaction": 12}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[1:2], map[string]int{".s.zz_end": 1, ".txn_meta": 12}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[2:], map[string]int{".s.zz_end": 1, ".transaction": 14}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "pg-txmeta", ps)
}

// TestMariaDBTransactionMetadataSideBySide is the MariaDB counterpart.
func TestMariaDBTransactionMetadataSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("txmeta_my")
	my := myDatabase(t, db)
	for _, tb := range txmetaTables {
		myExec(t, my, "CREATE TABLE "+tb+" (id INT PRIMARY KEY, v VARCHAR(20))")
	}
	myExec(t, my, "INSERT INTO a VALUES (1, 'one')", "INSERT INTO b VALUES (1, 'one')")

	var include []string
	for _, tb := range txmetaTables {
		if tb != "uncaptured" {
			include = append(include, db+`\.`+tb)
		}
	}
	name := uniq("txmeta_my")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := map[string]string{
		"connector.class":                                 "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":                               myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":                                   myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":                                   "sluice",
		"database.password":                               "sluice",
		"database.include.list":                           db,
		"table.include.list":                              strings.Join(include, ","),
		"provide.transaction.metadata":                    "true",
		"key.converter":                                   "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                                 "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":                    "true",
		"value.converter.schemas.enable":                  "true",
		"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
		"schema.history.internal.kafka.topic":             "hist_" + dp,
		// The schema-change topic records the DDL of every database on the
		// shared server, which other tests change meanwhile.
		"include.schema.changes": "false",
	}
	p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
	createBoth(t, dbz, slc.restClient, name, cfg,
		map[string]string{"topic.prefix": dp, "database.server.id": serverID()},
		map[string]string{"topic.prefix": sp, "database.server.id": serverID()}, nil)
	ps := []pair{p}
	d := "." + db
	waitCounts(t, ps, map[string]int{d + ".a": 1, d + ".b": 1}, 120*time.Second, dbz, slc.restClient)
	// The transaction that writes only the uncaptured table, apart: its
	// GTID is compared below.
	sqls := txmetaSQL(func(tb string) string { return tb })
	myExec(t, my, sqls[:len(sqls)-2]...)
	myExec(t, my, sqls[len(sqls)-2])
	r, err := my.Execute("SELECT @@last_gtid")
	if err != nil {
		t.Fatal(err)
	}
	uncaptured, _ := r.GetString(0, 0)
	// A DDL statement (a GTID of its own, no transaction).
	myExec(t, my, "CREATE TABLE ddl_only (id INT PRIMARY KEY)")
	if r, err = my.Execute("SELECT @@last_gtid"); err != nil {
		t.Fatal(err)
	}
	ddlGTID, _ := r.GetString(0, 0)
	myExec(t, my, sqls[len(sqls)-1])
	waitCounts(t, ps, map[string]int{d + ".zz_end": 1, ".transaction": 12}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)

	// Both write BEGIN and END (event_count 0) for every transaction of the
	// binlog without captured events, those of other databases included;
	// each side reads the shared server from its own start, so those of
	// other tests differ between them. They are set aside on both sides, but
	// for the test's own transaction of an uncaptured table, whose records
	// must be the same; then the rest is compared record by record.
	dbzRecs, dbzEmpty := dropEmptyTransactions(t, p.dbz.all(), dp+".transaction")
	slcRecs, slcEmpty := dropEmptyTransactions(t, p.slc.all(), sp+".transaction")
	t.Logf("set aside the records of %d Debezium and %d sluice transactions without captured events", len(dbzEmpty), len(slcEmpty))
	if d, s := dbzEmpty[uncaptured], slcEmpty[uncaptured]; len(d) != 2 || len(s) != 2 {
		t.Errorf("transaction %s of the uncaptured table: %d Debezium and %d sluice records, want BEGIN and END on each", uncaptured, len(d), len(s))
	} else {
		for i := range d {
			if !bytes.Equal(d[i].Key, s[i].Key) || !bytes.Equal(d[i].Value, s[i].Value) {
				t.Errorf("transaction %s of the uncaptured table, record %d:\nDebezium %s %s\nsluice   %s %s", uncaptured, i, d[i].Key, d[i].Value, s[i].Key, s[i].Value)
			}
		}
	}
	var dbzDDL []string
	for _, r := range dbzEmpty[ddlGTID] {
		dbzDDL = append(dbzDDL, string(r.Value[bytes.Index(r.Value, []byte(`"payload"`)):]))
	}
	t.Logf("Debezium's records of the DDL statement's GTID %s: %v", ddlGTID, dbzDDL)
	if n := len(slcEmpty[ddlGTID]); n != 0 {
		t.Errorf("sluice wrote %d transaction records for the DDL statement's GTID %s, want none", n, ddlGTID)
	}
	diffs := compareSides(side{dp, dbzRecs}, side{sp, slcRecs}, true)
	for _, d := range diffs {
		t.Errorf("%s", d)
	}
	t.Logf("%d Debezium records compared with %d sluice records: %d differences", len(dbzRecs), len(slcRecs), len(diffs))
}

// dropEmptyTransactions removes from recs the records of topic whose
// transaction has no END with a positive event_count, and returns them by
// transaction id, in offset order.
func dropEmptyTransactions(t *testing.T, recs []rec, topic string) ([]rec, map[string][]rec) {
	t.Helper()
	type payload struct {
		Status     string `json:"status"`
		ID         string `json:"id"`
		EventCount *int64 `json:"event_count"`
	}
	parse := func(r rec) payload {
		var env struct {
			Payload payload `json:"payload"`
		}
		if err := json.Unmarshal(r.Value, &env); err != nil {
			t.Fatalf("transaction record %s: %v", r.Value, err)
		}
		return env.Payload
	}
	sort.SliceStable(recs, func(i, j int) bool {
		return recs[i].Topic < recs[j].Topic || recs[i].Topic == recs[j].Topic && recs[i].Offset < recs[j].Offset
	})
	full := map[string]bool{}
	for _, r := range recs {
		if r.Topic == topic {
			if p := parse(r); p.Status == "END" && p.EventCount != nil && *p.EventCount > 0 {
				full[p.ID] = true
			}
		}
	}
	var out []rec
	dropped := map[string][]rec{}
	for _, r := range recs {
		if r.Topic == topic {
			if id := parse(r).ID; !full[id] {
				dropped[id] = append(dropped[id], r)
				continue
			}
		}
		out = append(out, r)
	}
	return out, dropped
}
