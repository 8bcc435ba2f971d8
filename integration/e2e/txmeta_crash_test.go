//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The transaction-metadata crash tests: a writer commits transactions of
// random size over two tables and logs, per transaction, its id and how many
// events each table got; sluice runs with provide.transaction.metadata=true
// and small batches, so a large transaction spans many Kafka transactions,
// and is killed in the middle of one and at random moments. A read_committed
// consumer must then see, for every committed transaction, exactly one BEGIN
// and one END whose counts are the writer's, and each event's transaction
// block exactly once with total_order 1..n and data_collection_order 1..n of
// its table.

const txBigFirstID = 10_000_001 // ids of the large transactions' rows

// txWrite is one committed source transaction as the writer saw it.
type txWrite struct {
	id     string         // the transaction's id as the records' ids begin (PG xid, MariaDB GTID)
	counts map[string]int // events per data collection
}

// txLog collects the writer's committed transactions.
type txLog struct {
	mu  sync.Mutex
	txs []txWrite
}

func (l *txLog) add(w txWrite) {
	l.mu.Lock()
	l.txs = append(l.txs, w)
	l.mu.Unlock()
}

func (l *txLog) all() []txWrite {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.txs)
}

// txRecord is a transaction-topic record (JSON without schemas).
type txRecord struct {
	Status          string `json:"status"`
	ID              string `json:"id"`
	EventCount      *int64 `json:"event_count"`
	DataCollections []struct {
		DataCollection string `json:"data_collection"`
		EventCount     int64  `json:"event_count"`
	} `json:"data_collections"`
}

// checkTxMeta checks the records read from the transaction topic txTopic and
// the data topics against the writer's committed transactions. txOf maps a
// record's transaction id to the writer's id (the PG id is <xid>:<lsn>).
func checkTxMeta(recs []record, txTopic string, committed []txWrite, txOf func(string) string) (problems []string, stats map[string]int) {
	stats = map[string]int{}
	report := func(format string, args ...any) {
		if len(problems) < 30 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	type seen struct {
		begins, ends int
		end          *txRecord
		beginAfter   bool          // a BEGIN came after the END
		total        map[int64]int // total_order -> times seen
		perColl      map[string]map[int64]int
	}
	byTx := map[string]*seen{}
	get := func(id string) *seen {
		s := byTx[id]
		if s == nil {
			s = &seen{total: map[int64]int{}, perColl: map[string]map[int64]int{}}
			byTx[id] = s
		}
		return s
	}
	sorted := slices.Clone(recs)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Topic != sorted[j].Topic {
			return sorted[i].Topic < sorted[j].Topic
		}
		return sorted[i].Offset < sorted[j].Offset
	})
	for _, r := range sorted {
		if r.Value == nil {
			continue // a tombstone
		}
		if r.Topic == txTopic {
			var tr txRecord
			if err := json.Unmarshal(r.Value, &tr); err != nil {
				report("transaction record %s: %v", r.Value, err)
				continue
			}
			s := get(txOf(tr.ID))
			switch tr.Status {
			case "BEGIN":
				s.begins++
				if s.ends > 0 {
					s.beginAfter = true
				}
				stats["BEGIN"]++
			case "END":
				s.ends++
				s.end = &tr
				stats["END"]++
			default:
				report("transaction record with status %q", tr.Status)
			}
			continue
		}
		var v struct {
			Op     string `json:"op"`
			Source struct {
				DB     string  `json:"db"`
				Schema *string `json:"schema"`
				Table  string  `json:"table"`
			} `json:"source"`
			Transaction *struct {
				ID                  string `json:"id"`
				TotalOrder          int64  `json:"total_order"`
				DataCollectionOrder int64  `json:"data_collection_order"`
			} `json:"transaction"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			report("record %s: %v", r.Value, err)
			continue
		}
		if v.Op == "r" {
			stats["snapshot"]++
			continue
		}
		if v.Transaction == nil {
			report("%s event at %s@%d without a transaction block", v.Op, r.Topic, r.Offset)
			continue
		}
		coll := v.Source.DB + "." + v.Source.Table
		if v.Source.Schema != nil {
			coll = *v.Source.Schema + "." + v.Source.Table
		}
		s := get(txOf(v.Transaction.ID))
		s.total[v.Transaction.TotalOrder]++
		if s.perColl[coll] == nil {
			s.perColl[coll] = map[int64]int{}
		}
		s.perColl[coll][v.Transaction.DataCollectionOrder]++
		stats["events"]++
	}

	// exactlyOnce reports unless orders holds each of 1..n exactly once.
	exactlyOnce := func(what string, orders map[int64]int, n int) {
		for o, times := range orders {
			if times > 1 {
				report("%s: order %d seen %d times", what, o, times)
			}
			if o < 1 || o > int64(n) {
				report("%s: order %d outside 1..%d", what, o, n)
			}
		}
		if len(orders) != n {
			report("%s: %d distinct orders, want %d", what, len(orders), n)
		}
	}
	known := map[string]bool{}
	for _, w := range committed {
		known[w.id] = true
		s := byTx[w.id]
		total := 0
		for _, n := range w.counts {
			total += n
		}
		if s == nil {
			report("transaction %s (%d events): no records at all", w.id, total)
			continue
		}
		if s.begins != 1 || s.ends != 1 {
			report("transaction %s: %d BEGIN and %d END records, want one of each", w.id, s.begins, s.ends)
		}
		if s.beginAfter {
			report("transaction %s: a BEGIN after its END", w.id)
		}
		if s.end != nil {
			if s.end.EventCount == nil || *s.end.EventCount != int64(total) {
				report("transaction %s: END event_count %v, want %d", w.id, s.end.EventCount, total)
			}
			got := map[string]int{}
			for _, dc := range s.end.DataCollections {
				got[dc.DataCollection] += int(dc.EventCount)
			}
			if !maps.Equal(got, w.counts) {
				report("transaction %s: END data_collections %v, want %v", w.id, got, w.counts)
			}
		}
		exactlyOnce("transaction "+w.id+" total_order", s.total, total)
		for coll, n := range w.counts {
			exactlyOnce("transaction "+w.id+" "+coll+" data_collection_order", s.perColl[coll], n)
		}
		for coll := range s.perColl {
			if w.counts[coll] == 0 {
				report("transaction %s: events of %s, which it did not write", w.id, coll)
			}
		}
	}
	// Transactions the writer did not commit (those of other databases on
	// a shared server, or of no captured table) have exactly one BEGIN and
	// one END with event_count 0, and no events.
	for id, s := range byTx {
		if known[id] {
			continue
		}
		if s.begins != 1 || s.ends != 1 || s.beginAfter || s.end == nil || s.end.EventCount == nil || *s.end.EventCount != 0 || len(s.total) > 0 {
			report("transaction %s, which the writer did not commit: %d BEGIN, %d END, %d events", id, s.begins, s.ends, len(s.total))
			continue
		}
		stats["transactions without captured events"]++
	}
	stats["transactions"] = len(committed)
	return problems, stats
}

// TestTxMetaCheckerCatchesFaults feeds checkTxMeta a duplicate BEGIN, a lost
// END, a wrong count, a duplicate event and an event without its block, so
// the crash tests' verdict is known to be able to fail.
func TestTxMetaCheckerCatchesFaults(t *testing.T) {
	const txTopic = "p.transaction"
	txOf := func(id string) string { return strings.SplitN(id, ":", 2)[0] }
	tx := func(status, id string, count int, colls string) record {
		v := fmt.Sprintf(`{"status":%q,"id":%q,"event_count":null,"data_collections":null,"ts_ms":1}`, status, id)
		if status == "END" {
			v = fmt.Sprintf(`{"status":"END","id":%q,"event_count":%d,"data_collections":[%s],"ts_ms":1}`, id, count, colls)
		}
		return record{Topic: txTopic, Value: []byte(v)}
	}
	ev := func(id string, total, order int) record {
		return record{Topic: "p.s.a", Value: []byte(fmt.Sprintf(
			`{"op":"c","source":{"db":"d","schema":"s","table":"a"},"transaction":{"id":%q,"total_order":%d,"data_collection_order":%d}}`, id, total, order))}
	}
	good := func() []record {
		return []record{
			tx("BEGIN", "7:100", 0, ""), ev("7:101", 1, 1), ev("7:102", 2, 2),
			tx("END", "7:103", 2, `{"data_collection":"s.a","event_count":2}`),
		}
	}
	committed := []txWrite{{id: "7", counts: map[string]int{"s.a": 2}}}
	number := func(rs []record) []record {
		for i := range rs {
			rs[i].Offset = int64(i)
		}
		return rs
	}
	if p, _ := checkTxMeta(number(good()), txTopic, committed, txOf); len(p) != 0 {
		t.Fatalf("good records reported: %v", p)
	}
	// A transaction without captured events: BEGIN and END, event_count 0.
	if p, _ := checkTxMeta(number(append(good(), tx("BEGIN", "9:300", 0, ""), tx("END", "9:301", 0, ""))), txTopic, committed, txOf); len(p) != 0 {
		t.Fatalf("a transaction without captured events reported: %v", p)
	}
	faults := map[string][]record{
		"duplicate BEGIN": append(good(), tx("BEGIN", "7:100", 0, "")),
		"lost END":        good()[:3],
		"wrong END count": append(good()[:3], tx("END", "7:103", 3, `{"data_collection":"s.a","event_count":3}`)),
		"duplicate event": append(good(), ev("7:102", 2, 2)),
		"lost event":      append(good()[:1], good()[2:]...),
		"no block": append(good(), record{Topic: "p.s.a", Value: []byte(
			`{"op":"u","source":{"db":"d","schema":"s","table":"a"},"transaction":null}`)}),
		"unknown transaction":         append(good(), tx("BEGIN", "8:200", 0, "")),
		"unknown transaction, events": append(good(), tx("BEGIN", "8:200", 0, ""), ev("8:201", 1, 1), tx("END", "8:202", 0, "")),
		"empty transaction twice":     append(good(), tx("BEGIN", "8:200", 0, ""), tx("END", "8:202", 0, ""), tx("BEGIN", "8:200", 0, ""), tx("END", "8:202", 0, "")),
	}
	for name, rs := range faults {
		if p, _ := checkTxMeta(number(rs), txTopic, committed, txOf); len(p) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
	// A BEGIN written again after the END (a replayed BEGIN).
	rs := append(good(), tx("BEGIN", "7:100", 0, ""))
	if p, _ := checkTxMeta(number(rs), txTopic, committed, txOf); len(p) == 0 {
		t.Errorf("BEGIN after END: not reported")
	}
}

// pgTxWriter commits transactions of 1 to 12 inserts, updates and deletes
// over tables a and b of schema until stop is closed, logging each.
func pgTxWriter(t *testing.T, pg *pgx.Conn, schema string, log *txLog, stop <-chan struct{}) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	next := int64(1)
	live := map[string][]int64{}
	for {
		select {
		case <-stop:
			return
		default:
		}
		tx, err := pg.Begin(ctx)
		if err != nil {
			t.Errorf("writer: begin: %v", err)
			return
		}
		var xid int64
		if err := tx.QueryRow(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&xid); err != nil {
			t.Errorf("writer: xid: %v", err)
			_ = tx.Rollback(ctx)
			return
		}
		counts := map[string]int{}
		for i, n := 0, 1+rng.IntN(12); i < n; i++ {
			tb := []string{"a", "b"}[rng.IntN(2)]
			var sql string
			var args []any
			switch r := rng.IntN(10); {
			case r < 5 || len(live[tb]) == 0:
				next++
				live[tb] = append(live[tb], next)
				sql, args = "INSERT INTO "+schema+"."+tb+" (id, v) VALUES ($1, 0)", []any{next}
			case r < 9:
				sql, args = "UPDATE "+schema+"."+tb+" SET v = v + 1 WHERE id = $1", []any{live[tb][rng.IntN(len(live[tb]))]}
			default:
				j := rng.IntN(len(live[tb]))
				sql, args = "DELETE FROM "+schema+"."+tb+" WHERE id = $1", []any{live[tb][j]}
				live[tb] = append(live[tb][:j], live[tb][j+1:]...)
			}
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				t.Errorf("writer: %s: %v", sql, err)
				_ = tx.Rollback(ctx)
				return
			}
			counts[schema+"."+tb]++
		}
		if err := tx.Commit(ctx); err != nil {
			t.Errorf("writer: commit: %v", err)
			return
		}
		log.add(txWrite{id: strconv.FormatInt(xid&0xffffffff, 10), counts: counts})
		time.Sleep(2 * time.Millisecond)
	}
}

// TestPostgresTxMetaCrashExactlyOnce is the Postgres transaction-metadata
// crash test (see the top of this file).
func TestPostgresTxMetaCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("txmeta_crash")
	deletePrefixTopics(t, prefix)
	schema := prefix
	dropSlot(t, prefix)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+schema+" CASCADE") })
	for _, tb := range []string{"a", "b"} {
		mustExec(t, pg, "CREATE TABLE "+schema+"."+tb+" (id bigint PRIMARY KEY, v int NOT NULL)")
	}
	mustExec(t, pg, "INSERT INTO "+schema+".a VALUES (1, 0)")

	txTopic := prefix + ".transaction"
	var bigSeen atomic.Int64
	c := newConsumerWith(t, func(r record) {
		var k struct {
			ID int64 `json:"id"`
		}
		if r.Topic != txTopic && json.Unmarshal(r.Key, &k) == nil && k.ID >= txBigFirstID && r.Value != nil {
			bigSeen.Add(1)
		}
	}, txTopic, prefix+"."+schema+".a", prefix+"."+schema+".b")

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, prefix, schema+".a,"+schema+".b")
	cfg["provide.transaction.metadata"] = "true"
	cfg["sluice.batch.max.events"] = "1000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 60*time.Second)

	log := &txLog{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	wpg := pgConn(t)
	go func() { defer wg.Done(); pgTxWriter(t, wpg, schema, log, stop) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	kills := 0
	restart := func(how string) {
		if how == "SIGTERM" {
			d.term(t)
		} else {
			d.kill()
			kills++
		}
		t.Logf("%s #%d at %d records (large-transaction rows %d)", how, kills, c.count(), bigSeen.Load())
		d = startDaemon(t, dataDir)
	}
	// bigTx commits one transaction of na rows in a and nb in b.
	bigTx := func(first int64, na, nb int) {
		ctx := context.Background()
		tx, err := pg.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var xid int64
		if err := tx.QueryRow(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&xid); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			tb   string
			from int64
			n    int
		}{{"a", first, na}, {"b", first, nb}} {
			if _, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s.%s SELECT g, 0 FROM generate_series(%d, %d) g", schema, x.tb, x.from, x.from+int64(x.n)-1)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		log.add(txWrite{id: strconv.FormatInt(xid&0xffffffff, 10), counts: map[string]int{schema + ".a": na, schema + ".b": nb}})
	}
	// midKill kills sluice once at least atLeast rows of the large
	// transaction (of total rows) are read, if it is not all read by then.
	midKills := 0
	midKill := func(atLeast, total int64) {
		t.Helper()
		deadline := time.Now().Add(120 * time.Second)
		for bigSeen.Load() < atLeast {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %d large-transaction rows (have %d)\n%s", atLeast, bigSeen.Load(), tail(d.logs.String(), 30))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if bigSeen.Load() >= total {
			t.Logf("the large transaction was read before the kill (%d rows)", bigSeen.Load())
			return
		}
		midKills++
		restart("SIGKILL")
	}

	// 1. In the middle of a transaction of 30k events spanning ~30 Kafka
	// transactions, twice.
	time.Sleep(time.Second)
	bigTx(txBigFirstID, 20_000, 10_000)
	midKill(4_000, 30_000)
	midKill(bigSeen.Load()+2_000, 30_000)
	if midKills == 0 {
		t.Errorf("no kill in the middle of the large transaction")
	}
	// 2. At random moments while the writer runs; one clean stop.
	for i := 0; i < 3; i++ {
		time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		restart("SIGKILL")
	}
	time.Sleep(time.Second)
	restart("SIGTERM")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	// The end: one more transaction, so the wait below knows the last.
	bigTx(txBigFirstID+100_000, 1, 1)

	committed := log.all()
	txOf := func(id string) string { return strings.SplitN(id, ":", 2)[0] }
	deadline := time.Now().Add(90 * time.Second)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		problems, stats = checkTxMeta(recs, txTopic, committed, txOf)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("transaction-metadata crash test: %d SIGKILLs + 1 SIGTERM; %d transactions committed; %d records read: %v", kills, len(committed), c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Logf("sluice's last log lines:\n%s", tail(d.logs.String(), 60))
	}
	if kills < 4 {
		t.Errorf("only %d kills", kills)
	}
}

// myTxWriter is pgTxWriter for MariaDB: a transaction's id is the GTID the
// server gave it (@@last_gtid after COMMIT).
func myTxWriter(t *testing.T, c *client.Conn, db string, log *txLog, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(7, 8))
	next := int64(1)
	live := map[string][]int64{}
	exec := func(q string) bool {
		if _, err := c.Execute(q); err != nil {
			t.Errorf("writer: %s: %v", q, err)
			return false
		}
		return true
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		if !exec("BEGIN") {
			return
		}
		counts := map[string]int{}
		for i, n := 0, 1+rng.IntN(12); i < n; i++ {
			tb := []string{"a", "b"}[rng.IntN(2)]
			var q string
			switch r := rng.IntN(10); {
			case r < 5 || len(live[tb]) == 0:
				next++
				live[tb] = append(live[tb], next)
				q = fmt.Sprintf("INSERT INTO %s.%s (id, v) VALUES (%d, 0)", db, tb, next)
			case r < 9:
				q = fmt.Sprintf("UPDATE %s.%s SET v = v + 1 WHERE id = %d", db, tb, live[tb][rng.IntN(len(live[tb]))])
			default:
				j := rng.IntN(len(live[tb]))
				q = fmt.Sprintf("DELETE FROM %s.%s WHERE id = %d", db, tb, live[tb][j])
				live[tb] = append(live[tb][:j], live[tb][j+1:]...)
			}
			if !exec(q) {
				return
			}
			counts[db+"."+tb]++
		}
		if !exec("COMMIT") {
			return
		}
		r, err := c.Execute("SELECT @@last_gtid")
		if err != nil {
			t.Errorf("writer: last_gtid: %v", err)
			return
		}
		gtid, _ := r.GetString(0, 0)
		log.add(txWrite{id: gtid, counts: counts})
		time.Sleep(2 * time.Millisecond)
	}
}

// TestMariaDBTxMetaCrashExactlyOnce is the MariaDB transaction-metadata
// crash test (see the top of this file).
func TestMariaDBTxMetaCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("txmeta_crash")
	deletePrefixTopics(t, prefix)
	db := prefix
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db)
	for _, tb := range []string{"a", "b"} {
		myExec(t, my, "CREATE TABLE "+tb+" (id BIGINT PRIMARY KEY, v INT NOT NULL)")
	}
	myExec(t, my, "INSERT INTO a VALUES (1, 0)")

	txTopic := prefix + ".transaction"
	var bigSeen atomic.Int64
	c := newConsumerWith(t, func(r record) {
		var k struct {
			ID int64 `json:"id"`
		}
		if r.Topic != txTopic && json.Unmarshal(r.Key, &k) == nil && k.ID >= txBigFirstID && r.Value != nil {
			bigSeen.Add(1)
		}
	}, txTopic, prefix+"."+db+".a", prefix+"."+db+".b")

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["provide.transaction.metadata"] = "true"
	cfg["sluice.batch.max.events"] = "1000"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 60*time.Second)

	log := &txLog{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	wc := myConn(t)
	go func() { defer wg.Done(); myTxWriter(t, wc, db, log, stop) }()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	kills := 0
	restart := func(how string) {
		if how == "SIGTERM" {
			d.term(t)
		} else {
			d.kill()
			kills++
		}
		t.Logf("%s #%d at %d records (large-transaction rows %d)", how, kills, c.count(), bigSeen.Load())
		d = startDaemon(t, dataDir)
	}
	bigTx := func(first int64, na, nb int) {
		myExec(t, my, "BEGIN",
			fmt.Sprintf("INSERT INTO a SELECT seq, 0 FROM seq_%d_to_%d", first, first+int64(na)-1),
			fmt.Sprintf("INSERT INTO b SELECT seq, 0 FROM seq_%d_to_%d", first, first+int64(nb)-1),
			"COMMIT")
		r, err := my.Execute("SELECT @@last_gtid")
		if err != nil {
			t.Fatal(err)
		}
		gtid, _ := r.GetString(0, 0)
		log.add(txWrite{id: gtid, counts: map[string]int{db + ".a": na, db + ".b": nb}})
	}
	midKills := 0
	midKill := func(atLeast, total int64) {
		t.Helper()
		deadline := time.Now().Add(120 * time.Second)
		for bigSeen.Load() < atLeast {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %d large-transaction rows (have %d)\n%s", atLeast, bigSeen.Load(), tail(d.logs.String(), 30))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if bigSeen.Load() >= total {
			t.Logf("the large transaction was read before the kill (%d rows)", bigSeen.Load())
			return
		}
		midKills++
		restart("SIGKILL")
	}

	time.Sleep(time.Second)
	bigTx(txBigFirstID, 20_000, 10_000)
	midKill(4_000, 30_000)
	midKill(bigSeen.Load()+2_000, 30_000)
	if midKills == 0 {
		t.Errorf("no kill in the middle of the large transaction")
	}
	for i := 0; i < 3; i++ {
		time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
		restart("SIGKILL")
	}
	time.Sleep(time.Second)
	restart("SIGTERM")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	committed := log.all()
	deadline := time.Now().Add(90 * time.Second)
	var problems []string
	var stats map[string]int
	for {
		recs := c.settle(2 * time.Second)
		problems, stats = checkTxMeta(recs, txTopic, committed, func(id string) string { return id })
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("transaction-metadata crash test: %d SIGKILLs + 1 SIGTERM; %d transactions committed; %d records read: %v", kills, len(committed), c.count(), stats)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Logf("sluice's last log lines:\n%s", tail(d.logs.String(), 60))
	}
	if kills < 4 {
		t.Errorf("only %d kills", kills)
	}
}

// deletePrefixTopics deletes, when the test ends (after the daemons it
// starts later have stopped), the topics <prefix> and <prefix>.* from the
// shared Kafka.
func deletePrefixTopics(t *testing.T, prefix string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			t.Logf("delete topics: %v", err)
			return
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			t.Logf("list topics: %v", err)
			return
		}
		var del []string
		for _, n := range topics.Names() {
			if n == prefix || strings.HasPrefix(n, prefix+".") {
				del = append(del, n)
			}
		}
		if len(del) > 0 {
			if _, err := adm.DeleteTopics(ctx, del...); err != nil {
				t.Logf("delete topics %v: %v", del, err)
			}
		}
	})
}
