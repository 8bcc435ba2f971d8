//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBinlogBytesBehindMariaDB checks sluice_binlog_bytes_behind against a
// real MariaDB: small once the connector has caught up, growing by at least
// the binlog written while the connector is stopped (it is read whether
// the task runs or not), small again after a resume; and, once the
// server has purged the file of the connector's position, a status warning
// that names the fix.
func TestBinlogBytesBehindMariaDB(t *testing.T) {
	admin := myConn(t)
	db := uniq("bb")
	myDatabase(t, db)
	myExec(t, admin, "CREATE TABLE "+db+".t (id int PRIMARY KEY, pad text)", "INSERT INTO "+db+".t VALUES (1, 'a'), (2, 'b')")
	prefix := uniq("bb")
	topic := prefix + "." + db + ".t"
	deleteTopicsAfter(t, prefix+".schemahistory", prefix, topic)
	d := startDaemon(t, t.TempDir())
	cfg := myConfig(t, prefix, db)
	cfg["sluice.binlog.check.interval.ms"] = "200"
	c := newConsumer(t, topic)
	name := prefix
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	d.waitTaskState(t, name, "RUNNING", time.Minute)
	c.waitCount(t, 2, time.Minute)
	myExec(t, admin, "INSERT INTO "+db+".t VALUES (3, 'c')")
	c.waitCount(t, 3, time.Minute)
	const mib = 1 << 20
	behind := func() float64 { t.Helper(); return d.series(t, "sluice_binlog_bytes_behind", name, "") }
	waitFor(t, 30*time.Second, "sluice_binlog_bytes_behind once caught up", func() bool { b := behind(); return b >= 0 && b < 4*mib })

	if code, b := d.do(t, "PUT", "/connectors/"+name+"/stop", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	d.waitTaskState(t, name, "STOPPED", 30*time.Second)
	b0 := behind()
	pos := func() int64 {
		t.Helper()
		r, err := admin.Execute("SHOW MASTER STATUS")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := r.GetInt(0, 1)
		return n
	}
	p0 := pos()
	for i := 0; i < 4; i++ {
		myExec(t, admin, fmt.Sprintf("INSERT INTO %s.t SELECT seq + %d, REPEAT('x', 1000) FROM %s.seq_1_to_500", db, 1000*(i+1), db))
	}
	written := pos() - p0
	if written < mib {
		t.Fatalf("wrote %d bytes of binlog, want at least 1 MiB (did the binlog rotate?)", written)
	}
	waitFor(t, 30*time.Second, "sluice_binlog_bytes_behind to grow while stopped", func() bool { return behind() >= b0+float64(written) })
	t.Logf("behind while stopped: %.0f bytes (%.0f before, %d written)", behind(), b0, written)

	if code, b := d.do(t, "PUT", "/connectors/"+name+"/resume", nil); code != 202 {
		t.Fatalf("resume: %d %s", code, b)
	}
	c.waitCount(t, 3+2000, time.Minute)
	waitFor(t, 30*time.Second, "sluice_binlog_bytes_behind to fall after the resume", func() bool { b := behind(); return b >= 0 && b < float64(written) })

	// The server purges the file of the connector's position.
	if code, b := d.do(t, "PUT", "/connectors/"+name+"/stop", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	d.waitTaskState(t, name, "STOPPED", 30*time.Second)
	myExec(t, admin, "FLUSH BINARY LOGS")
	r, err := admin.Execute("SHOW MASTER STATUS")
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := r.GetString(0, 0)
	var st status
	waitFor(t, 30*time.Second, "a warning of the purged binlog", func() bool {
		// A file a dump thread still reads is not purged: the stopped
		// connector's may linger a moment.
		myExec(t, admin, "PURGE BINARY LOGS TO '"+cur+"'")
		st = d.status(t, name)
		return len(st.Warnings) == 1 && strings.Contains(st.Warnings[0], "purged the binlog file")
	})
	t.Logf("warning: %s", st.Warnings[0])
	if behind() != -1 {
		t.Errorf("sluice_binlog_bytes_behind = %v with the position's file purged, want none", behind())
	}
}
