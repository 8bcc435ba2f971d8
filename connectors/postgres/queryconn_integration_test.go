//go:build integration

package postgres

import (
	"context"
	"testing"
	"time"
)

// TestIntegrationQueryConnWhileStreaming checks that a stream holds no
// query connection once its snapshot has ended, opens one for a RELATION
// message (the first change of a table, a schema change) and closes it
// again when unused, and that the changes and the new schema arrive right
// across the reopening.
func TestIntegrationQueryConnWhileStreaming(t *testing.T) {
	e := newPGEnv(t, "qconn")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY, v text)", "INSERT INTO $S.t VALUES (1, 'a')")
	cfg := e.config(nil)
	cfg.Name = e.slot // application_name sluice-<slot>: this test's connections only
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := NewSource(cfg, nil).WithKnobs(Knobs{QueryIdle: time.Second}).Open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	queries := func() int {
		var n int
		if err := e.admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'",
			"sluice-"+cfg.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	closed := func(when string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for queries() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d query connections open after 5s, want none", when, queries())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	if ev := next(t, st, 1)[0]; ev.Op != 'r' {
		t.Fatalf("first event %c, want the snapshot read", ev.Op)
	}
	closed("after the snapshot")
	for i, step := range []struct {
		sql  []string
		cols int
	}{
		{[]string{"INSERT INTO $S.t VALUES (2, 'b')"}, 2},
		{[]string{"ALTER TABLE $S.t ADD COLUMN w int", "INSERT INTO $S.t VALUES (3, 'c', 3)"}, 3},
	} {
		e.exec(step.sql...)
		ev := next(t, st, 1)[0]
		if !st.query.open() {
			t.Errorf("step %d: no query connection right after the RELATION message", i)
		}
		if ev.Op != 'c' || len(ev.After) != step.cols {
			t.Fatalf("step %d: event %c with %d columns, want an insert with %d", i, ev.Op, len(ev.After), step.cols)
		}
		if err := st.Ack(ev.Pos); err != nil {
			t.Fatal(err)
		}
		closed("after the change")
	}
}
