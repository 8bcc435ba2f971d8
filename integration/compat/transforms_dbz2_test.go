//go:build integration

package compat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// createTopics creates topics with partitions partitions each, so that a
// transform naming partitions (PartitionRouting) has them on both sides.
func createTopics(t *testing.T, partitions int32, topics ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := kadm.NewClient(cl).CreateTopics(ctx, partitions, 1, nil, topics...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("create topic %s: %v", r.Topic, r.Err)
		}
	}
}

// TestPostgresDebeziumRoutingTransformsSideBySide registers one Postgres
// connector pair whose chain merges two shard tables into one topic with
// ByLogicalTableRouter (the key gains the physical table's topic; equal ids
// in both shards stay apart) and then picks every change event's partition
// with PartitionRouting (java hash of an int, a string, a bigint and a
// numeric) over topics of three partitions, and converts the timestamps of
// every Postgres temporal type but one excluded column to Europe/Berlin
// (TimezoneConverter, values in its DST gap and overlap); every record, with
// its partition, is compared.
func TestPostgresDebeziumRoutingTransformsSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfdbz2_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		"CREATE TABLE s.orders_1 (id int PRIMARY KEY, name text, qty bigint)",
		"CREATE TABLE s.orders_2 (id int PRIMARY KEY, name text, qty bigint)",
		"CREATE TABLE s.parts (id int PRIMARY KEY, name text, qty bigint, price numeric(10,2))",
		"INSERT INTO s.orders_1 VALUES (1, 'one', 10), (2, 'two', 20)",
		"INSERT INTO s.orders_2 VALUES (1, 'uno', 11), (3, 'tres', 33)",
		"INSERT INTO s.parts VALUES (1, 'bolt', 100, 0.25), (2, 'nut', 200, 0.10), (3, 'gear', 3, 12.50)",
		"CREATE TABLE s.times (id int PRIMARY KEY, tz timestamptz, ts timestamp, ts3 timestamp(3), ttz timetz(3), d date, tsx timestamp(3))",
		// Berlin's 2024 DST gap (March 31st, 02:00-03:00) and overlap
		// (October 27th, 02:00-03:00) as UTC wall clocks.
		"INSERT INTO s.times VALUES (1, '2024-03-31 02:30:00.5+00', '2024-03-31 02:30:00.000001', '2024-10-27 02:30:00.123', '10:00:00.25+02', '2024-01-01', '2024-10-27 02:30:00')",
	)
	name := uniq("tfdbz2_pg")
	dp, sp := uniq("dbz"), uniq("slc")
	for _, p := range []string{dp, sp} {
		createTopics(t, 3, p+".s.orders_all", p+".s.parts", p+".s.times")
	}
	cfg := tfPostgres(t, db, "s.orders_1,s.orders_2,s.parts,s.times", map[string]string{
		// Keys without schemas, and the physical table id without the
		// prefix: the producer picks a tombstone's partition from the key's
		// bytes, which must then be the same on both sides.
		"key.converter.schemas.enable": "false",

		"transforms":                               "router,part,tz",
		"transforms.tz.type":                       "io.debezium.transforms.TimezoneConverter",
		"transforms.tz.converted.timezone":         "Europe/Berlin",
		"transforms.tz.exclude.list":               "source:times:ts3",
		"transforms.router.key.field.regex":        `.*\.s\.(orders_\d+)`,
		"transforms.router.key.field.replacement":  "shard_$1",
		"transforms.router.type":                   "io.debezium.transforms.ByLogicalTableRouter",
		"transforms.router.topic.regex":            `(.*)\.s\.orders_(\d+)`,
		"transforms.router.topic.replacement":      "$1.s.orders_all",
		"transforms.router.key.enforce.uniqueness": "true",
		"transforms.part.type":                     "io.debezium.transforms.partitions.PartitionRouting",
		"transforms.part.partition.payload.fields": "change.id,change.name,change.qty,change.price",
		"transforms.part.partition.topic.num":      "3",
		"transforms.part.partition.hash.function":  "java",
	})
	p := startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)
	// The same chain on sluice with Avro through the registry.
	ap := uniq("slca")
	createTopics(t, 3, ap+".s.orders_all", ap+".s.parts", ap+".s.times")
	apPair := startAvroRun(t, slc, uniq("tfdbz2_pga"), cfg,
		pgOwn(ap), p.dbz)
	ps := []pair{p}
	waitCounts(t, ps, map[string]int{".s.orders_all": 4, ".s.parts": 3, ".s.times": 1}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg,
		"INSERT INTO s.orders_1 VALUES (3, 'three', 30)",
		"INSERT INTO s.orders_2 VALUES (2, 'dos', 22)",
		"UPDATE s.orders_1 SET name = 'one!' WHERE id = 1",
		"DELETE FROM s.orders_2 WHERE id = 3",
		"INSERT INTO s.parts VALUES (4, 'spring', 4000000000, 1.05), (5, NULL, NULL, NULL)",
		"UPDATE s.parts SET price = 0.30 WHERE id = 1",
		"DELETE FROM s.parts WHERE id = 2",
		"UPDATE s.parts SET id = 30 WHERE id = 3",
		"INSERT INTO s.times VALUES (2, '1969-12-31 23:59:59.999999+00', '1969-12-31 23:59:59.999999', NULL, '23:30:00Z', NULL, '2024-07-01 12:00:00.001')",
		"UPDATE s.times SET tsx = '2024-03-31 01:59:59.999' WHERE id = 1",
	)
	waitCounts(t, ps, map[string]int{".s.orders_all": 9, ".s.parts": 11, ".s.times": 3}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	for _, side := range []*topicReader{p.dbz, p.slc} {
		if side.count(".s.orders_1")+side.count(".s.orders_2") != 0 {
			t.Errorf("%s: records left on the shard topics", side.prefix)
		}
		parts := map[int32]bool{}
		for _, r := range side.all() {
			parts[r.Partition] = true
		}
		if len(parts) < 2 {
			t.Errorf("%s: every record in partitions %v: PartitionRouting spread nothing", side.prefix, parts)
		}
	}
	report(t, "pg-tfdbz2", ps)
	waitCounts(t, []pair{apPair}, map[string]int{".s.orders_all": 9, ".s.parts": 11, ".s.times": 3}, 60*time.Second, dbz, slc.restClient)
	compareAvroWithJSON(t, apPair)
}

// TestMariaDBDebeziumTransformsSideBySide registers one MariaDB connector
// pair whose chain converts every timestamp to America/New_York
// (TimezoneConverter without rules), then one field of one table to +05:30
// (include.list), drops the schema change events of ALTER statements and of
// statements without table changes (SchemaChangeEventFilter), and picks
// partitions with PartitionRouting's murmur hash over topics of two
// partitions; every record is compared (the schema change events of this
// test's database only).
func TestMariaDBDebeziumTransformsSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfdbz2_my")
	my := myDatabase(t, db)
	myExec(t, my,
		"CREATE TABLE ev (id INT PRIMARY KEY, name VARCHAR(20), at_dt DATETIME(3), at_dt6 DATETIME(6), at_ts TIMESTAMP(6) NULL, d DATE, tm TIME(6))",
		"CREATE TABLE ev2 (id INT PRIMARY KEY, at_ts TIMESTAMP NULL, at_dt DATETIME)",
		"CREATE TABLE zz_end (id INT PRIMARY KEY)",
		"INSERT INTO ev VALUES (1, 'one', '2024-03-10 02:30:00.123', '2024-11-03 01:30:00.000001', '2024-07-01 12:00:00.5', '2024-01-01', '10:00:00.25')",
		"INSERT INTO ev VALUES (2, 'two', '1969-12-31 23:59:59.999', '2000-02-29 00:00:00', NULL, NULL, NULL)",
		"INSERT INTO ev2 VALUES (1, '2024-01-15 10:00:00', '2024-01-15 10:00:00')",
	)
	name := uniq("tfdbz2_my")
	dp, sp := uniq("dbz"), uniq("slc")
	for _, p := range []string{dp, sp} {
		createTopics(t, 2, p+"."+db+".ev", p+"."+db+".ev2", p+"."+db+".zz_end")
	}
	var include []string
	for _, tb := range []string{"ev", "ev2", "later2?", "zz_end"} {
		include = append(include, db+`\.`+tb)
	}
	cfg := tfMariaDB(db, strings.Join(include, ","), map[string]string{
		"snapshot.mode":                       "initial",
		"key.converter.schemas.enable":        "false",
		"schema.history.internal.kafka.topic": "hist_" + dp,

		"transforms":                                      "tz,tzinc,ddl,part",
		"transforms.tz.type":                              "io.debezium.transforms.TimezoneConverter",
		"transforms.tz.converted.timezone":                "America/New_York",
		"transforms.tzinc.type":                           "io.debezium.transforms.TimezoneConverter",
		"transforms.tzinc.converted.timezone":             "+05:30",
		"transforms.tzinc.include.list":                   "source:ev2:after.at_dt",
		"transforms.ddl.type":                             "io.debezium.transforms.SchemaChangeEventFilter",
		"transforms.ddl.schema.change.event.exclude.list": "ALTER,DATABASE",
		"transforms.part.type":                            "io.debezium.transforms.partitions.PartitionRouting",
		"transforms.part.partition.payload.fields":        "change.id,change.name",
		"transforms.part.partition.topic.num":             "2",
		"transforms.part.partition.hash.function":         "murmur",
	})
	p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
	createBoth(t, dbz, slc.restClient, name, cfg, myOwn(dp), myOwn(sp),
		[]string{"schema.history.internal.kafka.bootstrap.servers", "schema.history.internal.kafka.topic"})
	ps := []pair{p}
	d := "." + db
	waitCounts(t, ps, map[string]int{d + ".ev": 2, d + ".ev2": 1}, 120*time.Second, dbz, slc.restClient)
	// The same chain on sluice with Avro through the registry, without the
	// schema change topic (it carries other tests' databases; the JSON pair
	// checks SchemaChangeEventFilter). It starts once sluice's JSON
	// connector has written its snapshot, and its own snapshot ends before
	// the changes (a snapshot taken after them would read the changed
	// rows). Created together, one of them sometimes stayed UNASSIGNED: a
	// killed daemon's transaction (another test's) left open on the shared
	// offsets topic held its checkpoint load until it timed out, which
	// offsets/kafka's Load no longer waits for.
	ap := uniq("slca")
	createTopics(t, 2, ap+"."+db+".ev", ap+"."+db+".ev2", ap+"."+db+".zz_end")
	createHistoryTopic(t, p.slc, "hist_"+ap)
	apPair := startAvroRun(t, slc, uniq("tfdbz2_mya"), cfg,
		myOwn(ap, map[string]string{"include.schema.changes": "false", "schema.history.internal.kafka.topic": "hist_" + ap}), p.dbz)
	waitCounts(t, []pair{apPair}, map[string]int{d + ".ev": 2, d + ".ev2": 1}, 60*time.Second, dbz, slc.restClient)
	myExec(t, my,
		"ALTER TABLE ev ADD COLUMN extra INT",
		"INSERT INTO ev VALUES (3, 'three', '2024-06-01 00:00:00', '2024-06-01 00:00:00.5', '2024-06-01 00:00:00', '2024-06-01', '23:59:59', 7)",
		"UPDATE ev SET at_dt = '2025-01-01 00:00:00.001', name = 'one!' WHERE id = 1",
		"DELETE FROM ev WHERE id = 2",
		"CREATE TABLE later (id INT PRIMARY KEY)",
		"DROP TABLE later",
		"INSERT INTO ev2 VALUES (2, '2024-07-15 10:00:00', '2024-07-15 10:00:00')",
		"INSERT INTO zz_end VALUES (1)",
	)
	waitCounts(t, ps, map[string]int{d + ".ev": 6, d + ".ev2": 2, d + ".zz_end": 1}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	for _, side := range []*topicReader{p.dbz, p.slc} {
		for _, r := range side.all() {
			if r.Topic == side.prefix && strings.Contains(string(r.Value), `"ddl":"ALTER TABLE`) {
				t.Errorf("%s: an ALTER's schema change event passed the filter", side.prefix)
			}
		}
	}
	// The schema-change topic also carries the snapshot DDL of the other
	// databases on the shared server, which other tests change meanwhile:
	// only this test's database is compared.
	dr, sr := ownDatabase(t, p.dbz.all(), dp, db), ownDatabase(t, p.slc.all(), sp, db)
	diffs := compareSides(side{dp, dr}, side{sp, sr}, true)
	for _, d := range diffs {
		t.Errorf("%s", d)
	}
	t.Logf("%d Debezium records compared with %d sluice records: %d differences", len(dr), len(sr), len(diffs))
	waitCounts(t, []pair{apPair}, map[string]int{d + ".ev": 6, d + ".ev2": 2, d + ".zz_end": 1}, 60*time.Second, dbz, slc.restClient)
	compareAvroWithJSON(t, apPair, "")
}

// ownDatabase drops the schema change events (topic prefix) of databases
// other than db.
func ownDatabase(t *testing.T, recs []rec, prefix, db string) []rec {
	t.Helper()
	var out []rec
	for _, r := range recs {
		if r.Topic == prefix {
			var k struct {
				DatabaseName string `json:"databaseName"`
			}
			if err := json.Unmarshal(r.Key, &k); err != nil {
				t.Fatalf("schema change key %s: %v", r.Key, err)
			}
			if k.DatabaseName != db {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}
