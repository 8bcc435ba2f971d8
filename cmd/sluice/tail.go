package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// tailOpts are the flags of 'sluice tail' (and of its alias consume).
type tailOpts struct {
	brokers        string
	workerPath     string
	fromBeginning  bool
	follow         bool
	format         string
	schemaRegistry string
	max            int
	idle           time.Duration
	showTopic      bool
	afterMs        int64
}

// newTailCmd is 'sluice tail', which 'sluice consume' is an alias of.
func newTailCmd(ce cliEnv) *cobra.Command {
	o := &tailOpts{}
	cmd := &cobra.Command{
		Use:     "tail [flags] TOPIC...",
		Aliases: []string{"consume"},
		Short:   "Print a topic's records as a read_committed consumer sees them",
		Long: `Print the records of Kafka topics as a read_committed consumer sees them (only
committed transactions), until no record came for --idle, or, with --follow, until
interrupted.

tail starts at the end of each topic (only new records) unless --from-beginning or
--after-ms is given; 'sluice consume', the older name, starts at the beginning and
prints "key<TAB>value" lines, as it always did.

--format text: "key<TAB>value" ("null" for a tombstone; --topic puts the topic first).
--format json: one JSON object per line: topic, partition, offset, timestamp (epoch ms),
  headers, key, value (a key or value that is JSON is embedded, other bytes are a string).
--format pretty: the same objects, indented.

--schema-registry URL decodes keys and values in the Confluent Avro wire format
(magic byte 0, 4-byte schema id) with the writer schema from GET URL/schemas/ids/{id},
and prints them as Avro JSON; credentials may go in the URL (http://user:pass@host).` + exitCodesHelp,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("%s wants at least one topic", c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			consume := c.CalledAs() == "consume"
			if !c.Flags().Changed("from-beginning") && consume {
				o.fromBeginning = true
			}
			if !c.Flags().Changed("format") && consume {
				o.format = "text"
			}
			switch o.format {
			case "text", "json", "pretty":
			default:
				return usageErr("--format %q: use text, json or pretty", o.format)
			}
			if o.follow {
				o.idle = 0
			}
			brokersSet := c.Flags().Changed("kafka-brokers")
			return tail(c.Context(), o, brokersSet, args, ce)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.brokers, "kafka-brokers", env("SLUICE_KAFKA_BROKERS", "127.0.0.1:9092"), "comma-separated Kafka bootstrap servers (SLUICE_KAFKA_BROKERS)")
	f.StringVar(&o.workerPath, "worker-config", env("SLUICE_WORKER_CONFIG", ""), "a Kafka Connect worker properties file: its bootstrap.servers and consumer security settings (SLUICE_WORKER_CONFIG)")
	f.BoolVar(&o.fromBeginning, "from-beginning", false, "start at the beginning of each topic (consume: the default)")
	f.BoolVarP(&o.follow, "follow", "F", false, "keep waiting for records until interrupted (no --idle)")
	f.StringVar(&o.format, "format", "json", "text, json or pretty (consume: text)")
	f.StringVar(&o.schemaRegistry, "schema-registry", env("SLUICE_SCHEMA_REGISTRY", ""), "decode Confluent wire-format Avro with this schema registry (SLUICE_SCHEMA_REGISTRY)")
	f.IntVar(&o.max, "max", 0, "stop after this many records (0: no limit)")
	f.DurationVar(&o.idle, "idle", 5*time.Second, "stop when no record arrived for this long (0: never)")
	f.BoolVar(&o.showTopic, "topic", false, "--format text: print the topic before each record")
	f.Int64Var(&o.afterMs, "after-ms", 0, "start at the first record with a timestamp at or after this epoch millisecond")
	return cmd
}

// tail consumes topics and prints their records.
func tail(ctx context.Context, o *tailOpts, brokersSet bool, topics []string, ce cliEnv) error {
	start := kgo.NewOffset().AtEnd()
	if o.fromBeginning {
		start = kgo.NewOffset().AtStart()
	}
	if o.afterMs > 0 {
		start = kgo.NewOffset().AfterMilli(o.afterMs)
	}
	var sec []kgo.Opt
	if o.workerPath != "" {
		w, err := workerconfig.Load(o.workerPath, resolveWorkerConfig)
		if err == nil {
			sec, err = w.ClientOptions(workerconfig.Consumer)
		}
		if err != nil {
			return usageErr("%v", err)
		}
		if b := w.Brokers(); len(b) > 0 && !brokersSet && os.Getenv("SLUICE_KAFKA_BROKERS") == "" {
			o.brokers = strings.Join(b, ",")
		}
	}
	var dec *avroDecoder
	if o.schemaRegistry != "" {
		u, err := url.Parse(o.schemaRegistry)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--schema-registry %q: give the registry's address, for example http://127.0.0.1:8081", o.schemaRegistry)
		}
		dec = newAvroDecoder(o.schemaRegistry)
	}
	cl, err := kgo.NewClient(append(sec,
		kgo.SeedBrokers(strings.Split(o.brokers, ",")...),
		kgo.ConsumeTopics(topics...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(start),
		// Notice a topic created after we started (the connector creates
		// its topics on first write).
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.MetadataMaxAge(time.Second),
	)...)
	if err != nil {
		return usageErr("kafka client: %v", err)
	}
	defer cl.Close()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// A refused login or certificate would otherwise look like an empty
	// topic: the client retries its metadata requests quietly.
	pctx, pcancel := context.WithTimeout(ctx, 15*time.Second)
	err = cl.Ping(pctx)
	pcancel()
	if err != nil && ctx.Err() == nil {
		// A refused login is Kafka's answer (exit 1, as consume always
		// exited); no answer at all is exit 3.
		code := exitUnreachable
		var ke *kerr.Error
		if errors.As(err, &ke) {
			code = exitAPI
		}
		return &exitError{code: code, err: fmt.Errorf("cannot read from Kafka at %s: %w (check --kafka-brokers and the worker config's security settings)", o.brokers, err)}
	}
	n := 0
	last := time.Now()
	for {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if o.idle > 0 {
			pctx, cancel = context.WithDeadline(ctx, last.Add(o.idle))
		}
		fs := cl.PollFetches(pctx)
		expired := pctx.Err() != nil
		cancel()
		if ctx.Err() != nil || expired && fs.NumRecords() == 0 {
			return nil
		}
		var ferr error
		fs.EachError(func(t string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("topic %s: %w", t, err)
			}
		})
		if ferr != nil {
			return &exitError{code: exitAPI, err: ferr}
		}
		for _, r := range fs.Records() {
			last = time.Now()
			if err := printRecord(ce.stdout, o, dec, r); err != nil {
				return err
			}
			n++
			if o.max > 0 && n >= o.max {
				return nil
			}
		}
	}
}

// printRecord prints one record in o.format.
func printRecord(w io.Writer, o *tailOpts, dec *avroDecoder, r *kgo.Record) error {
	key, err := dec.decode(r.Key)
	if err != nil {
		return fmt.Errorf("key of %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	val, err := dec.decode(r.Value)
	if err != nil {
		return fmt.Errorf("value of %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	if o.format == "text" {
		if o.showTopic {
			fmt.Fprintf(w, "%s\t", r.Topic)
		}
		v := "null"
		if r.Value != nil {
			v = string(val)
		}
		_, err := fmt.Fprintf(w, "%s\t%s\n", key, v)
		return err
	}
	headers := make(map[string]string, len(r.Headers))
	for _, h := range r.Headers {
		headers[h.Key] = string(h.Value)
	}
	rec := struct {
		Topic     string            `json:"topic"`
		Partition int32             `json:"partition"`
		Offset    int64             `json:"offset"`
		Timestamp int64             `json:"timestamp"`
		Headers   map[string]string `json:"headers,omitempty"`
		Key       json.RawMessage   `json:"key"`
		Value     json.RawMessage   `json:"value"`
	}{r.Topic, r.Partition, r.Offset, r.Timestamp.UnixMilli(), headers, jsonValue(r.Key, key), jsonValue(r.Value, val)}
	var b []byte
	if o.format == "pretty" {
		b, err = json.MarshalIndent(rec, "", "  ")
	} else {
		b, err = json.Marshal(rec)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// jsonValue is a key or value for the JSON formats: null for nil, the bytes
// when they are JSON (a JSON converter's, or decoded Avro), else a string.
func jsonValue(orig, b []byte) json.RawMessage {
	if orig == nil {
		return json.RawMessage("null")
	}
	if len(b) > 0 && json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// avroDecoder decodes the Confluent Avro wire format with writer schemas
// from a schema registry, cached by id. A nil decoder passes bytes through.
type avroDecoder struct {
	url     string
	hc      *http.Client
	schemas map[uint32]*avro.Schema
}

func newAvroDecoder(registry string) *avroDecoder {
	return &avroDecoder{url: strings.TrimRight(registry, "/"), hc: &http.Client{Timeout: 15 * time.Second}, schemas: map[uint32]*avro.Schema{}}
}

// decode returns b as Avro JSON when it is in the wire format (magic byte
// 0 and a schema id), else b as it is.
func (d *avroDecoder) decode(b []byte) ([]byte, error) {
	if d == nil || len(b) < 5 || b[0] != 0 {
		return b, nil
	}
	id := binary.BigEndian.Uint32(b[1:5])
	s, err := d.schema(id)
	if err != nil {
		return nil, err
	}
	var v any
	rest, err := s.Decode(b[5:], &v)
	if err != nil {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("decode Avro with schema %d: %w", id, err)}
	}
	if len(rest) != 0 {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("decode Avro with schema %d: %d bytes left after the datum", id, len(rest))}
	}
	out, err := s.EncodeJSON(v)
	if err != nil {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("encode Avro JSON of schema %d: %w", id, err)}
	}
	return out, nil
}

// schema returns the writer schema with id.
func (d *avroDecoder) schema(id uint32) (*avro.Schema, error) {
	if s, ok := d.schemas[id]; ok {
		return s, nil
	}
	u := d.url + "/schemas/ids/" + strconv.FormatUint(uint64(id), 10)
	resp, err := d.hc.Get(u)
	if err != nil {
		return nil, &exitError{code: exitUnreachable, err: fmt.Errorf("schema registry at %s: %w (check --schema-registry)", d.url, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, &exitError{code: exitUnreachable, err: fmt.Errorf("schema registry: GET /schemas/ids/%d: %w", id, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("schema registry: GET /schemas/ids/%d: %s", id, decodeAPIError(resp, body).Error())}
	}
	var sr struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(body, &sr); err != nil {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("schema registry: GET /schemas/ids/%d: %w", id, err)}
	}
	s, err := avro.Parse(sr.Schema)
	if err != nil {
		return nil, &exitError{code: exitAPI, err: fmt.Errorf("schema registry: schema %d: %w", id, err)}
	}
	d.schemas[id] = s
	return s, nil
}
