import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.source.*;
import org.apache.kafka.connect.transforms.*;
import java.util.*;
String run(Schema s, Object v, String target, String fmt, String prec) {
  try {
  var c = new TimestampConverter.Value<SourceRecord>();
  var m = new HashMap<String, String>(); m.put("target.type", target); if (fmt != null) m.put("format", fmt); if (prec != null) m.put("unix.precision", prec);
  c.configure(m);
    var r = c.apply(new SourceRecord(null, null, "t", 0, s, v));
    Object o = r.value();
    String os = o instanceof java.util.Date ? "Date(" + ((java.util.Date) o).getTime() + ")" : String.valueOf(o);
    return (o == null ? "null" : o.getClass().getSimpleName()) + ":" + os + (r.valueSchema() != null ? " schema=" + r.valueSchema() : "");
  } catch (Exception e) { return "ERR " + e.getClass().getSimpleName() + ": " + e.getMessage(); }
}
System.out.println("1 " + run(null, 1704190272123L, "string", "yyyy-MM-dd HH:mm:ss.SSS", null));
System.out.println("2 " + run(null, 1704190272123L, "Date", null, null));
System.out.println("3 " + run(null, 1704190272123L, "Time", null, null));
System.out.println("4 " + run(null, "2024-01-02T10:11:12.123456Z", "unix", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", null));
System.out.println("5 " + run(null, "2024-13-45", "unix", "yyyy-MM-dd", null));
System.out.println("6 " + run(null, "20240102", "unix", "yyyyMMdd", null));
System.out.println("7 " + run(null, "02/Jan/2024:10:11:12 +0100", "unix", "dd/MMM/yyyy:HH:mm:ss Z", null));
System.out.println("8 " + run(null, "x", "unix", "yyyy-MM-dd", null));
System.out.println("9 " + run(null, 1704190272123L, "string", "EEE, d MMM yyyy hh:mm a z", null));
System.out.println("10 " + run(null, -1500L, "unix", null, "seconds"));
System.out.println("11 " + run(null, -1L, "Date", null, null));
System.out.println("12 " + run(null, -1L, "Time", null, null));
System.out.println("13 " + run(null, 1704190272123L, "string", "SSSSSS yy kk", null));
System.out.println("14 " + run(null, "24-01-02", "unix", "yy-MM-dd", null));
System.out.println("15 " + run(SchemaBuilder.int32().name("io.debezium.time.Date").version(1).optional().build(), 19724, "string", "yyyy", null));
System.out.println("16 " + run(null, "2024-01-02T10:11:12+01:00", "unix", "yyyy-MM-dd'T'HH:mm:ssXXX", null));
System.out.println("17 " + run(null, "2024-01-02 10:11", "unix", "yyyy-MM-dd HH:mm:ss", null));
System.out.println("18 " + run(null, 1704153600000L, "string", "kk:mm EEEE MMMM", null));
System.out.println("19 " + run(null, 1704190272123L, "string", "yyyy-MM-dd iii", null));
System.out.println("20 " + run(null, 1704190272123L, "string", null, null));
System.out.println("21 " + run(null, 1704190272123L, "bogus", null, null));
System.out.println("22 " + run(null, 5, "unix", null, null));
System.out.println("23 " + run(null, 1704190272123L, "unix", null, "microseconds"));
System.out.println("24 " + run(null, 1704190272123456L, "Timestamp", null, "microseconds"));
System.out.println("25 " + run(SchemaBuilder.int64().name("io.debezium.time.Timestamp").version(1).optional().build(), 1704190272123L, "string", "yyyy-MM-dd'T'HH:mm:ss.SSS", null));
System.out.println("26 " + run(SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").version(1).build(), "2024-01-02T10:11:12.123456Z", "Timestamp", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", null));
System.out.println("27 " + run(null, "2024-01-02 10:11:12 PM", "unix", "yyyy-MM-dd hh:mm:ss a", null));
System.out.println("28 " + run(null, "2024-01-02 12:11:12 AM", "unix", "yyyy-MM-dd hh:mm:ss a", null));
System.out.println("29 " + run(null, "2024-01-02 10:11:12 UTC", "unix", "yyyy-MM-dd HH:mm:ss z", null));
System.out.println("30 " + run(null, "2024-01-02 'x", "unix", "yyyy-MM-dd ''x", null));
System.out.println("31 " + run(null, 1704190272123L, "string", "yyyy-MM-dd'T'HH:mm:ssXXX Z zzzz", null));
System.out.println("32 " + run(null, "-5-01-02", "unix", "y-MM-dd", null));
/exit
