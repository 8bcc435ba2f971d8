package restsec

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkerKeystoresMadeByKeytool reads JKS and PKCS12 keystores and
// truststores made by the JDK's keytool, as a Kafka Connect worker's are,
// and serves TLS with them.
func TestWorkerKeystoresMadeByKeytool(t *testing.T) {
	if testing.Short() {
		t.Skip("runs keytool")
	}
	kt, err := exec.LookPath("keytool")
	if err != nil {
		t.Skip("no keytool")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(kt, args...).CombinedOutput(); err != nil {
			t.Fatalf("keytool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	jks := filepath.Join(dir, "rest.jks")
	p12 := filepath.Join(dir, "rest.p12")
	certPEM := filepath.Join(dir, "rest.pem")
	tsJKS := filepath.Join(dir, "trust.jks")
	tsP12 := filepath.Join(dir, "trust.p12")
	run("-genkeypair", "-alias", "rest", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
		"-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", jks, "-storetype", "JKS", "-storepass", "store-pw", "-keypass", "key-pw")
	run("-importkeystore", "-srckeystore", jks, "-srcstoretype", "JKS", "-srcstorepass", "store-pw", "-srckeypass", "key-pw", "-srcalias", "rest",
		"-destkeystore", p12, "-deststoretype", "PKCS12", "-deststorepass", "p12-pw", "-destkeypass", "p12-pw")
	run("-exportcert", "-rfc", "-alias", "rest", "-keystore", jks, "-storepass", "store-pw", "-file", certPEM)
	run("-importcert", "-noprompt", "-alias", "ca", "-file", certPEM, "-keystore", tsJKS, "-storetype", "JKS", "-storepass", "trust-pw")
	run("-importcert", "-noprompt", "-alias", "ca", "-file", certPEM, "-keystore", tsP12, "-storetype", "PKCS12", "-storepass", "trust-pw")
	caPEM, err := os.ReadFile(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)

	for _, c := range []struct {
		name  string
		props map[string]string
	}{
		{"JKS keystore, PKCS12 truststore", map[string]string{
			"listeners.https.ssl.keystore.location": jks, "listeners.https.ssl.keystore.password": "store-pw",
			"listeners.https.ssl.key.password":        "key-pw",
			"listeners.https.ssl.truststore.location": tsP12, "listeners.https.ssl.truststore.type": "PKCS12",
			"listeners.https.ssl.truststore.password": "trust-pw", "listeners.https.ssl.client.auth": "requested"}},
		{"PKCS12 keystore, JKS truststore (unprefixed ssl.*)", map[string]string{
			"ssl.keystore.location": p12, "ssl.keystore.type": "PKCS12", "ssl.keystore.password": "p12-pw",
			"ssl.truststore.location": tsJKS, "ssl.truststore.type": "JKS", "ssl.truststore.password": "trust-pw",
			"ssl.client.auth": "requested"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.props["listeners"] = "https://127.0.0.1:0"
			w, err := FromWorker(c.props, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Options.ClientCAPEM) == 0 {
				t.Fatal("no client CA read from the truststore")
			}
			cfg, err := w.Options.TLSConfig()
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(okHandler())
			srv.TLS = cfg
			srv.StartTLS()
			defer srv.Close()
			cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			resp, err := cl.Get(srv.URL)
			if err != nil {
				t.Fatalf("HTTPS with the keytool certificate: %v", err)
			}
			resp.Body.Close()
		})
	}
	_, err = FromWorker(map[string]string{"listeners": "https://127.0.0.1:0", "ssl.keystore.location": jks, "ssl.keystore.password": "wrong"}, "")
	if err == nil || !strings.Contains(err.Error(), "ssl.keystore.password") {
		t.Errorf("wrong keystore password: %v", err)
	}
}
