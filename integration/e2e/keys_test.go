//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// validateBody is the part of Kafka Connect's validate answer the tests read.
type validateBody struct {
	ErrorCount int `json:"error_count"`
	Configs    []struct {
		Value struct {
			Name   string   `json:"name"`
			Errors []string `json:"errors"`
		} `json:"value"`
	} `json:"configs"`
}

func (v validateBody) errorsOf(key string) []string {
	for _, c := range v.Configs {
		if c.Value.Name == key {
			return c.Value.Errors
		}
	}
	return nil
}

func (d *daemon) validate(t *testing.T, class string, cfg map[string]string) validateBody {
	t.Helper()
	code, body := d.do(t, "PUT", "/connector-plugins/"+class+"/config/validate", cfg)
	if code != 200 {
		t.Fatalf("validate: %d %s", code, body)
	}
	var v validateBody
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprint(port)
}

// TestIntegrationValidateChecksTheConnection: validate connects to the
// database and logs in, as Debezium's validate does, and reports a failure
// on database.hostname, where Kafka Connect 4.3.0 with Debezium reports it
// (measured for both a wrong password and a closed port): a wrong password
// and an unreachable port are errors, a good config has none, and nothing
// is created (no slot).
func TestIntegrationValidateChecksTheConnection(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	slot := uniq("keys_validate")
	pg := pgConfig(t, "keys_validate", slot, "public.keys_nothing")
	pg["name"] = "keys-validate-pg"
	my := exampleConfig(t, "mariadb.json")
	my["name"] = "keys-validate-my"
	my["database.hostname"], my["database.port"] = myAddr[:strings.LastIndexByte(myAddr, ':')], myAddr[strings.LastIndexByte(myAddr, ':')+1:]
	// The tutorial's schema history keys, as a Debezium user sends them.
	my["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
	my["schema.history.internal.kafka.topic"] = "keys-validate-history"

	for _, c := range []struct {
		name, class string
		cfg         map[string]string
		wrongPass   string // in the error of a wrong password
	}{
		{"postgres", "io.debezium.connector.postgresql.PostgresConnector", pg, "password authentication failed"},
		{"mariadb", "io.debezium.connector.mariadb.MariaDbConnector", my, "Access denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := d.validate(t, c.class, c.cfg)
			if v.ErrorCount != 0 {
				t.Errorf("good config: error_count %d: %+v", v.ErrorCount, v)
			}
			bad := copyMap(c.cfg)
			bad["database.password"] = "wrong-password"
			v = d.validate(t, c.class, bad)
			errs := v.errorsOf("database.hostname")
			t.Logf("wrong password: error_count %d, database.hostname: %q", v.ErrorCount, errs)
			if v.ErrorCount != 1 || len(errs) != 1 || !strings.Contains(errs[0], c.wrongPass) || !strings.Contains(errs[0], "database.password") {
				t.Errorf("wrong password: error_count %d, database.hostname errors %q; want one naming %q and database.password", v.ErrorCount, errs, c.wrongPass)
			}
			bad = copyMap(c.cfg)
			bad["database.port"] = closedPort(t)
			start := time.Now()
			v = d.validate(t, c.class, bad)
			errs = v.errorsOf("database.hostname")
			t.Logf("closed port: error_count %d in %s, database.hostname: %q", v.ErrorCount, time.Since(start).Round(time.Millisecond), errs)
			if v.ErrorCount != 1 || len(errs) != 1 || !strings.Contains(errs[0], "refused") {
				t.Errorf("closed port: error_count %d, database.hostname errors %q; want one saying the connection was refused", v.ErrorCount, errs)
			}
			// A problem on a connection key is reported without connecting.
			bad = copyMap(c.cfg)
			bad["database.port"] = "not-a-port"
			v = d.validate(t, c.class, bad)
			if v.ErrorCount != 1 || len(v.errorsOf("database.port")) != 1 {
				t.Errorf("bad port: error_count %d, database.port %q", v.ErrorCount, v.errorsOf("database.port"))
			}
			// name is required, as Kafka Connect requires it.
			bad = copyMap(c.cfg)
			delete(bad, "name")
			v = d.validate(t, c.class, bad)
			if v.ErrorCount != 1 || len(v.errorsOf("name")) != 1 {
				t.Errorf("no name: error_count %d, name %q", v.ErrorCount, v.errorsOf("name"))
			}
		})
	}
	// A role that may log in but not replicate: sluice's check names the
	// fix (Debezium's only logs it).
	c := pgConn(t)
	role := uniq("keys_norepl")
	mustExec(t, c, "CREATE ROLE "+role+" LOGIN PASSWORD 'pw'")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP ROLE IF EXISTS "+role) })
	norepl := copyMap(pg)
	norepl["database.user"], norepl["database.password"] = role, "pw"
	v := d.validate(t, "io.debezium.connector.postgresql.PostgresConnector", norepl)
	if errs := v.errorsOf("database.hostname"); v.ErrorCount != 1 || len(errs) != 1 || !strings.Contains(errs[0], "WITH LOGIN REPLICATION") {
		t.Errorf("role without REPLICATION: error_count %d, database.hostname %q", v.ErrorCount, errs)
	} else {
		t.Logf("role without REPLICATION: %q", errs[0])
	}
	var n int
	if err := c.QueryRow(t.Context(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("validate created the slot %s", slot)
	}
}

// TestIntegrationTopicCreationGroups: a connector's topic.creation.* keys
// shape the topics sluice creates on the real Kafka, as Kafka Connect's do:
// a table's topic taken by a group gets the group's partitions and topic
// configs, another table's topic the default group's; producer.override
// compression is applied (the records arrive, zstd-compressed batches
// readable by a read_committed consumer).
func TestIntegrationTopicCreationGroups(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	name := uniq("keys_topics")
	c := pgConn(t)
	mustExec(t, c, "CREATE TABLE public."+name+"_big (id int PRIMARY KEY, v text)")
	mustExec(t, c, "CREATE TABLE public."+name+"_small (id int PRIMARY KEY, v text)")
	t.Cleanup(func() {
		mustExec(t, pgConn(t), "DROP TABLE IF EXISTS public."+name+"_big, public."+name+"_small")
	})
	dropSlot(t, name)
	cfg := pgConfig(t, name, name, "public."+name+"_big,public."+name+"_small")
	bigTopic, smallTopic := name+".public."+name+"_big", name+".public."+name+"_small"
	cfg["topic.creation.default.partitions"] = "2"
	cfg["topic.creation.default.replication.factor"] = "1"
	cfg["topic.creation.default.retention.ms"] = "172800000"
	cfg["topic.creation.groups"] = "big"
	cfg["topic.creation.big.include"] = strings.ReplaceAll(bigTopic, ".", `\.`)
	cfg["topic.creation.big.partitions"] = "5"
	cfg["topic.creation.big.cleanup.policy"] = "compact"
	cfg["topic.creation.big.compression.type"] = "zstd"
	cfg["producer.override.compression.type"] = "zstd"
	cfg["producer.override.linger.ms"] = "5"

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close) // after the topics are deleted: cleanups run last first
	adm := kadm.NewClient(cl)
	t.Cleanup(func() {
		if _, err := adm.DeleteTopics(context.Background(), bigTopic, smallTopic); err != nil {
			t.Logf("delete topics: %v", err)
		}
	})

	mustExec(t, c, "INSERT INTO public."+name+"_big SELECT g, 'b' FROM generate_series(1, 20) g")
	mustExec(t, c, "INSERT INTO public."+name+"_small SELECT g, 's' FROM generate_series(1, 3) g")
	code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg})
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	t.Cleanup(func() { d.do(t, "DELETE", "/connectors/"+name, nil) })
	// The consumer starts once sluice has written (and so created) the
	// topics: a consumer asking for a missing topic would have the broker
	// create it with its defaults.
	waitTopics(t, d, name, []string{bigTopic, smallTopic})
	cons := newConsumer(t, bigTopic, smallTopic)
	recs := cons.waitCount(t, 23, 60*time.Second)
	perTopic := map[string]int{}
	for _, r := range recs {
		perTopic[r.Topic]++
	}
	if perTopic[bigTopic] != 20 || perTopic[smallTopic] != 3 {
		t.Errorf("records per topic %v, want 20 and 3", perTopic)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	details, err := adm.ListTopics(ctx, bigTopic, smallTopic)
	if err != nil {
		t.Fatal(err)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, bigTopic, smallTopic)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		topic      string
		partitions int
		configs    map[string]string
	}{
		{bigTopic, 5, map[string]string{"cleanup.policy": "compact", "compression.type": "zstd"}},
		{smallTopic, 2, map[string]string{"retention.ms": "172800000", "cleanup.policy": "delete"}},
	} {
		td := details[w.topic]
		if td.Err != nil || len(td.Partitions) != w.partitions {
			t.Errorf("%s: %d partitions (%v), want %d", w.topic, len(td.Partitions), td.Err, w.partitions)
		}
		rc, err := configs.On(w.topic, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range rc.Configs {
			got[c.Key] = c.MaybeValue()
		}
		for k, v := range w.configs {
			if got[k] != v {
				t.Errorf("%s: %s=%q, want %q", w.topic, k, got[k], v)
			}
		}
		t.Logf("%s: %d partitions, cleanup.policy=%s compression.type=%s retention.ms=%s", w.topic, len(td.Partitions), got["cleanup.policy"], got["compression.type"], got["retention.ms"])
	}
}

// TestIntegrationMySQLTutorialConfig registers Debezium's MySQL tutorial
// config (inventory-connector) with only what must point at this
// environment changed (host, port, user, password, the database and
// server id, the topic prefix to keep the shared Kafka tidy): its schema
// history keys and tasks.max go in unchanged, it runs against the real
// MariaDB and Kafka, and its records arrive; GET …/unused-keys names the
// schema history keys with their reason.
func TestIntegrationMySQLTutorialConfig(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	db := uniq("keys_inventory")
	myDatabase(t, db)
	mc := myConn(t)
	myExec(t, mc, "CREATE TABLE "+db+".customers (id INT PRIMARY KEY, first_name VARCHAR(255) NOT NULL)",
		"INSERT INTO "+db+".customers VALUES (1001, 'Sally'), (1002, 'George')")
	host, port := myAddr[:strings.LastIndexByte(myAddr, ':')], myAddr[strings.LastIndexByte(myAddr, ':')+1:]
	// The tutorial's config, as in Debezium 3.6.1's documentation.
	cfg := map[string]string{
		"connector.class":       "io.debezium.connector.mysql.MySqlConnector",
		"tasks.max":             "1",
		"database.hostname":     "mysql",
		"database.port":         "3306",
		"database.user":         "debezium",
		"database.password":     "dbz",
		"database.server.id":    "184054",
		"topic.prefix":          "dbserver1",
		"database.include.list": "inventory",
		"schema.history.internal.kafka.bootstrap.servers": "kafka:9092",
		"schema.history.internal.kafka.topic":             "schema-changes.inventory",
	}
	// Pointed at this environment.
	cfg["database.hostname"], cfg["database.port"] = host, port
	cfg["database.user"], cfg["database.password"] = "sluice", "sluice"
	cfg["database.server.id"] = fmt.Sprint(184054 + time.Now().UnixNano()%100000)
	cfg["topic.prefix"] = db
	cfg["database.include.list"] = db
	cfg["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
	cfg["schema.history.internal.kafka.topic"] = "schema-changes." + db
	topic := db + "." + db + ".customers"
	t.Cleanup(func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		// The data topic, the schema-change topic (the prefix itself) and
		// the schema history topic.
		_, _ = kadm.NewClient(cl).DeleteTopics(context.Background(), topic, db, "schema-changes."+db)
	})
	cons := newConsumer(t, topic)
	name := "inventory-connector-" + db
	code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg})
	if code != 201 {
		t.Fatalf("the tutorial config was refused: %d %s", code, body)
	}
	t.Cleanup(func() { d.do(t, "DELETE", "/connectors/"+name, nil) })
	d.waitTaskState(t, name, "RUNNING", 60*time.Second)
	myExec(t, mc, "INSERT INTO "+db+".customers VALUES (1003, 'Edward')")
	recs := cons.waitCount(t, 3, 60*time.Second)
	var ops []string
	for _, r := range recs {
		var v struct {
			Op    string `json:"op"`
			After struct {
				ID int `json:"id"`
			} `json:"after"`
			Source struct {
				Connector string `json:"connector"`
			} `json:"source"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record %s: %v", r.Value, err)
		}
		ops = append(ops, fmt.Sprintf("%s:%d:%s", v.Op, v.After.ID, v.Source.Connector))
	}
	t.Logf("records: %v", ops)
	if strings.Join(ops, " ") != "r:1001:mysql r:1002:mysql c:1003:mysql" {
		t.Errorf("records %v, want the snapshot of 1001 and 1002 then the insert of 1003", ops)
	}
	// Every key of the tutorial config is honoured: none is listed unused,
	// and the schema history keys name the topic the history is written to.
	code, body = d.do(t, "GET", "/connectors/"+name+"/unused-keys", nil)
	if code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("unused-keys: %d %s, want 200 []", code, body)
	}
	hist := newConsumer(t, "schema-changes."+db).waitCount(t, 1, 30*time.Second)
	if !strings.Contains(string(hist[len(hist)-1].Value), `"ddl"`) {
		t.Errorf("history record %s has no ddl", hist[len(hist)-1].Value)
	}
}
