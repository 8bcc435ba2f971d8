//go:build integration

package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The integration tests run against the servers of integration/env
// (source /var/tmp/sluice-env/env.sh): the broker at SLUICE_KAFKA (default
// 127.0.0.1:59092) and, for the fidelity test, the Kafka Connect worker at
// SLUICE_CONNECT_URL (default http://127.0.0.1:58083). Every run uses
// topics of its own; the fidelity test only reads Connect's topics.

func realBroker(t *testing.T) []kgo.Opt {
	b := os.Getenv("SLUICE_KAFKA")
	if b == "" {
		b = "127.0.0.1:59092"
	}
	return []kgo.Opt{kgo.SeedBrokers(strings.Split(b, ",")...)}
}

// TestRulesOnRealBroker runs the kfake tests against the real broker.
func TestRulesOnRealBroker(t *testing.T) {
	for name, fn := range map[string]func(*testing.T, []kgo.Opt){
		"ConfigRecords":        testConfigRecords,
		"ConfigStateRules":     testConfigStateRules,
		"ConfigReadYourWrites": testConfigReadYourWrites,
		"ConfigTopicLayout":    testConfigTopicLayout,
		"StatusRecords":        testStatusRecords,
		"StatusPutSafe":        testStatusPutSafe,
		"StatusUnassigned":     testStatusUnassigned,
		"StatusDelete":         testStatusDelete,
	} {
		t.Run(name, func(t *testing.T) { fn(t, realBroker(t)) })
	}
}

// TestConfigAfterCompaction lets the broker's log cleaner compact a config
// topic (tiny segments, tombstones kept 0 ms) and checks that a store
// opened afterwards reads the same connectors as the one that wrote them:
// a deleted connector whose records and tombstones are gone stays gone, a
// paused one stays paused after its older records are cleaned away.
func TestConfigAfterCompaction(t *testing.T) {
	opts := realBroker(t)
	ctx := ctxT(t, 3*time.Minute)
	topic := uniqueTopic("sluice-store-compact")
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	str := func(s string) *string { return &s }
	if _, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{
		"cleanup.policy":            str("compact"),
		"segment.ms":                str("100"),
		"min.cleanable.dirty.ratio": str("0.001"),
		"delete.retention.ms":       str("0"),
		"min.compaction.lag.ms":     str("0"),
	}, topic); err != nil {
		t.Fatal(err)
	}
	w := openConfig(t, opts, topic, nil)
	for i := range 10 {
		for _, n := range []string{"keep", "gone", "paused"} {
			if err := w.PutConnector(ctx, n, map[string]string{"v": fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.PutTarget(ctx, "paused", TargetPaused); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	written := len(readRaw(t, opts, topic))
	// Keep appending (to roll segments) until the cleaner has run.
	start := time.Now()
	var left int
	for ; ; written += 3 {
		time.Sleep(500 * time.Millisecond)
		if err := w.PutConnector(ctx, "keep", map[string]string{"v": "last"}); err != nil {
			t.Fatal(err)
		}
		recs := readRaw(t, opts, topic)
		left = len(recs)
		gone := true
		for _, r := range recs {
			if r.Key == "connector-gone" && r.Value != nil {
				gone = false
			}
		}
		if gone {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("the broker did not compact %s in %v (%d records)", topic, time.Since(start), left)
		}
	}
	t.Logf("compacted after %v: %d records written, %d left", time.Since(start).Round(time.Second), written, left)
	r := openConfig(t, opts, topic, nil)
	got, want := r.Connectors(), w.Connectors()
	if !maps.EqualFunc(got, want, func(a, b Connector) bool { return a.Target == b.Target && maps.Equal(a.Config, b.Config) }) {
		t.Fatalf("after compaction a new reader sees %v, the writer %v", got, want)
	}
	if _, ok := got["gone"]; ok || got["paused"].Target != TargetPaused || got["keep"].Config["v"] != "last" {
		t.Fatalf("after compaction: %v", got)
	}
}

// connectREST talks to the Kafka Connect worker of integration/env.
type connectREST struct {
	t   *testing.T
	url string
}

func (c connectREST) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotFound {
		c.t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if out != nil && resp.StatusCode < 300 && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

type restStatus struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
}

// TestFidelityWithKafkaConnect creates, pauses, stops and deletes a
// connector on a real Kafka Connect worker through its REST API, and
// checks after each step that ConfigTopic and StatusTopic, opened
// read-only on that worker's config and status topics, decode what the
// worker's own REST API reports.
func TestFidelityWithKafkaConnect(t *testing.T) {
	url := os.Getenv("SLUICE_CONNECT_URL")
	if url == "" {
		url = "http://127.0.0.1:58083"
	}
	hc := http.Client{Timeout: 3 * time.Second}
	if resp, err := hc.Get(url + "/connectors"); err != nil || resp.StatusCode != 200 {
		t.Skipf("Kafka Connect does not answer at %s (%v): start it with `integration/env/up connect`", url, err)
	}
	rest := connectREST{t, url}
	opts := realBroker(t)
	ctx := ctxT(t, 3*time.Minute)

	// Debezium's JDBC sink: a connector that needs no replication slot and
	// nothing in the database until a record arrives on its (unused) topic.
	name := fmt.Sprintf("sluice-store-fidelity-%d", time.Now().UnixNano())
	pgHost := "127.0.0.1:55432"
	cfg := map[string]string{
		"connector.class":              "io.debezium.connector.jdbc.JdbcSinkConnector",
		"tasks.max":                    "1",
		"topics":                       name + "-in",
		"connection.url":               "jdbc:postgresql://" + pgHost + "/sluice_test",
		"connection.username":          "postgres",
		"connection.password":          "postgres",
		"key.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":              "org.apache.kafka.connect.json.JsonConverter",
		"errors.tolerance":             "none",
		"schema.evolution":             "none",
		"insert.mode":                  "insert",
		"primary.key.mode":             "none",
		"sluice.test.quoted \"value\"": "a=b,c\n",
	}
	rest.do("PUT", "/connectors/"+name+"/config", cfg, nil)
	t.Cleanup(func() { rest.do("DELETE", "/connectors/"+name, nil, nil) })

	waitState := func(want string) restStatus {
		t.Helper()
		var st restStatus
		deadline := time.Now().Add(60 * time.Second)
		for {
			st = restStatus{}
			rest.do("GET", "/connectors/"+name+"/status", nil, &st)
			if st.Connector.State == want && len(st.Tasks) == 1 && (st.Tasks[0].State == want || st.Tasks[0].State == "FAILED") {
				return st
			}
			if want == "STOPPED" && st.Connector.State == want && len(st.Tasks) == 0 {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("connector %s never reached %s: %+v", name, want, st)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	running := waitState("RUNNING")
	t.Logf("Connect: %s is %s on %s, task 0 %s", name, running.Connector.State, running.Connector.WorkerID, running.Tasks[0].State)

	rest.do("PUT", "/connectors/"+name+"/pause", nil, nil)
	paused := waitState("PAUSED")

	configs, err := OpenConfigTopic(ctx, ConfigTopicOptions{Opts: opts, Topic: "sluice-env-connect-configs", ReadOnly: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer configs.Close()
	// A worker refuses to share a Connect cluster's config topic: its
	// leader's session key marks it.
	if !configs.WrittenByConnect() {
		t.Error("Connect's config topic is not recognised as Connect's (no session-key record read)")
	}
	statuses, err := OpenStatusTopic(ctx, StatusTopicOptions{Opts: opts, Topic: "sluice-env-connect-status", ReadOnly: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer statuses.Close()

	var restCfg map[string]string
	rest.do("GET", "/connectors/"+name+"/config", nil, &restCfg)
	got, ok := configs.Connectors()[name]
	if !ok {
		t.Fatalf("our ConfigTopic does not list %s; it lists %d connectors", name, len(configs.Connectors()))
	}
	if !maps.Equal(got.Config, restCfg) {
		t.Fatalf("config decoded from Connect's topic:\n%v\nConnect's REST:\n%v", got.Config, restCfg)
	}
	if got.Target != TargetPaused {
		t.Fatalf("target decoded from Connect's topic: %s, want PAUSED", got.Target)
	}
	checkStatus := func(step string, want restStatus) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			if err := statuses.ReadToEnd(ctx); err != nil {
				t.Fatal(err)
			}
			cs, okC := statuses.Connector(name)
			ts, okT := statuses.Task(name, 0)
			match := okC && cs.State == want.Connector.State && cs.WorkerID == want.Connector.WorkerID
			if len(want.Tasks) > 0 {
				match = match && okT && ts.State == want.Tasks[0].State && ts.WorkerID == want.Tasks[0].WorkerID
			} else {
				match = match && !okT // Connect lists no task: its status was tombstoned
			}
			if match {
				t.Logf("%s: our StatusTopic reads connector %+v, task 0 %+v (found %v); Connect's REST agrees", step, cs, ts, okT)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: our StatusTopic reads connector %+v (%v), task 0 %+v (%v); Connect's REST: %+v", step, cs, okC, ts, okT, want)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	checkStatus("paused", paused)

	// Live: the stores keep tailing Connect's topics.
	rest.do("PUT", "/connectors/"+name+"/stop", nil, nil)
	stopped := waitState("STOPPED")
	if err := configs.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if tg := configs.Connectors()[name].Target; tg != TargetStopped {
		t.Fatalf("after stop, target decoded from Connect's topic: %s, want STOPPED", tg)
	}
	checkStatus("stopped", stopped)

	rest.do("PUT", "/connectors/"+name+"/resume", nil, nil)
	resumed := waitState("RUNNING")
	if err := configs.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if tg := configs.Connectors()[name].Target; tg != TargetRunning {
		t.Fatalf("after resume, target decoded from Connect's topic: %s, want RUNNING", tg)
	}
	checkStatus("resumed", resumed)

	// What Connect wrote for this connector, for the record.
	for _, topic := range []string{"sluice-env-connect-configs", "sluice-env-connect-status"} {
		for _, r := range readRaw(t, opts, topic) {
			if strings.Contains(r.Key, name) {
				s := r.String()
				if len(s) > 300 {
					s = s[:300] + "…"
				}
				t.Logf("%s @%d: %s", topic, r.Offset, strings.ReplaceAll(s, name, "<name>"))
			}
		}
	}

	if code := rest.do("DELETE", "/connectors/"+name, nil, nil); code >= 300 {
		t.Fatalf("DELETE: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := configs.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
		if err := statuses.ReadToEnd(ctx); err != nil {
			t.Fatal(err)
		}
		_, inCfg := configs.Connectors()[name]
		_, inStatus := statuses.Connector(name)
		_, inTask := statuses.Task(name, 0)
		if !inCfg && !inStatus && !inTask {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after DELETE our view still has config %v, connector status %v, task status %v", inCfg, inStatus, inTask)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, r := range readRaw(t, opts, "sluice-env-connect-configs") {
		if strings.Contains(r.Key, name) && r.Value == nil {
			t.Logf("delete wrote %s @%d", strings.ReplaceAll(r.Key, name, "<name>"), r.Offset)
		}
	}
	for _, r := range readRaw(t, opts, "sluice-env-connect-status") {
		if strings.Contains(r.Key, name) && r.Value == nil {
			t.Logf("delete wrote %s @%d", strings.ReplaceAll(r.Key, name, "<name>"), r.Offset)
		}
	}

	if err := configs.PutConnector(ctx, "x", nil); err == nil {
		t.Fatal("a read-only store wrote to Connect's topic")
	}
}
