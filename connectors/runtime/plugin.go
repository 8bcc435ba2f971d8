package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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
	// Keys are the configuration keys the source understands. The runtime
	// adds its own (see RuntimeKeys); any other key is an error.
	Keys []string
	// Secrets are keys whose values never leave the daemon (REST, logs).
	Secrets []string
	// Build parses and validates the configuration and returns the source.
	// It returns every problem at once (errors.Join), each naming the key
	// and the fix.
	Build func(name string, config map[string]string, log *slog.Logger) (Source, error)
}

func (p *Plugin) matches(class string) bool {
	return class == p.Class || slices.Contains(p.Aliases, class)
}

// RuntimeKeys are the connector configuration keys the runtime handles for
// every connector class.
var RuntimeKeys = []string{
	"name", "connector.class", "tasks.max",
	"key.converter", "value.converter",
	"key.converter.schemas.enable", "value.converter.schemas.enable",
	"topic.creation.default.partitions", "topic.creation.default.replication.factor",
	"sluice.batch.max.events", "sluice.batch.max.bytes", "sluice.batch.linger.ms",
}

const jsonConverter = "org.apache.kafka.connect.json.JsonConverter"

// connectorConfig is what the runtime reads from a connector's config.
type connectorConfig struct {
	plugin            *Plugin
	json              schema.JSONOptions
	batching          Batching
	partitions        int32
	replicationFactor int16
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
		if !known[k] {
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
	for _, side := range []string{"key", "value"} {
		k := side + ".converter"
		if v, ok := cfg[k]; ok && v != jsonConverter {
			probs.add(k, "%s %q is not supported yet; use %s", k, v, jsonConverter)
		}
	}
	cc.json.KeySchemas = parseBool(probs, cfg, "key.converter.schemas.enable", false)
	cc.json.ValueSchemas = parseBool(probs, cfg, "value.converter.schemas.enable", false)
	cc.json.Tombstones = parseBool(probs, cfg, "tombstones.on.delete", true)
	cc.json.TopicPrefix = cfg["topic.prefix"]
	cc.partitions = int32(parseInt(probs, cfg, "topic.creation.default.partitions", -1, -1, 1<<20))
	cc.replicationFactor = int16(parseInt(probs, cfg, "topic.creation.default.replication.factor", -1, -1, 32767))
	cc.batching.MaxEvents = parseInt(probs, cfg, "sluice.batch.max.events", DefaultBatching.MaxEvents, 1, 10_000_000)
	cc.batching.MaxBytes = parseInt(probs, cfg, "sluice.batch.max.bytes", DefaultBatching.MaxBytes, 1024, 1<<30)
	cc.batching.Linger = time.Duration(parseInt(probs, cfg, "sluice.batch.linger.ms", int(DefaultBatching.Linger/time.Millisecond), 0, 60_000)) * time.Millisecond

	src, err := cc.plugin.Build(name, cfg, log)
	if err != nil {
		for _, e := range flatten(err) {
			probs.add("", "%s", e.Error())
		}
		return cc, nil, probs
	}
	if len(probs) > 0 {
		return cc, nil, probs
	}
	return cc, src, nil
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
