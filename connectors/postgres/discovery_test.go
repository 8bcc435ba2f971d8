package postgres

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestNullingDecoder checks that a value Debezium sends as null (numeric
// NaN in precise mode) becomes null in the stream and the snapshot, with one
// warning per column, and that other values and errors pass through.
func TestNullingDecoder(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ti := &tableInfo{Cols: []colInfo{
		{Name: "id", TypeOID: oidInt4, Typmod: -1, NotNull: true, TypeName: "integer"},
		{Name: "n", TypeOID: oidNumeric, Typmod: numericMod(10, 2), TypeName: "numeric(10,2)"},
		{Name: "m", TypeOID: oidNumeric, Typmod: -1, NotNull: true, TypeName: "numeric"},
	}, Key: []int{0}}
	ti.ID.Namespace, ti.ID.Name = "public", "t"
	warned := map[string]bool{}
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, TypeOptions{}, log, warned); err != nil {
		t.Fatal(err)
	}
	n := ti.Conv[1]
	for i := 0; i < 3; i++ {
		for _, decode := range []func([]byte) (any, error){n.Decode, n.SnapshotDecode} {
			if v, err := decode([]byte("NaN")); v != nil || err != nil {
				t.Fatalf("NaN in a nullable column: %v, %v; want null", v, err)
			}
		}
	}
	if got := strings.Count(logs.String(), "level=WARN"); got != 1 {
		t.Errorf("%d warnings, want 1:\n%s", got, logs.String())
	}
	if v, err := n.Decode([]byte("1.5")); err != nil || v == nil {
		t.Errorf("1.5: %v, %v", v, err)
	}
	if _, err := n.Decode([]byte("x")); err == nil {
		t.Error("an invalid numeric decoded")
	}
	if _, err := ti.Conv[2].Decode([]byte("Infinity")); err == nil || !strings.Contains(err.Error(), "NOT NULL") {
		t.Errorf("Infinity in a NOT NULL column: %v, want an error", err)
	}
}

// TestUnknownColumnsDropped checks that columns of a type without a mapping
// are left out of the schema and the rows by default, that the key indexes
// follow, and that include.unknown.datatypes keeps them.
func TestUnknownColumnsDropped(t *testing.T) {
	cols := []colInfo{
		{Name: "b", TypeOID: 603, Typmod: -1, TypeName: "box"},
		{Name: "id", TypeOID: oidInt4, Typmod: -1, NotNull: true, TypeName: "integer"},
		{Name: "c", TypeOID: 718, Typmod: -1, TypeName: "circle"},
		{Name: "v", TypeOID: oidText, Typmod: -1, TypeName: "text"},
	}
	ti := &tableInfo{Cols: cols, Key: []int{1}}
	ti.ID.Namespace, ti.ID.Name = "public", "g"
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti, 1, TypeOptions{}, log, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if n := len(ti.Schema.Columns); n != 2 || ti.Schema.Columns[0].Name != "id" || ti.Schema.Columns[1].Name != "v" {
		t.Fatalf("columns %+v, want id, v", ti.Schema.Columns)
	}
	if len(ti.Schema.Key) != 1 || ti.Schema.Key[0] != 0 {
		t.Errorf("schema key %v, want [0]", ti.Schema.Key)
	}
	row := ti.project([]any{"(1,1),(0,0)", int32(7), "<(0,0),1>", "x"})
	if len(row) != 2 || row[0] != int32(7) || row[1] != "x" {
		t.Errorf("projected row %v", row)
	}
	if !strings.Contains(logs.String(), "include.unknown.datatypes=true") {
		t.Errorf("no warning naming include.unknown.datatypes:\n%s", logs.String())
	}

	// Included: every column, the geometric ones as the JDBC driver prints them.
	ti2 := &tableInfo{Cols: cols, Key: []int{1}}
	ti2.ID = ti.ID
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti2, 1, TypeOptions{IncludeUnknown: true}, log, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if len(ti2.Schema.Columns) != 4 || ti2.keep != nil || ti2.Schema.Key[0] != 1 {
		t.Fatalf("included: columns %d, keep %v, key %v", len(ti2.Schema.Columns), ti2.keep, ti2.Schema.Key)
	}
	if v, err := ti2.Conv[0].Decode([]byte("(1,1),(0,0)")); err != nil || string(v.([]byte)) != "(1.0,1.0),(0.0,0.0)" {
		t.Errorf("box, included: %q, %v", v, err)
	}
	// A key column of an unknown type is kept, as its text.
	ti3 := &tableInfo{Cols: cols, Key: []int{0}}
	ti3.ID = ti.ID
	if err := buildSchema(context.Background(), NewTypeCatalog(), nil, ti3, 1, TypeOptions{}, log, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if len(ti3.Schema.Columns) != 3 || ti3.Schema.Columns[0].Name != "b" || ti3.Schema.Key[0] != 0 {
		t.Errorf("unknown key column: columns %+v key %v", ti3.Schema.Columns, ti3.Schema.Key)
	}
}
