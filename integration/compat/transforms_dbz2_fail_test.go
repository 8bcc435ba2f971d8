//go:build integration

package compat

import (
	"strings"
	"testing"
	"time"
)

// TestPostgresDebeziumRoutingTransformsFailSideBySide registers configs
// whose Debezium transform fails on the snapshot's first record on the real
// Kafka Connect and on sluice: PartitionRouting reading before.id of a read
// event (its before is null: Debezium's NullPointerException) and
// ByLogicalTableRouter adding a key field the key already has. Both tasks
// must fail, each trace holding Debezium's text.
func TestPostgresDebeziumRoutingTransformsFailSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfdbz2f_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		"CREATE TABLE s.a (id int PRIMARY KEY, v text)",
		"INSERT INTO s.a VALUES (1, 'x')",
	)
	type run struct {
		name string
		want string
	}
	var runs []run
	for _, c := range []struct {
		transforms map[string]string
		want       string
	}{
		{map[string]string{"transforms": "p", "transforms.p.type": "io.debezium.transforms.partitions.PartitionRouting",
			"transforms.p.partition.payload.fields": "before.id", "transforms.p.partition.topic.num": "2"},
			"Unprocessable message Struct{after=Struct{id=1,v=x},source=Struct{"},
		{map[string]string{"transforms": "r", "transforms.r.type": "io.debezium.transforms.ByLogicalTableRouter",
			"transforms.r.topic.regex": `(.*)\.a`, "transforms.r.topic.replacement": "$1.all", "transforms.r.key.field.name": "id"},
			"Cannot create field because of field name duplication id"},
	} {
		name := uniq("tfdbz2f_pg")
		dp, sp := uniq("dbz"), uniq("slc")
		cfg := tfPostgres(t, db, "s.a", c.transforms)
		readPrefix(t, dp)
		readPrefix(t, sp)
		createBoth(t, dbz, slc.restClient, name, cfg, pgOwn(dp), pgOwn(sp), nil)
		runs = append(runs, run{name, c.want})
	}
	for _, r := range runs {
		for _, side := range []restClient{dbz, slc.restClient} {
			var st, trace string
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
				if st, trace = side.state(r.name); st == "FAILED" {
					break
				}
			}
			if st != "FAILED" || !strings.Contains(trace, r.want) {
				t.Errorf("%s %s: task %s, trace %q; want FAILED with %q", side.what, r.name, st, clip(trace, 1500), r.want)
			}
		}
	}
}
