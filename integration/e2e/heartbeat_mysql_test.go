//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// hbBinlogEnd returns the server's current binlog file and position.
func hbBinlogEnd(t *testing.T) (string, uint64) {
	t.Helper()
	r, err := myConn(t).Execute("SHOW MASTER STATUS")
	if err != nil || len(r.Values) == 0 {
		t.Fatalf("SHOW MASTER STATUS: %v", err)
	}
	file, _ := r.GetString(0, 0)
	pos, _ := r.GetUint(0, 1)
	return file, pos
}

// TestMariaDBHeartbeatsMoveCheckpointWhileIdle: with heartbeat.interval.ms
// set and the captured database idle, writes to an uncaptured database
// move the connector's checkpoint (its offsets' file/pos pass them),
// heartbeat records reach a read_committed consumer on
// __debezium-heartbeat.<topic.prefix>, heartbeat.action.query runs once per
// heartbeat, and after a SIGKILL and restart from a heartbeat checkpoint the
// captured rows are each seen exactly once.
func TestMariaDBHeartbeatsMoveCheckpointWhileIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test with kills skipped in -short mode")
	}
	const interval = time.Second
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	db, other := prefix, prefix+"_other"
	myDatabase(t, db)
	myDatabase(t, other)
	c := myConn(t)
	myExec(t, c,
		"CREATE TABLE "+db+".t (id INT PRIMARY KEY)",
		"CREATE TABLE "+db+".hb (id INT AUTO_INCREMENT PRIMARY KEY, ts DATETIME(3) NOT NULL)",
		"CREATE TABLE "+other+".bulk (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(200))",
		// The connector's user may write the action query's table only.
		"GRANT INSERT ON "+db+".hb TO 'sluice'@'127.0.0.1'")
	t.Cleanup(func() {
		if _, err := c.Execute("REVOKE INSERT ON " + db + ".hb FROM 'sluice'@'127.0.0.1'"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	hbs := newConsumer(t, "__debezium-heartbeat."+prefix)
	rows := newConsumer(t, prefix+"."+db+".t")

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = db + ".t"
	cfg["heartbeat.interval.ms"] = fmt.Sprint(interval.Milliseconds())
	cfg["heartbeat.action.query"] = "INSERT INTO " + db + ".hb (ts) VALUES (NOW(3))"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)

	want := []int{}
	insert := func(ids ...int) {
		for _, id := range ids {
			myExec(t, c, fmt.Sprintf("INSERT INTO %s.t VALUES (%d)", db, id))
			want = append(want, id)
		}
	}
	insert(1, 2, 3)
	rows.waitCount(t, 3, 30*time.Second)
	hbs.waitCount(t, 2, 10*interval)

	// Writes to the uncaptured database, the captured one idle.
	for i := 0; i < 200; i++ {
		myExec(t, c, fmt.Sprintf("INSERT INTO %s.bulk (pad) VALUES (REPEAT('x', 200))", other))
	}
	file, pos := hbBinlogEnd(t)
	t.Logf("binlog at %s:%d after the writes to %s", file, pos, other)

	// The checkpoint passes them within a few heartbeats.
	deadline := time.Now().Add(15 * interval)
	for {
		code, body := d.do(t, "GET", "/connectors/"+prefix+"/offsets", nil)
		if code != 200 {
			t.Fatalf("offsets: %d %s", code, body)
		}
		var o struct {
			Offsets []struct {
				Offset struct {
					File string  `json:"file"`
					Pos  float64 `json:"pos"`
					Row  float64 `json:"row"`
				} `json:"offset"`
			} `json:"offsets"`
		}
		if err := json.Unmarshal(body, &o); err != nil || len(o.Offsets) != 1 {
			t.Fatalf("offsets %s: %v", body, err)
		}
		off := o.Offsets[0].Offset
		if off.File > file || off.File == file && uint64(off.Pos) >= pos {
			t.Logf("checkpoint %s", body)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint %s did not pass the writes to the uncaptured database (%s:%d) in %s", body, file, pos, 15*interval)
		}
		time.Sleep(interval / 4)
	}

	n := hbs.count()
	recs := hbs.waitCount(t, n+3, 10*interval)
	for _, h := range hbParseRecords(t, recs) {
		if h.ServerName != prefix {
			t.Errorf("heartbeat serverName %q, want %q", h.ServerName, prefix)
		}
	}
	hbRows := myQueryInt(t, c, "SELECT COUNT(*) FROM "+db+".hb")
	t.Logf("%d heartbeat records, %d action query rows", len(recs), hbRows)
	if hbRows < int64(len(recs))/2 {
		t.Errorf("heartbeat.action.query ran %d times for %d heartbeats", hbRows, len(recs))
	}

	// SIGKILL with the checkpoint at a heartbeat; the restart resumes there.
	d.kill()
	insert(4, 5)
	d = startDaemon(t, dataDir)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	insert(6)
	rows.waitCount(t, len(want), 30*time.Second)
	if p := hbCheckRowsOnce(rows.settle(2*time.Second), want); len(p) != 0 {
		t.Errorf("captured rows: %s", strings.Join(p, "; "))
	}
	hbs.waitCount(t, hbs.count()+2, 10*interval)
	d.term(t)
}

// TestMariaDBHeartbeatCrashExactlyOnce: heartbeats every 100 ms between
// captured inserts and writes to an uncaptured database, with SIGKILLs at
// random moments and one SIGTERM: a read_committed consumer sees every
// committed captured row exactly once.
func TestMariaDBHeartbeatCrashExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	prefix := uniq("heartbeat")
	deleteHeartbeatTopicsAtEnd(t, prefix)
	db, other := prefix, prefix+"_other"
	myDatabase(t, db)
	myDatabase(t, other)
	c := myConn(t)
	myExec(t, c,
		"CREATE TABLE "+db+".t (id INT PRIMARY KEY)",
		"CREATE TABLE "+other+".bulk (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(200))")
	rows := newConsumer(t, prefix+"."+db+".t")
	hbs := newConsumer(t, "__debezium-heartbeat."+prefix)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = db + ".t"
	cfg["heartbeat.interval.ms"] = "100"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbs.waitCount(t, 1, 30*time.Second) // streaming

	w := myConn(t)
	var committed []int
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := 1; ; id++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := w.Execute(fmt.Sprintf("INSERT INTO %s.t VALUES (%d)", db, id)); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			committed = append(committed, id)
			if _, err := w.Execute("INSERT INTO " + other + ".bulk (pad) VALUES (REPEAT('y', 200)), (REPEAT('z', 200))"); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		}
	}()

	kills := 0
	for i := 0; i < 4; i++ {
		time.Sleep(time.Duration(700+rand.IntN(1500)) * time.Millisecond)
		d.kill()
		kills++
		t.Logf("SIGKILL #%d at %d rows, %d heartbeats", kills, rows.count(), hbs.count())
		d = startDaemon(t, dataDir)
	}
	time.Sleep(time.Second)
	d.term(t)
	t.Logf("SIGTERM at %d rows, %d heartbeats", rows.count(), hbs.count())
	d = startDaemon(t, dataDir)
	time.Sleep(time.Second)
	close(stop)
	<-done

	var problems []string
	deadline := time.Now().Add(time.Minute)
	for {
		problems = hbCheckRowsOnce(rows.settle(2*time.Second), committed)
		if len(problems) == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("%d rows committed, %d records read, %d heartbeats", len(committed), rows.count(), hbs.count())
	for i, p := range problems {
		if i == 20 {
			break
		}
		t.Error(p)
	}
	if hbs.count() < 10 {
		t.Errorf("only %d heartbeat records", hbs.count())
	}
	d.term(t)
}
