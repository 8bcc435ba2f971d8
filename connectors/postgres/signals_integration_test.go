//go:build integration

package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestIntegrationSignalTable: the prerequisites check signal.data.collection
// (the table exists, with id, type and data, and is in a publication sluice
// does not manage), and a publication sluice manages includes it.
func TestIntegrationSignalTable(t *testing.T) {
	e := newPGEnv(t, "signals")
	e.exec("CREATE TABLE $S.ok (id int PRIMARY KEY)",
		"CREATE TABLE $S.nodata (id varchar(42) PRIMARY KEY, type varchar(32))",
		"CREATE TABLE $S.sig (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	for _, tc := range []struct {
		name  string
		extra map[string]string
		setup string
		want  string
	}{
		{"missing", map[string]string{"signal.data.collection": e.schema + ".missing"}, "",
			"signal.data.collection names table " + e.schema + ".missing, which does not exist: run CREATE TABLE"},
		{"no data column", map[string]string{"signal.data.collection": e.schema + ".nodata"}, "",
			"signal table " + e.schema + `.nodata has no column "data"`},
		{"not in the publication", map[string]string{"signal.data.collection": e.schema + ".sig", "publication.autocreate.mode": "disabled"},
			"CREATE PUBLICATION " + e.pub + " FOR TABLE $S.ok",
			"signal table " + e.schema + `.sig is not in publication "` + e.pub + `", so its signals would never arrive: run ALTER PUBLICATION`},
	} {
		if tc.setup != "" {
			e.exec(tc.setup)
		}
		tc.extra["table.include.list"] = e.schema + ".ok"
		_, err := NewSource(e.config(tc.extra), nil).Open(context.Background(), nil)
		var pe *PrerequisiteError
		if !errors.As(err, &pe) || len(pe.Problems) != 1 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want one problem containing %q", tc.name, err, tc.want)
		}
		if tc.setup != "" {
			e.exec("DROP PUBLICATION " + e.pub)
		}
	}

	// filtered: the publication sluice creates has the signal table.
	st := e.open(e.config(map[string]string{"table.include.list": e.schema + ".ok", "signal.data.collection": e.schema + ".sig"}), nil)
	defer st.Close()
	var n int
	if err := e.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = 'sig'",
		e.pub, e.schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the publication sluice made lacks the signal table")
	}
}
