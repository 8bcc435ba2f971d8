package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	connrt "github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/sinks/kafka"
)

// recordShape says what the Kafka floor's records look like: the records
// sluice writes for the bench's table (id bigint, stamp_ns bigint, payload
// of 80 hex characters), Debezium's envelope as JSON without schemas, with
// the source block of the connector and the headers sluice adds
// (extended.headers.enabled is on by default). Op "r" is a snapshot read,
// "c" an insert from the stream.
type recordShape struct {
	Connector string // postgresql or mariadb
	Op        string // r or c
	Prefix    string // topic.prefix
	DB        string // database name
	Schema    string // PG schema; unused for MariaDB
	Table     string // table name, unqualified
}

// payloadPool is how many different payloads the floor's records take
// turns with: more than a producer batch holds (256 KiB of ~0.7 KiB
// records), so compression sees the same variety as in the table, whose
// payloads are all different.
const payloadPool = 4096

// recordTemplate is a record with the id left out: key = keyHead + id +
// keyTail; value = parts[0] + id + parts[1] + payload + parts[2]. Building a
// record copies bytes; nothing is encoded while the clock runs.
type recordTemplate struct {
	keyHead, keyTail string
	parts            [3]string
	payloads         []string
	headers          []kgo.RecordHeader
}

// newRecordTemplate builds the template of shape, with the time fields
// fixed at now (their width is what counts).
func newRecordTemplate(shape recordShape, now time.Time) (*recordTemplate, error) {
	ms, us, ns := now.UnixMilli(), now.UnixMicro(), now.UnixNano()
	snapshot := "false"
	if shape.Op == "r" {
		snapshot = "true"
	}
	var source string
	switch shape.Connector {
	case "postgresql":
		seq := `["24023128","24023224"]`
		if shape.Op == "r" {
			seq = `[null,"24023224"]`
		}
		source = fmt.Sprintf(`{"version":"3.0.7.Final","connector":"postgresql","name":%q,"ts_ms":%d,"snapshot":%q,"db":%q,"sequence":%q,"ts_us":%d,"ts_ns":%d,"schema":%q,"table":%q,"txId":771,"lsn":24023224,"xmin":null,"origin":null,"origin_lsn":null}`,
			shape.Prefix, ms, snapshot, shape.DB, seq, us, ns, shape.Schema, shape.Table)
	case "mariadb":
		source = fmt.Sprintf(`{"version":"3.0.7.Final","connector":"mariadb","name":%q,"ts_ms":%d,"snapshot":%q,"db":%q,"sequence":null,"ts_us":%d,"ts_ns":%d,"table":%q,"server_id":1,"gtid":"0-1-4711","file":"mariadb-bin.000003","pos":41874213,"row":0,"thread":12,"query":null}`,
			shape.Prefix, ms, snapshot, shape.DB, us, ns, shape.Table)
	default:
		return nil, fmt.Errorf("record shape: unknown connector %q", shape.Connector)
	}
	if shape.Op != "r" && shape.Op != "c" {
		return nil, fmt.Errorf("record shape: op %q, want r or c", shape.Op)
	}
	t := &recordTemplate{
		keyHead: `{"id":`, keyTail: `}`,
		parts: [3]string{
			`{"before":null,"after":{"id":`,
			`,"stamp_ns":0,"payload":"`,
			fmt.Sprintf(`"},"source":%s,"transaction":null,"op":%q,"ts_ms":%d,"ts_us":%d,"ts_ns":%d}`, source, shape.Op, ms, us, ns),
		},
		headers: []kgo.RecordHeader{
			{Key: "__debezium.context.connectorLogicalName", Value: []byte(shape.Prefix)},
			{Key: "__debezium.context.connectorName", Value: []byte(shape.Connector)},
			{Key: "__debezium.context.runId", Value: []byte("e5c3b0a4-1f0e-4a8b-9a55-0c6a3d2b7f11")},
			{Key: "__debezium.context.taskId", Value: []byte("0")},
			{Key: "sluice.schema.version", Value: []byte("1")},
		},
	}
	for i := range payloadPool {
		// As the table's payloadExpr: 80 hex characters from md5s of the row.
		a, b := md5.Sum([]byte(strconv.Itoa(i))), md5.Sum([]byte(strconv.Itoa(i*7)))
		c := md5.Sum([]byte(strconv.Itoa(-i)))
		t.payloads = append(t.payloads, (hex.EncodeToString(a[:]) + hex.EncodeToString(b[:]) + hex.EncodeToString(c[:]))[:80])
	}
	return t, nil
}

// appendRecord fills r with the record of id, its key and value appended to
// buf (which must not grow while the records built from it are in flight:
// the caller sizes it), and returns buf.
func (t *recordTemplate) appendRecord(buf []byte, r *kgo.Record, id int) []byte {
	k := len(buf)
	buf = append(buf, t.keyHead...)
	buf = strconv.AppendInt(buf, int64(id), 10)
	buf = append(buf, t.keyTail...)
	v := len(buf)
	buf = append(buf, t.parts[0]...)
	buf = strconv.AppendInt(buf, int64(id), 10)
	buf = append(buf, t.parts[1]...)
	buf = append(buf, t.payloads[id%len(t.payloads)]...)
	buf = append(buf, t.parts[2]...)
	*r = kgo.Record{Key: buf[k:v:v], Value: buf[v:len(buf):len(buf)], Headers: t.headers}
	return buf
}

// size is the bytes of the record of id: key, value and headers.
func (t *recordTemplate) size(id int) int {
	n := len(t.keyHead) + len(t.keyTail) + len(t.parts[0]) + len(t.parts[1]) + len(t.parts[2]) +
		2*len(strconv.Itoa(id)) + len(t.payloads[id%len(t.payloads)])
	for _, h := range t.headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// floorProducerOptions are sluice's producer settings, as sinks/kafka.New
// sets them (cmd/sluice adds only the worker's security options and a
// connector's producer.override.* keys, none of which the bench sets):
// a transactional producer with acks=all, 256 KiB batches, 256 MiB
// buffered, linger 10 ms, classic transactions, 1 ms
// concurrent-transactions backoff, and franz-go's default compression
// (snappy).
func floorProducerOptions(brokers []string, topic string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.TransactionalID(topic),
		kgo.TransactionTimeout(time.Minute),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchMaxBytes(256 << 10),
		kgo.MaxBufferedBytes(256 << 20),
		kgo.ProducerLinger(10 * time.Millisecond),
		kgo.ConcurrentTransactionsBackoff(time.Millisecond),
		kgo.MaxVersions(kafka.ClassicTransactions()),
		kgo.DefaultProduceTopic(topic),
	}
}

// writeFloorMain is the kafkawrite mode: the bulk Kafka floor. It commits a
// warm-up record (id total), waits for sigGo, then writes ids [0, total) in
// transactions of sluice's default batch size (connrt.DefaultBatching:
// max events or max bytes, whichever is reached first), each record copied
// from a template, and waits for sigStop.
func writeFloorMain(args []string) error {
	fs := flag.NewFlagSet("kafkawrite", flag.ContinueOnError)
	brokers := fs.String("brokers", "", "bootstrap servers")
	topic := fs.String("topic", "", "topic")
	total := fs.Int("total", 0, "rows")
	var shape recordShape
	fs.StringVar(&shape.Connector, "connector", "postgresql", "postgresql or mariadb: the source block's shape")
	fs.StringVar(&shape.Op, "op", "r", "r (snapshot) or c (stream)")
	fs.StringVar(&shape.Prefix, "prefix", "", "topic.prefix")
	fs.StringVar(&shape.DB, "db", "", "database")
	fs.StringVar(&shape.Schema, "schema", "public", "schema (postgresql)")
	fs.StringVar(&shape.Table, "table", "", "table")
	maxEvents := fs.Int("batch-events", connrt.DefaultBatching.MaxEvents, "records per transaction at most")
	maxBytes := fs.Int("batch-bytes", connrt.DefaultBatching.MaxBytes, "record bytes per transaction at most")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmpl, err := newRecordTemplate(shape, time.Now())
	if err != nil {
		return err
	}
	goOn := make(chan os.Signal, 1)
	stop := make(chan os.Signal, 1)
	notifyFloor(goOn, stop)
	cl, err := kgo.NewClient(floorProducerOptions(strings.Split(*brokers, ","), *topic)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := context.Background()
	var perr error
	promise := func(_ *kgo.Record, err error) {
		if err != nil && perr == nil {
			perr = err
		}
	}
	commit := func() error {
		if err := cl.Flush(ctx); err != nil {
			return err
		}
		if perr != nil {
			return perr
		}
		return cl.EndTransaction(ctx, kgo.TryCommit)
	}
	// One batch's records and bytes, reused once its transaction has
	// committed (Flush has returned every record by then).
	recs := make([]kgo.Record, *maxEvents)
	buf := make([]byte, 0, *maxBytes+tmpl.size(*total)+1024)
	var warm kgo.Record
	tmpl.appendRecord(nil, &warm, *total)
	if err := cl.BeginTransaction(); err != nil {
		return err
	}
	cl.Produce(ctx, &warm, promise)
	if err := commit(); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	<-goOn
	for id := 0; id < *total; {
		buf = buf[:0]
		if err := cl.BeginTransaction(); err != nil {
			return err
		}
		for i := 0; i < *maxEvents && id < *total && len(buf) < *maxBytes; i++ {
			buf = tmpl.appendRecord(buf, &recs[i], id)
			cl.Produce(ctx, &recs[i], promise)
			id++
		}
		if err := commit(); err != nil {
			return err
		}
	}
	select {
	case <-stop:
	case <-time.After(5 * time.Minute):
		return errors.New("no stop signal")
	}
	return nil
}
