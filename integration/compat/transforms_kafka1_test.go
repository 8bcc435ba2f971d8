//go:build integration

package compat

import (
	"strings"
	"testing"
	"time"
)

// TestPostgresKafkaTransforms1SideBySide registers Postgres connectors whose
// transforms chains use Kafka's own SMTs (RegexRouter, InsertField,
// ReplaceField, MaskField, ValueToKey, ExtractField with a KIP-821 path,
// HoistField, SetSchemaMetadata, on keys and values) on Debezium's Kafka
// Connect and on sluice, writes rows (a snapshot, inserts, updates, a
// delete and its tombstone) and compares every record, as JSON with
// schemas. One connector pair: each table's chain runs under a
// TopicNameMatches predicate.
func TestPostgresKafkaTransforms1SideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk1_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		// qty has a default, which the Connect schema carries: the SMTs'
		// replace.null.with.default reads it for a null.
		"CREATE TABLE s.orders (id int PRIMARY KEY, name text, qty int2 DEFAULT 5, price numeric(10,2), day date, secret text, flag bool, note text)",
		"CREATE TABLE s.items (id int PRIMARY KEY, label text NOT NULL, n int8)",
		"CREATE TABLE s.notes (id int PRIMARY KEY, body text)",
		"INSERT INTO s.orders VALUES (1, 'ann', 2, 12.34, '2024-02-29', 'pw1', true, 'n1')",
		"INSERT INTO s.items VALUES (1, 'one', 10)",
		"INSERT INTO s.notes VALUES (1, 'first')",
	)
	chains := []struct {
		table string
		cfg   map[string]string
	}{
		{"s.orders", map[string]string{
			"transforms":                     "unwrap,ins,mask,rename,meta,route",
			"transforms.unwrap.type":         "org.apache.kafka.connect.transforms.ExtractField$Value",
			"transforms.unwrap.field":        "after",
			"transforms.ins.type":            "org.apache.kafka.connect.transforms.InsertField$Value",
			"transforms.ins.topic.field":     "src_topic!",
			"transforms.ins.partition.field": "part",
			"transforms.ins.timestamp.field": "ts",
			"transforms.ins.static.field":    "origin",
			"transforms.ins.static.value":    "pg",
			"transforms.mask.type":           "org.apache.kafka.connect.transforms.MaskField$Value",
			"transforms.mask.fields":         "secret,flag,day,qty",
			"transforms.rename.type":         "org.apache.kafka.connect.transforms.ReplaceField$Value",
			"transforms.rename.renames":      "name:full_name,secret:hidden",
			"transforms.rename.exclude":      "note",
			"transforms.meta.type":           "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
			"transforms.meta.schema.name":    "orders.Flat",
			"transforms.meta.schema.version": "3",
			"transforms.route.type":          "org.apache.kafka.connect.transforms.RegexRouter",
			"transforms.route.regex":         `(.*)\.s\.(orders)`,
			"transforms.route.replacement":   "$1.$2_flat",
			"time.precision.mode":            "connect",
		}},
		{"s.items", map[string]string{
			"transforms":                     "unwrap,v2k,keymeta,key,hoist",
			"transforms.unwrap.type":         "org.apache.kafka.connect.transforms.ExtractField$Value",
			"transforms.unwrap.field":        "after",
			"transforms.v2k.type":            "org.apache.kafka.connect.transforms.ValueToKey",
			"transforms.v2k.fields":          "label,id",
			"transforms.key.type":            "org.apache.kafka.connect.transforms.ExtractField$Key",
			"transforms.key.field":           "label",
			"transforms.keymeta.type":        "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
			"transforms.keymeta.schema.name": "items.Key",
			"transforms.hoist.type":          "org.apache.kafka.connect.transforms.HoistField$Value",
			"transforms.hoist.field":         "row",
		}},
		{"s.notes", map[string]string{
			"transforms":                           "body,hoist,ikey,rkey,route",
			"transforms.body.type":                 "org.apache.kafka.connect.transforms.ExtractField$Value",
			"transforms.body.field":                "after.body",
			"transforms.body.field.syntax.version": "V2",
			"transforms.hoist.type":                "org.apache.kafka.connect.transforms.HoistField$Value",
			"transforms.hoist.field":               "wrapped",
			"transforms.ikey.type":                 "org.apache.kafka.connect.transforms.InsertField$Key",
			"transforms.ikey.topic.field":          "t",
			"transforms.rkey.type":                 "org.apache.kafka.connect.transforms.ReplaceField$Key",
			"transforms.rkey.renames":              "id:note_id",
			"transforms.route.type":                "org.apache.kafka.connect.transforms.RegexRouter",
			"transforms.route.regex":               `(.*)\.s\.notes`,
			"transforms.route.replacement":         "$1.notes",
		}},
	}
	// One connector: each table's chain runs under a TopicNameMatches
	// predicate on its topic (aliases prefixed by the table), one after the
	// other; the options that are not transforms apply to the connector.
	cfg := tfPostgres(t, db, "s.orders,s.items,s.notes")
	var aliases, preds []string
	for _, c := range chains {
		table := strings.TrimPrefix(c.table, "s.")
		pred := "is_" + table
		preds = append(preds, pred)
		cfg["predicates."+pred+".type"] = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
		cfg["predicates."+pred+".pattern"] = `.*\.s\.` + table
		for _, a := range strings.Split(c.cfg["transforms"], ",") {
			aliases = append(aliases, table+"_"+a)
			cfg["transforms."+table+"_"+a+".predicate"] = pred
		}
		for k, v := range c.cfg {
			if rest, ok := strings.CutPrefix(k, "transforms."); ok {
				cfg["transforms."+table+"_"+rest] = v
			} else if k != "transforms" {
				cfg[k] = v
			}
		}
	}
	cfg["transforms"] = strings.Join(aliases, ",")
	cfg["predicates"] = strings.Join(preds, ",")
	name := uniq("tfk1_pg")
	dp, sp := uniq("dbz"), uniq("slc")
	ps := []pair{startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)}
	// The same chains on sluice with Avro through the registry. The notes
	// chain cannot be Avro: its HoistField$Value wraps a delete's tombstone,
	// which has no schema, into a schemaless map (Connect's JSON has
	// "schema":null there), so it runs apart and its task must fail naming
	// that; the others are compared with Debezium's JSON.
	ap, an := uniq("slca"), uniq("slca")
	apPair := startAvroRun(t, slc, uniq("tfk1_pga"), cfg,
		pgOwn(ap, map[string]string{"table.include.list": "s.orders,s.items"}), ps[0].dbz)
	notesName := uniq("tfk1_pgn")
	startAvroRun(t, slc, notesName, cfg,
		pgOwn(an, map[string]string{"table.include.list": "s.notes"}), ps[0].dbz)
	waitCounts(t, ps, map[string]int{".orders_flat": 1, ".s.items": 1, ".notes": 1}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg,
		"INSERT INTO s.orders (id, name, price, day, secret, flag) VALUES (2, 'bob', -0.5, '1999-12-31', 'pw2', false)",
		"INSERT INTO s.orders (id) VALUES (3)",
		"UPDATE s.orders SET qty = NULL, name = 'ann!' WHERE id = 1",
		"INSERT INTO s.items VALUES (2, 'two', NULL), (3, 'three', -3)",
		"UPDATE s.items SET label = 'uno' WHERE id = 1",
		"INSERT INTO s.notes VALUES (2, NULL), (3, 'third')",
		"UPDATE s.notes SET body = 'first!' WHERE id = 1",
		"DELETE FROM s.notes WHERE id = 3",
	)
	waitCounts(t, ps, map[string]int{".orders_flat": 4, ".s.items": 4, ".notes": 6}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, []pair{apPair}, map[string]int{".orders_flat": 4, ".s.items": 4}, 60*time.Second, dbz, slc.restClient)
	waitAvroFailure(t, slc, notesName, "schemaless value on an Avro side", 30*time.Second)
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "pg-kafka-smt1", ps)
	compareAvroWithJSON(t, apPair, ".notes")
	// The registry holds the schemas the chains made.
	for _, suffix := range []string{".orders_flat", ".s.items"} {
		t.Logf("registry %s%s-value: %v", ap, suffix, checkRegistrySchema(t, apPair, suffix))
	}
}

// TestPostgresKafkaTransforms1FailLikeConnect runs a chain that fails on a
// record: MaskField$Value has no null check, so the tombstone after a
// delete fails it. With errors.tolerance=none both sides must stop with
// the task FAILED and the same DataException text after writing the same
// records; with errors.tolerance=all both must skip the tombstone and go
// on.
func TestPostgresKafkaTransforms1FailLikeConnect(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk1_fail")
	pg := pgDatabase(t, db)
	pgExec(t, pg, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
	var ps []pair
	for _, tolerance := range []string{"none", "all"} {
		name := uniq("tfk1_fail")
		dp, sp := uniq("dbz"), uniq("slc")
		cfg := tfPostgres(t, db, "public.t", map[string]string{
			"errors.tolerance":       tolerance,
			"transforms":             "mask",
			"transforms.mask.type":   "org.apache.kafka.connect.transforms.MaskField$Value",
			"transforms.mask.fields": "op",
		})
		p := startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)
		ps = append(ps, p)
	}
	waitCounts(t, ps, map[string]int{".public.t": 2}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg, "DELETE FROM t WHERE id = 1", "INSERT INTO t VALUES (3, 'three')")
	// all: the delete and the insert, the tombstone skipped; none: the
	// tombstone fails the task (waited for below).
	waitCounts(t, ps[1:], map[string]int{".public.t": 4}, 120*time.Second, dbz, slc.restClient)
	const want = "Only Map objects supported in absence of schema for [mask fields], found: null"
	deadline := time.Now().Add(60 * time.Second)
	for _, c := range []restClient{dbz, slc.restClient} {
		var st, trace string
		for time.Now().Before(deadline) {
			if st, trace = c.state(ps[0].name); st == "FAILED" {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		if st != "FAILED" || !strings.Contains(trace, want) {
			t.Errorf("%s with errors.tolerance=none: task %s, trace %s; want FAILED with %q", c.what, st, clip(trace, 1500), want)
		}
		if st, trace := c.state(ps[1].name); st != "RUNNING" {
			t.Errorf("%s with errors.tolerance=all: task %s %s, want RUNNING", c.what, st, clip(trace, 1500))
		}
	}
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "pg-kafka-smt1-fail", ps[1:])

	// With none, Kafka Connect sends the delete before the tombstone fails
	// the task; sluice writes an event's records in one Kafka transaction
	// or none, so the failed event leaves nothing. Everything before it is
	// the same.
	dbzRecs, slcRecs := ps[0].dbz.all(), ps[0].slc.all()
	if len(dbzRecs) != 3 || len(slcRecs) != 2 {
		t.Errorf("errors.tolerance=none: %d Debezium and %d sluice records, want 3 (the snapshot's two and the delete) and 2", len(dbzRecs), len(slcRecs))
	} else {
		for _, d := range compareSides(side{ps[0].dbz.prefix, dbzRecs[:2]}, side{ps[0].slc.prefix, slcRecs}, true) {
			t.Errorf("errors.tolerance=none: %s", d)
		}
	}
}

// TestPostgresKafkaTransforms1DecimalMaskFails masks a numeric(10,2)
// column: Kafka's MaskField puts BigDecimal.ZERO (scale 0) there, which
// Kafka Connect's converter then refuses; sluice refuses it in the
// transform, with the converter's text. Both tasks fail on the snapshot's
// first record and write nothing.
func TestPostgresKafkaTransforms1DecimalMaskFails(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk1_dec")
	pg := pgDatabase(t, db)
	pgExec(t, pg, "CREATE TABLE d (id int PRIMARY KEY, price numeric(10,2))", "INSERT INTO d VALUES (1, 12.34)")
	name := uniq("tfk1_dec")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := tfPostgres(t, db, "public.d", map[string]string{
		"transforms":              "unwrap,mask",
		"transforms.unwrap.type":  "org.apache.kafka.connect.transforms.ExtractField$Value",
		"transforms.unwrap.field": "after",
		"transforms.mask.type":    "org.apache.kafka.connect.transforms.MaskField$Value",
		"transforms.mask.fields":  "price",
	})
	p := startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)
	const want = "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 0."
	deadline := time.Now().Add(90 * time.Second)
	for _, c := range []restClient{dbz, slc.restClient} {
		var st, trace string
		for time.Now().Before(deadline) {
			if st, trace = c.state(name); st == "FAILED" {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		if st != "FAILED" || !strings.Contains(trace, want) {
			t.Errorf("%s: task %s, trace %s; want FAILED with %q", c.what, st, clip(trace, 1500), want)
		}
	}
	settle([]pair{p}, 2*time.Second, 10*time.Second)
	if d, s := len(p.dbz.all()), len(p.slc.all()); d != 0 || s != 0 {
		t.Errorf("%d Debezium and %d sluice records, want none", d, s)
	}
}
