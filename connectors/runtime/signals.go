package runtime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// Signal serves POST /connectors/{name}/signals: it writes s to the
// connector's signal topic (signal.kafka.topic with the kafka channel on,
// else <topic.prefix>-signals) with the key topic.prefix, through
// SupervisorOptions.SendSignal. The connector's source reads that topic
// from the offset its checkpoint holds, so the signal runs once, as a
// signal of Debezium's kafka channel does (capture/signalchannels.go).
func (s *Supervisor) Signal(ctx context.Context, name string, sig rest.Signal) (string, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return "", err
	}
	stored, _ := m.configAndTarget()
	cfg := s.opts.Providers.Resolve(stored).Config
	prefix := cfg["topic.prefix"]
	sc, errs := capture.ParseSignalConfig(cfg, prefix, "namespace")
	if len(errs) > 0 || prefix == "" {
		return "", connerr.New(connerr.ErrBadRequest, "Connector %s has no valid signal topic: fix topic.prefix and the signal.* keys of its config", name)
	}
	if s.opts.SendSignal == nil {
		return "", connerr.New(connerr.ErrNotReady, "This worker has no Kafka to write signals to")
	}
	value, err := json.Marshal(sig)
	if err != nil {
		return "", err
	}
	if err := s.opts.SendSignal(ctx, sc.Topic, []byte(sc.Key), value); err != nil {
		return "", fmt.Errorf("write the signal to topic %s: %w", sc.Topic, err)
	}
	return sc.Topic, nil
}
