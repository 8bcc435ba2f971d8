//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The incremental snapshot's signals and edge cases on both sources, one
// connector each (snapshot.mode=no_data, chunks of 3 rows), step by step:
//   - execute-snapshot through the Kafka channel with additional-conditions
//     (golden transcript: testdata/{postgres,mariadb}_incremental_edges.golden);
//   - each snapshot signal through each channel (source table, Kafka topic,
//     REST): execute-snapshot, pause-snapshot (no row while paused),
//     resume-snapshot, stop-snapshot with data-collections (the rows read
//     are the table's first, in order), then execute-snapshot of another
//     table (all its rows);
//   - execute-snapshot with a surrogate-key on a table without a primary
//     key, while a writer updates rows, changes their surrogate key and
//     deletes them (checkSurrogateReads: no stale read, every row once);
//   - execute-snapshot of a table without a primary key and no
//     surrogate-key: refused with a log line naming surrogate-key, the
//     connector RUNNING (Debezium skips such a table with a warning);
//   - execute-snapshot of a table outside table.include.list: ignored with a
//     warning (Debezium queues it, then skips it with a warning);
//   - a table dropped while it waits in the (paused) queue: skipped with a
//     warning, the table before it read;
//   - stop-snapshot without data-collections: the whole snapshot ends;
//   - TRUNCATE of the table during its snapshot: no row of before the
//     TRUNCATE is emitted after it, and the connector does not reconnect.
// The log signal is covered by signals_test.go, crashes during a snapshot
// by incremental_crash_test.go and incremental_mysql_test.go.

// incEdgeDB is what the edge-case test needs of a database.
type incEdgeDB struct {
	ns string // the tables' schema or database
	// conn opens a connection of its own and returns a func that runs a
	// statement on it.
	conn func() func(sql string)
	fill func(exec func(string), table string, n int, v string) // inserts ids 1..n with v || id
	// keyless is run for each table without a primary key (%s: its name).
	keyless string
	cfg     map[string]string // the connector's config (without signals)
	golden  string            // the transcript of the first step's records
	prefix  string
}

func TestIncrementalEdgesPostgres(t *testing.T) {
	prefix := uniq("incedge")
	slot := prefix
	messageDB(t, prefix)
	dropSlot(t, slot)
	root := pgConn(t)
	conn := func() func(string) {
		cc, err := pgx.ParseConfig(pgDSN)
		if err != nil {
			t.Fatal(err)
		}
		cc.Database = prefix
		c, err := pgx.ConnectConfig(context.Background(), cc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return func(sql string) { mustExec(t, c, sql) }
	}
	conn()("CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	cfg := pgConfig(t, prefix, slot, `public\.(items|nopk|nokey|gone|big|trunc)`)
	cfg["database.dbname"] = prefix
	cfg["signal.data.collection"] = "public.debezium_signal"
	runIncEdges(t, incEdgeDB{
		ns:   "public",
		conn: conn,
		fill: func(exec func(string), table string, n int, v string) {
			exec(fmt.Sprintf("INSERT INTO public.%s SELECT g, '%s' || g FROM generate_series(1, %d) g", table, v, n))
		},
		// Without a key the stream has no old row of an UPDATE or DELETE
		// (Postgres refuses them, sluice's prerequisites too), so such a
		// table needs REPLICA IDENTITY FULL (or an index as its replica
		// identity, which is then its key).
		keyless: "ALTER TABLE %s REPLICA IDENTITY FULL",
		cfg:     cfg,
		golden:  "postgres_incremental_edges.golden",
		prefix:  prefix,
	}, func() { hbWaitSlot(t, root, slot) })
}

func TestIncrementalEdgesMariaDB(t *testing.T) {
	prefix := uniq("incedge")
	db := prefix
	myDatabase(t, db)
	conn := func() func(string) {
		c := myConn(t)
		myExec(t, c, "USE "+db) // the seq_ tables are in every database
		return func(sql string) { myExec(t, c, sql) }
	}
	conn()("CREATE TABLE " + db + ".debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))")
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = db + `\.(items|nopk|nokey|gone|big|trunc)`
	cfg["signal.data.collection"] = db + ".debezium_signal"
	runIncEdges(t, incEdgeDB{
		ns:   db,
		conn: conn,
		fill: func(exec func(string), table string, n int, v string) {
			exec(fmt.Sprintf("INSERT INTO %s.%s SELECT seq, CONCAT('%s', seq) FROM seq_1_to_%d", db, table, v, n))
		},
		cfg:    cfg,
		golden: "mariadb_incremental_edges.golden",
		prefix: prefix,
	}, func() {})
}

func runIncEdges(t *testing.T, db incEdgeDB, ready func()) {
	prefix, ns := db.prefix, db.ns
	exec := db.conn()
	q := func(tb string) string { return ns + "." + tb }
	for _, tb := range []string{"items", "gone", "big", "trunc", "outside"} {
		exec("CREATE TABLE " + q(tb) + " (id INT PRIMARY KEY, v VARCHAR(40))")
	}
	// A nullable UNIQUE column: a NOT NULL one would be a MariaDB table's
	// clustered key, shown as its primary key.
	exec("CREATE TABLE " + q("nopk") + " (uid INT UNIQUE, v VARCHAR(40))")
	exec("CREATE TABLE " + q("nokey") + " (a INT, v VARCHAR(40))")
	if db.keyless != "" {
		exec(fmt.Sprintf(db.keyless, q("nopk")))
		exec(fmt.Sprintf(db.keyless, q("nokey")))
	}
	const nopkRows = 300
	for _, f := range []struct {
		table string
		n     int
	}{{"items", 5}, {"gone", 3}, {"big", 2000}, {"trunc", 1000}, {"outside", 3}, {"nokey", 3}, {"nopk", nopkRows}} {
		db.fill(exec, f.table, f.n, f.table[:1])
	}
	// A row without a surrogate key: no chunk holds it, as none holds it in
	// Debezium's.
	exec("INSERT INTO " + q("nopk") + " VALUES (NULL, 'no key')")

	deleteHeartbeatTopicsAtEnd(t, prefix)
	sigTopic := prefix + "-sig"
	kafka := signalTopic(t, sigTopic)
	cfg := db.cfg
	cfg["snapshot.mode"] = "no_data"
	cfg["signal.enabled.channels"] = "source,kafka"
	cfg["signal.kafka.topic"] = sigTopic
	cfg["incremental.snapshot.chunk.size"] = "3"
	topic := func(tb string) string { return prefix + "." + q(tb) }
	deleteTopicsAfter(t, topic("items"), topic("nopk"), topic("big"), topic("trunc"), topic("gone"))
	consumers := map[string]*consumer{}
	for _, tb := range []string{"items", "nopk", "big", "trunc"} {
		consumers[tb] = newConsumer(t, topic(tb))
	}

	d := startDaemon(t, t.TempDir())
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	ready()
	signal := func(id, typ, data string) {
		exec(fmt.Sprintf("INSERT INTO %s (id, type, data) VALUES ('%s', '%s', '%s')", q("debezium_signal"), id, typ, data))
	}
	running := func(step string) {
		t.Helper()
		if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
			t.Fatalf("%s: task %s: %s", step, st, trace)
		}
	}
	logs := func() string { return d.logs.String() }
	countLog := func(msg, table string) int {
		n := 0
		for _, l := range strings.Split(logs(), "\n") {
			if strings.Contains(l, msg) && strings.Contains(l, table) {
				n++
			}
		}
		return n
	}
	// logsAfter runs action and waits until msg is logged once more on a
	// line that names table.
	logsAfter := func(msg, table string, action func()) {
		t.Helper()
		n := countLog(msg, table)
		action()
		deadline := time.Now().Add(60 * time.Second)
		for countLog(msg, table) <= n {
			if time.Now().After(deadline) {
				t.Fatalf("%q about %q not logged\n%s", msg, table, tail(logs(), 40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	readIDs := func(tb string, recs []record) []int {
		var ids []int
		for _, r := range recs {
			if r.Value == nil {
				continue
			}
			if ir := parseIncRec(t, r); ir.op == "r" {
				if ir.snap != "incremental" {
					t.Errorf("%s: read of %d has source.snapshot %s", tb, ir.id, ir.snap)
				}
				ids = append(ids, ir.id)
			}
		}
		return ids
	}
	const done = "incremental snapshot of table done"

	// 1. The Kafka channel, with an additional condition.
	kafka(prefix, fmt.Sprintf(`{"id":"k-items","type":"execute-snapshot","data":{"data-collections":["%s"],"additional-conditions":[{"data-collection":"%[1]s","filter":"id > 2"}]}}`, q("items")))
	if got := readIDs("items", consumers["items"].waitCount(t, 3, 60*time.Second)); fmt.Sprint(got) != "[3 4 5]" {
		t.Errorf("kafka execute-snapshot with id > 2 read %v, want [3 4 5]", got)
	}
	recs := consumers["items"].snapshot()
	for i := range recs { // MariaDB's binlog coordinates (PG records have none)
		for _, v := range mysqlVolatile {
			recs[i].Value = v.re.ReplaceAll(recs[i].Value, []byte(v.repl))
		}
	}
	transcript(t, db.golden, prefix, recs)

	// 1b. Each snapshot signal through each channel: execute, pause,
	// resume and stop (with data-collections) on big, execute on items.
	nsig := 0
	send := map[string]func(typ, data string){
		"source": func(typ, data string) { nsig++; signal(fmt.Sprintf("s%d", nsig), typ, data) },
		"kafka": func(typ, data string) {
			nsig++
			kafka(prefix, fmt.Sprintf(`{"id":"k%d","type":%q,"data":%s}`, nsig, typ, data))
		},
		"rest": func(typ, data string) {
			nsig++
			body := map[string]any{"id": fmt.Sprintf("r%d", nsig), "type": typ, "data": json.RawMessage(data)}
			if code, resp := d.do(t, "POST", "/connectors/"+prefix+"/signals", body); code != 202 {
				t.Fatalf("POST signals: %d %s", code, resp)
			}
		},
	}
	bigData := fmt.Sprintf(`{"data-collections":["%s"]}`, q("big"))
	big, items := consumers["big"], consumers["items"]
	for _, ch := range []string{"source", "kafka", "rest"} {
		sig := send[ch]
		n := big.count()
		sig("execute-snapshot", bigData)
		big.waitCount(t, n+6, 60*time.Second)
		logsAfter("incremental snapshot paused", "", func() { sig("pause-snapshot", "{}") })
		paused := len(big.settle(time.Second))
		time.Sleep(time.Second)
		if c := big.count(); c != paused {
			t.Errorf("%s: %d rows of big read while paused", ch, c-paused)
		}
		logsAfter("incremental snapshot resumed", "", func() { sig("resume-snapshot", "{}") })
		big.waitCount(t, paused+6, 60*time.Second)
		logsAfter("incremental snapshot stopped", "", func() { sig("stop-snapshot", bigData) })
		stopped := big.settle(time.Second)
		if got := readIDs("big", stopped[n:]); len(got) >= 2000 || !slices.Equal(got, intRange(1, len(got))) {
			t.Errorf("%s: big read %d rows before the stop, not its first ones in order: %v", ch, len(got), got)
		}
		m := items.count()
		sig("execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, q("items")))
		if got := readIDs("items", items.waitCount(t, m+5, 60*time.Second)[m:]); !slices.Equal(got, intRange(1, 5)) {
			t.Errorf("%s: execute-snapshot of items read %v, want 1 to 5", ch, got)
		}
		t.Logf("%s channel: big paused after %d rows, stopped after %d", ch, paused-n, len(stopped)-n)
	}

	// 2. A surrogate key on a table without a primary key, while a writer
	// changes its rows.
	writer := db.conn()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		surrogateWriter(writer, q("nopk"), nopkRows, stop)
	}()
	var stopOnce sync.Once
	stopWriter := func() { stopOnce.Do(func() { close(stop) }); wg.Wait() }
	t.Cleanup(stopWriter) // before the writer's connection closes
	signalled := time.Now().UnixMilli()
	logsAfter(done, q("nopk"), func() {
		signal("sk-nopk", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"],"surrogate-key":"uid"}`, q("nopk")))
	})
	stopWriter()
	if problems, reads, dropped := checkSurrogateReads(consumers["nopk"].settle(2*time.Second), nopkRows, signalled); len(problems) > 0 {
		t.Errorf("surrogate-key snapshot of nopk (%d reads):\n%s", reads, strings.Join(problems, "\n"))
	} else {
		t.Logf("surrogate-key snapshot: %d reads, %d records, %d reads given way to a change in their window", reads, consumers["nopk"].count(), dropped)
	}
	running("surrogate key")

	// 3. No primary key and no surrogate-key: refused, the connector runs on.
	logsAfter("incremental snapshot of a table refused; the table is skipped", q("nokey"), func() {
		signal("nokey", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, q("nokey")))
	})
	if !strings.Contains(logs(), "surrogate-key") {
		t.Errorf("the refusal does not name surrogate-key")
	}
	running("no key")

	// 4. A table outside table.include.list: ignored with a warning.
	logsAfter("execute-snapshot signal matches no captured table; nothing is queued", "outside", func() {
		signal("outside", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, q("outside")))
	})

	// 5. A table dropped while it waits in the (paused) queue: skipped;
	// the table before it is read.
	logsAfter("incremental snapshot paused", "", func() { signal("pause", "pause-snapshot", "{}") })
	logsAfter("incremental snapshot queued", "", func() {
		signal("gone", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s", "%s"]}`, q("items"), q("gone")))
	})
	exec("DROP TABLE " + q("gone"))
	m := items.count()
	signal("resume", "resume-snapshot", "{}")
	if got := readIDs("items", items.waitCount(t, m+5, 60*time.Second)[m:]); !slices.Equal(got, intRange(1, 5)) {
		t.Errorf("items after the resume: read %v, want [1 2 3 4 5]", got)
	}
	skipped := func() string {
		for _, l := range strings.Split(logs(), "\n") {
			if strings.Contains(l, q("gone")) && (strings.Contains(l, "table not found; skipped") || strings.Contains(l, "refused; the table is skipped")) {
				return l
			}
		}
		return ""
	}
	deadline := time.Now().Add(30 * time.Second)
	for skipped() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the dropped table was not skipped with a log line\n%s", tail(logs(), 30))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("dropped table: %s", skipped())
	running("dropped table")

	// 6. stop-snapshot without data-collections ends the whole snapshot.
	n := big.count()
	signal("big", "execute-snapshot", bigData)
	big.waitCount(t, n+20, 60*time.Second)
	logsAfter("incremental snapshot stopped", "", func() { signal("stop-all", "stop-snapshot", `{"type":"incremental"}`) })
	stopped := len(readIDs("big", big.settle(2 * time.Second)[n:]))
	if stopped >= 2000 {
		t.Errorf("stop-snapshot: all %d rows of big read", stopped)
	}
	t.Logf("stop-snapshot after %d rows of big", stopped)

	// 7. TRUNCATE during the table's snapshot, then new rows: no row of
	// before the TRUNCATE is read after it.
	logsAfter(done, q("trunc"), func() {
		signal("trunc", "execute-snapshot", fmt.Sprintf(`{"data-collections":["%s"]}`, q("trunc")))
		consumers["trunc"].waitCount(t, 10, 60*time.Second)
		exec("TRUNCATE TABLE " + q("trunc"))
		exec("INSERT INTO " + q("trunc") + " VALUES (5001, 'after'), (5002, 'after')")
	})
	recs = consumers["trunc"].settle(2 * time.Second)
	after := false
	for _, r := range recs {
		if r.Value == nil {
			continue
		}
		ir := parseIncRec(t, r)
		if ir.op == "c" && ir.id == 5001 {
			after = true
		}
		if after && ir.op == "r" && ir.id <= 1000 {
			t.Errorf("row %d read after the TRUNCATE", ir.id)
		}
	}
	if !after {
		t.Errorf("the insert after the TRUNCATE was not streamed")
	}
	t.Logf("truncate after %d of 1000 rows read", len(readIDs("trunc", recs)))
	// A MariaDB chunk read that the TRUNCATE overtook (ER_TABLE_DEF_CHANGED)
	// is read again, not taken for a lost connection.
	for _, l := range strings.Split(logs(), "\n") {
		switch {
		case strings.Contains(l, "the chunk is read again"):
			t.Logf("daemon: %s", l)
		case strings.Contains(l, "level=ERROR") || strings.Contains(l, "connection lost"):
			t.Errorf("daemon: %s", l)
		}
	}
	running("truncate")
	d.term(t)
}

// intRange returns from, from+1, ..., to.
func intRange(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// surrogateWriter changes rows of table (uid 1..n) until stop: it updates
// v, moves a row's uid above every key read (uid + 100000), or deletes it,
// one row per transaction.
func surrogateWriter(exec func(string), table string, n int, stop <-chan struct{}) {
	moved := map[int]bool{}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
		uid := 1 + rand.IntN(n)
		if moved[uid] {
			continue
		}
		switch p := rand.IntN(10); {
		case p < 6:
			exec(fmt.Sprintf("UPDATE %s SET v = 'w%d' WHERE uid = %d", table, i, uid))
		case p < 8:
			exec(fmt.Sprintf("UPDATE %s SET uid = uid + 100000 WHERE uid = %d", table, uid))
			moved[uid] = true
		default:
			exec(fmt.Sprintf("DELETE FROM %s WHERE uid = %d", table, uid))
			moved[uid] = true
		}
	}
}

// checkSurrogateReads checks the records of the surrogate-key table (rows
// uid 1..n with v "n<uid>" before the connector started, then
// surrogateWriter's changes), in topic order: every read is of a row that
// exists with the value the changes streamed before it left (no stale
// read, no read of a row whose uid moved or that was deleted), and each
// row of 1..n that still has its uid at the end is read exactly once (the
// others at most once), or not at all when a change of it committed after
// the snapshot was signalled (since, ms): a row changed during its chunk's
// window gets only its change (docs/capture-core.md 3.2, as in DBLog). The
// changes' source.ts_ms is compared with since less a second (MySQL's
// binlog times are whole seconds).
func checkSurrogateReads(recs []record, n int, since int64) (problems []string, reads, dropped int) {
	type row struct {
		UID *int   `json:"uid"`
		V   string `json:"v"`
	}
	state := map[int]string{}
	for uid := 1; uid <= n; uid++ {
		state[uid] = fmt.Sprintf("n%d", uid)
	}
	count := map[int]int{}
	changedLate := map[int]bool{}
	bad := func(f string, a ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(f, a...))
		}
	}
	for i, r := range recs {
		if r.Value == nil {
			continue
		}
		var v struct {
			Op     string `json:"op"`
			Before *row   `json:"before"`
			After  *row   `json:"after"`
			Source struct {
				TsMs int64 `json:"ts_ms"`
			} `json:"source"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			bad("record %d: %v", i, err)
			continue
		}
		if v.Before != nil && v.Before.UID != nil {
			if _, ok := state[*v.Before.UID]; !ok {
				bad("record %d (%s): before uid %d does not exist", i, v.Op, *v.Before.UID)
			}
			if v.Op != "r" {
				delete(state, *v.Before.UID)
			}
		}
		if v.After == nil {
			continue
		}
		if v.After.UID == nil {
			if v.Op == "r" {
				bad("record %d: read of a row without a surrogate key (%q)", i, v.After.V)
			}
			continue
		}
		uid := *v.After.UID
		switch v.Op {
		case "r":
			reads++
			count[uid]++
			if cur, ok := state[uid]; !ok || cur != v.After.V {
				bad("record %d: read of uid %d with %q, but it is %q (exists %v): a stale read", i, uid, v.After.V, cur, ok)
			}
		case "c", "u":
			state[uid] = v.After.V
			if v.Source.TsMs >= since-1000 {
				changedLate[uid] = true
			}
		}
	}
	for uid := 1; uid <= n; uid++ {
		_, exists := state[uid]
		switch {
		case exists && count[uid] == 0 && changedLate[uid]:
			dropped++ // its read gave way to a change in its chunk's window
		case exists && count[uid] != 1:
			bad("uid %d read %d times, want once", uid, count[uid])
		case count[uid] > 1:
			bad("uid %d read %d times", uid, count[uid])
		}
	}
	return problems, reads, dropped
}

// TestSurrogateCheckerCatchesFaults: checkSurrogateReads accepts a clean
// history and reports a stale read, a read after a key change, a repeated
// read and a missing one.
func TestSurrogateCheckerCatchesFaults(t *testing.T) {
	const since = 10_000 // the snapshot's signal, ms
	rec := func(op string, before, after string) record {
		return record{Value: []byte(fmt.Sprintf(`{"op":%q,"before":%s,"after":%s,"source":{"ts_ms":%d}}`, op, before, after, since))}
	}
	early := func(r record) record {
		r.Value = []byte(strings.Replace(string(r.Value), fmt.Sprintf(`"ts_ms":%d`, since), `"ts_ms":5000`, 1))
		return r
	}
	good := []record{
		rec("r", "null", `{"uid":1,"v":"n1"}`),
		rec("u", `{"uid":2,"v":"n2"}`, `{"uid":2,"v":"w1"}`),
		rec("r", "null", `{"uid":2,"v":"w1"}`),
		rec("u", `{"uid":3,"v":"n3"}`, `{"uid":100003,"v":"n3"}`),
	}
	if p, _, _ := checkSurrogateReads(good, 3, since); len(p) != 0 {
		t.Fatalf("clean history: %v", p)
	}
	// uid 2's read dropped for its change in the window: accepted.
	if p, _, dropped := checkSurrogateReads([]record{good[0], good[1], good[3]}, 3, since); len(p) != 0 || dropped != 1 {
		t.Fatalf("a read dropped for a change after the signal: %v, %d dropped", p, dropped)
	}
	for name, recs := range map[string][]record{
		"stale read":      {good[0], good[1], rec("r", "null", `{"uid":2,"v":"n2"}`), good[3]},
		"read after move": {good[0], good[1], good[2], good[3], rec("r", "null", `{"uid":3,"v":"n3"}`)},
		"repeated read":   {good[0], good[0], good[1], good[2], good[3]},
		"missing read":    {good[1], good[2], good[3]},
		"missing read, its change before the signal": {good[0], early(good[1]), good[3]},
		"read of no key": {good[0], good[1], good[2], good[3], rec("r", "null", `{"uid":null,"v":"x"}`)},
	} {
		if p, _, _ := checkSurrogateReads(recs, 3, since); len(p) == 0 {
			t.Errorf("%s: not detected", name)
		}
	}
}
