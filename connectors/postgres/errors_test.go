package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestClassifyConnectError checks the taxonomy of connection failures: a
// refused login or a missing database or privilege is terminal and names the
// fix; a server out of reach or busy is retryable.
func TestClassifyConnectError(t *testing.T) {
	cfg := &Config{User: "cdc", DBName: "shop"}
	server := func(code, msg string) error {
		return fmt.Errorf("failed to connect: %w", &pgconn.PgError{Severity: "FATAL", Code: code, Message: msg})
	}
	cases := []struct {
		err       error
		retryable bool
		sentinel  error
		fix       string
	}{
		{server("28P01", `password authentication failed for user "cdc"`), false, ErrAuth, "check database.user (\"cdc\") and database.password"},
		{server("28000", `no pg_hba.conf entry for host "10.0.0.9", user "cdc", database "shop", no encryption`), false, ErrAuth, "pg_hba.conf"},
		{server("28000", `role "cdc" is not permitted to log in`), false, ErrAuth, "has LOGIN"},
		{server("3D000", `database "shop" does not exist`), false, ErrPrerequisites, "check database.dbname"},
		{server("42501", "must be superuser or replication role to start walsender"), false, ErrPrerequisites, "WITH REPLICATION"},
		{server("53300", "sorry, too many clients already"), true, ErrConnection, ""},
		{server("57P03", "the database system is starting up"), true, ErrConnection, ""},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true, ErrConnection, ""},
		// Nothing listening, or a host that does not resolve: still
		// retryable, and the trace names the keys to check.
		{fmt.Errorf("dial error: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true, ErrConnection, "check database.hostname and database.port"},
		{fmt.Errorf("lookup: %w", &net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}), true, ErrConnection, "does not resolve: check database.hostname"},
	}
	for _, c := range cases {
		got := classifyConnectError(cfg, "connect to db:5432", c.err)
		if IsRetryable(got) != c.retryable || !errors.Is(got, c.sentinel) {
			t.Errorf("%v: got %T %v (retryable %v), want retryable=%v and %v", c.err, got, got, IsRetryable(got), c.retryable, c.sentinel)
		}
		if !strings.Contains(got.Error(), c.fix) || !strings.Contains(got.Error(), "connect to db:5432") {
			t.Errorf("%v: message %q lacks the operation or %q", c.err, got, c.fix)
		}
		var pgErr *pgconn.PgError
		if errors.As(c.err, &pgErr) && !errors.As(got, &pgErr) {
			t.Errorf("%v: the server's error is not reachable with errors.As", c.err)
		}
	}
	if IsRetryable(errors.New("says nothing")) {
		t.Error("an error that says nothing is retryable; the runtime treats it as terminal")
	}
}

// TestUnreachableServerNamesTheKeys dials a loopback port nothing listens
// on, through pgconn as the source does: the error is retryable and names
// database.hostname and database.port.
func TestUnreachableServerNamesTheKeys(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = pgconn.Connect(ctx, "postgres://cdc@"+addr+"/shop?sslmode=disable")
	if err == nil {
		t.Fatalf("connected to %s, where nothing listens", addr)
	}
	got := classifyConnectError(&Config{User: "cdc", DBName: "shop"}, "connect to "+addr, err)
	if !IsRetryable(got) || !strings.Contains(got.Error(), "check database.hostname and database.port") {
		t.Errorf("got %v (retryable %v), want a retryable error naming database.hostname and database.port", got, IsRetryable(got))
	}
}
