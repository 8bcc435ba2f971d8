package postgres

import (
	"context"
	"slices"

	"github.com/sluicecdc/sluice/connectors/change"
)

// EstimateRows returns the planner's estimates of the rows of tables
// ("schema.table", as snapshot positions name them): pg_class.reltuples,
// which VACUUM, ANALYZE and CREATE INDEX keep. A table is -1 when Postgres
// has none: never vacuumed or analyzed (reltuples -1 since Postgres 14; 0
// with pages on disk before), or no such table. A partitioned table's
// estimate is the sum of its partitions'. All tables are asked in one query
// on one connection of its own (the stream's are busy reading): a
// connection per table cost a snapshot of many small tables most of its
// time (docs/scale.md).
func (s *Source) EstimateRows(ctx context.Context, tables []string) (map[string]int64, error) {
	out := make(map[string]int64, len(tables))
	if len(tables) == 0 {
		return out, nil
	}
	q, err := connectQuery(ctx, &s.cfg)
	if err != nil {
		return nil, err
	}
	defer q.Close(context.WithoutCancel(ctx))
	rows, err := q.Query(ctx, estimateQuery, tables)
	if err != nil {
		return nil, &ConnError{Op: "estimate rows", Err: err}
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var est int64
		if err := rows.Scan(&name, &est); err != nil {
			return nil, &ConnError{Op: "estimate rows", Err: err}
		}
		out[name] = est
	}
	if err := rows.Err(); err != nil {
		return nil, &ConnError{Op: "estimate rows", Err: err}
	}
	for _, t := range tables {
		if _, ok := out[t]; !ok {
			out[t] = -1
		}
	}
	return out, nil
}

// estimateQuery sums reltuples over each table named in $1 and its
// partitions (a plain table has none), and answers -1 for a table when one
// of them has no estimate.
const estimateQuery = `
WITH RECURSIVE t(name, oid) AS (
  SELECT r.name, c.oid FROM unnest($1::text[]) AS r(name)
    JOIN pg_class c ON true JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname || '.' || c.relname = r.name
  UNION ALL
  SELECT t.name, i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid
)
SELECT t.name, COALESCE(CASE WHEN bool_or(c.relkind <> 'p' AND (c.reltuples < 0 OR c.reltuples = 0 AND c.relpages > 0))
                     THEN -1 ELSE sum(c.reltuples) FILTER (WHERE c.relkind <> 'p') END, -1)::bigint
  FROM t JOIN pg_class c ON c.oid = t.oid
 GROUP BY t.name`

// CapturedTables returns the tables the stream captures ("schema.table"),
// as it found them when it opened: the runtime creates their topics
// together (runtime.TableLister).
func (st *Stream) CapturedTables() []string { return slices.Clone(st.captured) }

// DescribeTables returns the schemas of the captured tables at the
// stream's start and the source block's schema, for the connector's
// AsyncAPI document (runtime.TableDescriber).
func (st *Stream) DescribeTables() ([]*change.TableSchema, *change.Field) {
	return slices.Clone(st.described), &sourceField
}

// SnapshotTables returns the tables the stream's snapshot reads
// ("schema.table", in reading order), nil when it reads none. The runtime
// asks once, after Open.
func (st *Stream) SnapshotTables() []string {
	if st.snap == nil {
		return nil
	}
	return slices.Clone(st.snap.state.Tables)
}
