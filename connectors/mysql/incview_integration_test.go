//go:build integration

package mysql

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// openTestView opens an incremental snapshot view on a new connection.
func (e *myEnv) openTestView(ctx context.Context, cfg *Config) *incView {
	e.t.Helper()
	q, err := connect(ctx, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := openIncView(ctx, q, cfg, testLogger(e.t), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// scanKeys reads one chunk and returns each row's key joined by "|".
func scanKeys(t *testing.T, v capture.View, tb *capture.Table, cond string, after, upTo []string, limit int) []string {
	t.Helper()
	var got []string
	n, err := v.Scan(context.Background(), tb, cond, after, upTo, limit, func(ev *change.Event, key []string, size int) error {
		if ev.Op != change.OpRead || ev.Source[srcSnapshotIdx] != "incremental" || size <= 0 {
			t.Errorf("row %v: op %c, source.snapshot %v, size %d", key, ev.Op, ev.Source[srcSnapshotIdx], size)
		}
		got = append(got, strings.Join(key, "|"))
		return nil
	})
	if err != nil || n != len(got) {
		t.Fatalf("scan: %d rows, %v", n, err)
	}
	return got
}

// TestIntegrationIncView: a MariaDB incremental snapshot view reads chunks
// within their bounds and condition, by a multi-column key, by a surrogate
// key, refuses a keyless table naming surrogate-key, and stands at the
// binlog coordinate its snapshot holds (a write after it is not read).
func TestIntegrationIncView(t *testing.T) {
	e := newMyEnv(t, "incview")
	e.exec("CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10))",
		"INSERT INTO a SELECT seq, CONCAT('v', seq) FROM seq_1_to_10",
		"CREATE TABLE m (a INT, b VARCHAR(5), c INT, PRIMARY KEY (a, b))",
		"INSERT INTO m VALUES (1,'a',1),(1,'b',2),(1,'c',3),(2,'a',4),(2,'b',5)",
		"CREATE TABLE n (u INT NOT NULL, v INT)",
		"INSERT INTO n VALUES (3,30),(1,10),(2,20)")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	before, err := currentPosition(e.admin, &serverInfo{MariaDB: true})
	if err != nil {
		t.Fatal(err)
	}
	v := e.openTestView(ctx, &cfg)
	defer v.Close()
	after, err := currentPosition(e.admin, &serverInfo{MariaDB: true})
	if err != nil {
		t.Fatal(err)
	}
	w := v.At()
	if !w.Exact || w.Point.Order() < orderOf(before.binlogPos) || w.Point.Order() > orderOf(after.binlogPos) {
		t.Fatalf("watermark %+v (%s), want exact between %s and %s", w, v.at, before, after)
	}
	e.exec("INSERT INTO a VALUES (11, 'late')", "UPDATE a SET v = 'new' WHERE id = 2")
	if moved, _ := currentPosition(e.admin, &serverInfo{MariaDB: true}); orderOf(moved.binlogPos) <= w.Point.Order() {
		t.Fatalf("a write after the view is at %s, not after its point %s", moved, v.at)
	}

	id := func(n string) change.TableID { return change.TableID{Namespace: e.db, Name: n} }
	ta, err := v.Table(ctx, id("a"), "")
	if err != nil || !slices.Equal(ta.Key, []string{"id"}) {
		t.Fatalf("table a: %+v, %v", ta, err)
	}
	cases := []struct {
		name        string
		cond        string
		after, upTo []string
		limit       int
		want        []string
	}{
		{"first chunk", "", nil, []string{"10"}, 3, []string{"1", "2", "3"}},
		{"after and up to", "", []string{"3"}, []string{"7"}, 10, []string{"4", "5", "6", "7"}},
		{"limit inside the bounds", "", []string{"3"}, []string{"7"}, 2, []string{"4", "5"}},
		{"no upper bound; a later insert is not seen", "", []string{"8"}, nil, 10, []string{"9", "10"}},
		{"additional condition", "v <> 'v5' AND id % 2 = 1", nil, nil, 10, []string{"1", "3", "7", "9"}},
	}
	for _, c := range cases {
		if got := scanKeys(t, v, ta, c.cond, c.after, c.upTo, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// The row as the view sees it: the update after it is not read.
	if _, err := v.Scan(ctx, ta, "", []string{"1"}, []string{"2"}, 1, func(ev *change.Event, _ []string, _ int) error {
		if ev.After[1] != "v2" {
			t.Errorf("row 2 read as %v, want its value at the view", ev.After)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if max, err := v.MaxKey(ctx, ta, ""); err != nil || !slices.Equal(max, []string{"10"}) {
		t.Errorf("max key of a: %v, %v", max, err)
	}
	if max, err := v.MaxKey(ctx, ta, "id < 5"); err != nil || !slices.Equal(max, []string{"4"}) {
		t.Errorf("max key of a with a condition: %v, %v", max, err)
	}
	if max, err := v.MaxKey(ctx, ta, "id > 100"); err != nil || max != nil {
		t.Errorf("max key of no row: %v, %v", max, err)
	}

	tm, err := v.Table(ctx, id("m"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := scanKeys(t, v, tm, "", []string{"1", "a"}, []string{"2", "a"}, 10); !slices.Equal(got, []string{"1|b", "1|c", "2|a"}) {
		t.Errorf("multi-column key: %v", got)
	}
	if max, err := v.MaxKey(ctx, tm, ""); err != nil || !slices.Equal(max, []string{"2", "b"}) {
		t.Errorf("max key of m: %v, %v", max, err)
	}

	if _, err := v.Table(ctx, id("n"), ""); err == nil || !strings.Contains(err.Error(), "surrogate-key") {
		t.Errorf("keyless table: %v, want a refusal naming surrogate-key", err)
	}
	if _, err := v.Table(ctx, id("n"), "nope"); err == nil || !strings.Contains(err.Error(), "surrogate-key") {
		t.Errorf("surrogate key of no column: %v", err)
	}
	tn, err := v.Table(ctx, id("n"), "u")
	if err != nil {
		t.Fatal(err)
	}
	if got := scanKeys(t, v, tn, "", []string{"1"}, []string{"3"}, 10); !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("surrogate key: %v", got)
	}
	if tb, err := v.Table(ctx, id("gone"), ""); tb != nil || err != nil {
		t.Errorf("missing table: %v, %v", tb, err)
	}
}

// TestIntegrationIncViewDrivesEngine: the engine reads a table through
// MariaDB views chunk by chunk; each chunk is emitted once the stream
// reaches the view's coordinate.
func TestIntegrationIncViewDrivesEngine(t *testing.T) {
	e := newMyEnv(t, "incengine")
	e.exec("CREATE TABLE a (id INT PRIMARY KEY, v INT)", "INSERT INTO a SELECT seq, seq FROM seq_1_to_7")
	cfg := e.config(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eng := capture.NewIncremental(capture.IncState{Queue: []capture.IncTable{{ID: e.db + ".a"}}}, 3, testLogger(t))
	var points []uint64
	open := func(ctx context.Context) (capture.View, error) {
		v := e.openTestView(ctx, &cfg)
		points = append(points, v.At().Point.Order())
		return v, nil
	}
	var got []int64
	for i := 0; eng.State().Running(); i++ {
		if i > 10 {
			t.Fatalf("no end: %+v", eng.State())
		}
		if err := eng.Step(ctx, open); err != nil {
			t.Fatal(err)
		}
		if out := eng.Observe(&capture.StreamItem{At: binlogCursor{Pos: 0}}); out != nil {
			t.Fatalf("emitted before the stream reached the view: %d rows", len(out))
		}
		now, err := currentPosition(e.admin, &serverInfo{MariaDB: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range eng.Observe(&capture.StreamItem{At: binlogCursor(now.binlogPos)}) {
			if o.Ev.Pos.Tx != points[len(points)-1]-1 {
				t.Errorf("row at Tx %d, want the view's point - 1 (%d)", o.Ev.Pos.Tx, points[len(points)-1]-1)
			}
			got = append(got, int64(o.Ev.After[0].(int32)))
		}
	}
	if !equalInts(got, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("rows %v", got)
	}
}
