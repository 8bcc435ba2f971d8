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

// TestArenaGivesBackAfterLargeBatch: after a batch of many chunks, the
// arena keeps them for a batch as large, and gives them back after a small
// one.
func TestArenaGivesBackAfterLargeBatch(t *testing.T) {
	var a arena
	batch := func(chunks int) {
		for range chunks * (arenaChunk / 1000) {
			a.alloc(1000)
		}
		a.recycle()
	}
	tests := []struct {
		chunks   int
		wantFree int // at most
	}{
		{40, 40},
		{40, 40},
		{0, 0},
		{3, 3},
	}
	for i, tt := range tests {
		batch(tt.chunks)
		if len(a.free) > tt.wantFree {
			t.Errorf("batch %d of %d chunks: %d free chunks kept, want at most %d", i, tt.chunks, len(a.free), tt.wantFree)
		}
	}
	batch(40)
	if len(a.free) < 30 {
		t.Errorf("after a large batch: %d free chunks, want them kept for the next one", len(a.free))
	}
}
