package restsec

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
}

func TestBasicAuthJAASAndTokens(t *testing.T) {
	dir := t.TempDir()
	creds := write(t, dir, "creds.properties", "# users\nalice: s3cret\nbob=pw:with:colons\n")
	jaas := write(t, dir, "jaas.conf", "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n")
	tokens := write(t, dir, "tokens", "# ci\ntok-1\n\ntok-2\n")
	a, err := NewAuthenticator(Options{BasicAuthFile: jaas, TokensFile: tokens, OpenPaths: []string{"/healthz"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := a.Wrap(okHandler())
	cases := []struct {
		name, path, auth string
		user, pass       string
		want             int
	}{
		{name: "no credentials", path: "/connectors", want: 401},
		{name: "alice", path: "/connectors", user: "alice", pass: "s3cret", want: 200},
		{name: "colons in password", path: "/connectors", user: "bob", pass: "pw:with:colons", want: 200},
		{name: "wrong password", path: "/connectors", user: "alice", pass: "nope", want: 401},
		{name: "unknown user", path: "/connectors", user: "eve", pass: "s3cret", want: 401},
		{name: "token", path: "/connectors", auth: "Bearer tok-2", want: 200},
		{name: "wrong token", path: "/connectors", auth: "Bearer tok-3", want: 401},
		{name: "garbage basic", path: "/connectors", auth: "Basic !!!", want: 401},
		{name: "open path", path: "/healthz", want: 200},
		{name: "metrics not open", path: "/metrics", want: 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.path, nil)
			if c.user != "" {
				r.SetBasicAuth(c.user, c.pass)
			}
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			if c.want == 401 {
				ch := rec.Header().Values("WWW-Authenticate")
				if len(ch) != 2 || !strings.HasPrefix(ch[0], `Basic realm="sluice"`) || !strings.HasPrefix(ch[1], `Bearer realm="sluice"`) {
					t.Errorf("challenges %q", ch)
				}
				if !strings.Contains(rec.Body.String(), `"error_code":401`) {
					t.Errorf("body %s", rec.Body)
				}
			}
		})
	}
}

func TestAuthFileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := write(t, dir, "empty.properties", "# nobody\n")
	if _, err := NewAuthenticator(Options{BasicAuthFile: empty}, nil); err == nil || !strings.Contains(err.Error(), "has no user") {
		t.Errorf("empty credentials: %v", err)
	}
	jaas := write(t, dir, "jaas.conf", "KafkaConnect {\n org.apache.kafka.common.security.plain.PlainLoginModule required;\n};\n")
	if _, err := NewAuthenticator(Options{BasicAuthFile: jaas}, nil); err == nil || !strings.Contains(err.Error(), "PropertyFileLoginModule") {
		t.Errorf("JAAS without the module: %v", err)
	}
	if _, err := NewAuthenticator(Options{BasicAuthFile: filepath.Join(dir, "absent")}, nil); err == nil {
		t.Error("absent file accepted")
	}
	if _, err := NewAuthenticator(Options{TokensFile: empty}, nil); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Errorf("empty tokens: %v", err)
	}
	if _, err := NewAuthenticator(Options{OpenPaths: []string{"/connectors"}}, nil); err == nil {
		t.Error("opening /connectors accepted")
	}
	a, err := NewAuthenticator(Options{}, nil)
	if err != nil || a.Enabled() {
		t.Errorf("no options: enabled=%v err=%v", a.Enabled(), err)
	}
}

// testPKI makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, and writes them as PEM in dir.
func testPKI(t *testing.T, dir string) (caFile, certFile, keyFile string, client tls.Certificate, pool *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "restsec test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalPKCS8PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	}
	sc, sk := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	cc, ck := leaf(3, "client", x509.ExtKeyUsageClientAuth)
	caFile = write(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})))
	certFile = write(t, dir, "server.pem", string(sc))
	keyFile = write(t, dir, "server-key.pem", string(sk))
	client, err = tls.X509KeyPair(cc, ck)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	return
}

func TestTLSConfigMutual(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile, client, pool := testPKI(t, dir)
	for _, mode := range []string{"required", "requested", "none"} {
		t.Run(mode, func(t *testing.T) {
			cfg, err := Options{CertFile: certFile, KeyFile: keyFile, ClientCAFile: caFile, ClientAuth: mode}.TLSConfig()
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(okHandler())
			srv.TLS = cfg
			srv.StartTLS()
			defer srv.Close()
			get := func(withCert bool) error {
				tc := &tls.Config{RootCAs: pool}
				if withCert {
					tc.Certificates = []tls.Certificate{client}
				}
				c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
				resp, err := c.Get(srv.URL)
				if err == nil {
					resp.Body.Close()
				}
				return err
			}
			if err := get(true); err != nil {
				t.Errorf("with a client certificate: %v", err)
			}
			err = get(false)
			if mode == "required" && err == nil {
				t.Error("no client certificate accepted with client auth required")
			}
			if mode != "required" && err != nil {
				t.Errorf("no client certificate refused with %s: %v", mode, err)
			}
		})
	}
	if _, err := (Options{CertFile: certFile, KeyFile: keyFile, ClientAuth: "required"}).TLSConfig(); err == nil {
		t.Error("client auth required without a CA accepted")
	}
	if _, err := (Options{CertFile: certFile, KeyFile: keyFile, ClientAuth: "maybe"}).TLSConfig(); err == nil {
		t.Error("client auth maybe accepted")
	}
	if _, err := (Options{ClientCAFile: caFile}).TLSConfig(); err == nil {
		t.Error("client CA without TLS accepted")
	}
}

func TestFromWorker(t *testing.T) {
	w, err := FromWorker(map[string]string{
		"listeners":                             "https://127.0.0.1:8443",
		"listeners.https.ssl.keystore.type":     "PEM",
		"listeners.https.ssl.keystore.location": "/etc/sluice/rest.pem",
		"ssl.truststore.type":                   "PEM",
		"ssl.truststore.location":               "/etc/sluice/ca.pem",
		"listeners.https.ssl.client.auth":       "required",
		"rest.advertised.host.name":             "connect-1.example",
		"rest.advertised.port":                  "443",
		"rest.advertised.listener":              "https",
		"rest.extension.classes":                BasicAuthExtension,
	}, JAASFromKafkaOpts("-Xmx1g -Djava.security.auth.login.config=/etc/kafka/jaas.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := Worker{Listen: "127.0.0.1:8443", HTTPS: true, AdvertisedHost: "connect-1.example", AdvertisedPort: 443, AdvertisedListener: "https",
		Options: Options{CertFile: "/etc/sluice/rest.pem", KeyFile: "/etc/sluice/rest.pem", ClientCAFile: "/etc/sluice/ca.pem", ClientAuth: "required", BasicAuthFile: "/etc/kafka/jaas.conf"}}
	if w.Listen != want.Listen || w.HTTPS != want.HTTPS || w.AdvertisedHost != want.AdvertisedHost || w.AdvertisedPort != want.AdvertisedPort ||
		w.AdvertisedListener != want.AdvertisedListener || w.Options.CertFile != want.Options.CertFile || w.Options.ClientCAFile != want.Options.ClientCAFile ||
		w.Options.ClientAuth != "required" || w.Options.BasicAuthFile != want.Options.BasicAuthFile {
		t.Errorf("got %+v\nwant %+v", w, want)
	}
	w, err = FromWorker(map[string]string{"listeners": "http://0.0.0.0:8083"}, "")
	if err != nil || w.HTTPS || w.Listen != "0.0.0.0:8083" {
		t.Errorf("http listener: %+v %v", w, err)
	}
	bad := map[string]string{
		"listeners":                             "https://127.0.0.1:8443,http://127.0.0.1:8083",
		"listeners.https.ssl.keystore.type":     "JKS",
		"listeners.https.ssl.keystore.location": "/x.jks",
		"listeners.https.ssl.enabled.protocols": "TLSv1.3",
		"rest.extension.classes":                BasicAuthExtension + ",com.example.Other",
	}
	_, err = FromWorker(bad, "")
	for _, frag := range []string{"one REST listener", "listeners.https.ssl.keystore.location: keystore: open /x.jks", "listeners.https.ssl.enabled.protocols", "--rest-basic-auth-file", "com.example.Other"} {
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("error %v lacks %q", err, frag)
		}
	}
}
