package runtime

import (
	"maps"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// converterPlugins are the converters key.converter and value.converter
// take, as GET /connector-plugins?connectorsOnly=false lists them: Kafka
// Connect's JsonConverter with Kafka Connect's version, the Avro converters
// (sluice's own implementations of their wire format) without one.
var converterPlugins = []rest.PluginInfo{
	{Class: jsonConverter, Type: "converter", Version: rest.ConnectVersion},
	{Class: avroConverter, Type: "converter"},
	{Class: apicurioAvroConverter, Type: "converter"},
}

// taskClassKey is the key Kafka Connect's worker adds to each task config.
const taskClassKey = "task.class"

// Tasks returns the connector's task configurations: the connector's config
// (secrets hidden) plus task.class, as Kafka Connect shows Debezium's one
// task. A STOPPED connector has no tasks.
func (s *Supervisor) Tasks(name string) ([]rest.TaskInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return nil, err
	}
	info := s.info(m)
	out := make([]rest.TaskInfo, 0, len(info.Tasks))
	for _, id := range info.Tasks {
		cfg := maps.Clone(info.Config)
		if p := findPlugin(s.opts.Plugins, m.config["connector.class"]); p != nil && p.TaskClass != "" {
			cfg[taskClassKey] = p.TaskClass
		}
		out = append(out, rest.TaskInfo{ID: id, Config: cfg})
	}
	return out, nil
}

// pluginVersion is the version of the plugin that runs m, as GET
// /connector-plugins reports it; "" when its class is unknown. Called with
// mu held.
func (s *Supervisor) pluginVersion(m *managed) string {
	if p := findPlugin(s.opts.Plugins, m.config["connector.class"]); p != nil {
		return p.Version
	}
	return ""
}

// PluginConfig returns the configuration definitions of the plugin named by
// class or alias: the plugin's own keys in its order, then the keys the
// runtime handles for every connector that the plugin did not define (Kafka
// Connect lists the plugin's ConfigDef, then the framework's), then the keys
// the plugin honours without a definition, as optional STRINGs. Only keys a
// connector of the plugin takes are listed, so a definition may be written
// before its key is accepted.
func (s *Supervisor) PluginConfig(plugin string) ([]rest.ConfigKeyInfo, error) {
	p := findPlugin(s.opts.Plugins, plugin)
	if p == nil {
		return nil, rest.Errorf(404, "Unknown plugin %s.", plugin)
	}
	var out []rest.ConfigKeyInfo
	takes := map[string]bool{}
	for _, k := range RuntimeKeys {
		takes[k] = true
	}
	for _, k := range p.Keys {
		takes[k] = true
	}
	seen := map[string]bool{}
	add := func(k configdef.Key) {
		if seen[k.Name] || !takes[k.Name] {
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
	// Kafka Connect's topic.creation.groups is order 1 of this group.
	[]configdef.Key{
		{Name: "topic.creation.default.partitions", Type: configdef.Int, Default: configdef.Def("-1"), Importance: configdef.Low,
			Group: "Topic Creation", Order: 2, Width: configdef.WidthShort, Display: "Partitions",
			Doc: "The number of partitions of the topics sluice creates; -1 uses the broker's default."},
		{Name: "topic.creation.default.replication.factor", Type: configdef.Int, Default: configdef.Def("-1"), Importance: configdef.Low,
			Group: "Topic Creation", Order: 3, Width: configdef.WidthShort, Display: "Replication factor",
			Doc: "The replication factor of the topics sluice creates; -1 uses the broker's default."},
	},
	configdef.Grouped("Converters",
		converterDef("key.converter.schemas.enable", configdef.Boolean, configdef.Def("false"), "Include the Connect schema in each JSON key ({schema, payload})."),
		converterDef("value.converter.schemas.enable", configdef.Boolean, configdef.Def("false"), "Include the Connect schema in each JSON value ({schema, payload})."),
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

func converterDef(name, typ string, def *string, doc string) configdef.Key {
	return configdef.Key{Name: name, Type: typ, Default: def, Importance: configdef.Low, Doc: doc, Width: configdef.WidthMedium, Display: name}
}
