package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/mysql"
	"github.com/sluicecdc/sluice/connectors/postgres"
	"github.com/sluicecdc/sluice/connectors/runtime"
)

// TestCheckProblemsKey: a failed connection check is reported on
// database.hostname, as Debezium's validate does, except a TLS failure
// whose fix is a TLS key, which is reported on that key.
func TestCheckProblemsKey(t *testing.T) {
	for _, tc := range []struct {
		name, key, text string
		err             error
	}{
		{"login refused", "database.hostname", "password authentication failed", errors.New("password authentication failed")},
		{"out of reach", "database.hostname", "check database.hostname and database.port", runtime.Retryable(errors.New("connection refused"))},
		{"pg wrong CA", "database.sslrootcert", "unknown authority",
			&postgres.TLSError{Op: "connect", Err: errors.New("x509: unknown authority"), Fix: "set database.sslrootcert", Key: "database.sslrootcert"}},
		{"pg host name", "database.hostname", "does not hold the name",
			&postgres.TLSError{Op: "connect", Err: errors.New("x509: does not hold the name"), Key: "database.hostname"}},
		{"pg server certificate expired", "database.hostname", "expired", &postgres.TLSError{Op: "connect", Err: errors.New("expired")}},
		{"mysql wrong trust store password", "database.ssl.truststore.password", "wrong password",
			fmt.Errorf("wrapped: %w", &mysql.TLSError{Op: "read", Err: errors.New("wrong password"), Key: "database.ssl.truststore.password"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkProblems(context.Background(), tc.err, "Error while validating connector config: ")
			if len(got) != 1 || len(got[tc.key]) != 1 || !strings.Contains(got[tc.key][0], tc.text) {
				t.Errorf("checkProblems = %v, want one problem on %s saying %q", got, tc.key, tc.text)
			}
		})
	}
}
