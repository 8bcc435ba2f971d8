package helm

import (
	"bytes"
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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChartRunsSluice starts the sluice binary (SLUICE_BIN) with the
// environment and arguments the chart gives it with every option set, the
// mounted files in a temporary directory in place of /etc/sluice: sluice
// must accept the worker config, the config providers and the REST security,
// and answer the probes over HTTPS without credentials while the API asks
// for them.
func TestChartRunsSluice(t *testing.T) {
	bin := os.Getenv("SLUICE_BIN")
	if bin == "" {
		t.Skip("SLUICE_BIN is not set: no sluice binary to start with the chart's settings (make test-packaging sets it)")
	}
	out, err := render(t, "-f", filepath.Join("testdata", "all-options.yaml"), "--set", "kafka.brokers=127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeAll(t, out)
	var dep deployment
	find(t, objs, "Deployment", &dep)
	c := dep.Spec.Template.Spec.Containers[0]
	files := map[string]map[string]string{}
	for _, o := range objs {
		if o.Kind == "Secret" {
			var s secret
			if err := o.doc.Decode(&s); err != nil {
				t.Fatal(err)
			}
			files[o.Metadata.Name] = s.StringData
		}
	}

	dir := t.TempDir()
	remap := func(p string) string { return strings.Replace(p, "/etc/sluice", dir, 1) }
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// What the volumes would hold: the chart's Secrets at their mounts, and
	// the user's Secrets (TLS, credentials, tokens) made up here.
	vols := map[string]volume{}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		vols[v.Name] = v
	}
	for _, m := range c.VolumeMounts {
		if v := vols[m.Name]; v.Secret != nil {
			for name, content := range files[v.Secret.SecretName] {
				write(filepath.Join(remap(m.MountPath), name), remap(content))
			}
		}
	}
	certPEM, keyPEM := selfSigned(t)
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = remap(e.Value)
		}
	}
	for _, name := range []string{"SLUICE_REST_TLS_CERT", "SLUICE_REST_TLS_CLIENT_CA"} {
		write(env[name], certPEM)
	}
	write(env["SLUICE_REST_TLS_KEY"], keyPEM)
	write(env["SLUICE_REST_BASIC_AUTH_FILE"], "admin: admin-pw\n")
	write(env["SLUICE_REST_TOKENS_FILE"], "the-token\n")
	kafkaTLS, _ := c.mount("worker-file-0")
	write(filepath.Join(remap(kafkaTLS), "ca.crt"), certPEM)

	port := freePort(t)
	env["SLUICE_LISTEN"] = "127.0.0.1:" + strconv.Itoa(port)
	env["SLUICE_DATA_DIR"] = t.TempDir()
	cmd := exec.Command(bin, append([]string{"serve"}, c.Args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := "https://127.0.0.1:" + strconv.Itoa(port)
	get := func(path string, auth func(*http.Request)) (int, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if auth != nil {
			auth(req)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, err := get("/healthz", nil)
		if err == nil {
			if code != http.StatusOK {
				t.Fatalf("GET /healthz without credentials: %d, want 200 (the liveness probe carries none)\n%s", code, logs.String())
			}
			break
		}
		select {
		case <-exited:
			t.Fatalf("sluice exited (%v) with the chart's settings:\n%s", waitErr, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer /healthz within 60s: %v\n%s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, tc := range []struct {
		path string
		auth func(*http.Request)
		want int
	}{
		{"/readyz", nil, http.StatusServiceUnavailable}, // open, and Kafka is unreachable
		{"/metrics", nil, http.StatusOK},
		{"/connectors", nil, http.StatusUnauthorized},
		{"/connectors", func(r *http.Request) { r.Header.Set("Authorization", "Bearer the-token") }, http.StatusOK},
		{"/connectors", func(r *http.Request) { r.SetBasicAuth("admin", "admin-pw") }, http.StatusOK},
	} {
		code, err := get(tc.path, tc.auth)
		if err != nil || code != tc.want {
			t.Errorf("GET %s (credentials: %v): %d %v, want %d", tc.path, tc.auth != nil, code, err, tc.want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("sluice exited with %v after SIGTERM", waitErr)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("sluice did not stop within 30s of SIGTERM")
	}
	if t.Failed() {
		t.Logf("sluice's log:\n%s", logs.String())
	}
}

// selfSigned returns a CA certificate for 127.0.0.1 and its key, in PEM.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sluice chart test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
