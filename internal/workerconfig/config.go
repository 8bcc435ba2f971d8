package workerconfig

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Resolver resolves config provider placeholders (${file:...}, ${env:...})
// in the worker properties before they are used, and returns the values
// they resolved to (secrets, to be kept out of every output). The config
// providers themselves live elsewhere; cmd/sluice connects them.
type Resolver func(map[string]string) (props map[string]string, resolved []string, err error)

// Role is one of sluice's Kafka clients; the worker file's "producer.",
// "consumer." and "admin." prefixes override the plain keys for it.
type Role string

// sluice's Kafka clients.
const (
	// Producer is each connector's transactional producer (and the topic
	// creation it does on the same connection).
	Producer Role = "producer"
	// Consumer is the offsets store's read_committed reader.
	Consumer Role = "consumer"
	// Admin is the daemon's admin client: the offsets topic at start, the
	// cluster id.
	Admin Role = "admin"
)

// Config is a parsed worker properties file.
type Config struct {
	// Path is the file read, "" when parsed from text.
	Path string
	// Props are the file's keys and values, config providers resolved.
	Props map[string]string
	// resolved are the values the file's placeholders resolved to.
	resolved []string
}

// Load reads and parses the worker properties file at path, then resolves
// its config provider placeholders with resolve (nil: none are resolved).
func Load(path string, resolve Resolver) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("worker config: %w: give a readable Kafka Connect worker properties file to --worker-config (SLUICE_WORKER_CONFIG)", err)
	}
	c, err := Parse(string(data), resolve)
	if err != nil {
		return nil, fmt.Errorf("worker config %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// placeholder matches a config provider reference ${provider:...}.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_.-]+):`)

// Parse parses worker properties text (see Load).
func Parse(text string, resolve Resolver) (*Config, error) {
	props, err := ParseProperties(text)
	if err != nil {
		return nil, err
	}
	var resolved []string
	if resolve != nil {
		if props, resolved, err = resolve(props); err != nil {
			return nil, err
		}
	} else if names := strings.TrimSpace(props["config.providers"]); names != "" {
		for _, n := range strings.Split(names, ",") {
			for k, v := range props {
				for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
					if m[1] == strings.TrimSpace(n) {
						return nil, fmt.Errorf("%s uses the config provider %q, which this build of sluice cannot resolve: write the value itself", k, m[1])
					}
				}
			}
		}
	}
	return &Config{Props: props, resolved: resolved}, nil
}

// Brokers returns bootstrap.servers, or nil when the file has none.
func (c *Config) Brokers() []string {
	var out []string
	for _, s := range strings.Split(c.Props["bootstrap.servers"], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clientKeys are the Kafka client keys sluice honours, plain or under a
// client prefix.
var clientKeys = map[string]bool{
	"security.protocol":                                 true,
	"sasl.mechanism":                                    true,
	"sasl.jaas.config":                                  true,
	"sasl.oauthbearer.token.endpoint.url":               true,
	"sasl.oauthbearer.client.credentials.client.id":     true,
	"sasl.oauthbearer.client.credentials.client.secret": true,
	"sasl.oauthbearer.scope":                            true,
	"sasl.login.callback.handler.class":                 true,
	"ssl.truststore.location":                           true,
	"ssl.truststore.password":                           true,
	"ssl.truststore.type":                               true,
	"ssl.truststore.certificates":                       true,
	"ssl.keystore.location":                             true,
	"ssl.keystore.password":                             true,
	"ssl.keystore.type":                                 true,
	"ssl.keystore.certificate.chain":                    true,
	"ssl.keystore.key":                                  true,
	"ssl.key.password":                                  true,
	"ssl.endpoint.identification.algorithm":             true,
	"ssl.enabled.protocols":                             true,
	"ssl.protocol":                                      true,
	"client.id":                                         true,
}

// workerKeys are keys cmd/sluice honours itself.
var workerKeys = map[string]string{
	"bootstrap.servers":              "--kafka-brokers",
	"offset.storage.topic":           "--offsets-topic",
	"key.converter.schemas.enable":   "--converter-schemas-enable",
	"value.converter.schemas.enable": "--converter-schemas-enable",
	"key.converter":                  "JsonConverter only (Avro per connector)",
	"value.converter":                "JsonConverter only (Avro per connector)",
	"config.providers":               "config providers",
	// Distributed mode (cmd/sluice/distributed.go).
	"group.id":                          "--group-id",
	"config.storage.topic":              "--config-topic",
	"config.storage.replication.factor": "distributed mode",
	"status.storage.topic":              "--status-topic",
	"status.storage.replication.factor": "distributed mode",
	"session.timeout.ms":                "distributed mode",
	"heartbeat.interval.ms":             "distributed mode",
	"rebalance.timeout.ms":              "distributed mode",
}

// ---------------------------------------------------------------------
// REST keys: handled by the REST options (the lead connects these to the
// REST listener's TLS and authentication). Keys listed here, or starting
// with one of RESTPrefixes, are never reported as unhonoured by Notices.
// ---------------------------------------------------------------------

// RESTKeys are the worker keys of the REST listener.
var RESTKeys = []string{
	"listeners", "admin.listeners", "rest.advertised.host.name", "rest.advertised.port",
	"rest.advertised.listener", "rest.extension.classes", "rest.host.name", "rest.port",
	"access.control.allow.origin", "access.control.allow.methods", "response.http.headers.config",
	"ssl.client.auth",
}

// RESTPrefixes start the per-listener REST keys (listeners.https.ssl.*).
var RESTPrefixes = []string{"listeners.https.", "admin.listeners.https."}

// IsRESTKey reports whether k belongs to the REST options.
func IsRESTKey(k string) bool {
	for _, r := range RESTKeys {
		if k == r {
			return true
		}
	}
	for _, p := range RESTPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// notApplicable are Kafka Connect worker keys that cannot mean anything in
// sluice, with the reason.
var notApplicable = map[string]string{
	"status.storage.partitions":               "the status topic is created with 5 partitions, as Kafka Connect's default",
	"offset.storage.replication.factor":       "the offsets topic takes the broker's default replication factor",
	"offset.storage.partitions":               "the offsets topic has one partition (a connector's checkpoint is one key)",
	"offset.storage.file.filename":            "checkpoints are kept in the Kafka offsets topic (--offsets-topic), in the same transaction as the records",
	"offset.flush.interval.ms":                "checkpoints are committed in each Kafka transaction, not flushed on a timer",
	"offset.flush.timeout.ms":                 "checkpoints are committed in each Kafka transaction, not flushed on a timer",
	"plugin.path":                             "sluice's connectors are built in",
	"plugin.discovery":                        "sluice's connectors are built in",
	"exactly.once.source.support":             "sluice always writes records and checkpoints in one Kafka transaction",
	"internal.key.converter":                  "removed from Kafka Connect; sluice's checkpoints have their own format",
	"internal.value.converter":                "removed from Kafka Connect; sluice's checkpoints have their own format",
	"task.shutdown.graceful.timeout.ms":       "use --shutdown-timeout",
	"connector.client.config.override.policy": "connectors' producer.override.* keys are always allowed",
	"topic.creation.enable":                   "topics are always created by the connector (topic.creation.* in the connector config)",
	"metric.reporters":                        "metrics are served at GET /metrics (Prometheus)",
}

// Notices names every key of the file that sluice does not honour, with the
// reason, sorted. REST keys are not in it (the REST options own them).
func (c *Config) Notices() []string {
	var out []string
	for k := range c.Props {
		if reason := c.notice(k); reason != "" {
			out = append(out, k+": "+reason)
		}
	}
	sort.Strings(out)
	return out
}

func (c *Config) notice(k string) string {
	if IsRESTKey(k) || clientKeys[k] {
		return ""
	}
	if _, ok := workerKeys[k]; ok {
		return ""
	}
	if strings.HasPrefix(k, "config.providers.") {
		return ""
	}
	if r, ok := notApplicable[k]; ok {
		return "not honoured: " + r
	}
	for _, role := range []Role{Producer, Consumer, Admin} {
		if rest, ok := strings.CutPrefix(k, string(role)+"."); ok {
			if clientKeys[rest] {
				return ""
			}
			if rest == "bootstrap.servers" {
				return "not honoured: sluice's clients share bootstrap.servers"
			}
			if role == Producer {
				return "not honoured: sluice tunes its transactional producer itself; set producer.override." + rest + " in a connector's config where sluice supports it"
			}
			return "not honoured: sluice sets only the security keys and client.id of its " + string(role) + " client"
		}
	}
	if strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.") {
		return "not honoured: this SASL/TLS setting is not supported by sluice's Kafka client"
	}
	return "not honoured: unknown to sluice"
}

// clientProps returns the Kafka client keys of role: the plain keys, then
// the role's prefixed keys over them.
func (c *Config) clientProps(role Role) map[string]string {
	out := map[string]string{}
	for k, v := range c.Props {
		if clientKeys[k] {
			out[k] = v
		}
	}
	for k, v := range c.Props {
		if rest, ok := strings.CutPrefix(k, string(role)+"."); ok && clientKeys[rest] {
			out[rest] = v
		}
	}
	return out
}

// ClientOptions returns the franz-go options of role's client: TLS, SASL
// and client.id (not the seed brokers). An error names the key to fix.
func (c *Config) ClientOptions(role Role) ([]kgo.Opt, error) {
	p := c.clientProps(role)
	var opts []kgo.Opt
	if id := strings.TrimSpace(p["client.id"]); id != "" {
		opts = append(opts, kgo.ClientID(id))
	}
	proto := strings.ToUpper(strings.TrimSpace(p["security.protocol"]))
	if proto == "" {
		proto = "PLAINTEXT"
	}
	useTLS, useSASL := false, false
	switch proto {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		return nil, fmt.Errorf("security.protocol=%s: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", proto)
	}
	if v := strings.TrimSpace(p["ssl.protocol"]); v != "" && v != "TLS" && v != "TLSv1.2" && v != "TLSv1.3" {
		return nil, fmt.Errorf("ssl.protocol=%s: use TLSv1.3, TLSv1.2 or TLS", v)
	}
	if h := strings.TrimSpace(p["sasl.login.callback.handler.class"]); h != "" && !strings.HasSuffix(h, ".OAuthBearerLoginCallbackHandler") {
		return nil, fmt.Errorf("sasl.login.callback.handler.class=%s: sluice has only the OAuthBearerLoginCallbackHandler (client credentials from sasl.oauthbearer.token.endpoint.url)", h)
	}
	var errs []error
	if useTLS {
		t, err := tlsConfig(p)
		if err != nil {
			errs = append(errs, err)
		} else {
			opts = append(opts, kgo.DialTLSConfig(t))
		}
	}
	if useSASL {
		m, err := saslMechanism(p)
		if err != nil {
			errs = append(errs, err)
		} else {
			opts = append(opts, kgo.SASL(m))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s client: %w", role, err)
	}
	return opts, nil
}

// Validate builds the options of every client and returns every problem.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, r := range []Role{Admin, Producer, Consumer} {
		if _, err := c.ClientOptions(r); err != nil {
			// The same plain key fails the same way for each client.
			msg := strings.TrimPrefix(err.Error(), string(r)+" client: ")
			if !seen[msg] {
				seen[msg] = true
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
