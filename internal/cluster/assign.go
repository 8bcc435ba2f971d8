package cluster

import (
	"cmp"
	"slices"
)

// MemberState is what the leader knows about one member of a generation:
// its member id (given by the coordinator), its worker id (its REST URL),
// and the connectors it says it runs, with the generation in which it was
// last given them.
type MemberState struct {
	MemberID   string
	WorkerID   string
	Owned      []string
	Generation int32
}

// Assign computes which member runs which connector. The result maps every
// member id of members to the sorted connectors it may run in the new
// generation (possibly none).
//
// The target is balanced (counts differ by at most one), sticky (a connector
// stays with the live member that owns it unless that member is above its
// share) and deterministic (the same input, in any order, gives the same
// result). When two members claim one connector (a member that missed a
// generation), the claim from the later generation wins, then the first
// member in (worker id, member id) order.
//
// A connector whose target is not its current owner is left out of this
// generation (revoked: its owner stops it and rejoins, and the next
// generation assigns it, unclaimed, to its target). A connector nobody owns
// goes to its target at once. The second return value is true when some
// connectors were held back, so a follow-up rebalance is needed.
func Assign(connectors []string, members []MemberState) (map[string][]string, bool) {
	out := make(map[string][]string, len(members))
	if len(members) == 0 {
		return out, false
	}
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b MemberState) int {
		return cmp.Or(cmp.Compare(a.WorkerID, b.WorkerID), cmp.Compare(a.MemberID, b.MemberID))
	})
	want := make(map[string]bool, len(connectors))
	for _, c := range connectors {
		want[c] = true
	}

	// owner: the one live member whose claim on a wanted connector stands.
	owner := make(map[string]int)
	claimGen := make(map[string]int32)
	for i, m := range ms {
		for _, c := range m.Owned {
			if !want[c] {
				continue
			}
			if j, ok := owner[c]; ok && (j == i || claimGen[c] >= m.Generation) {
				continue
			}
			owner[c] = i
			claimGen[c] = m.Generation
		}
	}
	owned := make([][]string, len(ms))
	for c, i := range owner {
		owned[i] = append(owned[i], c)
	}
	for i := range owned {
		slices.Sort(owned[i])
	}

	// Shares: n/m each, and one more for the n%m members that own the most
	// (ties in member order), so the fewest connectors move.
	n := len(want)
	base, extra := n/len(ms), n%len(ms)
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(owned[b]), len(owned[a])) })
	share := make([]int, len(ms))
	for k, i := range order {
		share[i] = base
		if k < extra {
			share[i]++
		}
	}

	// Keep what each member owns, up to its share; the rest is free.
	target := make([][]string, len(ms))
	kept := make(map[string]bool, n)
	for i := range ms {
		k := min(share[i], len(owned[i]))
		target[i] = slices.Clone(owned[i][:k])
		for _, c := range target[i] {
			kept[c] = true
		}
	}
	var free []string
	for c := range want {
		if !kept[c] {
			free = append(free, c)
		}
	}
	slices.Sort(free)
	for i := range ms {
		for len(target[i]) < share[i] && len(free) > 0 {
			target[i] = append(target[i], free[0])
			free = free[1:]
		}
	}

	// Hold back connectors a live member still owns but another is to run.
	held := false
	for i, m := range ms {
		var got []string
		for _, c := range target[i] {
			if j, ok := owner[c]; ok && j != i {
				held = true
				continue
			}
			got = append(got, c)
		}
		slices.Sort(got)
		if got == nil {
			got = []string{}
		}
		out[m.MemberID] = got
	}
	return out, held
}
