package postgres

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestParsePrivateKey reads one key in every format a libpq or JDBC user
// may hold, encrypted ones with the right and a wrong password.
func TestParsePrivateKey(t *testing.T) {
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey)
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", pkcs1, []byte("pw"), x509.PEMCipherAES256) //nolint:staticcheck // the legacy format is what is tested
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name, password, wantErr string
		data                    []byte
		rsa                     bool
	}
	cases := []tc{
		{name: "PKCS#8 PEM", data: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})},
		{name: "SEC 1 PEM", data: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})},
		{name: "PKCS#1 PEM", data: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1}), rsa: true},
		{name: "PKCS#8 DER", data: pkcs8},
		{name: "certificate before the key", data: append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)},
		{name: "legacy encrypted PEM", data: pem.EncodeToMemory(legacy), password: "pw", rsa: true},
		{name: "legacy encrypted PEM, wrong password", data: pem.EncodeToMemory(legacy), password: "nope", wantErr: "check database.sslpassword"},
		{name: "legacy encrypted PEM, no password", data: pem.EncodeToMemory(legacy), wantErr: "set database.sslpassword"},
		{name: "not a key", data: []byte("hello"), wantErr: "PKCS#12"},
		{name: "PEM without a key", data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), wantErr: "no PEM block holding a private key"},
	}
	// Encrypted PKCS#8 as OpenSSL writes it (PBES2), PEM and DER, with the
	// PRFs and ciphers users meet.
	if _, err := exec.LookPath("openssl"); err == nil {
		plain := filepath.Join(dir, "k.pem")
		if err := os.WriteFile(plain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, v := range [][]string{
			{"aes-256-cbc", "hmacWithSHA256", "PEM"},
			{"aes-128-cbc", "hmacWithSHA1", "DER"},
			{"aes-192-cbc", "hmacWithSHA512", "DER"},
			{"des3", "hmacWithSHA256", "PEM"},
		} {
			out := filepath.Join(dir, strings.Join(v, "-"))
			cmd := exec.Command("openssl", "pkcs8", "-topk8", "-v2", v[0], "-v2prf", v[1], "-outform", v[2], "-in", plain, "-passout", "pass:s3cret", "-out", out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", v, err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			name := "PBES2 " + strings.Join(v, " ")
			cases = append(cases, tc{name: name, data: data, password: "s3cret"},
				tc{name: name + ", wrong password", data: data, password: "s3creT", wantErr: "check database.sslpassword"},
				tc{name: name + ", no password", data: data, wantErr: "set database.sslpassword"})
		}
	} else {
		t.Logf("no openssl: PBES2 keys not tested")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := parsePrivateKey(c.data, c.password)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch k := k.(type) {
			case *ecdsa.PrivateKey:
				if c.rsa || !k.Equal(ec) {
					t.Errorf("got another EC key")
				}
			case *rsa.PrivateKey:
				if !c.rsa || !k.Equal(rsaKey) {
					t.Errorf("got another RSA key")
				}
			default:
				t.Errorf("key of type %T", k)
			}
		})
	}
}

func TestParseSSLFactory(t *testing.T) {
	for _, c := range []struct {
		factory, mode, root, want, wantErr string
	}{
		{"", "verify-full", "/ca", "", ""},
		{"org.postgresql.ssl.LibPQFactory", "verify-full", "/ca", "", ""},
		{"org.postgresql.ssl.NonValidatingFactory", "require", "", sslFactoryNonValidating, ""},
		{"org.postgresql.ssl.NonValidatingFactory", "verify-full", "", "", "database.sslmode=require"},
		{"org.postgresql.ssl.DefaultJavaSSLFactory", "verify-full", "", sslFactoryDefaultJava, ""},
		{"org.postgresql.ssl.DefaultJavaSSLFactory", "verify-full", "/ca", "", "remove database.sslfactory"},
		{"com.example.MyFactory", "require", "", "", "Java class"},
	} {
		got, err := parseSSLFactory(c.factory, c.mode, c.root)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %s: error %v, want one with %q", c.factory, c.mode, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q %v, want %q", c.factory, c.mode, got, err, c.want)
		}
	}
}

// TestTLSConfigKeys: the keys parse, NonValidatingFactory drops the root
// certificate from the connection settings, and the client certificate is
// loaded into the fallbacks of prefer too.
func TestTLSConfigKeys(t *testing.T) {
	base := map[string]string{"database.hostname": "db", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	c, err := ParseConfig("x", with(map[string]string{"database.sslmode": "require", "database.sslrootcert": "/ca.pem", "database.sslfactory": sslFactoryNonValidating}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.DSN(), "sslrootcert") {
		t.Errorf("NonValidatingFactory: DSN %s keeps sslrootcert (require would verify the CA)", c.DSN())
	}
	if _, err := ParseConfig("x", with(map[string]string{"database.sslcert": "/c.pem"})); err == nil || !strings.Contains(err.Error(), "database.sslkey") {
		t.Errorf("sslcert without sslkey: %v", err)
	}
	if _, err := ParseConfig("x", with(map[string]string{"database.sslfactory": "a.B"})); err == nil || !strings.Contains(err.Error(), "database.sslfactory") {
		t.Errorf("unknown factory: %v", err)
	}
	if c, _ := ParseConfig("x", base); c.SSLMode != "prefer" {
		t.Errorf("default sslmode %q, want prefer (Debezium's)", c.SSLMode)
	}
	var tlsErr *TLSError
	c, _ = ParseConfig("x", with(map[string]string{"database.sslcert": "/nonexistent.crt", "database.sslkey": "/nonexistent.key"}))
	if err := c.applyClientCert(nil); !errors.As(err, &tlsErr) || IsRetryable(err) || !strings.Contains(err.Error(), "database.sslcert") {
		t.Errorf("missing certificate file: %v", err)
	}
}

// TestClassifyTLSError: each TLS failure becomes a terminal error naming
// its key; errors that are not about TLS are left to the caller.
func TestClassifyTLSError(t *testing.T) {
	cfg := &Config{Host: "db.example", User: "u", SSLMode: "verify-full", SSLRootCert: "/ca.pem"}
	wrap := func(err error) error { return fmt.Errorf("failed to connect: %w", err) }
	for _, c := range []struct {
		name string
		err  error
		want string // "" for not a TLS error
	}{
		{"unknown CA", wrap(x509.UnknownAuthorityError{}), "database.sslrootcert (/ca.pem)"},
		{"host name", wrap(x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"other.example"}}, Host: "db.example"}), "it holds: other.example"},
		{"expired", wrap(x509.CertificateInvalidError{Reason: x509.Expired}), "renew the server's certificate"},
		{"no TLS on the server", wrap(errors.New("tls error: server refused TLS connection")), "database.sslmode=prefer or disable"},
		{"client certificate refused", wrap(errors.New("failed to receive message: remote error: tls: expired certificate")), "database.sslcert and database.sslkey"},
		{"hostssl only", wrap(&pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "127.0.0.1", user "u", database "d", no encryption`}), "database.sslmode=verify-full"},
		{"client certificate required", wrap(&pgconn.PgError{Code: "28000", Message: "connection requires a valid client certificate"}), "set database.sslcert and database.sslkey"},
		{"wrong password", wrap(&pgconn.PgError{Code: "28P01", Message: "password authentication failed"}), ""},
		{"refused connection", wrap(errors.New("dial tcp: connection refused")), ""},
	} {
		err := classifyTLSError(cfg, "connect", c.err)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want nil (not a TLS error)", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || IsRetryable(err)):
			t.Errorf("%s: %v, want a terminal error with %q", c.name, err, c.want)
		}
	}
	// Under prefer the refusal of TLS is only the first of pgx's attempts.
	prefer := *cfg
	prefer.SSLMode = "prefer"
	if err := classifyTLSError(&prefer, "connect", errors.New("server refused TLS connection")); err != nil {
		t.Errorf("prefer: %v, want nil", err)
	}
}
