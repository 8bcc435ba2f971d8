//go:build integration

package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// volatile matches the values that change from run to run; they are replaced
// in place so the golden file still shows field order.
var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"(ts_ms|ts_us|ts_ns)":\d+`), `"$1":"<ts>"`},
	{regexp.MustCompile(`"(lsn|txId)":\d+`), `"$1":"<$1>"`},
	{regexp.MustCompile(`"sequence":"(\[[^\]]*\]|null)"`), `"sequence":"<seq>"`},
	{regexp.MustCompile(`"sequence":"\[[^"]*(\\"[^"]*)*"`), `"sequence":"<seq>"`},
	{regexp.MustCompile(`"version":"[^"]*"`), `"version":"<version>"`},
	{regexp.MustCompile(`"name":"tr_[0-9a-f]+"`), `"name":"<prefix>"`},
	{regexp.MustCompile(`tr_[0-9a-f]{8}`), `<prefix>`},
}

func normalize(b []byte) string {
	s := string(b)
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	return s
}

// step is one transcript step: SQL run on the source, then the records it
// produced.
type step struct {
	sql  string
	want int // records the step must produce
}

// TestPostgresTranscript runs SQL against PostgreSQL and compares every record
// sluice writes to Kafka with testdata/postgres_transcript.golden.
func TestPostgresTranscript(t *testing.T) {
	prefix := uniq("tr")
	slot := prefix
	schemaName := prefix
	dropSlot(t, slot)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+schemaName)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+schemaName+" CASCADE") })
	mustExec(t, pg, "SET search_path TO "+schemaName)
	mustExec(t, pg, `CREATE TABLE customers (
		id serial PRIMARY KEY,
		name varchar(255) NOT NULL,
		balance numeric(10,2),
		created_at timestamptz)`)
	mustExec(t, pg, `CREATE TABLE types (
		id int8 PRIMARY KEY,
		c_int2 int2, c_int4 int4, c_int8 int8,
		c_num numeric(12,3), c_num_free numeric,
		c_f4 float4, c_f8 float8, c_bool bool,
		c_text text, c_varchar varchar(20), c_char char(5),
		c_bytea bytea, c_date date, c_time time, c_time3 time(3),
		c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz, c_tstz0 timestamptz(0),
		c_uuid uuid, c_json json, c_jsonb jsonb,
		c_box box)`)
	mustExec(t, pg, `ALTER TABLE types REPLICA IDENTITY FULL`)
	mustExec(t, pg, `INSERT INTO customers (name, balance, created_at) VALUES ('Anne', 123.45, '2024-05-01 10:15:30.123456+00')`)

	c := newConsumer(t, prefix+"."+schemaName+".customers", prefix+"."+schemaName+".types")
	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, slot, schemaName+".customers,"+schemaName+".types")
	cfg["skipped.operations"] = "none"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	var out bytes.Buffer
	seen := 0
	record := func(title string, want int) {
		c.waitCount(t, seen+want, 60*time.Second)
		// Anything beyond want would be a surprise: wait a little to catch it.
		time.Sleep(300 * time.Millisecond)
		recs := c.snapshot()
		fmt.Fprintf(&out, "## %s\n", title)
		for _, r := range recs[seen:] {
			fmt.Fprintf(&out, "topic: %s\nkey:   %s\nvalue: %s\nheaders: %s\n\n",
				normalize([]byte(r.Topic)), normalize(r.Key), nullable(r.Value), headerString(r.Headers))
		}
		seen = len(recs)
	}
	record("snapshot of customers (one row)", 1)

	steps := []step{
		{`INSERT INTO customers (name, balance, created_at) VALUES ('Bob', -0.5, '1969-12-31 23:59:59.5+00')`, 1},
		{`UPDATE customers SET balance = 99999999.99 WHERE name = 'Bob'`, 1},
		{`DELETE FROM customers WHERE name = 'Anne'`, 2},
		{`UPDATE customers SET id = 100 WHERE name = 'Bob'`, 3},
		{`INSERT INTO types VALUES (1, -32768, 2147483647, -9223372036854775808, 123456789.123, 3.14159,
			1.5, -2.25e-10, true, 'tab	"quote" \ back', 'varchar', 'ab',
			'\xdeadbeef', '2024-02-29', '13:14:15.123456', '13:14:15.123',
			'2024-05-01 10:15:30.123456', '2024-05-01 10:15:30.123', '2024-05-01 12:15:30.5+02', '2024-05-01 10:15:30+00',
			'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": {"c": null}}',
			'((1,2),(3,4))')`, 1},
		{`INSERT INTO types (id) VALUES (2)`, 1},
		{`UPDATE types SET c_text = 'changed', c_num_free = 10.50 WHERE id = 2`, 1},
		{`DELETE FROM types WHERE id = 1`, 2},
		{`TRUNCATE types`, 1},
		{`BEGIN; INSERT INTO customers (name) VALUES ('tx1'); INSERT INTO customers (name) VALUES ('tx2'); UPDATE customers SET name = 'tx1b' WHERE name = 'tx1'; COMMIT`, 3},
	}
	for _, s := range steps {
		mustExec(t, pg, s.sql)
		record(oneLine(s.sql), s.want)
	}
	if extra := c.settle(time.Second); len(extra) != seen {
		t.Errorf("%d records arrived beyond the transcript", len(extra)-seen)
	}

	golden := filepath.Join("testdata", "postgres_transcript.golden")
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

func nullable(b []byte) string {
	if b == nil {
		return "<null>"
	}
	return normalize(b)
}

func headerString(h map[string]string) string {
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := normalize([]byte(h[k]))
		if k == "__debezium.context.runId" && runIDPattern.MatchString(h[k]) {
			v = "<runId>" // new every run; a malformed one shows as it is
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, " ")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// diff returns the first differing lines of two texts.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y))
			if len(out) > 10 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
