//go:build integration

package compat

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// registryURL is the env's Apicurio registry (Confluent-compatible API for
// sluice; the Apicurio converter on the Connect worker speaks Apicurio's own).
var registryURL = envOr("SLUICE_REGISTRY_URL", "http://127.0.0.1:58081/apis/ccompat/v7")

// sinkTables are captured by sluice and written back by Debezium's JDBC sink.
// Those with vsControl set hold types the sink does not write back as they
// were (it stores an interval as microseconds, for one): their sink tables are
// compared with the control's, fed from Debezium's own topics, instead of
// with the source.
var sinkTables = []struct {
	name, ddl, order string
	vsControl        bool
}{
	{"items", `CREATE TABLE s.items (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(10,2),
		ratio double precision, ok boolean, d date, ts timestamp(6), tstz timestamptz, u uuid, j jsonb,
		b bytea, t time(6), big bigint, small smallint, vc varchar(20))`, "id", false},
	{"pairs", `CREATE TABLE s.pairs (a int, b text, v text, PRIMARY KEY (a, b))`, "a, b", false},
	{"matrix", `CREATE TABLE s.matrix (id int PRIMARY KEY, c_real real, c_num numeric, c_money money,
		c_char char(3), c_ts0 timestamp(0), c_ts3 timestamp(3), c_tstz3 timestamptz(3), c_time0 time(0), c_timetz timetz,
		c_interval interval, c_json json, c_xml xml, c_inet inet, c_cidr cidr, c_macaddr macaddr,
		c_int4range int4range, c_bit bit(4), c_varbit varbit(8), c_enum s.mood, c_text_arr text[], c_int_arr int[])`, "id", true},
}

// TestJDBCSinkReadsSluice is the downstream proof: Debezium's JDBC sink
// connector, a real consumer of Debezium change topics, reads the topics
// sluice writes (JSON with schemas, and Avro through the registry) into a
// second PostgreSQL database, and after snapshot, inserts, updates, deletes
// and key changes the sink's tables hold exactly the source's rows.
func TestJDBCSinkReadsSluice(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	srcDB, jsonDB, avroDB := uniq("cmp_src"), uniq("cmp_dst_json"), uniq("cmp_dst_avro")
	src := pgDatabase(t, srcDB)
	dsts := map[string]*pgx.Conn{"json": pgDatabase(t, jsonDB), "avro": pgDatabase(t, avroDB)}

	pgExec(t, src, "CREATE SCHEMA s", "CREATE TYPE s.mood AS ENUM ('sad', 'ok', 'happy')")
	for _, tb := range sinkTables {
		pgExec(t, src, tb.ddl)
	}
	pgExec(t, src,
		`INSERT INTO s.items VALUES
		 (1, 'one', 1, 12.30, 0.5, true, '2024-02-29', '2024-05-01 10:15:30.123456', '2024-05-01 12:15:30.5+02',
		  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '\xdeadbeef', '13:14:15.123456', 9223372036854775807, -32768, 'vc'),
		 (2, 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
		 (3, 'three', 3, -0.01, -2.25e-10, false, '1969-12-31', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00+00',
		  '00000000-0000-0000-0000-000000000000', '[]', '', '00:00:00', -1, 0, '')`,
		"INSERT INTO s.pairs VALUES (1, 'x', 'a'), (1, 'y', 'b')",
		`INSERT INTO s.matrix VALUES
		 (1, 3.5, 3.14159, 1234.56, 'ab', '2024-05-01 10:15:30', '2024-05-01 10:15:30.123', '2024-05-01 10:15:30.123+00',
		  '13:14:15', '13:14:15.5+02', '1 year 2 months 3 days 04:05:06.789', '{"a": 1}', '<x/>', '192.168.1.5/24', '10.0.0.0/8',
		  '08:00:2b:01:02:03', '[1,10)', B'1010', B'101', 'happy', '{"a","b c"}', '{1,NULL,3}'),
		 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	)

	type run struct {
		mode   string
		prefix string
		dst    string
		source string // who writes the topics: sluice, or Debezium as the control
	}
	ctlDB := uniq("cmp_dst_ctl")
	dsts["control"] = pgDatabase(t, ctlDB)
	sinks := map[string]string{} // mode -> sink connector name
	runs := []run{{"json", uniq("slcj"), jsonDB, "sluice"}, {"avro", uniq("slca"), avroDB, "sluice"}, {"control", uniq("dbzj"), ctlDB, "debezium"}}
	for _, r := range runs {
		conv := map[string]string{}
		switch r.mode {
		case "json", "control":
			for _, side := range []string{"key", "value"} {
				conv[side+".converter"] = "org.apache.kafka.connect.json.JsonConverter"
				conv[side+".converter.schemas.enable"] = "true"
			}
		case "avro":
			for _, side := range []string{"key", "value"} {
				conv[side+".converter"] = "io.apicurio.registry.utils.converter.AvroConverter"
			}
		}
		// sluice: the source.
		scfg := map[string]string{
			"connector.class":             "io.debezium.connector.postgresql.PostgresConnector",
			"database.hostname":           "127.0.0.1",
			"database.port":               pgPort(t),
			"database.user":               "postgres",
			"database.password":           "postgres",
			"database.dbname":             srcDB,
			"topic.prefix":                r.prefix,
			"slot.name":                   r.prefix,
			"publication.name":            r.prefix,
			"publication.autocreate.mode": "filtered",
			"table.include.list":          "s.items,s.pairs,s.matrix",
		}
		for k, v := range conv {
			scfg[k] = v
		}
		if r.mode == "avro" {
			scfg["key.converter.schema.registry.url"] = registryURL
			scfg["value.converter.schema.registry.url"] = registryURL
			deleteSubjectsAtEnd(t, r.prefix+".s.items", r.prefix+".s.pairs", r.prefix+".s.matrix")
		}
		name := uniq("cmp_src")
		srcSide := slc.restClient
		if r.source == "debezium" {
			// The control: Debezium's own topics through the same sink.
			srcSide = dbz
			scfg["plugin.name"] = "pgoutput"
		}
		srcSide.create(t, name, scfg)
		t.Cleanup(func() { srcSide.remove(t, name) })

		// Debezium's JDBC sink: the consumer.
		kcfg := map[string]string{
			"connector.class":     "io.debezium.connector.jdbc.JdbcSinkConnector",
			"tasks.max":           "1",
			"connection.url":      "jdbc:postgresql://127.0.0.1:" + pgPort(t) + "/" + r.dst,
			"connection.username": "postgres",
			"connection.password": "postgres",
			"topics.regex":        strings.ReplaceAll(r.prefix, ".", `\.`) + `\.s\..*`,
			"insert.mode":         "upsert",
			"delete.enabled":      "true",
			"primary.key.mode":    "record_key",
			"schema.evolution":    "basic",
			// sluice commits in Kafka transactions: read only committed records.
			"consumer.override.isolation.level": "read_committed",
			// topics.regex notices a topic created after the sink started
			// only at a metadata refresh (5 minutes by default).
			"consumer.override.metadata.max.age.ms": "1000",
			// <prefix>.s.items -> table items.
			"transforms":                   "route,keyheaders",
			"transforms.route.type":        "org.apache.kafka.connect.transforms.RegexRouter",
			"transforms.route.regex":       `[^.]+\.s\.(.*)`,
			"transforms.route.replacement": "$1",
			// The key-change headers (__debezium.oldkey/newkey) reach the sink
			// as schemaless maps through the worker's SimpleHeaderConverter,
			// and the JDBC sink (3.6.0) fails on them ("No schema defined for
			// value of map field"), on Debezium's own topics (the control)
			// as on sluice's, which carry the same bytes.
			"transforms.keyheaders.type":    "org.apache.kafka.connect.transforms.DropHeaders",
			"transforms.keyheaders.headers": "__debezium.oldkey,__debezium.newkey",
		}
		for k, v := range conv {
			kcfg[k] = v
		}
		if r.mode == "avro" {
			for _, side := range []string{"key", "value"} {
				base := strings.TrimSuffix(registryURL, "/apis/ccompat/v7") + "/apis/registry/v2"
				kcfg[side+".converter.apicurio.registry.url"] = base
				kcfg[side+".converter.apicurio.registry.as-confluent"] = "true"
				kcfg[side+".converter.apicurio.registry.use-id"] = "contentId"
				kcfg[side+".converter.apicurio.registry.headers.enabled"] = "false"
			}
		}
		sink := uniq("cmp_sink")
		dbz.create(t, sink, kcfg)
		t.Cleanup(func() { dbz.remove(t, sink) })
		sinks[r.mode] = sink
	}

	// Wait for the snapshot to be in both sinks, then change the source.
	for _, r := range runs {
		if !sinkEquals(t, src, dsts["control"], dsts[r.mode], r.mode, 120*time.Second, dbz, sinks[r.mode]) {
			failSinkState(t, dbz, slc)
		}
	}
	pgExec(t, src,
		"INSERT INTO s.items (id, name, qty, price, tstz, j) VALUES (4, 'four', 4, 4.00, '2000-01-01 00:00:00.000001+00', '{\"k\": \"v\"}')",
		"UPDATE s.items SET qty = qty + 1, name = 'one!', price = 99999999.99 WHERE id = 1",
		"UPDATE s.items SET qty = 20 WHERE id = 2",
		"UPDATE s.items SET id = 30 WHERE id = 3",
		"DELETE FROM s.items WHERE id = 2",
		"BEGIN",
		"INSERT INTO s.items (id, name) VALUES (5, 'five')",
		"UPDATE s.items SET name = 'five again', ok = true WHERE id = 5",
		"UPDATE s.pairs SET b = 'z' WHERE a = 1 AND b = 'x'",
		"COMMIT",
		"DELETE FROM s.pairs WHERE a = 1 AND b = 'y'",
		"INSERT INTO s.pairs VALUES (2, 'q', NULL)",
		"UPDATE s.matrix SET c_num = -0.000001, c_interval = '-1 day', c_text_arr = '{}', c_enum = 'sad' WHERE id = 1",
		"INSERT INTO s.matrix (id, c_num, c_int_arr) SELECT 3, 10.50, '{7}'",
	)
	for _, r := range runs {
		if !sinkEquals(t, src, dsts["control"], dsts[r.mode], r.mode, 120*time.Second, dbz, sinks[r.mode]) {
			failSinkState(t, dbz, slc)
		}
	}
}

// sinkEquals waits until every table of sinkTables holds the same rows in the
// sink database as in the source (each column compared as PostgreSQL's text
// of it), at most timeout and no longer once the sink's task has FAILED; then
// it reports every differing row.
func sinkEquals(t *testing.T, src, ctl, dst *pgx.Conn, mode string, timeout time.Duration, dbz restClient, sink string) bool {
	t.Helper()
	var diffs []string
	deadline := time.Now().Add(timeout)
	state, trace := "", ""
	for i := 0; ; i++ {
		diffs = diffs[:0]
		for _, tb := range sinkTables {
			if !tb.vsControl {
				diffs = append(diffs, compareTable(src, "s.", dst, tb.name, tb.order, false)...)
				continue
			}
			// The control must hold the source's keys (so an empty or
			// lagging control cannot make an empty sink look right), and the
			// sink exactly the control's rows.
			diffs = append(diffs, compareTable(src, "s.", ctl, tb.name, tb.order, true)...)
			if dst != ctl {
				diffs = append(diffs, compareTable(ctl, "", dst, tb.name, tb.order, false)...)
			}
		}
		if len(diffs) == 0 {
			return true
		}
		if i%5 == 0 {
			if state, trace = dbz.state(sink); state == "FAILED" {
				break
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	t.Errorf("JDBC sink (%s, task %s %s): the sink's tables differ from the source's in %d places:\n%s",
		mode, state, clip(trace, 1500), len(diffs), strings.Join(diffs, "\n"))
	return false
}

// compareTable compares table <schema><name> of the source (or the
// control's sink) with <name> in the sink, row by row in key order, column by
// column as text (only the key columns in order when onlyKeys is set).
func compareTable(src *pgx.Conn, schema string, dst *pgx.Conn, name, order string, onlyKeys bool) []string {
	ctx := context.Background()
	var cols []string
	rows, err := src.Query(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
		strings.TrimSuffix(cmpOr(schema, "public."), "."), name)
	if err != nil {
		return []string{fmt.Sprintf("%s: columns: %v", name, err)}
	}
	for rows.Next() {
		var c string
		_ = rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	if onlyKeys {
		cols = strings.Split(strings.ReplaceAll(order, " ", ""), ",")
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = pgx.Identifier{c}.Sanitize() + "::text"
	}
	q := func(c *pgx.Conn, table string) ([][]*string, error) {
		rows, err := c.Query(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+table+" ORDER BY "+order)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][]*string
		for rows.Next() {
			vals := make([]*string, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, vals)
		}
		return out, rows.Err()
	}
	a, err := q(src, schema+pgx.Identifier{name}.Sanitize())
	if err != nil {
		return []string{fmt.Sprintf("%s: source: %v", name, err)}
	}
	b, err := q(dst, pgx.Identifier{name}.Sanitize())
	if err != nil {
		return []string{fmt.Sprintf("%s: sink: %v", name, err)}
	}
	var out []string
	text := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return fmt.Sprintf("%q", *p)
	}
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			out = append(out, fmt.Sprintf("%s row %d: only in the sink: %s", name, i, rowText(cols, b[i], text)))
		case i >= len(b):
			out = append(out, fmt.Sprintf("%s row %d: missing in the sink: %s", name, i, rowText(cols, a[i], text)))
		default:
			for j, c := range cols {
				if text(a[i][j]) != text(b[i][j]) {
					out = append(out, fmt.Sprintf("%s row %d (%s) column %s: source=%s sink=%s", name, i, rowText(cols[:1], a[i][:1], text), c, text(a[i][j]), text(b[i][j])))
				}
			}
		}
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func rowText(cols []string, vals []*string, text func(*string) string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + "=" + text(vals[i])
	}
	return strings.Join(parts, " ")
}

// failSinkState logs the connectors' states after a sink comparison failed.
func failSinkState(t *testing.T, dbz restClient, slc *daemon) {
	t.Helper()
	for _, c := range []restClient{dbz, slc.restClient} {
		code, body, err := c.do("GET", "/connectors?expand=status", nil)
		t.Logf("%s connectors: %d %s %v", c.what, code, clip(string(body), 4000), err)
	}
}

// deleteSubjectsAtEnd deletes the registry subjects of topics when the test
// ends (the registry is shared and in memory).
func deleteSubjectsAtEnd(t *testing.T, topics ...string) {
	t.Cleanup(func() {
		rc := restClient{what: "registry", url: registryURL}
		for _, tp := range topics {
			for _, s := range []string{tp + "-key", tp + "-value"} {
				_, _, _ = rc.do("DELETE", "/subjects/"+url.PathEscape(s), nil)
			}
		}
	})
}
