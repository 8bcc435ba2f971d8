package capture

import (
	"context"
	"errors"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestEmitterMarksRows pushes the rows of two tables (two chunks in the
// first) and checks each row's source.snapshot marker (SnapshotMarker's
// table is in postgres TestSnapshotMarkerAndChunkQuery), the chunk ends and
// that a row is sent only once its successor is known.
func TestEmitterMarksRows(t *testing.T) {
	for _, fresh := range []bool{true, false} {
		var sent []*change.Event
		var sizes []int
		e := &Emitter{SnapshotIdx: 1, Fresh: fresh, Send: func(_ context.Context, ev *change.Event, size int) error {
			sent = append(sent, ev)
			sizes = append(sizes, size)
			return nil
		}}
		ctx := context.Background()
		push := func(table int, first bool) {
			t.Helper()
			ev := &change.Event{Source: change.StructValue{"x", "unset"}}
			if err := e.Push(ctx, SnapRow{Ev: ev, Table: table, FirstInTable: first, Size: 10 + len(sent)}); err != nil {
				t.Fatal(err)
			}
		}
		push(0, true)
		if len(sent) != 0 {
			t.Fatal("a row was sent before its successor was known")
		}
		push(0, false)
		if err := e.EndChunk(ctx); err != nil {
			t.Fatal(err)
		}
		push(0, false)
		push(1, true)
		push(1, false)
		if err := e.EndChunk(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		first := "first"
		if !fresh {
			first = "first_in_data_collection"
		}
		want := []string{first, "true", "last_in_data_collection", "first_in_data_collection", "last"}
		if len(sent) != len(want) {
			t.Fatalf("fresh=%v: %d rows sent, want %d", fresh, len(sent), len(want))
		}
		for i, ev := range sent {
			if ev.Source[1] != want[i] || ev.Source[0] != "x" {
				t.Errorf("fresh=%v row %d: source %v, want marker %s", fresh, i, ev.Source, want[i])
			}
			if last := i == 1 || i == 4; ev.Pos.Last != last {
				t.Errorf("fresh=%v row %d: Pos.Last %v", fresh, i, ev.Pos.Last)
			}
		}
		if sizes[0] != 10 {
			t.Errorf("size %d, want 10", sizes[0])
		}
		if err := e.Finish(ctx); err != nil || len(sent) != len(want) {
			t.Errorf("a second Finish sent again: %v", err)
		}
	}

	// A send error stops the push that flushed.
	boom := errors.New("queue closed")
	e := &Emitter{Send: func(context.Context, *change.Event, int) error { return boom }}
	row := func() SnapRow { return SnapRow{Ev: &change.Event{Source: change.StructValue{nil}}} }
	if err := e.Push(context.Background(), row()); err != nil {
		t.Fatal(err)
	}
	if err := e.Push(context.Background(), row()); !errors.Is(err, boom) {
		t.Errorf("push: %v, want the send error", err)
	}
}

// TestEmitterSharedSource gives every row one Source block holding "true":
// the rows whose marker is "true" keep the shared block, the others get a
// copy with their marker, and the shared block is never written.
func TestEmitterSharedSource(t *testing.T) {
	shared := change.StructValue{"x", "true"}
	var sent []*change.Event
	e := &Emitter{SnapshotIdx: 1, Fresh: true, Send: func(_ context.Context, ev *change.Event, _ int) error {
		sent = append(sent, ev)
		return nil
	}}
	ctx := context.Background()
	for i, first := range []bool{true, false, false, false} {
		if err := e.Push(ctx, SnapRow{Ev: &change.Event{Source: shared}, Table: i / 3, FirstInTable: first}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"first", "true", "last_in_data_collection", "last"}
	for i, ev := range sent {
		if ev.Source[1] != want[i] || ev.Source[0] != "x" {
			t.Errorf("row %d: source %v, want marker %s", i, ev.Source, want[i])
		}
		if same := &ev.Source[0] == &shared[0]; same != (want[i] == "true") {
			t.Errorf("row %d (%s): shares the block: %v", i, want[i], same)
		}
	}
	if shared[1] != "true" {
		t.Errorf("the shared block was written: %v", shared)
	}
}

// TestEmitterSendAll: with SendAll the rows go out in runs of at most
// emitRun, in the order and with the markers Send gives them, and at the
// end of a chunk every row but the one held back has been given to SendAll.
func TestEmitterSendAll(t *testing.T) {
	type sentRow struct {
		marker string
		last   bool
		size   int
	}
	run := func(all bool) []sentRow {
		var sent []sentRow
		note := func(ev *change.Event, size int) {
			sent = append(sent, sentRow{marker: ev.Source[1].(string), last: ev.Pos.Last, size: size})
		}
		e := &Emitter{SnapshotIdx: 1, Fresh: true}
		if all {
			e.SendAll = func(_ context.Context, evs []Item) error {
				if len(evs) == 0 || len(evs) > emitRun {
					t.Fatalf("SendAll given %d events, want 1 to %d", len(evs), emitRun)
				}
				for _, it := range evs {
					note(it.Ev, it.Size)
				}
				return nil
			}
		} else {
			e.Send = func(_ context.Context, ev *change.Event, size int) error { note(ev, size); return nil }
		}
		ctx := context.Background()
		n := 0
		for table, rows := range []int{300, 1, 150} {
			for i := 0; i < rows; i++ {
				n++
				ev := &change.Event{Source: change.StructValue{"x", "unset"}}
				if err := e.Push(ctx, SnapRow{Ev: ev, Table: table, FirstInTable: i == 0, Size: n}); err != nil {
					t.Fatal(err)
				}
				if (i+1)%70 == 0 || i == rows-1 {
					if err := e.EndChunk(ctx); err != nil {
						t.Fatal(err)
					}
					if len(sent) != n-1 {
						t.Fatalf("all=%v: %d rows sent at a chunk's end, want %d (all but the one held back)", all, len(sent), n-1)
					}
				}
			}
		}
		if err := e.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sent) != n {
			t.Fatalf("all=%v: %d rows sent, want %d", all, len(sent), n)
		}
		return sent
	}
	one, all := run(false), run(true)
	for i := range one {
		if one[i] != all[i] {
			t.Fatalf("row %d: SendAll gave %+v, Send %+v", i, all[i], one[i])
		}
	}
}
