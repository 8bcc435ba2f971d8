package capture

import (
	"slices"
	"testing"
)

func TestSourceHead(t *testing.T) {
	var names []string
	for _, f := range SourceHead() {
		names = append(names, f.Name)
	}
	want := []string{"version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "ts_us", "ts_ns"}
	if !slices.Equal(names, want) {
		t.Fatalf("fields %v, want %v", names, want)
	}
	// source.snapshot is at index 4, where both sources' emitters set it.
	if s := SourceHead()[4]; s.Default != "false" || s.Logical != "io.debezium.data.Enum" || len(s.Params) != 1 {
		t.Errorf("snapshot field %+v", s)
	}
	// Each call is a fresh slice: a source appending its fields to one
	// does not change another's.
	a, b := SourceHead(), SourceHead()
	a[0].Name = "changed"
	if b[0].Name != "version" {
		t.Error("SourceHead returns a shared slice")
	}
}
