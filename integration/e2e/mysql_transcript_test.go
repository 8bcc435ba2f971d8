//go:build integration

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// mysqlVolatile are the values of MySQL records that change from run to
// run, on top of normalize's.
var mysqlVolatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"gtid":"[0-9]+-[0-9]+-[0-9]+"`), `"gtid":"<gtid>"`},
	{regexp.MustCompile(`"file":"[^"]*"`), `"file":"<file>"`},
	{regexp.MustCompile(`"(pos|thread)":\d+`), `"$1":"<$1>"`},
	{regexp.MustCompile(`mtx_[0-9a-f]{8}`), `<prefix>`},
}

func mysqlNormalize(b []byte) string {
	s := normalize(b)
	for _, v := range mysqlVolatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	return s
}

// typesColumns covers every MySQL type of REFERENCE §6.
const typesColumns = `
	c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
	c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED, c_int INT, c_int_u INT UNSIGNED,
	c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED, c_bool BOOLEAN,
	c_dec DECIMAL(10,2), c_dec_max DECIMAL(65,30), c_float FLOAT, c_double DOUBLE,
	c_bit1 BIT(1), c_bit12 BIT(12),
	c_date DATE, c_time TIME, c_time6 TIME(6), c_dt DATETIME, c_dt3 DATETIME(3), c_dt6 DATETIME(6),
	c_ts TIMESTAMP NULL, c_ts6 TIMESTAMP(6) NULL, c_year YEAR,
	c_char CHAR(5), c_varchar VARCHAR(40), c_tinytext TINYTEXT, c_text TEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
	c_binary BINARY(4), c_varbinary VARBINARY(10), c_tinyblob TINYBLOB, c_blob BLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
	c_enum ENUM('small','medium','large'), c_set SET('a','b','c'), c_json JSON,
	c_geometry GEOMETRY, c_point POINT, c_linestring LINESTRING, c_polygon POLYGON`

// typesValues is one row of every type, inserted with the session time
// zone at +02:00 (TIMESTAMP columns are stored in UTC).
const typesValues = `-128, 255, -32768, 65535,
	-8388608, 16777215, -2147483648, 4294967295,
	-9223372036854775808, 18446744073709551615, TRUE,
	12345678.91, -12345678901234567890123456789012345.123456789012345678901234567890, 1.5, -2.25e-10,
	b'1', b'101000000001',
	'2024-02-29', '13:14:15', '23:59:59.999999', '2024-05-01 10:15:30', '2024-05-01 10:15:30.123', '1969-12-31 23:59:59.500000',
	'2024-05-01 12:15:30', '2024-05-01 12:15:30.5', 2024,
	'ab', 'tab	"quote" \\ back é', 'tiny', 'text ✓ 😀', 'medium', 'long',
	X'DEADBEEF', X'00FF', X'01', X'0203', X'04', X'05',
	'medium', 'c,a', '{"a": [1, 2], "b": null}',
	ST_GeomFromText('POINT(1 2)', 4326), ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0,1 1)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')`

// TestMySQLTranscript runs SQL against MariaDB through the daemon and
// compares every record sluice writes to Kafka with
// testdata/mysql_transcript.golden: the snapshot, every type, an ALTER TABLE
// between inserts (schema version 1 then 2, and the schema-change record on
// the topic named topic.prefix), updates with the full old row, deletes with
// tombstones, a key change, a transaction and a truncate.
func TestMySQLTranscript(t *testing.T) {
	prefix := uniq("mtx")
	db := prefix
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db,
		`CREATE TABLE customers (
			id INT AUTO_INCREMENT PRIMARY KEY,
			name VARCHAR(255) NOT NULL,
			balance DECIMAL(10,2),
			created_at TIMESTAMP(6) NULL)`,
		"CREATE TABLE types (id INT PRIMARY KEY,"+typesColumns+")",
		"SET time_zone = '+02:00'",
		`INSERT INTO customers (name, balance, created_at) VALUES ('Anne', 123.45, '2024-05-01 12:15:30.123456')`,
		"INSERT INTO types VALUES (1, "+typesValues+")",
		"INSERT INTO types (id) VALUES (3)",
	)

	c := newConsumer(t, prefix, prefix+"."+db+".customers", prefix+"."+db+".types")
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, prefix, db)
	cfg["skipped.operations"] = "none"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	var out bytes.Buffer
	seen := 0
	record := func(title string, want int) {
		t.Helper()
		c.waitCount(t, seen+want, 60*time.Second)
		// Anything beyond want would be a surprise: wait a little to catch it.
		time.Sleep(300 * time.Millisecond)
		recs := c.snapshot()
		step := recs[seen:]
		// Records of one step on several topics arrive in any order
		// between topics: show them by topic, then offset.
		sort.SliceStable(step, func(i, j int) bool {
			if step[i].Topic != step[j].Topic {
				return step[i].Topic < step[j].Topic
			}
			return step[i].Offset < step[j].Offset
		})
		fmt.Fprintf(&out, "## %s\n", title)
		for _, r := range step {
			value := "<null>"
			if r.Value != nil {
				value = mysqlNormalize(r.Value)
			}
			hdr := headerString(r.Headers)
			fmt.Fprintf(&out, "topic: %s\nkey:   %s\nvalue: %s\nheaders: %s\n\n",
				mysqlNormalize([]byte(r.Topic)), mysqlNormalize(r.Key), value, mysqlNormalize([]byte(hdr)))
		}
		seen = len(recs)
	}
	record("snapshot: customers (one row), types (every type; all NULL)", 3)

	steps := []struct {
		sqls []string
		want int
	}{
		{[]string{"INSERT INTO types VALUES (2, " + typesValues + ")"}, 1},
		{[]string{`INSERT INTO types (id, c_tinyint, c_smallint_u, c_int_u, c_bigint, c_bigint_u, c_bool, c_dec, c_dec_max, c_float, c_double,
			c_bit1, c_bit12, c_date, c_time, c_dt, c_dt6, c_ts, c_year, c_char, c_varchar, c_binary, c_enum, c_set, c_json)
			VALUES (4, 127, 0, 0, 9223372036854775807, 9223372036854775808, FALSE, -0.01, 0.000000000000000000000000000001, -3.4e38, 1.7976931348623157e308,
			b'0', b'111111111111', '0000-00-00', '00:00:00', '0000-00-00 00:00:00', '9999-12-31 23:59:59.999999', '1970-01-01 02:00:01', 1901, '', '', X'00', 'large', '', '[]')`}, 1},
		{[]string{"UPDATE types SET c_varchar = 'changed', c_dec_max = 0.5, c_set = 'a,b,c' WHERE id = 2"}, 1},
		{[]string{"DELETE FROM types WHERE id = 4"}, 2},
		{[]string{"INSERT INTO customers (name, balance, created_at) VALUES ('Bob', -0.5, '1970-01-01 02:00:01.5')"}, 1},
		{[]string{"ALTER TABLE customers ADD COLUMN email VARCHAR(100) NULL DEFAULT 'none' COMMENT 'contact' AFTER name"}, 1},
		{[]string{"INSERT INTO customers (name, email, balance) VALUES ('Carol', 'carol@example.com', 3.00)"}, 1},
		{[]string{"UPDATE customers SET balance = 99999999.99, email = NULL WHERE name = 'Bob'"}, 1},
		{[]string{"DELETE FROM customers WHERE name = 'Anne'"}, 2},
		{[]string{"UPDATE customers SET id = 100 WHERE name = 'Carol'"}, 3},
		{[]string{"BEGIN", "INSERT INTO customers (name) VALUES ('tx1')", "INSERT INTO customers (name) VALUES ('tx2')",
			"UPDATE customers SET name = 'tx1b' WHERE name = 'tx1'", "COMMIT"}, 3},
		{[]string{"TRUNCATE customers"}, 1},
	}
	for _, s := range steps {
		myExec(t, my, s.sqls...)
		record(oneLine(strings.Join(s.sqls, "; ")), s.want)
	}
	if extra := c.settle(time.Second); len(extra) != seen {
		t.Errorf("%d records arrived beyond the transcript", len(extra)-seen)
	}

	golden := filepath.Join("testdata", "mysql_transcript.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, out.Bytes()) {
		t.Errorf("transcript differs from %s (rerun with -update after checking):\n%s", golden, diff(string(want), out.String()))
	}
}
