//go:build integration

package mysql

import (
	"context"
	"testing"
)

// TestIntegrationEstimateRows: TABLE_ROWS, close to the count once analyzed;
// -1 for a table that does not exist.
func TestIntegrationEstimateRows(t *testing.T) {
	e := newMyEnv(t, "estimate")
	e.exec(
		"CREATE TABLE t (id INT PRIMARY KEY)",
		"INSERT INTO t SELECT seq FROM seq_1_to_1500",
		"CREATE TABLE u (id INT PRIMARY KEY)",
		"INSERT INTO u SELECT seq FROM seq_1_to_300",
		"ANALYZE TABLE t, u")
	src := NewSource(e.config(nil), nil)
	wants := map[string]int64{"t": 1500, "u": 300, "nope": -1}
	var all []string
	for table := range wants {
		all = append(all, e.db+"."+table)
	}
	// One table at a time, then all of them in one call.
	for _, ask := range append([][]string{all}, [][]string{{all[0]}, {all[1]}, {all[2]}}...) {
		got, err := src.EstimateRows(context.Background(), ask)
		if err != nil {
			t.Fatalf("estimate %v: %v", ask, err)
		}
		if len(got) != len(ask) {
			t.Errorf("estimate %v: %v, want one per table", ask, got)
		}
		for _, full := range ask {
			want, n := wants[full[len(e.db)+1:]], got[full]
			if want < 0 && n != want || want >= 0 && (n < want*3/4 || n > want*5/4) {
				t.Errorf("estimate of %s = %d, want %d (within 25%%)", full, n, want)
			}
		}
	}
	if _, err := src.EstimateRows(context.Background(), []string{"nodot"}); err == nil {
		t.Errorf("a name without a database: no error")
	}
}
