package capture

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// KeyKind says how a key column's text form orders, matching the chunk
// query's ORDER BY.
type KeyKind uint8

const (
	// Text orders bytewise: PG text with COLLATE "C", uuid, bool, bytea hex;
	// MySQL strings compared as BINARY; ISO dates and times.
	Text KeyKind = iota
	// Numeric orders numerically: integers, decimals, floats. Postgres's
	// -Infinity, Infinity and NaN order as Postgres orders them.
	Numeric
	// BinaryText orders by the bytes the text stands for: MariaDB's UUID,
	// INET4 and INET6 (the chunk query orders by BINARY col).
	BinaryText
)

// KeyOrder is how each column of a chunk key orders, in key column order.
type KeyOrder []KeyKind

// Compare compares two composite keys (text forms, same length)
// lexicographically, column by column, as the chunk query's ORDER BY does.
func (o KeyOrder) Compare(a, b []string) int {
	for i := range min(len(a), len(b)) {
		var c int
		switch {
		case i < len(o) && o[i] == Numeric:
			c = compareNumeric(a[i], b[i])
		case i < len(o) && o[i] == BinaryText:
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

// compareNumeric compares two numbers in text form, ordering as Postgres
// orders numeric: -Infinity < finite < Infinity < NaN. Text that is no
// number (neither source prints one for a numeric column) compares as bytes.
func compareNumeric(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := numRank(a), numRank(b)
	if ra != rb || ra != 1 {
		return ra - rb
	}
	var fa, fb big.Rat // on the stack: this runs per streamed event
	_, oka := fa.SetString(a)
	_, okb := fb.SetString(b)
	if !oka || !okb {
		return strings.Compare(a, b)
	}
	return fa.Cmp(&fb)
}

// numRank returns where s stands among -Infinity (0), finite numbers (1),
// Infinity (2) and NaN (3).
func numRank(s string) int {
	switch strings.ToLower(s) {
	case "-infinity", "-inf":
		return 0
	case "infinity", "inf", "+infinity":
		return 2
	case "nan":
		return 3
	}
	return 1
}

// compareBinaryText compares two UUID, INET4 or INET6 text forms by the
// bytes they stand for, as ORDER BY BINARY col orders the column.
func compareBinaryText(a, b string) int {
	ra, oka := BinaryOfText(a)
	rb, okb := BinaryOfText(b)
	if !oka || !okb {
		return strings.Compare(a, b)
	}
	return bytes.Compare(ra, rb)
}

// BinaryOfText returns the bytes a UUID ("a0eebc99-9c0b-..."), INET4
// ("1.2.3.4") or INET6 ("::ffff:1.2.3.4") text form stands for: what the
// server stores and what BINARY col gives. A BinaryText key's cursor literal
// is these bytes.
func BinaryOfText(s string) ([]byte, bool) {
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

// Region is a part of a snapshot read under one database snapshot: the rows
// of table index Table (an index into the snapshot's table list) with keys
// after After (from the table's start when After is nil), and of every later
// table, up to the next region. Mark is the source's watermark of that
// database snapshot: what decides whether a streamed change is already in
// the region's rows (a pg_current_snapshot(), a binlog coordinate).
//
// Regions travel in checkpoints. A region's JSON is one object: "table",
// "after" (left out when empty), then the fields of Mark, which must encode
// as an object.
type Region[W any] struct {
	Table int
	After []string
	// Only limits the region to table Table's keys after After and at
	// most Hi (no bound when nil): a range of a parallel snapshot.
	Only bool
	Hi   []string
	Mark W
}

// Covers reports whether (table, key) lies at or after the region's start.
// key is nil for keyless tables, which only a region starting at the
// table's beginning (or before the table) covers.
func (r *Region[W]) Covers(table int, key []string, order KeyOrder) bool {
	if r.Only {
		return table == r.Table && (r.After == nil || key != nil && order.Compare(key, r.After) > 0) &&
			(r.Hi == nil || key != nil && order.Compare(key, r.Hi) <= 0)
	}
	if table != r.Table {
		return table > r.Table
	}
	if r.After == nil {
		return true
	}
	return key != nil && order.Compare(key, r.After) > 0
}

// Find returns the region a row of table index table with the given key was
// read in: the last region whose start is at or before it. Regions are in
// the order they were read, so their starts ascend. It returns nil when no
// region covers the row.
func Find[W any](regions []Region[W], table int, key []string, order KeyOrder) *Region[W] {
	for i := len(regions) - 1; i >= 0; i-- {
		if regions[i].Covers(table, key, order) {
			return &regions[i]
		}
	}
	return nil
}

// SkipStreamed reports whether a streamed change to the row (table, key)
// must be dropped because the snapshot region the row was read in already
// contains it: holds says whether a region's mark contains the change's
// transaction. It is called per streamed event while regions filter, so
// holds should be made once per stream, not per event.
func SkipStreamed[W any](regions []Region[W], table int, key []string, order KeyOrder, holds func(W) bool) bool {
	r := Find(regions, table, key, order)
	return r != nil && holds(r.Mark)
}

// regionHead is the part of a Region's JSON that is not its mark.
type regionHead struct {
	Table int      `json:"table"`
	After []string `json:"after,omitempty"`
	Only  bool     `json:"only,omitempty"`
	Hi    []string `json:"hi,omitempty"`
}

// MarshalJSON writes the region as one object: "table", "after" (left out
// when empty), then Mark's fields.
func (r Region[W]) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(regionHead{Table: r.Table, After: r.After, Only: r.Only, Hi: r.Hi})
	if err != nil {
		return nil, err
	}
	mark, err := json.Marshal(r.Mark)
	if err != nil {
		return nil, err
	}
	if len(mark) < 2 || mark[0] != '{' {
		return nil, fmt.Errorf("region mark %s is not a JSON object", mark)
	}
	if len(mark) == 2 { // {}
		return head, nil
	}
	out := append(head[:len(head)-1], ',')
	return append(out, mark[1:]...), nil
}

// UnmarshalJSON reads the object MarshalJSON writes.
func (r *Region[W]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var head regionHead
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	var mark W
	if err := json.Unmarshal(b, &mark); err != nil {
		return err
	}
	*r = Region[W]{Table: head.Table, After: head.After, Only: head.Only, Hi: head.Hi, Mark: mark}
	return nil
}
