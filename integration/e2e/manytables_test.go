//go:build integration

package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func envInt(t *testing.T, k string, def int) int {
	t.Helper()
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", k, v)
	}
	return n
}

// TestScaleManyTablesSnapshot snapshots the same rows held in one table and
// spread over many small tables (SLUICE_MANY_TABLES, default 200;
// SLUICE_MANY_ROWS rows in all, default 20,000), and checks that every row
// of every table arrives once, on its table's topic, with the snapshot
// markers of a snapshot of many tables. It logs both times and their ratio,
// the figure issue 19 bounds (make bench measures it on a quiet machine).
// With SLUICE_MANY_PRECREATE=1 the topics exist, their leaders ready, before
// the clock starts: what the snapshot costs without the broker's making of
// the topics.
func TestScaleManyTablesSnapshot(t *testing.T) {
	nTables := envInt(t, "SLUICE_MANY_TABLES", 200)
	precreate := os.Getenv("SLUICE_MANY_PRECREATE") == "1"
	rows := envInt(t, "SLUICE_MANY_ROWS", 20000)
	per := rows / nTables
	rows = per * nTables
	db := pgConn(t)
	one, many := uniq("one"), uniq("many")
	for _, s := range []string{one, many} {
		mustExec(t, db, "CREATE SCHEMA "+s)
		t.Cleanup(func() { _, _ = db.Exec(context.Background(), "DROP SCHEMA "+s+" CASCADE") })
	}
	mustExec(t, db, fmt.Sprintf("CREATE TABLE %s.big (id int PRIMARY KEY, v text)", one))
	mustExec(t, db, fmt.Sprintf("INSERT INTO %s.big SELECT g, 'row ' || g FROM generate_series(1, %d) g", one, rows))
	mustExec(t, db, fmt.Sprintf(`DO $$ BEGIN FOR i IN 0..%d LOOP
		EXECUTE format('CREATE TABLE %s.t%%s (id int PRIMARY KEY, v text)', lpad(i::text, 4, '0'));
		EXECUTE format('INSERT INTO %s.t%%s SELECT g, ''row '' || g FROM generate_series(1, %d) g', lpad(i::text, 4, '0'));
		END LOOP; END $$`, nTables-1, many, many, per))

	d := startDaemon(t, t.TempDir())
	run := func(schema string, topics []string) time.Duration {
		t.Helper()
		slot := uniq("slot")
		dropSlot(t, slot)
		prefix := uniq("mt")
		for i := range topics {
			topics[i] = prefix + "." + schema + "." + topics[i]
		}
		deleteTopicsAfter(t, append(slices.Clone(topics), prefix+"-signals")...)
		if precreate {
			createTopicsReady(t, topics)
		}
		cfg := pgConfig(t, prefix, slot, schema+`\..*`)
		start := time.Now()
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
			t.Fatalf("create connector: %d %s", code, body)
		}
		// Timed until the connector has committed every row; a consumer of
		// a thousand topics running meanwhile (its fetches and metadata
		// requests) slowed the broker for both. It reads them afterwards.
		for d.metricValue(t, "sluice_records_total", prefix) < float64(rows) {
			if time.Since(start) > 5*time.Minute {
				t.Fatalf("%s: %v records committed in 5 min, want %d", schema, d.metricValue(t, "sluice_records_total", prefix), rows)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(start)
		c := newConsumerOpts(t, []kgo.Opt{kgo.SeedBrokers(brokers...)}, nil, topics...)
		c.waitCount(t, rows, 5*time.Minute)
		recs := c.settle(time.Second)
		if len(recs) != rows {
			t.Fatalf("%s: %d records, want %d", schema, len(recs), rows)
		}
		seen := map[string]bool{}
		perTopic := map[string]int{}
		for _, r := range recs {
			k := r.Topic + "/" + string(r.Key)
			if seen[k] {
				t.Fatalf("%s: key %s twice", schema, k)
			}
			seen[k] = true
			perTopic[r.Topic]++
		}
		for _, tp := range topics {
			if perTopic[tp] != rows/len(topics) {
				t.Fatalf("topic %s: %d records, want %d", tp, perTopic[tp], rows/len(topics))
			}
		}
		if code, body := d.do(t, "DELETE", "/connectors/"+prefix, nil); code != 204 {
			t.Fatalf("delete connector: %d %s", code, body)
		}
		return took
	}
	tOne := run(one, []string{"big"})
	names := make([]string, nTables)
	for i := range names {
		names[i] = fmt.Sprintf("t%04d", i)
	}
	tMany := run(many, names)
	t.Logf("%d rows: one table %v, %d tables %v (%.2f x)", rows, tOne.Round(time.Millisecond), nTables, tMany.Round(time.Millisecond), tMany.Seconds()/tOne.Seconds())
}

// createTopicsReady creates topics (one partition each) and returns once
// every partition's leader answers ListOffsets.
func createTopicsReady(t *testing.T, topics []string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < len(topics); i += 2000 {
		res, err := adm.CreateTopics(ctx, 1, -1, nil, topics[i:min(i+2000, len(topics))]...)
		if err != nil {
			t.Fatalf("create topics: %v", err)
		}
		if err := res.Error(); err != nil {
			t.Fatalf("create topics: %v", err)
		}
	}
	for {
		ends, err := adm.ListEndOffsets(ctx, topics...)
		ready := err == nil
		ends.Each(func(o kadm.ListedOffset) { ready = ready && o.Err == nil })
		if ready && len(ends) == len(topics) {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("topics not ready in 2 min: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
