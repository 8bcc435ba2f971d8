package transforms

import "github.com/sluicecdc/sluice/connectors/configdef"

// unwrapKeys are the keys Kafka Connect lists for Debezium 3.6.1's
// ExtractNewRecordState, in its order: each in the null group with order 1,
// as Debezium's Field.group(config, null, …) defines them.
// replace.null.with.default is read too but not listed (Debezium leaves it
// out of the class's ConfigDef); it is in unwrapHiddenKeys.
var unwrapKeys = []configdef.Key{
	{Name: "delete.tombstone.handling.mode", Type: configdef.String, Default: configdef.Def("tombstone"), Importance: configdef.Medium,
		Doc: "How to handle delete records. Options are: " +
			"drop - Remove the delete event and tombstone from the stream." +
			"tombstone (default) - For each delete event, leave only a tombstone in the stream." +
			"rewrite - Remove tombstone from the record, and add a `__deleted` field with the value `true`." +
			"rewrite-with-tombstone - Retain tombstone in record and add a `__deleted` field with the value `true`." +
			"delete-to-tombstone - Convert delete events to tombstone events and drop tombstone events.",
		Order: 1, Width: configdef.WidthMedium, Display: "Handle delete and tombstone records"},
	{Name: "route.by.field", Type: configdef.String, Default: configdef.Def(""), Importance: configdef.Low,
		Doc:   "The column which determines how the events will be routed, the value will replace the topic name.",
		Order: 1, Width: configdef.WidthLong, Display: "Route by field name"},
	{Name: "add.fields.prefix", Type: configdef.String, Default: configdef.Def("__"), Importance: configdef.Low,
		Doc:   "Adds this prefix to each field listed.",
		Order: 1, Width: configdef.WidthShort, Display: "Field prefix to be added to each field."},
	{Name: "add.fields", Type: configdef.List, Default: configdef.Def(""), Importance: configdef.Low,
		Doc: "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). " +
			"Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. " +
			"Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP." +
			"Please note that the new field name is case-sensitive.",
		Order: 1, Width: configdef.WidthLong, Display: "Adds the specified field(s) to the message if they exist."},
	{Name: "add.headers.prefix", Type: configdef.String, Default: configdef.Def("__"), Importance: configdef.Low,
		Doc:   "Adds this prefix listed to each header.",
		Order: 1, Width: configdef.WidthShort, Display: "Header prefix to be added to each header."},
	{Name: "add.headers", Type: configdef.List, Default: configdef.Def(""), Importance: configdef.Low,
		Doc: "Adds each field listed to the header,  __ (or __<struct>_ if the struct is specified). " +
			"Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. " +
			"Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP." +
			"Please note that the new field name is case-sensitive.",
		Order: 1, Width: configdef.WidthLong, Display: "Adds the specified fields to the header if they exist."},
	{Name: "drop.fields.header.name", Type: configdef.String, Importance: configdef.Low,
		Doc:   "Specifies the name of a header that contains a list of fields to be removed from the event value.",
		Order: 1, Width: configdef.WidthShort, Display: "Specifies a header that contains a list of field names to be removed"},
	{Name: "drop.fields.from.key", Type: configdef.Boolean, Default: configdef.Def("false"), Importance: configdef.Low,
		Doc: "Specifies whether to apply the drop fields behavior to the event key as well as the value. " +
			"Default behavior is to only remove fields from the event value, not the key.",
		Order: 1, Width: configdef.WidthShort, Display: "Specifies whether the fields to be dropped should also be omitted from the key"},
	{Name: "drop.fields.keep.schema.compatible", Type: configdef.Boolean, Default: configdef.Def("true"), Importance: configdef.Low,
		Doc: "Controls the output event's schema compatibility when using the drop fields feature. " +
			"`true`: dropped fields are removed if the schema indicates its optional leaving the schemas unchanged, " +
			"`false`: dropped fields are removed from the key/value schemas, regardless of optionality.",
		Order: 1, Width: configdef.WidthShort, Display: "Specifies if fields are dropped, will the event's schemas be compatible"},
}

// unwrapHiddenKeys are options ExtractNewRecordState reads that Kafka
// Connect does not list for it.
var unwrapHiddenKeys = []string{"replace.null.with.default"}
