//go:build integration

package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/integration/tlspg"
)

// TestIntegrationPGTLS runs the TLS settings against a private PostgreSQL
// with ssl=on whose pg_hba.conf accepts TCP logins only over TLS (hostssl),
// so a case that snapshots and streams used TLS on both its query and its
// replication connection (checked in pg_stat_ssl as well). Each refused
// case must fail at once, terminal (not retried), naming the key to change.
func TestIntegrationPGTLS(t *testing.T) {
	s := tlspg.Start(t)
	ctx := context.Background()
	admin, err := s.Admin(ctx, tlspg.DBName)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE TABLE public.t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n := 0
	// run opens a fresh connector with the keys, reads the snapshot (3
	// rows) and one streamed insert; it returns the first error.
	run := func(t *testing.T, extra map[string]string) error {
		n++
		slot := fmt.Sprintf("pgtls_%d", n)
		m := s.Config(extra)
		m["topic.prefix"] = "pgtls"
		m["slot.name"] = slot
		m["publication.name"] = slot
		m["publication.autocreate.mode"] = "filtered"
		m["table.include.list"] = `public\.t`
		m["status.update.interval.ms"] = "100"
		cfg, err := ParseConfig("pgtls", m)
		if err != nil {
			return err
		}
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		st, err := NewSource(cfg, log).Open(octx, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		reads := 0
		for reads < 3 {
			ev, err := st.Next(octx)
			if err != nil {
				return fmt.Errorf("snapshot, after %d rows: %w", reads, err)
			}
			if ev.Table != nil && ev.Op == change.OpRead {
				reads++
			}
		}
		id := 100 + n
		if _, err := admin.Exec(ctx, "INSERT INTO t VALUES ($1, 'new')", id); err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := st.Next(octx)
			if err != nil {
				return fmt.Errorf("stream: %w", err)
			}
			if ev.Table != nil && ev.Op == change.OpCreate && idOf(ev) == int32(id) {
				break
			}
		}
		// Every connection of the connector's role is encrypted, the
		// walsender's included.
		var conns, ssl int
		if err := admin.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s.ssl) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
			WHERE a.usename = $1 AND a.application_name = 'sluice-pgtls'`, cfg.User).Scan(&conns, &ssl); err != nil {
			t.Fatal(err)
		}
		var walsenderSSL bool
		if err := admin.QueryRow(ctx, `SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'sluice-pgtls'`).Scan(&walsenderSSL); err != nil {
			t.Fatalf("find the walsender: %v", err)
		}
		t.Logf("connections of %s: %d, with TLS: %d; walsender with TLS: %v", cfg.User, conns, ssl, walsenderSSL)
		if conns == 0 || conns != ssl || !walsenderSSL {
			t.Errorf("connections: %d, with TLS: %d, walsender with TLS: %v; want all with TLS", conns, ssl, walsenderSSL)
		}
		return nil
	}
	for _, tc := range []struct {
		name  string
		keys  map[string]string
		wants []string // in the error, all of them; none: success
	}{
		{"verify-full by localhost", nil, nil},
		{"verify-ca by address", map[string]string{"database.sslmode": "verify-ca", "database.hostname": "127.0.0.1"}, nil},
		{"require without CA", map[string]string{"database.sslmode": "require", "database.sslrootcert": "", "database.hostname": "127.0.0.1"}, nil},
		{"prefer without CA", map[string]string{"database.sslmode": "prefer", "database.sslrootcert": "", "database.hostname": "127.0.0.1"}, nil},
		{"NonValidatingFactory with another CA", map[string]string{"database.sslmode": "require", "database.sslrootcert": s.OtherCA,
			"database.sslfactory": "org.postgresql.ssl.NonValidatingFactory"}, nil},
		{"client certificate", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ClientCert, "database.sslkey": s.ClientKey}, nil},
		{"client certificate, encrypted PEM key", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ClientCert,
			"database.sslkey": s.ClientKeyEncPEM, "database.sslpassword": tlspg.KeyPassword}, nil},
		{"client certificate, encrypted DER key (JDBC's .pk8)", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ClientCert,
			"database.sslkey": s.ClientKeyEncDER, "database.sslpassword": tlspg.KeyPassword}, nil},

		{"verify-full with another CA", map[string]string{"database.sslrootcert": s.OtherCA},
			[]string{"database.sslrootcert", "not signed by the CA"}},
		{"verify-full by address", map[string]string{"database.hostname": "127.0.0.1"},
			[]string{"database.hostname", "holds: localhost", "verify-ca"}},
		{"verify-full without CA", map[string]string{"database.sslrootcert": ""},
			[]string{"set database.sslrootcert"}},
		{"disable against hostssl only", map[string]string{"database.sslmode": "disable"},
			[]string{"no encryption", "only over TLS", "database.sslmode=verify-full"}},
		{"no client certificate", map[string]string{"database.user": tlspg.CertUser},
			[]string{"client certificate", "database.sslcert and database.sslkey"}},
		{"encrypted key without password", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ClientCert,
			"database.sslkey": s.ClientKeyEncPEM}, []string{"encrypted: set database.sslpassword"}},
		{"encrypted key, wrong password", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ClientCert,
			"database.sslkey": s.ClientKeyEncDER, "database.sslpassword": "wrong"}, []string{"check database.sslpassword"}},
		{"client key of another certificate", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.CA,
			"database.sslkey": s.ClientKey}, []string{"database.sslcert", "private key does not match"}},
		{"client certificate of an untrusted CA", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.StrangerCert,
			"database.sslkey": s.StrangerKey}, []string{"database.sslcert", "signed by a CA in its ssl_ca_file"}},
		{"expired client certificate", map[string]string{"database.user": tlspg.CertUser, "database.sslcert": s.ExpiredCert,
			"database.sslkey": s.ExpiredKey}, []string{"database.sslcert", "expired on"}},
		{"unreadable root certificate", map[string]string{"database.sslrootcert": s.Dir + "/missing.crt"},
			[]string{"database.sslrootcert", "missing.crt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := run(t, tc.keys)
			// A server that refuses the client certificate after a TLS
			// 1.3 handshake may reset the connection before its alert is
			// read: a retryable error, which the connector retries. So
			// does this test, to see the alert.
			for try := 0; try < 5 && err != nil && IsRetryable(err) && strings.Contains(err.Error(), "connection reset by peer"); try++ {
				t.Logf("retry after a reset connection: %v", err)
				err = run(t, tc.keys)
			}
			t.Logf("%s (%s): %v", tc.name, time.Since(start).Round(time.Millisecond), err)
			if len(tc.wants) == 0 {
				if err != nil {
					t.Errorf("want success, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error with %q, got success", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if IsRetryable(err) {
				t.Errorf("error is retryable; want terminal: %v", err)
			}
		})
	}
	// A refused case made nothing on the server: one slot per successful
	// case, none more.
	var slots int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'pgtls_%'").Scan(&slots); err != nil {
		t.Fatal(err)
	}
	t.Logf("slots made: %d", slots)
	if want := 8; slots != want {
		t.Errorf("slots made: %d, want %d (one per successful case, none by a refused one)", slots, want)
	}
}

// TestIntegrationPGTLSRequiredButServerHasNone asks for TLS from the env's
// shared server, which has ssl off: require fails at once, terminal, naming
// database.sslmode; prefer (the default) falls back to plain text.
func TestIntegrationPGTLSRequiredButServerHasNone(t *testing.T) {
	e := newPGEnv(t, "pgtls_nossl")
	e.exec("CREATE TABLE $S.t (id int PRIMARY KEY)", "INSERT INTO $S.t VALUES (1)")
	cfg := e.config(map[string]string{"database.sslmode": "require"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, err := NewSource(cfg, log).Open(ctx, nil)
	t.Logf("require: %v", err)
	if err == nil || !strings.Contains(err.Error(), "does not accept TLS") || !strings.Contains(err.Error(), "database.sslmode") || IsRetryable(err) {
		t.Errorf("require against a server without TLS: %v; want a terminal error naming database.sslmode", err)
	}
	st := e.open(e.config(map[string]string{"database.sslmode": "prefer"}), nil)
	if evs := next(t, st, 1); evs[0].Op != change.OpRead {
		t.Errorf("prefer: first event %c, want the snapshot's r", evs[0].Op)
	}
}
