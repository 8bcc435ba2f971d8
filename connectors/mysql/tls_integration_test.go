//go:build integration

package mysql

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/change"
)

// tlsServer is a private MariaDB with TLS on: the env's server has none
// (have_ssl=DISABLED), so this test starts one of its own from the same
// Debian packages, on a free loopback port, in a temporary directory.
type tlsServer struct {
	port          int
	socket        string // the unix socket: with require_secure_transport, TCP needs TLS
	caPath        string // the CA that signed the server's certificate
	otherCAPath   string
	clientPEMPath string
}

func startTLSServer(t *testing.T) *tlsServer {
	t.Helper()
	const mariadbd = "/usr/sbin/mariadbd"
	if _, err := os.Stat(mariadbd); err != nil {
		t.Skipf("no %s: %v", mariadbd, err)
	}
	if _, err := exec.LookPath("mariadb-install-db"); err != nil {
		t.Skipf("no mariadb-install-db: %v", err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &tlsServer{}

	// A CA, a server certificate for the name "localhost" only (so
	// verify_identity passes with database.hostname=localhost and fails
	// with 127.0.0.1, verify_ca passes with both), another CA.
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mkCA := func(cn string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, k, der
	}
	ca, caKey, caDER := mkCA("sluice test ca")
	_, _, otherDER := mkCA("another ca")
	s.caPath, s.otherCAPath = writePEM("ca.pem", "CERTIFICATE", caDER), writePEM("other.pem", "CERTIFICATE", otherDER)
	srvKey := newKey()
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano() + 1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKeyDER, _ := x509.MarshalECPrivateKey(srvKey)
	// A client certificate and its key in one PEM file (database.ssl.keystore).
	cliKey := newKey()
	cliTmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano() + 2), Subject: pkix.Name{CommonName: "sluice"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	cliDER, err := x509.CreateCertificate(rand.Reader, cliTmpl, ca, &cliKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cliKeyDER, _ := x509.MarshalECPrivateKey(cliKey)
	s.clientPEMPath = filepath.Join(dir, "client.pem")
	if err := os.WriteFile(s.clientPEMPath, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cliDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: cliKeyDER})...), 0o644); err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := writePEM("server.pem", "CERTIFICATE", srvDER), writePEM("server-key.pem", "EC PRIVATE KEY", srvKeyDER)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	data := filepath.Join(dir, "data")
	s.socket = filepath.Join(dir, "sock")
	var user []string
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	install := exec.Command("mariadb-install-db", append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, user...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	cnf := filepath.Join(dir, "my.cnf")
	if err := os.WriteFile(cnf, []byte(fmt.Sprintf(`[mariadbd]
datadir = %[1]s/data
socket = %[1]s/sock
pid-file = %[1]s/pid
log-error = %[1]s/error.log
bind-address = 127.0.0.1
port = %[2]d
skip-name-resolve
character-set-server = utf8mb4
default-time-zone = '+00:00'
innodb_buffer_pool_size = 32M
server_id = 1
log_bin = %[1]s/binlog
binlog_format = ROW
binlog_row_image = FULL
binlog_row_metadata = FULL
ssl_ca = %[3]s
ssl_cert = %[4]s
ssl_key = %[5]s
require_secure_transport = ON
`, dir, s.port, s.caPath, certPath, keyPath)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(mariadbd, append([]string{"--defaults-file=" + cnf}, user...)...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := client.Connect(s.socket, "root", "", "")
		if err == nil {
			// A user that may only connect over TLS: a connection of sluice
			// that works (the binlog dump included) used TLS.
			for _, q := range []string{
				"CREATE USER tlsonly@'%' IDENTIFIED BY 'pw' REQUIRE SSL",
				"GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR, REPLICATION SLAVE ADMIN ON *.* TO tlsonly@'%'",
				// And one that must present a client certificate.
				"CREATE USER x509only@'%' IDENTIFIED BY 'pw' REQUIRE X509",
				"GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR, REPLICATION SLAVE ADMIN ON *.* TO x509only@'%'",
				// And one that requires nothing itself: the server's
				// require_secure_transport alone makes it use TLS over TCP.
				"CREATE USER plain@'%' IDENTIFIED BY 'pw'",
				"GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR, REPLICATION SLAVE ADMIN ON *.* TO plain@'%'",
				"CREATE DATABASE tdb", "CREATE TABLE tdb.t (id INT PRIMARY KEY)", "INSERT INTO tdb.t VALUES (1)",
			} {
				if _, err := c.Execute(q); err != nil {
					c.Close()
					t.Fatalf("%s: %v", q, err)
				}
			}
			// The server refuses plain TCP whoever logs in.
			r, err := c.Execute("SELECT @@require_secure_transport")
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := r.GetInt(0, 0); v != 1 {
				t.Fatalf("require_secure_transport = %d, want 1", v)
			}
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("private MariaDB with TLS did not start: %v\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *tlsServer) config(t *testing.T, extra map[string]string) (Config, error) {
	m := map[string]string{
		"connector.class":       MariaDBClass,
		"database.hostname":     "127.0.0.1",
		"database.port":         strconv.Itoa(s.port),
		"database.user":         "tlsonly",
		"database.password":     "pw",
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
	s := startTLSServer(t)
	stream := func(t *testing.T, extra map[string]string) error {
		cfg, err := s.config(t, extra)
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
		admin, err := client.Connect(s.socket, "root", "", "")
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
		{"verify_ca", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.caPath}, ""},
		{"verify_ca other CA", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.otherCAPath}, "database.ssl.truststore"},
		{"verify_identity", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": s.caPath, "database.hostname": "localhost"}, ""},
		{"verify_identity by address", map[string]string{"database.ssl.mode": "verify_identity", "database.ssl.truststore": s.caPath}, "does not hold the name \"127.0.0.1\" of database.hostname"},
		{"disabled", map[string]string{"database.ssl.mode": "disabled"}, "Access denied"},
		{"required, server's require_secure_transport only", map[string]string{"database.ssl.mode": "required", "database.user": "plain"}, ""},
		{"disabled, server's require_secure_transport only", map[string]string{"database.ssl.mode": "disabled", "database.user": "plain"}, "require_secure_transport"},
		{"client certificate", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.caPath,
			"database.ssl.keystore": s.clientPEMPath, "database.user": "x509only"}, ""},
		{"no client certificate", map[string]string{"database.ssl.mode": "verify_ca", "database.ssl.truststore": s.caPath,
			"database.user": "x509only"}, "Access denied"},
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
