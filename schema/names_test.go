package schema

import "testing"

// TestNameAdjustment: names as Debezium's SchemaNameAdjuster (AVRO,
// AVRO_UNICODE) and field namers (AVRO_FIELD_NAMER,
// AVRO_UNICODE_FIELD_NAMER) adjust them, worked out from their rules
// (ReplacementFunction, UnicodeReplacementFunction,
// FieldNameUnderscoreReplacementFunction, FieldNameUnicodeReplacementFunction).
func TestNameAdjustment(t *testing.T) {
	for _, c := range []struct {
		mode, in, schema, field string
	}{
		{NameAdjustNone, "my-db.public.t-1.Value", "my-db.public.t-1.Value", "my-db.public.t-1.Value"},
		{NameAdjustAvro, "dbserver1.public.customers.Value", "dbserver1.public.customers.Value", "dbserver1_public_customers_Value"},
		{NameAdjustAvro, "my-db.public.t-1.Value", "my_db.public.t_1.Value", "my_db_public_t_1_Value"},
		{NameAdjustAvro, "1st_column", "_1st_column", "_1st_column"},
		{NameAdjustAvro, "_ok", "_ok", "_ok"},
		{NameAdjustAvro, "prénom", "pr_nom", "pr_nom"},
		{NameAdjustAvro, "a😀b", "a__b", "a__b"}, // outside the BMP: two UTF-16 units
		{NameAdjustAvroUnicode, "my-db.public.t_1.Value", "my_u002ddb.public.t_u005f1.Value", "my_u002ddb_u002epublic_u002et_u005f1_u002eValue"},
		{NameAdjustAvroUnicode, "_x", "_u005fx", "_u005fx"},
		{NameAdjustAvroUnicode, "1a", "_u0031a", "_u0031a"},
		{NameAdjustAvroUnicode, "prénom", "pr_u00e9nom", "pr_u00e9nom"},
		{NameAdjustAvroUnicode, "aĀb", "a_u100b", "a_u100b"}, // 3 hex digits are not padded
		{NameAdjustAvroUnicode, "a中b", "a_u4e2db", "a_u4e2db"},
		{NameAdjustAvro, "", "", ""},
	} {
		if got := AdjustSchemaName(c.mode, c.in); got != c.schema {
			t.Errorf("AdjustSchemaName(%s, %q) = %q, want %q", c.mode, c.in, got, c.schema)
		}
		if got := AdjustFieldName(c.mode, c.in); got != c.field {
			t.Errorf("AdjustFieldName(%s, %q) = %q, want %q", c.mode, c.in, got, c.field)
		}
	}
}
