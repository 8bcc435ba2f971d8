package mysql

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// TestClassifyConnectError checks the taxonomy of connection failures: a
// refused login or a missing privilege is terminal and names the fix; a
// server out of reach or busy is retryable.
func TestClassifyConnectError(t *testing.T) {
	cfg := &Config{User: "cdc"}
	server := func(code uint16, msg string) error {
		return fmt.Errorf("handleAuthResult: %w", &gomysql.MyError{Code: code, State: "28000", Message: msg})
	}
	cases := []struct {
		err       error
		retryable bool
		sentinel  error
		fix       string
	}{
		{server(gomysql.ER_ACCESS_DENIED_ERROR, "Access denied for user 'cdc'@'10.0.0.9' (using password: YES)"), false, ErrAuth, "check database.user (\"cdc\") and database.password"},
		{server(gomysql.ER_ACCESS_DENIED_NO_PASSWORD_ERROR, "Access denied for user 'cdc'@'localhost'"), false, ErrAuth, "database.password"},
		{server(gomysql.ER_HOST_NOT_PRIVILEGED, "Host '10.0.0.9' is not allowed to connect to this MariaDB server"), false, ErrAuth, "create the user for that host"},
		{server(gomysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s)"), false, ErrPrerequisites, "REPLICATION SLAVE"},
		{server(gomysql.ER_CON_COUNT_ERROR, "Too many connections"), true, ErrConnection, ""},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true, ErrConnection, ""},
		// Nothing listening, or a host that does not resolve: still
		// retryable, and the trace names the keys to check.
		{fmt.Errorf("dial error: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true, ErrConnection, "check database.hostname and database.port"},
		{fmt.Errorf("lookup: %w", &net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true}), true, ErrConnection, "does not resolve: check database.hostname"},
	}
	for _, c := range cases {
		got := classifyConnectError(cfg, "connect to db:3306", c.err)
		if IsRetryable(got) != c.retryable || !errors.Is(got, c.sentinel) {
			t.Errorf("%v: got %T %v (retryable %v), want retryable=%v and %v", c.err, got, got, IsRetryable(got), c.retryable, c.sentinel)
		}
		if !strings.Contains(got.Error(), c.fix) || !strings.Contains(got.Error(), "connect to db:3306") {
			t.Errorf("%v: message %q lacks the operation or %q", c.err, got, c.fix)
		}
	}
	if IsRetryable(errors.New("says nothing")) {
		t.Error("an error that says nothing is retryable; the runtime treats it as terminal")
	}
}

// TestUnsupportedTypeIsTerminal: a column type sluice cannot map fails the
// connector at once, with the table, column, type and fix, wherever it is
// met (information_schema in the snapshot, a TABLE_MAP while streaming). It
// was a retryable *ConnError from information_schema, retried every 30 s
// for ever while no table of the connector was emitted.
func TestUnsupportedTypeIsTerminal(t *testing.T) {
	id := change.TableID{Namespace: "db", Name: "t"}
	check := func(what string, err error, wantType string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		if IsRetryable(err) {
			t.Errorf("%s: retryable: %v", what, err)
		}
		if !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("%s: not ErrUnsupportedType: %v", what, err)
		}
		for _, want := range []string{"db.t", `"c"`, wantType, "table.exclude.list"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q lacks %q", what, err, want)
			}
		}
	}
	// information_schema (the snapshot, or a TABLE_MAP without metadata).
	check("information_schema", readColumnsError(id, &UnsupportedTypeError{Table: "db.t", Column: "c", Type: "vector(3)"}), "vector(3)")
	// A failing query stays retryable.
	if err := readColumnsError(id, io.ErrUnexpectedEOF); !IsRetryable(err) {
		t.Errorf("lost connection: not retryable: %v", err)
	}
	// A TABLE_MAP column of a binlog type with no mapping.
	_, err := buildTable(id, []ColumnMeta{{Name: "id", Type: gomysql.MYSQL_TYPE_LONG}, {Name: "c", Type: 0xf2}}, []int{0}, 0, TypeOptions{})
	check("table map", err, "binlog type 242")
}
