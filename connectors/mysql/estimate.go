package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// EstimateRows returns the server's estimate of the rows of table ("db.table",
// as snapshot positions name it): information_schema.TABLES.TABLE_ROWS,
// which InnoDB keeps from its index statistics (ANALYZE TABLE refreshes
// it). It is -1 when the server has none (NULL, or no such table). It opens
// a connection of its own, since the stream's are busy reading.
func (s *Source) EstimateRows(ctx context.Context, table string) (int64, error) {
	db, name, ok := strings.Cut(table, ".")
	if !ok {
		return -1, fmt.Errorf("estimate rows of %q: not a db.table name", table)
	}
	q, err := connect(ctx, &s.cfg)
	if err != nil {
		return -1, err
	}
	defer q.Close()
	return estimateRows(q, db, name)
}

// SnapshotTables returns the tables the stream's snapshot reads ("db.table",
// in reading order), nil when it reads none. The runtime asks once, after
// Open.
func (st *Stream) SnapshotTables() []string {
	if st.snap == nil {
		return nil
	}
	return slices.Clone(st.snap.state.Tables)
}
