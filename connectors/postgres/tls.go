package postgres

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The values of database.sslfactory sluice understands. The key names a
// Java class of the PostgreSQL JDBC driver; sluice cannot load Java, so it
// gives the three the driver ships the same meaning.
const (
	// sslFactoryLibPQ checks certificates as libpq does (the JDBC driver's
	// default): database.sslmode and database.sslrootcert decide.
	sslFactoryLibPQ = "org.postgresql.ssl.LibPQFactory"
	// sslFactoryNonValidating encrypts without checking the server's
	// certificate at all.
	sslFactoryNonValidating = "org.postgresql.ssl.NonValidatingFactory"
	// sslFactoryDefaultJava checks the server's certificate against the
	// JVM's default trust store; sluice uses the system's CA roots.
	sslFactoryDefaultJava = "org.postgresql.ssl.DefaultJavaSSLFactory"
)

// ErrTLS: the TLS settings cannot make a connection (an untrusted server
// certificate, a host name the certificate does not hold, an unreadable or
// undecryptable client key). Terminal: the settings or the server's
// certificate must change first.
var ErrTLS = errors.New("postgres TLS failed")

// TLSError is a TLS failure with the setting to change. It is terminal.
type TLSError struct {
	Op  string // what was being done
	Fix string // what to change
	Err error
	// Key is the config key to change, on which validate reports the
	// error; "" for none of the connector's (database.hostname then).
	Key string
}

// ConfigKey returns the key validate reports the error on.
func (e *TLSError) ConfigKey() string { return e.Key }

func (e *TLSError) Error() string { return fmt.Sprintf("postgres: %s: %v: %s", e.Op, e.Err, e.Fix) }

// Unwrap returns ErrTLS and the underlying error.
func (e *TLSError) Unwrap() []error { return []error{ErrTLS, e.Err} }

// Retryable reports false.
func (e *TLSError) Retryable() bool { return false }

// parseSSLFactory checks database.sslfactory against the other TLS keys and
// returns the canonical class name ("" for the default).
func parseSSLFactory(v, mode, rootCert string) (string, error) {
	switch v {
	case "", sslFactoryLibPQ, "org.postgresql.ssl.jdbc4.LibPQFactory":
		return "", nil
	case sslFactoryNonValidating:
		if mode == "verify-ca" || mode == "verify-full" {
			return "", fmt.Errorf("%s does not check the server's certificate, which database.sslmode=%s asks for: remove database.sslfactory (and set database.sslrootcert to the server's CA) or set database.sslmode=require", v, mode)
		}
		return v, nil
	case sslFactoryDefaultJava:
		if rootCert != "" {
			return "", fmt.Errorf("%s checks the server's certificate against the system's CAs and would ignore database.sslrootcert: remove database.sslfactory to check against database.sslrootcert", v)
		}
		return v, nil
	}
	return "", fmt.Errorf("%q is a Java class, which sluice cannot load; sluice understands %s (the default: database.sslmode and database.sslrootcert decide), %s (no certificate check) and %s (the system's CAs); "+
		"otherwise set the TLS keys database.sslmode, database.sslrootcert, database.sslcert and database.sslkey", v, sslFactoryLibPQ, sslFactoryNonValidating, sslFactoryDefaultJava)
}

// applyClientCert loads database.sslcert and database.sslkey (decrypted
// with database.sslpassword) into every TLS configuration of pc, the
// fallbacks of allow and prefer included. pgx reads only unencrypted or
// legacy-encrypted PEM keys; the JDBC driver Debezium uses reads PKCS#8 DER
// (postgresql.pk8), plain or encrypted, and libpq PEM, which modern OpenSSL
// encrypts as PKCS#8: all of these are read here.
func (c *Config) applyClientCert(pc *pgconn.Config) error {
	if c.SSLCert == "" && c.SSLKey == "" {
		return nil
	}
	cert, err := loadClientCert(c.SSLCert, c.SSLKey, c.SSLPassword)
	if err != nil {
		return &TLSError{Op: "load the client certificate", Err: err, Fix: clientCertFix, Key: "database.sslcert"}
	}
	set := func(t *tls.Config) {
		if t != nil {
			t.Certificates = []tls.Certificate{cert}
		}
	}
	set(pc.TLSConfig)
	for _, fb := range pc.Fallbacks {
		set(fb.TLSConfig)
	}
	return nil
}

const clientCertFix = "database.sslcert must name a PEM certificate file and database.sslkey its private key (PEM, or PKCS#8 DER as the JDBC driver reads); an encrypted key needs database.sslpassword"

func loadClientCert(certPath, keyPath, password string) (tls.Certificate, error) {
	if certPath == "" || keyPath == "" {
		return tls.Certificate{}, errors.New("database.sslcert and database.sslkey must be set together")
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read database.sslcert: %w", err)
	}
	keyData, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read database.sslkey: %w", err)
	}
	key, err := parsePrivateKey(keyData, password)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("database.sslkey %s: %w", keyPath, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("database.sslkey %s: %w", keyPath, err)
	}
	// X509KeyPair checks that the key belongs to the certificate.
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("database.sslcert %s with database.sslkey %s: %w", certPath, keyPath, err)
	}
	// A certificate out of its validity is refused by the server after the
	// handshake, which under TLS 1.3 often reaches sluice as a reset
	// connection instead of the alert: say so before connecting.
	if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
		if now := time.Now(); now.After(leaf.NotAfter) {
			return tls.Certificate{}, fmt.Errorf("database.sslcert %s expired on %s: renew it, the server refuses an expired client certificate", certPath, leaf.NotAfter.UTC().Format(time.RFC3339))
		} else if now.Before(leaf.NotBefore) {
			return tls.Certificate{}, fmt.Errorf("database.sslcert %s is not valid before %s: check the clocks, or use a certificate valid now", certPath, leaf.NotBefore.UTC().Format(time.RFC3339))
		}
	}
	return cert, nil
}

// errWrongKeyPassword: the key did not decrypt with database.sslpassword.
var errWrongKeyPassword = errors.New("the key does not decrypt with database.sslpassword: check database.sslpassword")

// parsePrivateKey reads a private key in PEM (PKCS#1, SEC 1, PKCS#8, legacy
// "Proc-Type: 4,ENCRYPTED" or PKCS#8 "ENCRYPTED PRIVATE KEY") or DER
// (PKCS#8, plain or encrypted with PBES2).
func parsePrivateKey(data []byte, password string) (crypto.PrivateKey, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		der := b.Bytes
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			if password == "" {
				return nil, errors.New("the key is encrypted: set database.sslpassword")
			}
			return decryptPKCS8(der, password)
		case x509.IsEncryptedPEMBlock(b): //nolint:staticcheck // legacy OpenSSL encryption, still written by openssl rsa -aes256 -traditional
			if password == "" {
				return nil, errors.New("the key is encrypted: set database.sslpassword")
			}
			d, err := x509.DecryptPEMBlock(b, []byte(password)) //nolint:staticcheck // see above
			if err != nil {
				return nil, errWrongKeyPassword
			}
			// Legacy encryption has no integrity check: a wrong password
			// passes the padding check about once in 256 tries and gives
			// bytes that are no key.
			k, err := parseKeyDER(d)
			if err != nil {
				return nil, errWrongKeyPassword
			}
			return k, nil
		}
		return parseKeyDER(der)
	}
	if k, err := parseKeyDER(data); err == nil {
		return k, nil
	}
	var epki encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(data, &epki); err == nil && len(rest) == 0 {
		if password == "" {
			return nil, errors.New("the key is encrypted: set database.sslpassword")
		}
		return decryptPKCS8(data, password)
	}
	if strings.Contains(string(data), "-----BEGIN") {
		return nil, errors.New("no PEM block holding a private key")
	}
	return nil, errors.New("not a private key in PEM or DER (PKCS#8): a PKCS#12 file must be converted, e.g. openssl pkcs12 -in client.p12 -nocerts -nodes -out client.key")
}

func parseKeyDER(der []byte) (crypto.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a private key (PKCS#8, PKCS#1 or SEC 1)")
}

type encryptedPrivateKeyInfo struct {
	Algo pkix2AlgorithmIdentifier
	Data []byte
}

type pkix2AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KDF    pkix2AlgorithmIdentifier
	Cipher pkix2AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix2AlgorithmIdentifier `asn1:"optional"`
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

const reencryptHint = "re-encrypt the key with PBES2, e.g. openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key.pk8 -outform DER"

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo (RFC 5958) encrypted
// with PBES2 (RFC 8018): PBKDF2 with an HMAC-SHA PRF and AES-CBC or
// 3DES-CBC, which is what OpenSSL writes.
func decryptPKCS8(der []byte, password string) (crypto.PrivateKey, error) {
	var epki encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &epki); err != nil {
		return nil, fmt.Errorf("read the encrypted key: %w", err)
	}
	if !epki.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("the key is encrypted with %v, which sluice does not read (only PBES2): %s", epki.Algo.Algorithm, reencryptHint)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(epki.Algo.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("read the PBES2 parameters: %w", err)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("the key's key derivation %v is not PBKDF2: %s", p.KDF.Algorithm, reencryptHint)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, fmt.Errorf("read the PBKDF2 parameters: %w", err)
	}
	var h func() hash.Hash
	switch prf := kp.PRF.Algorithm; {
	case len(prf) == 0, prf.Equal(oidHMACSHA1):
		h = sha1.New
	case prf.Equal(oidHMACSHA224):
		h = sha256.New224
	case prf.Equal(oidHMACSHA256):
		h = sha256.New
	case prf.Equal(oidHMACSHA384):
		h = sha512.New384
	case prf.Equal(oidHMACSHA512):
		h = sha512.New
	default:
		return nil, fmt.Errorf("the key's PBKDF2 uses %v, which sluice does not read: %s", prf, reencryptHint)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch a := p.Cipher.Algorithm; {
	case a.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case a.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case a.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case a.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("the key is encrypted with cipher %v, which sluice does not read: %s", a, reencryptHint)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("read the cipher's IV: %w", err)
	}
	k, err := pbkdf2.Key(h, password, kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("derive the key's encryption key: %w", err)
	}
	block, err := newCipher(k)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(iv) != bs || len(epki.Data) == 0 || len(epki.Data)%bs != 0 {
		return nil, errors.New("the encrypted key is malformed")
	}
	out := make([]byte, len(epki.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, epki.Data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, errWrongKeyPassword
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errWrongKeyPassword
		}
	}
	key, err := x509.ParsePKCS8PrivateKey(out[:len(out)-pad])
	if err != nil {
		return nil, errWrongKeyPassword
	}
	return key, nil
}

// classifyTLSError types a connection error caused by TLS, or returns nil.
// Each names the key to change; all are terminal, as the same settings
// cannot succeed on a retry.
func classifyTLSError(cfg *Config, op string, err error) error {
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		pgErr     *pgconn.PgError
	)
	switch {
	case errors.As(err, &unknownCA):
		if cfg.SSLRootCert == "" {
			return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate is not signed by a CA this system trusts: set database.sslrootcert to the file of the CA certificate that signed it (database.sslmode=%s checks it)", cfg.SSLMode), Key: "database.sslrootcert"}
		}
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate is not signed by the CA in database.sslrootcert (%s): set database.sslrootcert to the CA certificate that signed the server's certificate", cfg.SSLRootCert), Key: "database.sslrootcert"}
	case errors.As(err, &hostErr):
		names := "none"
		if c := hostErr.Certificate; c != nil {
			var n []string
			n = append(n, c.DNSNames...)
			for _, ip := range c.IPAddresses {
				n = append(n, ip.String())
			}
			if len(n) > 0 {
				names = strings.Join(n, ", ")
			}
		}
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server's certificate does not hold the name %q of database.hostname (it holds: %s): set database.hostname to a name the certificate holds, "+
			"give the server a certificate for %q, or set database.sslmode=verify-ca to check the CA only", cfg.Host, names, cfg.Host), Key: "database.hostname"}
	case errors.As(err, &invalid):
		return &TLSError{Op: op, Err: err, Fix: "the server's certificate is not valid (expired, not yet valid or not for a server): renew the server's certificate (ssl_cert_file)"}
	case errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28"):
		msg := strings.ToLower(pgErr.Message)
		switch {
		case strings.Contains(msg, "no encryption"):
			return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("the server accepts this login only over TLS (a hostssl line in pg_hba.conf) and database.sslmode=%s did not use it: set database.sslmode=verify-full with database.sslrootcert (or require)", cfg.SSLMode)}
		case strings.Contains(msg, "requires a valid client certificate") && cfg.SSLCert != "":
			// The TLS client sends a certificate only if it is signed by a CA
			// the server names as trusted.
			return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("the server requires a client certificate signed by a CA in its ssl_ca_file, and database.sslcert (%s) is not: set database.sslcert and database.sslkey to a certificate that CA signed, or add its CA to the server's ssl_ca_file", cfg.SSLCert)}
		case strings.Contains(msg, "requires a valid client certificate"):
			return &AuthError{Op: op, Err: err, Fix: "the server requires a client certificate (clientcert in pg_hba.conf): set database.sslcert and database.sslkey (and database.sslpassword if the key is encrypted)"}
		case strings.Contains(msg, "certificate authentication failed"), strings.Contains(msg, "does not match user name"), strings.Contains(msg, "certificate"):
			return &AuthError{Op: op, Err: err, Fix: fmt.Sprintf("the client certificate's common name must be the role %q (database.user), or be mapped to it in pg_ident.conf", cfg.User)}
		}
	case strings.Contains(err.Error(), "server refused TLS connection") && (cfg.SSLMode == "require" || cfg.SSLMode == "verify-ca" || cfg.SSLMode == "verify-full"):
		// With allow or prefer, pgx falls back to plain text and reports
		// this refusal only beside the error that counts.
		return &TLSError{Op: op, Err: err, Fix: fmt.Sprintf("the server does not accept TLS (ssl = off): turn ssl on in postgresql.conf, or set database.sslmode=prefer or disable (now %s)", cfg.SSLMode), Key: "database.sslmode"}
	case strings.Contains(err.Error(), "remote error: tls:"):
		// An alert from the server during the handshake: it checked the
		// client certificate (ssl_ca_file is set) and refused it.
		return &TLSError{Op: op, Err: err, Fix: "the server refused sluice's client certificate (the TLS alert says why): set database.sslcert and database.sslkey to a valid, unexpired certificate signed by a CA in the server's ssl_ca_file", Key: "database.sslcert"}
	}
	return nil
}

// parseDSNError types an error from parsing the connection settings: pgx
// reads database.sslrootcert there, so an unreadable or unusable root
// certificate file surfaces here, terminal, with its key.
func parseDSNError(cfg *Config, err error) error {
	if cfg.SSLRootCert != "" && (strings.Contains(err.Error(), "CA") || strings.Contains(err.Error(), "cert pool")) {
		return &TLSError{Op: "read the server's CA certificate", Err: err,
			Fix: fmt.Sprintf("database.sslrootcert (%s) must name a readable PEM file of the CA certificate(s) that signed the server's certificate", cfg.SSLRootCert), Key: "database.sslrootcert"}
	}
	return fmt.Errorf("postgres: parse connection settings: %w", err)
}
