package restsec

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// LoadKeystore reads a Kafka keystore (ssl.keystore.type JKS, PKCS12 or
// PEM) and returns its certificate chain and unencrypted private key as PEM.
// keyPassword (ssl.key.password) opens a JKS key entry; "" means the store
// password, as keytool makes them.
func LoadKeystore(path, typ, password, keyPassword string) (certPEM, keyPEM []byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("keystore: %w", err)
	}
	switch storeType(typ, b) {
	case "PEM":
		return b, b, nil
	case "PKCS12":
		key, cert, chain, err := pkcs12.DecodeChain(b, password)
		if err != nil {
			return nil, nil, fmt.Errorf("keystore %s (PKCS12): %w (check ssl.keystore.password and ssl.keystore.type)", path, err)
		}
		kd, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, fmt.Errorf("keystore %s: %w", path, err)
		}
		var cb bytes.Buffer
		for _, c := range append([]*x509.Certificate{cert}, chain...) {
			_ = pem.Encode(&cb, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		return cb.Bytes(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(b), []byte(password)); err != nil {
			return nil, nil, fmt.Errorf("keystore %s (JKS): %w (check ssl.keystore.password and ssl.keystore.type)", path, err)
		}
		if keyPassword == "" {
			keyPassword = password
		}
		for _, alias := range ks.Aliases() {
			if !ks.IsPrivateKeyEntry(alias) {
				continue
			}
			e, err := ks.GetPrivateKeyEntry(alias, []byte(keyPassword))
			if err != nil {
				return nil, nil, fmt.Errorf("keystore %s: key %q: %w (check ssl.key.password)", path, alias, err)
			}
			var cb bytes.Buffer
			for _, c := range e.CertificateChain {
				_ = pem.Encode(&cb, &pem.Block{Type: "CERTIFICATE", Bytes: c.Content})
			}
			return cb.Bytes(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: e.PrivateKey}), nil
		}
		return nil, nil, fmt.Errorf("keystore %s holds no private key entry", path)
	default:
		return nil, nil, fmt.Errorf("keystore type %q: use JKS, PKCS12 or PEM", typ)
	}
}

// LoadTruststore reads a Kafka truststore (JKS, PKCS12 or PEM) and returns
// its certificates as PEM.
func LoadTruststore(path, typ, password string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("truststore: %w", err)
	}
	var certs [][]byte
	switch storeType(typ, b) {
	case "PEM":
		return b, nil
	case "PKCS12":
		cs, err := pkcs12.DecodeTrustStore(b, password)
		if err != nil {
			return nil, fmt.Errorf("truststore %s (PKCS12): %w (check ssl.truststore.password and ssl.truststore.type)", path, err)
		}
		for _, c := range cs {
			certs = append(certs, c.Raw)
		}
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(b), []byte(password)); err != nil {
			return nil, fmt.Errorf("truststore %s (JKS): %w (check ssl.truststore.password and ssl.truststore.type)", path, err)
		}
		for _, alias := range ks.Aliases() {
			if e, err := ks.GetTrustedCertificateEntry(alias); err == nil {
				certs = append(certs, e.Certificate.Content)
			}
		}
	default:
		return nil, fmt.Errorf("truststore type %q: use JKS, PKCS12 or PEM", typ)
	}
	if len(certs) == 0 {
		return nil, errors.New("truststore " + path + " holds no certificate")
	}
	var out bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: c})
	}
	return out.Bytes(), nil
}

// jksMagic starts every JKS file.
var jksMagic = []byte{0xfe, 0xed, 0xfe, 0xed}

// storeType is the type to read a store as: PKCS12 and PEM as given; JKS
// (Kafka's default, also when typ is empty) read as PKCS12 when the file is
// not a JKS one, as Java's keystore.type.compat does.
func storeType(typ string, b []byte) string {
	t := strings.ToUpper(strings.TrimSpace(typ))
	if t == "" || t == "JKS" {
		if bytes.HasPrefix(b, jksMagic) {
			return "JKS"
		}
		return "PKCS12"
	}
	return t
}
