//go:build integration

package postgres

import (
	"context"
	"testing"
)

// TestIntegrationEstimateRows: reltuples once analyzed, -1 before and for
// a table that does not exist, a partitioned table's partitions summed.
func TestIntegrationEstimateRows(t *testing.T) {
	e := newPGEnv(t, "estimate")
	e.exec(
		"CREATE TABLE $S.t (id int PRIMARY KEY)",
		"INSERT INTO $S.t SELECT generate_series(1, 1500)",
		"CREATE TABLE $S.p (id int) PARTITION BY RANGE (id)",
		"CREATE TABLE $S.p1 PARTITION OF $S.p FOR VALUES FROM (0) TO (1000)",
		"CREATE TABLE $S.p2 PARTITION OF $S.p FOR VALUES FROM (1000) TO (2000)",
		"INSERT INTO $S.p SELECT generate_series(0, 1999)")
	src := NewSource(e.config(nil), nil)
	est := func(table string) int64 {
		t.Helper()
		got, err := src.EstimateRows(context.Background(), []string{e.schema + "." + table})
		if err != nil {
			t.Fatalf("estimate %s: %v", table, err)
		}
		n, ok := got[e.schema+"."+table]
		if !ok || len(got) != 1 {
			t.Fatalf("estimate %s: %v, want that table only", table, got)
		}
		return n
	}
	if n := est("t"); n != -1 {
		t.Errorf("never analyzed: %d, want -1", n)
	}
	e.exec("ANALYZE $S.t", "ANALYZE $S.p1")
	if n := est("p"); n != -1 {
		t.Errorf("partitioned with a partition never analyzed: %d, want -1", n)
	}
	e.exec("ANALYZE $S.p2")
	wants := map[string]int64{"t": 1500, "p": 2000, "p1": 1000, "nope": -1}
	var all []string
	for table, want := range wants {
		if n := est(table); n != want {
			t.Errorf("estimate of %s = %d, want %d", table, n, want)
		}
		all = append(all, e.schema+"."+table)
	}
	// All of them in one call.
	got, err := src.EstimateRows(context.Background(), all)
	if err != nil {
		t.Fatal(err)
	}
	for table, want := range wants {
		if n := got[e.schema+"."+table]; n != want {
			t.Errorf("estimate of %s asked with the others = %d, want %d (all: %v)", table, n, want, got)
		}
	}
	if len(got) != len(wants) {
		t.Errorf("%d estimates for %d tables: %v", len(got), len(wants), got)
	}
}
