//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/integration/tlspg"
)

// TestPGTLSVerifyFullIntoKafka runs a whole connector against a private
// PostgreSQL that accepts logins only over TLS with a client certificate
// (hostssl, clientcert=verify-full), with database.sslmode=verify-full and
// an encrypted client key (database.sslpassword). Registered first with the
// wrong CA, its task is FAILED, not retried, with a trace naming
// database.sslrootcert; with the right CA PUT, the snapshot and the changes
// (rows written while it was failed included) arrive in Kafka exactly once
// for a read_committed consumer. The key's password appears in no log line
// and no status.
func TestPGTLSVerifyFullIntoKafka(t *testing.T) {
	s := tlspg.Start(t)
	ctx := context.Background()
	admin, err := s.Admin(ctx, tlspg.DBName)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	prefix := uniq("pgtls")
	table := "public." + prefix
	topic := prefix + "." + table
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		_, _ = kadm.NewClient(cl).DeleteTopics(context.Background(), topic)
	})
	exec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)")
	exec("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b'), (3, 'c')")

	d := startDaemon(t, t.TempDir())
	cfg := exampleConfig(t, "postgres.json")
	for k, v := range s.Config(map[string]string{
		"database.user":        tlspg.CertUser,
		"database.sslcert":     s.ClientCert,
		"database.sslkey":      s.ClientKeyEncDER,
		"database.sslpassword": tlspg.KeyPassword,
		"database.sslrootcert": s.OtherCA, // wrong: fixed below
	}) {
		cfg[k] = v
	}
	cfg["topic.prefix"] = prefix
	cfg["slot.name"] = prefix
	cfg["publication.name"] = prefix + "_pub"
	cfg["table.include.list"] = table
	c := newConsumer(t, topic)

	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	st := d.waitTaskState(t, prefix, "FAILED", 30*time.Second)
	_, tr := st.taskState()
	t.Logf("trace with the wrong CA: %s", firstLine(tr))
	for _, want := range []string{"certificate signed by unknown authority", "database.sslrootcert", s.OtherCA} {
		if !strings.Contains(tr, want) {
			t.Errorf("trace %q lacks %q", tr, want)
		}
	}
	exec("INSERT INTO " + table + " VALUES (4, 'written while failed')")
	time.Sleep(3 * time.Second)
	if st2, tr2 := d.status(t, prefix).taskState(); st2 != "FAILED" || tr2 != tr {
		t.Errorf("after 3 s the task is %s %q, want FAILED with the same trace", st2, tr2)
	}
	if n := retries(t, d, prefix); n != 0 {
		t.Errorf("sluice_task_retries_total = %v, want 0: a wrong CA is not retried", n)
	}

	cfg["database.sslrootcert"] = s.CA
	if code, b := d.do(t, "PUT", "/connectors/"+prefix+"/config", cfg); code != 200 && code != 201 {
		t.Fatalf("put config: %d %s", code, b)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	c.waitCount(t, 4, 60*time.Second)
	exec("INSERT INTO " + table + " VALUES (5, 'e')")
	exec("UPDATE " + table + " SET v = 'A' WHERE id = 1")
	c.waitCount(t, 6, 60*time.Second)

	// The walsender of the connector is encrypted.
	var walsenderSSL bool
	var cn string
	if err := admin.QueryRow(ctx, `SELECT s.ssl, coalesce(s.client_dn, '') FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = $1`,
		"sluice-"+prefix).Scan(&walsenderSSL, &cn); err != nil {
		t.Fatalf("find the walsender: %v", err)
	}
	t.Logf("walsender with TLS: %v, client certificate %q", walsenderSSL, cn)
	if !walsenderSSL || !strings.Contains(cn, tlspg.CertUser) {
		t.Errorf("walsender TLS %v with client certificate %q, want TLS with CN=%s", walsenderSSL, cn, tlspg.CertUser)
	}

	recs := c.settle(3 * time.Second)
	var got []string
	seen := map[string]int{}
	for _, r := range recs {
		var v struct {
			Op    string         `json:"op"`
			After map[string]any `json:"after"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record %s: %v", r.Value, err)
		}
		e := fmt.Sprintf("%s%v", v.Op, v.After["id"])
		got = append(got, e)
		seen[e]++
	}
	t.Logf("records (read_committed): %s", strings.Join(got, " "))
	want := []string{"r1", "r2", "r3", "r4", "c5", "u1"}
	if len(got) != len(want) {
		t.Errorf("%d records %v, want %v", len(got), got, want)
	}
	for _, w := range want {
		if seen[w] != 1 {
			t.Errorf("%s arrived %d times, want once", w, seen[w])
		}
	}

	// The key's password appears nowhere the daemon writes.
	_, b := d.do(t, "GET", "/connectors/"+prefix+"/status", nil)
	if strings.Contains(d.logs.String(), tlspg.KeyPassword) || strings.Contains(string(b), tlspg.KeyPassword) || strings.Contains(tr, tlspg.KeyPassword) {
		t.Errorf("database.sslpassword appears in the logs or the status")
	}
	if _, m := d.do(t, "GET", "/metrics", nil); strings.Contains(string(m), tlspg.KeyPassword) {
		t.Errorf("database.sslpassword appears in the metrics")
	}
	if code, b := d.do(t, "DELETE", "/connectors/"+prefix, nil); code != 204 {
		t.Errorf("delete: %d %s", code, b)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
