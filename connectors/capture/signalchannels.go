package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// KafkaClient is how sluice reaches its own Kafka: the seed brokers and the
// worker file's client options (TLS, SASL). The signal channel uses it when
// signal.kafka.bootstrap.servers is not set.
type KafkaClient struct {
	Brokers []string
	Opts    []kgo.Opt
	// Reader, when set, reads the signal topics of the connectors that use
	// these brokers and options, through one client for the daemon.
	Reader *SignalReader
}

// KafkaSignal is a signal read from the signal topic with its offset.
type KafkaSignal struct {
	Signal
	Offset int64
}

// KafkaChannel reads the signal topic's partition 0 (Debezium's
// KafkaSignalChannel reads only it) with read_committed, from the offset
// the connector's checkpoint holds: sluice commits no consumer group
// offsets, so a signal counts as read once the checkpoint past it is
// committed, in the same Kafka transaction as the signal's effect. A
// record whose key is not the connector's topic.prefix, or whose value is
// not a signal, is logged and skipped.
type KafkaChannel struct {
	sub    *signalSub // through the daemon's SignalReader; the rest is unset
	cl     *kgo.Client
	out    chan KafkaSignal
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// signalQueue bounds the signals read ahead of the producer goroutine.
const signalQueue = 64

// OpenKafkaChannel starts reading cfg.Topic at offset from. wake, when not
// nil, is called after each signal is queued, so that a source idle in a
// read can come to take it between transactions. Without the kafka
// channel and without sluice's own Kafka (a source run on its own, as in
// tests) there is nothing to read: it returns nil.
func OpenKafkaChannel(ctx context.Context, cfg SignalConfig, own KafkaClient, from int64, log *slog.Logger, wake func()) (*KafkaChannel, error) {
	brokers, opts := own.Brokers, own.Opts
	if len(cfg.Brokers) > 0 {
		brokers, opts = cfg.Brokers, nil
	}
	if len(brokers) == 0 && !cfg.Kafka {
		return nil, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if own.Reader != nil && len(cfg.Brokers) == 0 && len(cfg.ConsumerProps) == 0 {
		// signal.kafka.poll.timeout.ms only bounds how long an empty fetch
		// waits; a signal is returned as soon as it is written either way.
		sub, ok, err := own.Reader.subscribe(cfg, from, log, wake)
		if err != nil {
			return nil, fmt.Errorf("signal channel on topic %q: %w", cfg.Topic, err)
		}
		if ok {
			log.Info("reading signals", "topic", cfg.Topic, "offset", from, "shared_client", true)
			return &KafkaChannel{sub: sub}, nil
		}
	}
	if len(cfg.ConsumerProps) > 0 {
		w := &workerconfig.Config{Props: cfg.ConsumerProps}
		o, err := w.ClientOptions(workerconfig.Consumer)
		if err != nil {
			return nil, fmt.Errorf("signal.consumer.*: %w", err)
		}
		opts = append(append([]kgo.Opt(nil), opts...), o...)
	}
	if len(brokers) == 0 {
		return nil, errors.New("signal channel: no Kafka brokers; set signal.kafka.bootstrap.servers")
	}
	all := append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: {0: kgo.NewOffset().At(from)}}),
	}, opts...)
	if cfg.PollTimeout > 0 {
		all = append(all, kgo.FetchMaxWait(cfg.PollTimeout))
	}
	cl, err := kgo.NewClient(all...)
	if err != nil {
		return nil, fmt.Errorf("signal channel on topic %q: %w", cfg.Topic, err)
	}
	log.Info("reading signals", "topic", cfg.Topic, "offset", from)
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k := &KafkaChannel{cl: cl, out: make(chan KafkaSignal, signalQueue), cancel: cancel}
	k.wg.Add(1)
	go k.read(ctx, cfg, log, wake)
	return k, nil
}

// read polls the topic until ctx ends, queueing each signal.
func (k *KafkaChannel) read(ctx context.Context, cfg SignalConfig, log *slog.Logger, wake func()) {
	defer k.wg.Done()
	for {
		fs := k.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			log.Warn("reading the signal topic failed; retrying", "topic", t, "partition", p, "err", err)
		})
		for it := fs.RecordIter(); !it.Done(); {
			s, ok := signalOf(it.Next(), cfg, log)
			if !ok {
				continue
			}
			select {
			case k.out <- s:
			case <-ctx.Done():
				return
			}
			if wake != nil {
				wake()
			}
		}
	}
}

// signalOf returns the signal record r holds for the connector cfg
// belongs to: ok is false for another connector's record (logged), a
// tombstone, or a value that is not a signal (logged).
func signalOf(r *kgo.Record, cfg SignalConfig, log *slog.Logger) (_ KafkaSignal, ok bool) {
	if string(r.Key) != cfg.Key {
		log.Info("signal key does not match the connector's topic.prefix; record ignored", "key", string(r.Key), "topic.prefix", cfg.Key, "offset", r.Offset)
		return KafkaSignal{}, false
	}
	if len(r.Value) == 0 {
		return KafkaSignal{}, false
	}
	s, err := ParseSignal(r.Value, SignalChannelKafka)
	if err != nil {
		log.Warn("signal record skipped", "offset", r.Offset, "err", err)
		return KafkaSignal{}, false
	}
	return KafkaSignal{Signal: s, Offset: r.Offset}, true
}

// Poll returns the next signal read, without waiting.
func (k *KafkaChannel) Poll() (KafkaSignal, bool) {
	if k.sub != nil {
		return k.sub.poll()
	}
	select {
	case s := <-k.out:
		return s, true
	default:
		return KafkaSignal{}, false
	}
}

// Close stops reading and waits for the reader.
func (k *KafkaChannel) Close() {
	if k.sub != nil {
		k.sub.r.unsubscribe(k.sub)
		return
	}
	k.cancel()
	k.wg.Wait()
	k.cl.Close()
}
