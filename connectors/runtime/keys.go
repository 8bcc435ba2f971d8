package runtime

import (
	"regexp"
	"strings"
	"sync"
)

// Key patterns. An entry of Plugin.Keys, Plugin.Unused, FrameworkUnused or
// RemovedKeys names one key, or a family of keys:
//   - ending in ".", every key it begins ("producer.override.");
//   - holding placeholders in angle brackets, every key with any text in
//     their place: <N> stands for a number, any other placeholder for one or
//     more characters ("column.mask.with.<N>.chars",
//     "topic.creation.<group>.partitions").

// keyMatches reports whether key belongs to the entry of a key list.
func keyMatches(entry, key string) bool {
	if strings.HasSuffix(entry, ".") {
		return len(key) > len(entry) && strings.HasPrefix(key, entry)
	}
	if entry == key {
		return true
	}
	if !strings.Contains(entry, "<") {
		return false
	}
	return patternOf(entry).MatchString(key)
}

var patterns sync.Map // entry -> *regexp.Regexp

var placeholderRE = regexp.MustCompile(`<[^<>]+>`)

// patternOf compiles an entry with placeholders into an anchored regexp.
func patternOf(entry string) *regexp.Regexp {
	if re, ok := patterns.Load(entry); ok {
		return re.(*regexp.Regexp)
	}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range placeholderRE.FindAllStringIndex(entry, -1) {
		b.WriteString(regexp.QuoteMeta(entry[last:loc[0]]))
		if entry[loc[0]:loc[1]] == "<N>" {
			b.WriteString("[0-9]+")
		} else {
			b.WriteString(".+")
		}
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(entry[last:]))
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	patterns.Store(entry, re)
	return re
}

// matchAny returns the first entry of list that key belongs to, or "".
func matchAny(list []string, key string) string {
	for _, e := range list {
		if keyMatches(e, key) {
			return e
		}
	}
	return ""
}

// matchReason returns the reason of the entry of m that key belongs to: the
// key itself first, then the most specific family (the most literal text;
// "topic.creation.<group>.partitions" before "topic.creation.<group>.<config>").
func matchReason(m map[string]string, key string) string {
	if r, ok := m[key]; ok {
		return r
	}
	best, bestLen := "", -1
	for e := range m {
		if !keyMatches(e, key) {
			continue
		}
		n := len(placeholderRE.ReplaceAllString(e, ""))
		if n > bestLen || n == bestLen && e < best {
			best, bestLen = e, n
		}
	}
	if bestLen < 0 {
		return ""
	}
	return m[best]
}

// FrameworkUnused are Kafka Connect's own keys of a source connector that
// sluice accepts without using them, each with the reason. They are accepted
// for every connector class, so a config written for Kafka Connect
// registers unchanged.
var FrameworkUnused = map[string]string{
	"connector.plugin.version":            "sluice runs one version of each connector: its own",
	"key.converter.plugin.version":        "sluice runs one version of each converter: its own",
	"value.converter.plugin.version":      "sluice runs one version of each converter: its own",
	"header.converter":                    "sluice writes its headers (__debezium.*, sluice.schema.version) as Kafka Connect's default SimpleHeaderConverter does; no other header converter is offered",
	"header.converter.plugin.version":     "sluice runs one version of each converter: its own",
	"header.converter.":                   "sluice writes its headers as Kafka Connect's default SimpleHeaderConverter does; header converter settings have no effect",
	"tasks.max.enforce":                   "a change stream is read by one task, so tasks.max is never exceeded",
	"config.action.reload":                "a connector's config changes only through the REST API, which restarts the connector with the new config (Kafka Connect's default, restart)",
	"exactly.once.support":                "sluice always writes records and their offsets in one Kafka transaction (exactly once); nothing to request",
	"transaction.boundary":                "sluice commits one Kafka transaction per batch (sluice.batch.* / max.batch.size, poll.interval.ms), never inside a source transaction's event; Kafka Connect's poll boundary has the same effect",
	"transaction.boundary.interval.ms":    "sluice commits one Kafka transaction per batch; size batches with sluice.batch.* / max.batch.size and poll.interval.ms",
	"offsets.storage.topic":               "every connector keeps its offsets in the daemon's offsets topic (sluice serve --offsets-topic), written in the same transaction as its records",
	"admin.override.":                     "sluice's admin client settings are the daemon's (sluice serve flags); per-connector overrides are not applied",
	"consumer.override.":                  "a source connector has no consumer; Kafka Connect ignores these for sources too",
	"key.converter.schemas.cache.size":    "sluice keeps the schemas of every table version it meets; there is no cache to size",
	"value.converter.schemas.cache.size":  "sluice keeps the schemas of every table version it meets; there is no cache to size",
	"producer.override.":                  "this producer setting has no equivalent in sluice's producer and is not applied; sluice applies compression.type, linger.ms, batch.size, max.request.size, buffer.memory, client.id, request.timeout.ms and delivery.timeout.ms",
	"producer.override.security.protocol": "sluice's connection to Kafka is the daemon's (sluice serve settings); per-connector credentials are not applied",
	"producer.override.sasl.":             "sluice's connection to Kafka is the daemon's (sluice serve settings); per-connector credentials are not applied",
	"producer.override.ssl.":              "sluice's connection to Kafka is the daemon's (sluice serve settings); per-connector credentials are not applied",
}

// RemovedKeys are keys Debezium 2.0 removed, each with the key that
// replaced it. Debezium 3.6 does not read them, and Kafka Connect accepts
// them, so sluice accepts them and names the replacement.
var RemovedKeys = map[string]string{
	"database.server.name": "topic.prefix",
	"database.history":     "schema.history.internal",
	"database.history.":    "the schema.history.internal.* key of the same name",
	"table.whitelist":      "table.include.list",
	"table.blacklist":      "table.exclude.list",
	"database.whitelist":   "database.include.list",
	"database.blacklist":   "database.exclude.list",
	"schema.whitelist":     "schema.include.list",
	"schema.blacklist":     "schema.exclude.list",
	"column.whitelist":     "column.include.list",
	"column.blacklist":     "column.exclude.list",
	"sanitize.field.names": "field.name.adjustment.mode and schema.name.adjustment.mode",
}

// removedReason is the reason shown for a removed key.
func removedReason(key string) string {
	repl := matchReason(RemovedKeys, key)
	if repl == "" {
		return ""
	}
	return "removed in Debezium 2.0 and ignored since, as by Debezium 3.6; use " + repl
}

// RefusedKeys are keys Kafka Connect or Debezium knows that sluice refuses,
// because accepting them would silently change what is written. Each is an
// error naming the reason and what to do. None is refused today (transforms
// and predicates were, until the chain existed: #12).
var RefusedKeys = map[string]string{}

// suggest returns the known key closest to key by edit distance, or "" when
// none is close enough to be a likely typo: at most a third of the key's
// length, and at most 4 edits. Families (entries with "<" or a trailing ".")
// are offered as written.
func suggest(key string, known []string) string {
	best, bestD := "", 0
	limit := min(4, max(1, len(key)/3))
	for _, k := range known {
		if k == key {
			return ""
		}
		d := editDistance(key, k)
		if d <= limit && (best == "" || d < bestD || d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
