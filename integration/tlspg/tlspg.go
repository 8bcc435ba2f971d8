// Package tlspg starts a private PostgreSQL with TLS for integration tests:
// ssl=on with a CA and certificates the test makes, and a pg_hba.conf that
// accepts TCP logins only over TLS (hostssl), one role of them only with a
// client certificate (clientcert=verify-full). The env's shared server has
// no TLS and every other test uses it in plain text, so the TLS tests run
// their own, from the same Debian binaries, on a free loopback port, in a
// temporary directory removed at the end.
package tlspg

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
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roles of the server. Both may log in with Password over TLS only; CertUser
// must also present a client certificate whose common name is its name.
const (
	User     = "sluice"
	CertUser = "certuser"
	Password = "pw"
	DBName   = "tdb"
	// KeyPassword encrypts ClientKeyEncPEM and ClientKeyEncDER.
	KeyPassword = "pgtls key secret 7d1e"
)

// Server is a running private PostgreSQL with TLS.
type Server struct {
	Port int
	Dir  string
	// start starts the postmaster; srv is the running one.
	start func() (*exec.Cmd, error)
	srv   *exec.Cmd
	// CA signed the server's certificate, which holds the name "localhost"
	// only (so verify-full passes by localhost and fails by 127.0.0.1).
	CA      string
	OtherCA string // a CA that signed nothing of the server's
	// ClientCert (CN=certuser, signed by CA) and its key: plain PEM, PEM
	// PKCS#8 encrypted with KeyPassword, and PKCS#8 DER encrypted (the JDBC
	// driver's postgresql.pk8).
	ClientCert, ClientKey, ClientKeyEncPEM, ClientKeyEncDER string
	// StrangerCert (CN=certuser) and StrangerKey: signed by OtherCA, which
	// the server does not trust.
	StrangerCert, StrangerKey string
	// ExpiredCert (CN=certuser, signed by CA, expired yesterday) and its key.
	ExpiredCert, ExpiredKey string
}

// Start starts a server, or skips the test when the PostgreSQL binaries or
// openssl are missing. It is stopped and removed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("SLUICE_PG_BIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		t.Skipf("no PostgreSQL binaries in %s (set SLUICE_PG_BIN): %v", bin, err)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skipf("no openssl: %v", err)
	}
	// A short path: the unix socket lives here.
	dir, err := os.MkdirTemp("", "pgtls")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{Dir: dir}

	// PostgreSQL refuses to run as root: run it as the env's user.
	var cred *syscall.Credential
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		name := os.Getenv("SLUICE_ENV_USER")
		if name == "" {
			name = "sluice-env"
		}
		u, err := user.Lookup(name)
		if err != nil {
			t.Skipf("running as root and no user %s to run PostgreSQL as: %v", name, err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	chown := func(p string) {
		if uid >= 0 {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	chown(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		c := exec.Command(name, args...)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}

	s.makeCerts(t, chown)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	data := filepath.Join(dir, "data")
	run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 40
shared_buffers = 16MB
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
fsync = off
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '%s'
ssl_key_file = '%s'
ssl_ca_file = '%s'
timezone = 'UTC'
`, s.Port, dir, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), s.CA)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(conf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// TCP only over TLS; the certificate role also with a client certificate.
	hba := fmt.Sprintf(`local all all trust
hostssl all %s 127.0.0.1/32 scram-sha-256 clientcert=verify-full
hostssl all all 127.0.0.1/32 scram-sha-256
`, CertUser)
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	chown(filepath.Join(data, "pg_hba.conf"))

	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.start = func() (*exec.Cmd, error) {
		srv := exec.Command(filepath.Join(bin, "postgres"), "-D", data)
		srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		srv.Stdout, srv.Stderr = logf, logf
		return srv, srv.Start()
	}
	if s.srv, err = s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop(syscall.SIGINT) // fast shutdown
		logf.Close()
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := s.Admin(context.Background(), "postgres")
		if err == nil {
			for _, q := range []string{
				fmt.Sprintf("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'", User, Password),
				fmt.Sprintf("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'", CertUser, Password),
				"CREATE DATABASE " + DBName,
			} {
				if _, err := c.Exec(context.Background(), q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			c.Close(context.Background())
			return s
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("private PostgreSQL with TLS did not start: %v\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop sends the server sig (SIGINT: fast shutdown, SIGQUIT: immediate)
// and waits for it, killing it after 20 s.
func (s *Server) stop(sig syscall.Signal) {
	srv := s.srv
	if srv == nil {
		return
	}
	s.srv = nil
	_ = srv.Process.Signal(sig)
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
}

// Restart stops the server (immediate: SIGQUIT, an immediate shutdown that
// recovers from the WAL at the next start, as after a crash; else a fast
// shutdown), starts it again and waits until it takes connections. Not
// safe to call concurrently.
func (s *Server) Restart(t testing.TB, immediate bool) {
	t.Helper()
	sig := syscall.SIGINT
	if immediate {
		sig = syscall.SIGQUIT
	}
	s.stop(sig)
	var err error
	// The postmaster may need a moment to free its port and pid file.
	for i := 0; ; i++ {
		if s.srv, err = s.start(); err != nil {
			t.Fatalf("start PostgreSQL again: %v", err)
		}
		if s.waitReady(30 * time.Second) {
			return
		}
		s.stop(syscall.SIGINT)
		if i == 2 {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "postgres.log"))
			t.Fatalf("private PostgreSQL did not start again\n%s", tail(string(log), 30))
		}
	}
}

func (s *Server) waitReady(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := s.Admin(context.Background(), "postgres")
		if err == nil {
			c.Close(context.Background())
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Admin connects as the superuser postgres over the unix socket.
func (s *Server) Admin(ctx context.Context, db string) (*pgx.Conn, error) {
	return pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=postgres dbname=%s sslmode=disable", s.Dir, s.Port, db))
}

// Config returns connector keys for the server as User with TLS verified
// by localhost (verify-full), with extra applied over them (an empty value
// deletes a key).
func (s *Server) Config(extra map[string]string) map[string]string {
	m := map[string]string{
		"database.hostname":    "localhost",
		"database.port":        strconv.Itoa(s.Port),
		"database.user":        User,
		"database.password":    Password,
		"database.dbname":      DBName,
		"database.sslmode":     "verify-full",
		"database.sslrootcert": s.CA,
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func (s *Server) makeCerts(t testing.TB, chown func(string)) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte, mode os.FileMode) string {
		p := filepath.Join(s.Dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
			t.Fatal(err)
		}
		chown(p)
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
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c, k, der
	}
	notAfter := time.Now().Add(24 * time.Hour)
	leaf := func(cn string, dns []string, usage x509.ExtKeyUsage, ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, []byte) {
		k := newKey()
		serial++
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
			NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der, kder
	}
	ca, caKey, caDER := mkCA("sluice pgtls test ca")
	other, otherKey, otherDER := mkCA("another ca")
	s.CA = write("ca.crt", "CERTIFICATE", caDER, 0o644)
	s.OtherCA = write("other-ca.crt", "CERTIFICATE", otherDER, 0o644)
	srvDER, srvKey := leaf("localhost", []string{"localhost"}, x509.ExtKeyUsageServerAuth, ca, caKey)
	write("server.crt", "CERTIFICATE", srvDER, 0o644)
	write("server.key", "PRIVATE KEY", srvKey, 0o600) // the server wants its key private
	cliDER, cliKey := leaf(CertUser, nil, x509.ExtKeyUsageClientAuth, ca, caKey)
	s.ClientCert = write("client.crt", "CERTIFICATE", cliDER, 0o644)
	s.ClientKey = write("client.key", "PRIVATE KEY", cliKey, 0o600)
	strDER, strKey := leaf(CertUser, nil, x509.ExtKeyUsageClientAuth, other, otherKey)
	s.StrangerCert = write("stranger.crt", "CERTIFICATE", strDER, 0o644)
	s.StrangerKey = write("stranger.key", "PRIVATE KEY", strKey, 0o600)
	notAfter = time.Now().Add(-24 * time.Hour)
	expDER, expKey := leaf(CertUser, nil, x509.ExtKeyUsageClientAuth, ca, caKey)
	s.ExpiredCert = write("expired.crt", "CERTIFICATE", expDER, 0o644)
	s.ExpiredKey = write("expired.key", "PRIVATE KEY", expKey, 0o600)
	s.ClientKeyEncPEM = filepath.Join(s.Dir, "client-enc.key")
	s.ClientKeyEncDER = filepath.Join(s.Dir, "client-enc.pk8")
	for _, c := range [][]string{
		{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", s.ClientKey, "-passout", "pass:" + KeyPassword, "-out", s.ClientKeyEncPEM},
		{"pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-in", s.ClientKey, "-passout", "pass:" + KeyPassword, "-outform", "DER", "-out", s.ClientKeyEncDER},
	} {
		if out, err := exec.Command("openssl", c...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", c, err, out)
		}
	}
}
