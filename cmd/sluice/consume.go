package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// consume prints the records of topics as a read_committed consumer sees
// them: one line per record, "key<TAB>value", with "null" for a tombstone.
func consume(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("kafka-brokers", env("SLUICE_KAFKA_BROKERS", "127.0.0.1:9092"), "comma-separated Kafka bootstrap servers (SLUICE_KAFKA_BROKERS)")
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
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(*brokers, ",")...),
		kgo.ConsumeTopics(fs.Args()...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(start),
		// Notice a topic created after we started (the connector creates
		// its topics on first write).
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.MetadataMaxAge(time.Second),
	)
	if err != nil {
		fmt.Fprintf(stderr, "sluice consume: %v\n", err)
		return 1
	}
	defer cl.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
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
