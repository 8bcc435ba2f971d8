package runtime

import (
	"errors"
	"fmt"
	"github.com/sluicecdc/sluice/connectors/change"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/schema"
)

// Plugin is a connector class the daemon can run.
type Plugin struct {
	// Class is the Kafka Connect class name; Aliases are short names
	// accepted in connector.class (for example "postgres").
	Class   string
	Aliases []string
	Version string
	// ConnectorName is Debezium's module name for the class ("postgresql",
	// "mysql", "mariadb"): the __debezium.context.connectorName header.
	ConnectorName string
	// TaskClass is the Kafka Connect task class of the connector's tasks,
	// shown as task.class in GET /connectors/{name}/tasks.
	TaskClass string
	// Defs describe the plugin's own configuration keys, in the order GET
	// /connector-plugins/{class}/config lists them. A key of Keys without
	// a definition is listed as an optional STRING.
	Defs []configdef.Key
	// Keys are the configuration keys the source understands. The runtime
	// adds its own (see RuntimeKeys); any other key is an error.
	Keys []string
	// Unused are Debezium keys that cannot mean anything in sluice, each
	// with the one-line reason: they are accepted (so a Debezium config
	// registers unchanged) and named with the reason in the log when the
	// connector starts. A key ending in "." stands for every key it begins.
	Unused map[string]string
	// Secrets are keys whose values never leave the daemon (REST, logs).
	Secrets []string
	// Offsets shows a checkpoint in the shape of the connector's Debezium
	// offsets (GET /connectors/{name}/offsets); nil uses Postgres's keys.
	Offsets func(change.Position) map[string]any
	// FromOffset returns the checkpoint that resumes where an offset in
	// the shape of the connector's Debezium offsets does (PATCH
	// /connectors/{name}/offsets, and a migration from Debezium). prev is
	// the connector's current checkpoint, nil when it has none. nil: the
	// connector cannot be moved to an offset.
	FromOffset func(offset map[string]any, prev *change.Position) (change.Position, error)
	// Build parses and validates the configuration and returns the source.
	// It returns every problem at once (errors.Join), each naming the key
	// and the fix.
	Build func(name string, config map[string]string, log *slog.Logger) (Source, error)
}

// unusedReason returns why key is accepted without being used, or "" when
// it is not one of the plugin's Unused keys.
func (p *Plugin) unusedReason(key string) string {
	if r, ok := p.Unused[key]; ok {
		return r
	}
	for k, r := range p.Unused {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) {
			return r
		}
	}
	return ""
}

// UnusedKeys returns the keys of cfg that the plugin accepts without using
// them, sorted, each with its reason.
func (p *Plugin) UnusedKeys(cfg map[string]string) [][2]string {
	var out [][2]string
	for k := range cfg {
		if r := p.unusedReason(k); r != "" {
			out = append(out, [2]string{k, r})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// matches reports whether class names the plugin: its class name, one of
// its Aliases, or one of the aliases Kafka Connect derives from the class
// name (the simple name, and the simple name without "Connector":
// PostgresConnector, Postgres).
func (p *Plugin) matches(class string) bool {
	if class == p.Class || slices.Contains(p.Aliases, class) {
		return true
	}
	simple := p.Class[strings.LastIndexByte(p.Class, '.')+1:]
	return class == simple || class == strings.TrimSuffix(simple, "Connector") && len(simple) > len("Connector")
}

// RuntimeKeys are the connector configuration keys the runtime handles for
// every connector class.
var RuntimeKeys = []string{
	"name", "connector.class", "tasks.max",
	"key.converter", "value.converter",
	"key.converter.schemas.enable", "value.converter.schemas.enable",
	"key.converter.schema.registry.url", "value.converter.schema.registry.url",
	"key.converter.apicurio.registry.url", "value.converter.apicurio.registry.url",
	"key.converter.basic.auth.user.info", "value.converter.basic.auth.user.info",
	"key.converter.basic.auth.credentials.source", "value.converter.basic.auth.credentials.source",
	"key.converter.replace.null.with.default", "value.converter.replace.null.with.default",
	"key.converter.ignore.default.for.nullables", "value.converter.ignore.default.for.nullables",
	"topic.creation.default.partitions", "topic.creation.default.replication.factor",
	"sluice.batch.max.events", "sluice.batch.max.bytes", "sluice.batch.linger.ms",
	// The retry policy (retry.go).
	"errors.max.retries", "errors.retry.timeout", "errors.retry.delay.max.ms", "retriable.restart.connector.wait.ms",
	// Debezium's context headers on every record (extended.headers.enabled).
	"extended.headers.enabled",
	// A migration from Debezium: the Kafka Connect offsets topic the first
	// checkpoint is read from (migrate.go).
	MigrateTopicKey, MigrateNameKey,
}

// The converter classes key.converter and value.converter accept: Kafka
// Connect's JsonConverter (the default), and Avro in the Confluent wire
// format with a schema registry under Confluent's or Apicurio's class name.
const (
	jsonConverter         = "org.apache.kafka.connect.json.JsonConverter"
	avroConverter         = "io.confluent.connect.avro.AvroConverter"
	apicurioAvroConverter = "io.apicurio.registry.utils.converter.AvroConverter"
)

// connectorConfig is what the runtime reads from a connector's config.
type connectorConfig struct {
	plugin *Plugin
	json   schema.JSONOptions
	// keyRegistry and valueRegistry are set when that side uses an Avro
	// converter; nil means JSON.
	keyRegistry, valueRegistry *schema.RegistryOptions
	batching                   Batching
	// extendedHeaders is Debezium's extended.headers.enabled: every record
	// carries the __debezium.context.* headers.
	extendedHeaders   bool
	partitions        int32
	replicationFactor int16
	retry             RetryPolicy
}

// problems is a list of configuration problems keyed by config key.
type problems map[string][]string

func (p problems) add(key, format string, args ...any) {
	p[key] = append(p[key], fmt.Sprintf(format, args...))
}

// findPlugin returns the plugin for a connector.class value.
func findPlugin(plugins []Plugin, class string) *Plugin {
	for i := range plugins {
		if plugins[i].matches(class) {
			return &plugins[i]
		}
	}
	return nil
}

func pluginClasses(plugins []Plugin) string {
	var names []string
	for _, p := range plugins {
		names = append(names, p.Class)
		names = append(names, p.Aliases...)
	}
	return strings.Join(names, ", ")
}

// parseConfig checks a connector config: the class, unknown keys, the
// runtime's keys and the plugin's own validation. It returns the parsed
// runtime config, the built source (nil when there are problems) and the
// problems.
func parseConfig(plugins []Plugin, name string, cfg map[string]string, log *slog.Logger) (connectorConfig, Source, problems) {
	probs := problems{}
	var cc connectorConfig
	class := cfg["connector.class"]
	cc.plugin = findPlugin(plugins, class)
	if cc.plugin == nil {
		probs.add("connector.class", "connector.class %q is not a connector class sluice knows; use one of: %s", class, pluginClasses(plugins))
		return cc, nil, probs
	}
	known := map[string]bool{}
	for _, k := range RuntimeKeys {
		known[k] = true
	}
	for _, k := range cc.plugin.Keys {
		known[k] = true
	}
	var unknown []string
	for k := range cfg {
		if !known[k] && cc.plugin.unusedReason(k) == "" {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		probs.add(k, "unknown configuration key %q for %s: remove it or check its spelling", k, cc.plugin.Class)
	}

	if v, ok := cfg["tasks.max"]; ok && v != "1" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			probs.add("tasks.max", "tasks.max must be a positive integer, got %q", v)
		}
		// More than one is accepted: a change stream is read by one task, as
		// with Debezium.
	}
	cc.keyRegistry = parseConverter(probs, cfg, "key")
	cc.valueRegistry = parseConverter(probs, cfg, "value")
	cc.json.KeySchemas = parseBool(probs, cfg, "key.converter.schemas.enable", false)
	cc.json.ValueSchemas = parseBool(probs, cfg, "value.converter.schemas.enable", false)
	cc.json.KeyKeepNulls = parseKeepNulls(probs, cfg, "key", cc.keyRegistry != nil)
	cc.json.ValueKeepNulls = parseKeepNulls(probs, cfg, "value", cc.valueRegistry != nil)
	cc.json.Tombstones = parseBool(probs, cfg, "tombstones.on.delete", true)
	cc.json.TopicPrefix = cfg["topic.prefix"]
	cc.extendedHeaders = parseBool(probs, cfg, "extended.headers.enabled", true)
	cc.partitions = int32(parseInt(probs, cfg, "topic.creation.default.partitions", -1, -1, 1<<20))
	cc.replicationFactor = int16(parseInt(probs, cfg, "topic.creation.default.replication.factor", -1, -1, 32767))
	cc.batching.MaxEvents = parseInt(probs, cfg, "sluice.batch.max.events", DefaultBatching.MaxEvents, 1, 10_000_000)
	cc.batching.MaxBytes = parseInt(probs, cfg, "sluice.batch.max.bytes", DefaultBatching.MaxBytes, 1024, 1<<30)
	cc.batching.Linger = time.Duration(parseInt(probs, cfg, "sluice.batch.linger.ms", int(DefaultBatching.Linger/time.Millisecond), 0, 60_000)) * time.Millisecond
	cc.retry = parseRetryPolicy(probs, cfg)
	checkMigrate(probs, cc.plugin, cfg)

	src, err := cc.plugin.Build(name, cfg, log)
	if err != nil {
		for _, e := range flatten(err) {
			// A problem worded "<key>: …" belongs to that key, so validate
			// shows it on the key as Kafka Connect does.
			key := ""
			if k, _, ok := strings.Cut(e.Error(), ": "); ok && known[k] {
				key = k
			}
			probs.add(key, "%s", e.Error())
		}
		return cc, nil, probs
	}
	if len(probs) > 0 {
		return cc, nil, probs
	}
	return cc, src, nil
}

// parseConverter checks the <side>.converter settings and returns the
// schema registry options of an Avro side, or nil for a JSON side.
func parseConverter(p problems, cfg map[string]string, side string) *schema.RegistryOptions {
	k := side + ".converter"
	urlKey, apicurioKey := k+".schema.registry.url", k+".apicurio.registry.url"
	userKey, sourceKey := k+".basic.auth.user.info", k+".basic.auth.credentials.source"
	switch class := strings.TrimSpace(cfg[k]); class {
	case "", jsonConverter:
		for _, rk := range []string{urlKey, apicurioKey, userKey, sourceKey} {
			if _, ok := cfg[rk]; ok {
				p.add(rk, "%s is only used with %s = %s; remove it, or set %s", rk, k, avroConverter, k)
			}
		}
		return nil
	case avroConverter, apicurioAvroConverter:
	default:
		p.add(k, "%s %q is not supported; use %s, %s or %s", k, cfg[k], jsonConverter, avroConverter, apicurioAvroConverter)
		return nil
	}

	raw, rawKey := strings.TrimSpace(cfg[urlKey]), urlKey
	if a := strings.TrimSpace(cfg[apicurioKey]); a != "" {
		if raw != "" && raw != a {
			p.add(apicurioKey, "%s and %s name different registries (%q, %q); set only one", urlKey, apicurioKey, raw, a)
			return nil
		}
		raw, rawKey = a, apicurioKey
	}
	if raw == "" {
		p.add(urlKey, "%s is required with %s %s: set it to the schema registry's URL, for example http://127.0.0.1:8081 (for Apicurio, its Confluent-compatible API: http://host:8080/apis/ccompat/v7)", urlKey, k, cfg[k])
		return nil
	}
	o := &schema.RegistryOptions{}
	for _, u := range strings.Split(raw, ",") {
		u = strings.TrimSpace(u)
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			p.add(rawKey, "%s: %q is not an http:// or https:// URL", rawKey, u)
			continue
		}
		if pu.User != nil {
			p.add(rawKey, "%s: put credentials in %s, not in the URL", rawKey, userKey)
			continue
		}
		o.URLs = append(o.URLs, u)
	}
	if v, ok := cfg[sourceKey]; ok && !strings.EqualFold(strings.TrimSpace(v), "USER_INFO") {
		p.add(sourceKey, "%s %q is not supported; use USER_INFO with %s", sourceKey, v, userKey)
	}
	if v := cfg[userKey]; v != "" {
		user, pass, found := strings.Cut(v, ":")
		if !found || user == "" {
			p.add(userKey, "%s must be user:password", userKey)
		}
		o.User, o.Password = user, pass
	}
	return o
}

// parseKeepNulls reads whether a side keeps a null where its field has a
// default: the JsonConverter's <side>.converter.replace.null.with.default
// (true by default: the default is written) or, for an Avro side, the
// AvroConverter's <side>.converter.ignore.default.for.nullables (false by
// default). Each key belongs to its converter; set on the other, it is
// refused rather than silently ignored.
func parseKeepNulls(p problems, cfg map[string]string, side string, avro bool) bool {
	k := side + ".converter"
	replaceKey, ignoreKey := k+".replace.null.with.default", k+".ignore.default.for.nullables"
	if avro {
		if _, ok := cfg[replaceKey]; ok {
			p.add(replaceKey, "%s is a setting of %s, not of %s %s; for the AvroConverter use %s", replaceKey, jsonConverter, k, cfg[k], ignoreKey)
		}
		return parseBool(p, cfg, ignoreKey, false)
	}
	if _, ok := cfg[ignoreKey]; ok {
		p.add(ignoreKey, "%s is a setting of the AvroConverter, not of %s; for the JsonConverter use %s=false", ignoreKey, jsonConverter, replaceKey)
	}
	return !parseBool(p, cfg, replaceKey, true)
}

// newEncoder returns the connector's encoder: JSON, or Avro when a side
// uses an Avro converter. Closing stop (the task's ctx.Done()) ends the
// schema registry's retries.
//
// Each call is a new run of the connector: the context headers it gives
// every record (extended.headers.enabled) carry a new run id.
func (cc *connectorConfig) newEncoder(stop <-chan struct{}, log *slog.Logger) (Encoder, error) {
	if cc.extendedHeaders {
		cc.json.Headers = schema.ContextHeaders(cc.json.TopicPrefix, "0", cc.plugin.ConnectorName, schema.NewRunID(time.Now()))
	} else {
		cc.json.Headers = nil
	}
	if cc.keyRegistry == nil && cc.valueRegistry == nil {
		return schema.NewJSON(cc.json), nil
	}
	newRegistry := func(o *schema.RegistryOptions) (*schema.Registry, error) {
		if o == nil {
			return nil, nil
		}
		ro := *o
		ro.Stop, ro.Log = stop, log
		return schema.NewRegistry(ro)
	}
	key, err := newRegistry(cc.keyRegistry)
	if err != nil {
		return nil, err
	}
	value := key
	if k, v := cc.keyRegistry, cc.valueRegistry; k == nil || v == nil ||
		!slices.Equal(k.URLs, v.URLs) || k.User != v.User || k.Password != v.Password {
		if value, err = newRegistry(cc.valueRegistry); err != nil {
			return nil, err
		}
	}
	return schema.NewAvro(schema.AvroOptions{
		TopicPrefix: cc.json.TopicPrefix, Tombstones: cc.json.Tombstones,
		KeyRegistry: key, ValueRegistry: value,
		KeySchemas: cc.json.KeySchemas, ValueSchemas: cc.json.ValueSchemas,
		KeyKeepNulls: cc.json.KeyKeepNulls, ValueKeepNulls: cc.json.ValueKeepNulls,
		Headers: cc.json.Headers,
	})
}

// flatten lists the problems of a joined error, looking through wrapping
// (a plugin may wrap its errors.Join with context; the list reads better
// without it).
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if inner := errors.Unwrap(err); inner != nil {
		if _, ok := inner.(interface{ Unwrap() []error }); ok {
			return flatten(inner)
		}
	}
	return []error{err}
}

func parseBool(p problems, cfg map[string]string, key string, def bool) bool {
	v, ok := cfg[key]
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.add(key, "%s must be true or false, got %q", key, v)
		return def
	}
	return b
}

func parseInt(p problems, cfg map[string]string, key string, def, lo, hi int) int {
	v, ok := cfg[key]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		p.add(key, "%s must be an integer from %d to %d, got %q", key, lo, hi, v)
		return def
	}
	return n
}

// invalidConfigError is Kafka Connect's 400 for an invalid connector config.
func invalidConfigError(probs problems) error { return rest.InvalidConfigError(probs) }

func notFound(format, name string) error { return rest.Errorf(404, format, name) }

var errEmptyName = rest.Errorf(400, "connector name is empty: give the connector a name")
