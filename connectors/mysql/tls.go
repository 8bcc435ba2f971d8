package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"
)

// database.ssl.mode and its files, mapped onto go-mysql's TLS (the query
// connections and the binlog dump alike):
//
//	disabled, disable          no TLS
//	preferred                  TLS when the server offers it, else plain
//	required, trust            TLS, the server's certificate not checked
//	verify_ca                  TLS, the certificate checked against the trust store, not the host name
//	verify_identity            TLS, the certificate and the host name checked
//
// MySQL's connector names the first five (default preferred), MariaDB's
// disable, trust, verify_ca, verify_identity (default disable); sluice
// takes all of them for both classes. database.ssl.truststore is a PEM file
// of CA certificates (the system's roots without it), database.ssl.keystore
// a PEM file with the client certificate and its unencrypted key, for
// servers that require one. Debezium reads Java key stores (JKS, PKCS#12)
// there: sluice refuses them with the keytool/openssl command that gives
// PEM.

// SSL modes (database.ssl.mode).
const (
	SSLDisabled       = "disabled"
	SSLPreferred      = "preferred"
	SSLRequired       = "required"
	SSLVerifyCA       = "verify_ca"
	SSLVerifyIdentity = "verify_identity"
)

// tlsConfig reads the database.ssl.* keys into c.
func tlsConfig(c *Config, get func(string) string, bad func(key, format string, args ...any)) {
	mode := strings.ToLower(get("database.ssl.mode"))
	switch mode {
	case "":
		mode = SSLPreferred
		if c.MariaDB {
			mode = SSLDisabled
		}
	case "disable":
		mode = SSLDisabled
	case "trust":
		mode = SSLRequired
	case SSLDisabled, SSLPreferred, SSLRequired, SSLVerifyCA, SSLVerifyIdentity:
	default:
		bad("database.ssl.mode", "unknown value %q; use disabled, preferred, required, verify_ca or verify_identity (MariaDB's disable and trust are taken too)", mode)
		return
	}
	c.SSLMode = mode
	if mode == SSLDisabled {
		return
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.Host}
	if path := get("database.ssl.truststore"); path != "" {
		pool, err := readPEMCerts(path)
		if err != nil {
			bad("database.ssl.truststore", "%v", err)
			return
		}
		t.RootCAs = pool
	}
	if path := get("database.ssl.keystore"); path != "" {
		cert, err := readPEMKeyPair(path)
		if err != nil {
			bad("database.ssl.keystore", "%v", err)
			return
		}
		t.Certificates = []tls.Certificate{cert}
	}
	switch mode {
	case SSLPreferred, SSLRequired:
		t.InsecureSkipVerify = true
	case SSLVerifyCA:
		// The chain is checked, the host name is not.
		roots := t.RootCAs
		t.InsecureSkipVerify = true
		t.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("the server sent no certificate")
			}
			certs := make([]*x509.Certificate, len(raw))
			for i, r := range raw {
				cert, err := x509.ParseCertificate(r)
				if err != nil {
					return err
				}
				certs[i] = cert
			}
			inter := x509.NewCertPool()
			for _, ic := range certs[1:] {
				inter.AddCert(ic)
			}
			_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	c.TLS = t
}

// notPEM is the message for a file that holds no PEM block.
func notPEM(path, what, convert string) error {
	return fmt.Errorf("%s holds no PEM %s; sluice reads PEM files, not Java key stores: convert it with %s", path, what, convert)
}

func readPEMCerts(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, notPEM(path, "certificate", "keytool -exportcert -rfc -keystore "+path+" -alias <alias> > ca.pem")
	}
	return pool, nil
}

func readPEMKeyPair(path string) (tls.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read %s: %w", path, err)
	}
	if blk, _ := pem.Decode(b); blk == nil {
		return tls.Certificate{}, notPEM(path, "certificate and key", "openssl pkcs12 -in "+path+" -nodes -out client.pem (for JKS, keytool -importkeystore -srckeystore "+path+" -destkeystore k.p12 -deststoretype PKCS12 first)")
	}
	cert, err := tls.X509KeyPair(b, b)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %v; it must hold the client certificate and its unencrypted private key in PEM", path, err)
	}
	return cert, nil
}

// errServerNoTLS is go-mysql's error when the server does not offer TLS.
const errServerNoTLS = "does not support TLS"

// dial opens a query connection with cfg's TLS: with preferred, a server
// without TLS gets a plain connection (and cfg.TLS is dropped so that the
// next connections and the binlog dump do not try again).
func dial(ctx context.Context, cfg *Config) (*client.Conn, error) {
	var opts []client.Option
	if cfg.TLS != nil {
		t := cfg.TLS
		opts = append(opts, func(c *client.Conn) error { c.SetTLSConfig(t); return nil })
	}
	c, err := client.ConnectWithContext(ctx, cfg.Addr(), cfg.User, cfg.Password, "", cfg.ConnectTimeout, opts...)
	if err != nil && cfg.TLS != nil && strings.Contains(err.Error(), errServerNoTLS) {
		if cfg.SSLMode == SSLPreferred {
			cfg.TLS = nil
			return client.ConnectWithContext(ctx, cfg.Addr(), cfg.User, cfg.Password, "", cfg.ConnectTimeout)
		}
		return nil, &PrerequisiteError{Problems: []error{fmt.Errorf("connect to %s with database.ssl.mode=%s: the server does not offer TLS: "+
			"enable it on the server (ssl_cert, ssl_key, ssl_ca in its configuration), or set database.ssl.mode=preferred or disabled", cfg.Addr(), cfg.SSLMode)}}
	}
	return c, err
}

// ErrTLS: the TLS settings cannot make a connection (an untrusted server
// certificate, a host name the certificate does not hold). Terminal.
var ErrTLS = errors.New("mysql TLS failed")

// TLSError is a TLS failure with the setting to change. It is terminal:
// the same settings cannot succeed on a retry.
type TLSError struct {
	Op  string
	Fix string
	Err error
}

func (e *TLSError) Error() string { return fmt.Sprintf("mysql: %s: %v: %s", e.Op, e.Err, e.Fix) }

// Unwrap returns ErrTLS and the underlying error.
func (e *TLSError) Unwrap() []error { return []error{ErrTLS, e.Err} }

// Retryable reports false.
func (e *TLSError) Retryable() bool { return false }

// classifyTLSError types a connection error caused by the server's
// certificate, or returns nil.
func classifyTLSError(cfg *Config, op string, err error) error {
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknownCA):
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate is not signed by a CA in database.ssl.truststore (or, without it, one this system trusts): set database.ssl.truststore to the CA certificate that signed it, or database.ssl.mode=required to encrypt without checking (now %s)", cfg.SSLMode)}
	case errors.As(err, &hostErr):
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate does not hold the name %q of database.hostname: set database.hostname to a name the certificate holds, or database.ssl.mode=verify_ca to check the CA only", cfg.Host)}
	case errors.As(err, &invalid):
		return &TLSError{Op: op, Err: err, Fix: "the server's certificate is not valid (expired, not yet valid or not for a server): renew the server's certificate (ssl_cert)"}
	}
	return nil
}
