//go:build integration

package compat

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDatabase creates a database of its own for the test on the env's
// PostgreSQL (extensions, types and slots stay inside it) and drops it, with
// any replication slot left in it, when the test ends. It returns a
// connection to it and its name.
func pgDatabase(t *testing.T, name string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		t.Fatalf("connect to PostgreSQL at %s (is integration/env up?): %v", pgDSN, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, pgDSN)
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		// Debezium keeps its slot when its connector is deleted, and its
		// walsender may outlive the delete for a moment.
		for i := 0; i < 100; i++ {
			_, _ = c.Exec(ctx, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL", name)
			_, err = c.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1", name)
			var left int
			_ = c.QueryRow(ctx, "SELECT count(*) FROM pg_replication_slots WHERE database = $1", name).Scan(&left)
			if err == nil && left == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func pgExec(t *testing.T, c *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := c.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// pgTypesColumns is the type matrix: a column of each type Debezium's
// PostgreSQL connector maps (REFERENCE.md §5), with and without typmods.
const pgTypesColumns = `
	id int PRIMARY KEY,
	c_bool boolean, c_bit1 bit(1), c_bit12 bit(12), c_varbit varbit(20), c_varbit_free varbit,
	c_int2 smallint, c_int4 integer, c_int8 bigint, c_oid oid,
	c_float4 real, c_float8 double precision,
	c_num numeric(10,2), c_num0 numeric(5), c_num_free numeric, c_money money,
	c_char char(5), c_varchar varchar(20), c_text text, c_name name, c_citext citext,
	c_date date, c_time0 time(0), c_time3 time(3), c_time6 time, c_timetz timetz,
	c_ts0 timestamp(0), c_ts3 timestamp(3), c_ts6 timestamp, c_tstz timestamptz, c_tstz0 timestamptz(0), c_tstz3 timestamptz(3),
	c_interval interval,
	c_uuid uuid, c_json json, c_jsonb jsonb, c_xml xml, c_bytea bytea,
	c_enum s.mood, c_domain s.posint, c_hstore hstore, c_ltree ltree, c_tsvector tsvector,
	c_inet inet, c_cidr cidr, c_macaddr macaddr, c_macaddr8 macaddr8,
	c_int4range int4range, c_int8range int8range, c_numrange numrange, c_tsrange tsrange, c_tstzrange tstzrange, c_daterange daterange,
	c_point point, c_line line, c_lseg lseg, c_box box, c_path path, c_polygon polygon, c_circle circle,
	c_int_arr int[], c_int8_arr bigint[], c_text_arr text[], c_varchar_arr varchar(10)[], c_num_arr numeric(5,1)[],
	c_bool_arr boolean[], c_float8_arr float8[], c_uuid_arr uuid[], c_date_arr date[], c_jsonb_arr jsonb[], c_tstz_arr timestamptz[],
	c_not_null text NOT NULL DEFAULT 'dflt', c_default_int int DEFAULT 42`

// pgTypesRow is a row of the matrix with every column set.
const pgTypesRow = `(%d,
	true, B'1', B'101100111000', B'10110', B'1',
	-32768, 2147483647, -9223372036854775808, 4294967295,
	3.5, -2.25e-10,
	12345678.91, -99999, 3.14159265358979323846, 1234.56,
	'ab', 'varchar ü', E'tab\t"q" \\ back', 'a_name', 'MiXeD',
	'2024-02-29', '13:14:15', '13:14:15.123', '13:14:15.123456', '13:14:15.5+02',
	'2024-05-01 10:15:30', '2024-05-01 10:15:30.123', '2024-05-01 10:15:30.123456', '2024-05-01 12:15:30.5+02', '2024-05-01 10:15:30+00', '1969-12-31 23:59:59.999+00',
	'1 year 2 months 3 days 04:05:06.789',
	'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50, "x"]}', '{"b": {"c": null}, "a": 1}', '<x a="1">t</x>', '\xdeadbeef00',
	'happy', 7, 'k=>v, "k 2"=>NULL', 'top.mid.leaf', 'a fat cat sat',
	'192.168.1.5/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
	'[1,10)', '(,100]', '[1.5,2.5]', '[2024-01-01 00:00,2024-01-02 00:00)', '[2024-01-01 00:00+00,)', '[2024-01-01,2024-02-01)',
	'(1.5,2.5)', '{1,-1,0}', '[(0,0),(1,1)]', '((0,0),(2,3))', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(1,1),2>',
	'{1,NULL,3}', '{9223372036854775807}', '{"a","b c",NULL,""}', '{"x","y"}', '{1.5,-2.0}',
	'{true,false}', '{1.5,NaN}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{2024-01-01,1970-01-01}', ARRAY['{"k":1}'::jsonb], '{"2024-05-01 10:15:30+00"}',
	'not null', 43)`

// TestPostgresSideBySide runs one Debezium PostgreSQL connector on the real
// Kafka Connect worker and the same connector on sluice against the same
// tables and changes, once with JSON schemas and once without, and compares
// every record: snapshot, then inserts, updates, deletes with tombstones, key
// changes, TOAST, a keyless table, a composite key, a column added while
// streaming, a logical decoding message and a multi-table transaction.
func TestPostgresSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("cmp_pg")
	pg := pgDatabase(t, db)

	pgExec(t, pg,
		"CREATE EXTENSION citext", "CREATE EXTENSION hstore", "CREATE EXTENSION ltree",
		"CREATE SCHEMA s",
		"CREATE TYPE s.mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE DOMAIN s.posint AS integer CHECK (VALUE > 0)",
		"CREATE TABLE s.types ("+pgTypesColumns+")",
		// REPLICA IDENTITY DEFAULT: no before image on update, key-only on delete.
		"CREATE TABLE s.kv (id int PRIMARY KEY, name text NOT NULL, n int, big text)",
		"CREATE TABLE s.full (id int PRIMARY KEY, v text, d numeric(6,2) DEFAULT 1.50)",
		"ALTER TABLE s.full REPLICA IDENTITY FULL",
		"CREATE TABLE s.nokey (a int, b text)",
		"ALTER TABLE s.nokey REPLICA IDENTITY FULL",
		"CREATE TABLE s.comp (a int, b text, v int, PRIMARY KEY (a, b))",
		"CREATE TABLE s.zz_end (id int PRIMARY KEY)",
	)
	// Snapshot rows: a full row, a row of NULLs, edge values.
	pgExec(t, pg,
		"INSERT INTO s.types VALUES "+strings.Replace(pgTypesRow, "%d", "1", 1),
		"INSERT INTO s.types (id) VALUES (2)",
		`INSERT INTO s.types (id, c_num, c_float4, c_float8, c_text, c_int8, c_bytea, c_interval, c_money, c_num_free)
		 VALUES (3, -0.01, 'NaN', '-Infinity', '', 9223372036854775807, '', '-3 days -00:00:00.000001', -0.99, 0.000)`,
		// Values that stop today's sluice (numeric NaN in precise mode), in a
		// table of their own with connectors of their own, so the other
		// tables are compared whatever happens here.
		// numeric NaN and ±Infinity (edge) apart from the temporal
		// infinities and float specials (edget), so one does not hide the other.
		"CREATE TABLE s.edge (id int PRIMARY KEY, c_num numeric(10,2), c_num_free numeric)",
		"INSERT INTO s.edge VALUES (1, 'NaN', 'NaN'), (2, 1.5, 'Infinity'), (3, 2.5, 2.5)",
		"CREATE TABLE s.edget (id int PRIMARY KEY, c_date date, c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz, c_f4 real, c_f8 float8)",
		`INSERT INTO s.edget VALUES (1, 'infinity', 'infinity', '-infinity', 'infinity', 'NaN', 'Infinity'),
		 (2, '-infinity', '-infinity', 'infinity', '-infinity', '-Infinity', 'NaN'),
		 (3, '2024-01-01', '2024-01-01 00:00:00', '2024-01-01 00:00:00.001', '2024-01-01 00:00:00+00', 0, 0)`,
		// A value big enough to be stored out of line (TOAST), so an update
		// that leaves it unchanged does not carry it in the WAL.
		"INSERT INTO s.kv SELECT i, 'name ' || i, i * 10, (SELECT string_agg(md5(i::text || g::text), '') FROM generate_series(1, 400) g) FROM generate_series(1, 3) i",
		"INSERT INTO s.full VALUES (1, 'one', 1.25), (2, 'two', DEFAULT)",
		"INSERT INTO s.nokey VALUES (1, 'x'), (2, 'y')",
		"INSERT INTO s.comp VALUES (1, 'x', 10), (1, 'y', 20)",
	)

	var ps []pair
	for _, run := range []struct {
		schemas bool
		tables  string
	}{
		{true, "s.types,s.kv,s.full,s.nokey,s.comp,s.zz_end"},
		{false, "s.types,s.kv,s.full,s.nokey,s.comp,s.zz_end"},
		{true, "s.edge,s.zz_end"},
		{true, "s.edget,s.zz_end"},
	} {
		schemas, tables := run.schemas, run.tables
		name := uniq("cmp_pg")
		dp, sp := uniq("dbz"), uniq("slc")
		se := "false"
		if schemas {
			se = "true"
		}
		cfg := map[string]string{
			"connector.class":                "io.debezium.connector.postgresql.PostgresConnector",
			"database.hostname":              "127.0.0.1",
			"database.port":                  pgPort(t),
			"database.user":                  "postgres",
			"database.password":              "postgres",
			"database.dbname":                db,
			"plugin.name":                    "pgoutput",
			"publication.autocreate.mode":    "filtered",
			"table.include.list":             tables,
			"snapshot.mode":                  "initial",
			"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
			"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
			"key.converter.schemas.enable":   se,
			"value.converter.schemas.enable": se,
		}
		if !schemas {
			// The run without schemas also checks two options: truncate
			// records (skipped by default) and no tombstones after deletes.
			cfg["skipped.operations"] = "none"
			cfg["tombstones.on.delete"] = "false"
		}
		p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: schemas}
		createBoth(t, dbz, slc.restClient, name, cfg,
			map[string]string{"topic.prefix": dp, "slot.name": dp, "publication.name": dp},
			map[string]string{"topic.prefix": sp, "slot.name": sp, "publication.name": sp}, nil)
		ps = append(ps, p)
	}

	waitCounts(t, ps[:2], map[string]int{".s.types": 3, ".s.kv": 3, ".s.full": 2, ".s.nokey": 2, ".s.comp": 2}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[2:3], map[string]int{".s.edge": 3}, 30*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[3:], map[string]int{".s.edget": 3}, 30*time.Second, dbz, slc.restClient)

	pgExec(t, pg,
		// types: insert, update, delete.
		"INSERT INTO s.types VALUES "+strings.Replace(pgTypesRow, "%d", "10", 1),
		"UPDATE s.types SET c_text = 'changed', c_num = 0.5, c_jsonb = '[]', c_int_arr = '{}', c_tstz = '2000-01-01 00:00:00.000001+00' WHERE id = 10",
		"DELETE FROM s.types WHERE id = 2",
		// kv (REPLICA IDENTITY DEFAULT): insert, update, key change, delete,
		// an update that leaves the TOASTed column unchanged.
		"INSERT INTO s.kv VALUES (4, 'four', 40, 'small')",
		"UPDATE s.kv SET name = 'one!' WHERE id = 1",
		"UPDATE s.kv SET id = 20 WHERE id = 2",
		"DELETE FROM s.kv WHERE id = 3",
		"UPDATE s.kv SET n = n + 1 WHERE id = 1",
		// full (REPLICA IDENTITY FULL): update, key change, delete.
		"UPDATE s.full SET v = 'uno' WHERE id = 1",
		"UPDATE s.full SET id = 22 WHERE id = 2",
		"DELETE FROM s.full WHERE id = 1",
		// nokey: a table without a key (null Kafka keys).
		"INSERT INTO s.nokey VALUES (3, 'z')",
		"UPDATE s.nokey SET b = 'yy' WHERE a = 2",
		"DELETE FROM s.nokey WHERE a = 1",
		// comp: composite key, one part changes.
		"UPDATE s.comp SET b = 'z' WHERE a = 1 AND b = 'x'",
		"DELETE FROM s.comp WHERE a = 1 AND b = 'y'",
		// edge: special values while streaming.
		"INSERT INTO s.edge VALUES (4, 'NaN', '-Infinity')",
		"UPDATE s.edge SET c_num = 'NaN' WHERE id = 3",
		"INSERT INTO s.edget VALUES (4, 'infinity', '-infinity', 'infinity', '-infinity', 'Infinity', '-Infinity')",
		"UPDATE s.edget SET c_date = '-infinity' WHERE id = 3",
		// One transaction over several tables.
		"BEGIN",
		"INSERT INTO s.kv VALUES (5, 'five', 50, NULL)",
		"UPDATE s.full SET v = 'twenty-two' WHERE id = 22",
		"INSERT INTO s.comp VALUES (2, 'a', 1)",
		"COMMIT",
		// A column added while streaming, then used.
		"ALTER TABLE s.kv ADD COLUMN extra int DEFAULT 5",
		"INSERT INTO s.kv VALUES (6, 'six', 60, NULL, 66)",
		"UPDATE s.kv SET extra = 44 WHERE id = 4",
		// Logical decoding messages, in a transaction and outside one.
		"BEGIN",
		"SELECT pg_logical_emit_message(true, 'cmp', 'transactional hello')",
		"INSERT INTO s.kv VALUES (7, 'seven', 70, NULL, NULL)",
		"COMMIT",
		"SELECT pg_logical_emit_message(false, 'cmp', 'not transactional')",
		// A truncate (a record only where skipped.operations=none).
		"TRUNCATE s.nokey",
		// The end marker: once both sides have it, all before it is there.
		"INSERT INTO s.zz_end VALUES (1)",
	)
	waitCounts(t, ps[:2], map[string]int{".s.zz_end": 1}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[2:], map[string]int{".s.zz_end": 1}, 30*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "pg", ps)
}

func pgPort(t *testing.T) string {
	u, err := url.Parse(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}
