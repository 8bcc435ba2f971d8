//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// messageDB creates a database of its own for a test that emits logical
// decoding messages (every slot of a database sees them, so the shared test
// database would show them to other tests) and returns its name and a
// connection to it.
func messageDB(t *testing.T, name string) *pgx.Conn {
	t.Helper()
	root := pgConn(t)
	mustExec(t, root, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), pgDSN)
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	cc, err := pgx.ParseConfig(pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	cc.Database = name
	c, err := pgx.ConnectConfig(context.Background(), cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// messageEmitter emits logical decoding messages from one session, in
// turn: a transactional one with an insert, a non-transactional one, and a
// non-transactional one directly before a COMMIT (its LSN is the commit's).
// It records the contents of the messages that were committed (the
// non-transactional ones count as soon as the call returned), in WAL order.
type messageEmitter struct {
	mu      sync.Mutex
	emitted []string
	rows    int
}

func (m *messageEmitter) run(t *testing.T, pg *pgx.Conn, table string, stop <-chan struct{}) {
	ctx := context.Background()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		var err error
		switch n % 3 {
		case 0:
			c := fmt.Sprintf("tx-%d", n)
			err = pgx.BeginFunc(ctx, pg, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT pg_logical_emit_message(true, 'e2e', $1::text)", c); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO "+table+" VALUES ($1)", n)
				return err
			})
			if err == nil {
				m.add(c, 1)
			}
		case 1:
			c := fmt.Sprintf("nt-%d", n)
			if _, err = pg.Exec(ctx, "SELECT pg_logical_emit_message(false, 'e2e', $1::text)", c); err == nil {
				m.add(c, 0)
			}
		case 2:
			c := fmt.Sprintf("adj-%d", n)
			var tx pgx.Tx
			if tx, err = pg.Begin(ctx); err != nil {
				break
			}
			if _, err = tx.Exec(ctx, "INSERT INTO "+table+" VALUES ($1)", n); err != nil {
				_ = tx.Rollback(ctx)
				break
			}
			if _, err = tx.Exec(ctx, "SELECT pg_logical_emit_message(false, 'e2e', $1::text)", c); err != nil {
				_ = tx.Rollback(ctx)
				break
			}
			m.add(c, 0) // in the WAL whatever the transaction does
			// Give the daemon time to commit a batch that ends with the
			// message (nothing else is ready), so that kills often find the
			// checkpoint at a message whose LSN the next commit shares.
			time.Sleep(15 * time.Millisecond)
			if err = tx.Commit(ctx); err == nil {
				m.add("", 1)
			}
		}
		if err != nil {
			t.Errorf("emitter: %v", err)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (m *messageEmitter) add(content string, rows int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if content != "" {
		m.emitted = append(m.emitted, content)
	}
	m.rows += rows
}

// checkMessages compares the message records read with what was emitted:
// every message exactly once, in emission order, without headers. It
// returns the problems.
func checkMessages(recs []record, emitted []string) []string {
	var problems []string
	var got []string
	for _, r := range recs {
		var k struct {
			Prefix string `json:"prefix"`
		}
		var v struct {
			Op      string `json:"op"`
			Message struct {
				Prefix  string `json:"prefix"`
				Content []byte `json:"content"`
			} `json:"message"`
		}
		if err := json.Unmarshal(r.Key, &k); err != nil || json.Unmarshal(r.Value, &v) != nil {
			problems = append(problems, fmt.Sprintf("record %q / %q is not a message record", r.Key, r.Value))
			continue
		}
		if k.Prefix != "e2e" || v.Op != "m" || v.Message.Prefix != "e2e" {
			problems = append(problems, fmt.Sprintf("record key %s value %s", r.Key, r.Value))
		}
		if len(r.Headers) != 0 && len(problems) < 20 {
			// Debezium writes message records without any header.
			problems = append(problems, fmt.Sprintf("record with headers %v", r.Headers))
		}
		got = append(got, string(v.Message.Content))
	}
	seen := map[string]int{}
	for _, c := range got {
		seen[c]++
	}
	want := map[string]bool{}
	for _, c := range emitted {
		want[c] = true
		if seen[c] == 0 && len(problems) < 20 {
			problems = append(problems, "lost message "+c)
		}
	}
	for c, n := range seen {
		if n > 1 && len(problems) < 20 {
			problems = append(problems, fmt.Sprintf("message %s %d times", c, n))
		}
		if !want[c] && len(problems) < 20 {
			problems = append(problems, "message "+c+" was never emitted")
		}
	}
	if len(problems) == 0 && strings.Join(got, ",") != strings.Join(emitted, ",") {
		problems = append(problems, fmt.Sprintf("messages out of order:\n got %v\nwant %v", got, emitted))
	}
	return problems
}

// TestCheckMessagesCatchesFaults shows that checkMessages reports a lost, a
// repeated, an unknown and a reordered message, and a record with headers.
func TestCheckMessagesCatchesFaults(t *testing.T) {
	rec := func(c string) record {
		v, _ := json.Marshal(map[string]any{"op": "m", "message": map[string]any{"prefix": "e2e", "content": []byte(c)}})
		return record{Key: []byte(`{"prefix":"e2e"}`), Value: v}
	}
	emitted := []string{"a", "b", "c"}
	for name, recs := range map[string][]record{
		"lost":      {rec("a"), rec("c")},
		"repeated":  {rec("a"), rec("b"), rec("b"), rec("c")},
		"unknown":   {rec("a"), rec("b"), rec("c"), rec("d")},
		"reordered": {rec("b"), rec("a"), rec("c")},
		"headers":   {rec("a"), {Key: rec("b").Key, Value: rec("b").Value, Headers: map[string]string{"__debezium.context.taskId": "0"}}, rec("c")},
	} {
		if len(checkMessages(recs, emitted)) == 0 {
			t.Errorf("%s: no problem reported", name)
		}
	}
	if p := checkMessages([]record{rec("a"), rec("b"), rec("c")}, emitted); len(p) != 0 {
		t.Errorf("correct records: %v", p)
	}
}

// TestPostgresMessagesExactlyOnce runs a connector through a real `sluice
// serve` while one session emits logical decoding messages (transactional,
// non-transactional, non-transactional directly before a commit) and rows,
// kills the daemon with SIGKILL at random moments and once with SIGTERM,
// and reads <prefix>.message with read_committed: every message exactly
// once, in order, with the rows exactly once too.
func TestPostgresMessagesExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("msgs")
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	table := "public.items"
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")

	msgs := newConsumer(t, prefix+".message")
	rows := newConsumer(t, prefix+"."+table)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := pgConfig(t, prefix, slot, table)
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["sluice.batch.max.events"] = "50"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	// Messages written before the slot exists are not captured: wait for it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the connector created no slot")
		}
		time.Sleep(50 * time.Millisecond)
	}

	em := &messageEmitter{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); em.run(t, pg, table, stop) }()

	kills := 0
	for i := 0; i < 4; i++ {
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		d.kill()
		kills++
		t.Logf("SIGKILL #%d at %d message records", kills, msgs.count())
		d = startDaemon(t, dataDir)
	}
	time.Sleep(time.Second)
	d.term(t)
	t.Logf("SIGTERM at %d message records", msgs.count())
	d = startDaemon(t, dataDir)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()

	em.mu.Lock()
	emitted, wantRows := append([]string(nil), em.emitted...), em.rows
	em.mu.Unlock()
	var problems []string
	deadline = time.Now().Add(2 * time.Minute)
	for {
		problems = checkMessages(msgs.settle(2*time.Second), emitted)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	// Rows: each id exactly once (inserts only).
	ids := map[int]int{}
	for _, r := range rows.settle(time.Second) {
		var k struct {
			ID int `json:"id"`
		}
		if err := json.Unmarshal(r.Key, &k); err != nil {
			t.Fatalf("row key %q: %v", r.Key, err)
		}
		ids[k.ID]++
	}
	dups := 0
	for _, n := range ids {
		if n > 1 {
			dups++
		}
	}
	if len(ids) != wantRows || dups != 0 {
		t.Errorf("rows: %d distinct ids (%d repeated), want %d exactly once", len(ids), dups, wantRows)
	}
	t.Logf("messages: %d SIGKILLs + 1 SIGTERM; %d messages and %d rows emitted, %d message records read",
		kills, len(emitted), wantRows, msgs.count())
}

// TestPostgresMessagesAvro writes message records with the Avro converter:
// subjects <prefix>.message-key / -value, and key and value decode from the
// registry alone into Debezium's MessageKey / MessageValue.
func TestPostgresMessagesAvro(t *testing.T) {
	needRegistry(t)
	prefix := uniq("msgavro")
	pg := messageDB(t, prefix)
	dropSlot(t, prefix)
	mustExec(t, pg, "CREATE TABLE public.t (id int PRIMARY KEY)")
	topic := prefix + ".message"
	deleteSubjectsAtEnd(t, topic)
	c := newConsumer(t, topic)

	d := startDaemon(t, t.TempDir())
	cfg := pgConfig(t, prefix, prefix, "public.t")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	avroConverters(cfg)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := pg.QueryRow(context.Background(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no slot")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustExec(t, pg, `SELECT pg_logical_emit_message(false, 'avro', '\x00ff'::bytea)`)
	recs := c.waitCount(t, 1, 30*time.Second)

	dec := newAvroDecoder()
	kid, key := dec.mustDecode(t, recs[0].Key)
	vid, value := dec.mustDecode(t, recs[0].Value)
	if got := jsonText(t, avroPlain(key)); got != `{"prefix":"avro"}` {
		t.Errorf("key %s", got)
	}
	v := avroPlain(value).(map[string]any)
	if v["op"] != "m" || jsonText(t, v["message"]) != `{"content":"AP8=","prefix":"avro"}` || v["transaction"] != nil {
		t.Errorf("value %s", jsonText(t, v))
	}
	src, _ := v["source"].(map[string]any)
	if src["schema"] != "" || src["table"] != "" || src["txId"] != nil || src["name"] != prefix {
		t.Errorf("source %s", jsonText(t, src))
	}
	if kid != subjectVersionID(t, topic+"-key", 1) || vid != subjectVersionID(t, topic+"-value", 1) {
		t.Errorf("schema ids %d/%d are not the subjects' %s-key/-value version 1", kid, vid, topic)
	}
	_, text, err := dec.schema(vid)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"io.debezium.connector.postgresql.MessageValue"`, `"io.debezium.connector.postgresql.Message"`, `"io.debezium.connector.postgresql.Source"`} {
		if !strings.Contains(text, name) {
			t.Errorf("value schema lacks the record name %s:\n%s", name, text)
		}
	}
}
