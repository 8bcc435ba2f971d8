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
		"ANALYZE TABLE t")
	src := NewSource(e.config(nil), nil)
	for table, want := range map[string]int64{"t": 1500, "nope": -1} {
		n, err := src.EstimateRows(context.Background(), e.db+"."+table)
		if err != nil {
			t.Fatalf("estimate %s: %v", table, err)
		}
		if want < 0 && n != want || want >= 0 && (n < want*3/4 || n > want*5/4) {
			t.Errorf("estimate of %s = %d, want %d (within 25%%)", table, n, want)
		}
	}
	if _, err := src.EstimateRows(context.Background(), "nodot"); err == nil {
		t.Errorf("a name without a database: no error")
	}
}
