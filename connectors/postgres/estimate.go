package postgres

import (
	"context"
	"slices"
)

// EstimateRows returns the planner's estimate of the rows of table
// ("schema.table", as snapshot positions name it): pg_class.reltuples, which
// VACUUM, ANALYZE and CREATE INDEX keep. It is -1 when Postgres has none: a
// table never vacuumed or analyzed (reltuples -1 since Postgres 14; 0 with
// pages on disk before), or no such table. A partitioned table's estimate
// is the sum of its partitions'. It opens a connection of its own, since the
// stream's are busy reading.
func (s *Source) EstimateRows(ctx context.Context, table string) (int64, error) {
	q, err := connectQuery(ctx, &s.cfg)
	if err != nil {
		return -1, err
	}
	defer q.Close(context.WithoutCancel(ctx))
	var est int64
	err = q.QueryRow(ctx, estimateQuery, table).Scan(&est)
	if err != nil {
		return -1, &ConnError{Op: "estimate rows of " + table, Err: err}
	}
	return est, nil
}

// estimateQuery sums reltuples over the table and its partitions (a plain
// table has none), and answers -1 when one of them has no estimate.
const estimateQuery = `
WITH RECURSIVE t(oid) AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname || '.' || c.relname = $1
  UNION ALL
  SELECT i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid
)
SELECT COALESCE(CASE WHEN bool_or(c.relkind <> 'p' AND (c.reltuples < 0 OR c.reltuples = 0 AND c.relpages > 0))
                     THEN -1 ELSE sum(c.reltuples) FILTER (WHERE c.relkind <> 'p') END, -1)::bigint
  FROM t JOIN pg_class c ON c.oid = t.oid`

// CapturedTables returns the tables the stream captures ("schema.table"),
// as it found them when it opened: the runtime creates their topics
// together (runtime.TableLister).
func (st *Stream) CapturedTables() []string { return slices.Clone(st.captured) }

// SnapshotTables returns the tables the stream's snapshot reads
// ("schema.table", in reading order), nil when it reads none. The runtime
// asks once, after Open.
func (st *Stream) SnapshotTables() []string {
	if st.snap == nil {
		return nil
	}
	return slices.Clone(st.snap.state.Tables)
}
