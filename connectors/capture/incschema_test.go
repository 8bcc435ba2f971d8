package capture

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestColumnsNow(t *testing.T) {
	for _, c := range []struct {
		name       string
		known, now []string
		has        []bool
		same       bool
	}{
		{"unchanged", []string{"id", "v"}, []string{"v", "id"}, []bool{true, true}, true},
		{"added", []string{"id", "v"}, []string{"id", "v", "c2"}, []bool{true, true}, false},
		{"dropped", []string{"id", "v", "x"}, []string{"id", "v"}, []bool{true, true, false}, false},
		{"renamed", []string{"id", "v"}, []string{"id", "w"}, []bool{true, false}, false},
		{"case folded", []string{"ID", "v"}, []string{"id", "V"}, []bool{true, true}, true},
	} {
		has, same := ColumnsNow(c.known, c.now, strings.EqualFold)
		if !slices.Equal(has, c.has) || same != c.same {
			t.Errorf("%s: has %v same %v, want %v %v", c.name, has, same, c.has, c.same)
		}
	}
}

// TestIncrementalColumnChanges: a column change of the head table while its
// chunk waits discards the chunk, which the next Step reads again from the
// same key; a change of another table does not; a Scan that answers
// ErrSchemaPending opens no window and changes no state, and a later Step
// reads the chunk.
func TestIncrementalColumnChanges(t *testing.T) {
	ctx := context.Background()
	db := newFakeDB(true, "s.a", "s.b")
	db.seed("s.a", 1, 2, 3, 4, 5)
	e := NewIncremental(IncState{Queue: incQueue("s.a")}, 2, nil)
	step := func() {
		t.Helper()
		if err := e.Step(ctx, db.open); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if !e.WindowOpen() {
		t.Fatal("no chunk read")
	}
	b, _ := ParseTableID("s.b")
	a, _ := ParseTableID("s.a")
	if e.Reread(b) || !e.WindowOpen() {
		t.Fatal("another table's change discarded the chunk")
	}
	before := e.State()
	if !e.Reread(a) || e.WindowOpen() {
		t.Fatal("the head table's change kept the chunk")
	}
	if e.Reread(a) {
		t.Error("a second Reread discarded a chunk that is not there")
	}
	if st := e.State(); !slices.Equal(st.After, before.After) || !slices.Equal(st.Max, before.Max) {
		t.Errorf("Reread moved the state: %+v, was %+v", st, before)
	}
	db.pending = 2
	step()
	step()
	if e.WindowOpen() {
		t.Fatal("a pending column change opened a window")
	}
	step()
	out := e.Observe(&StreamItem{At: lsn(db.end())})
	var keys []int
	for _, o := range out {
		keys = append(keys, o.Ev.After[1].(int))
	}
	if !slices.Equal(keys, []int{1, 2}) {
		t.Errorf("chunk read again: keys %v, want [1 2]", keys)
	}
	if len(db.scans) != 4 || db.scans[0] != db.scans[3] {
		t.Errorf("scans %q: want the first chunk four times (read, twice pending, read again)", db.scans)
	}
}
