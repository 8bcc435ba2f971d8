//go:build integration

package mysql

import (
	"testing"
	"time"
)

// TestIntegrationResumeAfterSecondServerInDomain: once a second server id
// has written in the checkpoint's GTID domain (another writer, a failover),
// the executed set holds two GTIDs of that domain, which MariaDB refuses as
// a dump start (ERROR 1943, duplicate domain id). The stream resumes from
// the domain's newest GTID and reads the next change.
func TestIntegrationResumeAfterSecondServerInDomain(t *testing.T) {
	e := newMyEnv(t, "gtiddomain")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY)")
	cfg := func() Config {
		return e.config(map[string]string{"snapshot.mode": "no_data", "include.schema.changes": "false"})
	}
	st := e.open(cfg(), nil, Knobs{})
	quiet(t, st, 300*time.Millisecond)
	e.exec("INSERT INTO t VALUES (1)")
	e.exec("SET SESSION server_id = 4242", "INSERT INTO t VALUES (2)")
	e.exec("SET SESSION server_id = @@GLOBAL.server_id", "INSERT INTO t VALUES (3)")
	evs := next(t, st, 3)
	if got := idOf(evs[2]); got != 3 {
		t.Fatalf("third row %d, want 3", got)
	}
	st.Close()
	cp := evs[2].Pos
	st = e.open(cfg(), &cp, Knobs{})
	e.exec("INSERT INTO t VALUES (4)")
	if got := idOf(next(t, st, 1)[0]); got != 4 {
		t.Fatalf("after the resume: row %d, want 4", got)
	}
}
