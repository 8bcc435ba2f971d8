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
