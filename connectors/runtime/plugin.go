package runtime

import (
	"context"
	"errors"
	"fmt"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/internal/asyncapi"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/transforms"
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
	// adds its own (see RuntimeKeys); any other key is an error. A key
	// ending in "." stands for every key it begins (the source checks
	// their form).
	Keys []string
	// Unused are Debezium keys that cannot mean anything in sluice, each
	// with the one-line reason: they are accepted (so a Debezium config
	// registers unchanged) and named with the reason in the log when the
	// connector starts and in GET /connectors/{name}/unused-keys. An entry
	// may name a family of keys (see keyMatches). A key honoured (Keys,
	// RuntimeKeys) must not be Unused too.
	Unused map[string]string
	// Secrets are keys whose values are kept out of logs, status traces and
	// validate answers (GET config returns the config as stored, as Kafka
	// Connect does).
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
	// Check connects to the database named by a valid config and logs in,
	// within ctx, creating nothing (no slot, no publication), as Debezium's
	// validate does. It returns the problems keyed by the config key
	// Debezium attaches each to (database.hostname for an unreachable
	// server, database.user / database.password for a refused login). nil
	// skips the check.
	Check func(ctx context.Context, config map[string]string) map[string][]string
	// Build parses and validates the configuration and returns the source.
	// It returns every problem at once (errors.Join), each naming the key
	// and the fix.
	Build func(name string, config map[string]string, log *slog.Logger) (Source, error)
}

// unusedReason returns why key is accepted without being used, or "" when
// it is not one of the plugin's Unused keys.
func (p *Plugin) unusedReason(key string) string {
	if p.honours(key) {
		// A family may hold keys that are honoured one by one
		// (topic.creation.default.partitions among
		// topic.creation.default.<config>).
		return ""
	}
	if r := matchReason(p.Unused, key); r != "" {
		return r
	}
	if r := matchReason(FrameworkUnused, key); r != "" {
		return r
	}
	return removedReason(key)
}

// Key states, as KeyState reports them.
const (
	KeyHonoured = "honoured"
	KeyUnused   = "accepted, not used"
	KeyRefused  = "refused"
	KeyUnknown  = "unknown"
)

// KeyState says what a connector of the plugin does with key: KeyHonoured,
// KeyUnused or KeyRefused with the reason, or KeyUnknown (refused with a
// "did you mean"). A key that is both honoured and Unused (a mistake a test
// catches) is honoured.
func (p *Plugin) KeyState(key string) (state, reason string) {
	if r := matchReason(RefusedKeys, key); r != "" {
		return KeyRefused, r
	}
	if p.honours(key) {
		return KeyHonoured, ""
	}
	if r := p.unusedReason(key); r != "" {
		return KeyUnused, r
	}
	return KeyUnknown, ""
}

// UnusedReason returns why key is accepted without being used, or "" (also
// for a key that is honoured).
func (p *Plugin) UnusedReason(key string) string { return p.unusedReason(key) }

// Honours reports whether the plugin or the runtime uses key.
func (p *Plugin) Honours(key string) bool { return p.honours(key) }

// ListedUnused reports whether key is itself an entry of the plugin's, the
// framework's or the removed unused keys.
func (p *Plugin) ListedUnused(key string) bool {
	for _, m := range []map[string]string{p.Unused, FrameworkUnused, RemovedKeys} {
		if _, ok := m[key]; ok {
			return true
		}
	}
	return false
}

// UnusedEntries lists the entries (keys and families) of the plugin's,
// the framework's and the removed unused keys.
func (p *Plugin) UnusedEntries() []string {
	var out []string
	for _, m := range []map[string]string{p.Unused, FrameworkUnused, RemovedKeys} {
		for k := range m {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// honours reports whether the plugin or the runtime uses key.
func (p *Plugin) honours(key string) bool {
	return matchAny(RuntimeKeys, key) != "" || matchAny(p.Keys, key) != ""
}

// vocabulary lists every key (or family) a connector of the plugin
// accepts, for "did you mean" suggestions.
func (p *Plugin) vocabulary() []string {
	var out []string
	out = append(out, RuntimeKeys...)
	out = append(out, p.Keys...)
	for _, m := range []map[string]string{p.Unused, FrameworkUnused, RemovedKeys} {
		for k := range m {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// UnusedKeys returns the keys of cfg that the plugin accepts without using
// them, sorted, each with its reason.
func (p *Plugin) UnusedKeys(cfg map[string]string) [][2]string {
	var out [][2]string
	for k := range cfg {
		if r := p.unusedReason(k); r != "" {
			out = append(out, [2]string{k, r})
		} else if g := unlistedTopicGroup(cfg, k); g != "" {
			out = append(out, [2]string{k, fmt.Sprintf("topic.creation.groups does not name the group %q, so its settings are not used (as in Kafka Connect); add it there or remove them", g)})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// unlistedTopicGroup returns the group of a topic.creation.<group>.* key
// whose group topic.creation.groups does not name, or "".
func unlistedTopicGroup(cfg map[string]string, key string) string {
	rest, ok := strings.CutPrefix(key, topicCreationPrefix)
	if !ok || rest == "groups" {
		return ""
	}
	group, _, ok := strings.Cut(rest, ".")
	if !ok || group == "default" || slices.Contains(splitList(cfg["topic.creation.groups"]), group) {
		return ""
	}
	return group
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
	// The JsonConverter's decimal.format: BASE64 (its default) only.
	"key.converter.decimal.format", "value.converter.decimal.format",
	// Kafka Connect's topic creation (TopicCreation).
	"topic.creation.groups", "topic.creation.default.partitions", "topic.creation.default.replication.factor",
	"topic.creation.default.<config>", "topic.creation.<group>.include", "topic.creation.<group>.exclude",
	"topic.creation.<group>.partitions", "topic.creation.<group>.replication.factor", "topic.creation.<group>.<config>",
	"sluice.batch.max.events", "sluice.batch.max.bytes", "sluice.batch.linger.ms",
	// The retry policy (retry.go).
	"errors.max.retries", "errors.retry.timeout", "errors.retry.delay.max.ms", "retriable.restart.connector.wait.ms",
	// Debezium's context headers on every record (extended.headers.enabled).
	"extended.headers.enabled",
	// A migration from Debezium: the Kafka Connect offsets topic the first
	// checkpoint is read from (migrate.go).
	MigrateTopicKey, MigrateNameKey,
	// Debezium's queue and batch tuning, mapped to sluice's batches and
	// source queues (see Tuning).
	"max.batch.size", "poll.interval.ms", "max.queue.size", "max.queue.size.in.bytes",
	// Debezium's name adjustment: sluice applies none, Debezium's default.
	"schema.name.adjustment.mode", "field.name.adjustment.mode",
	// The bound of validate's connection check (Plugin.Check).
	"connection.validation.timeout.ms",
	// Kafka Connect's error tolerance, for events that fail to encode
	// (Tolerance).
	"errors.tolerance", "errors.log.enable", "errors.log.include.messages",
	// Kafka Connect's producer overrides sluice's producer honours
	// (ProducerOverrides); see producerOverrideKeys.
	"producer.override.compression.type", "producer.override.linger.ms", "producer.override.batch.size",
	"producer.override.max.request.size", "producer.override.buffer.memory", "producer.override.client.id",
	"producer.override.request.timeout.ms", "producer.override.delivery.timeout.ms",
	"producer.override.acks", "producer.override.enable.idempotence", "producer.override.transactional.id",
	// Kafka Connect's single message transforms and their predicates
	// (transforms.go); the chain checks the keys under them.
	"transforms", "transforms.", "predicates", "predicates.",
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
	extendedHeaders bool
	topics          TopicCreation
	producer        ProducerOverrides
	retry           RetryPolicy
	// tuning is what the source reads of Debezium's queue keys.
	tuning Tuning
	// validationTimeout bounds validate's connection check
	// (connection.validation.timeout.ms).
	validationTimeout time.Duration
	tolerance         Tolerance
	// fieldNames is field.name.adjustment.mode (schema.NameAdjust*).
	fieldNames string
	// chain is the transforms chain; nil (or empty) without transforms.
	chain *transforms.Chain
	// catalog, when set, is told the schemas of the records the encoder
	// writes (describe.go).
	catalog *catalog
}

// WorkerDefaults are the daemon's defaults for connector keys, as a Kafka
// Connect worker's properties give them.
type WorkerDefaults struct {
	// ConverterSchemasEnable is the schemas.enable of a side whose config
	// names no converter (the worker's JsonConverter default). A side that
	// names the JsonConverter defaults to true, as the JsonConverter does.
	ConverterSchemasEnable bool
}

// Tuning holds the source-side limits a connector config sets with
// Debezium's keys; zero fields leave the source's defaults.
type Tuning struct {
	// QueueEvents is max.queue.size: the most events queued between the
	// source's reader and the batch being filled.
	QueueEvents int
	// QueueBytes is max.queue.size.in.bytes (0: the source's own bound).
	QueueBytes int
}

// ParseTuning reads the source-side tuning keys of a config (already
// validated by the runtime; a bad value leaves the default).
func ParseTuning(cfg map[string]string) Tuning {
	p := problems{}
	return Tuning{
		QueueEvents: parseInt(p, cfg, "max.queue.size", 0, 1, 10_000_000),
		QueueBytes:  parseInt(p, cfg, "max.queue.size.in.bytes", 0, 0, 1<<40),
	}
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
	return parseConfigWith(WorkerDefaults{}, plugins, name, cfg, log)
}

// parseConfigWith is parseConfig with the worker's defaults.
func parseConfigWith(w WorkerDefaults, plugins []Plugin, name string, cfg map[string]string, log *slog.Logger) (connectorConfig, Source, problems) {
	probs := problems{}
	var cc connectorConfig
	class := cfg["connector.class"]
	cc.plugin = findPlugin(plugins, class)
	if cc.plugin == nil {
		probs.add("connector.class", "connector.class %q is not a connector class sluice knows; use one of: %s", class, pluginClasses(plugins))
		return cc, nil, probs
	}
	known := func(k string) bool { return cc.plugin.honours(k) }
	var unknown []string
	for k := range cfg {
		if r := matchReason(RefusedKeys, k); r != "" {
			probs.add(k, "%s: %s", k, r)
			continue
		}
		if !known(k) && cc.plugin.unusedReason(k) == "" {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	vocab := cc.plugin.vocabulary()
	for _, k := range unknown {
		if s := suggest(k, vocab); s != "" {
			probs.add(k, "unknown configuration key %q for %s: did you mean %q? Neither Debezium nor Kafka Connect knows %q", k, cc.plugin.Class, s, k)
			continue
		}
		probs.add(k, "unknown configuration key %q for %s: neither Debezium nor Kafka Connect knows it; remove it or check its spelling", k, cc.plugin.Class)
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
	cc.json.KeySchemas = parseBool(probs, cfg, "key.converter.schemas.enable", schemasDefault(w, cfg, "key"))
	cc.json.ValueSchemas = parseBool(probs, cfg, "value.converter.schemas.enable", schemasDefault(w, cfg, "value"))
	for _, side := range []string{"key", "value"} {
		k := side + ".converter.decimal.format"
		v, ok := cfg[k]
		if !ok {
			continue
		}
		switch {
		case !strings.EqualFold(strings.TrimSpace(v), "BASE64"):
			probs.add(k, "%s=%s is not supported yet: sluice writes decimals as the JsonConverter's default, BASE64; remove the key or set it to BASE64", k, v)
		case strings.TrimSpace(cfg[side+".converter"]) != "" && strings.TrimSpace(cfg[side+".converter"]) != jsonConverter:
			probs.add(k, "%s is a setting of %s, not of %s %s", k, jsonConverter, side+".converter", cfg[side+".converter"])
		}
	}
	cc.json.KeyKeepNulls = parseKeepNulls(probs, cfg, "key", cc.keyRegistry != nil)
	cc.json.ValueKeepNulls = parseKeepNulls(probs, cfg, "value", cc.valueRegistry != nil)
	cc.json.Tombstones = parseBool(probs, cfg, "tombstones.on.delete", true)
	cc.json.TopicPrefix = cfg["topic.prefix"]
	cc.extendedHeaders = parseBool(probs, cfg, "extended.headers.enabled", true)
	cc.topics = parseTopicCreation(probs, cfg)
	cc.producer = parseProducerOverrides(probs, cfg)
	// Debezium's max.batch.size and poll.interval.ms size sluice's batch
	// (one Kafka transaction) unless sluice's own keys are set.
	maxEvents := parseInt(probs, cfg, "max.batch.size", DefaultBatching.MaxEvents, 1, 10_000_000)
	linger := parseInt(probs, cfg, "poll.interval.ms", int(DefaultBatching.Linger/time.Millisecond), 1, 60_000)
	cc.batching.MaxEvents = parseInt(probs, cfg, "sluice.batch.max.events", maxEvents, 1, 10_000_000)
	cc.batching.MaxBytes = parseInt(probs, cfg, "sluice.batch.max.bytes", DefaultBatching.MaxBytes, 1024, 1<<30)
	cc.batching.Linger = time.Duration(parseInt(probs, cfg, "sluice.batch.linger.ms", linger, 0, 60_000)) * time.Millisecond
	cc.tuning = Tuning{
		QueueEvents: parseInt(probs, cfg, "max.queue.size", 0, 1, 10_000_000),
		QueueBytes:  parseInt(probs, cfg, "max.queue.size.in.bytes", 0, 0, 1<<40),
	}
	switch v := strings.ToLower(strings.TrimSpace(cfg["errors.tolerance"])); v {
	case "", "none":
	case "all":
		cc.tolerance.All = true
	default:
		probs.add("errors.tolerance", "errors.tolerance must be none or all, got %q", cfg["errors.tolerance"])
	}
	// Skipped events are always logged (never silently); errors.log.enable
	// is accepted for Kafka Connect's sake and include.messages adds the
	// event's values to that log.
	parseBool(probs, cfg, "errors.log.enable", false)
	cc.tolerance.LogMessages = parseBool(probs, cfg, "errors.log.include.messages", false)
	cc.validationTimeout = time.Duration(parseInt(probs, cfg, "connection.validation.timeout.ms", 60_000, 1, 3_600_000)) * time.Millisecond
	cc.json.SchemaNameAdjustment = parseAdjustment(probs, cfg, "schema.name.adjustment.mode")
	cc.fieldNames = parseAdjustment(probs, cfg, "field.name.adjustment.mode")
	cc.retry = parseRetryPolicy(probs, cfg)
	cc.chain = parseChain(probs, cfg)
	checkMigrate(probs, cc.plugin, cfg)

	src, err := cc.plugin.Build(name, cfg, log)
	if err != nil {
		for _, e := range flatten(err) {
			// A problem worded "<key>: …" belongs to that key, so validate
			// shows it on the key as Kafka Connect does.
			key := ""
			if k, _, ok := strings.Cut(e.Error(), ": "); ok && known(k) {
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

// parseAdjustment reads a Debezium name adjustment mode: none (the
// default), avro or avro_unicode.
func parseAdjustment(p problems, cfg map[string]string, key string) string {
	switch v := strings.ToLower(strings.TrimSpace(cfg[key])); v {
	case "", schema.NameAdjustNone:
		return schema.NameAdjustNone
	case schema.NameAdjustAvro, schema.NameAdjustAvroUnicode:
		return v
	}
	p.add(key, "%s must be none, avro or avro_unicode, got %q", key, cfg[key])
	return schema.NameAdjustNone
}

// schemasDefault is the default of <side>.converter.schemas.enable:
// true when the side names the JsonConverter (the JsonConverter's own
// default), the worker's default when it names no converter.
func schemasDefault(w WorkerDefaults, cfg map[string]string, side string) bool {
	switch strings.TrimSpace(cfg[side+".converter"]) {
	case jsonConverter:
		return true
	case "":
		return w.ConverterSchemasEnable
	}
	return false
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
// every record (extended.headers.enabled) carry a new run id. skipped, when
// not nil, is called for each record a transform fails on and
// errors.tolerance=all skips (the task's metrics count it).
func (cc *connectorConfig) newEncoder(stop <-chan struct{}, log *slog.Logger, skipped func()) (Encoder, error) {
	if cc.extendedHeaders {
		cc.json.Headers = schema.ContextHeaders(cc.json.TopicPrefix, "0", cc.plugin.ConnectorName, schema.NewRunID(time.Now()))
	} else {
		cc.json.Headers = nil
	}
	if cc.keyRegistry == nil && cc.valueRegistry == nil {
		return withFieldNames(withChain(cc.described(schema.NewJSON(cc.json)), cc.chain, cc.tolerance, log, skipped), cc.fieldNames), nil
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
	enc, err := schema.NewAvro(schema.AvroOptions{
		TopicPrefix: cc.json.TopicPrefix, Tombstones: cc.json.Tombstones,
		KeyRegistry: key, ValueRegistry: value,
		KeySchemas: cc.json.KeySchemas, ValueSchemas: cc.json.ValueSchemas,
		KeyKeepNulls: cc.json.KeyKeepNulls, ValueKeepNulls: cc.json.ValueKeepNulls,
		Headers:              cc.json.Headers,
		SchemaNameAdjustment: cc.json.SchemaNameAdjustment,
	})
	if err != nil {
		return nil, err
	}
	return withFieldNames(withChain(cc.described(enc), cc.chain, cc.tolerance, log, skipped), cc.fieldNames), nil
}

// described wraps enc so that it fills cc's catalog, when there is one.
func (cc *connectorConfig) described(enc recordEncoder) recordEncoder {
	if cc.catalog == nil {
		return enc
	}
	format := func(o *schema.RegistryOptions, schemas bool) asyncapi.Format {
		if o == nil {
			return asyncapi.Format{Schemas: schemas}
		}
		f := asyncapi.Format{Avro: true}
		if len(o.URLs) > 0 {
			f.RegistryURL = o.URLs[0]
		}
		return f
	}
	cc.catalog.setFormats(format(cc.keyRegistry, cc.json.KeySchemas), format(cc.valueRegistry, cc.json.ValueSchemas))
	return withCatalog(enc, cc.catalog, cc.json.Tombstones)
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
