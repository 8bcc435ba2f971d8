package mysql

import (
	"log/slog"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

// A checkpoint names a table as captured by a schema version or by
// capturedMark; an entry with neither (declared types the DDL history
// kept) does not count.
func TestAddedTables(t *testing.T) {
	ids := []change.TableID{{Namespace: "db", Name: "a"}, {Namespace: "db", Name: "b"}, {Namespace: "db", Name: "c"}, {Namespace: "db", Name: "d"}}
	known := map[string]schemaVer{
		"db.a": {V: 2, FP: "f"},
		"db.c": {FP: capturedMark},
		"db.d": {Decl: map[string]DeclaredType{"x": {}}},
	}
	if got := addedTables(ids, known); !slices.Equal(got, []string{"db.b", "db.d"}) {
		t.Fatalf("addedTables = %v, want [db.b db.d]", got)
	}
}

func TestMarkCaptured(t *testing.T) {
	st := &Stream{versions: map[string]schemaVer{
		"db.a": {V: 3, FP: "f"},
		"db.d": {Decl: map[string]DeclaredType{"x": {}}},
	}}
	st.markCaptured([]change.TableID{{Namespace: "db", Name: "a"}, {Namespace: "db", Name: "b"}, {Namespace: "db", Name: "d"}})
	if v := st.versions["db.a"]; v.V != 3 || v.FP != "f" {
		t.Errorf("db.a = %+v: a described table must keep its version", v)
	}
	if v := st.versions["db.b"]; v.V != 0 || v.FP != capturedMark {
		t.Errorf("db.b = %+v, want the mark", v)
	}
	if v := st.versions["db.d"]; v.FP != capturedMark || len(v.Decl) != 1 {
		t.Errorf("db.d = %+v, want the mark and its declared types", v)
	}
	// A table marked, then described, numbers its versions from 1.
	tb := &tableInfo{ID: change.TableID{Namespace: "db", Name: "b"}, FP: "g", Schema: &change.TableSchema{}}
	st.tables, st.warned = map[string]*tableInfo{}, map[string]bool{}
	st.log = slog.New(slog.DiscardHandler)
	if got := st.adopt(tb); got.Schema.Version != 1 || st.versions["db.b"].FP != "g" {
		t.Errorf("adopt after the mark: version %d, entry %+v", got.Schema.Version, st.versions["db.b"])
	}
}
