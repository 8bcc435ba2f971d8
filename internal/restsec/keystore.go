package restsec

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// LoadKeystore reads a Kafka keystore (ssl.keystore.type JKS, PKCS12 or
// PEM) and returns its certificate chain and unencrypted private key as PEM.
// keyPassword (ssl.key.password) opens a JKS key entry; "" means the store
// password, as keytool makes them. The stores are read by
// workerconfig.Store, as the Kafka clients' are.
func LoadKeystore(path, typ, password, keyPassword string) (certPEM, keyPEM []byte, err error) {
	if strings.EqualFold(strings.TrimSpace(typ), "PEM") {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("keystore: %w", err)
		}
		return b, b, nil
	}
	c, err := workerconfig.Store{Path: path, Type: storeType(typ), Password: password, KeyPassword: keyPassword,
		LocationKey: "keystore", PasswordKey: "ssl.keystore.password", KeyPasswordKey: "ssl.key.password"}.Certificate()
	if err != nil {
		return nil, nil, err
	}
	kd, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("keystore %s: %w", path, err)
	}
	var cb bytes.Buffer
	for _, der := range c.Certificate {
		_ = pem.Encode(&cb, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return cb.Bytes(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
}

// LoadTruststore reads a Kafka truststore (JKS, PKCS12 or PEM) and returns
// its certificates as PEM.
func LoadTruststore(path, typ, password string) ([]byte, error) {
	if strings.EqualFold(strings.TrimSpace(typ), "PEM") {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("truststore: %w", err)
		}
		return b, nil
	}
	certs, err := workerconfig.Store{Path: path, Type: storeType(typ), Password: password,
		LocationKey: "truststore", PasswordKey: "ssl.truststore.password"}.Certificates()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return out.Bytes(), nil
}

// storeType is Kafka's default store type, JKS, when typ is empty
// (workerconfig.Store then also reads a PKCS12 file, as Java's
// keystore.type.compat does).
func storeType(typ string) string {
	if strings.TrimSpace(typ) == "" {
		return "JKS"
	}
	return typ
}
