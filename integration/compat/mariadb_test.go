//go:build integration

package compat

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
)

// myDatabase creates a database of its own for the test on the env's MariaDB
// and drops it when the test ends; it returns a root connection using it.
func myDatabase(t *testing.T, name string) *client.Conn {
	t.Helper()
	c, err := client.Connect(myAddr, "root", "root", "")
	if err != nil {
		t.Fatalf("connect to MariaDB at %s (is integration/env up?): %v", myAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	myExec(t, c, "SET NAMES utf8mb4", "CREATE DATABASE "+name+" CHARACTER SET utf8mb4", "USE "+name)
	t.Cleanup(func() {
		d, err := client.Connect(myAddr, "root", "root", "")
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer d.Close()
		if _, err := d.Execute("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return c
}

func myExec(t *testing.T, c *client.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := c.Execute(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// myTypesColumns is the type matrix: a column of each type Debezium's
// MariaDB connector maps (REFERENCE.md §6). Not INET4 or INET6: Debezium
// 3.5.0's DDL parser fails on them (its connector stops), so there is nothing
// to compare with.
const myTypesColumns = `
	id INT PRIMARY KEY,
	c_tinyint TINYINT, c_tinyint1 TINYINT(1), c_bool BOOLEAN, c_tinyint_u TINYINT UNSIGNED,
	c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED, c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED,
	c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
	c_decimal DECIMAL(10,2), c_decimal0 DECIMAL(5,0), c_decimal_big DECIMAL(30,10), c_numeric NUMERIC(20,6),
	c_float FLOAT, c_float_md FLOAT(7,3), c_float_p FLOAT(30), c_double DOUBLE, c_double_md DOUBLE(10,2), c_real REAL,
	c_bit1 BIT(1), c_bit12 BIT(12), c_bit64 BIT(64),
	c_date DATE, c_time TIME, c_time3 TIME(3), c_time6 TIME(6),
	c_datetime DATETIME, c_datetime3 DATETIME(3), c_datetime6 DATETIME(6),
	c_timestamp TIMESTAMP NULL DEFAULT NULL, c_timestamp3 TIMESTAMP(3) NULL DEFAULT NULL, c_timestamp6 TIMESTAMP(6) NULL DEFAULT NULL,
	c_year YEAR,
	c_char CHAR(5), c_varchar VARCHAR(30), c_text TEXT, c_tinytext TINYTEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
	c_binary BINARY(4), c_varbinary VARBINARY(10), c_blob BLOB, c_tinyblob TINYBLOB, c_longblob LONGBLOB,
	c_enum ENUM('a','b','c'), c_set SET('x','y','z'), c_json JSON,
	c_geometry GEOMETRY, c_point POINT, c_linestring LINESTRING, c_polygon POLYGON, c_multipoint MULTIPOINT, c_geomcoll GEOMETRYCOLLECTION,
	c_latin1 VARCHAR(10) CHARACTER SET latin1,
	c_not_null VARCHAR(10) NOT NULL DEFAULT 'dflt', c_default_int INT DEFAULT 42,
	c_default_ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP`

const myTypesRow = `(%d,
	-128, 1, true, 255, -32768, 65535, -8388608, 16777215,
	-2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
	12345678.91, -99999, 12345678901234567890.0123456789, 123.456789,
	3.5, 1234.567, 2.25e-10, -1.5e300, 12345678.91, 0.1,
	b'1', b'101100111000', b'1111111111111111111111111111111111111111111111111111111111111110',
	'2024-02-29', '23:59:59', '13:14:15.123', '13:14:15.123456',
	'2024-05-01 10:15:30', '2024-05-01 10:15:30.123', '2024-05-01 10:15:30.123456',
	'2024-05-01 10:15:30', '2024-05-01 10:15:30.120', '2024-05-01 10:15:30.123450',
	2024,
	'ab', 'varchar ü', 'tab\t"q" \\ back', 'tiny', 'medium', 'long',
	x'deadbeef', x'00ff', x'cafe', x'', x'01',
	'b', 'x,z', '{"a": [1, 2.50, "x"], "b": null}',
	ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(3 4)'), ST_GeomFromText('LINESTRING(0 0,1 1)'),
	ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('MULTIPOINT(0 0,1 1)'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'),
	'café',
	'not null', 43, '2024-05-01 10:15:30')`

// TestMariaDBSideBySide runs one Debezium MariaDB connector on the real Kafka
// Connect worker and the same connector on sluice against the same database
// and changes, once with JSON schemas and once without, and compares every
// record, the schema-change topic included: snapshot, then inserts, updates,
// deletes with tombstones, key changes, a keyless table, a composite key, and
// DDL while streaming (columns added and changed, a table created, renamed
// and dropped).
func TestMariaDBSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("cmp_my")
	my := myDatabase(t, db)

	myExec(t, my,
		"CREATE TABLE types ("+myTypesColumns+")",
		"CREATE TABLE kv (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, n INT DEFAULT 3)",
		"CREATE TABLE nokey (a INT, b VARCHAR(10))",
		"CREATE TABLE comp (a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, b))",
		"CREATE TABLE zz_end (id INT PRIMARY KEY)",
		// Values at the edges of what Debezium documents, in a table of their
		// own captured by connectors of their own, so that if they stop one
		// side the other tables are still compared.
		"CREATE TABLE edge (id INT PRIMARY KEY, c_time TIME(6), c_date DATE, c_datetime DATETIME, c_date_nn DATE NOT NULL, c_bigint_u BIGINT UNSIGNED)",
		// UUID apart, with connectors of their own: a value, a default, a
		// key (sluice used to have no mapping for UUID and retried forever).
		"CREATE TABLE uuids (id INT PRIMARY KEY, u UUID)",
		"CREATE TABLE uuidk (k UUID PRIMARY KEY, n INT, u2 UUID NOT NULL DEFAULT '00000000-0000-0000-0000-0000000000ff')",
	)
	myExec(t, my,
		"INSERT INTO types VALUES "+strings.Replace(myTypesRow, "%d", "1", 1),
		"INSERT INTO types (id) VALUES (2)",
		"INSERT INTO kv VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', NULL)",
		"INSERT INTO nokey VALUES (1, 'x'), (2, 'y')",
		"INSERT INTO comp VALUES (1, 'x', 10), (1, 'y', 20)",
		"INSERT INTO edge VALUES (1, '-838:59:59.000000', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00', 9223372036854775808), (2, '838:59:59.999999', '9999-12-31', '1000-01-01 00:00:00', '1970-01-01', 0)",
		"INSERT INTO uuids VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), (2, NULL)",
		"INSERT INTO uuidk (k, n) VALUES ('6ccd780c-baba-1026-9564-5b8c656024db', 1), ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a10', 2)",
	)

	var ps []pair
	for _, run := range []struct {
		schemas bool
		tables  string
	}{
		// later and later2 are created while streaming. A pattern, not
		// their literal names: sluice fails a connector whose list names a
		// table that does not exist yet (Debezium waits for it).
		{true, `types,kv,nokey,comp,later2?,zz_end`},
		{false, `types,kv,nokey,comp,later2?,zz_end`},
		{true, "edge,zz_end"},
		{true, "uuids,uuidk,zz_end"},
	} {
		name := uniq("cmp_my")
		dp, sp := uniq("dbz"), uniq("slc")
		se := strconv.FormatBool(run.schemas)
		var include []string
		for _, tb := range strings.Split(run.tables, ",") {
			include = append(include, db+`\.`+tb)
		}
		cfg := map[string]string{
			"connector.class":                "io.debezium.connector.mariadb.MariaDbConnector",
			"database.hostname":              myAddr[:strings.LastIndex(myAddr, ":")],
			"database.port":                  myAddr[strings.LastIndex(myAddr, ":")+1:],
			"database.user":                  "sluice",
			"database.password":              "sluice",
			"database.include.list":          db,
			"table.include.list":             strings.Join(include, ","),
			"snapshot.mode":                  "initial",
			"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
			"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
			"key.converter.schemas.enable":   se,
			"value.converter.schemas.enable": se,
			// Debezium keeps the schema history in a topic of its own; its
			// name matches neither side's prefix, so it is not compared.
			"schema.history.internal.kafka.bootstrap.servers": strings.Join(brokers, ","),
			"schema.history.internal.kafka.topic":             "hist_" + dp,
		}
		if !run.schemas {
			// The run without schemas also checks two options: truncate
			// records (skipped by default) and no tombstones after deletes.
			cfg["skipped.operations"] = "none"
			cfg["tombstones.on.delete"] = "false"
		}
		p := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: run.schemas}
		createBoth(t, dbz, slc.restClient, name, cfg,
			map[string]string{"topic.prefix": dp, "database.server.id": serverID()},
			map[string]string{"topic.prefix": sp, "database.server.id": serverID()},
			[]string{"schema.history.internal.kafka.bootstrap.servers", "schema.history.internal.kafka.topic"})
		ps = append(ps, p)
	}
	main, edge := ps[:2], ps[2:]
	d := "." + db
	waitCounts(t, main, map[string]int{d + ".types": 2, d + ".kv": 3, d + ".nokey": 2, d + ".comp": 2}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[2:3], map[string]int{d + ".edge": 2}, 30*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[3:], map[string]int{d + ".uuids": 2, d + ".uuidk": 2}, 30*time.Second, dbz, slc.restClient)

	myExec(t, my,
		"INSERT INTO types VALUES "+strings.Replace(myTypesRow, "%d", "10", 1),
		"UPDATE types SET c_text = 'changed', c_decimal = 0.5, c_json = '[]', c_timestamp6 = '2000-01-01 00:00:00.000001', c_set = '' WHERE id = 10",
		"DELETE FROM types WHERE id = 2",
		"INSERT INTO kv VALUES (4, 'four', 40)",
		"UPDATE kv SET name = 'one!' WHERE id = 1",
		"UPDATE kv SET id = 20 WHERE id = 2",
		"DELETE FROM kv WHERE id = 3",
		"INSERT INTO nokey VALUES (3, 'z')",
		"UPDATE nokey SET b = 'yy' WHERE a = 2",
		"DELETE FROM nokey WHERE a = 1",
		"UPDATE comp SET b = 'z' WHERE a = 1 AND b = 'x'",
		"DELETE FROM comp WHERE a = 1 AND b = 'y'",
		// One transaction over several tables.
		"BEGIN",
		"INSERT INTO kv VALUES (5, 'five', NULL)",
		"INSERT INTO comp VALUES (2, 'a', 1)",
		"UPDATE types SET c_int = 1 WHERE id = 1",
		"COMMIT",
		// DDL while streaming, each followed by a change that uses it.
		"ALTER TABLE kv ADD COLUMN flag BOOLEAN DEFAULT TRUE, ADD COLUMN f FLOAT(7,3), ADD COLUMN ts6 TIMESTAMP(6) NULL",
		"INSERT INTO kv VALUES (6, 'six', 60, FALSE, 1.5, '2024-05-01 10:15:30.000001')",
		"ALTER TABLE kv MODIFY name VARCHAR(40) NOT NULL, ADD COLUMN j JSON",
		"UPDATE kv SET name = 'a much longer name than before', j = '{\"k\": 1}' WHERE id = 4",
		"CREATE TABLE later (id INT PRIMARY KEY, v VARCHAR(10))",
		"INSERT INTO later VALUES (1, 'one')",
		"RENAME TABLE later TO later2",
		"INSERT INTO later2 VALUES (2, 'two')",
		"DROP TABLE later2",
		// edge: the same edges while streaming.
		"INSERT INTO edge VALUES (3, '-00:00:00.000001', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00', 18446744073709551615)",
		"INSERT INTO uuids VALUES (3, '00000000-0000-0000-0000-000000000001')",
		"INSERT INTO uuidk VALUES ('00000000-0000-0000-0000-000000000001', 3, 'ffffffff-ffff-ffff-ffff-ffffffffffff')",
		"UPDATE uuidk SET n = 4 WHERE k = '6ccd780c-baba-1026-9564-5b8c656024db'",
		// Not a key ending in a zero byte: Debezium 3.5.0 streams those
		// shifted (docs/types.md), sluice as the server gives them.
		"UPDATE uuidk SET k = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a01' WHERE k = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a10'",
		"DELETE FROM uuidk WHERE n = 3",
		"TRUNCATE TABLE nokey",
		"INSERT INTO zz_end VALUES (1)",
	)
	waitCounts(t, main, map[string]int{d + ".zz_end": 1}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, edge, map[string]int{d + ".zz_end": 1}, 30*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "mariadb", ps)
}

// serverID is a binlog client id of its own (the server itself is 1).
func serverID() string {
	return fmt.Sprint(100_000 + rand.Uint32N(1_000_000_000))
}
