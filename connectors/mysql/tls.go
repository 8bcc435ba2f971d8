package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// database.ssl.mode and its files, mapped onto go-mysql's TLS (the query
// connections and the binlog dump alike):
//
//	disabled, disable          no TLS
//	preferred                  TLS when the server offers it, else plain
//	required, trust            TLS, the server's certificate not checked (but
//	                           against database.ssl.truststore when given, as Debezium)
//	verify_ca                  TLS, the certificate checked against the trust store, not the host name
//	verify_identity            TLS, the certificate and the host name checked
//
// MySQL's connector names the first five (default preferred), MariaDB's
// disable, trust, verify_ca, verify_identity (default disable); sluice
// takes all of them for both classes. database.ssl.truststore holds the CA
// certificates (the system's roots without it), database.ssl.keystore the
// client certificate and its key, for servers that require one: Java key
// stores (JKS or PKCS12, opened with database.ssl.truststore.password and
// database.ssl.keystore.password, which also opens the key, as Debezium
// reads them) or PEM files, the type read from the file. They are read by
// workerconfig.Store when a connection is made, not when the config is
// parsed, so a renewed certificate is taken by a restart.

// SSL modes (database.ssl.mode).
const (
	SSLDisabled       = "disabled"
	SSLPreferred      = "preferred"
	SSLRequired       = "required"
	SSLVerifyCA       = "verify_ca"
	SSLVerifyIdentity = "verify_identity"
)

// tlsConfig reads the database.ssl.* keys into c: the mode's TLS settings
// in c.TLS (nil without TLS) and the store files, read by connTLS.
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
	for _, k := range []string{"database.ssl.truststore", "database.ssl.keystore"} {
		if get(k+".password") != "" && get(k) == "" {
			bad(k+".password", "is set but %s is not: set %s to the store's file, or remove the password", k, k)
		}
	}
	if mode == SSLDisabled {
		return
	}
	c.SSLTrustStore, c.SSLTrustStorePassword = get("database.ssl.truststore"), get("database.ssl.truststore.password")
	c.SSLKeyStore, c.SSLKeyStorePassword = get("database.ssl.keystore"), get("database.ssl.keystore.password")
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.Host}
	switch mode {
	case SSLPreferred, SSLRequired, SSLVerifyCA:
		// verify_ca: connTLS checks the chain, not the host name.
		t.InsecureSkipVerify = true
	}
	c.TLS = t
}

// connTLS returns the TLS config of a new connection: c.TLS with the
// database.ssl.truststore and database.ssl.keystore files read now; nil
// without TLS. A store that cannot be read is a terminal TLSError naming
// its key.
func (c *Config) connTLS() (*tls.Config, error) {
	if c.TLS == nil {
		return nil, nil
	}
	t := c.TLS.Clone()
	if c.SSLTrustStore != "" {
		pool, err := workerconfig.Store{Path: c.SSLTrustStore, Password: c.SSLTrustStorePassword,
			LocationKey: "database.ssl.truststore", PasswordKey: "database.ssl.truststore.password"}.CertPool()
		if err != nil {
			return nil, &TLSError{Op: "read the trust store", Err: err, Fix: "point database.ssl.truststore at a readable JKS, PKCS12 or PEM file of CA certificates, with its password in database.ssl.truststore.password", Key: storeKey("database.ssl.truststore", err)}
		}
		t.RootCAs = pool
	}
	if c.SSLKeyStore != "" {
		cert, err := workerconfig.Store{Path: c.SSLKeyStore, Password: c.SSLKeyStorePassword,
			LocationKey: "database.ssl.keystore", PasswordKey: "database.ssl.keystore.password"}.Certificate()
		if err != nil {
			return nil, &TLSError{Op: "read the key store", Err: err, Fix: "point database.ssl.keystore at a readable JKS or PKCS12 store (or a PEM file) holding the client certificate and its key, with its password in database.ssl.keystore.password", Key: storeKey("database.ssl.keystore", err)}
		}
		t.Certificates = []tls.Certificate{*cert}
	}
	if c.SSLMode == SSLVerifyCA || c.SSLTrustStore != "" && (c.SSLMode == SSLRequired || c.SSLMode == SSLPreferred) {
		// The chain is checked, the host name is not. With required or
		// preferred, a trust store given is used too, as Debezium's binlog
		// client trusts only it then (it trusts any certificate without one).
		roots := t.RootCAs
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
	return t, nil
}

// errServerNoTLS is go-mysql's error when the server does not offer TLS.
const errServerNoTLS = "does not support TLS"

// dial opens a query connection with cfg's TLS: with preferred, a server
// without TLS gets a plain connection (and cfg.TLS is dropped so that the
// next connections and the binlog dump do not try again).
func dial(ctx context.Context, cfg *Config) (*client.Conn, error) {
	t, err := cfg.connTLS()
	if err != nil {
		return nil, err
	}
	var opts []client.Option
	if t != nil {
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
	// Key is the config key to change, on which validate reports the
	// error; "" for none of the connector's (database.hostname then).
	Key string
}

// ConfigKey returns the key validate reports the error on.
func (e *TLSError) ConfigKey() string { return e.Key }

// storeKey is the key of a store that could not be read: its password's
// when the password was wrong.
func storeKey(key string, err error) string {
	if strings.Contains(err.Error(), "wrong password") {
		return key + ".password"
	}
	return key
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
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate is not signed by a CA in database.ssl.truststore (or, without it, one this system trusts): set database.ssl.truststore to the CA certificate that signed it, or database.ssl.mode=required to encrypt without checking (now %s)", cfg.SSLMode), Key: "database.ssl.truststore"}
	case errors.As(err, &hostErr):
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate does not hold the name %q of database.hostname: set database.hostname to a name the certificate holds, or database.ssl.mode=verify_ca to check the CA only", cfg.Host), Key: "database.hostname"}
	case errors.As(err, &invalid):
		return &TLSError{Op: op, Err: err, Fix: "the server's certificate is not valid (expired, not yet valid or not for a server): renew the server's certificate (ssl_cert)"}
	}
	return nil
}
