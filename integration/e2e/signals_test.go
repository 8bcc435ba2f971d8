//go:build integration

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A log signal through each channel (the signal table, the Kafka signal
// topic, POST /connectors/{name}/signals) is logged by the daemon exactly
// once, also when the daemon is killed (SIGKILL) right after the signals
// and restarted, and also for signals sent while it is down.

// signalSource is what the signal test needs of a database.
type signalSource struct {
	cfg       map[string]string
	dataTopic string                // the captured table's topic
	sigTopic  string                // the signal table's topic (must stay empty: the table is not captured)
	insert    func(id int)          // writes a row of the captured table
	signal    func(id, data string) // inserts a log signal into the signal table
	ready     func(d *daemon)       // waits until the connector streams
}

func TestSignalChannelsPostgres(t *testing.T) {
	prefix := uniq("signals")
	slot := prefix
	pg := messageDB(t, prefix)
	dropSlot(t, slot)
	mustExec(t, pg, "CREATE TABLE public.captured (id int PRIMARY KEY)")
	mustExec(t, pg, "CREATE TABLE public.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))")
	root := pgConn(t)
	cfg := pgConfig(t, prefix, slot, "public.captured")
	cfg["database.dbname"] = prefix
	cfg["snapshot.mode"] = "no_data"
	cfg["status.update.interval.ms"] = "200"
	cfg["signal.data.collection"] = "public.debezium_signal"
	runSignalChannels(t, prefix, signalSource{
		cfg:       cfg,
		dataTopic: prefix + ".public.captured",
		sigTopic:  prefix + ".public.debezium_signal",
		insert:    func(id int) { mustExec(t, pg, "INSERT INTO public.captured VALUES ($1)", id) },
		signal: func(id, data string) {
			mustExec(t, pg, "INSERT INTO public.debezium_signal (id, type, data) VALUES ($1, 'log', $2)", id, data)
		},
		ready: func(*daemon) { hbWaitSlot(t, root, slot) },
	})
}

func TestSignalChannelsMariaDB(t *testing.T) {
	prefix := uniq("signals")
	db := prefix
	myDatabase(t, db)
	c := myConn(t)
	myExec(t, c,
		"CREATE TABLE "+db+".captured (id INT PRIMARY KEY)",
		"CREATE TABLE "+db+".debezium_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))")
	cfg := myConfig(t, prefix, db)
	cfg["table.include.list"] = db + ".captured"
	cfg["signal.data.collection"] = db + ".debezium_signal"
	runSignalChannels(t, prefix, signalSource{
		cfg:       cfg,
		dataTopic: prefix + "." + db + ".captured",
		sigTopic:  prefix + "." + db + ".debezium_signal",
		insert:    func(id int) { myExec(t, c, fmt.Sprintf("INSERT INTO %s.captured VALUES (%d)", db, id)) },
		signal: func(id, data string) {
			myExec(t, c, fmt.Sprintf("INSERT INTO %s.debezium_signal (id, type, data) VALUES ('%s', 'log', '%s')", db, id, data))
		},
		ready: func(*daemon) {},
	})
}

func runSignalChannels(t *testing.T, prefix string, src signalSource) {
	deleteHeartbeatTopicsAtEnd(t, prefix)
	sigTopic := prefix + "-sig"
	kafkaSignals := signalTopic(t, sigTopic)
	cfg := src.cfg
	cfg["signal.enabled.channels"] = "source,kafka"
	cfg["signal.kafka.topic"] = sigTopic
	rows := newConsumer(t, src.dataTopic)
	sigRows := newConsumer(t, src.sigTopic)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": prefix, "config": cfg}); code != 201 {
		t.Fatalf("create connector: %d %s", code, body)
	}
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	src.ready(d)
	src.insert(1)
	rows.waitCount(t, 1, 30*time.Second) // streaming

	msg := func(ch string, n int) string { return fmt.Sprintf("signal-%s-%d-%s", ch, n, prefix) }
	logData := func(m string) string { return `{"message":"` + m + `"}` }
	rest := func(d *daemon, n int) {
		code, body := d.do(t, "POST", "/connectors/"+prefix+"/signals",
			map[string]any{"id": fmt.Sprintf("rest-%d", n), "type": "log", "data": map[string]string{"message": msg("rest", n)}})
		if code != 202 || !strings.Contains(string(body), `"topic":"`+sigTopic+`"`) {
			t.Fatalf("POST signals: %d %s", code, body)
		}
	}
	// Round 1, with the daemon up: one signal per channel, and a record on
	// the signal topic for another connector, which is ignored.
	src.signal("tbl-1", logData(msg("table", 1)))
	kafkaSignals("other-connector", `{"id":"x","type":"log","data":{"message":"`+msg("foreign", 1)+`"}}`)
	kafkaSignals(prefix, `{"id":"kafka-1","type":"log","data":{"message":"`+msg("kafka", 1)+`"}}`)
	rest(d, 1)
	round1 := []string{msg("table", 1), msg("kafka", 1), msg("rest", 1)}
	waitLogged(t, d, round1)
	// A row after the signals: once it is in Kafka, so is a checkpoint
	// past them.
	src.insert(2)
	rows.waitCount(t, 2, 30*time.Second)
	logs := d.logs.String()
	d.kill()

	// Round 2, with the daemon down: they run once it is back.
	src.signal("tbl-2", logData(msg("table", 2)))
	kafkaSignals(prefix, `{"id":"kafka-2","type":"log","data":{"message":"`+msg("kafka", 2)+`"}}`)
	d = startDaemon(t, dataDir)
	d.waitTaskState(t, prefix, "RUNNING", 30*time.Second)
	rest(d, 2)
	round2 := []string{msg("table", 2), msg("kafka", 2), msg("rest", 2)}
	waitLogged(t, d, round2)
	src.insert(3)
	rows.waitCount(t, 3, 30*time.Second)
	time.Sleep(time.Second) // time for a signal replayed by mistake to show
	logs += d.logs.String()

	for _, m := range append(round1, round2...) {
		if n := strings.Count(logs, `msg=`+m+` `) + strings.Count(logs, `"msg":"`+m+`"`); n != 1 {
			t.Errorf("%s logged %d times, want once", m, n)
		}
	}
	if strings.Contains(logs, msg("foreign", 1)) || !strings.Contains(logs, "signal key does not match") {
		t.Errorf("the other connector's signal was not ignored with a log line")
	}
	if n := sigRows.count(); n != 0 {
		t.Errorf("%d records on %s; the signal table is not captured", n, src.sigTopic)
	}
	d.term(t)
}

// signalTopic creates a signal topic of one partition, deleted when the
// test ends, and returns a func that writes a record to it.
func signalTopic(t *testing.T, topic string) func(key, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := adm.DeleteTopics(context.Background(), topic); err != nil {
			t.Logf("delete topic %s: %v", topic, err)
		}
		cl.Close()
	})
	return func(key, value string) {
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte(value)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// waitLogged waits until d has logged each message.
func waitLogged(t *testing.T, d *daemon, msgs []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, m := range msgs {
		for !strings.Contains(d.logs.String(), m) {
			if time.Now().After(deadline) {
				t.Fatalf("%s not logged\n%s", m, tail(d.logs.String(), 40))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
