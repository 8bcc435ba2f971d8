package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// signalSender writes the signals of POST /connectors/{name}/signals to
// their connector's signal topic (runtime.SupervisorOptions.SendSignal),
// with one idempotent producer made on first use. A missing topic is
// created with one partition (the signal channel reads partition 0, as
// Debezium's does) and the brokers' default replication.
type signalSender struct {
	brokers []string
	opts    []kgo.Opt
	adm     *kadm.Client

	mu sync.Mutex
	cl *kgo.Client
}

func (s *signalSender) send(ctx context.Context, topic string, key, value []byte) error {
	s.mu.Lock()
	if s.cl == nil {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner())}, s.opts...)...)
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("kafka client: %w", err)
		}
		s.cl = cl
	}
	cl := s.cl
	s.mu.Unlock()
	res, err := s.adm.CreateTopic(ctx, 1, -1, nil, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create signal topic %s: %w", topic, err)
	}
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: 0, Key: key, Value: value}).FirstErr()
}

// close closes the producer, if one was made.
func (s *signalSender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cl != nil {
		s.cl.Close()
	}
}
