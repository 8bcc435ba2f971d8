package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%02d", i)
	}
	return out
}

// checkBalanced fails unless every connector is in exactly one member's list
// and the counts differ by at most one.
func checkBalanced(t *testing.T, connectors []string, got map[string][]string) {
	t.Helper()
	seen := map[string]string{}
	lo, hi := len(connectors)+1, -1
	for m, cs := range got {
		lo, hi = min(lo, len(cs)), max(hi, len(cs))
		for _, c := range cs {
			if o, ok := seen[c]; ok {
				t.Fatalf("connector %s assigned to %s and %s", c, o, m)
			}
			seen[c] = m
		}
	}
	for _, c := range connectors {
		if _, ok := seen[c]; !ok {
			t.Fatalf("connector %s assigned to nobody: %v", c, got)
		}
	}
	if len(seen) != len(connectors) {
		t.Fatalf("assigned %d connectors, want %d: %v", len(seen), len(connectors), got)
	}
	if hi-lo > 1 {
		t.Fatalf("unbalanced: counts from %d to %d: %v", lo, hi, got)
	}
}

// settle runs rebalances as the members would: each member's claim becomes
// what it was given, until no connector is held back. It returns the final
// assignment and the number of rounds.
func settle(t *testing.T, connectors []string, members []MemberState) (map[string][]string, int) {
	t.Helper()
	for round := 1; round <= 3; round++ {
		got, held := Assign(connectors, members)
		if !held {
			return got, round
		}
		for i := range members {
			members[i].Owned = got[members[i].MemberID]
			members[i].Generation++
		}
	}
	t.Fatalf("still holding connectors back after 3 rounds")
	return nil, 0
}

func TestAssignFreshIsBalancedAndComplete(t *testing.T) {
	for _, tc := range []struct{ connectors, members int }{{0, 1}, {1, 3}, {12, 3}, {13, 3}, {5, 7}, {100, 6}} {
		cs := names(tc.connectors)
		var ms []MemberState
		for i := range tc.members {
			ms = append(ms, MemberState{MemberID: fmt.Sprintf("m%d", i), WorkerID: fmt.Sprintf("http://w%d:8083", i)})
		}
		got, held := Assign(cs, ms)
		if held {
			t.Fatalf("%+v: nothing is owned, yet connectors were held back", tc)
		}
		if len(got) != tc.members {
			t.Fatalf("%+v: %d members in the result, want %d", tc, len(got), tc.members)
		}
		checkBalanced(t, cs, got)
	}
}

func TestAssignNoMembers(t *testing.T) {
	got, held := Assign(names(3), nil)
	if len(got) != 0 || held {
		t.Fatalf("got %v, %v; want nothing", got, held)
	}
}

func TestAssignIsDeterministic(t *testing.T) {
	cs := names(17)
	ms := []MemberState{
		{MemberID: "a", WorkerID: "w1", Owned: []string{"c00", "c03", "c09"}, Generation: 4},
		{MemberID: "b", WorkerID: "w2", Owned: []string{"c01", "c03", "c04", "c05", "c06", "c07", "c08"}, Generation: 4},
		{MemberID: "c", WorkerID: "w3", Generation: 0},
		{MemberID: "d", WorkerID: "w0", Owned: []string{"c16", "gone"}, Generation: 3},
	}
	want, wantHeld := Assign(cs, ms)
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		shuffled := slices.Clone(ms)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		c2 := slices.Clone(cs)
		r.Shuffle(len(c2), func(i, j int) { c2[i], c2[j] = c2[j], c2[i] })
		got, held := Assign(c2, shuffled)
		if held != wantHeld || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order changed the result:\n%v %v\n%v %v", got, held, want, wantHeld)
		}
	}
}

func TestAssignStickyWhenNothingChanges(t *testing.T) {
	cs := names(10)
	ms := []MemberState{
		{MemberID: "a", WorkerID: "w1", Owned: []string{"c00", "c05", "c07", "c09"}},
		{MemberID: "b", WorkerID: "w2", Owned: []string{"c01", "c02", "c08"}},
		{MemberID: "c", WorkerID: "w3", Owned: []string{"c03", "c04", "c06"}},
	}
	got, held := Assign(cs, ms)
	if held {
		t.Fatal("a balanced assignment held connectors back")
	}
	for _, m := range ms {
		if !slices.Equal(got[m.MemberID], m.Owned) {
			t.Fatalf("member %s: got %v, want its own %v", m.MemberID, got[m.MemberID], m.Owned)
		}
	}
}

// moved counts connectors whose member differs between two assignments.
func moved(before, after map[string][]string) int {
	owner := map[string]string{}
	for m, cs := range before {
		for _, c := range cs {
			owner[c] = m
		}
	}
	n := 0
	for m, cs := range after {
		for _, c := range cs {
			if o, ok := owner[c]; ok && o != m {
				n++
			}
		}
	}
	return n
}

func TestAssignJoinMovesFewestInTwoRounds(t *testing.T) {
	cs := names(12)
	ms := []MemberState{{MemberID: "a", WorkerID: "w1"}, {MemberID: "b", WorkerID: "w2"}, {MemberID: "c", WorkerID: "w3"}}
	before, _ := Assign(cs, ms)
	checkBalanced(t, cs, before)
	for i := range ms {
		ms[i].Owned, ms[i].Generation = before[ms[i].MemberID], 1
	}
	ms = append(ms, MemberState{MemberID: "d", WorkerID: "w4"})

	first, held := Assign(cs, ms)
	if !held {
		t.Fatal("a new member must be given connectors only after their owners release them")
	}
	if len(first["d"]) != 0 {
		t.Fatalf("new member got %v while their owners still run them", first["d"])
	}
	for _, m := range ms[:3] {
		if n := len(first[m.MemberID]); n != 3 {
			t.Fatalf("member %s keeps %d, want 3 (one revoked)", m.MemberID, n)
		}
		for _, c := range first[m.MemberID] {
			if !slices.Contains(m.Owned, c) {
				t.Fatalf("member %s given %s that it did not own, during a revocation round", m.MemberID, c)
			}
		}
	}

	after, rounds := settle(t, cs, ms)
	if rounds != 2 {
		t.Fatalf("settled in %d rounds after the first, want 2", rounds)
	}
	checkBalanced(t, cs, after)
	if n := moved(before, after); n != 3 {
		t.Fatalf("%d connectors moved, want 3 (12 over 3 -> 4 members)", n)
	}
	if len(after["d"]) != 3 {
		t.Fatalf("new member runs %v, want 3 connectors", after["d"])
	}
}

func TestAssignLeaveHandsOverAtOnce(t *testing.T) {
	cs := names(12)
	ms := []MemberState{{MemberID: "a", WorkerID: "w1"}, {MemberID: "b", WorkerID: "w2"}, {MemberID: "c", WorkerID: "w3"}, {MemberID: "d", WorkerID: "w4"}}
	before, _ := Assign(cs, ms)
	for i := range ms {
		ms[i].Owned, ms[i].Generation = before[ms[i].MemberID], 1
	}
	gone := ms[1]
	rest := []MemberState{ms[0], ms[2], ms[3]}
	after, held := Assign(cs, rest)
	if held {
		t.Fatal("the connectors of a member that left are free; nothing should be held back")
	}
	checkBalanced(t, cs, after)
	if n := moved(before, after); n != len(gone.Owned) {
		t.Fatalf("%d connectors moved, want only the %d of the member that left", n, len(gone.Owned))
	}
}

func TestAssignConflictingClaimsLaterGenerationWins(t *testing.T) {
	cs := names(2)
	ms := []MemberState{
		{MemberID: "a", WorkerID: "w1", Owned: []string{"c00", "c01"}, Generation: 3},
		{MemberID: "b", WorkerID: "w2", Owned: []string{"c01"}, Generation: 5},
	}
	got, held := Assign(cs, ms)
	if held {
		t.Fatalf("got %v held; the later claim on c01 stands and a keeps c00", got)
	}
	if !slices.Equal(got["a"], []string{"c00"}) || !slices.Equal(got["b"], []string{"c01"}) {
		t.Fatalf("got %v; want a:[c00] b:[c01]", got)
	}
}

func TestAssignRandomChurnStaysBalancedAndSafe(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	cs := names(23)
	var ms []MemberState
	next := 0
	for step := range 200 {
		if len(ms) == 0 || (len(ms) < 8 && r.IntN(2) == 0) {
			ms = append(ms, MemberState{MemberID: fmt.Sprintf("m%d", next), WorkerID: fmt.Sprintf("w%d", r.IntN(100))})
			next++
		} else {
			i := r.IntN(len(ms))
			ms = slices.Delete(ms, i, i+1)
		}
		if len(ms) == 0 {
			continue
		}
		got, held := Assign(cs, ms)
		// Safety: in a generation nobody is given a connector that another
		// live member still owns.
		for _, m := range ms {
			for _, c := range got[m.MemberID] {
				for _, o := range ms {
					if o.MemberID != m.MemberID && slices.Contains(o.Owned, c) {
						t.Fatalf("step %d: %s given to %s while %s still owns it", step, c, m.MemberID, o.MemberID)
					}
				}
			}
		}
		for i := range ms {
			ms[i].Owned = got[ms[i].MemberID]
			ms[i].Generation++
		}
		if held {
			got, _ = settle(t, cs, ms)
			for i := range ms {
				ms[i].Owned = got[ms[i].MemberID]
			}
		}
		checkBalanced(t, cs, got)
	}
}
