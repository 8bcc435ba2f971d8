package mysql

import (
	"reflect"
	"testing"
	"time"
)

// TestBlockFromSharedBoxes checks that blocks built with one srcBoxes kept
// across rows (as the snapshot does) equal blocks built from scratch, and
// that each block is its own slice (the emitter sets each row's marker).
func TestBlockFromSharedBoxes(t *testing.T) {
	cfg := &Config{TopicPrefix: "p", MariaDB: true}
	t1 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	rows := []srcInfo{
		{ts: t1, snapshot: "true", db: "d", table: "a", file: "bin.000001", pos: 4},
		{ts: t1, snapshot: "true", db: "d", table: "a", file: "bin.000001", pos: 4},
		{ts: t1, snapshot: "true", db: "d", table: "b", file: "bin.000001", pos: 4},
		{ts: t1.Add(time.Second), snapshot: "true", db: "e", table: "b", file: "bin.000002", pos: 120},
		{ts: t1.Add(time.Second), snapshot: "last", db: "e", table: "b", file: "bin.000002", pos: 120, row: 3},
	}
	var c srcBoxes
	var prev []any
	for i, si := range rows {
		got := si.blockFrom(cfg, &c)
		if want := si.block(cfg); !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: block = %#v\nwant %#v", i, got, want)
		}
		if prev != nil && &prev[0] == &got[0] {
			t.Fatalf("row %d: the block shares its slice with the last one", i)
		}
		got[4] = "first" // as the emitter marks a row
		prev = got
	}
}

// TestSnapBlocksShareOneBlock checks that snapshot rows' blocks equal the
// ones built from scratch, that rows with the same source information share
// one block (the emitter copies it for a row it marks otherwise), and that
// any change builds anew.
func TestSnapBlocksShareOneBlock(t *testing.T) {
	cfg := &Config{TopicPrefix: "p", MariaDB: true}
	t1 := time.Date(2026, 11, 23, 12, 0, 0, 123456000, time.UTC)
	rows := []srcInfo{
		{ts: t1, snapshot: "true", db: "d", table: "a", file: "bin.000001", pos: 4},
		{ts: t1, snapshot: "true", db: "d", table: "a", file: "bin.000001", pos: 4},
		{ts: t1.In(time.FixedZone("x", 3600)), snapshot: "true", db: "d", table: "a", file: "bin.000001", pos: 4},
		{ts: t1, snapshot: "true", db: "d", table: "b", file: "bin.000001", pos: 4},
		{ts: t1.Add(time.Second), snapshot: "true", db: "d", table: "b", file: "bin.000001", pos: 4},
		{ts: t1.Add(time.Second), snapshot: "true", db: "d", table: "b", file: "bin.000001", pos: 5},
		{ts: t1.Add(time.Second), snapshot: "true", db: "d", table: "b", file: "bin.000002", pos: 5},
	}
	var s snapBlocks
	var prev []any
	for i, si := range rows {
		got := s.get(cfg, si)
		if want := si.block(cfg); !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: block = %#v\nwant %#v", i, got, want)
		}
		same := i == 1 || i == 2 // the same information (an instant in another zone is the same)
		if shared := prev != nil && &prev[0] == &got[0]; shared != same {
			t.Fatalf("row %d: shares the last block: %v, want %v", i, shared, same)
		}
		prev = got
	}
}
