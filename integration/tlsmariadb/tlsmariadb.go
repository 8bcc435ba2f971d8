// Package tlsmariadb starts a private MariaDB with TLS for integration
// tests: require_secure_transport=ON with a CA and certificates the test
// makes, and users that may log in only over TLS (one of them only with a
// client certificate). The env's shared server has no TLS
// (have_ssl=DISABLED), so the TLS tests run their own, from the same Debian
// packages, on a free loopback port, in a temporary directory removed at the
// end.
package tlsmariadb

import (
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
	"syscall"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
)

// Users of the server, each with Password and the grants a connector needs.
// TLSUser has REQUIRE SSL, CertUser REQUIRE X509 (a client certificate
// signed by CA), PlainUser nothing of its own (the server's
// require_secure_transport alone makes it use TLS over TCP).
const (
	TLSUser   = "tlsonly"
	CertUser  = "x509only"
	PlainUser = "plain"
	Password  = "pw"
	// DBName holds the table t (id INT PRIMARY KEY) with the row 1.
	DBName = "tdb"
)

// Server is a running private MariaDB with TLS required.
type Server struct {
	Port int
	Dir  string
	// start starts mariadbd; srv is the running one.
	start func() (*exec.Cmd, error)
	srv   *exec.Cmd
	// Socket is the unix socket: with require_secure_transport, TCP needs
	// TLS; root logs in here without a password (Admin).
	Socket string
	// CA signed the server's certificate, which holds the name "localhost"
	// only (so verify_identity passes by localhost and fails by
	// 127.0.0.1; verify_ca passes with both).
	CA      string
	OtherCA string // a CA that signed nothing of the server's
	// ClientPEM holds a client certificate (CN=sluice, signed by CA) and
	// its unencrypted key.
	ClientPEM string
	// ClientCert and ClientKey are the same in two files.
	ClientCert, ClientKey string
}

// Start starts a server, or skips the test when the MariaDB binaries are
// missing. It is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	const mariadbd = "/usr/sbin/mariadbd"
	if _, err := os.Stat(mariadbd); err != nil {
		t.Skipf("no %s: %v", mariadbd, err)
	}
	if _, err := exec.LookPath("mariadb-install-db"); err != nil {
		t.Skipf("no mariadb-install-db: %v", err)
	}
	// A short path: the unix socket lives here.
	dir, err := os.MkdirTemp("", "mdbtls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir}
	certPath, keyPath := s.makeCerts(t)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	data := filepath.Join(dir, "data")
	s.Socket = filepath.Join(dir, "sock")
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
`, dir, s.Port, s.CA, certPath, keyPath)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start = func() (*exec.Cmd, error) {
		srv := exec.Command(mariadbd, append([]string{"--defaults-file=" + cnf}, user...)...)
		return srv, srv.Start()
	}
	var err2 error
	if s.srv, err2 = s.start(); err2 != nil {
		t.Fatal(err2)
	}
	t.Cleanup(func() { s.stop(true) })
	grants := "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR, REPLICATION SLAVE ADMIN ON *.* TO "
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := s.Admin()
		if err == nil {
			for _, q := range []string{
				fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY '%s' REQUIRE SSL", TLSUser, Password),
				grants + TLSUser + "@'%'",
				fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY '%s' REQUIRE X509", CertUser, Password),
				grants + CertUser + "@'%'",
				fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY '%s'", PlainUser, Password),
				grants + PlainUser + "@'%'",
				"CREATE DATABASE " + DBName, "CREATE TABLE " + DBName + ".t (id INT PRIMARY KEY)", "INSERT INTO " + DBName + ".t VALUES (1)",
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

// stop kills the server (SIGKILL, as a crash) or shuts it down (SIGTERM)
// and waits for it.
func (s *Server) stop(kill bool) {
	srv := s.srv
	if srv == nil {
		return
	}
	s.srv = nil
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = srv.Process.Signal(sig)
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
}

// Restart stops the server (kill: SIGKILL, a crash; else a clean
// shutdown), starts it again and waits until it takes connections. Not
// safe to call concurrently.
func (s *Server) Restart(t testing.TB, kill bool) {
	t.Helper()
	s.stop(kill)
	var err error
	if s.srv, err = s.start(); err != nil {
		t.Fatalf("start MariaDB again: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := s.Admin()
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
			t.Fatalf("private MariaDB did not start again: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Admin connects as root over the unix socket.
func (s *Server) Admin() (*client.Conn, error) {
	return client.Connect(s.Socket, "root", "", "")
}

// makeCerts writes the CAs, the client certificate and the server's
// certificate and key, and returns the paths of the last two.
func (s *Server) makeCerts(t testing.TB) (certPath, keyPath string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name string, blocks ...*pem.Block) string {
		var b []byte
		for _, bl := range blocks {
			b = append(b, pem.EncodeToMemory(bl)...)
		}
		p := filepath.Join(s.Dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	serial := time.Now().UnixNano()
	mkCA := func(cn string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
		k := newKey()
		serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
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
	s.CA = write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	s.OtherCA = write("other.pem", &pem.Block{Type: "CERTIFICATE", Bytes: otherDER})
	leaf := func(cn string, dns []string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		k := newKey()
		serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kd, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der, kd
	}
	srvDER, srvKey := leaf("localhost", []string{"localhost"}, x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := leaf("sluice", nil, x509.ExtKeyUsageClientAuth)
	s.ClientPEM = write("client.pem", &pem.Block{Type: "CERTIFICATE", Bytes: cliDER}, &pem.Block{Type: "EC PRIVATE KEY", Bytes: cliKey})
	s.ClientCert = write("client.crt", &pem.Block{Type: "CERTIFICATE", Bytes: cliDER})
	s.ClientKey = write("client.key", &pem.Block{Type: "EC PRIVATE KEY", Bytes: cliKey})
	return write("server.pem", &pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		write("server-key.pem", &pem.Block{Type: "EC PRIVATE KEY", Bytes: srvKey})
}
