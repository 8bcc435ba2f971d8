package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestPending checks what the scan of a resumed snapshot gets from the
// read-ahead: the first change of each row, in key order (numeric, not
// textual), each once, with the row the scan is at reported apart.
func TestPending(t *testing.T) {
	p := NewPending[string]()
	for _, c := range []struct {
		table int
		key   string
		row   string
		kept  bool
	}{
		{0, "100", "100 first", true},
		{0, "100", "100 later", false}, // the first change stays
		{0, "20", "20", true},
		{0, "11", "11", true},
		{1, "11", "other table", true},
	} {
		if got := p.Record(c.table, []string{c.key}, c.row); got != c.kept {
			t.Errorf("Record(%d, %s) = %v", c.table, c.key, got)
		}
	}
	if p.Count() != 4 || !p.Has(0, []string{"20"}) || p.Has(0, []string{"21"}) || p.Has(2, []string{"11"}) {
		t.Fatalf("count %d, or Has wrong", p.Count())
	}
	order := KeyOrder{Numeric}
	for i, s := range []struct {
		at     []string // the scan's row; nil: the table's end
		before []string // rows handed out before it
		same   string   // the scan's row itself, if held
	}{
		{at: []string{"11"}, same: "11"},
		{at: []string{"12"}},
		{at: []string{"99"}, before: []string{"20"}},
		{at: nil, before: []string{"100 first"}},
		{at: nil}, // handed out once
	} {
		rows, same, ok := p.UpTo(0, s.at, order)
		if !slices.Equal(rows, s.before) || ok != (s.same != "") || same != s.same {
			t.Errorf("step %d: UpTo(%v) = %v, %q, %v; want %v, %q", i, s.at, rows, same, ok, s.before, s.same)
		}
	}
	if rows, _, _ := p.UpTo(1, nil, order); !slices.Equal(rows, []string{"other table"}) {
		t.Errorf("table 1: %v", rows)
	}
	if rows, _, ok := p.UpTo(5, nil, order); rows != nil || ok {
		t.Error("a table without changes handed out rows")
	}
	var none *Pending[string]
	if rows, _, ok := none.UpTo(0, nil, order); rows != nil || ok || none.Has(0, nil) || none.Count() != 0 {
		t.Error("a nil Pending holds something")
	}
}

// TestPendingBetween: the workers of a resumed parallel snapshot each ask
// for the rows held in their own key range, in key order (numeric), row by
// row or for the rest of the range, in any interleaving, and get each row
// once overall.
func TestPendingBetween(t *testing.T) {
	p := NewPending[string]()
	for _, k := range []string{"100", "7", "30", "55", "9", "61"} {
		p.Record(0, []string{k}, k)
	}
	p.Record(1, []string{"5"}, "t1")
	order := KeyOrder{Numeric}
	p.Sort(func(int) KeyOrder { return order })
	for i, s := range []struct {
		after, at []string
		rows      []string
		same      string
	}{
		{after: []string{"50"}, at: []string{"55"}, same: "55"}, // range (50, ...]: its first row
		{after: nil, at: []string{"8"}, rows: []string{"7"}},    // range (.., 50]
		{after: []string{"55"}, at: []string{"60"}},
		{after: []string{"8"}, at: []string{"9"}, same: "9"},
		{after: []string{"9"}, at: nil, rows: []string{"30", "55", "61", "100"}},
		{after: []string{"100"}, at: nil},
		{after: []string{"60"}, at: []string{"61"}, same: "61"},
	} {
		rows, same, ok := p.Between(0, s.after, s.at, order)
		if !slices.Equal(rows, s.rows) || ok != (s.same != "") || same != s.same {
			t.Errorf("step %d: Between(%v, %v) = %v, %q, %v; want %v, %q", i, s.after, s.at, rows, same, ok, s.rows, s.same)
		}
	}
	if rows, _, _ := p.Between(1, nil, nil, order); !slices.Equal(rows, []string{"t1"}) {
		t.Errorf("table 1: %v", rows)
	}
	var none *Pending[string]
	if rows, _, ok := none.Between(0, nil, nil, order); rows != nil || ok {
		t.Error("a nil Pending holds something")
	}
}

func TestTouchKey(t *testing.T) {
	for _, pair := range [][2]string{
		{TouchKey(0, []string{"a", "b"}), TouchKey(0, []string{"a\x00b"})},
		{TouchKey(0, []string{"a", "b"}), TouchKey(0, []string{"ab"})},
		{TouchKey(0, []string{"1,2:x"}), TouchKey(0, []string{"1", "x"})},
		{TouchKey(1, []string{"7"}), TouchKey(0, []string{"7"})},
		{TouchKey(1, []string{"7"}), TouchKey(17, nil)},
	} {
		if pair[0] == pair[1] {
			t.Errorf("two rows meet at %q", pair[0])
		}
	}
	if TouchKey(3, []string{"x", ""}) != "3,1:x,0:" {
		t.Errorf("%q", TouchKey(3, []string{"x", ""}))
	}
}

// fakeScan is a Scan over tables of integer keys 1..rows.
type fakeScan struct {
	tables []fakeTable
	calls  []string // "chunk t after" and "end t", in order
}

type fakeTable struct {
	name    string
	gone    bool
	chunked bool
	keyLen  int
	rows    int
}

func (f *fakeScan) Table(ti int) (string, int, bool) {
	t := f.tables[ti]
	return t.name, t.keyLen, !t.gone
}

func (f *fakeScan) Begin(_ context.Context, ti int) (bool, error) {
	if f.tables[ti].name == "broken" {
		return false, errors.New("override fails")
	}
	return f.tables[ti].chunked, nil
}

// Chunk reads 3 rows at most (the chunk size), all of them when the table
// is not chunked.
func (f *fakeScan) Chunk(ctx context.Context, ti int, e *Emitter, after []string, count *int64) (int, []string, error) {
	t := f.tables[ti]
	from := 0
	if after != nil {
		from, _ = strconv.Atoi(after[0])
	}
	f.calls = append(f.calls, fmt.Sprintf("chunk %s %v", t.name, after))
	n := 0
	var last []string
	for k := from + 1; k <= t.rows && (n < 3 || !t.chunked); k++ {
		n++
		*count++
		last = []string{strconv.Itoa(k)}
		ev := &change.Event{Source: change.StructValue{nil}, Pos: change.Position{Table: t.name, Key: []byte(last[0])}}
		if err := e.Push(ctx, SnapRow{Ev: ev, Table: ti, FirstInTable: *count == 1}); err != nil {
			return 0, nil, err
		}
	}
	return n, last, nil
}

func (f *fakeScan) End(_ context.Context, ti int, _ *Emitter, chunked bool, count *int64) error {
	f.calls = append(f.calls, fmt.Sprintf("end %s chunked=%v rows=%d", f.tables[ti].name, chunked, *count))
	return nil
}

func TestBackfillRun(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tables    []fakeTable
		start     int
		after     []string
		count     int64
		wantCalls []string
		wantRows  []string // table:key in sent order
		wantLog   string
		wantErr   bool
	}{
		{
			name:   "fresh, chunks end at a short one, a gone table skipped",
			tables: []fakeTable{{name: "a", chunked: true, keyLen: 1, rows: 6}, {name: "gone", gone: true}, {name: "b", chunked: true, keyLen: 1, rows: 2}},
			wantCalls: []string{"chunk a []", "chunk a [3]", "chunk a [6]", "end a chunked=true rows=6",
				"chunk b []", "end b chunked=true rows=2"},
			wantRows: []string{"a:1", "a:2", "a:3", "a:4", "a:5", "a:6", "b:1", "b:2"},
		},
		{
			name:      "resumed after a key",
			tables:    []fakeTable{{name: "a", chunked: true, keyLen: 1, rows: 5}, {name: "b", rows: 1}},
			after:     []string{"2"},
			count:     2,
			wantCalls: []string{"chunk a [2]", "chunk a [5]", "end a chunked=true rows=5", "chunk b []", "end b chunked=false rows=1"},
			wantRows:  []string{"a:3", "a:4", "a:5", "b:1"},
		},
		{
			name:      "resumed in a later table",
			tables:    []fakeTable{{name: "a", chunked: true, keyLen: 1, rows: 5}, {name: "b", chunked: true, keyLen: 1, rows: 4}},
			start:     1,
			after:     []string{"3"},
			count:     3,
			wantCalls: []string{"chunk b [3]", "end b chunked=true rows=4"},
			wantRows:  []string{"b:4"},
		},
		{
			name:      "the key changed: the table again from its start",
			tables:    []fakeTable{{name: "a", chunked: true, keyLen: 2, rows: 2}},
			after:     []string{"1"},
			count:     1,
			wantCalls: []string{"chunk a []", "end a chunked=true rows=2"},
			wantRows:  []string{"a:1", "a:2"},
		},
		{
			name:      "an override without the key: again from the start, with a warning",
			tables:    []fakeTable{{name: "a", keyLen: 1, rows: 4}},
			after:     []string{"1"},
			count:     1,
			wantCalls: []string{"chunk a []", "end a chunked=false rows=4"},
			wantRows:  []string{"a:1", "a:2", "a:3", "a:4"},
			wantLog:   "override SELECT lacks the key",
		},
		{
			name:    "Begin fails",
			tables:  []fakeTable{{name: "broken", chunked: true, keyLen: 1}},
			wantErr: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			var sent []string
			var last *change.Event
			e := &Emitter{Fresh: true}
			e.Send = func(_ context.Context, ev *change.Event, _ int) error {
				sent = append(sent, ev.Pos.Table+":"+string(ev.Pos.Key))
				last = ev
				return nil
			}
			f := &fakeScan{tables: tc.tables}
			b := Backfill{Log: slog.New(slog.NewTextHandler(&logs, nil)), Tables: len(tc.tables), Start: tc.start,
				StartAfter: tc.after, StartCount: tc.count, ChunkSize: 3, Emitter: e}
			err := b.Run(context.Background(), f)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Run: %v", err)
			}
			if tc.wantErr {
				return
			}
			if !slices.Equal(f.calls, tc.wantCalls) {
				t.Errorf("calls %q\nwant  %q", f.calls, tc.wantCalls)
			}
			if !slices.Equal(sent, tc.wantRows) {
				t.Errorf("rows %v, want %v", sent, tc.wantRows)
			}
			if last == nil || last.Source[0] != "last" {
				t.Errorf("the last row was not sent as the snapshot's last: %v", last)
			}
			if !strings.Contains(logs.String(), "table snapshot done") || strings.Contains(logs.String(), "override SELECT") != (tc.wantLog != "") {
				t.Errorf("log:\n%s", logs.String())
			}
		})
	}
}
