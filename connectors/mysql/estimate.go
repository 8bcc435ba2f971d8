package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// EstimateRows returns the server's estimates of the rows of tables
// ("db.table", as snapshot positions name them):
// information_schema.TABLES.TABLE_ROWS, which InnoDB keeps from its index
// statistics (ANALYZE TABLE refreshes it). A table is -1 when the server has
// none (NULL, or no such table). All tables are asked on one connection of
// its own (the stream's are busy reading), estimateChunk tables a query: a
// connection per table cost a snapshot of many small tables most of its time
// (docs/scale.md).
func (s *Source) EstimateRows(ctx context.Context, tables []string) (map[string]int64, error) {
	out := make(map[string]int64, len(tables))
	if len(tables) == 0 {
		return out, nil
	}
	for _, t := range tables {
		if _, _, ok := strings.Cut(t, "."); !ok {
			return nil, fmt.Errorf("estimate rows of %q: not a db.table name", t)
		}
	}
	q, err := connect(ctx, &s.cfg)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	for chunk := range slices.Chunk(tables, estimateChunk) {
		var in strings.Builder
		for i, t := range chunk {
			db, name, _ := strings.Cut(t, ".")
			if i > 0 {
				in.WriteString(", ")
			}
			in.WriteString("(" + quoteString(db) + ", " + quoteString(name) + ")")
		}
		r, err := q.Execute("SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (" + in.String() + ")")
		if err != nil {
			return nil, &ConnError{Op: "estimate rows", Err: err}
		}
		for i := range r.RowNumber() {
			db, _ := r.GetString(i, 0)
			name, _ := r.GetString(i, 1)
			n := int64(-1)
			if null, _ := r.IsNull(i, 2); !null {
				if v, err := r.GetInt(i, 2); err == nil {
					n = v
				}
			}
			out[db+"."+name] = n
		}
	}
	for _, t := range tables {
		if _, ok := out[t]; !ok {
			out[t] = -1
		}
	}
	return out, nil
}

// estimateChunk is how many tables one estimate query names.
const estimateChunk = 500

// SnapshotTables returns the tables the stream's snapshot reads ("db.table",
// in reading order), nil when it reads none. The runtime asks once, after
// Open.
func (st *Stream) SnapshotTables() []string {
	if st.snap == nil {
		return nil
	}
	return slices.Clone(st.snap.state.Tables)
}
