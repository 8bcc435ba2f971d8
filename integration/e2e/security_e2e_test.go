//go:build integration

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sluicecdc/sluice/integration/tlsmariadb"
	"github.com/sluicecdc/sluice/integration/tlspg"
)

// randomSecret returns a secret no output could hold by chance.
func randomSecret(prefix string) string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// TestSecurityEndToEnd is issue 14's "done when": sluice serve configured
// only by a Kafka Connect worker file (no SLUICE_* variable, no Kafka or
// REST flag) reaches Kafka over SASL_SSL only (SCRAM-SHA-512, a PKCS12
// truststore), takes its SASL and truststore passwords from ${file:…} and
// its HTTPS listener's keystore password from ${env:…}, serves an HTTPS
// REST API behind HTTP Basic (Kafka Connect's JAAS PropertyFileLoginModule
// file named by KAFKA_OPTS), and runs a Postgres connector with
// database.sslmode=verify-full against a private TLS-only PostgreSQL and a
// MariaDB connector with database.ssl.mode=verify_identity against a
// private MariaDB that requires TLS (its CA in a JKS trust store made by
// keytool), their passwords from ${file:…}. The
// records arrive exactly once for a read_committed consumer over SASL_SSL;
// REST without or with wrong credentials is 401 with WWW-Authenticate; and
// no resolved secret appears in any output of the run: the daemon's log,
// the REST answers, /metrics, the files of the data dir, the records and
// checkpoints on Kafka.
func TestSecurityEndToEnd(t *testing.T) {
	caPEM := filepath.Join(kafkaTLSDir, "ca.pem")
	trustP12 := filepath.Join(kafkaTLSDir, "truststore.p12")
	if _, err := os.Stat(trustP12); err != nil {
		t.Fatalf("the env's Kafka truststore (is integration/env up with the SASL listeners?): %v", err)
	}
	pg := tlspg.Start(t)
	my := tlsmariadb.Start(t)
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	prefix := uniq("sec_e2e")
	t.Cleanup(func() { deleteTopicsWithPrefix(t, prefix) })
	pgName, myName := prefix+"_pg", prefix+"_my"

	// The secrets of the run.
	pgPassword := randomSecret("pg")
	myPassword := randomSecret("my")
	restPassword := randomSecret("rest")
	restKeystorePassword := randomSecret("restks")
	myTrustPassword := randomSecret("mytrust")
	secrets := map[string]string{
		"MariaDB truststore password":     myTrustPassword,
		"Kafka SASL password":             kafkaSASLPass,
		"Kafka truststore password":       kafkaTLSPass,
		"PostgreSQL password":             pgPassword,
		"MariaDB password":                myPassword,
		"REST Basic password":             restPassword,
		"REST listener keystore password": restKeystorePassword,
	}

	// PostgreSQL: the role logs in with a password only the secrets file holds.
	pgAdmin, err := pg.Admin(ctx, tlspg.DBName)
	if err != nil {
		t.Fatal(err)
	}
	defer pgAdmin.Close(ctx)
	pgExec := func(q string) {
		t.Helper()
		if _, err := pgAdmin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pgTable := "public." + pgName
	pgExec(fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", tlspg.User, pgPassword))
	pgExec("CREATE TABLE " + pgTable + " (id int PRIMARY KEY, v text)")
	pgExec("INSERT INTO " + pgTable + " VALUES (1, 'a'), (2, 'b'), (3, 'c')")

	// MariaDB: a user that may log in only over TLS, with its own password.
	myAdmin, err := my.Admin()
	if err != nil {
		t.Fatal(err)
	}
	defer myAdmin.Close()
	myExec := func(q string) {
		t.Helper()
		if _, err := myAdmin.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	myUser := "tlsuser"
	myExec(fmt.Sprintf("CREATE USER %s@'%%' IDENTIFIED BY '%s' REQUIRE SSL", myUser, myPassword))
	myExec("GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR, REPLICATION SLAVE ADMIN ON *.* TO " + myUser + "@'%'")
	myExec("CREATE DATABASE " + myName)
	myExec("CREATE TABLE " + myName + ".t (id INT PRIMARY KEY, v VARCHAR(20))")
	myExec("INSERT INTO " + myName + ".t VALUES (1, 'a'), (2, 'b')")

	// The secret files the placeholders read.
	kafkaSecrets := write("kafka.properties", "sasl.password="+kafkaSASLPass+"\ntruststore.password="+kafkaTLSPass+"\n")
	dbSecrets := write("db.properties", "pg.password="+pgPassword+"\nmariadb.password="+myPassword+"\nmariadb.truststore.password="+myTrustPassword+"\n")
	// The MariaDB CA in a JKS trust store, as a Debezium user makes it.
	myTrust := filepath.Join(dir, "mariadb-truststore.jks")
	if out, err := exec.Command("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", my.CA, "-keystore", myTrust,
		"-storetype", "JKS", "-storepass", myTrustPassword).CombinedOutput(); err != nil {
		t.Fatalf("keytool: %v\n%s", err, out)
	}
	userDir := filepath.Join(dir, "users")
	if err := os.Mkdir(userDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(userDir, "mariadb.user"), []byte(myUser), 0o600); err != nil {
		t.Fatal(err)
	}

	// The HTTPS listener: a PKCS12 keystore whose password is in the environment.
	pki := newRestsecPKI(t, dir)
	kp, err := tls.LoadX509KeyPair(pki.certFile, pki.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(kp.PrivateKey, kp.Leaf, nil, restKeystorePassword)
	if err != nil {
		t.Fatal(err)
	}
	restKeystore := filepath.Join(dir, "rest.p12")
	if err := os.WriteFile(restKeystore, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	// HTTP Basic, as Kafka Connect's BasicAuthSecurityRestExtension reads it.
	creds := write("connect-credentials.properties", "admin: "+restPassword+"\n")
	jaas := write("connect-jaas.conf", "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\""+creds+"\";\n};\n")

	port := freePort(t)
	offsetsTopic := prefix + "-offsets"
	worker := write("connect-distributed.properties", strings.Join([]string{
		"# A Kafka Connect worker file: every setting of the daemon but its data dir.",
		"bootstrap.servers=" + kafkaSASLSSL,
		// A group of its own: the worker runs in distributed mode, its
		// config and status topics on the secured listener too.
		"group.id=" + prefix,
		"config.storage.topic=" + prefix + "-configs",
		"status.storage.topic=" + prefix + "-status",
		"offset.storage.topic=" + offsetsTopic,
		"key.converter=org.apache.kafka.connect.json.JsonConverter",
		"value.converter=org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable=false",
		"value.converter.schemas.enable=false",
		"security.protocol=SASL_SSL",
		"sasl.mechanism=SCRAM-SHA-512",
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \`,
		fmt.Sprintf(`    username="%s" password="${file:%s:sasl.password}";`, kafkaSASLUser, kafkaSecrets),
		"ssl.truststore.type=PKCS12",
		"ssl.truststore.location=" + trustP12,
		"ssl.truststore.password=${file:" + kafkaSecrets + ":truststore.password}",
		fmt.Sprintf("listeners=https://127.0.0.1:%d", port),
		"listeners.https.ssl.keystore.type=PKCS12",
		"listeners.https.ssl.keystore.location=" + restKeystore,
		"listeners.https.ssl.keystore.password=${env:E2E_REST_KEYSTORE_PASSWORD}",
		"rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
		"config.providers=file,env,directory",
		"config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"config.providers.directory.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
	}, "\n")+"\n")

	// The daemon: the worker file, KAFKA_OPTS for the JAAS file, and no
	// SLUICE_* variable of the test's environment.
	dataDir := t.TempDir()
	d := &secureDaemon{URL: fmt.Sprintf("https://127.0.0.1:%d", port), logs: &syncBuffer{}, done: make(chan struct{})}
	d.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool}}}
	d.cmd = exec.Command(binPath, "serve", "--worker-config", worker, "--data-dir", dataDir, "--log-level", "debug")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "SLUICE_") && !strings.HasPrefix(e, "KAFKA_OPTS=") {
			d.cmd.Env = append(d.cmd.Env, e)
		}
	}
	d.cmd.Env = append(d.cmd.Env, "KAFKA_OPTS=-Djava.security.auth.login.config="+jaas, "E2E_REST_KEYSTORE_PASSWORD="+restKeystorePassword)
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
	admin := basic("admin", restPassword)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rq, _ := http.NewRequest("GET", d.URL+"/connectors", nil)
		rq.Header.Set("Authorization", admin)
		resp, err := d.client.Do(rq)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-d.done:
			t.Fatalf("sluice exited at start:\n%s", d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice did not answer GET /connectors over HTTPS in 30s: %v\n%s", err, d.logs.String())
		}
	}
	// GET /health is 503 until the worker has joined its group.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rq, _ := http.NewRequest("GET", d.URL+"/health", nil)
		rq.Header.Set("Authorization", admin)
		resp, err := d.client.Do(rq)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sluice's GET /health was not 200 in 30s (joining its group): %v\n%s", err, tail(d.logs.String(), 30))
		}
	}

	// REST: credentials are required, over HTTPS only.
	for _, c := range []struct{ what, auth string }{
		{"no credentials", ""},
		{"wrong password", basic("admin", "not-"+restPassword)},
		{"unknown user", basic("mallory", restPassword)},
	} {
		code, h, body := d.req(t, "GET", "/connectors", c.auth, nil, true)
		ch := h.Get("WWW-Authenticate")
		if code != 401 || !strings.Contains(ch, `Basic realm="sluice"`) {
			t.Errorf("%s: GET /connectors = %d, WWW-Authenticate %q, %s; want 401 with a Basic challenge", c.what, code, ch, body)
		}
	}
	if resp, err := http.Get(strings.Replace(d.URL, "https://", "http://", 1) + "/connectors"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served the API: %s", b)
		}
	}

	// The connectors, their passwords as placeholders.
	pgCfg := exampleConfig(t, "postgres.json")
	for k, v := range pg.Config(map[string]string{"database.password": "${file:" + dbSecrets + ":pg.password}"}) {
		pgCfg[k] = v
	}
	pgCfg["topic.prefix"] = pgName
	pgCfg["slot.name"] = pgName
	pgCfg["publication.name"] = pgName + "_pub"
	pgCfg["table.include.list"] = pgTable
	if pgCfg["database.sslmode"] != "verify-full" || pgCfg["database.hostname"] != "localhost" {
		t.Fatalf("the Postgres config is not verify-full by localhost: %v", pgCfg)
	}
	myCfg := myConfig(t, myName, myName)
	myCfg["database.hostname"] = "localhost"
	myCfg["database.port"] = strconv.Itoa(my.Port)
	myCfg["database.user"] = "${directory:" + userDir + ":mariadb.user}"
	myCfg["database.password"] = "${file:" + dbSecrets + ":mariadb.password}"
	myCfg["database.ssl.mode"] = "verify_identity"
	myCfg["database.ssl.truststore"] = myTrust
	myCfg["database.ssl.truststore.password"] = "${file:" + dbSecrets + ":mariadb.truststore.password}"
	// Validate checks the connection with the TLS keys, and reports a
	// wrong one on its key; a TLS key with a problem of its own is
	// reported without trying to connect.
	for _, c := range []struct {
		what, class string
		cfg         map[string]string
		mods        map[string]string
		key, text   string
	}{
		{"PG CA that did not sign the server's certificate", "PostgresConnector", pgCfg, map[string]string{"database.sslrootcert": pg.OtherCA},
			"database.sslrootcert", "certificate signed by unknown authority"},
		{"PG missing CA file", "PostgresConnector", pgCfg, map[string]string{"database.sslrootcert": filepath.Join(dir, "no-such-ca.pem")},
			"database.sslrootcert", "no-such-ca.pem"},
		{"PG unknown sslmode", "PostgresConnector", pgCfg, map[string]string{"database.sslmode": "sometimes"}, "database.sslmode", "sometimes"},
		{"MariaDB CA that did not sign the server's certificate", "MariaDbConnector", myCfg, map[string]string{"database.ssl.truststore": my.OtherCA,
			"database.ssl.truststore.password": ""}, "database.ssl.truststore", "certificate signed by unknown authority"},
		{"MariaDB trust store, wrong password", "MariaDbConnector", myCfg, map[string]string{"database.ssl.truststore.password": "wrong"},
			"database.ssl.truststore.password", "wrong password"},
	} {
		vcfg := map[string]string{"name": c.what}
		for k, v := range c.cfg {
			vcfg[k] = v
		}
		for k, v := range c.mods {
			if v == "" {
				delete(vcfg, k)
			} else {
				vcfg[k] = v
			}
		}
		code, _, body := d.req(t, "PUT", "/connector-plugins/"+c.class+"/config/validate", admin, vcfg, true)
		var v validateBody
		if err := json.Unmarshal(body, &v); err != nil || code != 200 {
			t.Fatalf("validate %s: %d %s", c.what, code, body)
		}
		errs := strings.Join(v.errorsOf(c.key), " | ")
		if v.ErrorCount != 1 || !strings.Contains(errs, c.text) {
			t.Errorf("validate, %s: %d errors, on %s: %q; want one, on %s, saying %q\n%s", c.what, v.ErrorCount, c.key, errs, c.key, c.text, body)
		}
		t.Logf("validate, %s: %s: %.160s", c.what, c.key, errs)
	}
	for _, c := range []struct {
		name string
		cfg  map[string]string
	}{{pgName, pgCfg}, {myName, myCfg}} {
		vcfg := map[string]string{"name": c.name}
		for k, v := range c.cfg {
			vcfg[k] = v
		}
		class := strings.TrimPrefix(c.cfg["connector.class"], "io.debezium.connector.")
		class = class[strings.LastIndex(class, ".")+1:]
		if code, _, body := d.req(t, "PUT", "/connector-plugins/"+class+"/config/validate", admin, vcfg, true); code != 200 || !strings.Contains(string(body), `"error_count":0`) {
			t.Errorf("validate %s: %d %s", c.name, code, body)
		}
		if code, _, body := d.req(t, "POST", "/connectors", admin, map[string]any{"name": c.name, "config": c.cfg}, true); code != 201 {
			t.Fatalf("create %s: %d %s", c.name, code, body)
		}
	}
	waitSecureRunning(t, d, admin, pgName)
	waitSecureRunning(t, d, admin, myName)

	// Read back over SASL_SSL, read_committed.
	consumerWorker := writeWorker(t, scramWorker(kafkaSASLSSL, kafkaSASLPass, "x", "ssl.truststore.type=PEM", "ssl.truststore.location="+caPEM))
	pgTopic, myTopic := pgName+"."+pgTable, myName+"."+myName+".t"
	cons := newConsumerOpts(t, workerOpts(t, consumerWorker), nil, pgTopic, myTopic)
	cons.waitCount(t, 5, 90*time.Second)
	pgExec("INSERT INTO " + pgTable + " VALUES (4, 'd')")
	pgExec("UPDATE " + pgTable + " SET v = 'A' WHERE id = 1")
	myExec("INSERT INTO " + myName + ".t VALUES (3, 'c')")
	cons.waitCount(t, 8, 90*time.Second)
	recs := cons.settle(3 * time.Second)
	seen := map[string]int{}
	var got []string
	for _, r := range recs {
		var v struct {
			Op    string         `json:"op"`
			After map[string]any `json:"after"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record on %s: %s: %v", r.Topic, r.Value, err)
		}
		side := "pg"
		if r.Topic == myTopic {
			side = "my"
		}
		e := fmt.Sprintf("%s:%s%v", side, v.Op, v.After["id"])
		seen[e]++
		got = append(got, e)
	}
	sort.Strings(got)
	t.Logf("records over SASL_SSL (read_committed): %s", strings.Join(got, " "))
	want := []string{"my:c3", "my:r1", "my:r2", "pg:c4", "pg:r1", "pg:r2", "pg:r3", "pg:u1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("records %v, want each of %v exactly once", got, want)
	}

	// The walsender and the binlog dump are encrypted.
	var walsenderSSL bool
	if err := pgAdmin.QueryRow(ctx, `SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = $1`,
		"sluice-"+pgName).Scan(&walsenderSSL); err != nil || !walsenderSSL {
		t.Errorf("the walsender's TLS: %v %v, want TLS", walsenderSSL, err)
	}
	r, err := myAdmin.Execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + myUser + "' AND COMMAND LIKE 'Binlog Dump%'")
	if n, _ := r.GetInt(0, 0); err != nil || n != 1 {
		t.Errorf("binlog dumps of %s: %d %v, want 1 (over TLS: the user REQUIREs SSL)", myUser, n, err)
	}

	// Every output of the run.
	for _, name := range []string{pgName, myName} {
		for _, p := range []string{"", "/status", "/config", "/tasks", "/offsets", "/unused-keys", "/topics"} {
			if code, _, body := d.req(t, "GET", "/connectors/"+name+p, admin, nil, true); code != 200 {
				t.Errorf("GET /connectors/%s%s = %d %s", name, p, code, body)
			}
		}
	}
	for _, p := range []string{"/connectors?expand=status&expand=info", "/metrics", "/", "/admin/loggers", "/connector-plugins"} {
		d.req(t, "GET", p, admin, nil, true)
	}
	_, _, cfgBody := d.req(t, "GET", "/connectors/"+pgName+"/config", admin, nil, true)
	if !strings.Contains(string(cfgBody), "${file:"+dbSecrets+":pg.password}") {
		t.Errorf("GET config does not show the placeholder as stored: %s", cfgBody)
	}
	offsets := newConsumerOpts(t, workerOpts(t, consumerWorker), nil, offsetsTopic)
	checkpoints := offsets.waitCount(t, 2, 30*time.Second)
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		t.Error("sluice did not stop on SIGTERM")
	}

	var all strings.Builder
	logs := d.logs.String()
	all.WriteString(logs)
	d.mu.Lock()
	for _, o := range d.outputs {
		all.WriteString(o + "\n")
	}
	nREST := len(d.outputs)
	d.mu.Unlock()
	nFiles := 0
	_ = filepath.WalkDir(dataDir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			all.WriteString(p + "\n")
			all.Write(b)
			nFiles++
		}
		return nil
	})
	for _, r := range append(cons.snapshot(), checkpoints...) {
		all.Write(r.Key)
		all.Write(r.Value)
		for k, v := range r.Headers {
			all.WriteString(k + "=" + v + "\n")
		}
	}
	out := all.String()
	found := 0
	for what, secret := range secrets {
		if i := strings.Index(out, secret); i >= 0 {
			found++
			t.Errorf("the %s %q appears in the run's outputs: …%s…", what, secret, out[max(0, i-300):min(len(out), i+100)])
		}
	}
	// The search proves something only if the outputs hold what was
	// searched: the records, the checkpoints, the answers and the log.
	for _, must := range []string{`"A"`, `"c"`, "sluice serving", `sluice_events_total{connector="` + pgName + `"}`,
		myName + ".t", "${file:" + dbSecrets + ":mariadb.password}"} {
		if !strings.Contains(out, must) {
			t.Errorf("the outputs searched lack %q", must)
		}
	}
	t.Logf("searched %d bytes of outputs (daemon log %d bytes, %d REST answers, /metrics, %d data dir files, %d records, %d checkpoints): %d of %d secrets found",
		len(out), len(logs), nREST, nFiles, len(cons.snapshot()), len(checkpoints), found, len(secrets))
}
