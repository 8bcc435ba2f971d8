package mysql

import (
	"errors"
	"fmt"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
)

// Sentinel errors. Match them with errors.Is; the typed errors below wrap them.
// The kinds both sources share are capture's: mysql.ErrConnection is
// capture.ErrConnection.
var (
	// ErrPrerequisites: the server is not set up for capture. Terminal.
	ErrPrerequisites = capture.ErrPrerequisites
	// ErrBinlogLost: the binlog position or GTID set the checkpoint needs is
	// no longer on the server (purged) or unknown to it. Terminal: changes
	// were lost, a new snapshot is needed.
	ErrBinlogLost = errors.New("binlog position lost")
	// ErrConnection: the connection to the server failed or was lost. Retryable.
	ErrConnection = capture.ErrConnection
	// ErrDecode: an event or value could not be decoded. Terminal.
	ErrDecode = capture.ErrDecode
	// ErrAuth: the server refused the connector's login (a wrong password,
	// an unknown user, a host not allowed). Terminal: the same settings
	// cannot succeed on a retry.
	ErrAuth = capture.ErrAuth
	// ErrUnsupportedType: a captured table has a column of a type sluice
	// has no mapping for. Terminal: the same table fails the same way on
	// every retry.
	ErrUnsupportedType = errors.New("unsupported column type")
)

// mysqlSource names MySQL/MariaDB in the texts of capture's typed errors.
type mysqlSource struct{}

// Name returns "mysql".
func (mysqlSource) Name() string { return "mysql" }

// The typed errors both sources share (capture's), named here as before.
type (
	// PrerequisiteError lists every problem found by the prerequisite
	// checks, each with its fix. It is terminal.
	PrerequisiteError = capture.PrerequisiteError[mysqlSource]
	// ConnError is a failed or lost connection. It is retryable.
	ConnError = capture.ConnError[mysqlSource]
	// AuthError is a login the server refused. It is terminal.
	AuthError = capture.AuthError[mysqlSource]
	// DecodeError is an event or value that could not be decoded. It is
	// terminal.
	DecodeError = capture.DecodeError[mysqlSource]
)

// BinlogLostError reports that the server can no longer give the binlog the
// checkpoint needs. It is terminal.
type BinlogLostError struct {
	Where  string // the position asked for: "file mysql-bin.000003 position 154" or "GTID set 0-1-23"
	Reason string
	Err    error // the server's error, if any
}

func (e *BinlogLostError) Error() string {
	s := fmt.Sprintf("the binlog at %s is no longer available (%s): the changes since the last checkpoint can no longer be read; "+
		"a new snapshot is needed: delete the connector's offsets (PUT /connectors/<name>/stop, then DELETE /connectors/<name>/offsets) "+
		"and resume it with snapshot.mode=initial (or use snapshot.mode=when_needed), and keep binlogs longer (binlog_expire_logs_seconds / expire_logs_days)",
		e.Where, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrBinlogLost and the underlying error.
func (e *BinlogLostError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBinlogLost}
	}
	return []error{ErrBinlogLost, e.Err}
}

// Retryable reports false.
func (e *BinlogLostError) Retryable() bool { return false }

// UnsupportedTypeError is a captured column of a type sluice cannot map. It
// is terminal: retrying reads the same table again and fails again, and
// until it is fixed no change of any captured table can be emitted in order.
type UnsupportedTypeError struct {
	Table  string // "db.table"; empty until the table is known
	Column string
	Type   string // as the server names it: "uuid", "type 15 (varchar)"
}

func (e *UnsupportedTypeError) Error() string {
	table := e.Table
	if table == "" {
		table = "the table"
	}
	return fmt.Sprintf("mysql: %s column %q has type %s, which sluice has no mapping for (docs/types.md lists the supported types): "+
		"leave the table out of the capture with table.exclude.list (or out of table.include.list), or change the column to a supported type, "+
		"then update the connector's config (PUT /connectors/<name>/config) or restart it", table, e.Column, e.Type)
}

// Unwrap returns ErrUnsupportedType.
func (e *UnsupportedTypeError) Unwrap() error { return ErrUnsupportedType }

// Retryable reports false.
func (e *UnsupportedTypeError) Retryable() bool { return false }

// IsRetryable reports whether err is worth retrying by reopening the source:
// true for lost connections and servers out of reach, false for refused
// logins and configuration, prerequisite, decode and lost-binlog errors
// (capture.IsRetryable, the runtime's rule).
func IsRetryable(err error) bool { return capture.IsRetryable(err) }

// classifyConnectError types an error from opening a connection: a refused
// login is an *AuthError, a missing privilege a *PrerequisiteError (both
// terminal, each naming the fix); anything else (a server out of reach, too
// many connections) is a retryable *ConnError.
func classifyConnectError(cfg *Config, op string, err error) error {
	if te := (*TLSError)(nil); errors.As(err, &te) {
		return err // a store file that cannot be read (connTLS)
	}
	if tlsErr := classifyTLSError(cfg, op, err); tlsErr != nil {
		return tlsErr
	}
	var my *gomysql.MyError
	if !errors.As(err, &my) {
		return &ConnError{Op: op + capture.UnreachableHint(err), Err: err}
	}
	switch my.Code {
	case gomysql.ER_ACCESS_DENIED_ERROR, gomysql.ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
		fix := fmt.Sprintf("check database.user (%q) and database.password; the user must exist for the host sluice connects from (CREATE USER / ALTER USER ... IDENTIFIED BY)", cfg.User)
		if cfg.TLS == nil || cfg.SSLKeyStore == "" {
			// tls.go: a user created REQUIRE SSL or X509 is refused the same way.
			fix += "; a user that requires TLS (REQUIRE SSL) or a server that does (require_secure_transport=ON, which MariaDB reports as this same error) needs database.ssl.mode, one that requires a client certificate (REQUIRE X509) also database.ssl.keystore"
		}
		return &AuthError{Op: op, Err: err, Fix: fix}
	case gomysql.ER_HOST_NOT_PRIVILEGED:
		return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("the server does not let user %q connect from sluice's host: create the user for that host ('%s'@'<sluice host>' or '%s'@'%%') and grant it the connector's privileges", cfg.User, cfg.User, cfg.User)}
	case gomysql.ER_NOT_SUPPORTED_AUTH_MODE:
		return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("the user's authentication plugin is not supported: ALTER USER '%s' IDENTIFIED WITH mysql_native_password (or caching_sha2_password) BY '...'", cfg.User)}
	case gomysql.ER_DBACCESS_DENIED_ERROR, gomysql.ER_SPECIFIC_ACCESS_DENIED_ERROR:
		return &PrerequisiteError{Problems: []error{fmt.Errorf("%s: %w: grant the user SELECT, REPLICATION SLAVE and REPLICATION CLIENT (BINLOG MONITOR on MariaDB) ON *.*", op, err)}}
	}
	return &ConnError{Op: op, Err: err}
}
