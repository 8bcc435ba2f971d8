//go:build integration

package compat

import (
	"strings"
	"testing"
	"time"
)

// TestPostgresKafkaTransformsFailSideBySide registers configs whose Kafka
// transform fails on a record (a string cast to int8, a Debezium Date given
// to TimestampConverter, HeaderFrom$Value on a tombstone) on the real Kafka
// Connect and on sluice: both tasks must fail, each trace holding Kafka's
// exception text.
func TestPostgresKafkaTransformsFailSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk2f_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		"CREATE TABLE s.a (id int PRIMARY KEY, d date)",
		"INSERT INTO s.a VALUES (1, '2024-01-02')",
	)
	const p = "org.apache.kafka.connect.transforms."
	for _, c := range []struct {
		transforms map[string]string
		change     string // SQL that makes the failing record, after the snapshot
		want       string
	}{
		{map[string]string{"transforms": "c", "transforms.c.type": p + "Cast$Value", "transforms.c.spec": "op:int8"},
			"", "Value (r) was out of range for requested data type"},
		{map[string]string{"transforms": "f,t", "transforms.f.type": p + "Flatten$Value",
			"transforms.t.type": p + "TimestampConverter$Value", "transforms.t.field": "after.d", "transforms.t.target.type": "unix"},
			"", "Schema Schema{io.debezium.time.Date:INT32} does not correspond to a known timestamp type format"},
		{map[string]string{"transforms": "h", "transforms.h.type": p + "HeaderFrom$Value",
			"transforms.h.fields": "op", "transforms.h.headers": "op", "transforms.h.operation": "copy"},
			"DELETE FROM s.a WHERE id = 1", "Only Map objects supported in absence of schema for [header copy], found: null"},
	} {
		name := uniq("tfk2f_pg")
		dp, sp := uniq("dbz"), uniq("slc")
		cfg := tfPostgres(t, db, "s.a", c.transforms)
		rd, rs := readPrefix(t, dp), readPrefix(t, sp)
		createBoth(t, dbz, slc.restClient, name, cfg, pgOwn(dp), pgOwn(sp), nil)
		if c.change != "" {
			// The snapshot's record passes; the streamed delete's tombstone
			// fails. Both sides must be streaming before the change.
			waitCounts(t, []pair{{name: name, dbz: rd, slc: rs}}, map[string]int{".s.a": 1}, 120*time.Second, dbz, slc.restClient)
			pgExec(t, pg, c.change)
		}
		for _, side := range []restClient{dbz, slc.restClient} {
			var st, trace string
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
				if st, trace = side.state(name); st == "FAILED" {
					break
				}
			}
			if st != "FAILED" || !strings.Contains(trace, c.want) {
				t.Errorf("%s %v: task %s, trace %q; want FAILED with %q", side.what, c.transforms, st, clip(trace, 1500), c.want)
			}
		}
	}
}
