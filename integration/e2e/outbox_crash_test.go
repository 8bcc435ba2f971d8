//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The outbox crash test: a service writes domain events into an outbox
// table (the transactional outbox pattern), Debezium's EventRouter routes
// them to one topic per aggregate type, and the daemon is killed while it
// works. Every event committed to the outbox must reach its topic exactly
// once, in commit order per aggregate.
const (
	outboxAggregates   = 40     // aggregate ids agg-0 … agg-39
	outboxPrepopulated = 30_000 // events in the outbox before the connector starts: the snapshot
)

// outboxAggType is the aggregate type (and so the topic) of aggregate a.
func outboxAggType(a int) string { return []string{"Order", "Customer", "Invoice"}[a%3] }

// outboxLedger is what the writer committed: per aggregate, the number of
// events (event n of an aggregate carries n = 1, 2, …), and the event ids.
type outboxLedger struct {
	mu     sync.Mutex
	counts [outboxAggregates]int
	ids    map[string]outboxEvent // event id -> the event
	nextID int64                  // event ids increase with commit order
}

// outboxEvent is one routed event as the checker sees it.
type outboxEvent struct {
	agg    int
	n      int
	topic  string
	offset int64
	gone   bool // the writer deleted the row (in the inserting transaction or later)
}

func newOutboxLedger() *outboxLedger { return &outboxLedger{ids: map[string]outboxEvent{}} }

// eventID returns the id of the next event: uuids in increasing order, so
// the snapshot (which reads in key order) reads them in commit order.
func (l *outboxLedger) eventID() string {
	l.nextID++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", l.nextID>>32, l.nextID&0xffffffff)
}

// outboxWriter commits small transactions of outbox events until stop is
// closed: 1-4 inserts, in a third of them deleted again in the same
// transaction (the outbox's cleanup; the router drops deletes), now and then
// an update of an older event (dropped with a warning), and the oldest rows
// deleted in a transaction of their own. run executes statements in one
// transaction.
func outboxWriter(t *testing.T, run func(stmts ...string) error, table string, l *outboxLedger, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(3, 4))
	var older []string
	for {
		select {
		case <-stop:
			return
		default:
		}
		type ins struct {
			id string
			a  int
			n  int
		}
		var batch []ins
		gone := false
		l.mu.Lock()
		counts := l.counts
		for range 1 + rng.IntN(4) {
			a := rng.IntN(outboxAggregates)
			counts[a]++
			batch = append(batch, ins{l.eventID(), a, counts[a]})
		}
		l.mu.Unlock()
		var stmts []string
		for _, e := range batch {
			stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (id, aggregatetype, aggregateid, type, payload) VALUES ('%s', '%s', 'agg-%d', 'Event', '%s')",
				table, e.id, outboxAggType(e.a), e.a, outboxPayload(e.a, e.n, strings.Repeat("p", 40))))
		}
		switch r := rng.IntN(10); {
		case r < 3:
			gone = true
			for _, e := range batch {
				stmts = append(stmts, fmt.Sprintf("DELETE FROM %s WHERE id = '%s'", table, e.id))
			}
		case r < 4 && len(older) > 0:
			stmts = append(stmts, fmt.Sprintf("UPDATE %s SET type = 'Touched' WHERE id = '%s'", table, older[rng.IntN(len(older))]))
		default:
			for _, e := range batch {
				older = append(older, e.id)
			}
		}
		if err := run(stmts...); err != nil {
			t.Errorf("outbox writer: %v", err)
			return
		}
		l.mu.Lock()
		for _, e := range batch {
			l.counts[e.a] = e.n
			l.ids[e.id] = outboxEvent{agg: e.a, n: e.n, gone: gone}
		}
		l.mu.Unlock()
		if len(older) > 200 {
			if err := run(fmt.Sprintf("DELETE FROM %s WHERE id IN ('%s')", table, strings.Join(older[:100], "', '"))); err != nil {
				t.Errorf("outbox writer: cleanup: %v", err)
				return
			}
			l.mu.Lock()
			for _, id := range older[:100] {
				ev := l.ids[id]
				ev.gone = true
				l.ids[id] = ev
			}
			l.mu.Unlock()
			older = older[100:]
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// outboxPayload is the JSON payload of aggregate a's event n.
func outboxPayload(a, n int, pad string) string {
	return fmt.Sprintf(`{"agg": "agg-%d", "n": %d, "pad": "%s"}`, a, n, pad)
}

// outboxPrepopulate records the snapshot's events in l and returns them as
// rows (id, aggregatetype, aggregateid, type, payload), in id order.
func outboxPrepopulate(l *outboxLedger) [][]any {
	rows := make([][]any, 0, outboxPrepopulated)
	for range outboxPrepopulated {
		a := rand.IntN(outboxAggregates)
		l.counts[a]++
		id := l.eventID()
		l.ids[id] = outboxEvent{agg: a, n: l.counts[a]}
		rows = append(rows, []any{id, outboxAggType(a), fmt.Sprintf("agg-%d", a), "Event", outboxPayload(a, l.counts[a], "")})
	}
	return rows
}

// parseOutboxRecord reads a routed event: key "agg-<a>" (JSON), value the
// expanded payload {"agg": …, "n": …, "pad": …} (JSON without schemas), and
// the "id" header.
func parseOutboxRecord(r record) (id string, ev outboxEvent, err error) {
	var key string
	if err := json.Unmarshal(r.Key, &key); err != nil {
		return "", ev, fmt.Errorf("%s@%d: key %q: %w", r.Topic, r.Offset, r.Key, err)
	}
	var v struct {
		Agg string `json:"agg"`
		N   int    `json:"n"`
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return "", ev, fmt.Errorf("%s@%d: value %q: %w", r.Topic, r.Offset, r.Value, err)
	}
	if v.Agg != key {
		return "", ev, fmt.Errorf("%s@%d: key %s but the payload's aggregate is %s", r.Topic, r.Offset, key, v.Agg)
	}
	if _, err := fmt.Sscanf(key, "agg-%d", &ev.agg); err != nil {
		return "", ev, fmt.Errorf("%s@%d: key %s: %w", r.Topic, r.Offset, key, err)
	}
	ev.n, ev.topic, ev.offset = v.N, r.Topic, r.Offset
	return r.Headers["id"], ev, nil
}

// checkOutbox checks the routed events against the ledger: each committed
// event exactly once (by its id header), on its aggregate type's topic, each
// aggregate's events numbered 1, 2, … in offset order up to the last one
// committed, and nothing else.
func checkOutbox(recs []record, l *outboxLedger, topicOf func(agg int) string) (problems []string, seen int) {
	report := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	byAgg := map[int][]outboxEvent{}
	ids := map[string]int{}
	for _, r := range recs {
		id, ev, err := parseOutboxRecord(r)
		if err != nil {
			report("%v", err)
			continue
		}
		ids[id]++
		if ids[id] == 2 {
			report("event %s (agg-%d #%d) delivered more than once", id, ev.agg, ev.n)
		}
		if want := topicOf(ev.agg); ev.topic != want {
			report("event %s (agg-%d #%d) on topic %s, want %s", id, ev.agg, ev.n, ev.topic, want)
		}
		byAgg[ev.agg] = append(byAgg[ev.agg], ev)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Lost events are counted by kind: those whose row the writer deleted
	// apart, as a snapshot taken after the delete cannot read them (see
	// TestPostgresOutboxCrashExactlyOnce).
	var lost, lostGone []string
	for id, ev := range l.ids {
		if ids[id] == 0 {
			if ev.gone {
				lostGone = append(lostGone, fmt.Sprintf("%s (agg-%d #%d)", id, ev.agg, ev.n))
			} else {
				lost = append(lost, fmt.Sprintf("%s (agg-%d #%d)", id, ev.agg, ev.n))
			}
		}
	}
	for _, x := range [][]string{lost, lostGone} {
		sort.Strings(x)
	}
	if len(lost) > 0 {
		report("%d events lost, e.g. %s", len(lost), strings.Join(lost[:min(5, len(lost))], ", "))
	}
	if len(lostGone) > 0 {
		report("%d events lost whose row the writer deleted (in the inserting transaction or later), from %s to %s", len(lostGone), lostGone[0], lostGone[len(lostGone)-1])
	}
	for id := range ids {
		if _, ok := l.ids[id]; !ok {
			report("event %s was never committed", id)
		}
	}
	// Each aggregate's events in offset order are its committed events in
	// order, but for the lost ones reported above (so one loss is not
	// reported again as a gap).
	missing := map[[2]int]bool{}
	for id, ev := range l.ids {
		if ids[id] == 0 {
			missing[[2]int{ev.agg, ev.n}] = true
		}
	}
	for a := range outboxAggregates {
		evs := byAgg[a]
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].offset < evs[j].offset })
		want := 0
		for _, ev := range evs {
			want++
			for missing[[2]int{a, want}] {
				want++
			}
			if ev.n != want {
				report("agg-%d: #%d where #%d was due (duplicate, gap or disorder)", a, ev.n, want)
				break
			}
		}
		for want < l.counts[a] {
			want++
			if !missing[[2]int{a, want}] {
				report("agg-%d: %d events, %d committed", a, len(evs), l.counts[a])
				break
			}
		}
		seen += len(evs)
	}
	return problems, seen
}

// TestPostgresOutboxCrashExactlyOnce routes an outbox table with the
// EventRouter while a writer adds events, kills sluice with SIGKILL during
// the snapshot and at random moments of the workload (and stops it once with
// SIGTERM), restarts it each time, and checks with a read_committed consumer
// that every event arrived exactly once, in order per aggregate.
//
// On PostgreSQL it passes, kills during the snapshot included: a resumed
// snapshot leaves out the rows changed since the slot's start and the
// stream gives every change (connectors/postgres/resume.go), so a row
// inserted and deleted before the resumed snapshot keeps its event.
//
// On MariaDB it fails today (2026-12) on one kind of event and only when a
// kill interrupts the snapshot: the restarted connector reads the rest of
// the table in a new snapshot region and drops the streamed changes that
// region's snapshot already contains, which keeps each row's state exact but
// loses the events of a row inserted and deleted (the usual outbox cleanup,
// in the same transaction or later) before that snapshot: the row is in
// neither. The checker names these losses apart from any other.
func TestPostgresOutboxCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("obcrash")
	slot := prefix
	table := prefix + ".outbox"
	dropSlot(t, slot)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, "CREATE TABLE "+table+" (id uuid PRIMARY KEY, aggregatetype varchar(255) NOT NULL, aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, payload jsonb)")

	l := newOutboxLedger()
	if _, err := pg.CopyFrom(context.Background(), pgx.Identifier{prefix, "outbox"}, []string{"id", "aggregatetype", "aggregateid", "type", "payload"}, pgx.CopyFromRows(outboxPrepopulate(l))); err != nil {
		t.Fatal(err)
	}
	wpg := pgConn(t)
	run := func(stmts ...string) error {
		ctx := context.Background()
		tx, err := wpg.Begin(ctx)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				_ = tx.Rollback(ctx)
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return tx.Commit(ctx)
	}
	runOutboxCrash(t, prefix, pgConfig(t, prefix, slot, table), table, l, run)
}

// runOutboxCrash runs the outbox crash test on a prepopulated outbox table
// captured by connector config cfg: the EventRouter routes its events to
// <prefix>.events.<aggregate type>, a writer adds events through run while
// sluice is killed during the snapshot (if it is still running), three
// times while the writer works, and stopped once, and then the events read
// with read_committed are checked against the ledger.
func runOutboxCrash(t *testing.T, prefix string, cfg map[string]string, table string, l *outboxLedger, run func(...string) error) {
	topicOf := func(a int) string { return prefix + ".events." + outboxAggType(a) }
	var topics []string
	for a := range 3 {
		topics = append(topics, topicOf(a))
	}
	deleteTopicsAfter(t, topics...)
	var seen atomic.Int64
	c := newConsumerWith(t, func(record) { seen.Add(1) }, topics...)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg["snapshot.fetch.size"] = "1000"
	cfg["sluice.batch.max.events"] = "500"
	for k, v := range map[string]string{
		"transforms":                                  "outbox",
		"transforms.outbox.type":                      "io.debezium.transforms.outbox.EventRouter",
		"transforms.outbox.route.by.field":            "aggregatetype",
		"transforms.outbox.route.topic.replacement":   prefix + ".events.${routedByValue}",
		"transforms.outbox.table.expand.json.payload": "true",
	} {
		cfg[k] = v
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}

	// The writer starts once the first event is read: the connector's
	// start position (the slot, the binlog position) is fixed by then.
	// Before it, an event whose row is deleted before the snapshot reads
	// the table is lost to any capture (Debezium's too).
	deadline := time.Now().Add(90 * time.Second)
	for seen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); outboxWriter(t, run, table, l, stop) }()
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
		t.Logf("%s #%d at %d events read", how, kills, seen.Load())
		d = startDaemon(t, dataDir)
	}
	for seen.Load() < 3000 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if seen.Load() >= outboxPrepopulated {
		t.Logf("the snapshot was read before the first kill (%d events)", seen.Load())
	}
	restart("SIGKILL") // during the snapshot, when it is still running
	for range 3 {
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		restart("SIGKILL")
	}
	time.Sleep(time.Second)
	restart("SIGTERM")
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	var problems []string
	var n int
	deadline = time.Now().Add(2 * time.Minute)
	for {
		recs := c.settle(2 * time.Second)
		problems, n = checkOutbox(recs, l, topicOf)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	l.mu.Lock()
	committed := len(l.ids)
	l.mu.Unlock()
	t.Logf("outbox crash test: %d SIGKILLs + 1 SIGTERM; %d events committed, %d read", kills, committed, n)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestMariaDBOutboxCrashExactlyOnce is the MariaDB counterpart: the outbox
// table's id a CHAR(36), its payload JSON. Unlike the PostgreSQL test's
// comment says of both, it passes on MariaDB since the resumed snapshot
// reads the binlog from the first run's coordinate before reading on
// (connectors/mysql/resume.go): no event of a row inserted and deleted
// while the snapshot was interrupted is lost.
func TestMariaDBOutboxCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("mobcrash")
	db := prefix
	table := db + ".outbox"
	myDatabase(t, db)
	my := myConn(t)
	myExec(t, my, "USE "+db,
		"CREATE TABLE "+table+" (id CHAR(36) PRIMARY KEY, aggregatetype VARCHAR(255) NOT NULL, aggregateid VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL, payload JSON)")
	l := newOutboxLedger()
	rows := outboxPrepopulate(l)
	for len(rows) > 0 {
		chunk := rows[:min(1000, len(rows))]
		rows = rows[len(chunk):]
		var vals []string
		for _, r := range chunk {
			vals = append(vals, fmt.Sprintf("('%s', '%s', '%s', '%s', '%s')", r...))
		}
		myExec(t, my, "INSERT INTO "+table+" VALUES "+strings.Join(vals, ", "))
	}
	wmy := myConn(t)
	run := func(stmts ...string) error {
		for _, s := range append(append([]string{"BEGIN"}, stmts...), "COMMIT") {
			if _, err := wmy.Execute(s); err != nil {
				_, _ = wmy.Execute("ROLLBACK")
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}
	runOutboxCrash(t, prefix, myConfig(t, prefix, db), table, l, run)
}

// TestOutboxCheckerCatchesFaults gives the outbox checker a lost event, a
// duplicate, two events swapped, an event on the wrong topic and an event
// never committed, so its verdict is known to be able to fail.
func TestOutboxCheckerCatchesFaults(t *testing.T) {
	topicOf := func(a int) string { return "p.events." + outboxAggType(a) }
	good := func() ([]record, *outboxLedger) {
		l := newOutboxLedger()
		var recs []record
		offsets := map[string]int64{}
		for i := range 30 {
			a := i % 4
			l.counts[a]++
			id := l.eventID()
			l.ids[id] = outboxEvent{agg: a, n: l.counts[a]}
			tp := topicOf(a)
			recs = append(recs, record{Topic: tp, Offset: offsets[tp], Key: []byte(fmt.Sprintf(`"agg-%d"`, a)),
				Value: []byte(fmt.Sprintf(`{"agg":"agg-%d","n":%d}`, a, l.counts[a])), Headers: map[string]string{"id": id}})
			offsets[tp]++
		}
		return recs, l
	}
	recs, l := good()
	if p, n := checkOutbox(recs, l, topicOf); len(p) != 0 || n != 30 {
		t.Fatalf("clean run: %d events, problems %v", n, p)
	}
	for name, f := range map[string]func([]record) []record{
		"lost": func(r []record) []record { return r[1:] },
		"duplicate": func(r []record) []record {
			d := r[5]
			d.Offset = 1000
			return append(r, d)
		},
		"swapped": func(r []record) []record {
			r[0].Offset, r[4].Offset = r[4].Offset, r[0].Offset // agg-0 #1 and #2
			return r
		},
		"wrong topic": func(r []record) []record { r[2].Topic = "p.events.Elsewhere"; return r },
		"never committed": func(r []record) []record {
			x := r[3]
			x.Offset, x.Headers = 1000, map[string]string{"id": "ffffffff-0000-4000-8000-000000000000"}
			return append(r, x)
		},
	} {
		recs, l := good()
		if p, _ := checkOutbox(f(recs), l, topicOf); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}
