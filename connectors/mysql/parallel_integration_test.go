//go:build integration

package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// countRows returns SELECT COUNT(*) of table on q.
func countRows(t *testing.T, q *client.Conn, table string) int64 {
	t.Helper()
	r, err := q.Execute("SELECT COUNT(*) FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := r.GetInt(0, 0)
	return n
}

// TestIntegrationJoinSnapshot: the connections of a parallel snapshot start
// their transactions at the stream's binlog coordinate under the global
// read lock, and see the same rows after the lock is gone and writes go
// on; without the lock, a write between the starts makes the stream's
// transaction start again at a later coordinate, which they all share.
func TestIntegrationJoinSnapshot(t *testing.T) {
	e := newMyEnv(t, "join")
	e.exec("CREATE TABLE a (id INT PRIMARY KEY, v INT)", "INSERT INTO a SELECT seq, seq FROM seq_1_to_100")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	table := e.db + ".a"

	for _, locked := range []bool{true, false} {
		t.Run(fmt.Sprintf("locked=%v", locked), func(t *testing.T) {
			conns, err := openWorkers(ctx, &cfg, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer closeAll(conns)
			main, workers := conns[0], conns[1:]
			if locked {
				if _, err := main.Execute("FLUSH TABLES WITH READ LOCK"); err != nil {
					t.Fatal(err)
				}
			}
			at, err := startConsistent(main, true)
			if err != nil || at.File == "" {
				t.Fatalf("main: %v at %v", err, at)
			}
			if !locked {
				// Committed after main's start, before the workers'.
				e.exec("INSERT INTO " + table + " VALUES (1000, 0)")
			}
			got, ok, err := joinSnapshot(main, workers, at, true, locked)
			if err != nil || !ok {
				t.Fatalf("join: ok %v, %v", ok, err)
			}
			if locked != (got == at) {
				t.Fatalf("joined at %v, main started at %v (locked %v)", got, at, locked)
			}
			if locked {
				if _, err := main.Execute("UNLOCK TABLES"); err != nil {
					t.Fatal(err)
				}
			}
			e.exec("INSERT INTO "+table+" VALUES (2000, 0)", "DELETE FROM "+table+" WHERE id = 5")
			want := countRows(t, main, table)
			for i, q := range conns {
				if p, err := snapshotCoordinate(q); err != nil || p != got {
					t.Errorf("conn %d at %v (%v), want %v", i, p, err, got)
				}
				if n := countRows(t, q, table); n != want {
					t.Errorf("conn %d sees %d rows, main %d", i, n, want)
				}
			}
			rollbackAll(conns)
			e.exec("DELETE FROM " + table + " WHERE id >= 1000")
		})
	}
}

// TestIntegrationSplitBounds: a table's key ranges cut it at the keys of the
// rows at k·rows/n (by a numeric key, by a string key in byte order, by a
// two-column key), drop bounds past the last row when the estimate is too
// high, and the range chunk queries read every row once, in key order.
func TestIntegrationSplitBounds(t *testing.T) {
	e := newMyEnv(t, "split")
	e.exec("CREATE TABLE n (id INT PRIMARY KEY, v INT)", "INSERT INTO n SELECT seq, seq FROM seq_1_to_1000",
		"CREATE TABLE s (k VARCHAR(10) PRIMARY KEY)", "INSERT INTO s SELECT CONCAT(CHAR(97 + seq % 26), seq) FROM seq_1_to_200",
		"INSERT INTO s VALUES ('A0'), ('Z0')",
		"CREATE TABLE m (a INT, b VARCHAR(5), PRIMARY KEY (a, b))", "INSERT INTO m SELECT seq DIV 10, CONCAT('x', seq MOD 10) FROM seq_0_to_399")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := connect(ctx, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	describe := func(name string) *tableInfo {
		id := change.TableID{Namespace: e.db, Name: name}
		model, err := readModel(q, e.db, name)
		if err != nil {
			t.Fatal(err)
		}
		ti, err := describeTable(ctx, q, id, 0, cfg.Types, model)
		if err != nil || ti == nil {
			t.Fatalf("describe %s: %v", name, err)
		}
		return ti
	}
	// s's key at offset 101 in byte order, computed here.
	skeys := []string{"A0", "Z0"}
	for i := 1; i <= 200; i++ {
		skeys = append(skeys, fmt.Sprintf("%c%d", 97+i%26, i))
	}
	slices.Sort(skeys)
	sBound := skeys[101]
	cases := []struct {
		table string
		rows  int64
		n     int
		want  string // the bounds, each key joined by "|"
		total int
	}{
		{"n", 1000, 4, "[251 501 751]", 1000},
		{"n", 2000, 4, "[501]", 1000}, // offsets 1000 and 1500 are past the end
		{"n", 1000, 1, "[]", 1000},
		{"s", 202, 2, "[" + sBound + "]", 202}, // byte order: 'A0' and 'Z0' sort first
		{"m", 400, 4, "[10|x0 20|x0 30|x0]", 400},
	}
	for _, c := range cases {
		tab := describe(c.table)
		bounds, err := splitBounds(q, tab, c.n, c.rows)
		if err != nil {
			t.Fatal(err)
		}
		var bs []string
		for _, b := range bounds {
			bs = append(bs, strings.Join(b, "|"))
		}
		if got := fmt.Sprint(bs); got != c.want && !(got == "[]" && c.want == "[]") {
			t.Errorf("%s rows %d n %d: bounds %s, want %s", c.table, c.rows, c.n, got, c.want)
		}
		// Every range read in chunks of 7: each row once, in key order.
		kinds := tab.keyKinds()
		var all [][]string
		for i := 0; i <= len(bounds); i++ {
			var lo, hi []string
			if i > 0 {
				lo = bounds[i-1]
			}
			if i < len(bounds) {
				hi = bounds[i]
			}
			after := lo
			for {
				var res gomysql.Result
				n := 0
				err := q.ExecuteSelectStreaming(rangeChunkQuery(tab, after, hi, 7), &res, func(vals []gomysql.FieldValue) error {
					key := make([]string, len(tab.Key))
					for i, k := range tab.Key {
						b, _ := FieldText(vals[k])
						key[i] = string(b)
					}
					if lo != nil && kinds.Compare(key, lo) <= 0 || hi != nil && kinds.Compare(key, hi) > 0 {
						t.Errorf("%s: key %v outside range (%v, %v]", c.table, key, lo, hi)
					}
					all = append(all, key)
					after = key
					n++
					return nil
				}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if n < 7 {
					break
				}
			}
		}
		if len(all) != c.total {
			t.Errorf("%s: ranges read %d rows, want %d", c.table, len(all), c.total)
		}
		for i := 1; i < len(all); i++ {
			if kinds.Compare(all[i-1], all[i]) >= 0 {
				t.Errorf("%s: key %v read after %v", c.table, all[i], all[i-1])
			}
		}
	}
}

// TestIntegrationParallelSnapshotResume: a snapshot on four connections
// splits a large table into key ranges and reads the small ones beside it;
// interrupted, with rows changed, inserted and deleted while it is down, it
// resumes each range after its cursor and gives every row that was there
// at its origin once, as it was then, marks its first and last rows, and
// then streams every change once, in commit order.
func TestIntegrationParallelSnapshotResume(t *testing.T) {
	for _, firstThreads := range []string{"4", "1"} {
		t.Run("first run threads="+firstThreads, func(t *testing.T) { parallelResume(t, firstThreads) })
	}
}

// parallelResume is TestIntegrationParallelSnapshotResume whose first run
// reads on firstThreads connections (1: a sequential checkpoint resumed in
// parallel, its table in progress as one range).
func parallelResume(t *testing.T, firstThreads string) {
	e := newMyEnv(t, "parres")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
		"INSERT INTO t SELECT seq, 0 FROM seq_1_to_2000",
		"ANALYZE TABLE t",
		"CREATE TABLE u (id INT PRIMARY KEY, v INT)",
		"INSERT INTO u SELECT seq, 0 FROM seq_1_to_30",
		"CREATE TABLE w (k VARCHAR(10) PRIMARY KEY, v INT)",
		"INSERT INTO w VALUES ('B', 0), ('a', 0), ('c', 0)")
	cfg := e.config(map[string]string{"snapshot.fetch.size": "50", "snapshot.max.threads": firstThreads})
	st := e.open(cfg, nil, Knobs{QueueEvents: 8})
	first := next(t, st, 700)
	cp := first[len(first)-1].Pos
	st.Close()
	if first[0].Source[srcSnapshotIdx] != "first" {
		t.Errorf("first row marked %v", first[0].Source[srcSnapshotIdx])
	}
	var state cpState
	if err := json.Unmarshal(cp.State, &state); err != nil || (state.Par == nil) != (firstThreads == "1") {
		t.Fatalf("checkpoint state %s: %v", cp.State, err)
	}
	parts := 0
	for i := 0; state.Par != nil && i < len(state.Par.Ranges); i++ {
		if state.Par.Ranges[i].Table == 0 {
			parts++
		}
	}
	if parts < 2 && firstThreads != "1" {
		t.Errorf("table t read in %d ranges, want it split: %s", parts, cp.State)
	}
	cfg = e.config(map[string]string{"snapshot.fetch.size": "50", "snapshot.max.threads": "4"})
	e.exec("UPDATE t SET v = 1 WHERE id % 100 = 0",
		"DELETE FROM t WHERE id IN (1001, 1999)",
		"INSERT INTO t VALUES (2001, 1)",
		"UPDATE u SET v = 1 WHERE id = 3")

	st = e.open(cfg, &cp, Knobs{})
	total := 2000 + 30 + 3
	evs := next(t, st, total-len(first)+20+2+1+1)
	seen := map[string]int{}
	var reads []*change.Event
	for _, ev := range append(first, evs...) {
		if ev.Op == change.OpRead {
			reads = append(reads, ev)
		}
	}
	for i, ev := range reads {
		k := fmt.Sprintf("%s/%v", ev.Table.ID.Name, ev.After[0])
		seen[k]++
		if v := toInt64(ev.After[1]); v != 0 {
			t.Errorf("%s read with v %d, want its value at the origin, 0", k, v)
		}
		if i < len(first) && i > 0 && ev.Source[srcSnapshotIdx] == "last" || i == len(reads)-1 && ev.Source[srcSnapshotIdx] != "last" {
			t.Errorf("read %d of %d (%s) marked %v", i, len(reads), k, ev.Source[srcSnapshotIdx])
		}
	}
	if len(reads) != total || len(seen) != total {
		t.Errorf("%d reads of %d rows, want %d once each", len(reads), len(seen), total)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s read %d times", k, n)
		}
	}
	if !strings.Contains(string(evs[len(evs)-25].Pos.State), `"par"`) {
		t.Errorf("the resumed snapshot did not read in parallel: %s", evs[len(evs)-25].Pos.State)
	}
	stream := evs[len(evs)-24:]
	for i, ev := range stream {
		want := change.OpUpdate
		switch {
		case i >= 20 && i < 22:
			want = change.OpDelete
		case i == 22:
			want = change.OpCreate
		}
		if ev.Op != want {
			t.Errorf("stream event %d: %s %v, want %s", i, ev.Op, ev.After, want)
		}
	}
	quiet(t, st, 500*time.Millisecond)
}

// TestIntegrationParallelSnapshotLockingModes: with every
// snapshot.locking.mode a quiet server gives a parallel snapshot (its rows'
// positions carry the ranges' state) that reads each row once, and
// extended holds the global read lock until the snapshot ends (a write
// waits for it).
func TestIntegrationParallelSnapshotLockingModes(t *testing.T) {
	e := newMyEnv(t, "parlock")
	e.exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)",
		"INSERT INTO t SELECT seq, 0 FROM seq_1_to_2000",
		"ANALYZE TABLE t")
	for _, mode := range []string{LockingMinimal, LockingExtended, LockingNone} {
		t.Run(mode, func(t *testing.T) {
			cfg := e.config(map[string]string{"snapshot.fetch.size": "50", "snapshot.max.threads": "4",
				"snapshot.locking.mode": mode, "snapshot.mode": "initial_only"})
			st := e.open(cfg, nil, Knobs{QueueEvents: 8})
			evs := next(t, st, 1000)
			if mode == LockingExtended {
				// The lock is held while the snapshot runs: a write waits.
				w, err := connect(context.Background(), &cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if _, err := w.Execute("SET SESSION lock_wait_timeout = 1"); err != nil {
					t.Fatal(err)
				}
				if _, err := w.Execute("UPDATE " + e.db + ".t SET v = 1 WHERE id = 1"); err == nil {
					t.Error("a write went through while the extended lock should be held")
				}
			}
			evs = append(evs, next(t, st, 1000)...)
			seen := map[int64]bool{}
			for _, ev := range evs {
				var s cpState
				if err := json.Unmarshal(ev.Pos.State, &s); err != nil || s.Par == nil {
					t.Fatalf("row %d: state %s (%v): not a parallel snapshot", idOf(ev), ev.Pos.State, err)
				}
				if seen[idOf(ev)] {
					t.Errorf("row %d read twice", idOf(ev))
				}
				seen[idOf(ev)] = true
			}
			if len(seen) != 2000 {
				t.Errorf("%d rows read, want 2000", len(seen))
			}
			st.Close()
		})
	}
}
