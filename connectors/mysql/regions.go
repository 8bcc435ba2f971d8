package mysql

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"net/netip"
	"strings"
)

// keyKind says how a key column's text form orders, matching the chunk
// query's ORDER BY.
type keyKind uint8

const (
	keyBytes   keyKind = iota // bytewise: strings compared as BINARY, ISO dates and times
	keyNumeric                // numerically: integers, decimals, floats
	keyBinary                 // UUID, INET4, INET6: by the bytes their text stands for (ORDER BY BINARY col)
)

// compareKeys compares two composite keys (text forms, same length)
// lexicographically, column by column, as the chunk query's ORDER BY does.
func compareKeys(kinds []keyKind, a, b []string) int {
	for i := range min(len(a), len(b)) {
		var c int
		switch {
		case i < len(kinds) && kinds[i] == keyNumeric:
			c = compareNumeric(a[i], b[i])
		case i < len(kinds) && kinds[i] == keyBinary:
			c = compareBinaryText(a[i], b[i])
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// compareNumeric compares two numbers in text form.
func compareNumeric(a, b string) int {
	if a == b {
		return 0
	}
	ra, oka := new(big.Rat).SetString(a)
	rb, okb := new(big.Rat).SetString(b)
	if !oka || !okb {
		return strings.Compare(a, b)
	}
	return ra.Cmp(rb)
}

// compareBinaryText compares two UUID, INET4 or INET6 text forms by the
// bytes they stand for, as ORDER BY BINARY col orders the column.
func compareBinaryText(a, b string) int {
	ra, oka := binaryOfText(a)
	rb, okb := binaryOfText(b)
	if !oka || !okb {
		return strings.Compare(a, b)
	}
	return bytes.Compare(ra, rb)
}

// binaryOfText returns the bytes a UUID ("a0eebc99-9c0b-..."), INET4
// ("1.2.3.4") or INET6 ("::ffff:1.2.3.4") text form stands for: what the
// server stores and what BINARY col gives.
func binaryOfText(s string) ([]byte, bool) {
	if strings.ContainsAny(s, ".:") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, false
		}
		if a.Is4() {
			b := a.As4()
			return b[:], true
		}
		b := a.As16()
		return b[:], true
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	return b, err == nil
}

// region is a part of the snapshot read in one consistent-snapshot
// transaction: the rows of table index Table with keys after After (from the
// table's start when After is nil), and of every later table, up to the next
// region. At is the binlog coordinate the transaction's snapshot is
// consistent with: every transaction that starts before At is in its rows,
// none that starts at or after it.
type region struct {
	Table int       `json:"table"`
	After []string  `json:"after,omitempty"`
	At    binlogPos `json:"at"`
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
// are in the order they were read, so their starts ascend.
func findRegion(regions []region, table int, key []string, kinds []keyKind) *region {
	for i := len(regions) - 1; i >= 0; i-- {
		if regions[i].covers(table, key, kinds) {
			return &regions[i]
		}
	}
	return nil
}

// skipStreamed reports whether a streamed change of the transaction that
// starts at binlog order tx, to the row (table, key), must be dropped
// because the snapshot region the row was read in already contains it.
func skipStreamed(regions []region, table int, key []string, kinds []keyKind, tx uint64) bool {
	r := findRegion(regions, table, key, kinds)
	if r == nil {
		return false
	}
	return tx < orderOf(r.At)
}

// regionsEnd is the binlog order from which no region filters anything: the
// largest region coordinate.
func regionsEnd(regions []region) uint64 {
	var end uint64
	for _, r := range regions {
		if o := orderOf(r.At); o > end {
			end = o
		}
	}
	return end
}

// cpState is the source's bookkeeping carried in a position's State.
type cpState struct {
	// Restart is where the binlog dump starts to replay the event's
	// transaction: its first event, and the GTIDs executed before it.
	// For snapshot positions it is where streaming starts after the snapshot.
	Restart restartPoint `json:"restart"`

	// Tables lists the snapshot's tables ("db.table") in reading order;
	// Regions the parts read so far. Both are dropped once the stream passes
	// every region's coordinate.
	Tables  []string `json:"tables,omitempty"`
	Regions []region `json:"regions,omitempty"`

	// Schemas holds each table's schema version and the fingerprint of its
	// columns, so that a restart numbers versions where it left off.
	Schemas map[string]schemaVer `json:"schemas,omitempty"`

	// Resume is set only in a checkpoint made from a Debezium offset
	// (offsets.go): how far Debezium got into the transaction at Restart.
	Resume *binlogResume `json:"dbz_resume,omitempty"`

	// Sig is the signal topic's next offset to read (capture.SignalOffset).
	Sig int64 `json:"sig,omitempty"`
}

// schemaVer is a table's schema version and its columns' fingerprint.
type schemaVer struct {
	V  int    `json:"v"`
	FP string `json:"fp"`
	// Decl holds the types of the columns declared BOOLEAN, JSON, REAL or
	// FLOAT4 by a DDL statement of the binlog (models.go).
	Decl map[string]DeclaredType `json:"decl,omitempty"`
}
