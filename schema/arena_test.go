package schema

import (
	"testing"
	"unsafe"
)

func TestArenaLendsDisjointBytesAndReusesThemAfterRecycle(t *testing.T) {
	var a arena
	fill := func(round int) [][]byte {
		var got [][]byte
		for i := 0; i < 3000; i++ {
			n := 1 + (i*7919)%700
			if i%500 == 0 {
				n = arenaLarge + 1 // too big for a chunk: allocated on its own
			}
			b := a.alloc(n)
			if len(b) != n || cap(b) != n {
				t.Fatalf("alloc(%d) gave len %d cap %d", n, len(b), cap(b))
			}
			for j := range b {
				b[j] = byte(round + i)
			}
			got = append(got, b)
		}
		// Every slice still holds what was written to it: none overlaps
		// another handed out since the last recycle.
		for i, b := range got {
			for _, c := range b {
				if c != byte(round+i) {
					t.Fatalf("round %d: slice %d was overwritten", round, i)
				}
			}
		}
		return got
	}
	first := fill(0)
	a.recycle()
	second := fill(1)
	// After the recycle the chunks of the first round are carved again.
	chunks := map[uintptr]bool{}
	for _, b := range first {
		if len(b) <= arenaLarge {
			chunks[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] = true
		}
	}
	reused := 0
	for _, b := range second {
		if chunks[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] {
			reused++
		}
	}
	if reused == 0 {
		t.Fatal("no memory of the first round was reused after recycle")
	}
}

func TestArenaTracksBoundedChunksWithoutRecycle(t *testing.T) {
	var a arena
	for i := 0; i < 4*arenaKeep*arenaChunk/1000; i++ {
		a.alloc(1000)
	}
	if n := len(a.used) + len(a.free); n > arenaKeep {
		t.Fatalf("arena tracks %d chunks, want at most %d", n, arenaKeep)
	}
}

// TestArenaMarkKeepsWhatFollows: after a mark, recycle frees the chunks
// filled before it (they are carved again) and keeps every byte handed out
// after it, however much is allocated next; a recycle without a mark then
// frees those too.
func TestArenaMarkKeepsWhatFollows(t *testing.T) {
	var a arena
	fill := func(k int, v byte) [][]byte {
		var got [][]byte
		for i := 0; i < k; i++ {
			b := a.alloc(1 + (i*7919)%700)
			for j := range b {
				b[j] = v
			}
			got = append(got, b)
		}
		return got
	}
	intact := func(what string, bs [][]byte, v byte) {
		t.Helper()
		for i, b := range bs {
			for _, c := range b {
				if c != v {
					t.Fatalf("%s: slice %d was overwritten", what, i)
				}
			}
		}
	}
	// chunkOf maps slices to the chunks (of those the arena tracks) they
	// were carved from.
	chunkOf := func(bs [][]byte) map[uintptr]bool {
		var bases []uintptr
		for _, c := range append(append([][]byte{a.cur}, a.used...), a.free...) {
			if c != nil {
				bases = append(bases, uintptr(unsafe.Pointer(unsafe.SliceData(c))))
			}
		}
		m := map[uintptr]bool{}
		for _, b := range bs {
			p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
			for _, c := range bases {
				if p >= c && p < c+arenaChunk {
					m[c] = true
				}
			}
		}
		return m
	}
	before := fill(500, 1) // several chunks
	a.mark()
	old := chunkOf(before)
	after := fill(300, 2)
	a.recycle()
	kept := chunkOf(after)
	next := fill(2000, 3) // carves the freed chunks and more
	intact("after the mark", after, 2)
	intact("after the recycle", next, 3)
	if len(old) < 2 || len(kept) < 2 {
		t.Fatalf("%d chunks before the mark, %d after: want several", len(old), len(kept))
	}
	reused := 0
	for c := range chunkOf(next) {
		if old[c] {
			reused++
		}
	}
	if reused == 0 {
		t.Error("no chunk filled before the mark was carved again after the recycle")
	}
	a.recycle() // no mark: everything is free
	last := fill(3000, 4)
	for c := range chunkOf(last) {
		if kept[c] {
			return
		}
	}
	t.Error("the chunks kept by the marked recycle were not freed by the next one")
}
