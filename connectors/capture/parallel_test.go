package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// parFake is a database for parallel snapshots: tables of integer keys,
// read by workers that take a little while per chunk, so that their chunks
// interleave.
type parFake struct {
	tables [][]int // keys, ascending; nil: the table is gone
	whole  []bool  // read in one pass (no key)
	delay  bool
	fail   int // a Chunk of table 0 after this many rows fails (0: never)

	mu     sync.Mutex
	chunks int
}

func (f *parFake) Table(ti int) (string, int, bool) {
	return "t" + strconv.Itoa(ti), 1, f.tables[ti] != nil
}

func (f *parFake) Worker(context.Context, int) (ParWorker, error) { return &parFakeWorker{f: f}, nil }

type parFakeWorker struct{ f *parFake }

func (w *parFakeWorker) Plan(_ context.Context, ti, parts int, minRows int64) (bool, [][]string, error) {
	keys := w.f.tables[ti]
	if w.f.whole[ti] {
		return false, nil, nil
	}
	if parts < 2 || int64(len(keys)) < minRows {
		return true, nil, nil
	}
	var bounds [][]string
	for i := 1; i < parts; i++ {
		bounds = append(bounds, []string{strconv.Itoa(keys[i*len(keys)/parts])})
	}
	return true, bounds, nil
}

func (w *parFakeWorker) Chunk(ctx context.Context, ti int, after, upTo []string, limit int,
	row func(ev *change.Event, key []string, size int) error) (int, []string, error) {
	f := w.f
	if f.delay {
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	}
	f.mu.Lock()
	f.chunks++
	f.mu.Unlock()
	lo, hi := -1<<62, 1<<62
	if after != nil {
		lo, _ = strconv.Atoi(after[0])
	}
	if upTo != nil {
		hi, _ = strconv.Atoi(upTo[0])
	}
	n := 0
	var last []string
	for _, k := range f.tables[ti] {
		if !f.whole[ti] && (k <= lo || k > hi || n == limit) {
			continue
		}
		if f.fail > 0 && ti == 0 && k >= f.fail {
			return 0, nil, errors.New("connection lost")
		}
		n++
		key := []string{strconv.Itoa(k)}
		last = key
		kj, _ := json.Marshal(key)
		if f.whole[ti] {
			kj = nil
		}
		ev := &change.Event{Op: change.OpRead, Source: []any{nil},
			Pos: change.Position{Snapshot: true, Table: "t" + strconv.Itoa(ti), Key: kj, TxID: key[0]}}
		if err := row(ev, key, 100); err != nil {
			return 0, nil, err
		}
	}
	return n, last, ctx.Err()
}

func (w *parFakeWorker) Close() error { return nil }

// parSent is a row as the stream got it.
type parSent struct {
	table  string
	key    int
	marker string
	pos    change.Position
}

// runPar runs a parallel snapshot of f from state and returns what it sent.
func runPar(t *testing.T, f *parFake, threads, parts, chunk int, state *ParState) ([]parSent, error) {
	t.Helper()
	var mu sync.Mutex
	var out []parSent
	e := &Emitter{SnapshotIdx: 0, Fresh: state == nil, Interleaved: true, Send: func(_ context.Context, ev *change.Event, _ int) error {
		mu.Lock()
		defer mu.Unlock()
		k, _ := strconv.Atoi(ev.Pos.TxID) // the fake's key, also for a table read whole
		out = append(out, parSent{table: ev.Pos.Table, key: k, marker: ev.Source[0].(string), pos: ev.Pos})
		return nil
	}}
	p := &Parallel{Log: slog.New(slog.DiscardHandler), Tables: len(f.tables), Threads: threads, Parts: parts, ChunkSize: chunk, Emitter: e,
		StateJSON: func(par *ParState) (json.RawMessage, error) { return json.Marshal(par) }}
	if state != nil {
		p.State = *state
	}
	err := p.Run(context.Background(), f)
	return out, err
}

func newParFake(delay bool) *parFake {
	seq := func(from, n, step int) []int {
		var k []int
		for i := range n {
			k = append(k, from+i*step)
		}
		return k
	}
	return &parFake{
		tables: [][]int{seq(1, 1000, 3), seq(5, 7, 1), {}, nil, seq(10, 30, 2), seq(1, 401, 1)},
		whole:  []bool{false, false, false, false, true, false},
		delay:  delay,
	}
}

// TestParallelSnapshotMarkers checks a fresh parallel snapshot: every row
// once, each range in key order, and Debezium's markers: first on the
// first table's first key, sent first; first_in_data_collection on each
// table's first key, sent before its other rows; last_in_data_collection
// on its last key, sent after them; last on the row sent last.
func TestParallelSnapshotMarkers(t *testing.T) {
	for _, c := range [][2]int{{1, 0}, {2, 0}, {4, 0}, {7, 0}, {4, 1}, {3, 9}} {
		threads, parts := c[0], c[1]
		t.Run(fmt.Sprint(threads, "x", parts), func(t *testing.T) {
			f := newParFake(true)
			out, err := runPar(t, f, threads, parts, 16, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkParOnce(t, f, out)
			if out[0].marker != "first" || out[0].table != "t0" || out[0].key != 1 {
				t.Errorf("first row %+v", out[0])
			}
			if out[len(out)-1].marker != "last" {
				t.Errorf("last row %+v", out[len(out)-1])
			}
			for ti, keys := range f.tables {
				name := "t" + strconv.Itoa(ti)
				var rows []parSent
				for _, s := range out {
					if s.table == name {
						rows = append(rows, s)
					}
				}
				if len(keys) == 0 {
					continue
				}
				first, last := rows[0], rows[len(rows)-1]
				if first.key != keys[0] || (first.marker != "first_in_data_collection" && first.marker != "first") {
					t.Errorf("%s: first row sent %+v", name, first)
				}
				if !f.whole[ti] && last.key != keys[len(keys)-1] || (last.marker != "last_in_data_collection" && last.marker != "last") {
					t.Errorf("%s: last row sent %+v", name, last)
				}
				for _, s := range rows[1 : len(rows)-1] {
					if s.marker != "true" {
						t.Errorf("%s: inner row %+v", name, s)
					}
				}
				if rows[len(rows)-1].pos.Index != int64(len(keys)) {
					t.Errorf("%s: last index %d, want %d", name, rows[len(rows)-1].pos.Index, len(keys))
				}
			}
		})
	}
}

// checkParOnce checks that every key of every table was sent exactly once
// (tables read whole: at least once) and that the rows of each range came
// in key order.
func checkParOnce(t *testing.T, f *parFake, out []parSent) {
	t.Helper()
	seen := map[string]int{}
	for _, s := range out {
		seen[s.table+"/"+strconv.Itoa(s.key)]++
	}
	for ti, keys := range f.tables {
		for _, k := range keys {
			id := "t" + strconv.Itoa(ti) + "/" + strconv.Itoa(k)
			if n := seen[id]; n != 1 && !(f.whole[ti] && n >= 1) {
				t.Errorf("%s sent %d times", id, n)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Per range (the state's Cur), keys ascend.
	lastOf := map[string]int{}
	for _, s := range out {
		var st ParState
		if err := json.Unmarshal(s.pos.State, &st); err != nil || st.Cur < 0 {
			t.Fatalf("state %s: %v", s.pos.State, err)
		}
		r := st.Ranges[st.Cur]
		id := fmt.Sprint(r.Table, "/", r.Part)
		if prev, ok := lastOf[id]; ok && s.key <= prev && !f.whole[r.Table] {
			t.Errorf("range %s: key %d after %d", id, s.key, prev)
		}
		lastOf[id] = s.key
	}
}

// TestParallelSnapshotResumes crashes a parallel snapshot after every k-th
// row (the checkpoint is that row's position) and resumes it from there,
// twice in a row: the rows sent before each crash and after the last
// restart are every row exactly once.
func TestParallelSnapshotResumes(t *testing.T) {
	f := newParFake(false)
	f.whole[4] = false // a table read whole is read again after a crash
	full, err := runPar(t, f, 4, 0, 16, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 60 {
		var kept []parSent
		var state *ParState
		for crash := range 3 {
			out, err := runPar(t, f, 1+rng.IntN(5), rng.IntN(8), 8+rng.IntN(20), state)
			if err != nil {
				t.Fatal(err)
			}
			if crash == 2 || len(out) == 0 {
				kept = append(kept, out...)
				break
			}
			cut := rng.IntN(len(out))
			kept = append(kept, out[:cut+1]...)
			cp := out[cut].pos
			var par ParState
			if err := json.Unmarshal(cp.State, &par); err != nil {
				t.Fatal(err)
			}
			var key []string
			if err := json.Unmarshal(cp.Key, &key); err != nil {
				t.Fatal(err)
			}
			next := par.ResumeAt(key, cp.Index)
			state = &next
		}
		if len(kept) != len(full) {
			t.Errorf("trial %d: %d rows, want %d", trial, len(kept), len(full))
		}
		checkParOnce(t, f, kept)
		// Each table's row count (Index) goes on across restarts.
		for _, s := range kept[len(kept)-1:] {
			if s.marker != "last" {
				t.Errorf("trial %d: last row %+v", trial, s)
			}
		}
		if t.Failed() {
			t.Fatalf("trial %d failed", trial)
		}
	}
}

// TestParallelSnapshotFails checks that a worker's error ends the run with
// that error and that the other workers stop.
func TestParallelSnapshotFails(t *testing.T) {
	f := newParFake(true)
	f.fail = 1500
	_, err := runPar(t, f, 4, 0, 16, nil)
	if err == nil || err.Error() != "connection lost" {
		t.Fatalf("err = %v", err)
	}
}

func TestParStateResumeAt(t *testing.T) {
	st := ParState{Next: 3, Cur: 1, Ranges: []ParRange{
		{Table: 1, Part: 0, Hi: []string{"10"}, After: []string{"4"}, Rows: 4},
		{Table: 1, Part: 1, After: []string{"12"}, Rows: 2, Last: true},
		{Table: 2, Rows: 7},
	}}
	got := st.ResumeAt([]string{"15"}, 9)
	if r := got.Ranges[1]; !slices.Equal(r.After, []string{"15"}) || r.Rows != 5 {
		t.Errorf("resumed range %+v", r)
	}
	if st.Ranges[1].Rows != 2 {
		t.Error("ResumeAt changed its receiver's ranges")
	}
	if r := st.ResumeAt(nil, 3).Ranges[1]; r.After != nil || r.Rows != 0 {
		t.Errorf("keyless resume %+v", r)
	}
}
