package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// sim drives the engine the way a source's producer will: between
// transactions it lets the engine read a chunk, then it streams the next
// transaction (or a keepalive when the log is read to its end), giving each
// item to Observe before "sending" it to out, the fake Kafka, which commits
// everything at once. A crash replaces the engine by one built from the
// state of a record of out and replays the log, skipping what is at or
// before that record, as the runtime does.
type sim struct {
	db   *fakeDB
	eng  *Incremental
	out  []record
	next int              // index in db.log of the next transaction to stream
	cp   *change.Position // restart point: stream items at or before it are skipped
	// lie makes Visibility views claim to be Exact (a fault the checker
	// must catch).
	lie bool
	// noResume leaves out ResumeAfter on a restart (a fault).
	noResume bool
}

func (s *sim) open(ctx context.Context) (View, error) {
	v, err := s.db.open(ctx)
	if err == nil && s.lie {
		fv := v.(*fakeView)
		return lyingView{fv}, nil
	}
	return v, err
}

type lyingView struct{ *fakeView }

func (v lyingView) At() Watermark { return Watermark{Point: lsn(v.point), Exact: true} }

// emit sends the rows Observe gave back; after a restart, as the runtime
// does, a row at or before the checkpoint is taken as already written.
func (s *sim) emit(ems []Emitted) {
	for _, em := range ems {
		if s.cp != nil && before(em.Ev.Pos, *s.cp) {
			continue
		}
		s.out = append(s.out, emittedRecord(em))
	}
}

// step streams one transaction or a keepalive. It reports whether a
// transaction was streamed.
func (s *sim) step(t *testing.T) bool {
	t.Helper()
	if err := s.eng.Step(context.Background(), s.open); err != nil {
		t.Fatal(err)
	}
	if s.next == len(s.db.log) {
		s.emit(s.eng.Observe(&StreamItem{At: lsn(s.db.end())}))
		return false
	}
	tx := s.db.log[s.next]
	s.next++
	for j, c := range tx.changes {
		pos := change.Position{Tx: tx.lsn, Index: int64(j), Last: j == len(tx.changes)-1}
		if s.cp != nil && before(pos, *s.cp) {
			continue
		}
		id, _ := ParseTableID(c.table)
		s.emit(s.eng.Observe(&StreamItem{Table: id, Key: keyText(c.key), Tx: TxRef{XID: tx.xid}, At: lsn(tx.lsn)}))
		pos.State = s.eng.StateJSON()
		op := change.OpUpdate
		if c.del {
			op = change.OpDelete
		}
		s.out = append(s.out, record{table: c.table, key: c.key, ver: c.ver, op: op, pos: pos})
	}
	return true
}

// crash keeps out up to and including record j (committed with its
// checkpoint) and restarts from it.
func (s *sim) crash(t *testing.T, j int) {
	t.Helper()
	s.out = s.out[:j+1]
	cp := s.out[j].pos
	var st IncState
	if err := json.Unmarshal(cp.State, &st); err != nil {
		t.Fatalf("state of record %d (%s): %v", j, s.out[j], err)
	}
	s.eng = NewIncremental(st, s.eng.ChunkSize, nil)
	if !s.noResume {
		s.eng.ResumeAfter(cp)
	}
	s.cp = &cp
	s.next = 0
}

// write commits a random transaction of one to three changes.
func write(db *fakeDB, rng *rand.Rand, tables []string) {
	n := 1 + rng.IntN(3)
	var cs []fakeChange
	for range n {
		t := tables[rng.IntN(len(tables))]
		k := 1 + rng.IntN(60)
		c := fakeChange{table: t, key: k}
		if _, ok := db.rows[t][k]; ok && rng.IntN(3) == 0 {
			c.ver = -1
		}
		cs = append(cs, c)
	}
	db.commit(cs...)
}

// simOpts is one scenario: the watermark kind, the chunk size, the record
// after which it crashes once (-1: never), and faults to inject.
type simOpts struct {
	exact         bool
	chunk         int
	crashAt       int
	lie, noResume bool
}

// runSim runs a scenario from seed. It returns the database and the
// records in Kafka.
func runSim(t *testing.T, seed uint64, o simOpts) (*fakeDB, []record) {
	t.Helper()
	exact, crashAt := o.exact, o.crashAt
	rng := rand.New(rand.NewPCG(seed, 7))
	tables := []string{"s.a", "s.b"}
	db := newFakeDB(exact, tables...)
	for _, tb := range tables {
		for k := 1; k <= 40; k++ {
			if rng.IntN(4) != 0 {
				db.seed(tb, k)
			}
		}
	}
	if !exact {
		db.during = func() {
			if rng.IntN(2) == 0 {
				write(db, rng, tables)
			}
		}
	}
	s := &sim{db: db, eng: NewIncremental(IncState{}, o.chunk, nil), lie: o.lie, noResume: o.noResume}
	s.eng.Add(incQueue(tables...)...)
	crashed := crashAt < 0
	for i := 0; i < 150; i++ {
		if rng.IntN(2) == 0 {
			write(db, rng, tables)
		}
		s.step(t)
		if !crashed && len(s.out) > crashAt {
			s.crash(t, crashAt)
			crashed = true
		}
	}
	for i := 0; s.next < len(db.log) || s.eng.State().Running() || s.eng.WindowOpen(); i++ {
		if i > 10000 {
			t.Fatalf("the snapshot does not end: state %+v", s.eng.State())
		}
		s.step(t)
		if !crashed && len(s.out) > crashAt {
			s.crash(t, crashAt)
			crashed = true
		}
	}
	return db, s.out
}

// check is the consumer's view of what the engine promises: positions
// strictly increase, each row has at most one r, no record of a row is
// older than one before it (no stale r after a newer change), and applying
// the records gives the database's final rows (none lost).
func check(db *fakeDB, out []record) error {
	type rowID struct {
		t string
		k int
	}
	reads := map[rowID]int{}
	last := map[rowID]int{}
	state := map[rowID]int{}
	for i, r := range out {
		if i > 0 && before(r.pos, out[i-1].pos) {
			return fmt.Errorf("record %d (%s) does not sort after %s", i, r, out[i-1])
		}
		id := rowID{r.table, r.key}
		if r.op == change.OpRead {
			if reads[id]++; reads[id] > 1 {
				return fmt.Errorf("record %d (%s): a second r of the row", i, r)
			}
		}
		if r.ver < last[id] {
			return fmt.Errorf("record %d (%s): older than v%d sent before it", i, r, last[id])
		}
		last[id] = max(last[id], r.ver)
		if r.op == change.OpDelete {
			delete(state, id)
		} else {
			state[id] = r.ver
		}
	}
	for t, rows := range db.rows {
		for k, v := range rows {
			if state[rowID{t, k}] != v {
				return fmt.Errorf("row %s/%d: Kafka gives v%d, the database holds v%d", t, k, state[rowID{t, k}], v)
			}
			delete(state, rowID{t, k})
		}
	}
	for id, v := range state {
		return fmt.Errorf("row %s/%d v%d is in Kafka but not in the database", id.t, id.k, v)
	}
	return nil
}

// TestIncrementalCrashAtEveryRecord runs random writers beside incremental
// snapshots of two tables, on Exact and Visibility watermarks and several
// chunk sizes, and crashes after every record in turn: the records in
// Kafka must pass check each time.
func TestIncrementalCrashAtEveryRecord(t *testing.T) {
	for _, exact := range []bool{true, false} {
		for _, chunk := range []int{1, 4, 16, 1000} {
			for seed := uint64(1); seed <= 3; seed++ {
				name := fmt.Sprintf("exact=%v/chunk=%d/seed=%d", exact, chunk, seed)
				t.Run(name, func(t *testing.T) {
					db, out := runSim(t, seed, simOpts{exact: exact, chunk: chunk, crashAt: -1})
					if err := check(db, out); err != nil {
						t.Fatalf("without a crash: %v\n%s", err, describe(out))
					}
					reads := 0
					for _, r := range out {
						if r.op == change.OpRead {
							reads++
						}
					}
					if reads == 0 {
						t.Fatal("the snapshot emitted no row")
					}
					for j := range out {
						db, got := runSim(t, seed, simOpts{exact: exact, chunk: chunk, crashAt: j})
						if err := check(db, got); err != nil {
							t.Fatalf("crash after record %d (%s): %v\n%s", j, out[j], err, describe(got))
						}
					}
				})
			}
		}
	}
}

// TestIncrementalSimCatchesFaults shows that the simulation and its
// checker can fail: a View that calls a Visibility watermark Exact skips
// the deduplication, and some seed must then give a stale r.
func TestIncrementalSimCatchesFaults(t *testing.T) {
	caught := false
	for seed := uint64(1); seed <= 20 && !caught; seed++ {
		db, out := runSim(t, seed, simOpts{chunk: 4, crashAt: -1, lie: true})
		caught = check(db, out) != nil
	}
	if !caught {
		t.Fatal("no seed caught an engine that does not deduplicate")
	}
	// Restarting without the checkpoint's index numbers the next rows of
	// an idle database's watermark from 0 again: they do not sort after
	// the checkpoint, and the runtime skips them.
	caught = false
	for j := 0; j < 200 && !caught; j++ {
		db, out := runSim(t, 1, simOpts{exact: true, chunk: 1, crashAt: j, noResume: true})
		caught = check(db, out) != nil
	}
	if !caught {
		t.Fatal("no crash caught a restart that forgets the checkpoint's index")
	}
	r := func(k, v int, op change.Op, tx uint64) record {
		return record{table: "s.a", key: k, ver: v, op: op, pos: change.Position{Tx: tx}}
	}
	db := newFakeDB(true, "s.a")
	db.seed("s.a", 1) // v1
	cases := map[string][]record{
		"lost":      {},
		"twice":     {r(1, 1, change.OpRead, 1), r(1, 1, change.OpRead, 2)},
		"stale":     {r(1, 2, change.OpUpdate, 1), r(1, 1, change.OpRead, 2)},
		"unordered": {r(1, 1, change.OpRead, 2), r(1, 1, change.OpUpdate, 1)},
		"extra":     {r(1, 1, change.OpRead, 1), r(2, 1, change.OpRead, 2)},
	}
	for name, out := range cases {
		if check(db, out) == nil {
			t.Errorf("%s: check passed %s", name, describe(out))
		}
	}
	if err := check(db, []record{r(1, 1, change.OpRead, 1)}); err != nil {
		t.Errorf("a correct output fails: %v", err)
	}
}
