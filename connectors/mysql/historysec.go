package mysql

import (
	"errors"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/internal/workerconfig"
)

// The schema history client's Kafka security (issue 14): Debezium's
// schema.history.internal.producer.* and schema.history.internal.consumer.*
// pass-through keys, for a history topic on a Kafka that needs TLS or SASL.
// sluice's history client reads the history and creates its topic (the
// records themselves go through the connector's transactional producer,
// configured by the worker file), so it takes the consumer's keys, falling
// back to the producer's.

// historyClientKeys are the Kafka client keys honoured under each prefix.
var historyClientKeys = []string{
	"security.protocol", "sasl.mechanism", "sasl.jaas.config",
	"sasl.oauthbearer.token.endpoint.url", "sasl.login.callback.handler.class",
	"ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
	"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type",
	"ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.key.password",
	"ssl.endpoint.identification.algorithm", "ssl.enabled.protocols", "ssl.protocol",
}

// historyPrefixes are the prefixes, the later one winning.
var historyPrefixes = []string{"schema.history.internal.producer.", "schema.history.internal.consumer."}

// historySecretKeys are the client keys whose values are secrets.
var historySecretKeys = map[string]bool{
	"sasl.jaas.config": true, "ssl.truststore.password": true, "ssl.keystore.password": true,
	"ssl.key.password": true, "ssl.keystore.key": true,
}

func init() {
	for _, p := range historyPrefixes {
		for _, k := range historyClientKeys {
			ConfigKeys = append(ConfigKeys, p+k)
			if historySecretKeys[k] {
				PasswordKeys = append(PasswordKeys, p+k)
			}
		}
	}
}

// historySecurityDefs are the keys' definitions for validate.
func historySecurityDefs() []cd.Key {
	var out []cd.Key
	order := 20
	for _, p := range historyPrefixes {
		client := strings.TrimSuffix(strings.TrimPrefix(p, "schema.history.internal."), ".")
		for _, k := range historyClientKeys {
			typ := cd.String
			if historySecretKeys[k] {
				typ = cd.Password
			}
			order++
			out = append(out, cd.Key{Name: p + k, Type: typ, Importance: cd.Low, Group: "History Storage", Order: order, Width: cd.WidthMedium,
				Display: "Schema history " + client + " " + k,
				Doc:     "The Kafka client setting " + k + " of the schema history client, for a history topic on a Kafka that needs TLS or SASL (docs/security.md); the consumer's keys win over the producer's."})
		}
	}
	return out
}

// historySecurity reads those keys into c.HistoryClientProps. As in
// Debezium, they are checked when the history client is made (a task
// starts), not when the connector is registered.
func historySecurity(c *Config, m map[string]string) {
	props := map[string]string{}
	for _, p := range historyPrefixes {
		for _, k := range historyClientKeys {
			if v, ok := m[p+k]; ok {
				props[k] = v
			}
		}
	}
	if len(props) > 0 {
		c.HistoryClientProps = props
	}
}

// historyClientOpts returns the history client's TLS/SASL options.
func historyClientOpts(c *Config) ([]kgo.Opt, error) {
	if len(c.HistoryClientProps) == 0 {
		return nil, nil
	}
	w := &workerconfig.Config{Props: c.HistoryClientProps}
	opts, err := w.ClientOptions(workerconfig.Consumer)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "consumer client: "))
	}
	return opts, nil
}
