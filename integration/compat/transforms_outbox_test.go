//go:build integration

package compat

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// outboxPayloads are the payloads written to the outbox tables: JSON of the
// shapes Debezium's schema inference meets (scalars of each number kind,
// nested objects, arrays of scalars, of arrays and of objects of one shape,
// nulls, empty arrays, repeated keys), and what it does not expand (text
// that is not JSON, an empty string, NULL). Arrays of objects of different
// shapes are left out: Debezium merges their schemas in a Java HashSet's
// order, which changes from one JVM to the next.
var outboxPayloads = []string{
	`{"id": 1, "name": "first", "ok": true}`,
	`{"i": 2147483647, "l": 2147483648, "neg": -9223372036854775808, "d": 1.25, "e": 1e3, "z": 0}`,
	`{"customer": {"name": "Ann", "address": {"city": "Oslo", "zip": "0150"}}, "tags": ["a", "b"]}`,
	`{"lines": [{"sku": "x", "qty": 1}, {"sku": "y", "qty": 2}], "matrix": [[1, 2], [3]], "none": null, "empty": []}`,
	`{"k": 1, "k": "again"}`,
	`{"nulls": [null, "x", null], "deep": {"a": {"b": {"c": [true, false]}}}}`,
	`{}`,
	`{"mixed": [1, "x"]}`,
	`{"numbers": [1, 10000000000]}`,
}

// TestOutboxSideBySide routes outbox tables of PostgreSQL (payload jsonb and
// text) and MariaDB (payload JSON and TEXT) through Debezium's EventRouter
// on Kafka Connect and on sluice, and compares every record: the routed
// events (key, value and schema, headers, timestamps), with inserts before
// the connector starts (snapshot),
// while it streams, updates (dropped with a warning) and deletes (dropped).
func TestOutboxSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	var ps []pair
	var timed []timedPair
	var apPair pair

	// PostgreSQL.
	db := uniq("outbox_pg")
	pg := pgDatabase(t, db)
	// Only outbox tables are captured: the router fails on a change event
	// without a payload column, on Debezium as on sluice.
	pgExec(t, pg,
		"CREATE TABLE outbox (id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, payload jsonb, created timestamp(6) NOT NULL DEFAULT '2024-05-06 07:08:09.123456')",
		"CREATE TABLE outbox_text (id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, payload text, created timestamp(3) NOT NULL DEFAULT '2024-05-06 07:08:09.123')",
	)
	pgInsert := func(table string, n int, payload string) string {
		p := "NULL"
		if payload != "\x00" {
			p = "'" + strings.ReplaceAll(payload, "'", "''") + "'"
		}
		agg := []string{"Order", "Customer"}[n%2]
		return fmt.Sprintf("INSERT INTO %s (id, aggregatetype, aggregateid, type, payload) VALUES ('%s', '%s', 'a-%d', 'Created%d', %s)", table, outboxUUID(table, n), agg, n%4, n, p)
	}
	pgExec(t, pg, pgInsert("outbox", 0, outboxPayloads[0]), pgInsert("outbox_text", 0, outboxPayloads[0]))

	pgCommon := tfPostgres(t, db, "public.outbox,public.outbox_text")
	for _, run := range []struct {
		tag  string
		opts map[string]string
	}{
		// The defaults, JSON expanded, extra columns in headers, the
		// timestamp from a column.
		{"hdr", map[string]string{
			"table.expand.json.payload":         "true",
			"route.by.field":                    "aggregatetype",
			"table.fields.additional.placement": "type:header:eventType,aggregatetype:header",
			"table.field.event.timestamp":       "created",
		}},
		// Extra columns in the envelope (the value becomes a struct), the
		// text payloads kept as they are, the type column routes, a schema
		// tombstones for empty payloads, nulls in JSON as optional bytes.
		{"env", map[string]string{
			"route.by.field":                    "type",
			"route.topic.regex":                 "Created(?<n>[0-9]+)",
			"table.fields.additional.placement": "aggregatetype:envelope:kind,aggregateid:envelope,missing:header",
			"table.field.additional.missing":    "ignore",
			"route.tombstone.on.empty.payload":  "true",
			"table.json.payload.null.behavior":  "optional_bytes",
			"table.expand.json.payload":         "true",
		}},
	} {
		name := uniq("outbox_pg_" + run.tag)
		dp, sp := uniq("dbz"), uniq("slc")
		cfg := outboxConfig(pgCommon, run.opts)
		dOwn := map[string]string{"topic.prefix": dp, "slot.name": dp, "publication.name": dp, "transforms.outbox.route.topic.replacement": dp + ".routed.${routedByValue}"}
		sOwn := map[string]string{"topic.prefix": sp, "slot.name": sp, "publication.name": sp, "transforms.outbox.route.topic.replacement": sp + ".routed.${routedByValue}"}
		if run.tag == "env" {
			dOwn["transforms.outbox.route.topic.replacement"] = dp + ".byType.$1"
			sOwn["transforms.outbox.route.topic.replacement"] = sp + ".byType.$1"
		}
		p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
		createBoth(t, dbz, slc.restClient, name, cfg, dOwn, sOwn, nil)
		if run.tag == "hdr" {
			// The expanded payloads on sluice with Avro through the registry.
			ap := uniq("slca")
			apPair = startAvroRun(t, slc, uniq("outbox_pga"), cfg,
				map[string]string{"topic.prefix": ap, "slot.name": ap, "publication.name": ap, "transforms.outbox.route.topic.replacement": ap + ".routed.${routedByValue}"}, p.dbz)
		}
		ps = append(ps, p)
		timed = append(timed, timedPair{p.dbz, p.slc, run.opts["table.field.event.timestamp"] != ""})
	}
	// The snapshot's events (row 0 of each table, aggregate Order).
	waitCounts(t, ps[:1], map[string]int{".routed.Order": 2}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[1:], map[string]int{".byType.0": 2}, 120*time.Second, dbz, slc.restClient)
	var sqls []string
	for i, pl := range outboxPayloads {
		sqls = append(sqls, pgInsert("outbox", i+1, pl), pgInsert("outbox_text", i+1, pl))
	}
	sqls = append(sqls,
		pgInsert("outbox", 20, "\x00"), pgInsert("outbox_text", 20, "\x00"),
		pgInsert("outbox_text", 21, ""), pgInsert("outbox_text", 22, "  "), pgInsert("outbox_text", 23, "not json"),
		"BEGIN",
		pgInsert("outbox", 30, `{"in": "tx"}`), pgInsert("outbox", 31, `{"in": "tx", "n": 2}`),
		"DELETE FROM outbox WHERE id = '"+outboxUUID("outbox", 30)+"'",
		"COMMIT",
		"UPDATE outbox SET type = 'Updated' WHERE id = '"+outboxUUID("outbox", 1)+"'",
		"INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ('"+outboxUUID("outbox", 99)+"', 'End', 'end', 'Created99', '{}')",
	)
	pgExec(t, pg, sqls...)
	waitCounts(t, ps[:1], map[string]int{".routed.End": 1}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[1:], map[string]int{".byType.99": 1}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)

	// The routed topics are there at all (a comparison of two empty sides
	// would pass).
	for _, p := range ps {
		n := 0
		for _, r := range p.dbz.all() {
			if strings.Contains(r.Topic, ".routed.") || strings.Contains(r.Topic, ".byType.") {
				n++
			}
		}
		if n < 2*len(outboxPayloads) {
			t.Errorf("%s: Debezium routed %d events, want at least %d", p.name, n, 2*len(outboxPayloads))
		}
	}
	report(t, "outbox-pg", ps)
	waitCounts(t, []pair{apPair}, map[string]int{".routed.End": 1}, 60*time.Second, dbz, slc.restClient)
	settle([]pair{apPair}, 2*time.Second, 10*time.Second)
	compareAvroWithJSON(t, apPair)
	// The registry holds the expanded payloads' schemas (records), not the
	// string column's: the last event of each topic has its own ({} and
	// {"in": "tx", "n": 2}), so it is the subject's latest version.
	for _, suffix := range []string{".routed.End", ".routed.Customer"} {
		t.Logf("registry %s%s-value: %v", apPair.slc.prefix, suffix, checkRegistrySchema(t, apPair, suffix))
	}
	compareTimestamps(t, timed, `\.(routed|byType)\.`)
}

// outboxConfig is common plus the EventRouter with opts, JSON with schemas.
func outboxConfig(common, opts map[string]string) map[string]string {
	cfg := map[string]string{
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter.schemas.enable": "true",
		"transforms":                     "outbox",
		"transforms.outbox.type":         "io.debezium.transforms.outbox.EventRouter",
	}
	for k, v := range common {
		cfg[k] = v
	}
	for k, v := range opts {
		cfg["transforms.outbox."+k] = v
	}
	return cfg
}

// outboxUUID is the event id of row n of table.
func outboxUUID(table string, n int) string {
	t := 1
	if strings.HasSuffix(table, "_text") {
		t = 2
	}
	return fmt.Sprintf("00000000-0000-4000-8000-%04d%08d", t, n)
}

// timedPair is one connector pair's two readers; exact when the timestamps
// come from a column (table.field.event.timestamp).
type timedPair struct {
	dbz, slc *topicReader
	exact    bool
}

// compareTimestamps compares the record timestamps of the topics matching
// re, in order: equal when they come from a column, else within a minute
// (the change event's ts_ms, which differs between the sides by when each
// read the change). The records are those the pairs' readers hold: the
// test has waited for them and compared them already (a consumer of its
// own here once read 12 of 28 records in 30 s on a loaded CI machine).
func compareTimestamps(t *testing.T, ps []timedPair, re string) {
	t.Helper()
	for _, p := range ps {
		d := timestamps(t, p.dbz, re)
		s := timestamps(t, p.slc, re)
		if len(d) == 0 {
			t.Errorf("%s: no routed records to compare timestamps of", p.dbz.prefix)
			continue
		}
		if len(d) != len(s) {
			t.Errorf("%s: %d Debezium and %d sluice routed records with timestamps", p.dbz.prefix, len(d), len(s))
			continue
		}
		for i := range d {
			tol := time.Minute
			if p.exact {
				tol = 0
			}
			if diff := d[i].Sub(s[i]); diff > tol || diff < -tol || d[i].IsZero() != s[i].IsZero() {
				t.Errorf("%s record %d: Debezium timestamp %v, sluice %v", p.dbz.prefix, i, d[i], s[i])
			}
		}
	}
}

// timestamps are the timestamps of r's records on the topics matching re
// (after the prefix), by topic name and then offset.
func timestamps(t *testing.T, r *topicReader, re string) []time.Time {
	t.Helper()
	m := regexp.MustCompile("^" + regexp.QuoteMeta(r.prefix) + re)
	recs := r.all()
	var out []rec
	for _, x := range recs {
		if m.MatchString(x.Topic) {
			out = append(out, x)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Offset < out[j].Offset
	})
	ts := make([]time.Time, len(out))
	for i, x := range out {
		ts[i] = x.Timestamp
	}
	return ts
}

// TestOutboxMariaDBSideBySide is the MariaDB counterpart: payload JSON (a
// LONGTEXT to MariaDB, a plain string to Debezium) and TEXT, the event id a
// CHAR(36), the timestamp from a DATETIME(6) column.
func TestOutboxMariaDBSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("outbox_my")
	my := myDatabase(t, db)
	myExec(t, my,
		"CREATE TABLE outbox (id CHAR(36) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload JSON, created DATETIME(6) NOT NULL DEFAULT '2024-05-06 07:08:09.123456')",
		"CREATE TABLE outbox_text (id CHAR(36) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload TEXT, created DATETIME(3) NOT NULL DEFAULT '2024-05-06 07:08:09.123')",
	)
	insert := func(table string, n int, payload string) string {
		p := "NULL"
		if payload != "\x00" {
			p = "'" + strings.ReplaceAll(strings.ReplaceAll(payload, `\`, `\\`), "'", "''") + "'"
		}
		agg := []string{"Order", "Customer"}[n%2]
		return fmt.Sprintf("INSERT INTO %s (id, aggregatetype, aggregateid, type, payload) VALUES ('%s', '%s', 'a-%d', 'Created%d', %s)", table, outboxUUID(table, n), agg, n%4, n, p)
	}
	myExec(t, my, insert("outbox", 0, outboxPayloads[0]))

	name := uniq("outbox_my")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := outboxConfig(tfMariaDB(db, db+`\.outbox,`+db+`\.outbox_text`, map[string]string{
		"include.schema.changes": "false",
	}), map[string]string{
		"table.expand.json.payload":         "true",
		"route.by.field":                    "aggregatetype",
		"table.fields.additional.placement": "type:header:eventType,aggregateid:envelope",
		"table.field.event.timestamp":       "created",
	})
	p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
	createBoth(t, dbz, slc.restClient, name, cfg,
		map[string]string{"topic.prefix": dp, "database.server.id": serverID(), "schema.history.internal.kafka.topic": "hist_" + dp,
			"transforms.outbox.route.topic.replacement": dp + ".routed.${routedByValue}"},
		map[string]string{"topic.prefix": sp, "database.server.id": serverID(), "schema.history.internal.kafka.topic": "hist_" + sp, "transforms.outbox.route.topic.replacement": sp + ".routed.${routedByValue}"}, nil)
	// The expanded payloads on sluice with Avro through the registry.
	ap := uniq("slca")
	createHistoryTopic(t, p.slc, "hist_"+ap)
	apPair := startAvroRun(t, slc, uniq("outbox_mya"), cfg,
		map[string]string{"topic.prefix": ap, "database.server.id": serverID(), "schema.history.internal.kafka.topic": "hist_" + ap,
			"transforms.outbox.route.topic.replacement": ap + ".routed.${routedByValue}"}, p.dbz)
	ps := []pair{p}
	waitCounts(t, ps, map[string]int{".routed.Order": 1}, 120*time.Second, dbz, slc.restClient)
	var sqls []string
	for i, pl := range outboxPayloads {
		sqls = append(sqls, insert("outbox", i+1, pl), insert("outbox_text", i+1, pl))
	}
	sqls = append(sqls,
		insert("outbox", 20, "\x00"), insert("outbox_text", 21, ""), insert("outbox_text", 23, "not json"),
		"BEGIN",
		insert("outbox", 30, `{"in": "tx"}`), insert("outbox", 31, `{"in": "tx", "n": 2}`),
		"DELETE FROM outbox WHERE id = '"+outboxUUID("outbox", 30)+"'",
		"COMMIT",
		"UPDATE outbox SET type = 'Updated' WHERE id = '"+outboxUUID("outbox", 1)+"'",
		"INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ('"+outboxUUID("outbox", 99)+"', 'End', 'end', 'Created99', '{}')",
	)
	myExec(t, my, sqls...)
	waitCounts(t, ps, map[string]int{".routed.End": 1}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	if n := p.dbz.count(".routed.Order") + p.dbz.count(".routed.Customer"); n < 2*len(outboxPayloads) {
		t.Errorf("Debezium routed %d events, want at least %d", n, 2*len(outboxPayloads))
	}
	report(t, "outbox-mariadb", ps)
	waitCounts(t, []pair{apPair}, map[string]int{".routed.End": 1}, 60*time.Second, dbz, slc.restClient)
	settle([]pair{apPair}, 2*time.Second, 10*time.Second)
	compareAvroWithJSON(t, apPair)
	for _, suffix := range []string{".routed.End", ".routed.Customer"} {
		t.Logf("registry %s%s-value: %v", ap, suffix, checkRegistrySchema(t, apPair, suffix))
	}
	compareTimestamps(t, []timedPair{{p.dbz, p.slc, true}}, `\.routed\.`)
}
