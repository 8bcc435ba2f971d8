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
	if log == nil {
		log = slog.New(slog.DiscardHandler)
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
			r := it.Next()
			if string(r.Key) != cfg.Key {
				log.Info("signal key does not match the connector's topic.prefix; record ignored", "key", string(r.Key), "topic.prefix", cfg.Key, "offset", r.Offset)
				continue
			}
			if len(r.Value) == 0 {
				continue
			}
			s, err := ParseSignal(r.Value, SignalChannelKafka)
			if err != nil {
				log.Warn("signal record skipped", "offset", r.Offset, "err", err)
				continue
			}
			select {
			case k.out <- KafkaSignal{Signal: s, Offset: r.Offset}:
			case <-ctx.Done():
				return
			}
			if wake != nil {
				wake()
			}
		}
	}
}

// Poll returns the next signal read, without waiting.
func (k *KafkaChannel) Poll() (KafkaSignal, bool) {
	select {
	case s := <-k.out:
		return s, true
	default:
		return KafkaSignal{}, false
	}
}

// Close stops reading and waits for the reader.
func (k *KafkaChannel) Close() {
	k.cancel()
	k.wg.Wait()
	k.cl.Close()
}
