package txmeta

import cd "github.com/sluicecdc/sluice/connectors/configdef"

// ConfigDefs describe the two keys: provide.transaction.metadata as Kafka
// Connect 4.3.0 lists it for Debezium 3.6.1; Debezium lists no
// topic.transaction.
func ConfigDefs() []cd.Key {
	return []cd.Key{
		{Name: "provide.transaction.metadata", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: "Connector", Order: 6, Width: cd.WidthShort, Display: "Store transaction metadata information in a dedicated topic.",
			Doc: "Enables transaction metadata extraction together with event counting: BEGIN and END records on <topic.prefix>.<topic.transaction> and a transaction block in every streamed change event."},
		{Name: "topic.transaction", Type: cd.String, Default: cd.Def(DefaultTopic), Importance: cd.Low, Group: "Connector", Order: 7, Width: cd.WidthMedium, Display: "Transaction topic name",
			Doc: "The name after <topic.prefix>. of the topic the transaction metadata records go to."},
	}
}
