package capture

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// ev is a stream item in a rule test: a change to key k of table s.a
// committed at LSN at by xid, or a keepalive (k == 0).
type ev struct {
	k     int
	at    uint64
	xid   uint64
	tab   string
	whole bool // a change of unknown keys (a TRUNCATE)
}

func (e ev) item() *StreamItem {
	it := &StreamItem{At: lsn(e.at), Tx: TxRef{XID: e.xid}}
	if e.whole {
		it.At, it.Whole = nil, true
		it.Table, _ = ParseTableID("s.a")
	}
	if e.k != 0 {
		tab := e.tab
		if tab == "" {
			tab = "s.a"
		}
		it.Table, _ = ParseTableID(tab)
		it.Key = keyText(e.k)
	}
	return it
}

// TestIncrementalWindowRules: which stream items close a window, and which
// remove a key from it, for each kind of watermark. The view of each case
// is opened after 2 commits (point 250; Visibility: xids 1 and 2 visible).
func TestIncrementalWindowRules(t *testing.T) {
	cases := []struct {
		name   string
		exact  bool
		stream []ev
		// closedAt is the index of the item that closes the window (-1:
		// none); want the keys it emits.
		closedAt int
		want     []int
	}{
		{"exact: an older change is in the read", true, []ev{{k: 2, at: 200, xid: 2}, {k: 9, at: 300, xid: 3}}, 1, []int{1, 2, 3}},
		{"exact: a keepalive at the point closes", true, []ev{{at: 249}, {at: 250}}, 1, []int{1, 2, 3}},
		{"exact: nothing reaches the point", true, []ev{{k: 1, at: 100, xid: 1}, {at: 249}}, -1, nil},
		{"visibility: an invisible change removes its key", false, []ev{{k: 2, at: 240, xid: 5}, {at: 250}}, 1, []int{1, 3}},
		{"visibility: a visible change keeps it", false, []ev{{k: 2, at: 200, xid: 2}, {at: 260}}, 1, []int{1, 2, 3}},
		{"visibility: another table's key is not the row", false, []ev{{k: 2, at: 240, xid: 5, tab: "s.b"}, {at: 250}}, 1, []int{1, 2, 3}},
		{"visibility: a key outside the window changes nothing", false, []ev{{k: 7, at: 240, xid: 5}, {k: 1, at: 300, xid: 6}}, 1, []int{1, 2, 3}},
		{"visibility: a change at the point comes after the read", false, []ev{{k: 3, at: 250, xid: 6}, {k: 1, at: 240, xid: 5}}, 0, []int{1, 2, 3}},
		{"visibility: every key removed", false, []ev{{k: 1, at: 210, xid: 5}, {k: 2, at: 220, xid: 5}, {k: 3, at: 230, xid: 7}, {at: 250}}, 3, nil},
		{"visibility: an invisible change of unknown keys drops the chunk", false, []ev{{whole: true, xid: 5}, {at: 250}}, 0, nil},
		{"visibility: a visible change of unknown keys keeps it", false, []ev{{whole: true, xid: 2}, {at: 250}}, 1, []int{1, 2, 3}},
		{"exact: a change of unknown keys is in the read", true, []ev{{whole: true, xid: 5}, {at: 250}}, 1, []int{1, 2, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := newFakeDB(c.exact, "s.a", "s.b")
			db.seed("s.a", 1, 2, 3)
			db.commit(fakeChange{table: "s.b", key: 1})
			db.commit(fakeChange{table: "s.b", key: 2})
			e := NewIncremental(IncState{Queue: incQueue("s.a")}, 10, nil)
			if err := e.Step(context.Background(), db.open); err != nil {
				t.Fatal(err)
			}
			closed := -1
			var got []int
			for i, s := range c.stream {
				out := e.Observe(s.item())
				if !e.WindowOpen() && closed < 0 {
					closed = i
				}
				for _, o := range out {
					got = append(got, o.Ev.After[1].(int))
				}
			}
			if closed != c.closedAt || !slices.Equal(got, c.want) {
				t.Fatalf("closed at item %d with keys %v, want %d with %v", closed, got, c.closedAt, c.want)
			}
		})
	}
}

// TestIncrementalEdgeChanges: changes the view did not see while a chunk
// waits. A TRUNCATE (a change of unknown keys) drops the chunk unsent,
// the progress unchanged, and the chunk is read again by a view that sees
// the table empty: no row of before the TRUNCATE is emitted. A DELETE of
// the chunk's last row leaves the row before it as the chunk's last, and
// the next chunk starts after the deleted key.
func TestIncrementalEdgeChanges(t *testing.T) {
	ctx := context.Background()
	t.Run("truncate", func(t *testing.T) {
		db := newFakeDB(false, "s.a")
		db.seed("s.a", 1, 2, 3, 4, 5)
		e := NewIncremental(IncState{Queue: incQueue("s.a")}, 3, nil)
		if err := e.Step(ctx, db.open); err != nil {
			t.Fatal(err)
		}
		var del []fakeChange
		for k := 1; k <= 5; k++ {
			del = append(del, fakeChange{table: "s.a", key: k, ver: -1})
		}
		tx := db.commit(del...) // after the view: it did not see it
		if out := e.Observe(&StreamItem{Table: change.TableID{Namespace: "s", Name: "a"}, Whole: true, Tx: TxRef{XID: tx.xid}}); len(out) != 0 || e.WindowOpen() {
			t.Fatalf("the TRUNCATE left the window open (%v) or emitted %d rows", e.WindowOpen(), len(out))
		}
		if s := e.State(); s.After != nil || !s.Running() {
			t.Fatalf("state after the dropped chunk: %+v, want the chunk to be read again", s)
		}
		if err := e.Step(ctx, db.open); err != nil {
			t.Fatal(err)
		}
		if e.WindowOpen() || e.State().Running() || db.opens != 2 {
			t.Fatalf("after the re-read: window %v, running %v, %d views; want the empty table done", e.WindowOpen(), e.State().Running(), db.opens)
		}
	})
	t.Run("delete of the chunk's last row", func(t *testing.T) {
		db := newFakeDB(false, "s.a")
		db.seed("s.a", 1, 2, 3, 4, 5)
		e := NewIncremental(IncState{Queue: incQueue("s.a")}, 3, nil)
		if err := e.Step(ctx, db.open); err != nil {
			t.Fatal(err)
		}
		tx := db.commit(fakeChange{table: "s.a", key: 3, ver: -1})
		e.Observe(&StreamItem{Table: change.TableID{Namespace: "s", Name: "a"}, Key: keyText(3), Tx: TxRef{XID: tx.xid}})
		out := e.Observe(&StreamItem{At: lsn(db.end())})
		if len(out) != 2 || emittedRecord(out[1]).key != 2 || !out[1].Ev.Pos.Last || out[0].Ev.Pos.Last {
			t.Fatalf("emitted %d rows, want 1 and 2 with Last on 2", len(out))
		}
		var st IncState
		if err := json.Unmarshal(out[1].Ev.Pos.State, &st); err != nil || !slices.Equal(st.After, keyText(3)) {
			t.Fatalf("last row's state %s, want After the deleted key 3", out[1].Ev.Pos.State)
		}
		if err := e.Step(ctx, db.open); err != nil {
			t.Fatal(err)
		}
		if got := db.scans[len(db.scans)-1]; !strings.Contains(got, "after=[000003]") {
			t.Fatalf("next chunk read as %s, want after key 3", got)
		}
	})
}

// TestIncrementalPositions: the rows of a window sort between the stream
// positions around its watermark, each carries the state after itself, and
// the last row of a table's last chunk moves the queue on.
func TestIncrementalPositions(t *testing.T) {
	db := newFakeDB(true, "s.a", "s.b")
	db.seed("s.a", 1, 2, 3, 4, 5)
	db.seed("s.b", 8)
	db.commit(fakeChange{table: "s.b", key: 9}) // point 150
	e := NewIncremental(IncState{Queue: incQueue("s.a", "s.b")}, 3, nil)
	type pos struct {
		tx    uint64
		index int64
		last  bool
		after []string
		queue int
	}
	var got []pos
	for range 3 {
		if err := e.Step(context.Background(), db.open); err != nil {
			t.Fatal(err)
		}
		for _, o := range e.Observe(&StreamItem{At: lsn(db.end())}) {
			var st IncState
			if err := json.Unmarshal(o.Ev.Pos.State, &st); err != nil {
				t.Fatal(err)
			}
			if o.Ev.Op != change.OpRead || o.Ev.Pos.Snapshot {
				t.Errorf("op %c snapshot %v, want r, false", o.Ev.Op, o.Ev.Pos.Snapshot)
			}
			got = append(got, pos{o.Ev.Pos.Tx, o.Ev.Pos.Index, o.Ev.Pos.Last, st.After, len(st.Queue)})
		}
	}
	k := keyText
	want := []pos{
		{149, 0, false, k(1), 2}, {149, 1, false, k(2), 2}, {149, 2, true, k(3), 2},
		// the table's last chunk: its last row's state has the next table at the head
		{149, 3, false, k(4), 2}, {149, 4, true, nil, 1},
		{149, 5, false, k(8), 1}, {149, 6, true, nil, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.tx != w.tx || g.index != w.index || g.last != w.last || !slices.Equal(g.after, w.after) || g.queue != w.queue {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
	}
	if e.State().Running() {
		t.Errorf("state after the last table: %+v", e.State())
	}
}

// TestIncrementalChunkPlanning: the bounds each chunk is read with, the
// maximum key read once per table (rows inserted above it are the
// stream's), the additional condition passed through, and tables that are
// gone or empty skipped.
func TestIncrementalChunkPlanning(t *testing.T) {
	db := newFakeDB(true, "s.a", "s.e")
	db.seed("s.a", 1, 2, 3, 4, 5, 6)
	db.conds = map[string]func(int) bool{"k % 2 = 0": func(k int) bool { return k%2 == 0 }}
	e := NewIncremental(IncState{Queue: []IncTable{{ID: "s.gone"}, {ID: "s.e"}, {ID: "s.a", Cond: "k % 2 = 0"}, {ID: "s.a"}}}, 2, nil)
	for i := 0; e.State().Running(); i++ {
		if i > 20 {
			t.Fatal("no end")
		}
		if err := e.Step(context.Background(), db.open); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			db.seed("s.a", 7, 8) // above the maximum read
		}
		e.Observe(&StreamItem{At: lsn(db.end())})
	}
	want := []string{
		`s.a after=[] upTo=[000006] limit=2 cond="k % 2 = 0"`,
		`s.a after=[000004] upTo=[000006] limit=2 cond="k % 2 = 0"`,
		`s.a after=[] upTo=[000008] limit=2 cond=""`,
		`s.a after=[000002] upTo=[000008] limit=2 cond=""`,
		`s.a after=[000004] upTo=[000008] limit=2 cond=""`,
		`s.a after=[000006] upTo=[000008] limit=2 cond=""`,
	}
	if !slices.Equal(db.scans, want) {
		t.Fatalf("scans:\n%s\nwant:\n%s", strings.Join(db.scans, "\n"), strings.Join(want, "\n"))
	}
}

// TestIncrementalControl: pause, resume and stop.
func TestIncrementalControl(t *testing.T) {
	ctx := context.Background()
	db := newFakeDB(true, "s.a", "s.b")
	db.seed("s.a", 1, 2)
	db.seed("s.b", 1)
	e := NewIncremental(IncState{Queue: incQueue("s.a", "s.b")}, 1, nil)

	e.Pause()
	if err := e.Step(ctx, db.open); err != nil || e.WindowOpen() || db.opens != 0 {
		t.Fatalf("paused: a chunk was read (err %v)", err)
	}
	e.Resume()
	if err := e.Step(ctx, db.open); err != nil || !e.WindowOpen() {
		t.Fatalf("resumed: no chunk read (err %v)", err)
	}
	e.Pause() // the chunk already read is still emitted
	if out := e.Observe(&StreamItem{At: lsn(db.end())}); len(out) != 1 || !e.State().Paused {
		t.Fatalf("paused with a chunk read: %d rows, state %+v", len(out), e.State())
	}
	e.Resume()
	if err := e.Step(ctx, db.open); err != nil || !e.WindowOpen() {
		t.Fatal(err)
	}
	e.Stop("s.b") // not the head: the open chunk stays
	if !e.WindowOpen() || len(e.State().Queue) != 1 {
		t.Fatalf("stop of a queued table: %+v", e.State())
	}
	e.Add(IncTable{ID: "s.b", Corr: "sig-2"})
	e.Stop("s.a") // the head: its chunk is dropped unsent
	if e.WindowOpen() || e.State().After != nil || e.State().Queue[0].ID != "s.b" {
		t.Fatalf("stop of the head: %+v", e.State())
	}
	if out := e.Observe(&StreamItem{At: lsn(db.end())}); out != nil {
		t.Fatalf("a stopped chunk emitted %d rows", len(out))
	}
	e.Stop()
	if e.State().Running() {
		t.Fatalf("stop of every table: %+v", e.State())
	}
}

// TestIncrementalRefusesTableWithoutKey: the view's refusal names
// surrogate-key, and a surrogate key lets the table be read.
func TestIncrementalRefusesTableWithoutKey(t *testing.T) {
	db := newFakeDB(true, "s.n")
	db.seed("s.n", 1)
	db.noKey = map[string]bool{"s.n": true}
	e := NewIncremental(IncState{Queue: incQueue("s.n")}, 4, nil)
	err := e.Step(context.Background(), db.open)
	if err == nil || !strings.Contains(err.Error(), "surrogate-key") || !strings.Contains(err.Error(), "s.n") {
		t.Fatalf("err = %v", err)
	}
	e = NewIncremental(IncState{Queue: []IncTable{{ID: "s.n", Surrogate: "k"}}}, 4, nil)
	if err := e.Step(context.Background(), db.open); err != nil || !e.WindowOpen() {
		t.Fatalf("with a surrogate key: %v", err)
	}
}

// TestIncrementalSkippedRows: rows the view skips move the chunk on, even
// a whole chunk of them, and are not emitted.
func TestIncrementalSkippedRows(t *testing.T) {
	db := newFakeDB(true, "s.a")
	db.seed("s.a", 1, 2, 3, 4, 5)
	db.skip = map[int]bool{2: true, 3: true, 4: true} // the chunk [3 4] is skipped whole
	e := NewIncremental(IncState{Queue: incQueue("s.a")}, 2, nil)
	var got []int
	for i := 0; e.State().Running(); i++ {
		if i > 10 {
			t.Fatalf("no end: %+v", e.State())
		}
		if err := e.Step(context.Background(), db.open); err != nil {
			t.Fatal(err)
		}
		for _, o := range e.Observe(&StreamItem{At: lsn(db.end())}) {
			got = append(got, o.Ev.After[1].(int))
		}
	}
	if !slices.Equal(got, []int{1, 5}) {
		t.Fatalf("rows %v, want [1 5]", got)
	}
}

func TestChunkKey(t *testing.T) {
	cols := []string{"a", "B", "c"}
	cases := []struct {
		key       []int
		surrogate string
		want      []string
		err       string
	}{
		{[]int{2, 0}, "", []string{"c", "a"}, ""},
		{nil, "b", []string{"B"}, ""},
		{[]int{0}, "c", []string{"c"}, ""},
		{nil, "", nil, "surrogate-key"},
		{nil, "x", nil, `surrogate-key "x" is not a column`},
	}
	for _, c := range cases {
		_, names, err := ChunkKey(cols, c.key, c.surrogate, strings.EqualFold)
		if !slices.Equal(names, c.want) || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("key %v surrogate %q: %v, %v", c.key, c.surrogate, names, err)
		}
	}
}

func TestParseTableID(t *testing.T) {
	for in, want := range map[string]string{"s.a": "s|a", "db.t.x": "db|t.x", "a": "", ".a": "", "a.": ""} {
		id, err := ParseTableID(in)
		got := id.Namespace + "|" + id.Name
		if err != nil {
			got = ""
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
