//go:build integration

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFirstRunOffsets is a newcomer's first run on a Kafka cluster that has
// never seen sluice: serve creates the offsets topic (compacted) at start,
// and reading or resetting a connector's offsets answers "no offsets" even
// when the topic is missing, never a 500.
func TestFirstRunOffsets(t *testing.T) {
	topic := uniq("sluice_offsets_fresh")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	t.Cleanup(func() { _, _ = adm.DeleteTopics(context.Background(), topic) })

	d := startDaemon(t, t.TempDir(), "SLUICE_OFFSETS_TOPIC="+topic)

	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatalf("describe %s: %v", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("serve did not create the offsets topic %s: %v %v\n%s", topic, err, rc.Err, d.logs.String())
	}
	policy := ""
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" {
			policy = c.MaybeValue()
		}
	}
	if policy != "compact" {
		t.Errorf("offsets topic cleanup.policy = %q, want compact", policy)
	}

	// Take the topic away again, as on a cluster where it could not be
	// created: the offsets endpoints must still answer "no offsets".
	if _, err := adm.DeleteTopics(ctx, topic); err != nil {
		t.Fatalf("delete %s: %v", topic, err)
	}
	waitTopicGone(t, adm, topic)

	name := uniq("firstrun")
	cfg := pgConfig(t, name, name, "public.nosuchtable_"+name)
	code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg, "initial_state": "STOPPED"})
	if code != 201 {
		t.Fatalf("create STOPPED connector: %d %s", code, body)
	}
	code, body = d.do(t, "GET", "/connectors/"+name+"/offsets", nil)
	var got struct {
		Offsets []json.RawMessage `json:"offsets"`
	}
	if code != 200 || json.Unmarshal(body, &got) != nil || got.Offsets == nil || len(got.Offsets) != 0 {
		t.Errorf("GET offsets without an offsets topic: %d %s, want 200 {\"offsets\":[]}", code, body)
	}
	code, body = d.do(t, "DELETE", "/connectors/"+name+"/offsets", nil)
	if code != 200 || !strings.Contains(string(body), "reset successfully") {
		t.Errorf("DELETE offsets without an offsets topic: %d %s, want 200 and Connect's message", code, body)
	}
}

func waitTopicGone(t *testing.T, adm *kadm.Client, topic string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tds, err := adm.ListTopics(context.Background(), topic)
		if err == nil {
			if td, ok := tds[topic]; !ok || td.Err != nil {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("topic %s still listed 20 s after its deletion", topic)
}
