//go:build integration

package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestSecondDaemonFencesFirst runs the same connector on two daemons: the
// second one's transactional producer fences the first, which stops the
// connector with a status that says so, and every row arrives exactly once.
func TestSecondDaemonFencesFirst(t *testing.T) {
	prefix := uniq("fence")
	dropSlot(t, prefix)
	pg := pgConn(t)
	table := "public." + prefix
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	c := newConsumer(t, prefix+"."+table)
	cfg := pgConfig(t, prefix, prefix, table)
	body := map[string]any{"name": prefix, "config": cfg}

	a := startDaemon(t, t.TempDir())
	if code, b := a.do(t, "POST", "/connectors", body); code != 201 {
		t.Fatalf("create on A: %d %s", code, b)
	}
	a.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1)")
	c.waitCount(t, 1, 30*time.Second)

	b := startDaemon(t, t.TempDir())
	if code, bb := b.do(t, "POST", "/connectors", body); code != 201 {
		t.Fatalf("create on B: %d %s", code, bb)
	}
	// B's producer initialises first thing, fencing A; A finds out on its
	// next commit.
	time.Sleep(2 * time.Second)
	for i := 2; i <= 50; i++ {
		mustExec(t, pg, "INSERT INTO "+table+" VALUES ($1)", i)
	}
	s := a.waitTaskState(t, prefix, "FAILED", 60*time.Second)
	if _, trace := s.taskState(); !strings.Contains(trace, "fenced") {
		t.Errorf("A's trace %q does not say it was fenced", trace)
	}
	b.waitTaskState(t, prefix, "RUNNING", 60*time.Second)
	c.waitCount(t, 50, 60*time.Second)
	recs := c.settle(2 * time.Second)
	seen := map[string]int{}
	for _, r := range recs {
		seen[string(r.Key)]++
	}
	if len(seen) != 50 {
		t.Errorf("%d distinct keys, want 50", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s arrived %d times", k, n)
		}
	}
}
