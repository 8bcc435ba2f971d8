//go:build integration

package e2e

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMySQLConnectorsCreatedTogether creates four MariaDB connectors on one
// daemon back to back (each on a database of its own, with a schema history
// topic and schema-change records), and checks that each reaches RUNNING
// and delivers its snapshot, its schema-change records and a few changes
// within a bound. Connectors started at the same moment share the
// daemon's Kafka clients, the offsets topic and the MariaDB server's
// snapshot locks; one of them once stayed UNASSIGNED or wrote no
// schema-change records. The round is repeated. When a connector is stuck,
// the daemon's goroutines are dumped (SIGQUIT) into the test log.
func TestMySQLConnectorsCreatedTogether(t *testing.T) {
	const n, rounds = 4, 5
	d := startDaemon(t, t.TempDir())
	for round := range rounds {
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { connectorsTogether(t, d, n) })
		if t.Failed() {
			return
		}
	}
}

func connectorsTogether(t *testing.T, d *daemon, n int) {
	type conn struct{ name, db, data string }
	var cs []conn
	var dbs, topics []string
	my := myConn(t)
	for i := range n {
		name := uniq(fmt.Sprintf("together%d", i))
		if i%2 == 0 {
			// Two connectors capture each database, as a JSON and an Avro
			// run of one config do.
			dbs = append(dbs, name)
			myDatabase(t, name)
			myExec(t, my, "USE "+name,
				"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)",
				"INSERT INTO t VALUES (1,'s1'),(2,'s2')")
		}
		c := conn{name: name, db: dbs[len(dbs)-1], data: name + "." + dbs[len(dbs)-1] + ".t"}
		deleteTopicsAfter(t, c.name+".schemahistory", c.name, c.data)
		cs = append(cs, c)
		topics = append(topics, c.name, c.data)
	}
	cons := newConsumer(t, topics...)
	start := time.Now()
	for _, c := range cs {
		cfg := myConfig(t, c.name, c.db)
		cfg["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
		cfg["schema.history.internal.kafka.topic"] = c.name + ".schemahistory"
		cfg["include.schema.changes"] = "true"
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": c.name, "config": cfg}); code != 201 {
			t.Fatalf("create connector %s: %d %s", c.name, code, body)
		}
	}
	// count returns a connector's data records (tombstones aside) and
	// schema-change records.
	count := func(c conn) (rows, ddl int) {
		for _, r := range cons.snapshot() {
			switch {
			case r.Topic == c.data && r.Value != nil:
				rows++
			case r.Topic == c.name:
				ddl++
			}
		}
		return
	}
	// wait waits (at most 40 s from the first create) until every
	// connector has rows data records and ddl schema-change records, and
	// says which have not.
	wait := func(what string, rows, ddl int) bool {
		deadline := start.Add(40 * time.Second)
		for {
			var late []string
			for _, c := range cs {
				if r, dd := count(c); r < rows || dd < ddl {
					late = append(late, fmt.Sprintf("%s: %d rows, %d schema changes", c.name, r, dd))
				}
			}
			if len(late) == 0 {
				t.Logf("%s: every connector after %s", what, time.Since(start).Round(time.Millisecond))
				return true
			}
			if time.Now().After(deadline) {
				for _, c := range cs {
					t.Logf("%s: status %+v", c.name, d.status(t, c.name))
				}
				t.Errorf("%s: after %s: %s", what, time.Since(start).Round(time.Millisecond), strings.Join(late, "; "))
				dumpGoroutines(t, d)
				return false
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !wait("snapshot", 2, 1) {
		return
	}
	for _, db := range dbs {
		myExec(t, my, "USE "+db, "INSERT INTO t VALUES (3,'c3')", "ALTER TABLE t ADD COLUMN extra INT", "UPDATE t SET name='c1', extra=1 WHERE id=1")
	}
	if !wait("changes", 4, 2) {
		return
	}
	for _, c := range cs {
		if code, body := d.do(t, "DELETE", "/connectors/"+c.name, nil); code != 204 {
			t.Fatalf("delete %s: %d %s", c.name, code, body)
		}
	}
}

// dumpGoroutines makes the daemon dump its goroutines (SIGQUIT) and writes
// the dump to a file named in the test log.
func dumpGoroutines(t *testing.T, d *daemon) {
	_ = d.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
	}
	f, err := os.CreateTemp("", "sluice-goroutines-*.txt")
	if err != nil {
		t.Log(err)
		return
	}
	defer f.Close()
	_, _ = f.WriteString(d.logs.String())
	t.Logf("daemon logs and goroutine dump: %s", f.Name())
}
