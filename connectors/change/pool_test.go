package change

import "testing"

func TestReleaseGivesBackOnlyPooledEventsOnce(t *testing.T) {
	row := Row{int32(1)}
	ev := Pooled(Event{Op: OpRead, After: row, Pos: Position{Table: "t", Index: 7}})
	if ev.Op != OpRead || ev.Pos.Index != 7 || !ev.pooled {
		t.Fatalf("Pooled = %+v, want the fields given, marked pooled", *ev)
	}
	pos := ev.Pos
	ev.Release()
	if ev.Op != 0 || ev.After != nil || ev.pooled {
		t.Errorf("released event = %+v, want zero", *ev)
	}
	if pos.Table != "t" || row[0] != int32(1) {
		t.Errorf("release changed what the event referred to: pos %+v, row %v", pos, row)
	}
	// A second release must not put it in the pool twice (two sources
	// would then fill one event): it is no longer marked.
	ev.Release()

	plain := &Event{Op: OpCreate, After: row}
	plain.Release()
	if plain.Op != OpCreate || plain.After == nil {
		t.Errorf("Release changed an event Pooled did not make: %+v", *plain)
	}
	var none *Event
	none.Release()
}
