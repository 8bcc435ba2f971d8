//go:build integration

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMySQLStartBesideOpenTransaction checks that a connector starts while
// another writer's transaction is left open on the offsets topic, as a
// daemon killed between a checkpoint and its commit leaves it (every
// daemon of a cluster, and every test of the shared integration servers,
// writes the same sluice-offsets topic) until its transaction times out.
// A read_committed reader stops at that transaction's first offset: a
// connector that waited for it to end stayed UNASSIGNED, before its "no
// checkpoint" line, for up to the other producer's transaction timeout
// (a minute for sluice's), as seen when several connectors were created
// together while another test killed daemons.
func TestMySQLStartBesideOpenTransaction(t *testing.T) {
	const txTimeout = 20 * time.Second
	topic := uniq("sluice_offsets_opentx")
	d := startDaemon(t, t.TempDir(), "SLUICE_OFFSETS_TOPIC="+topic)
	deleteTopicsAfter(t, topic)

	// Another connector's checkpoint, in a transaction left open.
	other, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID(uniq("sluice-killed")),
		kgo.TransactionTimeout(txTimeout), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := other.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := other.ProduceSync(ctx, &kgo.Record{Key: []byte("killed"), Value: []byte(`{}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	name := uniq("opentx")
	myDatabase(t, name)
	myExec(t, myConn(t), "USE "+name, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)")
	data := name + "." + name + ".t"
	deleteTopicsAfter(t, name, data)
	c := newConsumer(t, data)
	start := time.Now()
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": myConfig(t, name, name)}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	for c.count() == 0 {
		if time.Since(start) > txTimeout/2 {
			st, _ := d.status(t, name).taskState()
			t.Fatalf("no snapshot record %s after the create (task %s; \"no checkpoint\" logged: %v)", txTimeout/2, st, strings.Contains(d.logs.String(), "no checkpoint"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	if !strings.Contains(d.logs.String(), "no checkpoint") {
		t.Errorf("the connector did not log that it has no checkpoint")
	}
	t.Logf("snapshot delivered %s after the create, beside a transaction open for %s", took.Round(time.Millisecond), txTimeout)

	// Its checkpoint is found on a restart all the same (the other
	// transaction still open).
	if code, body := d.do(t, "POST", "/connectors/"+name+"/restart?includeTasks=true", nil); code/100 != 2 {
		t.Fatalf("restart: %d %s", code, body)
	}
	deadline := time.Now().Add(txTimeout / 4)
	for !strings.Contains(d.logs.String(), "resuming from checkpoint") {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted connector did not resume from its checkpoint within %s\n%s", txTimeout/4, tail(d.logs.String(), 30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
