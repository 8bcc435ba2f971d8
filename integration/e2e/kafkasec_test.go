//go:build integration

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"github.com/sluicecdc/sluice/integration/asyncapi"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// The secured listeners of the env's broker (integration/env/kafka.sh).
var (
	kafkaSASLSSL   = envOr("SLUICE_KAFKA_SASL_SSL", "127.0.0.1:59094")
	kafkaSASLPlain = envOr("SLUICE_KAFKA_SASL_PLAINTEXT", "127.0.0.1:59095")
	kafkaSASLUser  = envOr("SLUICE_KAFKA_SASL_USER", "sluice")
	kafkaSASLPass  = envOr("SLUICE_KAFKA_SASL_PASSWORD", "sluice-secret")
	kafkaTLSDir    = envOr("SLUICE_KAFKA_TLS_DIR", "/var/tmp/sluice-env/kafka/tls")
	kafkaTLSPass   = envOr("SLUICE_KAFKA_TLS_PASSWORD", "sluice-tls")
)

// scramWorker returns a worker file's text for SASL_SSL with SCRAM-SHA-512
// on bootstrap, with the truststore lines given.
func scramWorker(bootstrap, password, offsetsTopic string, trust ...string) string {
	return strings.Join(append([]string{
		"# a Kafka Connect worker file",
		"bootstrap.servers=" + bootstrap,
		"offset.storage.topic=" + offsetsTopic,
		"security.protocol=SASL_SSL",
		"sasl.mechanism=SCRAM-SHA-512",
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \`,
		fmt.Sprintf(`    username="%s" password="%s";`, kafkaSASLUser, password),
		"producer.security.protocol=SASL_SSL",
	}, trust...), "\n") + "\n"
}

func writeWorker(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "connect-distributed.properties")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// workerOpts returns the consumer options a worker file gives, with its seed brokers.
func workerOpts(t *testing.T, path string) []kgo.Opt {
	t.Helper()
	w, err := workerconfig.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := w.ClientOptions(workerconfig.Consumer)
	if err != nil {
		t.Fatal(err)
	}
	return append(opts, kgo.SeedBrokers(w.Brokers()...))
}

// startDaemonUp starts sluice and waits only until its REST API answers
// (GET /), not until it is healthy: with refused Kafka credentials it never is.
func startDaemonUp(t *testing.T, dataDir string, extraEnv ...string) *daemon {
	t.Helper()
	port := freePort(t)
	d := &daemon{t: t, URL: fmt.Sprintf("http://127.0.0.1:%d", port), DataDir: dataDir, logs: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(binPath, "serve")
	d.cmd.Env = append(os.Environ(), fmt.Sprintf("SLUICE_LISTEN=127.0.0.1:%d", port), "SLUICE_DATA_DIR="+dataDir, "SLUICE_LOG_LEVEL=debug")
	d.cmd.Env = append(d.cmd.Env, extraEnv...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exitErr = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.kill()
		if t.Failed() || os.Getenv("SLUICE_E2E_LOGS") != "" {
			t.Logf("sluice logs (%s):\n%s", d.URL, tail(d.logs.String(), 60))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(d.URL + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		select {
		case <-d.done:
			t.Fatalf("sluice exited at start: %v\n%s", d.exitErr, d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer GET / in 30s\n%s", d.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// secTable makes a table with 3 rows in a schema of its own, dropped at the end.
func secTable(t *testing.T, prefix string) string {
	t.Helper()
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	table := prefix + ".items"
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY, v text)")
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (1,'a'),(2,'b'),(3,'c')")
	return table
}

// deleteTopics removes the test's topics through the plain listener.
func deleteTopics(t *testing.T, topics ...string) {
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cl).DeleteTopics(ctx, topics...)
	})
}

// runSecured runs a Postgres connector through a daemon configured by the
// worker file and checks that a read_committed consumer configured by the
// same file sees the snapshot and two streamed rows, and the checkpoint.
func runSecured(t *testing.T, prefix, worker, offsetsTopic string) {
	t.Helper()
	path := writeWorker(t, worker)
	table := secTable(t, prefix)
	dropSlot(t, prefix)
	topic := prefix + "." + table
	deleteTopics(t, topic, offsetsTopic)
	w, _ := workerconfig.Load(path, nil)
	d := startDaemon(t, t.TempDir(), "SLUICE_WORKER_CONFIG="+path, "SLUICE_KAFKA_BROKERS="+strings.Join(w.Brokers(), ","))
	c := newConsumerOpts(t, workerOpts(t, path), nil, topic)
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": pgConfig(t, prefix, prefix, table)}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	c.waitCount(t, 3, 60*time.Second)
	mustExec(t, pgConn(t), "INSERT INTO "+table+" VALUES (4,'d'),(5,'e')")
	recs := c.waitCount(t, 5, 60*time.Second)
	ids := map[string]bool{}
	for _, r := range recs {
		ids[string(r.Key)] = true
	}
	if len(ids) != 5 {
		t.Fatalf("want 5 distinct keys, got %d: %v", len(ids), ids)
	}
	// The checkpoint went to the worker file's offset.storage.topic.
	oc := newConsumerOpts(t, workerOpts(t, path), nil, offsetsTopic)
	cp := oc.waitCount(t, 1, 30*time.Second)
	t.Logf("%s: %d records over %s, %d checkpoint records on %s (key %s)", prefix, len(recs), w.Brokers(), len(cp), offsetsTopic, cp[0].Key)
	checkSecuredAsyncAPI(t, d, prefix, w, recs)
	d.term(t)
	noSecretIn(t, d.logs.String(), kafkaSASLPass, kafkaTLSPass)
}

func TestKafkaSecuritySASLSSL(t *testing.T) {
	pemCA := filepath.Join(kafkaTLSDir, "ca.pem")
	caText, err := os.ReadFile(pemCA)
	if err != nil {
		t.Fatalf("the env's Kafka CA (is integration/env up with the SASL listeners?): %v", err)
	}
	inline := strings.ReplaceAll(strings.TrimSpace(string(caText)), "\n", `\n\`+"\n")
	localhost := "localhost:" + strings.Split(kafkaSASLSSL, ":")[1]
	for name, trust := range map[string][]string{
		// The broker's certificate names 127.0.0.1 only: without the
		// host name check, "localhost" works.
		"no_hostname_check": {"ssl.truststore.type=PEM", "ssl.truststore.location=" + pemCA, "ssl.endpoint.identification.algorithm="},
		"pem":               {"ssl.truststore.type=PEM", "ssl.truststore.location=" + pemCA},
		"inline":            {"ssl.truststore.type=PEM", "ssl.truststore.certificates=" + inline},
		"pkcs12":            {"ssl.truststore.type=PKCS12", "ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "truststore.p12"), "ssl.truststore.password=" + kafkaTLSPass},
		"jks":               {"ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "truststore.jks"), "ssl.truststore.password=" + kafkaTLSPass},
	} {
		t.Run(name, func(t *testing.T) {
			prefix := uniq("kafkasec_" + name)
			bootstrap := kafkaSASLSSL
			if name == "no_hostname_check" {
				bootstrap = localhost
			}
			runSecured(t, prefix, scramWorker(bootstrap, kafkaSASLPass, prefix+"-offsets", trust...), prefix+"-offsets")
		})
	}
}

func TestKafkaSecuritySASLPlaintext(t *testing.T) {
	prefix := uniq("kafkasec_plain")
	worker := strings.Join([]string{
		"bootstrap.servers=" + kafkaSASLPlain,
		"offset.storage.topic=" + prefix + "-offsets",
		"security.protocol=SASL_PLAINTEXT",
		"sasl.mechanism=PLAIN",
		fmt.Sprintf(`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";`, kafkaSASLUser, kafkaSASLPass),
	}, "\n")
	runSecured(t, prefix, worker, prefix+"-offsets")
}

// TestKafkaSecurityRefused: credentials or certificates Kafka or sluice
// refuses fail the connector with the fix, and it is not retried forever;
// once the worker file is fixed, the same data dir delivers everything.
func TestKafkaSecurityRefused(t *testing.T) {
	pemTrust := []string{"ssl.truststore.type=PEM", "ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "ca.pem")}
	otherCA := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(otherCA, selfSignedCA(t), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, worker string
		want         []string
	}{
		{"wrong_password", scramWorker(kafkaSASLSSL, "not-the-password", "", pemTrust...),
			[]string{"SASL", "check the daemon's Kafka credentials"}},
		{"untrusted_certificate", scramWorker(kafkaSASLSSL, kafkaSASLPass, "", "ssl.truststore.type=PEM", "ssl.truststore.location="+otherCA),
			[]string{"certificate signed by unknown authority", "trust the CA that signed it"}},
		{"hostname_mismatch", scramWorker("localhost:"+strings.Split(kafkaSASLSSL, ":")[1], kafkaSASLPass, "", pemTrust...),
			[]string{"wanted to match localhost", "ssl.endpoint.identification.algorithm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := uniq("kafkasec_" + tc.name)
			worker := strings.Replace(tc.worker, "offset.storage.topic=\n", "offset.storage.topic="+prefix+"-offsets\n", 1)
			path := writeWorker(t, worker)
			table := secTable(t, prefix)
			dropSlot(t, prefix)
			topic := prefix + "." + table
			deleteTopics(t, topic, prefix+"-offsets")
			dataDir := t.TempDir()
			w, _ := workerconfig.Load(path, nil)
			d := startDaemonUp(t, dataDir, "SLUICE_WORKER_CONFIG="+path, "SLUICE_KAFKA_BROKERS="+strings.Join(w.Brokers(), ","))
			if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": pgConfig(t, prefix, prefix, table)}); code != 201 {
				t.Fatalf("create connector: %d %s", code, body)
			}
			s := d.waitTaskState(t, prefix, "FAILED", 90*time.Second)
			_, trace := s.taskState()
			if !strings.HasPrefix(trace, "org.apache.kafka.connect.errors.ConnectException") {
				t.Errorf("not terminal (retried): %.200s", trace)
			}
			for _, w := range tc.want {
				if !strings.Contains(trace, w) {
					t.Errorf("trace does not say %q:\n%s", w, trace)
				}
			}
			t.Logf("%s: FAILED: %s", tc.name, strings.SplitN(trace, "\n", 2)[0])
			noSecretIn(t, d.logs.String()+trace, kafkaSASLPass, "not-the-password")
			// Terminal: still FAILED a while later, not restarted.
			time.Sleep(3 * time.Second)
			if st, _ := d.status(t, prefix).taskState(); st != "FAILED" {
				t.Fatalf("task state %s after 3s, want it to stay FAILED", st)
			}
			d.kill()

			// Fixed: the same data dir delivers all three rows.
			fixed := writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, prefix+"-offsets", pemTrust...))
			d = startDaemon(t, dataDir, "SLUICE_WORKER_CONFIG="+fixed, "SLUICE_KAFKA_BROKERS="+kafkaSASLSSL)
			if st, _ := d.status(t, prefix).taskState(); st == "FAILED" {
				d.do(t, "POST", "/connectors/"+prefix+"/restart?includeTasks=true", nil)
			}
			c := newConsumerOpts(t, workerOpts(t, fixed), nil, topic)
			recs := c.waitCount(t, 3, 60*time.Second)
			t.Logf("%s: after the fix, %d records", tc.name, len(recs))
		})
	}
}

// TestKafkaSecurityBadWorkerFile: serve refuses to start, exit status 2,
// with a message naming the fix.
func TestKafkaSecurityBadWorkerFile(t *testing.T) {
	pemTrust := []string{"ssl.truststore.type=PEM", "ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "ca.pem")}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"unreadable", filepath.Join(t.TempDir(), "missing.properties"), "no such file or directory: give a readable Kafka Connect worker properties file"},
		{"unknown_mechanism", writeWorker(t, strings.Replace(scramWorker(kafkaSASLSSL, kafkaSASLPass, "x", pemTrust...), "SCRAM-SHA-512\n", "SCRAM-SHA-1\n", 1)),
			"sasl.mechanism=SCRAM-SHA-1 is not supported: use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER"},
		{"wrong_truststore_password", writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, "x", "ssl.truststore.type=PKCS12",
			"ssl.truststore.location="+filepath.Join(kafkaTLSDir, "truststore.p12"), "ssl.truststore.password=wrong")),
			"wrong password: check ssl.truststore.password"},
		{"expired_client_certificate", writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, "x", append(pemTrust,
			"ssl.keystore.type=PEM", "ssl.keystore.location="+expiredClientCert(t))...)),
			"expired on 2020-01-02T00:00:00Z: renew it"},
		{"wrong_jks_password", writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, "x",
			"ssl.truststore.location="+filepath.Join(kafkaTLSDir, "truststore.jks"), "ssl.truststore.password=wrong")),
			"wrong password: check ssl.truststore.password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			cmd := exec.Command(binPath, "serve", "--worker-config", tc.path, "--listen", "127.0.0.1:0", "--data-dir", t.TempDir())
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 {
				t.Fatalf("serve: %v, want exit status 2\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Fatalf("serve said:\n%s\nwant it to say %q", out.String(), tc.want)
			}
			t.Logf("%s: %s", tc.name, strings.TrimSpace(out.String()))
		})
	}
}

// TestPostgresCrashExactlyOnceSASLSSL is the crash test with sluice and the
// checking consumer on the SASL_SSL listener.
func TestPostgresCrashExactlyOnceSASLSSL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	topic := uniq("kafkasec_crash") + "-offsets"
	deleteTopics(t, topic)
	path := writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, topic,
		"ssl.truststore.type=PKCS12", "ssl.truststore.location="+filepath.Join(kafkaTLSDir, "truststore.p12"), "ssl.truststore.password="+kafkaTLSPass))
	runPostgresCrash(t, crashKafka{
		prefix:    "kafkasec_crash",
		daemonEnv: []string{"SLUICE_WORKER_CONFIG=" + path, "SLUICE_KAFKA_BROKERS=" + kafkaSASLSSL},
		consumer:  workerOpts(t, path),
	})
}

// expiredClientCert writes a PEM client key and certificate that expired on 2020-01-02.
func expiredClientCert(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "sluice expired"},
		NotBefore: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	p := filepath.Join(t.TempDir(), "client.pem")
	out := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})...)
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// selfSignedCA returns a PEM CA certificate the broker's was not signed by.
func selfSignedCA(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "not the env's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestKafkaSecurityMariaDBHistory: a MariaDB connector whose schema history
// topic is on the SASL_SSL listener (schema.history.internal.consumer.* and
// producer.* keys, as Debezium takes them) runs, and its records and history
// arrive; without the keys, the history client is refused.
func TestKafkaSecurityMariaDBHistory(t *testing.T) {
	caPath := filepath.Join(kafkaTLSDir, "ca.pem")
	for _, secured := range []bool{true, false} {
		t.Run(fmt.Sprintf("history_keys=%v", secured), func(t *testing.T) {
			prefix := uniq("kafkasec_hist")
			db := prefix
			histTopic := prefix + ".schemahistory"
			myDatabase(t, db)
			myExec(t, myConn(t), "USE "+db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1,'a'),(2,'b')")
			dataTopic := prefix + "." + db + ".t"
			deleteTopics(t, histTopic, prefix, dataTopic, prefix+"-offsets")
			path := writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, prefix+"-offsets", "ssl.truststore.type=PEM", "ssl.truststore.location="+caPath))
			d := startDaemonUp(t, t.TempDir(), "SLUICE_WORKER_CONFIG="+path, "SLUICE_KAFKA_BROKERS="+kafkaSASLSSL)
			cfg := myConfig(t, prefix, db)
			cfg["schema.history.internal.kafka.bootstrap.servers"] = kafkaSASLSSL
			cfg["schema.history.internal.kafka.topic"] = histTopic
			if secured {
				for _, p := range []string{"schema.history.internal.producer.", "schema.history.internal.consumer."} {
					cfg[p+"security.protocol"] = "SASL_SSL"
					cfg[p+"sasl.mechanism"] = "SCRAM-SHA-512"
					cfg[p+"sasl.jaas.config"] = fmt.Sprintf(`org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";`, kafkaSASLUser, kafkaSASLPass)
					cfg[p+"ssl.truststore.type"] = "PEM"
					cfg[p+"ssl.truststore.location"] = caPath
				}
			}
			if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
				t.Fatalf("create connector: %d %s", code, body)
			}
			if !secured {
				// The history client speaks PLAINTEXT to a SASL_SSL listener
				// and cannot read the answer: the connector must not deliver
				// anything.
				time.Sleep(10 * time.Second)
				st, trace := d.status(t, prefix).taskState()
				c := newConsumerOpts(t, workerOpts(t, path), nil, dataTopic)
				if n := len(c.settle(3 * time.Second)); n != 0 {
					t.Fatalf("without the history keys %d records arrived", n)
				}
				t.Logf("without the history keys: task %s: %.200s", st, trace)
				return
			}
			d.waitTaskState(t, prefix, "RUNNING", 60*time.Second)
			c := newConsumerOpts(t, workerOpts(t, path), nil, dataTopic, histTopic)
			deadline := time.Now().Add(60 * time.Second)
			for {
				data, hist := 0, 0
				for _, r := range c.snapshot() {
					if r.Topic == dataTopic {
						data++
					} else {
						hist++
					}
				}
				if data >= 2 && hist >= 1 {
					t.Logf("over SASL_SSL: %d data records, %d schema history records", data, hist)
					_, cfgBody := d.do(t, "GET", "/connectors/"+prefix+"/status", nil)
					noSecretIn(t, d.logs.String()+string(cfgBody), kafkaSASLPass)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 60s: %d data records, %d history records\n%s", data, hist, tail(d.logs.String(), 30))
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}

// TestKafkaSecurityConsume: sluice consume reads over SASL_SSL with the
// worker file, and says so when the login is refused (it used to look like
// an empty topic).
func TestKafkaSecurityConsume(t *testing.T) {
	trust := []string{"ssl.truststore.type=PEM", "ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "ca.pem")}
	for _, tc := range []struct {
		password, want string
		code           int
	}{
		{kafkaSASLPass, "check\t", 0},
		{"wrong", "SASL_AUTHENTICATION_FAILED", 1},
	} {
		path := writeWorker(t, scramWorker(kafkaSASLSSL, tc.password, "x", trust...))
		var out bytes.Buffer
		// sluice-env-check: the topic integration/env/up's check writes.
		cmd := exec.Command(binPath, "consume", "--worker-config", path, "--idle", "3s", "--max", "1", "sluice-env-check")
		cmd.Env = append(os.Environ(), "SLUICE_KAFKA_BROKERS=")
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("password %q: exit %d, output %q; want exit %d and %q", tc.password, code, out.String(), tc.code, tc.want)
		}
		t.Logf("password %q: exit %d: %s", tc.password, code, strings.TrimSpace(out.String()))
	}
}

// TestKafkaSecurityMutualTLS: the env's SSL listener requires a client
// certificate. With one (PEM, PKCS12, JKS keystore) records arrive; with
// none the connector fails with the fix and stays FAILED.
func TestKafkaSecurityMutualTLS(t *testing.T) {
	mtls := envOr("SLUICE_KAFKA_MTLS", "127.0.0.1:59096")
	base := []string{"bootstrap.servers=" + mtls, "security.protocol=SSL", "ssl.truststore.type=PEM",
		"ssl.truststore.location=" + filepath.Join(kafkaTLSDir, "ca.pem")}
	for name, ks := range map[string][]string{
		"pem":    {"ssl.keystore.type=PEM", "ssl.keystore.location=" + filepath.Join(kafkaTLSDir, "client.pem")},
		"pkcs12": {"ssl.keystore.type=PKCS12", "ssl.keystore.location=" + filepath.Join(kafkaTLSDir, "client.p12"), "ssl.keystore.password=" + kafkaTLSPass},
		"jks": {"ssl.keystore.location=" + filepath.Join(kafkaTLSDir, "client.jks"), "ssl.keystore.password=" + kafkaTLSPass,
			"ssl.key.password=" + kafkaTLSPass},
	} {
		t.Run(name, func(t *testing.T) {
			prefix := uniq("kafkasec_mtls_" + name)
			lines := append(append([]string{"offset.storage.topic=" + prefix + "-offsets"}, base...), ks...)
			runSecured(t, prefix, strings.Join(lines, "\n")+"\n", prefix+"-offsets")
		})
	}
	t.Run("no_client_certificate", func(t *testing.T) {
		prefix := uniq("kafkasec_mtls_none")
		path := writeWorker(t, strings.Join(append([]string{"offset.storage.topic=" + prefix + "-offsets"}, base...), "\n")+"\n")
		table := secTable(t, prefix)
		dropSlot(t, prefix)
		deleteTopics(t, prefix+"."+table, prefix+"-offsets")
		d := startDaemonUp(t, t.TempDir(), "SLUICE_WORKER_CONFIG="+path, "SLUICE_KAFKA_BROKERS="+mtls)
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": pgConfig(t, prefix, prefix, table)}); code != 201 {
			t.Fatalf("create connector: %d %s", code, body)
		}
		s := d.waitTaskState(t, prefix, "FAILED", 90*time.Second)
		_, trace := s.taskState()
		if !strings.HasPrefix(trace, "org.apache.kafka.connect.errors.ConnectException") {
			t.Errorf("not terminal (retried): %.200s", trace)
		}
		if !strings.Contains(trace, "refused sluice's TLS client certificate") || !strings.Contains(trace, "ssl.keystore.location") {
			t.Fatalf("trace does not name the fix:\n%s", trace)
		}
		time.Sleep(3 * time.Second)
		if st, _ := d.status(t, prefix).taskState(); st != "FAILED" {
			t.Fatalf("task state %s after 3s, want it to stay FAILED", st)
		}
		t.Logf("no client certificate: FAILED: %.400s", trace)
	})
}

// noSecretIn fails the test when out contains one of the secrets.
func noSecretIn(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the secret %q appears in sluice's output", s)
		}
	}
	if len(out) == 0 {
		t.Errorf("no output to check for secrets")
	}
}

// checkSecuredAsyncAPI checks a connector's AsyncAPI document on a daemon
// whose worker file secures Kafka: valid, its records valid, and its server
// saying how to connect as the worker file does.
func checkSecuredAsyncAPI(t *testing.T, d *daemon, name string, w *workerconfig.Config, recs []record) {
	t.Helper()
	code, doc := d.do(t, "GET", "/connectors/"+name+"/asyncapi", nil)
	if code != 200 {
		t.Fatalf("GET asyncapi: %d %s", code, doc)
	}
	var ss []asyncapi.Sample
	for _, r := range recs {
		s := asyncapi.Sample{Channel: r.Topic}
		_ = json.Unmarshal(r.Value, &s.Payload)
		_ = json.Unmarshal(r.Key, &s.Key)
		ss = append(ss, s)
	}
	res := asyncapi.Validate(t, doc, ss)
	if !res.Valid {
		t.Errorf("the AsyncAPI document is not valid: %v", res.Errors())
	}
	for _, s := range res.Samples {
		if !s.OK {
			t.Errorf("record %d does not validate: %v", s.Line, s.Errors)
		}
	}
	var v struct {
		Servers struct {
			Kafka struct {
				Host     string           `json:"host"`
				Protocol string           `json:"protocol"`
				Security []map[string]any `json:"security"`
			} `json:"kafka"`
		} `json:"servers"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type string `json:"type"`
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	_ = json.Unmarshal(doc, &v)
	proto := strings.ToUpper(w.Props["security.protocol"])
	wantProto, wantType := "kafka", map[string]string{"PLAIN": "plain", "SCRAM-SHA-256": "scramSha256", "SCRAM-SHA-512": "scramSha512"}[w.Props["sasl.mechanism"]]
	if strings.HasSuffix(proto, "SSL") {
		wantProto = "kafka-secure"
	}
	k := v.Servers.Kafka
	if k.Host != w.Brokers()[0] || k.Protocol != wantProto || len(k.Security) != 1 || v.Components.SecuritySchemes["sasl"].Type != wantType {
		t.Errorf("server %+v, schemes %+v; want host %s, protocol %s, one SASL scheme %s", k, v.Components.SecuritySchemes, w.Brokers()[0], wantProto, wantType)
	}
	t.Logf("AsyncAPI: valid %v, %d records checked; server %s %s, SASL scheme %s", res.Valid, len(res.Samples), k.Host, k.Protocol, v.Components.SecuritySchemes["sasl"].Type)
}
