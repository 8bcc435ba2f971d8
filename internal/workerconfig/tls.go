package workerconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
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
		return PEMPool([]byte(inline), "ssl.truststore.certificates")
	}
	if loc == "" {
		return nil, nil
	}
	if typ == "PEM" && p["ssl.truststore.password"] != "" {
		return nil, errors.New("ssl.truststore.password is set with ssl.truststore.type=PEM: a PEM truststore has no password; remove it")
	}
	return Store{Path: loc, Type: typ, Password: p["ssl.truststore.password"],
		LocationKey: "ssl.truststore.location", PasswordKey: "ssl.truststore.password"}.CertPool()
}

// keyStore returns the client certificate from ssl.keystore.location or
// ssl.keystore.certificate.chain + ssl.keystore.key, or nil for none.
func keyStore(p map[string]string) (*tls.Certificate, error) {
	loc := p["ssl.keystore.location"]
	chain, key := p["ssl.keystore.certificate.chain"], p["ssl.keystore.key"]
	typ := storeType(p, "keystore")
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
		return PEMCertificate([]byte(chain+"\n"+key), "ssl.keystore.certificate.chain/ssl.keystore.key", "ssl.key.password")
	}
	if loc == "" {
		return nil, nil
	}
	return Store{Path: loc, Type: typ, Password: p["ssl.keystore.password"], KeyPassword: p["ssl.key.password"],
		LocationKey: "ssl.keystore.location", PasswordKey: "ssl.keystore.password", KeyPasswordKey: "ssl.key.password"}.Certificate()
}
