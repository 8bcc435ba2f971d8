package workerconfig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

func TestNoticesAndRESTKeys(t *testing.T) {
	c, err := Parse(strings.Join([]string{
		"bootstrap.servers=a:1,b:2",
		"group.id=connect",
		"listeners=https://127.0.0.1:8443",
		"listeners.https.ssl.keystore.location=/k.p12",
		"rest.advertised.host.name=h",
		"producer.security.protocol=SASL_SSL",
		"producer.compression.type=zstd",
		"consumer.max.poll.records=5",
		"ssl.cipher.suites=X",
		"made.up.key=1",
		"offset.storage.topic=o",
	}, "\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Brokers(); strings.Join(got, ";") != "a:1;b:2" {
		t.Errorf("brokers %v", got)
	}
	got := strings.Join(c.Notices(), "\n")
	if strings.Contains(got, "group.id") {
		t.Errorf("group.id (distributed mode) is reported as not honoured:\n%s", got)
	}
	for _, want := range []string{
		"consumer.max.poll.records: not honoured",
		"made.up.key: not honoured: unknown to sluice",
		"producer.compression.type: not honoured: sluice tunes its transactional producer itself; set producer.override.compression.type",
		"ssl.cipher.suites: not honoured",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notices do not say %q:\n%s", want, got)
		}
	}
	for _, quiet := range []string{"listeners", "rest.advertised", "bootstrap.servers", "offset.storage.topic", "producer.security.protocol"} {
		if strings.Contains(got, quiet+":") {
			t.Errorf("notices name %s:\n%s", quiet, got)
		}
	}
}

func TestPrefixOverrides(t *testing.T) {
	c, _ := Parse("security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nadmin.security.protocol=PLAINTEXT\nproducer.client.id=p\n", nil)
	p := c.clientProps(Producer)
	if p["security.protocol"] != "SASL_SSL" || p["client.id"] != "p" {
		t.Errorf("producer props %v", p)
	}
	if a := c.clientProps(Admin); a["security.protocol"] != "PLAINTEXT" || a["client.id"] != "" {
		t.Errorf("admin props %v", a)
	}
	// The admin client needs no SASL; the others miss sasl.jaas.config.
	if _, err := c.ClientOptions(Admin); err != nil {
		t.Errorf("admin: %v", err)
	}
	if _, err := c.ClientOptions(Producer); err == nil || !strings.Contains(err.Error(), "producer client: sasl.mechanism=PLAIN needs sasl.jaas.config") {
		t.Errorf("producer: %v", err)
	}
}

func TestClientOptionErrors(t *testing.T) {
	for text, want := range map[string]string{
		"security.protocol=TLS":                                   "security.protocol=TLS: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
		"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=GSSAPI": "sasl.mechanism=GSSAPI is not supported",
		"security.protocol=SASL_PLAINTEXT":                        "sasl.mechanism=GSSAPI is not supported",
		"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + scramModule + ` required username="u" password="p";`:           "takes " + plainModule,
		"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=" + scramModule + ` required username="u";`:                "has no password",
		"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=" + oauthModule + ` required clientId="a" clientSecret="b";`: "needs sasl.oauthbearer.token.endpoint.url",
		"security.protocol=SSL\nssl.truststore.location=/nonexistent.jks":                                                                            "ssl.truststore.location: open /nonexistent.jks",
		"security.protocol=SSL\nssl.truststore.type=P12":                                                                                             "ssl.truststore.type=P12: use JKS, PKCS12 or PEM",
		"security.protocol=SSL\nssl.endpoint.identification.algorithm=ldap":                                                                          "use https",
		"security.protocol=SSL\nssl.truststore.certificates=x":                                                                                       "needs ssl.truststore.type=PEM",
		"security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.key=x":                                                                           "set both",
		"security.protocol=SSL\nssl.enabled.protocols=TLSv1.1":                                                                                       `"TLSv1.1" is not supported`,
	} {
		c, err := Parse(text, nil)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to say %q", text, err, want)
		}
	}
}

func TestUnresolvedProviderIsAnError(t *testing.T) {
	_, err := Parse("config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\nsasl.jaas.config=${file:/s.properties:jaas}\n", nil)
	if err == nil || !strings.Contains(err.Error(), `sasl.jaas.config uses the config provider "file"`) {
		t.Fatalf("err = %v", err)
	}
	c, err := Parse("config.providers=file\nbootstrap.servers=${file:/x:y}\n", func(m map[string]string) (map[string]string, []string, error) {
		m["bootstrap.servers"] = "resolved:1"
		return m, []string{"resolved:1"}, nil
	})
	if err != nil || c.Brokers()[0] != "resolved:1" {
		t.Fatalf("resolver not applied: %v %v", c, err)
	}
}

// testCA returns a CA certificate and a leaf certificate and key it signed.
func testCA(t *testing.T) (ca *x509.Certificate, leaf *x509.Certificate, key *ecdsa.PrivateKey) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(der)
	key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	lt := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err = x509.CreateCertificate(rand.Reader, lt, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(der)
	return ca, leaf, key
}

func TestStores(t *testing.T) {
	dir := t.TempDir()
	ca, leaf, key := testCA(t)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})

	p12trust, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	p12key, err := pkcs12.Modern.Encode(key, leaf, []*x509.Certificate{ca}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var jksTrust, jksKey strings.Builder
	ks := keystore.New()
	_ = ks.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: time.Now(), Certificate: keystore.Certificate{Type: "X509", Content: ca.Raw}})
	if err := ks.Store(&jksTrust, []byte("password")); err != nil {
		t.Fatal(err)
	}
	kk := keystore.New()
	if err := kk.SetPrivateKeyEntry("client", keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: keyDER,
		CertificateChain: []keystore.Certificate{{Type: "X509", Content: leaf.Raw}, {Type: "X509", Content: ca.Raw}}}, []byte("keypassword")); err != nil {
		t.Fatal(err)
	}
	if err := kk.Store(&jksKey, []byte("password")); err != nil {
		t.Fatal(err)
	}

	for name, props := range map[string]map[string]string{
		"pem": {"ssl.truststore.type": "PEM", "ssl.truststore.location": write("ca.pem", caPEM),
			"ssl.keystore.type": "PEM", "ssl.keystore.location": write("client.pem", append(append([]byte{}, leafPEM...), keyPEM...))},
		"inline": {"ssl.truststore.type": "PEM", "ssl.truststore.certificates": string(caPEM),
			"ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": string(leafPEM), "ssl.keystore.key": string(keyPEM)},
		"pkcs12": {"ssl.truststore.type": "PKCS12", "ssl.truststore.location": write("t.p12", p12trust), "ssl.truststore.password": "pw",
			"ssl.keystore.type": "PKCS12", "ssl.keystore.location": write("k.p12", p12key), "ssl.keystore.password": "pw"},
		"jks": {"ssl.truststore.location": write("t.jks", []byte(jksTrust.String())), "ssl.truststore.password": "password",
			"ssl.keystore.location": write("k.jks", []byte(jksKey.String())), "ssl.keystore.password": "password", "ssl.key.password": "keypassword"},
	} {
		cfg, err := tlsConfig(props)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: cfg.RootCAs, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: the truststore does not hold the CA: %v", name, err)
		}
		if len(cfg.Certificates) != 1 || cfg.Certificates[0].PrivateKey == nil {
			t.Errorf("%s: no client certificate", name)
		} else if c0, _ := x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); !c0.Equal(leaf) {
			t.Errorf("%s: client certificate is not the leaf", name)
		}
	}
	// A PEM file given as the default JKS type says to set PEM.
	_, err = tlsConfig(map[string]string{"ssl.truststore.location": filepath.Join(dir, "ca.pem")})
	if err == nil || !strings.Contains(err.Error(), "is a PEM file, not JKS: set its type to PEM") {
		t.Errorf("PEM as JKS: %v", err)
	}
}

func TestExpiredClientCertificate(t *testing.T) {
	_, leaf, key := testCA(t)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	props := map[string]string{"ssl.keystore.type": "PEM",
		"ssl.keystore.certificate.chain": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})),
		"ssl.keystore.key":               string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))}
	cert, err := keyStore(props)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkValidity(cert, time.Now()); err != nil {
		t.Fatalf("valid now: %v", err)
	}
	err = checkValidity(cert, leaf.NotAfter.Add(time.Second))
	if err == nil || !strings.Contains(err.Error(), `the client certificate "CN=client" expired on`) || !strings.Contains(err.Error(), "renew it") {
		t.Errorf("expired: %v", err)
	}
	if err := checkValidity(cert, leaf.NotBefore.Add(-time.Second)); err == nil || !strings.Contains(err.Error(), "not valid before") {
		t.Errorf("not yet valid: %v", err)
	}
}

func TestOAuthTokenSource(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		u, p, _ := r.BasicAuth()
		_ = r.ParseForm()
		if u != "id" || p != "secret" || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "kafka" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"bearer","expires_in":3600}`))
	}))
	defer srv.Close()
	props := map[string]string{"sasl.oauthbearer.token.endpoint.url": srv.URL}
	j, _ := ParseJAAS(oauthModule + ` required clientId="id" clientSecret="secret" scope="kafka" extension_tenant="t1";`)
	s, err := newTokenSource(props, j)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		a, err := s.auth(context.Background())
		if err != nil || a.Token != "tok" || a.Extensions["tenant"] != "t1" {
			t.Fatalf("auth = %+v, %v", a, err)
		}
	}
	if calls != 1 {
		t.Errorf("token endpoint called %d times, want 1 (cached)", calls)
	}
	j.Options["clientSecret"] = "wrong"
	s, _ = newTokenSource(props, j)
	if _, err := s.auth(context.Background()); err == nil || !strings.Contains(err.Error(), "401 Unauthorized: check clientId/clientSecret/scope") {
		t.Errorf("wrong secret: %v", err)
	}
}
