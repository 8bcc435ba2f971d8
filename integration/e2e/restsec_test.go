//go:build integration

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// restsecPKI is a test CA with a server certificate for 127.0.0.1 and a
// client certificate, written as PEM files.
type restsecPKI struct {
	caFile, certFile, keyFile string
	client                    tls.Certificate
	pool                      *x509.CertPool
}

func newRestsecPKI(t *testing.T, dir string) restsecPKI {
	t.Helper()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "restsec e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalPKCS8PrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	}
	sc, sk := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	cc, ck := leaf(3, "restsec-client", x509.ExtKeyUsageClientAuth)
	p := restsecPKI{
		caFile:   write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		certFile: write("server.pem", sc),
		keyFile:  write("server-key.pem", sk),
		pool:     x509.NewCertPool(),
	}
	p.pool.AddCert(ca)
	if p.client, err = tls.X509KeyPair(cc, ck); err != nil {
		t.Fatal(err)
	}
	return p
}

// secureDaemon is a sluice serve process with an HTTPS REST listener.
type secureDaemon struct {
	cmd    *exec.Cmd
	URL    string
	logs   *syncBuffer
	done   chan struct{}
	client *http.Client // trusts the test CA, presents the client certificate

	mu      sync.Mutex
	outputs []string // every REST response body that must hold no secret
}

func startSecureDaemon(t *testing.T, pki restsecPKI, env ...string) *secureDaemon {
	t.Helper()
	port := freePort(t)
	d := &secureDaemon{URL: fmt.Sprintf("https://127.0.0.1:%d", port), logs: &syncBuffer{}, done: make(chan struct{})}
	d.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}}}}
	d.cmd = exec.Command(binPath, "serve")
	d.cmd.Env = append(os.Environ(),
		fmt.Sprintf("SLUICE_LISTEN=127.0.0.1:%d", port),
		"SLUICE_DATA_DIR="+t.TempDir(),
		"SLUICE_KAFKA_BROKERS="+strings.Join(brokers, ","),
		"SLUICE_LOG_LEVEL=debug",
		"SLUICE_REST_TLS_CERT="+pki.certFile,
		"SLUICE_REST_TLS_KEY="+pki.keyFile,
		"SLUICE_REST_TLS_CLIENT_CA="+pki.caFile,
	)
	d.cmd.Env = append(d.cmd.Env, env...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = d.cmd.Process.Signal(syscall.SIGKILL)
			<-d.done
		}
		if t.Failed() {
			t.Logf("sluice logs:\n%s", tail(d.logs.String(), 80))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := d.client.Get(d.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		select {
		case <-d.done:
			t.Fatalf("sluice exited at start:\n%s", d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer https /healthz in 20s: %v\n%s", err, d.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// req sends a request with the given Authorization ("" for none) and
// returns the status, the headers and the body. keep says whether the body
// is one that must hold no secret (all but GET config/info/tasks).
func (d *secureDaemon) req(t *testing.T, method, path, auth string, body any, keep bool) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	rq, err := http.NewRequest(method, d.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	rq.Header.Set("Content-Type", "application/json")
	if auth != "" {
		rq.Header.Set("Authorization", auth)
	}
	resp, err := d.client.Do(rq)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if keep {
		d.mu.Lock()
		d.outputs = append(d.outputs, fmt.Sprintf("%s %s -> %d %v %s", method, path, resp.StatusCode, resp.Header, out))
		d.mu.Unlock()
	}
	return resp.StatusCode, resp.Header, out
}

func basic(user, pass string) string {
	rq, _ := http.NewRequest("GET", "/", nil)
	rq.SetBasicAuth(user, pass)
	return rq.Header.Get("Authorization")
}

// TestIntegrationRESTSecurityAndConfigProviders runs a daemon with an HTTPS
// REST API (test CA, client certificates required), HTTP Basic from a
// Kafka Connect JAAS file and bearer tokens, and a Postgres connector whose
// password is a ${file:…} placeholder: records arrive, GET config shows the
// placeholder, a PUT of the identical config restarts nothing, a missing
// key fails a connector naming the placeholder, and the resolved password
// appears in no output of the run.
func TestIntegrationRESTSecurityAndConfigProviders(t *testing.T) {
	dir := t.TempDir()
	pki := newRestsecPKI(t, dir)
	rb := make([]byte, 8)
	_, _ = rand.Read(rb)
	password := "Rs-" + hex.EncodeToString(rb) // the secret the run must never show
	creds := filepath.Join(dir, "connect-credentials.properties")
	if err := os.WriteFile(creds, []byte("admin: adm1n-pw\nops: 0ps-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(dir, "connect-jaas.conf")
	if err := os.WriteFile(jaas, []byte("KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte("# automation\nrestsec-token-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(dir, "pg.properties")
	if err := os.WriteFile(secretFile, []byte("password="+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A role of its own whose password only the secrets file holds.
	pg := pgConn(t)
	name := uniq("restsec")
	role := name + "_role"
	mustExec(t, pg, fmt.Sprintf("CREATE ROLE %s LOGIN REPLICATION PASSWORD '%s'", role, password))
	mustExec(t, pg, "GRANT CREATE ON DATABASE sluice_test TO "+role)
	mustExec(t, pg, "CREATE TABLE "+name+" (id int PRIMARY KEY, note text)")
	mustExec(t, pg, "ALTER TABLE "+name+" OWNER TO "+role)
	mustExec(t, pg, "INSERT INTO "+name+" VALUES (1, 'before start')")
	dropSlot(t, name)
	t.Cleanup(func() {
		// t.Context() is cancelled before cleanups run.
		ctx := context.Background()
		c, err := pgx.Connect(ctx, pgDSN)
		if err != nil {
			t.Logf("clean up %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		for _, q := range []string{
			"DROP PUBLICATION IF EXISTS " + name + "_pub", "DROP TABLE IF EXISTS " + name,
			"REVOKE CREATE ON DATABASE sluice_test FROM " + role, "DROP ROLE IF EXISTS " + role,
		} {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Logf("%s: %v", q, err)
			}
		}
	})

	d := startSecureDaemon(t, pki,
		"SLUICE_REST_TLS_CLIENT_AUTH=required",
		"SLUICE_REST_BASIC_AUTH_FILE="+jaas,
		"SLUICE_REST_TOKENS_FILE="+tokens,
		"SLUICE_REST_OPEN_PATHS=/healthz",
		"SLUICE_CONFIG_PROVIDERS=file,env",
		"RESTSEC_PG_USER="+role,
	)
	admin := basic("admin", "adm1n-pw")
	t.Cleanup(func() { deleteTopicsWithPrefix(t, name) })

	// TLS: a client without a certificate is refused in the handshake;
	// plain HTTP gets nothing useful.
	noCert := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool}}}
	if resp, err := noCert.Get(d.URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate got %d; want the TLS handshake refused", resp.StatusCode)
	} else {
		t.Logf("no client certificate: %v", err)
	}
	if resp, err := http.Get(strings.Replace(d.URL, "https://", "http://", 1) + "/connectors"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served: %s", b)
		}
	}

	// Authentication.
	for _, c := range []struct {
		what, auth string
		want       int
		challenge  string
	}{
		{"no credentials", "", 401, `Basic realm="sluice"`},
		{"wrong password", basic("admin", "wrong"), 401, `Basic realm="sluice"`},
		{"unknown user", basic("mallory", "adm1n-pw"), 401, `Basic realm="sluice"`},
		{"wrong token", "Bearer nope", 401, `error="invalid_token"`},
		{"basic", admin, 200, ""},
		{"second user", basic("ops", "0ps-pw"), 200, ""},
		{"bearer token", "Bearer restsec-token-1", 200, ""},
	} {
		code, h, body := d.req(t, "GET", "/connectors", c.auth, nil, true)
		if code != c.want {
			t.Errorf("%s: GET /connectors = %d %s, want %d", c.what, code, body, c.want)
		}
		if c.want == 401 {
			ch := strings.Join(h.Values("WWW-Authenticate"), " | ")
			if !strings.Contains(ch, c.challenge) || !strings.Contains(ch, "Bearer") || !strings.Contains(string(body), `"error_code":401`) {
				t.Errorf("%s: WWW-Authenticate %q body %s, want %q and a Bearer challenge", c.what, ch, body, c.challenge)
			}
		}
	}
	if code, _, _ := d.req(t, "GET", "/healthz", "", nil, true); code != 200 {
		t.Errorf("open /healthz = %d", code)
	}
	if code, _, _ := d.req(t, "GET", "/metrics", "", nil, true); code != 401 {
		t.Errorf("/metrics without credentials = %d, want 401 (not opened)", code)
	}
	// 415 still holds behind authentication.
	rq, _ := http.NewRequest("POST", d.URL+"/connectors", strings.NewReader(`{}`))
	rq.Header.Set("Content-Type", "text/plain")
	rq.Header.Set("Authorization", admin)
	if resp, err := d.client.Do(rq); err != nil || resp.StatusCode != 415 {
		t.Errorf("POST text/plain: %v %v, want 415", resp, err)
	} else {
		resp.Body.Close()
	}

	// A connector whose password is a placeholder.
	ph := "${file:" + secretFile + ":password}"
	cfg := pgConfig(t, name, name, "public."+name)
	cfg["database.user"] = "${env:RESTSEC_PG_USER}" // the env provider, too
	cfg["database.password"] = ph
	cons := newConsumer(t, name+".public."+name)
	code, _, body := d.req(t, "POST", "/connectors", admin, map[string]any{"name": name, "config": cfg}, false)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	waitSecureRunning(t, d, admin, name)
	mustExec(t, pg, "INSERT INTO "+name+" VALUES (2, 'streamed')")
	recs := cons.waitCount(t, 2, 60*time.Second)
	runID := recs[0].Headers["__debezium.context.runId"]
	if runID == "" {
		t.Fatalf("record without a run id header: %+v", recs[0].Headers)
	}

	code, _, body = d.req(t, "GET", "/connectors/"+name+"/config", admin, nil, false)
	var stored map[string]string
	if err := json.Unmarshal(body, &stored); code != 200 || err != nil || stored["database.password"] != ph {
		t.Fatalf("GET config = %d %s, want the placeholder %q as stored", code, body, ph)
	}
	for _, p := range []string{"/connectors/" + name, "/connectors/" + name + "/tasks", "/connectors?expand=info"} {
		_, _, b := d.req(t, "GET", p, admin, nil, false)
		if !strings.Contains(string(b), strings.ReplaceAll(ph, "/", "/")) || strings.Contains(string(b), password) {
			t.Errorf("GET %s: want the placeholder and not the password: %s", p, b)
		}
	}

	// PUT of the identical config: 200, not created, no restart (same run
	// id on the next record, no second start in the log).
	startsBefore := strings.Count(d.logs.String(), "connector reconfigured")
	code, _, body = d.req(t, "PUT", "/connectors/"+name+"/config", admin, stored, false)
	if code != 200 {
		t.Fatalf("PUT identical config: %d %s", code, body)
	}
	mustExec(t, pg, "INSERT INTO "+name+" VALUES (3, 'after identical put')")
	recs = cons.waitCount(t, 3, 30*time.Second)
	if got := recs[len(recs)-1].Headers["__debezium.context.runId"]; got != runID {
		t.Errorf("run id changed from %s to %s after a PUT of the identical config: the connector restarted", runID, got)
	}
	if n := strings.Count(d.logs.String(), "connector reconfigured"); n != startsBefore || !strings.Contains(d.logs.String(), "connector config unchanged") {
		t.Errorf("the log shows a reconfiguration after an identical PUT")
	}

	// A placeholder whose key is missing: FAILED, the placeholder named.
	bad := name + "_bad"
	badCfg := pgConfig(t, bad, bad, "public."+name)
	missing := "${file:" + secretFile + ":no.such.key}"
	badCfg["database.user"] = role
	badCfg["database.password"] = missing
	code, _, body = d.req(t, "POST", "/connectors", admin, map[string]any{"name": bad, "config": badCfg}, false)
	if code != 201 {
		t.Fatalf("create with a missing key: %d %s", code, body)
	}
	var trace string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, _, b := d.req(t, "GET", "/connectors/"+bad+"/status", admin, nil, true)
		var st status
		_ = json.Unmarshal(b, &st)
		if s, tr := st.taskState(); s == "FAILED" {
			trace = tr
			break
		}
	}
	if !strings.Contains(trace, missing) || !strings.Contains(trace, "database.password") || !strings.Contains(trace, `no key "no.such.key"`) {
		t.Errorf("trace %q: want the key, the placeholder and the reason", trace)
	}
	t.Logf("missing key trace: %s", trace)
	// Validate reports it on the key.
	vcfg := map[string]string{}
	for k, v := range badCfg {
		vcfg[k] = v
	}
	vcfg["name"] = bad
	_, _, body = d.req(t, "PUT", "/connector-plugins/PostgresConnector/config/validate", admin, vcfg, true)
	if !strings.Contains(string(body), `no key \"no.such.key\"`) {
		t.Errorf("validate does not report the missing key: %s", body)
	}
	// Validate of the good config resolves the password and connects.
	vcfg["database.password"] = ph
	_, _, body = d.req(t, "PUT", "/connector-plugins/PostgresConnector/config/validate", admin, vcfg, true)
	if !strings.Contains(string(body), `"error_count":0`) {
		t.Errorf("validate of the placeholder config: %s", body)
	}
	// A wrong resolved password fails with a trace that does not show it.
	if err := os.WriteFile(filepath.Join(dir, "wrong.properties"), []byte("password="+password+"-wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := name + "_wrong"
	wcfg := pgConfig(t, wrong, wrong, "public."+name)
	wcfg["database.user"] = role
	wcfg["database.password"] = "${file:" + filepath.Join(dir, "wrong.properties") + ":password}"
	if code, _, body = d.req(t, "POST", "/connectors", admin, map[string]any{"name": wrong, "config": wcfg}, false); code != 201 {
		t.Fatalf("create wrong: %d %s", code, body)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		_, _, b := d.req(t, "GET", "/connectors/"+wrong+"/status", admin, nil, true)
		var st status
		_ = json.Unmarshal(b, &st)
		if s, _ := st.taskState(); s == "FAILED" {
			break
		}
	}

	// Every other output of the run.
	for _, p := range []string{"/connectors?expand=status", "/connectors/" + name + "/status", "/connectors/" + name + "/offsets",
		"/connectors/" + name + "/topics", "/connectors/" + name + "/unused-keys", "/metrics", "/", "/admin/loggers", "/connector-plugins"} {
		d.req(t, "GET", p, admin, nil, true)
	}
	for _, p := range []string{"/connectors/" + bad, "/connectors/" + wrong} {
		d.req(t, "DELETE", p, admin, nil, true)
	}
	code, _, body = d.req(t, "DELETE", "/connectors/"+name, admin, nil, true)
	if code != 204 {
		t.Errorf("delete: %d %s", code, body)
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		t.Error("sluice did not stop on SIGTERM")
	}
	var all strings.Builder
	all.WriteString(d.logs.String())
	d.mu.Lock()
	for _, o := range d.outputs {
		all.WriteString(o + "\n")
	}
	d.mu.Unlock()
	for _, r := range cons.snapshot() {
		all.Write(r.Key)
		all.Write(r.Value)
		for k, v := range r.Headers {
			all.WriteString(k + "=" + v + "\n")
		}
	}
	out := all.String()
	for _, secret := range []string{password, "adm1n-pw", "0ps-pw", "restsec-token-1"} {
		if i := strings.Index(out, secret); i >= 0 {
			t.Errorf("%q appears in the run's outputs: …%s…", secret, out[max(0, i-300):min(len(out), i+100)])
		}
	}
	t.Logf("searched %d bytes of outputs (daemon log, %d REST responses, /metrics, traces, %d records with headers): no secret found",
		len(out), len(d.outputs), len(cons.snapshot()))
	if !strings.Contains(out, `"streamed"`) {
		t.Error("the outputs searched do not hold the records (the search would prove nothing)")
	}
}

func waitSecureRunning(t *testing.T, d *secureDaemon, auth, name string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, _, b := d.req(t, "GET", "/connectors/"+name+"/status", auth, nil, true)
		var st status
		_ = json.Unmarshal(b, &st)
		s, tr := st.taskState()
		if s == "RUNNING" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connector %s: %s %s", name, s, tr)
		}
	}
}

// deleteTopicsWithPrefix deletes the Kafka topics whose names start with
// prefix (what a test's connectors wrote).
func deleteTopicsWithPrefix(t *testing.T, prefix string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Logf("delete topics %s*: %v", prefix, err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Logf("delete topics %s*: %v", prefix, err)
		return
	}
	var del []string
	for _, n := range topics.Names() {
		if strings.HasPrefix(n, prefix) {
			del = append(del, n)
		}
	}
	if len(del) > 0 {
		if _, err := adm.DeleteTopics(ctx, del...); err != nil {
			t.Logf("delete topics %v: %v", del, err)
		}
	}
}
