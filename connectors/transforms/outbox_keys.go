package transforms

import "github.com/sluicecdc/sluice/connectors/configdef"

// The options of io.debezium.transforms.outbox.EventRouter.
const (
	outboxFieldEventID        = "table.field.event.id"
	outboxFieldEventKey       = "table.field.event.key"
	outboxFieldEventType      = "table.field.event.type"
	outboxFieldPayload        = "table.field.event.payload"
	outboxFieldTimestamp      = "table.field.event.timestamp"
	outboxFieldsAdditional    = "table.fields.additional.placement"
	outboxAdditionalMissing   = "table.field.additional.missing"
	outboxFieldSchemaVersion  = "table.field.event.schema.version"
	outboxOpInvalidBehavior   = "table.op.invalid.behavior"
	outboxExpandJSONPayload   = "table.expand.json.payload"
	outboxJSONNullBehavior    = "table.json.payload.null.behavior"
	outboxRouteByField        = "route.by.field"
	outboxRouteTopicRegex     = "route.topic.regex"
	outboxRouteTopicReplace   = "route.topic.replacement"
	outboxTombstoneOnEmpty    = "route.tombstone.on.empty.payload"
	outboxTracingSpanContext  = "tracing.span.context.field"
	outboxTracingOperation    = "tracing.operation.name"
	outboxTracingContextFOnly = "tracing.with.context.field.only"
)

// outboxKeys are EventRouter's keys as Kafka Connect 4.3.0 lists them for
// Debezium 3.6.1.Final (GET /connector-plugins/io.debezium.transforms.outbox.EventRouter/config;
// testdata/eventrouter-config.json is that answer).
var outboxKeys = configdef.Concat(
	configdef.Grouped("Table",
		configdef.Key{Name: outboxFieldEventID, Type: configdef.String, Default: configdef.Def("id"), Importance: configdef.Low,
			Doc: "The column which contains the event ID within the outbox table", Width: configdef.WidthMedium, Display: "Event ID Field"},
		configdef.Key{Name: outboxFieldEventKey, Type: configdef.String, Default: configdef.Def("aggregateid"), Importance: configdef.Low,
			Doc: "The column which contains the event key within the outbox table", Width: configdef.WidthMedium, Display: "Event Key Field"},
		configdef.Key{Name: outboxFieldEventType, Type: configdef.String, Default: configdef.Def("type"), Importance: configdef.Low,
			Doc: "The column which contains the event type within the outbox table", Width: configdef.WidthMedium, Display: "Event Type Field"},
		configdef.Key{Name: outboxFieldPayload, Type: configdef.String, Default: configdef.Def("payload"), Importance: configdef.Low,
			Doc: "The column which contains the event payload within the outbox table", Width: configdef.WidthMedium, Display: "Event Payload Field"},
		configdef.Key{Name: outboxFieldTimestamp, Type: configdef.String, Importance: configdef.Medium,
			Doc:   "Optionally you can override the Kafka message timestamp with a value from a chosen column, otherwise it'll be the Debezium event processed timestamp.",
			Width: configdef.WidthMedium, Display: "Event Timestamp Field"},
		configdef.Key{Name: outboxFieldsAdditional, Type: configdef.List, Importance: configdef.High,
			Doc:   "Extra fields can be added as part of the event envelope or a message header, format is a list of colon-delimited pairs or trios when you desire to have aliases, e.g. <code>id:header,field_name:envelope:alias,field_name:partition</code> ",
			Width: configdef.WidthMedium, Display: "Settings for each additional column in the outbox table"},
		configdef.Key{Name: outboxAdditionalMissing, Type: configdef.String, Default: configdef.Def("error"), Importance: configdef.Medium,
			Doc:   "When transforming the 'table.fields.additional.placement' fields, defines the behavior when one of the configured fields is missing in the change data. 'error' (default) will throw an exception; 'ignore' will silently skip the missing field.",
			Width: configdef.WidthMedium, Display: "Behavior when an additional field is missing in the change data"},
		configdef.Key{Name: outboxFieldSchemaVersion, Type: configdef.String, Importance: configdef.Low,
			Doc: "The column which contains the event schema version within the outbox table", Width: configdef.WidthMedium, Display: "Event Schema Version Field"},
		configdef.Key{Name: outboxOpInvalidBehavior, Type: configdef.String, Default: configdef.Def("warn"), Importance: configdef.Medium,
			Doc:   "While Debezium is capturing changes from the outbox table, it is expecting only to process 'create' or 'delete' row events; in case something else is processed this transform can log it as warning, error or stop the process.",
			Width: configdef.WidthMedium, Display: "Behavior when capturing an unexpected outbox event"},
		configdef.Key{Name: outboxExpandJSONPayload, Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.Medium,
			Doc:   "Whether or not to try unescaping a JSON string and make it real JSON. It will infer schema information from payload and update the record schema accordingly. If content is not JSON, it just produces a warning and emits the record unchanged",
			Width: configdef.WidthMedium, Display: "Expand Payload escaped string as real JSON"},
		configdef.Key{Name: outboxJSONNullBehavior, Type: configdef.String, Default: configdef.Def("ignore"), Importance: configdef.Medium,
			Doc:   "Behavior when json payload including null value, the default will ignore null, optional_bytes will keep the null value, and treat null as optional bytes of connect.",
			Width: configdef.WidthMedium, Display: "Behavior when json payload including null value"},
	),
	configdef.Grouped("Router",
		configdef.Key{Name: outboxRouteByField, Type: configdef.String, Default: configdef.Def("aggregatetype"), Importance: configdef.High,
			Doc: "The column which determines how the events will be routed, the value will become part of the topic name", Width: configdef.WidthMedium, Display: "Field to route events by"},
		configdef.Key{Name: outboxRouteTopicRegex, Type: configdef.String, Default: configdef.Def("(?<routedByValue>.*)"), Importance: configdef.Low,
			Doc:   "The default regex to use within the RegexRouter, the default capture will allow to replace the routed field into a new topic name defined in 'route.topic.replacement'",
			Width: configdef.WidthMedium, Display: "The name of the routed topic"},
		configdef.Key{Name: outboxRouteTopicReplace, Type: configdef.String, Default: configdef.Def("outbox.event.${routedByValue}"), Importance: configdef.High,
			Doc:   "The name of the topic in which the events will be routed, a replacement '${routedByValue}' is available which is the value of The column configured via 'route.by.field'",
			Width: configdef.WidthMedium, Display: "The name of the routed topic"},
		configdef.Key{Name: outboxTombstoneOnEmpty, Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.High,
			Doc: "Whether or not an empty payload should cause a tombstone event.", Width: configdef.WidthMedium, Display: "Empty payloads cause a tombstone message"},
	),
	configdef.Grouped("Tracing",
		configdef.Key{Name: outboxTracingSpanContext, Type: configdef.String, Default: configdef.Def("tracingspancontext"), Importance: configdef.High,
			Doc:   "The name of the field containing java.util.Properties representation of serialized span context. Defaults to 'tracingspancontext'",
			Width: configdef.WidthMedium, Display: "Serialized tracing span context field"},
		configdef.Key{Name: outboxTracingOperation, Type: configdef.String, Default: configdef.Def("debezium-read"), Importance: configdef.High,
			Doc: "The operation name representing Debezium processing span. Default is 'debezium-read'", Width: configdef.WidthMedium, Display: "Tracing operation name"},
		configdef.Key{Name: outboxTracingContextFOnly, Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.High,
			Doc: "Set to `true` when only events that have serialized context field should be traced.", Width: configdef.WidthMedium, Display: "Trace only events with context field present"},
	),
)
