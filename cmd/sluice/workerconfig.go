package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/sluicecdc/sluice/internal/configprovider"
	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// resolveWorkerConfig resolves config provider placeholders (${file:...},
// ${directory:...}, ${env:...}) in the worker file before any key is used.
// nil: none are resolved (a placeholder of a provider named in
// config.providers is then an error). The config providers connect here;
// the resolved values go to the scrubber (workerconfig.Config.Secrets).
var resolveWorkerConfig workerconfig.Resolver = func(props map[string]string) (map[string]string, []string, error) {
	if strings.TrimSpace(props["config.providers"]) == "" {
		return props, nil, nil
	}
	r, err := configprovider.FromWorker(props)
	if err != nil {
		return nil, nil, err
	}
	res := r.Resolve(props)
	return res.Config, res.Secrets, res.Err()
}

// applyWorkerKafka reads the worker file at path and takes from it what no flag
// (set) or SLUICE_* variable already gave: bootstrap.servers,
// offset.storage.topic, the converters' schemas.enable; then the Kafka
// clients' security options. The REST keys (workerconfig.RESTKeys) are left
// in c.worker.Props for the REST options.
func (c *serveConfig) applyWorkerKafka(path string, set map[string]bool, schemasEnable *string) error {
	w, err := workerconfig.Load(path, resolveWorkerConfig)
	if err != nil {
		return err
	}
	c.worker = w
	given := func(flagName, envName string) bool {
		return set[flagName] || os.Getenv(envName) != ""
	}
	if b := w.Brokers(); len(b) > 0 && !given("kafka-brokers", "SLUICE_KAFKA_BROKERS") {
		c.brokers = strings.Join(b, ",")
	}
	if t := strings.TrimSpace(w.Props["offset.storage.topic"]); t != "" && !given("offsets-topic", "SLUICE_OFFSETS_TOPIC") {
		c.offsetsTopic = t
	}
	c.group.applyWorker(w.Props, given)
	if !given("converter-schemas-enable", "SLUICE_CONVERTER_SCHEMAS_ENABLE") {
		k, kok := w.Props["key.converter.schemas.enable"]
		v, vok := w.Props["value.converter.schemas.enable"]
		switch {
		case kok && vok && !strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(v)):
			return fmt.Errorf("worker config %s: key.converter.schemas.enable=%s and value.converter.schemas.enable=%s differ; sluice's worker default is one setting: make them equal, or set it per connector", path, k, v)
		case vok:
			*schemasEnable = v
		case kok:
			*schemasEnable = k
		}
	}
	for _, k := range []string{"key.converter", "value.converter"} {
		if v := strings.TrimSpace(w.Props[k]); v != "" && v != "org.apache.kafka.connect.json.JsonConverter" {
			return fmt.Errorf("worker config %s: %s=%s: sluice's worker default is the JsonConverter; remove it and name the converter in each connector's config (io.confluent.connect.avro.AvroConverter works there)", path, k, v)
		}
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("worker config %s: %w", path, err)
	}
	// Validate checked every client, so these do not fail.
	c.kafka.producer, _ = w.ClientOptions(workerconfig.Producer)
	c.kafka.consumer, _ = w.ClientOptions(workerconfig.Consumer)
	c.kafka.admin, _ = w.ClientOptions(workerconfig.Admin)
	return nil
}
