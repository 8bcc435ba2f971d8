//go:build integration

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
)

// Read-only incremental snapshots (read.only=true, docs/configuration.md
// "Incremental snapshots" → "Read-only"): the connector's database user has
// only the grants a read-only replica user has, signals come through Kafka,
// and an execute-snapshot of a table runs while a writer (the admin)
// changes it. Every row is read, every change arrives once and in order
// (checkIncremental), the connector stays RUNNING with no privilege error
// in its log, and the server shows no write by that user.

// readOnlyDenied are log texts of a write refused for want of a privilege
// (MariaDB, Postgres) or in a read-only transaction (Postgres).
var readOnlyDenied = []string{"command denied", "Access denied", "permission denied", "read-only transaction", "must be owner"}

// checkNoDenied fails t when the daemon's log holds a refused write.
func checkNoDenied(t *testing.T, d *daemon) {
	t.Helper()
	logs := d.logs.String()
	for _, s := range readOnlyDenied {
		if strings.Contains(logs, s) {
			t.Errorf("the log has %q:\n%s", s, tail(logs, 30))
		}
	}
}

// myAdminExec runs sql as MariaDB's admin at a test's cleanup, when t
// can no longer fail; errors are ignored.
func myAdminExec(sql string) {
	c, err := client.Connect(myAddr, myUser, myPass, "")
	if err != nil {
		return
	}
	defer c.Close()
	_, _ = c.Execute(sql)
}

// startWriter runs write until the stop it returns is called, which waits
// for it (and runs at the test's end if the test has not called it).
func startWriter(t *testing.T, write func(stop <-chan struct{}, paused *atomic.Bool)) (stop func()) {
	ch := make(chan struct{})
	var paused atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); write(ch, &paused) }()
	var once sync.Once
	stop = func() { once.Do(func() { close(ch) }); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

// readOnlySignal sends an execute-snapshot of table through the Kafka
// channel.
func readOnlySignal(kafka func(key, value string), prefix, table string) {
	kafka(prefix, fmt.Sprintf(`{"id":"ro-1","type":"execute-snapshot","data":{"data-collections":["%s"],"type":"incremental"}}`, table))
}

// TestMariaDBReadOnlyIncremental: the user has SELECT, REPLICATION SLAVE
// and REPLICATION CLIENT only; the server's user statistics (userstat)
// show it inserted, updated and deleted no row, wrote no binlog byte and
// ran no update command.
func TestMariaDBReadOnlyIncremental(t *testing.T) {
	prefix := uniq("rdonly")
	db, table, user := prefix, prefix+".items", prefix
	myDatabase(t, db)
	admin := myConn(t)
	myExec(t, admin, "USE "+db, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, seq INT NOT NULL, pad VARCHAR(100))")
	if myQueryInt(t, admin, "SELECT @@global.userstat") == 0 {
		myExec(t, admin, "SET GLOBAL userstat = 1")
		t.Cleanup(func() { myAdminExec("SET GLOBAL userstat = 0") })
	}
	myExec(t, admin,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY 'ro-pass'", user),
		fmt.Sprintf("GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '%s'@'%%'", user))
	t.Cleanup(func() { myAdminExec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })
	deleteHeartbeatTopicsAtEnd(t, prefix)
	sigTopic := prefix + "-sig"
	kafka := signalTopic(t, sigTopic)

	cfg := myConfig(t, prefix, db)
	cfg["database.user"], cfg["database.password"] = user, "ro-pass"
	cfg["table.include.list"] = table
	cfg["snapshot.mode"] = "no_data"
	cfg["read.only"] = "true"
	cfg["signal.enabled.channels"] = "kafka"
	cfg["signal.kafka.topic"] = sigTopic
	cfg["sluice.batch.max.events"] = "3000"

	topic := prefix + "." + table
	const marker = crashNewIDBase - 1
	var readIDs sync.Map
	var nReads atomic.Int64
	c := newConsumerWith(t, func(r record) {
		if id, ev, err := parseCrashRecord(r); err == nil && ev.op == 'r' && (id <= crashPrepopulated || id == marker) {
			if _, dup := readIDs.LoadOrStore(id, true); !dup {
				nReads.Add(1)
			}
		}
	}, topic)
	d := startDaemon(t, t.TempDir())
	// A value read.only does not take is refused at registration.
	bad := map[string]string{}
	for k, v := range cfg {
		bad[k] = v
	}
	bad["read.only"] = "yes"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix + "-bad", "config": bad}); code != 400 || !strings.Contains(string(body), "read.only") {
		t.Errorf("read.only=yes: %d %s, want 400 naming read.only", code, body)
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)

	myExec(t, admin, fmt.Sprintf("INSERT INTO %s VALUES (%d, 0, 'marker')", table, marker))
	c.waitCount(t, 1, 30*time.Second)
	h := newHistory()
	h.seqs[marker] = 0
	myExec(t, admin, fmt.Sprintf("INSERT INTO %s SELECT seq, 0, REPEAT('x', 60) FROM seq_1_to_%d", table, crashPrepopulated))
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	c.waitCount(t, crashPrepopulated+1, 2*time.Minute)

	wmy := myConn(t)
	stop := startWriter(t, func(stop <-chan struct{}, paused *atomic.Bool) { mysqlWriter(t, wmy, table, h, stop, paused) })
	time.Sleep(500 * time.Millisecond)
	readOnlySignal(kafka, prefix, table)
	for deadline := time.Now().Add(5 * time.Minute); nReads.Load() < crashPrepopulated+1; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not end: %d of %d rows read\n%s", nReads.Load(), crashPrepopulated+1, tail(d.logs.String(), 30))
		}
	}
	time.Sleep(time.Second)
	stop()

	var problems []string
	var stats map[string]int
	for end := time.Now().Add(2 * time.Minute); ; {
		problems, stats = checkIncremental(c.settle(2*time.Second), h, crashPrepopulated)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("task %s: %s", st, trace)
	}
	checkNoDenied(t, d)
	d.term(t)

	r, err := admin.Execute(fmt.Sprintf("SELECT ROWS_INSERTED, ROWS_UPDATED, ROWS_DELETED, BINLOG_BYTES_WRITTEN, ACCESS_DENIED, SELECT_COMMANDS, UPDATE_COMMANDS FROM INFORMATION_SCHEMA.USER_STATISTICS WHERE USER = '%s'", user))
	if err != nil || len(r.Values) != 1 {
		t.Fatalf("user statistics of %s: %v (%d rows)", user, err, len(r.Values))
	}
	var us [7]int64
	for i := range us {
		us[i], _ = r.GetInt(0, i)
	}
	t.Logf("MariaDB read-only snapshot: %d records %v; user %s: rows inserted %d, updated %d, deleted %d, binlog bytes %d, access denied %d, selects %d, update commands %d",
		c.count(), stats, user, us[0], us[1], us[2], us[3], us[4], us[5], us[6])
	// The one denial allowed is a read: SHOW SLAVE HOSTS at start
	// (checkReplicaIDs; MariaDB wants REPLICATION MASTER ADMIN for it).
	if us[0]+us[1]+us[2]+us[3]+us[6] != 0 || us[4] > 1 || us[5] == 0 {
		t.Errorf("user %s wrote or was denied something (or was not counted): %v", user, us)
	}
}

// TestPostgresReadOnlyIncremental: the role has LOGIN, REPLICATION and
// SELECT on the table only, every transaction it opens is read-only
// (default_transaction_read_only), and the publication is the admin's
// (publication.autocreate.mode=disabled); with a watermark of visibility a
// row changed while its chunk is read may have the change instead of its
// read (readOrChanged).
func TestPostgresReadOnlyIncremental(t *testing.T) {
	prefix := uniq("rdonly")
	slot, table, role := prefix, prefix+".items", prefix
	pg := pgConn(t)
	mustExec(t, pg, "CREATE ROLE "+role+" LOGIN REPLICATION PASSWORD 'ro-pass'")
	t.Cleanup(func() {
		c := pgConn(t)
		_, _ = c.Exec(context.Background(), "DROP OWNED BY "+role)
		_, _ = c.Exec(context.Background(), "DROP ROLE "+role)
	})
	dropSlot(t, slot)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, "CREATE TABLE "+table+" (id bigint PRIMARY KEY, seq int NOT NULL, pad text)")
	mustExec(t, pg, "CREATE PUBLICATION "+slot+"_pub FOR TABLE "+table)
	mustExec(t, pg, "GRANT USAGE ON SCHEMA "+prefix+" TO "+role)
	mustExec(t, pg, "GRANT SELECT ON "+table+" TO "+role)
	mustExec(t, pg, "ALTER ROLE "+role+" SET default_transaction_read_only = on")
	var writable bool
	if err := pg.QueryRow(context.Background(), `SELECT has_table_privilege($1, $2, 'INSERT, UPDATE, DELETE, TRUNCATE')
		OR has_schema_privilege($1, $3, 'CREATE') OR has_database_privilege($1, current_database(), 'CREATE')`, role, table, prefix).Scan(&writable); err != nil || writable {
		t.Fatalf("role %s may write (%v)", role, err)
	}
	sigTopic := prefix + "-sig"
	kafka := signalTopic(t, sigTopic)

	topic := prefix + "." + table
	deleteTopicsAfter(t, topic)
	var reads atomic.Int64
	c := newConsumerWith(t, func(r record) {
		if id, ev, err := parseCrashRecord(r); err == nil && ev.op == 'r' && id <= crashPrepopulated {
			reads.Add(1)
		}
	}, topic)
	cfg := pgConfig(t, prefix, slot, table)
	cfg["database.user"], cfg["database.password"] = role, "ro-pass"
	cfg["publication.autocreate.mode"] = "disabled"
	cfg["snapshot.mode"] = "no_data"
	cfg["read.only"] = "true"
	cfg["signal.enabled.channels"] = "kafka"
	cfg["signal.kafka.topic"] = sigTopic
	cfg["sluice.batch.max.events"] = "3000"
	cfg["status.update.interval.ms"] = "500"
	d := startDaemon(t, t.TempDir())
	bad := map[string]string{}
	for k, v := range cfg {
		bad[k] = v
	}
	bad["incremental.snapshot.watermarking.strategy"] = "delete_delete"
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix + "-bad", "config": bad}); code != 400 || !strings.Contains(string(body), "incremental.snapshot.watermarking.strategy") {
		t.Errorf("watermarking.strategy=delete_delete: %d %s, want 400 naming the key", code, body)
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	hbWaitSlot(t, pgConn(t), slot)
	mustExec(t, pg, fmt.Sprintf("INSERT INTO %s SELECT g, 0, repeat('x', 60) FROM generate_series(1, %d) g", table, crashPrepopulated))
	c.waitCount(t, crashPrepopulated, 2*time.Minute)

	h := newHistory()
	for id := int64(1); id <= crashPrepopulated; id++ {
		h.seqs[id] = 0
	}
	wpg := pgConn(t)
	stop := startWriter(t, func(stop <-chan struct{}, paused *atomic.Bool) { writer(t, wpg, table, h, stop, paused) })
	time.Sleep(500 * time.Millisecond)
	readOnlySignal(kafka, prefix, table)
	done := func() bool { return strings.Contains(d.logs.String(), "incremental snapshot of table done") }
	for deadline := time.Now().Add(5 * time.Minute); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot did not finish: %d of %d rows read\n%s", reads.Load(), crashPrepopulated, tail(d.logs.String(), 30))
		}
	}
	time.Sleep(time.Second)
	stop()

	var problems []string
	var stats map[string]int
	for end := time.Now().Add(2 * time.Minute); ; {
		recs := c.settle(2 * time.Second)
		problems, stats = checkIncremental(recs, h, 0)
		problems = append(problems, readOrChanged(recs, crashPrepopulated, -1)...)
		if len(problems) == 0 || time.Now().After(end) {
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("task %s: %s", st, trace)
	}
	checkNoDenied(t, d)
	d.term(t)
	// Nothing of the database is the role's: no publication, table or
	// schema (a slot has no owner).
	var owned int
	if err := pg.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM pg_publication WHERE pubowner = $1::regrole)
		+ (SELECT count(*) FROM pg_class WHERE relowner = $1::regrole) + (SELECT count(*) FROM pg_namespace WHERE nspowner = $1::regrole)`, role).Scan(&owned); err != nil || owned != 0 {
		t.Errorf("role %s owns %d objects (%v)", role, owned, err)
	}
	t.Logf("Postgres read-only snapshot: %d records, %d reads: %v", c.count(), reads.Load(), stats)
}
