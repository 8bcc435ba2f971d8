package transforms

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
)

// OutboxEventRouterClass is Debezium's outbox event router.
const OutboxEventRouterClass = "io.debezium.transforms.outbox.EventRouter"

func init() {
	Register(Plugin{Class: OutboxEventRouterClass, Kind: KindTransformation, Version: DebeziumVersion, Keys: outboxKeys, New: newOutboxRouter})
}

// outboxRouter is io.debezium.transforms.outbox.EventRouter (Debezium
// 3.6.1): each insert into an outbox table becomes a domain event on the
// topic its route.by.field column names (route.topic.regex and
// route.topic.replacement rewrite it, as Kafka's RegexRouter does), keyed by
// its table.field.event.key column, with an "id" header holding the event
// id column, and as value the payload column (or, when an additional field
// is placed in the envelope, a struct of the payload and those fields).
//
// What it does to the records a connector writes, as Debezium does:
// tombstones are dropped (every tombstone, not only the outbox table's);
// records whose value schema is not a change event envelope (name ending
// ".Envelope": heartbeats, schema changes, transaction metadata, schemaless
// records) pass unchanged; deletes are dropped; updates are dropped with a
// warning or an error logged, or fail the record (table.op.invalid.behavior
// warn, error, fatal); creates and snapshot reads are routed.
//
// Tracing (tracing.*) acts only when OpenTelemetry is on the worker's class
// path, which Kafka Connect with the Debezium plugins does not have: the
// options are accepted and do nothing, as there. table.field.event.type is
// accepted and, as in Debezium, not read by the router.
//
// Debezium caches the envelope value schema it builds per payload schema
// (or per schema version when table.field.event.schema.version is set),
// and the schema's name carries the route.by.field value of the record
// that built it: later records with an equal payload schema reuse it, name
// included. sluice keeps the same caches, so the names are the same.
type outboxRouter struct {
	fieldID, fieldKey, fieldPayload, routeBy string
	fieldTimestamp, fieldSchemaVersion       string
	hasTimestamp, hasSchemaVersion           bool // the two above are set
	additional                               []outboxField
	ignoreMissing                            bool   // table.field.additional.missing=ignore
	onUpdate                                 string // warn, error or fatal
	expand, nullAsBytes                      bool
	tombstoneOnEmpty                         bool
	onlyHeaders                              bool // no additional field is placed in the envelope
	regex, anchored                          *regexp.Regexp
	replacement                              string
	log                                      *slog.Logger

	mu        sync.Mutex
	byPayload map[string]*change.Field        // value schemas by payload schema (obSchemaKey)
	byVersion map[outboxVersion]*change.Field // value schemas by schema version
}

// outboxField is one entry of table.fields.additional.placement.
type outboxField struct {
	field, placement, alias string
}

// outboxVersion is a schema version column's value; null is a key too.
type outboxVersion struct {
	null bool
	v    int32
}

// Placements of additional fields.
const (
	placeHeader    = "header"
	placeEnvelope  = "envelope"
	placePartition = "partition"
)

// outboxCacheSize bounds the per-payload-schema cache, as Debezium's
// (10,000 entries; Debezium evicts the least recently used, sluice starts
// over).
const outboxCacheSize = 10000

func newOutboxRouter(c *Config) (Transform, error) {
	o := &outboxRouter{
		fieldID:      c.String(outboxFieldEventID, "id"),
		fieldKey:     c.String(outboxFieldEventKey, "aggregateid"),
		fieldPayload: c.String(outboxFieldPayload, "payload"),
		routeBy:      c.String(outboxRouteByField, "aggregatetype"),
		replacement:  c.String(outboxRouteTopicReplace, "outbox.event.${routedByValue}"),
		byPayload:    map[string]*change.Field{},
		byVersion:    map[outboxVersion]*change.Field{},
		log:          slog.Default().With("transform", c.Alias, "class", OutboxEventRouterClass),
	}
	_ = c.String(outboxFieldEventType, "type")
	o.fieldTimestamp, o.hasTimestamp = c.Props[outboxFieldTimestamp]
	o.fieldSchemaVersion, o.hasSchemaVersion = c.Props[outboxFieldSchemaVersion]
	o.onUpdate = outboxEnum(c, outboxOpInvalidBehavior, "warn", "warn", "error", "fatal")
	o.ignoreMissing = outboxEnum(c, outboxAdditionalMissing, "error", "ignore", "error") == "ignore"
	o.nullAsBytes = outboxEnum(c, outboxJSONNullBehavior, "ignore", "ignore", "optional_bytes") == "optional_bytes"
	o.expand = c.Bool(outboxExpandJSONPayload, false)
	o.tombstoneOnEmpty = c.Bool(outboxTombstoneOnEmpty, false)
	_ = c.String(outboxTracingSpanContext, "tracingspancontext")
	_ = c.String(outboxTracingOperation, "debezium-read")
	_ = c.Bool(outboxTracingContextFOnly, false)

	o.additional = parseOutboxFields(c)
	o.onlyHeaders = true
	for _, f := range o.additional {
		if f.placement == placeEnvelope {
			o.onlyHeaders = false
		}
	}

	expr := c.String(outboxRouteTopicRegex, "(?<routedByValue>.*)")
	if re, err := CompileJavaRegexp(expr); err != nil {
		c.Fail(outboxRouteTopicRegex, "A valid regular expressions is expected, but %v", err)
	} else if anchored, err := regexp.Compile(`\A(?:` + re.String() + `)\z`); err != nil {
		c.Fail(outboxRouteTopicRegex, "A valid regular expressions is expected, but %v", err)
	} else {
		// The anchored form decides, as Java's Matcher.matches, whether
		// the whole topic matches; re finds the match to replace, as
		// Matcher.replaceFirst. A bad group reference in the replacement
		// fails the records the regex matches, as in Java (a regex that
		// never matches a whole topic never reads it).
		o.regex, o.anchored = re, anchored
	}
	return o, nil
}

// outboxEnum reads one of Debezium's enumerated options: trimmed, any case.
// listed is the order Debezium's message lists the values in (a Java
// HashSet's).
func outboxEnum(c *Config, key, def string, listed ...string) string {
	if !c.Has(key) {
		return def
	}
	v := strings.ToLower(strings.TrimSpace(c.String(key, def)))
	for _, a := range listed {
		if v == a {
			return a
		}
	}
	c.Fail(key, "Value must be one of %s", strings.Join(listed, ", "))
	return def
}

// parseOutboxFields reads table.fields.additional.placement:
// column:placement[:alias], comma-separated.
func parseOutboxFields(c *Config) []outboxField {
	items := c.List(outboxFieldsAdditional, nil)
	var out []outboxField
	for _, item := range items {
		parts := strings.Split(item, ":")
		for len(parts) > 0 && parts[len(parts)-1] == "" { // as Java's split
			parts = parts[:len(parts)-1]
		}
		if len(parts) != 2 && len(parts) != 3 {
			c.Fail(outboxFieldsAdditional, "A comma-separated list of valid String pairs or trios is expected but got: [%s]", strings.Join(items, ", "))
			return nil
		}
		f := outboxField{field: strings.TrimSpace(parts[0]), placement: strings.ToLower(strings.TrimSpace(parts[1]))}
		f.alias = f.field
		if len(parts) == 3 {
			f.alias = strings.TrimSpace(parts[2])
		}
		switch f.placement {
		case placeHeader, placeEnvelope, placePartition:
		default:
			// Debezium accepts it and fails at the first outbox record
			// (a NullPointerException); sluice says so now.
			c.Fail(outboxFieldsAdditional, "placement %q of column %q must be one of header, envelope, partition", parts[1], f.field)
			return nil
		}
		out = append(out, f)
	}
	return out
}

// Apply routes one record; see outboxRouter.
func (o *outboxRouter) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil {
		return nil, nil
	}
	if r.ValueSchema == nil || !strings.HasSuffix(r.ValueSchema.Logical, ".Envelope") {
		return r, nil
	}
	envSchema := r.ValueSchema
	env, ok := r.Value.(change.StructValue)
	if !ok {
		return nil, fmt.Errorf("Only Struct objects supported for [Detect Debezium Operation], found: %s", obClassName(r.Value))
	}
	opv, err := obGetTyped(envSchema, env, "op", change.String)
	if err != nil {
		return nil, err
	}
	switch op, _ := opv.(string); {
	case opv == nil:
		return nil, errors.New("the change event has a null op")
	case op == "d":
		return nil, nil
	case op == "u":
		return nil, o.unexpected(r)
	}

	ai := envSchema.Member("after")
	if ai < 0 {
		return nil, errors.New("Unknown field: after")
	}
	evSchema := &envSchema.Fields[ai]
	var afterValue any
	if ai < len(env) {
		afterValue = env[ai]
	}
	if afterValue == nil {
		afterValue = evSchema.Default
	}
	ev, ok := afterValue.(change.StructValue)
	if !ok {
		return nil, fmt.Errorf("Only Struct objects supported for [Read Outbox Event], found: %s", obClassName(afterValue))
	}

	pi := evSchema.Member(o.fieldPayload)
	if pi < 0 {
		return nil, fmt.Errorf("Unable to find payload field %s in event", o.fieldPayload)
	}
	payloadSchema := obTopLevel(&evSchema.Fields[pi])
	ts, hasTs, err := o.timestamp(envSchema, env, evSchema, ev)
	if err != nil {
		return nil, err
	}
	eventID, err := obGet(evSchema, ev, o.fieldID)
	if err != nil {
		return nil, err
	}
	payload, _ := obGet(evSchema, ev, o.fieldPayload)

	headers := make([]change.RecordHeader, len(r.Headers), len(r.Headers)+1+len(o.additional))
	copy(headers, r.Headers)
	headers = append(headers, change.RecordHeader{Key: "id", Schema: obTopLevel(&evSchema.Fields[evSchema.Member(o.fieldID)]), Value: eventID})

	replaced := false // the payload's schema was replaced by an expansion
	if o.expand {
		if text, ok := payload.(string); ok {
			s, v, inferred, err := obExpandJSON(o.fieldPayload, text, o.nullAsBytes)
			if inferred {
				payloadSchema, replaced = s, true
			}
			if err != nil {
				o.log.Warn("JSON expansion failed", "error", err)
			} else {
				payload = v
			}
		} else if payload != nil {
			o.log.Warn("Expand JSON payload is turned on but payload is not a string", "key", obJavaString(r.KeySchema, r.Key))
		}
	}

	var valueSchema *change.Field
	var value change.StructValue
	if !o.onlyHeaders {
		var version *outboxVersion
		if o.hasSchemaVersion {
			v, err := obGetTyped(evSchema, ev, o.fieldSchemaVersion, change.Int32)
			if err != nil {
				return nil, err
			}
			version = &outboxVersion{null: v == nil}
			if n, ok := obInt64(v); ok {
				version.v = int32(n)
			}
		}
		routed, err := obGetTyped(evSchema, ev, o.routeBy, change.String)
		if err != nil {
			return nil, err
		}
		routedName, _ := routed.(string)
		if routed == nil {
			routedName = "null"
		}
		if valueSchema, err = o.valueSchema(payloadSchema, evSchema, version, routedName); err != nil {
			return nil, err
		}
		value = make(change.StructValue, len(valueSchema.Fields))
		if err := obPut(valueSchema, value, "payload", payload); err != nil {
			return nil, err
		}
	} else if replaced && payloadSchema != nil {
		// An expansion that replaced the schema but not the text: Kafka
		// Connect's converter refuses the record; so does sluice.
		if err := obValidate(payloadSchema, payload, "value"); err != nil {
			return nil, err
		}
	}

	partition := change.NoPartition
	for _, f := range o.additional {
		if o.ignoreMissing && evSchema.Member(f.field) < 0 {
			continue
		}
		switch f.placement {
		case placeEnvelope:
			v, err := obGet(evSchema, ev, f.field)
			if err != nil {
				return nil, err
			}
			if err := obPut(valueSchema, value, f.alias, v); err != nil {
				return nil, err
			}
		case placeHeader:
			v, err := obGet(evSchema, ev, f.field)
			if err != nil {
				return nil, err
			}
			headers = append(headers, change.RecordHeader{Key: f.alias, Schema: obTopLevel(&evSchema.Fields[evSchema.Member(f.field)]), Value: v})
		case placePartition:
			v, err := obGetTyped(evSchema, ev, f.field, change.Int32)
			if err != nil {
				return nil, err
			}
			if n, ok := obInt64(v); ok {
				partition = int32(n)
			}
		}
	}

	isDelete := payload == nil
	if s, ok := payload.(string); ok && obJavaTrim(s) == "" {
		isDelete = true
	}
	out := &change.Record{Partition: partition, Headers: headers}
	switch {
	case isDelete && o.tombstoneOnEmpty:
	case o.onlyHeaders:
		out.ValueSchema, out.Value = payloadSchema, payload
	default:
		out.ValueSchema, out.Value = valueSchema, value
	}
	if out.Key, err = obGet(evSchema, ev, o.fieldKey); err != nil {
		return nil, err
	}
	out.KeySchema = obTopLevel(&evSchema.Fields[evSchema.Member(o.fieldKey)])
	topic, err := obGetTyped(evSchema, ev, o.routeBy, change.String)
	if err != nil {
		return nil, err
	}
	if topic == nil {
		return nil, fmt.Errorf("the route.by.field column %s is null, so the event has no topic", o.routeBy)
	}
	if out.Topic, err = o.route(topic.(string)); err != nil {
		return nil, err
	}
	if hasTs {
		out.Timestamp = time.UnixMilli(ts)
	}
	return out, nil
}

// unexpected handles an update of the outbox table.
func (o *outboxRouter) unexpected(r *change.Record) error {
	key := obJavaString(r.KeySchema, r.Key)
	switch o.onUpdate {
	case "error":
		o.log.Error("Unexpected update message received and ignored", "key", key)
	case "fatal":
		return fmt.Errorf("Unexpected update message received %s, fail.", key)
	default:
		o.log.Warn("Unexpected update message received and ignored", "key", key)
	}
	return nil
}

// timestamp is the record's timestamp in epoch milliseconds: the
// table.field.event.timestamp column (io.debezium.time.Timestamp,
// MicroTimestamp or NanoTimestamp) when set and not null, else the
// envelope's ts_ms. ok is false when that is null.
func (o *outboxRouter) timestamp(envSchema *change.Field, env change.StructValue, evSchema *change.Field, ev change.StructValue) (ms int64, ok bool, err error) {
	envTs := func() (int64, bool, error) {
		v, err := obGetTyped(envSchema, env, "ts_ms", change.Int64)
		n, ok := obInt64(v)
		return n, ok, err
	}
	if !o.hasTimestamp {
		return envTs()
	}
	i := evSchema.Member(o.fieldTimestamp)
	if i < 0 {
		return 0, false, fmt.Errorf("Unable to find timestamp field %s in event", o.fieldTimestamp)
	}
	v, err := obGetTyped(evSchema, ev, o.fieldTimestamp, change.Int64)
	if err != nil {
		return 0, false, err
	}
	n, ok := obInt64(v)
	if !ok {
		return envTs()
	}
	switch name := evSchema.Fields[i].Logical; name {
	case "":
		return 0, false, errors.New("Unsupported field type INT64 (without logical schema name) for event timestamp")
	case "io.debezium.time.Timestamp":
		return n, true, nil
	case "io.debezium.time.MicroTimestamp":
		return n / 1_000, true, nil
	case "io.debezium.time.NanoTimestamp":
		return n / 1_000_000, true, nil
	default:
		return 0, false, fmt.Errorf("Unsupported field type %s for event timestamp", name)
	}
}

// valueSchema returns the envelope value schema: a struct named after the
// outbox row's schema with the route.by.field value inserted before its last
// part ("pg.public.outbox.Value" routed by "order" gives
// "pg.public.outbox.order.Value"), of the payload and the fields placed in
// the envelope, from Debezium's caches.
func (o *outboxRouter) valueSchema(payloadSchema, evSchema *change.Field, version *outboxVersion, routed string) (*change.Field, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if payloadSchema == nil {
		return nil, errors.New("the payload has no schema (an empty JSON array was expanded), so no value schema can be built")
	}
	var key string
	if version != nil {
		if s := o.byVersion[*version]; s != nil {
			return s, nil
		}
	} else {
		key = obSchemaKey(payloadSchema)
		if s := o.byPayload[key]; s != nil {
			return s, nil
		}
	}
	name := routed
	if orig := evSchema.Logical; orig != "" {
		if dot := strings.LastIndexByte(orig, '.'); dot >= 0 {
			name = orig[:dot+1] + routed + orig[dot:]
		} else {
			name = routed + "." + orig
		}
	}
	s := &change.Field{Type: change.Struct, Logical: name}
	add := func(fname string, fs *change.Field) error {
		if s.Member(fname) >= 0 {
			return fmt.Errorf("Cannot create field because of field name duplication %s", fname)
		}
		m := *fs
		m.Name = fname
		s.Fields = append(s.Fields, m)
		return nil
	}
	if err := add("payload", payloadSchema); err != nil {
		return nil, err
	}
	for _, f := range o.additional {
		if f.placement != placeEnvelope {
			continue
		}
		i := evSchema.Member(f.field)
		if i < 0 {
			if o.ignoreMissing {
				continue
			}
			return nil, fmt.Errorf("Unable to find field %s in event", f.field)
		}
		if err := add(f.alias, &evSchema.Fields[i]); err != nil {
			return nil, err
		}
	}
	if version != nil {
		if !version.null {
			s.Version = int(version.v)
		}
		o.byVersion[*version] = s
	} else {
		if len(o.byPayload) >= outboxCacheSize {
			clear(o.byPayload)
		}
		o.byPayload[key] = s
	}
	return s, nil
}

// route is Kafka's RegexRouter: a topic the regex matches as a whole is
// replaced, its first match rewritten with the replacement.
func (o *outboxRouter) route(topic string) (string, error) {
	if !o.anchored.MatchString(topic) {
		return topic, nil
	}
	m := o.regex.FindStringSubmatchIndex(topic)
	rep, err := ExpandJavaReplacement(o.regex, topic, o.replacement, m)
	if err != nil {
		return "", fmt.Errorf("route.topic.replacement: %w", err)
	}
	return topic[:m[0]] + rep + topic[m[1]:], nil
}

// obPut is Struct.put(name, v) on a value of struct schema s.
func obPut(s *change.Field, v change.StructValue, name string, val any) error {
	i, err := obLookup(s, name)
	if err != nil {
		return err
	}
	if err := obValidate(&s.Fields[i], val, `field: "`+name+`"`); err != nil {
		return err
	}
	v[i] = val
	return nil
}

// obTopLevel returns member schema m as a top-level schema (no member name).
func obTopLevel(m *change.Field) *change.Field {
	f := *m
	f.Name = ""
	return &f
}

// obJavaTrim is Java's String.trim: it strips characters up to U+0020.
func obJavaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
