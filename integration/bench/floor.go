package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/sinks/kafka"
)

// toolFloor is the live-latency floor: Kafka alone, with sluice's producer
// settings and commit policy, at the same rate; no database and no
// decoding. It is the limit column of the latency table.
const toolFloor = "kafka-floor"

// latencyFloor runs the floor as a subprocess (so its CPU and RSS are its
// own) against the same consumer as the pipelines.
func (b *bench) latencyFloor(ctx context.Context, sc scenario, run int) error {
	topic := fmt.Sprintf("sluice_bench_%s_%d_latency_floor", b.o.id, run)
	total := int(float64(b.o.rate) * b.o.duration.Seconds())
	total -= total % b.o.latTxn
	if total < b.o.latTxn {
		total = b.o.latTxn
	}
	fr, err := b.runFloor(ctx, topic, total, 2*time.Minute, "kafkafloor",
		"-rate", strconv.Itoa(b.o.rate), "-txn-rows", strconv.Itoa(b.o.latTxn))
	if err != nil {
		return err
	}
	gen, err := time.ParseDuration(strings.TrimSpace(fr.stdout))
	if err != nil {
		gen = fr.wall
	}
	lat := fr.latencies
	if len(lat) != total {
		return fmt.Errorf("kafka floor: %d latencies for %d rows", len(lat), total)
	}
	slices.Sort(lat)
	m := measure{Wall: gen, Usage: fr.usage, Records: total,
		P50: lat[percentileIndex(len(lat), 50)], P99: lat[percentileIndex(len(lat), 99)], Max: lat[len(lat)-1],
		Rate: float64(total) / gen.Seconds()}
	b.logf("%s run %d: %-8s %d rows at %.0f rows/s: p50 %s  p99 %s  max %s  cpu %.2fs  rss %.0f MiB",
		sc.name, run+1, toolFloor, total, m.Rate, m.P50.Round(time.Microsecond*100), m.P99.Round(time.Microsecond*100),
		m.Max.Round(time.Millisecond), fr.usage.CPU.Seconds(), float64(fr.usage.PeakRSS)/(1<<20))
	b.add(sc.name, toolFloor, m)
	return nil
}

// floorRun is what one floor subprocess did: the time from the word to go
// until the consumer had the last row, its CPU and RSS up to then, what it
// printed, and the consumer's latencies and record bytes.
type floorRun struct {
	wall      time.Duration
	usage     usage
	stdout    string
	latencies []time.Duration
	bytes     int64
}

// runFloor runs this program in mode (kafkafloor or kafkawrite) with args,
// writing total rows to a fresh topic, and measures it with the same
// read_committed consumer as the pipelines. The subprocess writes a
// warm-up record (its producer is initialised and the topic known), waits
// for the word to go (sigGo), writes the rows, and waits for sigStop before
// it exits, so that its CPU and RSS can be read first.
func (b *bench) runFloor(ctx context.Context, topic string, total int, timeout time.Duration, mode string, args ...string) (floorRun, error) {
	b.topics = append(b.topics, topic)
	if err := createTopic(ctx, b.o.brokers, topic); err != nil {
		return floorRun{}, err
	}
	c, err := startCounter(ctx, b.o.brokers, topic, total)
	if err != nil {
		return floorRun{}, err
	}
	defer c.cl.Close()
	self, err := os.Executable()
	if err != nil {
		return floorRun{}, err
	}
	var stdout, stderr bytes.Buffer
	args = append([]string{mode, "-brokers", strings.Join(b.o.brokers, ","), "-topic", topic, "-total", strconv.Itoa(total)}, args...)
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return floorRun{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-c.warm:
	case err := <-exited:
		return floorRun{}, fmt.Errorf("kafka floor exited early: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		return floorRun{}, fmt.Errorf("kafka floor: warm-up record did not arrive: %s", c.progress())
	}
	if err := cmd.Process.Signal(sigGo); err != nil {
		return floorRun{}, err
	}
	t0 := time.Now()
	if err := b.waitDelivered(ctx, c, func() error { return nil }, timeout); err != nil {
		_ = cmd.Process.Kill()
		return floorRun{}, err
	}
	fr := floorRun{wall: c.last.Sub(t0)}
	if fr.usage, err = procUsage(cmd.Process.Pid); err != nil {
		return floorRun{}, err
	}
	_ = cmd.Process.Signal(sigStop)
	if err := <-exited; err != nil {
		return floorRun{}, fmt.Errorf("kafka floor: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	if _, err := c.finish(time.Second); err != nil {
		return floorRun{}, err
	}
	fr.stdout = stdout.String()
	fr.latencies = slices.Clone(c.latencies)
	fr.bytes = c.bytes
	return fr, nil
}

// kafkaFloor is the write limit of a drain or a snapshot: rows records
// shaped like sluice's records of the run's table (see recordShape),
// encoded before the clock starts, produced with sluice's producer settings
// in transactions of sluice's default batch (sluice.batch.max.events and
// sluice.batch.max.bytes), with no database. It runs as a subprocess
// (kafkawrite mode) and is timed like the pipelines: from the word to go
// until the read_committed consumer has the last row.
func (b *bench) kafkaFloor(ctx context.Context, topic string, rows int, shape recordShape) (measure, error) {
	fr, err := b.runFloor(ctx, topic, rows, b.drainTimeout(), "kafkawrite",
		"-connector", shape.Connector, "-op", shape.Op, "-prefix", shape.Prefix, "-db", shape.DB,
		"-schema", shape.Schema, "-table", shape.Table)
	if err != nil {
		return measure{}, err
	}
	return measure{Wall: fr.wall, Usage: fr.usage, Records: rows, Bytes: fr.bytes}, nil
}

// floorMain is the kafkafloor mode: a generator stamps txn-rows records at
// rate rows/s into a queue, and a committer takes them as sluice's task loop
// does: records go into the open transaction as they come, and the
// transaction commits whenever the queue is empty. The producer has sluice's
// settings (sinks/kafka): acks=all, snappy, linger 10 ms, classic
// transactions, 1 ms concurrent-transactions backoff. Records look like
// sluice's (key {"id":N}, a JSON value with stamp_ns and ~100 bytes of
// payload) so the bench's consumer counts them the same way.
func floorMain(args []string) error {
	fs := flag.NewFlagSet("kafkafloor", flag.ContinueOnError)
	brokers := fs.String("brokers", "", "bootstrap servers")
	topic := fs.String("topic", "", "topic")
	rate := fs.Int("rate", 10000, "rows per second")
	txnRows := fs.Int("txn-rows", 10, "rows per source transaction")
	total := fs.Int("total", 0, "rows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	goOn := make(chan os.Signal, 1)
	stop := make(chan os.Signal, 1)
	notifyFloor(goOn, stop)
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...), kgo.TransactionalID(*topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(10*time.Millisecond), kgo.MaxVersions(kafka.ClassicTransactions()),
		kgo.ConcurrentTransactionsBackoff(time.Millisecond), kgo.DefaultProduceTopic(*topic))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := context.Background()
	payload := strings.Repeat("x", 100)
	record := func(id int, stamp int64) *kgo.Record {
		return &kgo.Record{Key: []byte(`{"id":` + strconv.Itoa(id) + `}`),
			Value: []byte(`{"before":null,"after":{"id":` + strconv.Itoa(id) + `,"stamp_ns":` + strconv.FormatInt(stamp, 10) +
				`,"payload":"` + payload + `"},"op":"c"}`)}
	}
	commit := func() error {
		if err := cl.Flush(ctx); err != nil {
			return err
		}
		return cl.EndTransaction(ctx, kgo.TryCommit)
	}
	if err := cl.BeginTransaction(); err != nil {
		return err
	}
	cl.Produce(ctx, record(*total, 0), nil)
	if err := commit(); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	<-goOn

	type row struct {
		id    int
		stamp int64
	}
	q := make(chan row, *total+1)
	t0 := time.Now()
	genDone := make(chan time.Duration, 1)
	go func() {
		interval := time.Duration(float64(time.Second) * float64(*txnRows) / float64(*rate))
		for i := 0; i < *total; i += *txnRows {
			if d := time.Until(t0.Add(time.Duration(i / *txnRows) * interval)); d > 0 {
				time.Sleep(d)
			}
			now := time.Now().UnixNano()
			for j := i; j < i+*txnRows && j < *total; j++ {
				q <- row{j, now}
			}
		}
		genDone <- time.Since(t0)
		close(q)
	}()
	open := false
	var perr error
	for r := range q {
		if !open {
			if err := cl.BeginTransaction(); err != nil {
				return err
			}
			open = true
		}
		cl.Produce(ctx, record(r.id, r.stamp), func(_ *kgo.Record, err error) {
			if err != nil && perr == nil {
				perr = err
			}
		})
		if len(q) == 0 {
			if err := commit(); err != nil {
				return err
			}
			open = false
		}
	}
	if open {
		if err := commit(); err != nil {
			return err
		}
	}
	if perr != nil {
		return perr
	}
	fmt.Println(<-genDone)
	select {
	case <-stop:
	case <-time.After(5 * time.Minute):
		return errors.New("no stop signal")
	}
	return nil
}
