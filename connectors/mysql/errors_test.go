package mysql

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
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
