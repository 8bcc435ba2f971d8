package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// srcView gives the fake view's rows a source block, where the blocking
// engine writes its snapshot markers (index 0).
type srcView struct{ *fakeView }

func (v srcView) Scan(ctx context.Context, t *Table, cond string, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, error) {
	return v.fakeView.Scan(ctx, t, cond, after, upTo, limit, func(ev *change.Event, key []string, size int) error {
		if ev != nil {
			ev.Source = change.StructValue{"true"}
		}
		return row(ev, key, size)
	})
}

func srcOpen(db *fakeDB) func(context.Context) (View, error) {
	return func(ctx context.Context) (View, error) {
		v, err := db.open(ctx)
		if err != nil {
			return nil, err
		}
		return srcView{v.(*fakeView)}, nil
	}
}

// blockRow is what a test reads of a row the engine sent.
type blockRow struct {
	table  string
	key    int
	ver    int
	marker string
	pos    change.Position
}

func (r blockRow) String() string {
	return fmt.Sprintf("%s/%d v%d %s @%d.%d", r.table, r.key, r.ver, r.marker, r.pos.Tx, r.pos.Index)
}

// runBlocking opens a view and, once the stream reaches it (an item at the
// view's point), runs the snapshot, collecting its rows; fail, when > 0,
// fails the send of that row (1-based), as a crash would stop it.
func runBlocking(t *testing.T, b *Blocking, db *fakeDB, fail int) ([]blockRow, error) {
	t.Helper()
	if err := b.Open(context.Background(), srcOpen(db)); err != nil {
		t.Fatal(err)
	}
	if !b.Waiting() || !b.Observe(&StreamItem{At: lsn(db.end())}) {
		t.Fatalf("the stream at %d did not reach the view", db.end())
	}
	var out []blockRow
	err := b.Run(context.Background(), func(ev *change.Event, _ int) error {
		if ev.Op != change.OpRead {
			t.Errorf("op %c, want r", ev.Op)
		}
		if fail > 0 && len(out)+1 == fail {
			return errors.New("crash")
		}
		a := ev.After
		out = append(out, blockRow{table: a[0].(string), key: a[1].(int), ver: a[2].(int), marker: ev.Source[0].(string), pos: ev.Pos})
		return nil
	})
	if b.Waiting() {
		t.Errorf("the view is still open after Run")
	}
	return out, err
}

func TestBlockingMarkersPositionsAndState(t *testing.T) {
	db := newFakeDB(true, "s.a", "s.b", "s.c")
	db.seed("s.a", 1, 2, 3)
	db.seed("s.b", 7, 8)
	db.commit(fakeChange{table: "s.a", key: 2, ver: 1})
	b := NewBlocking(BlockState{}, 2, 0, nil)
	b.Add(IncTable{ID: "s.a"}, IncTable{ID: "s.c"}, IncTable{ID: "s.b"}, IncTable{ID: "s.a"}) // s.c empty; s.a once
	if got := len(b.State().Queue); got != 3 {
		t.Fatalf("queued %d tables, want 3", got)
	}
	rows, err := runBlocking(t, b, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	tx := db.end() - 1
	want := []string{
		fmt.Sprintf("s.a/1 v1 first @%d.1", tx), fmt.Sprintf("s.a/2 v6 true @%d.2", tx),
		fmt.Sprintf("s.a/3 v3 last_in_data_collection @%d.3", tx),
		fmt.Sprintf("s.b/7 v4 first_in_data_collection @%d.4", tx), fmt.Sprintf("s.b/8 v5 last @%d.5", tx),
	}
	if got := fmt.Sprint(rows); got != fmt.Sprint(want) {
		t.Fatalf("rows\n%v\nwant\n%v", got, want)
	}
	for i, r := range rows[:len(rows)-1] {
		var s BlockState
		if err := json.Unmarshal(r.pos.State, &s); err != nil {
			t.Fatalf("row %d state %s: %v", i, r.pos.State, err)
		}
		if s.Queue[0].ID != r.table || keyNum(s.After) != r.key || !s.Started {
			t.Errorf("row %v carries state %s", r, r.pos.State)
		}
	}
	if rows[len(rows)-1].pos.State != nil {
		t.Errorf("the last row carries %s, want nil (done)", rows[len(rows)-1].pos.State)
	}
	if b.Running() || b.StateJSON() == nil {
		t.Errorf("running %v after the snapshot", b.Running())
	}
	// A second snapshot starts afresh: its first row is "first" again.
	b.Add(IncTable{ID: "s.b"})
	db.commit(fakeChange{table: "s.b", key: 9, ver: 1})
	rows, err = runBlocking(t, b, db, 0)
	if err != nil || len(rows) != 3 || rows[0].marker != "first" || rows[2].marker != "last" {
		t.Fatalf("second snapshot: %v %v", rows, err)
	}
}

// A row that a transaction invisible to a Visibility view changed before
// the view's point is left out of the read: the stream carried its change
// before the rows.
func TestBlockingVisibilityLeavesOutTouchedRows(t *testing.T) {
	db := newFakeDB(false, "s.a")
	db.seed("s.a", 1, 2, 3)
	var late fakeTx
	db.during = func() { late = db.commit(fakeChange{table: "s.a", key: 2, ver: 1}) }
	b := NewBlocking(BlockState{}, 10, 0, nil)
	b.Add(IncTable{ID: "s.a"})
	if err := b.Open(context.Background(), srcOpen(db)); err != nil {
		t.Fatal(err)
	}
	// The stream shows the late transaction (before the point), and a
	// visible one of another table.
	id := change.TableID{Namespace: "s", Name: "a"}
	if b.Observe(&StreamItem{Table: id, Key: keyText(2), Tx: TxRef{XID: late.xid}, At: lsn(late.lsn)}) {
		t.Fatal("a transaction before the point reached the view")
	}
	b.Observe(&StreamItem{Table: change.TableID{Namespace: "s", Name: "b"}, Key: keyText(3), Tx: TxRef{XID: late.xid}})
	var keys []int
	if !b.Observe(&StreamItem{At: lsn(db.end())}) {
		t.Fatal("the point did not reach the view")
	}
	if err := b.Run(context.Background(), func(ev *change.Event, _ int) error {
		keys = append(keys, ev.After[1].(int))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []int{1, 3}) {
		t.Errorf("read %v, want [1 3]: key 2's change stands for it", keys)
	}
}

// A crash in the middle: a new engine from the last row sent goes on
// after its key, with no second "first", at positions after it.
func TestBlockingResumesAfterTheLastRowSent(t *testing.T) {
	for _, c := range []struct {
		name   string
		writes bool // the database moves on before the restart
	}{{"idle", false}, {"written", true}} {
		t.Run(c.name, func(t *testing.T) {
			db := newFakeDB(true, "s.a", "s.b")
			db.seed("s.a", 1, 2, 3, 4, 5)
			db.seed("s.b", 1)
			b := NewBlocking(BlockState{}, 2, 0, nil)
			b.Add(IncTable{ID: "s.a"}, IncTable{ID: "s.b"})
			first, err := runBlocking(t, b, db, 4)
			if err == nil || len(first) != 3 {
				t.Fatalf("the crashed run sent %v, %v", first, err)
			}
			cp := first[len(first)-1].pos
			var s BlockState
			if err := json.Unmarshal(cp.State, &s); err != nil {
				t.Fatal(err)
			}
			if c.writes {
				db.commit(fakeChange{table: "s.a", key: 5, ver: 1})
			}
			r := NewBlocking(s, 2, 0, nil)
			r.ResumeAfter(cp)
			rest, err := runBlocking(t, r, db, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range append(first, rest...) {
				got = append(got, fmt.Sprintf("%s/%d %s", x.table, x.key, x.marker))
			}
			want := []string{"s.a/1 first", "s.a/2 true", "s.a/3 true", "s.a/4 true", "s.a/5 last_in_data_collection", "s.b/1 last"}
			if !slices.Equal(got, want) {
				t.Errorf("rows %v, want %v", got, want)
			}
			if !before(cp, rest[0].pos) || before(rest[0].pos, cp) {
				t.Errorf("resumed row at %d.%d, not after the checkpoint %d.%d", rest[0].pos.Tx, rest[0].pos.Index, cp.Tx, cp.Index)
			}
			if c.writes && rest[1].ver != db.rows["s.a"][5] {
				t.Errorf("key 5 read at v%d, want the new view's v%d", rest[1].ver, db.rows["s.a"][5])
			}
		})
	}
}

// A table the view refuses is skipped when Skip says so, and stops the
// snapshot otherwise.
func TestBlockingSkipsRefusedTables(t *testing.T) {
	db := newFakeDB(true, "s.a", "s.b")
	db.seed("s.a", 1)
	db.seed("s.b", 1)
	db.noKey = map[string]bool{"s.a": true}
	b := NewBlocking(BlockState{}, 2, 0, nil)
	b.Add(IncTable{ID: "s.a"}, IncTable{ID: "s.b"})
	if _, err := runBlocking(t, b, db, 0); err == nil {
		t.Fatal("a refused table did not stop the snapshot without Skip")
	}
	b = NewBlocking(BlockState{}, 2, 0, nil)
	b.Skip = func(error) bool { return true }
	b.Add(IncTable{ID: "s.a"}, IncTable{ID: "no.such"}, IncTable{ID: "s.b"})
	rows, err := runBlocking(t, b, db, 0)
	if err != nil || len(rows) != 1 || rows[0].table != "s.b" || rows[0].marker != "last" {
		t.Fatalf("rows %v, %v; want s.b's row only", rows, err)
	}
}

// RegisterBlocking takes the blocking execute-snapshot signals and leaves
// the others to the incremental action.
func TestRegisterBlocking(t *testing.T) {
	inc := NewIncremental(IncState{}, 0, nil)
	b := NewBlocking(BlockState{}, 0, 0, nil)
	d := NewDispatcher(nil)
	tables := func() []string { return []string{"s.a", "s.b"} }
	d.RegisterSnapshots(inc, tables)
	d.RegisterBlocking(b, tables)
	d.Dispatch(Signal{ID: "1", Type: ExecuteSnapshotType, Data: json.RawMessage(`{"data-collections":["s.a"]}`)})
	d.Dispatch(Signal{ID: "2", Type: ExecuteSnapshotType, Data: json.RawMessage(
		`{"data-collections":["s\\..*"],"type":"BLOCKING","additional-conditions":[{"data-collection":"s.b","filter":"id > 1"}]}`)})
	d.Dispatch(Signal{ID: "3", Type: ExecuteSnapshotType, Data: json.RawMessage(`{"data-collections":["x.y"],"type":"blocking"}`)})
	if q := inc.State().Queue; len(q) != 1 || q[0].ID != "s.a" {
		t.Errorf("incremental queue %+v, want s.a", q)
	}
	want := []IncTable{{ID: "s.a", Corr: "2"}, {ID: "s.b", Cond: "id > 1", Corr: "2"}}
	if q := b.State().Queue; !slices.Equal(q, want) {
		t.Errorf("blocking queue %+v, want %+v", q, want)
	}
}

func TestBlockingOffset(t *testing.T) {
	for _, c := range []struct {
		name, state string
		pg          bool
		want        string
	}{
		{"no state", ``, true, `map[]`},
		{"no blocking snapshot", `{"sig":3}`, true, `map[]`},
		{"queued, no row sent", `{"blk":{"q":[{"id":"s.a"}]}}`, true, `map[]`},
		{"done", `{"blk":{"q":[],"started":true}}`, true, `map[]`},
		{"postgres", `{"blk":{"q":[{"id":"s.a"}],"after":["7"],"rows":3,"started":true}}`, true,
			`map[last_snapshot_record:false sluice.blocking.key:[7] sluice.blocking.table:s.a snapshot:BLOCKING snapshot_completed:false]`},
		{"mariadb, first row of a table", `{"blk":{"q":[{"id":"d.b"}],"started":true}}`, false,
			`map[sluice.blocking.table:d.b snapshot:BLOCKING snapshot_completed:false]`},
	} {
		o := map[string]any{}
		BlockingOffset(o, []byte(c.state), c.pg)
		if got := fmt.Sprint(o); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
