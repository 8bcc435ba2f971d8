package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// fixture is one table with its publication and one replication slot per
// tool, all named after a unique prefix. The slots are created before any row
// is written, so each holds the same backlog.
type fixture struct {
	dsn   string
	Name  string // table, publication and slot-name prefix
	Table string // public.<Name>
	Pub   string
	slots []string
}

// newFixture creates the table and its publication.
func newFixture(ctx context.Context, dsn, name string) (*fixture, error) {
	f := &fixture{dsn: dsn, Name: name, Table: "public." + name, Pub: name + "_pub"}
	err := f.exec(ctx,
		fmt.Sprintf("CREATE TABLE %s (id bigint PRIMARY KEY, stamp_ns bigint NOT NULL, payload text NOT NULL)", f.Table),
		fmt.Sprintf("CREATE PUBLICATION %s FOR TABLE %s", f.Pub, f.Table))
	if err != nil {
		f.drop(context.WithoutCancel(ctx))
		return nil, err
	}
	return f, nil
}

// slot creates a pgoutput logical slot named <prefix>_<tool> and returns its name.
func (f *fixture) slot(ctx context.Context, tool string) (string, error) {
	name := f.Name + "_" + tool
	f.slots = append(f.slots, name)
	return name, f.exec(ctx, fmt.Sprintf("SELECT pg_create_logical_replication_slot('%s', 'pgoutput')", name))
}

// exec runs statements one by one on a fresh connection.
func (f *fixture) exec(ctx context.Context, stmts ...string) error {
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", short(s), err)
		}
	}
	return nil
}

// query runs one query on a fresh connection and scans its one row.
func (f *fixture) query(ctx context.Context, q string, dest ...any) error {
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.QueryRow(ctx, q).Scan(dest...)
}

// payloadExpr makes the payload column from g: 80 characters of hex, so a row
// (two bigints and the text) is about 100 bytes and compresses like real data.
const payloadExpr = "left(md5(g::text) || md5((g * 7)::text) || md5((-g)::text), 80)"

// writeBacklog inserts ids [0, rows) in transactions of txnRows rows (one
// transaction when txnRows >= rows), server-side, and returns the WAL
// position after the last commit.
func (f *fixture) writeBacklog(ctx context.Context, rows, txnRows int) (string, error) {
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		return "", fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if txnRows <= 0 || txnRows >= rows {
		q := fmt.Sprintf("INSERT INTO %s (id, stamp_ns, payload) SELECT g, 0, %s FROM generate_series(0, %d) g",
			f.Table, payloadExpr, rows-1)
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("write backlog: %w", err)
		}
	} else {
		// One DO block committing every txnRows rows: no client round trip
		// per transaction. The last transaction may be shorter.
		q := fmt.Sprintf(`DO $$
DECLARE i bigint := 0;
BEGIN
  WHILE i < %[1]d LOOP
    INSERT INTO %[2]s (id, stamp_ns, payload) SELECT g, 0, %[3]s FROM generate_series(i, least(i + %[4]d, %[1]d) - 1) g;
    COMMIT;
    i := i + %[4]d;
  END LOOP;
END $$`, rows, f.Table, payloadExpr, txnRows)
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("write backlog: %w", err)
		}
	}
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return "", fmt.Errorf("read WAL position: %w", err)
	}
	return lsn, nil
}

// walBytes returns the WAL between two positions, for the report.
func (f *fixture) walBytes(ctx context.Context, from, to string) (int64, error) {
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int64
	err = conn.QueryRow(ctx, "SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint", to, from).Scan(&n)
	return n, err
}

func (f *fixture) currentLSN(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var lsn string
	err = conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn)
	return lsn, err
}

// drop removes the slots (ending whatever still reads them), the publication
// and the table. It tries everything and returns every failure.
func (f *fixture) drop(ctx context.Context) error {
	return dropAll(ctx, f.dsn, f.Name, 30*time.Second, f.slots, "DROP PUBLICATION IF EXISTS "+f.Pub, "DROP TABLE IF EXISTS "+f.Table)
}

// dropAll drops the slots (see dropSlots), then runs the statements, on
// one connection, within timeout; it tries everything and returns every
// failure. what names the fixture in errors.
func dropAll(ctx context.Context, dsn, what string, timeout time.Duration, slots []string, stmts ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("clean up %s: connect: %w", what, err)
	}
	defer conn.Close(ctx)
	errs := dropSlots(ctx, conn, slots)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", short(s), err))
		}
	}
	return errors.Join(errs...)
}

// dropSlots drops the slots that exist of slots, ending whatever still
// reads them, and returns the failures.
func dropSlots(ctx context.Context, conn *pgx.Conn, slots []string) []error {
	var errs []error
	for _, s := range slots {
		for attempt := 0; ; attempt++ {
			_, _ = conn.Exec(ctx, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", s)
			_, err := conn.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", s)
			if err == nil {
				break
			}
			if attempt == 20 {
				errs = append(errs, fmt.Errorf("drop slot %s: %w", s, err))
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	return errs
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
