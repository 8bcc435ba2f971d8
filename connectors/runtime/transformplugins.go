package runtime

import (
	"strings"

	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/transforms"
)

// The header converter sluice writes record headers with (Kafka Connect's
// default header.converter).
const simpleHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// otherPlugin is a plugin that is not a connector: a transform, predicate,
// converter or header converter, with the keys GET
// /connector-plugins/{class}/config lists for it.
type otherPlugin struct {
	rest.PluginInfo
	keys []configdef.Key
}

// otherPlugins returns the registered transforms and predicates, then the
// converters and the header converter, as GET
// /connector-plugins?connectorsOnly=false lists them (the handler orders
// them by type and class).
func otherPlugins() []otherPlugin {
	var out []otherPlugin
	for _, p := range transforms.Plugins() {
		out = append(out, otherPlugin{rest.PluginInfo{Class: p.Class, Type: p.Kind, Version: p.Version}, p.Keys})
	}
	for _, c := range converterPlugins {
		out = append(out, otherPlugin{c, converterKeys[c.Class]})
	}
	return out
}

// findOtherPlugin returns the non-connector plugin named by class or by an
// alias Kafka Connect gives it: the class's simple name, and the simple
// name without its type's suffix ("Json" for the JsonConverter), each when
// no other plugin has it. A nested class (Cast$Value) has no alias.
func findOtherPlugin(name string) *otherPlugin {
	all := otherPlugins()
	for i := range all {
		if all[i].Class == name {
			return &all[i]
		}
	}
	var found *otherPlugin
	n := 0
	for i := range all {
		if pluginAliases(all[i].PluginInfo)[name] {
			found = &all[i]
			n++
		}
	}
	if n != 1 {
		return nil
	}
	return found
}

// typeSuffix is the suffix Kafka Connect's alias of a plugin drops, by type
// (PluginType.simpleName).
var typeSuffix = map[string]string{
	transforms.KindTransformation: "Transformation",
	transforms.KindPredicate:      "Predicate",
	"converter":                   "Converter",
	"header_converter":            "HeaderConverter",
}

func pluginAliases(p rest.PluginInfo) map[string]bool {
	simple := p.Class[strings.LastIndexByte(p.Class, '.')+1:]
	if strings.Contains(simple, "$") {
		return nil
	}
	out := map[string]bool{simple: true}
	if pruned := strings.TrimSuffix(simple, typeSuffix[p.Type]); pruned != "" {
		out[pruned] = true
	}
	return out
}

// otherPluginConfig converts a transform's, predicate's or converter's
// keys to Kafka Connect's ConfigKeyInfo, in their order. Keys are written
// the way the Connect ConfigDef of the class defines them, with
// ConfigDef.define's defaults filled in: a key without group and order is
// order -1 (Kafka's own transforms; Debezium's Fields without group say 1),
// a key without width is NONE and without display name shows its name.
func otherPluginConfig(keys []configdef.Key) []rest.ConfigKeyInfo {
	out := make([]rest.ConfigKeyInfo, 0, len(keys))
	for _, k := range keys {
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
		} else if k.Order == 0 {
			info.OrderInGroup = -1
		}
		if info.Width == "" {
			info.Width = configdef.WidthNone
		}
		if info.DisplayName == "" {
			info.DisplayName = k.Name
		}
		out = append(out, info)
	}
	return out
}

// converterKeys are the keys Kafka Connect 4.3.0 lists for the converters
// sluice has. The Avro converters' config() is empty (Apicurio's, as the
// real Connect answers; Confluent's AvroConverter does not override
// Converter.config()), as is the SimpleHeaderConverter's.
var converterKeys = map[string][]configdef.Key{
	jsonConverter: {
		{Name: "converter.type", Type: configdef.String, Required: true, Importance: configdef.Low,
			Doc: "How this converter will be used."},
		{Name: "schemas.enable", Type: configdef.Boolean, Default: configdef.Def("true"), Importance: configdef.High,
			Doc:   "Include schemas within each of the serialized values and keys.",
			Group: "Schemas", Order: 0, Width: configdef.WidthMedium, Display: "Enable Schemas"},
		{Name: "schemas.cache.size", Type: configdef.Int, Default: configdef.Def("1000"), Importance: configdef.High,
			Doc:   "The maximum number of schemas that can be cached in this converter instance.",
			Group: "Schemas", Order: 1, Width: configdef.WidthMedium, Display: "Schema Cache Size"},
		{Name: "schema.content", Type: configdef.String, Importance: configdef.High,
			Doc: "When set, this is used as the schema for all messages, and the schemas within each of the message will be ignored." +
				"Otherwise, the schema will be included in the content of each message. This configuration applies only 'schemas.enable' is true, " +
				"and it exclusively affects the sink connector.",
			Group: "Schemas", Order: 2, Width: configdef.WidthMedium, Display: "Schema Content"},
		{Name: "decimal.format", Type: configdef.String, Default: configdef.Def("BASE64"), Importance: configdef.Low,
			Doc:   "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
			Group: "Serialization", Order: 0, Width: configdef.WidthMedium, Display: "Decimal Format"},
		{Name: "replace.null.with.default", Type: configdef.Boolean, Default: configdef.Def("true"), Importance: configdef.Low,
			Doc:   "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
			Group: "Serialization", Order: 1, Width: configdef.WidthMedium, Display: "Replace null with default"},
	},
}
