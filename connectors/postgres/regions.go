package postgres

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
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

// keyKindOf returns the ordering of a column of base type oid.
func keyKindOf(oid uint32) capture.KeyKind {
	switch oid {
	case 20, 21, 23, 26, 700, 701, 1700: // int8, int2, int4, oid, float4, float8, numeric
		return capture.Numeric
	}
	return capture.Text
}

// region is a part of the snapshot read under one database snapshot
// (capture.Region): the rows of table index Table with keys after After,
// and of every later table, up to the next region.
type region = capture.Region[regionMark]

// regionMark is a region's watermark.
//
// Exported marks the region read under the snapshot exported with the slot:
// exactly the transactions that committed before the slot's start are
// visible in it, and the slot never streams those, so it filters nothing.
// Exact marks a region of a resumed snapshot (resume.go): it read only rows
// that no transaction committed before its snapshot changed after the
// slot's start, so it filters nothing either.
type regionMark struct {
	Exported bool       `json:"exported,omitempty"`
	Exact    bool       `json:"exact,omitempty"`
	Snap     pgSnapshot `json:"snap"`
}

// holds reports whether the region of mark m already contains the changes
// of transaction xid (32-bit).
func (m regionMark) holds(xid uint32) bool {
	if m.Exported || m.Exact {
		return false
	}
	return m.Snap.visible(widenXid(xid, m.Snap.Xmax))
}
