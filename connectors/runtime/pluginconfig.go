package runtime

import (
	"maps"
	"strings"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// converterPlugins are the converters key.converter and value.converter
// take, as GET /connector-plugins?connectorsOnly=false lists them: Kafka
// Connect's JsonConverter with Kafka Connect's version, the Avro converters
// (sluice's own implementations of their wire format) without one; then
// the header converter sluice writes headers with.
var converterPlugins = []rest.PluginInfo{
	{Class: jsonConverter, Type: "converter", Version: rest.ConnectVersion},
	{Class: avroConverter, Type: "converter"},
	{Class: apicurioAvroConverter, Type: "converter"},
	{Class: simpleHeaderConverter, Type: "header_converter", Version: rest.ConnectVersion},
}

// taskClassKey is the key Kafka Connect's worker adds to each task config.
const taskClassKey = "task.class"

// Tasks returns the connector's task configurations: the connector's config
// as stored plus task.class, as Kafka Connect shows Debezium's one
// task. A STOPPED connector has no tasks.
func (s *Supervisor) Tasks(name string) ([]rest.TaskInfo, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil, err
	}
	info := s.info(m)
	out := make([]rest.TaskInfo, 0, len(info.Tasks))
	for _, id := range info.Tasks {
		cfg := maps.Clone(info.Config)
		if p := findPlugin(s.opts.Plugins, info.Config["connector.class"]); p != nil && p.TaskClass != "" {
			cfg[taskClassKey] = p.TaskClass
		}
		out = append(out, rest.TaskInfo{ID: id, Config: cfg})
	}
	return out, nil
}

// pluginVersion is the version of the plugin that runs m, as GET
// /connector-plugins reports it; "" when its class is unknown. Called with
// m.mu held.
func (s *Supervisor) pluginVersion(m *managed) string {
	if p := findPlugin(s.opts.Plugins, m.config["connector.class"]); p != nil {
		return p.Version
	}
	return ""
}

// PluginConfig returns the configuration definitions of the plugin named by
// class or alias. A transform, predicate or converter lists its keys as
// Kafka Connect does (otherPluginConfig). A connector lists its own keys in
// its order, then the keys the runtime handles for every connector that the
// plugin did not define (Kafka Connect lists the plugin's ConfigDef, then
// the framework's), then the keys the plugin honours without a definition,
// as optional STRINGs. Only keys a connector of the plugin takes are
// listed, so a definition may be written before its key is accepted.
func (s *Supervisor) PluginConfig(plugin string) ([]rest.ConfigKeyInfo, error) {
	p := findPlugin(s.opts.Plugins, plugin)
	if p == nil {
		if o := findOtherPlugin(plugin); o != nil {
			return otherPluginConfig(o.keys), nil
		}
		return nil, connerr.New(connerr.ErrNotFound, "Unknown plugin %s.", plugin)
	}
	var out []rest.ConfigKeyInfo
	takes := map[string]bool{}
	for _, k := range RuntimeKeys {
		takes[k] = true
	}
	for _, k := range p.Keys {
		takes[k] = true
	}
	inFamily := func(name string) bool { // Keys ending in "." stand for the keys they begin
		for _, k := range p.Keys {
			if strings.HasSuffix(k, ".") && strings.HasPrefix(name, k) {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	add := func(k configdef.Key) {
		if seen[k.Name] || !takes[k.Name] && !inFamily(k.Name) || strings.HasSuffix(k.Name, ".") {
			return
		}
		seen[k.Name] = true
		out = append(out, configKeyInfo(k, p))
	}
	for _, k := range p.Defs {
		add(k)
	}
	for _, k := range runtimeDefs {
		add(k)
	}
	for _, name := range p.Keys {
		if strings.HasSuffix(name, ".") {
			continue // a family of keys (keyprefix.go), not a key
		}
		add(configdef.Key{Name: name, Type: configdef.String, Importance: configdef.Low, Width: configdef.WidthNone, Display: name})
	}
	return out, nil
}

// configKeyInfo turns a definition into Kafka Connect's ConfigKeyInfo; a
// secret key of p is a PASSWORD.
func configKeyInfo(k configdef.Key, p *Plugin) rest.ConfigKeyInfo {
	info := rest.ConfigKeyInfo{
		Name:          k.Name,
		Type:          k.Type,
		Required:      k.Required,
		DefaultValue:  k.Default,
		Importance:    k.Importance,
		Documentation: k.Doc,
		OrderInGroup:  k.Order,
		Width:         k.Width,
		DisplayName:   k.Display,
		Dependents:    append([]string{}, k.Dependents...),
	}
	if k.Required {
		info.DefaultValue = nil
	}
	if k.Group != "" {
		g := k.Group
		info.Group = &g
	} else {
		info.OrderInGroup = -1
	}
	if isSecret(p, k.Name) {
		info.Type = configdef.Password
	}
	return info
}

// runtimeDefs define the keys of RuntimeKeys: Kafka Connect's own (texts
// from its ConnectorConfig and WorkerConfig) and sluice's.
var runtimeDefs = configdef.Concat(
	[]configdef.Key{
		// Group and order as Kafka Connect 4.3.0's ConnectorConfig (keys
		// sluice does not take, such as header.converter, are left out).
		{Name: "name", Type: configdef.String, Required: true, Importance: configdef.High, Group: "Common", Order: 1,
			Doc: "Globally unique name to use for this connector.", Width: configdef.WidthMedium, Display: "Connector name"},
		{Name: "connector.class", Type: configdef.String, Required: true, Importance: configdef.High, Group: "Common", Order: 2,
			Doc: "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. " +
				"sluice runs io.debezium.connector.postgresql.PostgresConnector, io.debezium.connector.mysql.MySqlConnector and " +
				"io.debezium.connector.mariadb.MariaDbConnector; the aliases PostgresConnector, Postgres, postgres and so on work too.",
			Width: configdef.WidthLong, Display: "Connector class"},
		{Name: "tasks.max", Type: configdef.Int, Default: configdef.Def("1"), Importance: configdef.High, Group: "Common", Order: 4,
			Doc:   "Maximum number of tasks to use for this connector. A change stream is read by one task, as with Debezium.",
			Width: configdef.WidthShort, Display: "Tasks max"},
		{Name: "key.converter", Type: configdef.Class, Importance: configdef.Low, Group: "Common", Order: 6,
			Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. " +
				"sluice supports org.apache.kafka.connect.json.JsonConverter (the default), io.confluent.connect.avro.AvroConverter " +
				"and io.apicurio.registry.utils.converter.AvroConverter.",
			Width: configdef.WidthShort, Display: "Key converter class"},
		{Name: "value.converter", Type: configdef.Class, Importance: configdef.Low, Group: "Common", Order: 8,
			Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. " +
				"sluice supports org.apache.kafka.connect.json.JsonConverter (the default), io.confluent.connect.avro.AvroConverter " +
				"and io.apicurio.registry.utils.converter.AvroConverter.",
			Width: configdef.WidthShort, Display: "Value converter class"},
		{Name: "transforms", Type: configdef.List, Default: configdef.Def(""), Importance: configdef.Low, Group: "Transforms", Order: 12,
			Doc: "Aliases for the transformations to be applied to records.", Width: configdef.WidthLong, Display: "Transforms"},
		{Name: "predicates", Type: configdef.List, Default: configdef.Def(""), Importance: configdef.Low, Group: "Predicates", Order: 13,
			Doc: "Aliases for the predicates used by transformations.", Width: configdef.WidthLong, Display: "Predicates"},
	},
	// Keys the runtime handles for Debezium and Kafka Connect's error
	// handling; a definition is listed only once the key is in RuntimeKeys.
	[]configdef.Key{
		{Name: "errors.retry.timeout", Type: configdef.Long, Default: configdef.Def("0"), Importance: configdef.Medium,
			Group: "Error Handling", Order: 1, Width: configdef.WidthMedium, Display: "Retry Timeout for Errors",
			Doc: "In ms: when positive, an outage that has lasted this long is given up and the task stays FAILED; 0 and -1 set no time limit."},
		{Name: "errors.retry.delay.max.ms", Type: configdef.Long, Importance: configdef.Medium,
			Group: "Error Handling", Order: 2, Width: configdef.WidthMedium, Display: "Maximum Delay Between Retries for Errors",
			Doc: "The longest wait between two attempts to reach a database or Kafka again; with retriable.restart.connector.wait.ms the smaller wins."},
		{Name: "errors.tolerance", Type: configdef.String, Default: configdef.Def("none"), Importance: configdef.Medium,
			Group: "Error Handling", Order: 3, Width: configdef.WidthShort, Display: "Error Tolerance",
			Doc: "What an event that fails to encode (Kafka Connect: a converter failure) or a record a transform fails on does: none fails the task; all skips the event (or the record) and logs it at WARN; skipped events are counted in sluice_events_skipped_total."},
		{Name: "errors.log.enable", Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.Medium,
			Group: "Error Handling", Order: 4, Width: configdef.WidthShort, Display: "Log Errors",
			Doc: "Accepted; sluice always logs a skipped event with its table, position and error."},
		{Name: "errors.log.include.messages", Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.Medium,
			Group: "Error Handling", Order: 5, Width: configdef.WidthShort, Display: "Log Error Details",
			Doc: "Whether the log of a skipped event includes its row values."},
		{Name: "retriable.restart.connector.wait.ms", Type: configdef.Long, Default: configdef.Def("10000"), Importance: configdef.Low,
			Group: "Connector", Order: 20, Width: configdef.WidthMedium, Display: "Retriable restart wait (ms)",
			Doc: "The longest wait between two attempts after a retriable error; the waits start at 1 s and double."},
		{Name: "errors.max.retries", Type: configdef.Int, Default: configdef.Def("-1"), Importance: configdef.Low,
			Group: "Connector", Order: 22, Width: configdef.WidthMedium, Display: "The maximum number of retries",
			Doc: "How many retries one outage gets before the task stays FAILED until restarted; -1 no limit, 0 fails at the first error."},
		{Name: "extended.headers.enabled", Type: configdef.Boolean, Default: configdef.Def("true"), Importance: configdef.Low,
			Group: "Connector", Order: 35, Width: configdef.WidthShort, Display: "Enable/Disable extended headers",
			Doc: "Whether every record carries Debezium's __debezium.context.* headers."},
	},
	// Debezium's queue and batch keys (group and order as Debezium's),
	// mapped to sluice's batches and queues; the defaults are sluice's.
	[]configdef.Key{
		{Name: "max.batch.size", Type: configdef.Int, Default: configdef.Def("10000"), Importance: configdef.Medium,
			Group: "Connector", Order: 2, Width: configdef.WidthShort, Display: "Change event batch size",
			Doc: "The most events one Kafka transaction holds (sluice's batch); sluice.batch.max.events wins when both are set."},
		{Name: "max.queue.size", Type: configdef.Int, Default: configdef.Def("2048"), Importance: configdef.Medium,
			Group: "Connector", Order: 3, Width: configdef.WidthShort, Display: "Change event buffer size",
			Doc: "The most events the source reads ahead of the batch being filled."},
		{Name: "poll.interval.ms", Type: configdef.Long, Default: configdef.Def("20"), Importance: configdef.Medium,
			Group: "Connector", Order: 4, Width: configdef.WidthShort, Display: "Poll interval (ms)",
			Doc: "How long a batch waits for more events before it commits; sluice.batch.linger.ms wins when both are set."},
		{Name: "max.queue.size.in.bytes", Type: configdef.Long, Default: configdef.Def("0"), Importance: configdef.Medium,
			Group: "Connector", Order: 5, Width: configdef.WidthLong, Display: "Change event buffer size in bytes",
			Doc: "The most bytes of events the source reads ahead of the batch being filled; 0 keeps the source's own bound (16 MiB Postgres, 8 MiB MySQL/MariaDB)."},
		{Name: "connection.validation.timeout.ms", Type: configdef.Long, Default: configdef.Def("60000"), Importance: configdef.Low,
			Group: "Connector", Order: 52, Width: configdef.WidthShort, Display: "Connection validation timeout (ms)",
			Doc: "How long validate's check of the database connection and login may take."},
		{Name: "schema.name.adjustment.mode", Type: configdef.String, Default: configdef.Def("none"), Importance: configdef.Low,
			Group: "Connector", Order: 53, Width: configdef.WidthMedium, Display: "Schema Name Adjustment",
			Doc: "How the Key, Value and Envelope schema names are adjusted for Avro: none (Debezium's default) writes them as they are; avro replaces each character Avro does not allow with _; avro_unicode with _uXXXX."},
		{Name: "field.name.adjustment.mode", Type: configdef.String, Default: configdef.Def("none"), Importance: configdef.Low,
			Group: "Connector", Order: 54, Width: configdef.WidthMedium, Display: "Field Name Adjustment",
			Doc: "How column (field) names are adjusted for Avro: none (Debezium's default) writes them as they are; avro replaces each character Avro does not allow with _; avro_unicode with _uXXXX."},
	},
	// Kafka Connect's topic.creation.groups is order 1 of this group.
	[]configdef.Key{
		{Name: "topic.creation.groups", Type: configdef.List, Default: configdef.Def(""), Importance: configdef.Low,
			Group: "Topic Creation", Order: 1, Width: configdef.WidthLong, Display: "Topic Creation Groups",
			Doc: "Groups of configurations for the topics sluice creates: topic.creation.<group>.include/exclude (regular expressions of topic names), .partitions, .replication.factor and any topic config; a topic takes the first group that includes it, else the default group."},
		{Name: "topic.creation.default.partitions", Type: configdef.Int, Default: configdef.Def("-1"), Importance: configdef.Low,
			Group: "Topic Creation", Order: 2, Width: configdef.WidthShort, Display: "Partitions",
			Doc: "The number of partitions of the topics sluice creates; -1 uses the broker's default."},
		{Name: "topic.creation.default.replication.factor", Type: configdef.Int, Default: configdef.Def("-1"), Importance: configdef.Low,
			Group: "Topic Creation", Order: 3, Width: configdef.WidthShort, Display: "Replication factor",
			Doc: "The replication factor of the topics sluice creates; -1 uses the broker's default."},
	},
	configdef.Grouped("Producer overrides",
		producerDef("producer.override.compression.type", configdef.String, "The compression of the record batches sluice writes: none, gzip, snappy, lz4 or zstd."),
		producerDef("producer.override.linger.ms", configdef.Long, "How long the producer waits to fill a record batch (sluice's default 10)."),
		producerDef("producer.override.batch.size", configdef.Int, "The largest record batch, in bytes (sluice's default 262144)."),
		producerDef("producer.override.max.request.size", configdef.Int, "The largest request to a broker, in bytes; at least the batch size."),
		producerDef("producer.override.buffer.memory", configdef.Long, "The most bytes of records buffered before a write waits (sluice's default 268435456)."),
		producerDef("producer.override.client.id", configdef.String, "The producer's client.id."),
		producerDef("producer.override.request.timeout.ms", configdef.Int, "How long a produce request may take."),
		producerDef("producer.override.delivery.timeout.ms", configdef.Int, "How long a record may take to be delivered before its transaction fails (sluice's default 30000)."),
		producerDef("producer.override.acks", configdef.String, "Only all (-1): Kafka transactions need it."),
		producerDef("producer.override.enable.idempotence", configdef.Boolean, "Only true: Kafka transactions need it."),
		producerDef("producer.override.transactional.id", configdef.String, "Refused: each connector's transactional.id is sluice-<connector name>."),
	),
	configdef.Grouped("Converters",
		converterDef("key.converter.schemas.enable", configdef.Boolean, configdef.Def("true"), "Include the Connect schema in each JSON key ({schema, payload}). Default true when key.converter names the JsonConverter, as the JsonConverter's; without key.converter, the worker's default (sluice serve --converter-schemas-enable, false unless set)."),
		converterDef("value.converter.schemas.enable", configdef.Boolean, configdef.Def("true"), "Include the Connect schema in each JSON value ({schema, payload}). Default true when value.converter names the JsonConverter, as the JsonConverter's; without value.converter, the worker's default (sluice serve --converter-schemas-enable, false unless set)."),
		converterDef("key.converter.schema.registry.url", configdef.List, nil, "The schema registry URLs of an Avro key converter."),
		converterDef("value.converter.schema.registry.url", configdef.List, nil, "The schema registry URLs of an Avro value converter."),
		converterDef("key.converter.apicurio.registry.url", configdef.String, nil, "The Apicurio registry URL of an Avro key converter (its Confluent-compatible API)."),
		converterDef("value.converter.apicurio.registry.url", configdef.String, nil, "The Apicurio registry URL of an Avro value converter (its Confluent-compatible API)."),
		converterDef("key.converter.basic.auth.credentials.source", configdef.String, nil, "USER_INFO: authenticate to the key schema registry with basic.auth.user.info."),
		converterDef("value.converter.basic.auth.credentials.source", configdef.String, nil, "USER_INFO: authenticate to the value schema registry with basic.auth.user.info."),
		converterDef("key.converter.basic.auth.user.info", configdef.Password, nil, "user:password for the key schema registry."),
		converterDef("value.converter.basic.auth.user.info", configdef.Password, nil, "user:password for the value schema registry."),
		converterDef("key.converter.replace.null.with.default", configdef.Boolean, configdef.Def("true"), "JSON key converter: write a field's default where its value is null (Kafka Connect's JsonConverter option)."),
		converterDef("value.converter.replace.null.with.default", configdef.Boolean, configdef.Def("true"), "JSON value converter: write a field's default where its value is null (Kafka Connect's JsonConverter option)."),
		converterDef("key.converter.decimal.format", configdef.String, configdef.Def("BASE64"), "JSON key converter: how decimals are written; only BASE64 (the JsonConverter's default)."),
		converterDef("value.converter.decimal.format", configdef.String, configdef.Def("BASE64"), "JSON value converter: how decimals are written; only BASE64 (the JsonConverter's default)."),
		converterDef("key.converter.ignore.default.for.nullables", configdef.Boolean, configdef.Def("false"), "Avro key converter: keep a null in a nullable field that has a default (Confluent's AvroConverter option)."),
		converterDef("value.converter.ignore.default.for.nullables", configdef.Boolean, configdef.Def("false"), "Avro value converter: keep a null in a nullable field that has a default (Confluent's AvroConverter option)."),
	),
	configdef.Grouped("sluice",
		configdef.Key{Name: "sluice.batch.max.events", Type: configdef.Int, Default: configdef.Def("10000"), Importance: configdef.Low,
			Doc: "The most events one Kafka transaction holds.", Width: configdef.WidthShort, Display: "Batch events"},
		configdef.Key{Name: "sluice.batch.max.bytes", Type: configdef.Int, Default: configdef.Def("8388608"), Importance: configdef.Low,
			Doc: "The most encoded key and value bytes one Kafka transaction holds.", Width: configdef.WidthShort, Display: "Batch bytes"},
		configdef.Key{Name: "sluice.batch.linger.ms", Type: configdef.Int, Default: configdef.Def("20"), Importance: configdef.Low,
			Doc: "How long a batch may wait for more events before it commits.", Width: configdef.WidthShort, Display: "Batch linger"},
	),
	migrateDefs,
)

func producerDef(name, typ, doc string) configdef.Key {
	return configdef.Key{Name: name, Type: typ, Importance: configdef.Low, Doc: doc, Width: configdef.WidthMedium, Display: name}
}

func converterDef(name, typ string, def *string, doc string) configdef.Key {
	return configdef.Key{Name: name, Type: typ, Default: def, Importance: configdef.Low, Doc: doc, Width: configdef.WidthMedium, Display: name}
}
