import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.source.*;
import org.apache.kafka.connect.transforms.*;
import java.util.*;
String run(Schema s, Object v, String spec) {
  var c = new Cast.Value<SourceRecord>();
  c.configure(Map.of("spec", spec));
  try {
    var r = c.apply(new SourceRecord(null, null, "t", 0, s, v));
    Object o = r.value();
    String os = o instanceof byte[] ? "bytes" : String.valueOf(o);
    return (o == null ? "null" : o.getClass().getSimpleName()) + ":" + os + (r.valueSchema() != null ? " schema=" + r.valueSchema().type() + "/" + r.valueSchema().name() : "");
  } catch (Exception e) { return "ERR " + e.getMessage(); }
}
System.out.println("1 " + run(null, 300L, "int8"));
System.out.println("2 " + run(null, 300L, "int16"));
System.out.println("3 " + run(null, 1e10, "int32"));
System.out.println("4 " + run(null, 1e10, "int8"));
System.out.println("5 " + run(null, -0.5, "boolean"));
System.out.println("6 " + run(null, 2.5, "boolean"));
System.out.println("7 " + run(null, 1.1f, "float64"));
System.out.println("8 " + run(null, 1.1f, "string"));
System.out.println("9 " + run(null, 1e7, "string"));
System.out.println("10 " + run(null, "127", "int8"));
System.out.println("11 " + run(null, "128", "int8"));
System.out.println("12 " + run(null, " 1", "int32"));
System.out.println("13 " + run(null, "1.5", "float32"));
System.out.println("14 " + run(null, " 2.5 ", "float64"));
System.out.println("15 " + run(null, "1e3f", "float32"));
System.out.println("16 " + run(null, "abc", "boolean"));
System.out.println("17 " + run(null, "TRUE", "boolean"));
System.out.println("18 " + run(null, true, "int32"));
System.out.println("19 " + run(null, true, "string"));
System.out.println("20 " + run(null, new byte[]{1,2,3}, "string"));
System.out.println("21 " + run(null, new byte[]{1,2,3}, "int8"));
System.out.println("22 " + run(null, new HashMap<>(Map.of("a", 1)), "int8"));
System.out.println("23 " + run(Decimal.schema(2), new java.math.BigDecimal("123.45"), "string"));
System.out.println("24 " + run(Decimal.schema(2), new java.math.BigDecimal("-123.45"), "int32"));
System.out.println("25 " + run(Decimal.schema(2), new java.math.BigDecimal("123.45"), "float64"));
System.out.println("26 " + run(org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(19724L*86400000), "string"));
System.out.println("27 " + run(org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(19724L*86400000), "int64"));
System.out.println("28 " + run(Timestamp.SCHEMA, new java.util.Date(1704190272123L), "string"));
System.out.println("29 " + run(Time.SCHEMA, new java.util.Date(36672123L), "string"));
System.out.println("30 " + run(SchemaBuilder.int32().name("io.debezium.time.Date").version(1).build(), 19724, "string"));
System.out.println("31 " + run(null, "x", "bytes"));
System.out.println("32 " + run(null, -1e10, "int64"));
System.out.println("33 " + run(null, Double.NaN, "int16"));
System.out.println("34 " + run(null, 123456789012L, "float32"));
System.out.println("35 " + run(null, "+5", "int64"));
System.out.println("36 " + run(null, "Infinity", "float64"));
System.out.println("37 " + run(null, new ArrayList<>(List.of(1)), "string"));
System.out.println("38 " + run(null, 0.001f, "string"));
System.out.println("39 " + run(Decimal.schema(0), new java.math.BigDecimal("99999999999999999999"), "int64"));
System.out.println("40 " + run(null, "0x10", "int32"));
System.out.println("41 " + run(null, "1_000", "int32"));
System.out.println("42 " + run(null, ".5", "float64"));
System.out.println("43 " + run(null, "5.", "float64"));
var s = SchemaBuilder.struct().name("n").version(2).field("a", SchemaBuilder.int64().optional().defaultValue(5L).build()).field("b", Schema.STRING_SCHEMA).build();
var st = new Struct(s).put("b", "x");
System.out.println("44 " + run(s, st, "a:string"));
{ var c = new Cast.Value<SourceRecord>(); c.configure(Map.of("spec", "a:string")); var r = c.apply(new SourceRecord(null, null, "t", 0, s, st)); System.out.println("45 " + r.valueSchema().fields() + " " + r.valueSchema().field("a").schema().defaultValue() + " " + r.valueSchema().name() + " " + r.valueSchema().version() + " " + r.value()); }
{ var c = new Cast.Value<SourceRecord>(); c.configure(Map.of("spec", "a:string", "replace.null.with.default", "false")); var r = c.apply(new SourceRecord(null, null, "t", 0, s, st)); System.out.println("46 " + r.value()); }
{ var c = new Cast.Value<SourceRecord>(); c.configure(Map.of("spec", "a:int8,zz:int8")); var r = c.apply(new SourceRecord(null, null, "t", 0, null, new HashMap<>(Map.of("a", 300)))); System.out.println("47 " + r.value()); }
System.out.println("48 " + run(s, st, "string"));
/exit
