package runtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// TestSignalGoesToTheSignalTopic: POST /connectors/{name}/signals writes
// the signal to the connector's signal topic, keyed by topic.prefix, as
// its source's Kafka channel reads it.
func TestSignalGoesToTheSignalTopic(t *testing.T) {
	var sent []string
	s := NewSupervisor(SupervisorOptions{DataDir: t.TempDir(), Plugins: []Plugin{testPlugin(nil)},
		SendSignal: func(_ context.Context, topic string, key, value []byte) error {
			sent = append(sent, topic+" "+string(key)+" "+string(value))
			return nil
		}})
	ctx := context.Background()
	if _, err := s.Create(ctx, "c1", map[string]string{"connector.class": "test", "topic.prefix": "p1"}, "STOPPED"); err != nil {
		t.Fatal(err)
	}
	topic, err := s.Signal(ctx, "c1", rest.Signal{ID: "s1", Type: "log", Data: []byte(`{"message":"hi"}`)})
	if err != nil || topic != "p1-signals" {
		t.Fatalf("Signal = %q, %v", topic, err)
	}
	if want := `p1-signals p1 {"id":"s1","type":"log","data":{"message":"hi"}}`; len(sent) != 1 || sent[0] != want {
		t.Errorf("sent %q, want [%q]", sent, want)
	}
	_, err = s.Signal(ctx, "nope", rest.Signal{Type: "log"})
	if err == nil || !strings.Contains(err.Error(), "Connector nope not found") || !errors.Is(err, connerr.ErrNotFound) || rest.StatusOf(err) != http.StatusNotFound {
		t.Errorf("unknown connector: %v", err)
	}
}
