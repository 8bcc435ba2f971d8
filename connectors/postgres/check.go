package postgres

import (
	"context"
	"fmt"
)

// Check connects to the configured database and logs in, as Debezium's
// validate does (SELECT version()), and checks that the role may log in and
// replicate. It creates nothing: no slot, no publication. ctx bounds it.
func Check(ctx context.Context, cfg Config) error {
	q, err := connectQuery(ctx, &cfg)
	if err != nil {
		return err
	}
	defer q.Close(context.Background())
	if _, err := q.Exec(ctx, "SELECT version()"); err != nil {
		return &ConnError{Op: "SELECT version()", Err: err}
	}
	var login, repl bool
	err = q.QueryRow(ctx, `SELECT r.rolcanlogin, r.rolreplication OR r.rolsuper
		OR pg_has_role(r.oid, 'rds_replication', 'member') IS TRUE
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&login, &repl)
	if err != nil {
		// rds_replication exists only on RDS; without it, ask plainly.
		err = q.QueryRow(ctx, `SELECT rolcanlogin, rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&login, &repl)
	}
	if err != nil {
		return &ConnError{Op: "read the role's attributes", Err: err}
	}
	if !login || !repl {
		return fmt.Errorf("role %q lacks LOGIN or REPLICATION: grant them (ALTER ROLE %s WITH LOGIN REPLICATION, as a superuser)", cfg.User, cfg.User)
	}
	return nil
}
