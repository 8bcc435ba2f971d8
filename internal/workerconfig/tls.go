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
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// tlsConfig builds the client TLS settings from the ssl.* keys of p (the
// keys of one client, prefixes already applied).
func tlsConfig(p map[string]string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if err := checkStoreTypes(p); err != nil {
		return nil, err
	}
	roots, err := trustStore(p)
	if err != nil {
		errs = append(errs, err)
	}
	cert, err := keyStore(p)
	if err == nil && cert != nil {
		err = checkValidity(cert, time.Now())
	}
	if err != nil {
		errs = append(errs, err)
	} else if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	if v, ok := p["ssl.enabled.protocols"]; ok {
		min, max, err := protocols(v)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.MinVersion, cfg.MaxVersion = min, max
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.RootCAs = roots // nil: the system's roots, as Java's default truststore
	switch alg := strings.TrimSpace(p["ssl.endpoint.identification.algorithm"]); strings.ToLower(alg) {
	case "https":
	case "":
		if _, set := p["ssl.endpoint.identification.algorithm"]; set {
			// Verify the chain but not the host name, as Kafka does when
			// the algorithm is empty.
			cfg.InsecureSkipVerify = true
			cfg.VerifyPeerCertificate = verifyChainOnly(roots)
		}
	default:
		return nil, fmt.Errorf("ssl.endpoint.identification.algorithm=%s: use https (check the broker's host name, the default) or an empty value (do not)", alg)
	}
	return cfg, nil
}

// checkValidity refuses a client certificate that is expired or not yet
// valid: the broker would refuse the handshake with a bare TLS alert.
func checkValidity(cert *tls.Certificate, now time.Time) error {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("ssl.keystore: client certificate: %w", err)
	}
	switch {
	case now.After(leaf.NotAfter):
		return fmt.Errorf("ssl.keystore: the client certificate %q expired on %s: renew it and point ssl.keystore.location (or ssl.keystore.certificate.chain) at the new one",
			leaf.Subject.String(), leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return fmt.Errorf("ssl.keystore: the client certificate %q is not valid before %s: check the machine's clock or the certificate",
			leaf.Subject.String(), leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// verifyChainOnly checks the broker's chain against roots without the host name.
func verifyChainOnly(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("the broker sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("broker certificate: %w", err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

func protocols(v string) (uint16, uint16, error) {
	var min, max uint16
	for _, s := range strings.Split(v, ",") {
		var ver uint16
		switch strings.TrimSpace(s) {
		case "TLSv1.2":
			ver = tls.VersionTLS12
		case "TLSv1.3":
			ver = tls.VersionTLS13
		case "":
			continue
		default:
			return 0, 0, fmt.Errorf("ssl.enabled.protocols: %q is not supported: use TLSv1.2 and/or TLSv1.3", strings.TrimSpace(s))
		}
		if min == 0 || ver < min {
			min = ver
		}
		if ver > max {
			max = ver
		}
	}
	if min == 0 {
		return 0, 0, errors.New("ssl.enabled.protocols is empty: use TLSv1.2,TLSv1.3")
	}
	return min, max, nil
}

// storeType returns the ssl.<kind>.type, JKS when unset (Kafka's default).
func storeType(p map[string]string, kind string) string {
	t := strings.ToUpper(strings.TrimSpace(p["ssl."+kind+".type"]))
	if t == "" {
		return "JKS"
	}
	return t
}

// checkStoreTypes reports an ssl.truststore.type or ssl.keystore.type that
// is none of JKS, PKCS12 and PEM, even when no store is given.
func checkStoreTypes(p map[string]string) error {
	var errs []error
	for _, kind := range []string{"truststore", "keystore"} {
		switch t := storeType(p, kind); t {
		case "JKS", "PKCS12", "PEM":
		default:
			errs = append(errs, fmt.Errorf("ssl.%s.type=%s: use JKS, PKCS12 or PEM", kind, t))
		}
	}
	return errors.Join(errs...)
}

// trustStore returns the CA pool from ssl.truststore.location or
// ssl.truststore.certificates, or nil for the system's roots.
func trustStore(p map[string]string) (*x509.CertPool, error) {
	loc, inline := p["ssl.truststore.location"], p["ssl.truststore.certificates"]
	typ := storeType(p, "truststore")
	if inline != "" {
		if loc != "" {
			return nil, errors.New("ssl.truststore.location and ssl.truststore.certificates are both set: keep one")
		}
		if typ != "PEM" {
			return nil, fmt.Errorf("ssl.truststore.certificates needs ssl.truststore.type=PEM (it is %s)", typ)
		}
		return pemPool([]byte(inline), "ssl.truststore.certificates")
	}
	if loc == "" {
		return nil, nil
	}
	data, err := os.ReadFile(loc)
	if err != nil {
		return nil, fmt.Errorf("ssl.truststore.location: %w", err)
	}
	pw := p["ssl.truststore.password"]
	what := "ssl.truststore.location " + loc
	switch typ {
	case "PEM":
		if pw != "" {
			return nil, errors.New("ssl.truststore.password is set with ssl.truststore.type=PEM: a PEM truststore has no password; remove it")
		}
		return pemPool(data, what)
	case "PKCS12":
		certs, err := pkcs12.DecodeTrustStore(data, pw)
		if err != nil {
			return nil, storeError(what, typ, "ssl.truststore.password", data, err)
		}
		return pool(certs, what)
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(pw)); err != nil {
			return nil, storeError(what, typ, "ssl.truststore.password", data, err)
		}
		var certs []*x509.Certificate
		for _, a := range ks.Aliases() {
			if e, err := ks.GetTrustedCertificateEntry(a); err == nil {
				c, err := x509.ParseCertificate(e.Certificate.Content)
				if err != nil {
					return nil, fmt.Errorf("%s: entry %q: %w", what, a, err)
				}
				certs = append(certs, c)
			}
		}
		return pool(certs, what)
	default:
		return nil, fmt.Errorf("ssl.truststore.type=%s: use JKS, PKCS12 or PEM", typ)
	}
}

// storeError explains a keystore or truststore that could not be opened.
func storeError(what, typ, pwKey string, data []byte, err error) error {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return fmt.Errorf("%s is a PEM file, not %s: set its type to PEM", what, typ)
	}
	if errors.Is(err, pkcs12.ErrIncorrectPassword) || strings.Contains(err.Error(), "invalid digest") {
		return fmt.Errorf("%s: wrong password: check %s", what, pwKey)
	}
	return fmt.Errorf("%s: cannot read it as %s (check its type and %s): %w", what, typ, pwKey, err)
}

func pool(certs []*x509.Certificate, what string) (*x509.CertPool, error) {
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s holds no trusted certificate: import the CA that signed the brokers' certificates", what)
	}
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p, nil
}

func pemPool(data []byte, what string) (*x509.CertPool, error) {
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

// keyStore returns the client certificate from ssl.keystore.location or
// ssl.keystore.certificate.chain + ssl.keystore.key, or nil for none.
func keyStore(p map[string]string) (*tls.Certificate, error) {
	loc := p["ssl.keystore.location"]
	chain, key := p["ssl.keystore.certificate.chain"], p["ssl.keystore.key"]
	typ := storeType(p, "keystore")
	keyPW := p["ssl.key.password"]
	if chain != "" || key != "" {
		if loc != "" {
			return nil, errors.New("ssl.keystore.location and ssl.keystore.certificate.chain/ssl.keystore.key are both set: keep one")
		}
		if chain == "" || key == "" {
			return nil, errors.New("ssl.keystore.certificate.chain and ssl.keystore.key go together: set both")
		}
		if typ != "PEM" {
			return nil, fmt.Errorf("ssl.keystore.certificate.chain needs ssl.keystore.type=PEM (it is %s)", typ)
		}
		return pemCert([]byte(chain+"\n"+key), keyPW, "ssl.keystore.certificate.chain/ssl.keystore.key")
	}
	if loc == "" {
		return nil, nil
	}
	data, err := os.ReadFile(loc)
	if err != nil {
		return nil, fmt.Errorf("ssl.keystore.location: %w", err)
	}
	what := "ssl.keystore.location " + loc
	pw := p["ssl.keystore.password"]
	switch typ {
	case "PEM":
		return pemCert(data, keyPW, what)
	case "PKCS12":
		k, c, cas, err := pkcs12.DecodeChain(data, pw)
		if err != nil {
			return nil, storeError(what, typ, "ssl.keystore.password", data, err)
		}
		out := &tls.Certificate{PrivateKey: k, Leaf: c, Certificate: [][]byte{c.Raw}}
		for _, ca := range cas {
			out.Certificate = append(out.Certificate, ca.Raw)
		}
		return out, nil
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(data), []byte(pw)); err != nil {
			return nil, storeError(what, typ, "ssl.keystore.password", data, err)
		}
		if keyPW == "" {
			keyPW = pw
		}
		for _, a := range ks.Aliases() {
			if !ks.IsPrivateKeyEntry(a) {
				continue
			}
			e, err := ks.GetPrivateKeyEntry(a, []byte(keyPW))
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w (check ssl.key.password)", what, a, err)
			}
			k, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w", what, a, err)
			}
			out := &tls.Certificate{PrivateKey: k}
			for _, c := range e.CertificateChain {
				out.Certificate = append(out.Certificate, c.Content)
			}
			return out, nil
		}
		return nil, fmt.Errorf("%s holds no private key entry: import the client's key and certificate", what)
	default:
		return nil, fmt.Errorf("ssl.keystore.type=%s: use JKS, PKCS12 or PEM", typ)
	}
}

func pemCert(data []byte, keyPW, what string) (*tls.Certificate, error) {
	certs, key, err := pemBlocks(data, what)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 || key == nil {
		return nil, fmt.Errorf("%s: needs the certificate chain and a private key in PEM", what)
	}
	if key.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("%s: encrypted PKCS#8 keys are not supported (ssl.key.password): decrypt it with `openssl pkcs8 -in key.pem -out plain.pem`, keep the file readable only by sluice, or use a PKCS12 keystore", what)
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
