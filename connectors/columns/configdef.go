package columns

import cd "github.com/sluicecdc/sluice/connectors/configdef"

// ConfigDefs describe the keys of this package as Kafka Connect 4.3.0
// lists them for Debezium's connectors (the families under the names
// Debezium defines them by, such as "column.mask.with.(d+).chars"). Each
// connector numbers them in its "Events" group; order gives the numbers of
// column.include.list, column.exclude.list, message.key.columns,
// column.mask.hash, column.mask.with, column.truncate.to,
// column.propagate.source.type and datatype.propagate.source.type.
func ConfigDefs(order [8]int) []cd.Key {
	const list = "A comma-separated list of regular expressions matching fully-qualified names of columns that "
	return []cd.Key{
		{Name: KeyInclude, Type: cd.List, Importance: cd.Medium, Group: "Events", Order: order[0], Width: cd.WidthLong, Display: "Include Columns",
			Doc: "Regular expressions matching columns to include in change events"},
		{Name: KeyExclude, Type: cd.List, Importance: cd.Medium, Group: "Events", Order: order[1], Width: cd.WidthLong, Display: "Exclude Columns",
			Doc: "Regular expressions matching columns to exclude from change events"},
		{Name: KeyMessageKey, Type: cd.String, Importance: cd.Medium, Group: "Events", Order: order[2], Width: cd.WidthLong, Display: "Columns PK mapping",
			Doc: "A semicolon-separated list of expressions that match fully-qualified tables and column(s) to be used as message key. " +
				"Each expression must match the pattern '<fully-qualified table name>:<key columns>', where the table names could be defined as " +
				"(DB_NAME.TABLE_NAME) or (SCHEMA_NAME.TABLE_NAME), depending on the specific connector, and the key columns are a comma-separated " +
				"list of columns representing the custom key. For any table without an explicit key configuration the table's primary key column(s) " +
				"will be used as message key. Example: dbserver1.inventory.orderlines:orderId,orderLineId;dbserver1.inventory.orders:id"},
		{Name: "column.mask.hash.([^.]+).with.salt.(.+)", Type: cd.String, Importance: cd.Medium, Group: "Events", Order: order[3], Width: cd.WidthLong,
			Display: "Mask Columns Using Hash and Salt",
			Doc:     list + "should be masked by hashing the input. Using the specified hash algorithms and salt."},
		{Name: "column.mask.with.(d+).chars", Type: cd.String, Importance: cd.Medium, Group: "Events", Order: order[4], Width: cd.WidthNone,
			Display: "Mask Columns With n Asterisks",
			Doc:     list + "should be masked with configured amount of asterisk ('*') characters."},
		{Name: "column.truncate.to.(d+).chars", Type: cd.Int, Importance: cd.Medium, Group: "Events", Order: order[5], Width: cd.WidthNone,
			Display: "Truncate Columns To n Characters",
			Doc:     list + "should be truncated to the configured amount of characters."},
		{Name: KeyPropagate, Type: cd.List, Importance: cd.Medium, Group: "Events", Order: order[6], Width: cd.WidthNone,
			Display: "Propagate Source Types by Columns",
			Doc:     list + "adds the column’s original type and original length as parameters to the corresponding field schemas in the emitted change records."},
		{Name: KeyPropagateType, Type: cd.List, Importance: cd.Medium, Group: "Events", Order: order[7], Width: cd.WidthNone,
			Display: "Propagate Source Types by Data Type",
			Doc: "A comma-separated list of regular expressions matching the database-specific data type names that adds the data type's original " +
				"type and original length as parameters to the corresponding field schemas in the emitted change records."},
	}
}
