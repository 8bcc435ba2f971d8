//go:build integration

package mysql

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIntegrationIncludeQuery: with include.query each streamed row change
// carries the statement that made it in source.query (MariaDB's
// ANNOTATE_ROWS, on by default in 10.11), as real Debezium 3.5.0 writes it
// ("query":"INSERT INTO t1 VALUES (2,'b',0,2.5)" was measured); without it
// source.query is null.
func TestIntegrationIncludeQuery(t *testing.T) {
	e := newMyEnv(t, "incq")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
	st := e.open(e.config(map[string]string{"include.query": "true", "snapshot.mode": "no_data"}), nil, Knobs{})
	quiet(t, st, 300*time.Millisecond)
	e.exec("INSERT INTO t VALUES (1, 10), (2, 20)", "BEGIN", "UPDATE t SET v = v + 1 WHERE id = 1", "DELETE FROM t WHERE id = 2", "COMMIT")
	evs := next(t, st, 4)
	want := []string{"INSERT INTO t VALUES (1, 10), (2, 20)", "INSERT INTO t VALUES (1, 10), (2, 20)",
		"UPDATE t SET v = v + 1 WHERE id = 1", "DELETE FROM t WHERE id = 2"}
	for i, ev := range evs {
		if got := ev.Source[16]; got != want[i] {
			t.Errorf("event %d (%s): source.query = %v, want %q", i, ev.Op, got, want[i])
		}
	}

	e2 := newMyEnv(t, "noq")
	e2.exec("CREATE TABLE t (id INT PRIMARY KEY)")
	st2 := e2.open(e2.config(map[string]string{"snapshot.mode": "no_data"}), nil, Knobs{})
	quiet(t, st2, 300*time.Millisecond)
	e2.exec("INSERT INTO t VALUES (1)")
	if ev := next(t, st2, 1)[0]; ev.Source[16] != nil {
		t.Errorf("include.query=false: source.query = %v", ev.Source[16])
	}
}

// TestIntegrationGTIDSourceExcludes writes rows under two GTID sources
// (MariaDB domain-server: the server's own, and a session with
// server_id=4242) and checks that gtid.source.excludes leaves out the
// rows of the excluded one, gtid.source.includes keeps only the included
// one, and gtid.source.filter.dml.events=false keeps all.
func TestIntegrationGTIDSourceExcludes(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys map[string]string
		want []int64
	}{
		{"excludes", map[string]string{"gtid.source.excludes": "0-4242"}, []int64{1, 3}},
		{"includes", map[string]string{"gtid.source.includes": "0-4242"}, []int64{2}},
		{"dml_false", map[string]string{"gtid.source.excludes": "0-4242", "gtid.source.filter.dml.events": "false"}, []int64{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newMyEnv(t, "gtid"+tc.name)
			e.exec("CREATE TABLE t (id INT PRIMARY KEY)")
			tc.keys["snapshot.mode"] = "no_data"
			st := e.open(e.config(tc.keys), nil, Knobs{})
			quiet(t, st, 300*time.Millisecond)
			e.exec("INSERT INTO t VALUES (1)")
			e.exec("SET SESSION server_id = 4242", "INSERT INTO t VALUES (2)")
			e.exec("SET SESSION server_id = @@GLOBAL.server_id", "INSERT INTO t VALUES (3)")
			// Rows 4 (source 0-4242) and 5 (the server's own) mark the end:
			// read until one of them.
			e.exec("SET SESSION server_id = 4242", "INSERT INTO t VALUES (4)", "SET SESSION server_id = @@GLOBAL.server_id", "INSERT INTO t VALUES (5)")
			var got []int64
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for {
				ev, err := st.Next(ctx)
				if err != nil {
					t.Fatalf("after %v: %v", got, err)
				}
				if ev.Message != nil {
					continue
				}
				id := idOf(ev)
				if id >= 4 {
					break
				}
				got = append(got, id)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIntegrationSSLModes: the env's MariaDB has no TLS (have_ssl
// DISABLED), so required fails at once with the fix, and preferred falls
// back to a plain connection for the queries and the binlog dump.
func TestIntegrationSSLModes(t *testing.T) {
	e := newMyEnv(t, "ssl")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY)")
	for _, mode := range []string{"required", "trust", "verify_ca", "verify_identity"} {
		cfg := e.config(map[string]string{"database.ssl.mode": mode})
		_, err := NewSource(cfg, testLogger(t)).Open(context.Background(), nil)
		var pe *PrerequisiteError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "does not offer TLS") || !strings.Contains(err.Error(), "database.ssl.mode=preferred or disabled") {
			t.Errorf("%s against a server without TLS: %v", mode, err)
		}
	}
	st := e.open(e.config(map[string]string{"database.ssl.mode": "preferred", "snapshot.mode": "no_data"}), nil, Knobs{})
	quiet(t, st, 300*time.Millisecond)
	e.exec("INSERT INTO t VALUES (7)")
	if ev := next(t, st, 1)[0]; idOf(ev) != 7 {
		t.Errorf("preferred: %v", ev.After)
	}
	st.Close() // the next stream reads the binlog with the same server id
	// The MySQL connector class defaults to preferred, as Debezium's.
	my := e.config(map[string]string{"connector.class": MySQLClass, "snapshot.mode": "no_data"})
	if my.SSLMode != SSLPreferred {
		t.Fatalf("MySQL class ssl mode %q", my.SSLMode)
	}
	st2 := e.open(my, nil, Knobs{})
	quiet(t, st2, 300*time.Millisecond)
	e.exec("INSERT INTO t VALUES (8)")
	if ev := next(t, st2, 1)[0]; idOf(ev) != 8 {
		t.Errorf("MySQL class, preferred: %v", ev.After)
	}
}

// TestIntegrationSnapshotLockingExtended: with extended the global read
// lock is held while the snapshot reads (a write times out), with minimal
// it is not; after the snapshot writes go through again.
func TestIntegrationSnapshotLockingExtended(t *testing.T) {
	for _, mode := range []string{"extended", "minimal"} {
		t.Run(mode, func(t *testing.T) {
			e := newMyEnv(t, "lock"+mode)
			e.exec("CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t SELECT seq FROM seq_1_to_300")
			// A small queue and chunk keep the snapshot open while the test
			// writes.
			st := e.open(e.config(map[string]string{"snapshot.locking.mode": mode, "snapshot.fetch.size": "10"}), nil, Knobs{QueueEvents: 5})
			next(t, st, 1)
			e.exec("SET SESSION lock_wait_timeout = 1")
			_, err := e.admin.Execute("INSERT INTO t VALUES (1000)")
			if mode == "extended" && (err == nil || !strings.Contains(strings.ToLower(err.Error()), "lock wait timeout")) {
				t.Errorf("a write during an extended snapshot: %v, want a lock wait timeout", err)
			}
			if mode == "minimal" && err != nil {
				t.Errorf("a write during a minimal snapshot: %v", err)
			}
			next(t, st, 299) // the rest of the snapshot
			if _, err := e.admin.Execute("INSERT INTO t VALUES (1001)"); err != nil {
				t.Errorf("a write after the snapshot: %v", err)
			}
		})
	}
}
