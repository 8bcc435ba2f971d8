package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// consume prints the records of topics as a read_committed consumer sees
// them: one line per record, "key<TAB>value", with "null" for a tombstone.
func consume(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("kafka-brokers", env("SLUICE_KAFKA_BROKERS", "127.0.0.1:9092"), "comma-separated Kafka bootstrap servers (SLUICE_KAFKA_BROKERS)")
	workerPath := fs.String("worker-config", env("SLUICE_WORKER_CONFIG", ""), "a Kafka Connect worker properties file: its bootstrap.servers and consumer security settings (SLUICE_WORKER_CONFIG)")
	max := fs.Int("max", 0, "stop after this many records (0: no limit)")
	idle := fs.Duration("idle", 5*time.Second, "stop when no record arrived for this long (0: never)")
	showTopic := fs.Bool("topic", false, "print the topic before each record")
	afterMs := fs.Int64("after-ms", 0, "start at the first record with a timestamp at or after this epoch millisecond (0: from the start)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sluice consume [flags] TOPIC...\n\nPrints each record, from the start of each topic, as \"key<TAB>value\" (read_committed).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	start := kgo.NewOffset().AtStart()
	if *afterMs > 0 {
		start = kgo.NewOffset().AfterMilli(*afterMs)
	}
	var sec []kgo.Opt
	if *workerPath != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		w, err := workerconfig.Load(*workerPath, resolveWorkerConfig)
		if err == nil {
			sec, err = w.ClientOptions(workerconfig.Consumer)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sluice consume: %v\n", err)
			return 2
		}
		if b := w.Brokers(); len(b) > 0 && !set["kafka-brokers"] && os.Getenv("SLUICE_KAFKA_BROKERS") == "" {
			*brokers = strings.Join(b, ",")
		}
	}
	cl, err := kgo.NewClient(append(sec,
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ConsumeTopics(fs.Args()...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(start),
		// Notice a topic created after we started (the connector creates
		// its topics on first write).
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.MetadataMaxAge(time.Second),
	)...)
	if err != nil {
		fmt.Fprintf(stderr, "sluice consume: %v\n", err)
		return 1
	}
	defer cl.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// A refused login or certificate would otherwise look like an empty
	// topic: the client retries its metadata requests quietly.
	pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
	err = cl.Ping(pctx)
	pcancel()
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "sluice consume: Kafka at %s: %v (check --kafka-brokers and the worker config's security settings)\n", *brokers, err)
		return 1
	}
	n := 0
	last := time.Now()
	for {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if *idle > 0 {
			pctx, cancel = context.WithDeadline(ctx, last.Add(*idle))
		}
		fs := cl.PollFetches(pctx)
		expired := pctx.Err() != nil
		cancel()
		if ctx.Err() != nil || expired && fs.NumRecords() == 0 {
			return 0
		}
		var ferr error
		fs.EachError(func(t string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("topic %s: %w", t, err)
			}
		})
		if ferr != nil {
			fmt.Fprintf(stderr, "sluice consume: %v\n", ferr)
			return 1
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if done {
				return
			}
			last = time.Now()
			if *showTopic {
				fmt.Fprintf(stdout, "%s\t", r.Topic)
			}
			val := "null"
			if r.Value != nil {
				val = string(r.Value)
			}
			fmt.Fprintf(stdout, "%s\t%s\n", r.Key, val)
			n++
			if *max > 0 && n >= *max {
				done = true
			}
		})
		if done {
			return 0
		}
	}
}
