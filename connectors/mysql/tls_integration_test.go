//go:build integration

package mysql

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/integration/tlsmariadb"
)

// tlsServerConfig returns the connector config for the private TLS MariaDB s as
// its TLS-only user, with extra over it.
func tlsServerConfig(s *tlsmariadb.Server, extra map[string]string) (Config, error) {
	m := map[string]string{
		"connector.class":       MariaDBClass,
		"database.hostname":     "127.0.0.1",
		"database.port":         strconv.Itoa(s.Port),
		"database.user":         tlsmariadb.TLSUser,
		"database.password":     tlsmariadb.Password,
		"database.server.id":    "777",
		"topic.prefix":          "tls",
		"database.include.list": "tdb",
		"schema.history.internal.store.only.captured.databases.ddl": "true",
	}
	for k, v := range extra {
		m[k] = v
	}
	return ParseConfig("tls", m)
}

// TestIntegrationTLS runs the ssl modes against a MariaDB that requires TLS
// (require_secure_transport=ON) and whose users may connect only over TLS:
// required and verify_ca (with the CA that signed the server's certificate)
// and verify_identity (by the name the certificate gives) snapshot (row 1
// must arrive) and stream, the binlog dump included; verify_ca with another
// CA and verify_identity by an address the certificate does not name fail,
// terminal (not retried), naming the key; disabled is refused by the server.
func TestIntegrationTLS(t *testing.T) {
	s := tlsmariadb.Start(t)
	st := javaStores(t, s)
	stream := func(t *testing.T, extra map[string]string) error {
		cfg, err := tlsServerConfig(s, extra)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := NewSource(cfg, testLogger(t)).Open(ctx, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		var got []*change.Event
		snapshot := false
		admin, err := s.Admin()
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		id := 100 + time.Now().UnixNano()%1000000
		if _, err := admin.Execute(fmt.Sprintf("INSERT INTO tdb.t VALUES (%d)", id)); err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := st.Next(ctx)
			if err != nil {
				return fmt.Errorf("after %d events: %w", len(got), err)
			}
			if ev.Message != nil {
				continue
			}
			got = append(got, ev)
			if ev.Op == change.OpRead && idOf(ev) == 1 {
				snapshot = true // the snapshot's query ran over TLS
			}
			if ev.Op == change.OpCreate && idOf(ev) == id {
				if !snapshot {
					return fmt.Errorf("the streamed row came without the snapshot's row 1 (%d events before it)", len(got))
				}
				return nil // the streamed row: the binlog dump ran over TLS
			}
		}
	}
	for _, tc := range []struct {
		name    string
		keys    map[string]string
		errText string
	}{
		{"required", map[string]string{"database.ssl.mode": "required"}, ""},
		{"trust", map[string]string{"database.ssl.mode": "trust"}, ""},
		{"preferred", map[string]string{"database.ssl.mode": "preferred"}, ""},
		{"verify_ca", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.CA}, ""},
		{"verify_ca other CA", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.OtherCA}, "database.ssl.truststore"},
		{"verify_identity", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": s.CA, "database.hostname": "localhost"}, ""},
		{"verify_identity by address", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": s.CA}, "does not hold the name \"127.0.0.1\" of database.hostname"},
		{"disabled", map[string]string{"database.ssl.mode": "disabled"}, "Access denied"},
		{"required, server's require_secure_transport only", map[string]string{"database.ssl.mode": "required", "database.user": tlsmariadb.PlainUser}, ""},
		{"disabled, server's require_secure_transport only", map[string]string{"database.ssl.mode": "disabled", "database.user": tlsmariadb.PlainUser}, "require_secure_transport"},
		{"client certificate", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.CA,
			"database.ssl.keystore": s.ClientPEM, "database.user": tlsmariadb.CertUser}, ""},
		{"verify_identity, JKS trust store made by keytool", map[string]string{"database.ssl.mode": "verify_identity", "database.hostname": "localhost",
			"database.ssl.truststore": st.trustJKS, "database.ssl.truststore.password": storePassword}, ""},
		{"verify_ca, PKCS12 trust store made by keytool", map[string]string{"database.ssl.mode": "verify_ca",
			"database.ssl.truststore": st.trustP12, "database.ssl.truststore.password": storePassword}, ""},
		{"JKS trust store, wrong password", map[string]string{"database.ssl.mode": "verify_ca",
			"database.ssl.truststore": st.trustJKS, "database.ssl.truststore.password": "wrong"}, "wrong password: check database.ssl.truststore.password"},
		{"client certificate, PKCS12 key store", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": st.trustP12,
			"database.ssl.truststore.password": storePassword, "database.ssl.keystore": st.keyP12, "database.ssl.keystore.password": storePassword,
			"database.user": tlsmariadb.CertUser}, ""},
		{"client certificate, JKS key store made by keytool", map[string]string{"database.ssl.mode": "verify_identity", "database.hostname": "localhost",
			"database.ssl.truststore": st.trustJKS, "database.ssl.truststore.password": storePassword,
			"database.ssl.keystore": st.keyJKS, "database.ssl.keystore.password": storePassword, "database.user": tlsmariadb.CertUser}, ""},
		{"JKS key store, wrong password", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.CA,
			"database.ssl.keystore": st.keyJKS, "database.ssl.keystore.password": "wrong", "database.user": tlsmariadb.CertUser},
			"wrong password: check database.ssl.keystore.password"},
		{"no client certificate", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.CA,
			"database.user": tlsmariadb.CertUser}, "Access denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := stream(t, tc.keys)
			t.Logf("%s: %v", tc.name, err)
			switch {
			case tc.errText == "" && err != nil:
				t.Errorf("%v", err)
			case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
				t.Errorf("error %v, want one with %q", err, tc.errText)
			case tc.errText != "" && IsRetryable(err):
				t.Errorf("error is retryable, want terminal: %v", err)
			}
		})
	}
}

// storePassword opens the Java stores javaStores makes.
const storePassword = "st0re-pw"

// stores are Java key stores of the private server's CA and client
// certificate, made as a Debezium user makes them: keytool for the trust
// stores, openssl then keytool for the key stores.
type stores struct {
	trustJKS, trustP12, keyP12, keyJKS string
}

func javaStores(t *testing.T, s *tlsmariadb.Server) stores {
	t.Helper()
	for _, tool := range []string{"keytool", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	dir := t.TempDir()
	st := stores{trustJKS: filepath.Join(dir, "truststore.jks"), trustP12: filepath.Join(dir, "truststore.p12"),
		keyP12: filepath.Join(dir, "keystore.p12"), keyJKS: filepath.Join(dir, "keystore.jks")}
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", s.CA, "-keystore", st.trustJKS, "-storetype", "JKS", "-storepass", storePassword)
	run("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", s.CA, "-keystore", st.trustP12, "-storetype", "PKCS12", "-storepass", storePassword)
	run("openssl", "pkcs12", "-export", "-in", s.ClientCert, "-inkey", s.ClientKey, "-name", "client", "-out", st.keyP12, "-passout", "pass:"+storePassword)
	run("keytool", "-importkeystore", "-noprompt", "-srckeystore", st.keyP12, "-srcstoretype", "PKCS12", "-srcstorepass", storePassword,
		"-destkeystore", st.keyJKS, "-deststoretype", "JKS", "-deststorepass", storePassword)
	return st
}
