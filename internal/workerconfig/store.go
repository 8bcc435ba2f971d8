package workerconfig

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// Store is a trust store or a key store file as Java programs take them
// (JKS, PKCS12) or PEM, with the config keys that set it, which the errors
// name. It is the one store reader of sluice: the worker file's ssl.* keys
// and the MySQL/MariaDB connector's database.ssl.* keys use it. The file is
// read at each call, so a renewed certificate is taken by the next
// connection.
type Store struct {
	// Path is the file.
	Path string
	// Type is JKS, PKCS12 or PEM; "" reads it from the file (JKS by its
	// magic number, PEM by its armour, else PKCS12). JKS reads a PKCS12
	// file too, as Java's keystore.type.compat does.
	Type string
	// Password opens the store; KeyPassword a JKS key entry ("" means
	// Password, as keytool makes them).
	Password, KeyPassword string
	// LocationKey, PasswordKey and KeyPasswordKey are the keys the
	// messages name (ssl.truststore.location, ssl.truststore.password,
	// ssl.key.password); KeyPasswordKey "" means PasswordKey.
	LocationKey, PasswordKey, KeyPasswordKey string
}

// jksMagic starts every JKS file.
var jksMagic = []byte{0xfe, 0xed, 0xfe, 0xed}

func (s Store) what() string { return s.LocationKey + " " + s.Path }

// read returns the file and the type to read it as.
func (s Store) read() ([]byte, string, error) {
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", s.LocationKey, err)
	}
	isPEM := bytes.Contains(data, []byte("-----BEGIN "))
	switch t := strings.ToUpper(strings.TrimSpace(s.Type)); {
	case t == "":
		switch {
		case bytes.HasPrefix(data, jksMagic):
			return data, "JKS", nil
		case isPEM:
			return data, "PEM", nil
		}
		return data, "PKCS12", nil
	case t == "PEM":
		return data, t, nil
	case t != "JKS" && t != "PKCS12":
		return nil, "", fmt.Errorf("store type %s of %s: use JKS, PKCS12 or PEM", t, s.what())
	case isPEM:
		return nil, "", fmt.Errorf("%s is a PEM file, not %s: set its type to PEM", s.what(), t)
	case t == "JKS" && !bytes.HasPrefix(data, jksMagic):
		return data, "PKCS12", nil
	default:
		return data, t, nil
	}
}

// openError explains a store that could not be opened.
func (s Store) openError(typ string, err error) error {
	if errors.Is(err, pkcs12.ErrIncorrectPassword) || strings.Contains(err.Error(), "invalid digest") {
		return fmt.Errorf("%s: wrong password: check %s", s.what(), s.PasswordKey)
	}
	if s.Type == "" {
		return fmt.Errorf("%s: cannot read it as a JKS or PKCS12 store, and it is no PEM file (check the file and %s): %w", s.what(), s.PasswordKey, err)
	}
	return fmt.Errorf("%s: cannot read it as %s (check its type and %s): %w", s.what(), typ, s.PasswordKey, err)
}

// CertPool returns the store's trusted certificates as a pool. A store
// without one is an error: it would trust nothing.
func (s Store) CertPool() (*x509.CertPool, error) {
	certs, err := s.Certificates()
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p, nil
}

// Certificates returns the store's trusted certificates (a PEM file's
// certificates); at least one.
func (s Store) Certificates() ([]*x509.Certificate, error) {
	data, typ, err := s.read()
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	switch typ {
	case "PEM":
		if certs, _, err = pemBlocks(data, s.what()); err != nil {
			return nil, err
		}
	case "PKCS12":
		if certs, err = pkcs12.DecodeTrustStore(data, s.Password); err != nil {
			return nil, s.openError(typ, err)
		}
	default: // JKS
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(s.Password)); err != nil {
			return nil, s.openError(typ, err)
		}
		for _, a := range ks.Aliases() {
			if e, err := ks.GetTrustedCertificateEntry(a); err == nil {
				c, err := x509.ParseCertificate(e.Certificate.Content)
				if err != nil {
					return nil, fmt.Errorf("%s: entry %q: %w", s.what(), a, err)
				}
				certs = append(certs, c)
			}
		}
	}
	if len(certs) == 0 {
		return nil, noTrustedCertificate(s.what())
	}
	return certs, nil
}

// Certificate returns the store's client certificate chain and key: the
// first private key entry of a JKS store, the key and certificates of a
// PKCS12 one, the certificates and unencrypted key of a PEM file.
func (s Store) Certificate() (*tls.Certificate, error) {
	data, typ, err := s.read()
	if err != nil {
		return nil, err
	}
	keyPWKey := s.KeyPasswordKey
	if keyPWKey == "" {
		keyPWKey = s.PasswordKey
	}
	switch typ {
	case "PEM":
		return PEMCertificate(data, s.what(), keyPWKey)
	case "PKCS12":
		k, c, cas, err := pkcs12.DecodeChain(data, s.Password)
		if err != nil {
			return nil, s.openError(typ, err)
		}
		out := &tls.Certificate{PrivateKey: k, Leaf: c, Certificate: [][]byte{c.Raw}}
		for _, ca := range cas {
			out.Certificate = append(out.Certificate, ca.Raw)
		}
		return out, nil
	default: // JKS
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(s.Password)); err != nil {
			return nil, s.openError(typ, err)
		}
		keyPW := s.KeyPassword
		if keyPW == "" {
			keyPW = s.Password
		}
		for _, a := range ks.Aliases() {
			if !ks.IsPrivateKeyEntry(a) {
				continue
			}
			e, err := ks.GetPrivateKeyEntry(a, []byte(keyPW))
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w (check %s)", s.what(), a, err, keyPWKey)
			}
			k, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w", s.what(), a, err)
			}
			out := &tls.Certificate{PrivateKey: k}
			for _, c := range e.CertificateChain {
				out.Certificate = append(out.Certificate, c.Content)
			}
			return out, nil
		}
		return nil, fmt.Errorf("%s holds no private key entry: import the client's key and certificate", s.what())
	}
}

func noTrustedCertificate(what string) error {
	return fmt.Errorf("%s holds no trusted certificate: import the CA that signed the server's certificate", what)
}

func pool(certs []*x509.Certificate, what string) (*x509.CertPool, error) {
	if len(certs) == 0 {
		return nil, noTrustedCertificate(what)
	}
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p, nil
}

// PEMPool returns the certificates of PEM data; what names it in errors.
func PEMPool(data []byte, what string) (*x509.CertPool, error) {
	certs, _, err := pemBlocks(data, what)
	if err != nil {
		return nil, err
	}
	return pool(certs, what)
}

// pemBlocks returns the certificates and the (last) private key block of PEM data.
func pemBlocks(data []byte, what string) ([]*x509.Certificate, *pem.Block, error) {
	var certs []*x509.Certificate
	var key *pem.Block
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", what, err)
			}
			certs = append(certs, c)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			key = b
		}
	}
	return certs, key, nil
}

// PEMCertificate returns the certificate chain and unencrypted private key
// of PEM data; what names it and keyPWKey the key password's key in errors.
func PEMCertificate(data []byte, what, keyPWKey string) (*tls.Certificate, error) {
	certs, key, err := pemBlocks(data, what)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 || key == nil {
		return nil, fmt.Errorf("%s: needs the certificate chain and a private key in PEM", what)
	}
	if key.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("%s: encrypted PKCS#8 keys are not supported (%s): decrypt it with `openssl pkcs8 -in key.pem -out plain.pem`, keep the file readable only by sluice, or use a PKCS12 keystore", what, keyPWKey)
	}
	var chain [][]byte
	for _, c := range certs {
		chain = append(chain, c.Raw)
	}
	kp, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw}), pem.EncodeToMemory(key))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	kp.Certificate = chain
	return &kp, nil
}
