//go:build integration

package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMariaDBSchemaHistorySideBySide registers the same MariaDB config with
// schema.history.internal.kafka.topic on real Debezium 3.5.0 and on sluice,
// runs a few DDL statements, and compares the two history topics record by
// record: the same statements in the same order, the same fields, the same
// table changes (position values differ by nature: Debezium's and sluice's
// snapshots start at different binlog positions, and sluice adds
// sluice.index).
func TestMariaDBSchemaHistorySideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("hist_my")
	my := myDatabase(t, db)
	myExec(t, my,
		"CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', "+
			"flag BOOLEAN DEFAULT TRUE, kind ENUM('a','b') NOT NULL, price DECIMAL(10,2) COMMENT 'money', doc JSON, "+
			"at TIMESTAMP(3) NULL DEFAULT CURRENT_TIMESTAMP(3), f FLOAT(7,3)) COMMENT 'the table'",
		"INSERT INTO t (name, kind) VALUES ('a', 'a')")

	name := uniq("cmp_hist")
	dp, sp := uniq("dbzh"), uniq("slch")
	cfg := map[string]string{
		"connector.class":       "io.debezium.connector.mariadb.MariaDbConnector",
		"database.hostname":     myAddr[:strings.LastIndex(myAddr, ":")],
		"database.port":         myAddr[strings.LastIndex(myAddr, ":")+1:],
		"database.user":         "sluice",
		"database.password":     "sluice",
		"database.include.list": db,
		"snapshot.mode":         "initial",
		"schema.history.internal.kafka.bootstrap.servers":           strings.Join(brokers, ","),
		"schema.history.internal.store.only.captured.databases.ddl": "true",
	}
	readPrefix(t, dp) // deletes the prefix's topics and hist_<prefix> when the test ends
	readPrefix(t, sp)
	// Debezium's task writes its history topic again while it stops after
	// the connector is deleted: delete it once more when the task is gone.
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			if code, _, err := dbz.do("GET", "/connectors/"+name+"/status", nil); err == nil && code == 404 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(2 * time.Second)
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cl).DeleteTopics(ctx, "hist_"+dp)
	})
	createBoth(t, dbz, slc.restClient, name, cfg,
		map[string]string{"topic.prefix": dp, "database.server.id": serverID(), "schema.history.internal.kafka.topic": "hist_" + dp},
		map[string]string{"topic.prefix": sp, "database.server.id": serverID(), "schema.history.internal.kafka.topic": "hist_" + sp},
		nil)

	h := readHistories(t, "hist_"+dp, "hist_"+sp)
	h.wait(t, 6, 90*time.Second) // the snapshot's records
	myExec(t, my,
		"ALTER TABLE t ADD COLUMN extra VARCHAR(10) DEFAULT 'e' AFTER name, ADD COLUMN n INT NOT NULL",
		"CREATE TABLE t2 (a BIGINT PRIMARY KEY, b SET('x','y') DEFAULT 'x', c CHAR(3) CHARACTER SET latin1)",
		"ALTER TABLE t MODIFY COLUMN name VARCHAR(40) NOT NULL, DROP COLUMN f",
		"RENAME TABLE t2 TO t3",
		"DROP TABLE t3",
		"CREATE TABLE end_marker (id INT PRIMARY KEY)")
	h.wait(t, 12, 60*time.Second)
	time.Sleep(2 * time.Second) // anything more
	d, s := h.records("hist_"+dp), h.records("hist_"+sp)

	var dd, sd []string
	for _, r := range d {
		dd = append(dd, r["ddl"].(string))
	}
	for _, r := range s {
		sd = append(sd, r["ddl"].(string))
	}
	if !reflect.DeepEqual(dd, sd) {
		t.Errorf("statements differ:\n debezium %q\n sluice   %q", dd, sd)
	}
	for i := 0; i < len(d) && i < len(s); i++ {
		dr, sr := d[i], s[i]
		for _, k := range []string{"databaseName", "ddl", "tableChanges"} {
			if !reflect.DeepEqual(dr[k], sr[k]) {
				a, _ := json.Marshal(dr[k])
				b, _ := json.Marshal(sr[k])
				t.Errorf("record %d (%.60q): %s differs\n debezium %s\n sluice   %s", i, dd[i], k, a, b)
			}
		}
		dk, sk := keys(dr), keys(sr)
		if !reflect.DeepEqual(dk, sk) {
			t.Errorf("record %d: fields %v, Debezium's %v", i, sk, dk)
		}
		dpos, spos := keys(dr["position"].(map[string]any)), keys(sr["position"].(map[string]any))
		spos = strings.Replace(spos, ",sluice.index", "", 1)
		spos = strings.Replace(spos, "sluice.index,", "", 1)
		if dpos != spos {
			t.Errorf("record %d (%.60q): position fields %v, Debezium's %v", i, dd[i], spos, dpos)
		}
		if dr["source"].(map[string]any)["server"] != dp || sr["source"].(map[string]any)["server"] != sp {
			t.Errorf("record %d: source %v / %v", i, dr["source"], sr["source"])
		}
	}
	t.Logf("compared %d Debezium and %d sluice history records", len(d), len(s))
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// histories reads history topics with read_committed.
type histories struct {
	mu   sync.Mutex
	recs map[string][]map[string]any
}

func readHistories(t *testing.T, topics ...string) *histories {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics...), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.MetadataMinAge(250*time.Millisecond), kgo.MetadataMaxAge(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h := &histories{recs: map[string][]map[string]any{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				var m map[string]any
				if err := json.Unmarshal(r.Value, &m); err != nil {
					m = map[string]any{"ddl": fmt.Sprintf("not JSON: %v", err)}
				}
				h.mu.Lock()
				h.recs[r.Topic] = append(h.recs[r.Topic], m)
				h.mu.Unlock()
			})
		}
	}()
	t.Cleanup(func() { cancel(); <-done; cl.Close() })
	return h
}

func (h *histories) records(topic string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.recs[topic]...)
}

// wait waits until every topic read has at least n records.
func (h *histories) wait(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h.mu.Lock()
		ok := len(h.recs) == 2
		counts := map[string]int{}
		for k, v := range h.recs {
			counts[k] = len(v)
			ok = ok && len(v) >= n
		}
		h.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history records %v, want %d in each of two topics", counts, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
