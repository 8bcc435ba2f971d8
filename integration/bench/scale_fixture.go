package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// scaleFixture is the scale scenario's database side: one schema holding
// tables t0000 … of the bench's shape, with one publication for all of them
// (the tables part) or one per table (the connectors part), and the slots
// made for it. Row ids are unique across the schema: table i holds ids
// [i*rows/n, (i+1)*rows/n), so one counter checks every table at once.
type scaleFixture struct {
	dsn    string
	Schema string
	Tables int
	pubs   []string
	slots  []string
}

// scaleTable names table i of a scale fixture (unqualified).
func scaleTable(i int) string { return fmt.Sprintf("t%04d", i) }

// newScaleFixture creates schema with n tables holding rows rows in all,
// server-side and committing after each table (one transaction would hold
// a lock per table, too many for a thousand tables). perTable: one
// publication per table (<schema>_p<i>), else one for the schema
// (<schema>_pub).
func newScaleFixture(ctx context.Context, dsn, schema string, n, rows int, perTable bool) (*scaleFixture, error) {
	f := &scaleFixture{dsn: dsn, Schema: schema, Tables: n}
	fill := fmt.Sprintf(`DO $$
DECLARE i int;
BEGIN
  FOR i IN 0..%[1]d - 1 LOOP
    EXECUTE format('CREATE TABLE %[2]s.%%I (id bigint PRIMARY KEY, stamp_ns bigint NOT NULL, payload text NOT NULL)', 't' || lpad(i::text, 4, '0'));
    EXECUTE format('INSERT INTO %[2]s.%%I (id, stamp_ns, payload) SELECT g, 0, %[3]s FROM generate_series(%%s, %%s) g',
      't' || lpad(i::text, 4, '0'), (i::bigint * %[4]d) / %[1]d, ((i::bigint + 1) * %[4]d) / %[1]d - 1);
    COMMIT;
  END LOOP;
END $$`, n, schema, strings.ReplaceAll(payloadExpr, "'", "''"), rows)
	stmts := []string{"CREATE SCHEMA " + schema, fill}
	if perTable {
		for i := range n {
			p := fmt.Sprintf("%s_p%d", schema, i)
			f.pubs = append(f.pubs, p)
			stmts = append(stmts, fmt.Sprintf("CREATE PUBLICATION %s FOR TABLE %s.%s", p, schema, scaleTable(i)))
		}
	} else {
		f.pubs = []string{schema + "_pub"}
		stmts = append(stmts, fmt.Sprintf("CREATE PUBLICATION %s FOR TABLES IN SCHEMA %s", f.pubs[0], schema))
	}
	if err := f.exec(ctx, stmts...); err != nil {
		return nil, errors.Join(err, f.drop(context.WithoutCancel(ctx)))
	}
	return f, nil
}

func (f *scaleFixture) exec(ctx context.Context, stmts ...string) error {
	return (&fixture{dsn: f.dsn}).exec(ctx, stmts...)
}

// slot creates a pgoutput slot named name.
func (f *scaleFixture) slot(ctx context.Context, name string) error {
	f.slots = append(f.slots, name)
	return f.exec(ctx, fmt.Sprintf("SELECT pg_create_logical_replication_slot('%s', 'pgoutput')", name))
}

// writeChanges inserts ids [base, base+n) server-side in transactions of
// 10 rows, row id going to table (id-base) mod Tables: the changes are
// spread evenly over the tables, and every transaction is the same size
// whatever the number of tables.
func (f *scaleFixture) writeChanges(ctx context.Context, base, n int) error {
	return f.exec(ctx, fmt.Sprintf(`DO $$
DECLARE g bigint;
BEGIN
  FOR g IN %[1]d..%[1]d + %[2]d - 1 LOOP
    EXECUTE format('INSERT INTO %[3]s.%%I (id, stamp_ns, payload) VALUES ($1, 0, left(md5($1::text), 80))', 't' || lpad(((g - %[1]d) %% %[4]d)::text, 4, '0')) USING g;
    IF (g - %[1]d) %% 10 = 9 THEN COMMIT; END IF;
  END LOOP;
END $$`, base, n, f.Schema, f.Tables))
}

// freeSlots returns how many more replication slots and WAL senders the
// server allows now (the smaller of the two).
func freeSlots(ctx context.Context, dsn string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var free int
	err = conn.QueryRow(ctx, `SELECT least(
	  current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots),
	  current_setting('max_wal_senders')::int - (SELECT count(*) FROM pg_stat_replication))`).Scan(&free)
	return free, err
}

// drop removes the slots (ending whatever still reads them), the
// publications and the schema, a table per transaction. It tries
// everything and returns every failure.
func (f *scaleFixture) drop(ctx context.Context) error {
	var stmts []string
	for _, p := range f.pubs {
		stmts = append(stmts, "DROP PUBLICATION IF EXISTS "+p)
	}
	stmts = append(stmts, fmt.Sprintf(`DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '%[1]s' LOOP
    EXECUTE format('DROP TABLE %[1]s.%%I', t);
    COMMIT;
  END LOOP;
END $$`, f.Schema), "DROP SCHEMA IF EXISTS "+f.Schema+" CASCADE")
	return dropAll(ctx, f.dsn, f.Schema, 2*time.Minute, f.slots, stmts...)
}
