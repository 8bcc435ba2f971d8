package postgres

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// pgSnapshot is a pg_current_snapshot() value: every transaction below Xmin
// had finished, none at or above Xmax had started, Xip were running.
type pgSnapshot struct {
	Xmin uint64   `json:"xmin"`
	Xmax uint64   `json:"xmax"`
	Xip  []uint64 `json:"xip,omitempty"`
}

// parsePgSnapshot parses the text form "xmin:xmax:xip1,xip2,...".
func parsePgSnapshot(s string) (pgSnapshot, error) {
	var snap pgSnapshot
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return snap, fmt.Errorf("malformed snapshot %q", s)
	}
	var err error
	if snap.Xmin, err = strconv.ParseUint(parts[0], 10, 64); err != nil {
		return snap, fmt.Errorf("malformed snapshot %q: %w", s, err)
	}
	if snap.Xmax, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
		return snap, fmt.Errorf("malformed snapshot %q: %w", s, err)
	}
	if parts[2] != "" {
		for _, x := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return snap, fmt.Errorf("malformed snapshot %q: %w", s, err)
			}
			snap.Xip = append(snap.Xip, v)
		}
	}
	slices.Sort(snap.Xip)
	return snap, nil
}

// visible reports whether the (committed) transaction xid is visible in the
// snapshot, i.e. whether the snapshot's rows already contain its changes.
func (s *pgSnapshot) visible(xid uint64) bool {
	if xid < s.Xmin {
		return true
	}
	if xid >= s.Xmax {
		return false
	}
	_, running := slices.BinarySearch(s.Xip, xid)
	return !running
}

// widenXid turns the 32-bit xid of a pgoutput BEGIN into a 64-bit xid8 using
// the epoch of ref (a full xid from the same era): the result is the value
// with those low 32 bits nearest to ref. Transactions more than 2^31 xids
// apart cannot coexist in a cluster (wraparound protection), so this is exact.
func widenXid(xid uint32, ref uint64) uint64 {
	c := ref&^0xFFFFFFFF | uint64(xid)
	const half = 1 << 31
	switch {
	case c > ref && c-ref > half && c >= 1<<32:
		c -= 1 << 32
	case c < ref && ref-c > half:
		c += 1 << 32
	}
	return c
}

// keyKind says how a key column's text form orders, matching the chunk
// query's ORDER BY.
type keyKind uint8

const (
	keyText    keyKind = iota // bytewise: text with COLLATE "C", uuid, bool, bytea hex, ISO dates...
	keyNumeric                // numerically: integers, numeric, floats
)

// keyKindOf returns the ordering of a column of base type oid.
func keyKindOf(oid uint32) keyKind {
	switch oid {
	case 20, 21, 23, 26, 700, 701, 1700: // int8, int2, int4, oid, float4, float8, numeric
		return keyNumeric
	}
	return keyText
}

// compareKeys compares two composite keys (text forms, same length)
// lexicographically, column by column, as the chunk query's ORDER BY does.
func compareKeys(kinds []keyKind, a, b []string) int {
	for i := range min(len(a), len(b)) {
		var c int
		if i < len(kinds) && kinds[i] == keyNumeric {
			c = compareNumeric(a[i], b[i])
		} else {
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// compareNumeric compares two numbers in Postgres text form, ordering as
// Postgres orders numeric: -Infinity < finite < Infinity < NaN.
func compareNumeric(a, b string) int {
	if a == b {
		return 0
	}
	ra, fa := numRank(a)
	rb, fb := numRank(b)
	if ra != rb || ra != 1 {
		return ra - rb
	}
	return fa.Cmp(fb)
}

func numRank(s string) (int, *big.Rat) {
	switch strings.ToLower(s) {
	case "-infinity", "-inf":
		return 0, nil
	case "infinity", "inf", "+infinity":
		return 2, nil
	case "nan":
		return 3, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 1, new(big.Rat)
	}
	return 1, r
}

// region is a part of the snapshot read under one database snapshot: the
// rows of table index Table with keys after After (from the table's start
// when After is nil), and of every later table, up to the next region.
//
// Exported marks the region read under the snapshot exported with the slot:
// exactly the transactions that committed before the slot's start are
// visible in it, and the slot never streams those, so it filters nothing.
// Exact marks a region of a resumed snapshot (resume.go): it read only rows
// that no transaction committed before its snapshot changed after the
// slot's start, so it filters nothing either.
type region struct {
	Table    int        `json:"table"`
	After    []string   `json:"after,omitempty"`
	Exported bool       `json:"exported,omitempty"`
	Exact    bool       `json:"exact,omitempty"`
	Snap     pgSnapshot `json:"snap"`
}

// covers reports whether (table, key) lies at or after the region's start.
// key is nil for keyless tables, which only a region starting at the
// table's beginning (or before the table) covers.
func (r *region) covers(table int, key []string, kinds []keyKind) bool {
	if table != r.Table {
		return table > r.Table
	}
	if r.After == nil {
		return true
	}
	return key != nil && compareKeys(kinds, key, r.After) > 0
}

// findRegion returns the region a row of table index table with the given
// key was read in: the last region whose start is at or before it. Regions
// are in the order they were read, so their starts ascend. It returns nil
// when no region covers the row.
func findRegion(regions []region, table int, key []string, kinds []keyKind) *region {
	for i := len(regions) - 1; i >= 0; i-- {
		if regions[i].covers(table, key, kinds) {
			return &regions[i]
		}
	}
	return nil
}

// skipStreamed reports whether a streamed change of transaction xid (32-bit)
// to the row (table, key) must be dropped because the snapshot region the
// row was read in already contains it.
func skipStreamed(regions []region, table int, key []string, kinds []keyKind, xid uint32) bool {
	r := findRegion(regions, table, key, kinds)
	if r == nil || r.Exported || r.Exact {
		return false
	}
	return r.Snap.visible(widenXid(xid, r.Snap.Xmax))
}
