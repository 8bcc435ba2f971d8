// TimezoneCases runs Debezium 3.6.1's own TimezoneConverter over the cases
// of timezone_cases.tsv (a change event whose before and after hold two
// members f and g of the case's schema and value, and whose source holds
// table, ts_ms, ts_us and ts_ns) and prints each case with what came out:
// timezone_expected.tsv, the expectations of timezoneconverter_test.go.
// Regenerate with (jars of the side-by-side environment):
//
//   P=/var/cache/sluice-env/connect/plugins/debezium-connector-postgres
//   CP="$P/*:/var/cache/sluice-env/connect/lib/*"
//   java -cp "$CP" TimezoneCases.java < timezone_cases.tsv > timezone_expected.tsv
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.transforms.TimezoneConverter;

public class TimezoneCases {
    static SchemaBuilder builder(String logical) {
        switch (logical) {
            case "io.debezium.time.ZonedTimestamp": return io.debezium.time.ZonedTimestamp.builder();
            case "io.debezium.time.ZonedTime": return io.debezium.time.ZonedTime.builder();
            case "io.debezium.time.MicroTimestamp": return io.debezium.time.MicroTimestamp.builder();
            case "io.debezium.time.NanoTimestamp": return io.debezium.time.NanoTimestamp.builder();
            case "io.debezium.time.Timestamp": return io.debezium.time.Timestamp.builder();
            case "org.apache.kafka.connect.data.Timestamp": return org.apache.kafka.connect.data.Timestamp.builder();
            case "io.debezium.time.Date": return io.debezium.time.Date.builder();
            case "io.debezium.time.MicroTime": return io.debezium.time.MicroTime.builder();
            default: return SchemaBuilder.int64();
        }
    }

    static Object value(String logical, String v) {
        if (v.equals("null") || v.isEmpty()) {
            return null;
        }
        switch (logical) {
            case "io.debezium.time.ZonedTimestamp":
            case "io.debezium.time.ZonedTime":
                return v;
            case "org.apache.kafka.connect.data.Timestamp":
                return new Date(Long.parseLong(v));
            case "io.debezium.time.Date":
                return Integer.parseInt(v);
            default:
                return Long.parseLong(v);
        }
    }

    static String show(Object o) {
        if (o instanceof Date d) {
            return Long.toString(d.getTime());
        }
        return String.valueOf(o);
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] c = line.split("\t", -1);
            String zone = c[1], include = c[2], exclude = c[3], topic = c[4], table = c[5], logical = c[6], val = c[7], def = c[8];
            SchemaBuilder fb = builder(logical).optional();
            if (!def.isEmpty()) {
                fb.defaultValue(value(logical, def));
            }
            Schema fs = fb.build();
            Schema row = SchemaBuilder.struct().name(topic + ".Value").optional().field("f", fs).field("g", fs).build();
            Schema src = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
                    .field("table", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
                    .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA).build();
            Schema env = SchemaBuilder.struct().name(topic + ".Envelope").version(2)
                    .field("before", row).field("after", row).field("source", src).field("op", Schema.STRING_SCHEMA).build();
            Struct before = new Struct(row).put("f", value(logical, val)).put("g", value(logical, val));
            Struct after = new Struct(row).put("f", value(logical, val)).put("g", value(logical, val));
            Struct source = new Struct(src).put("table", table).put("ts_ms", 1705312800123L).put("ts_us", 1705312800123456L)
                    .put("ts_ns", 1705312800123456789L);
            Struct value = new Struct(env).put("before", before).put("after", after).put("source", source).put("op", "u");
            Map<String, String> cfg = new HashMap<>();
            cfg.put("converted.timezone", zone);
            if (!include.isEmpty()) {
                cfg.put("include.list", include);
            }
            if (!exclude.isEmpty()) {
                cfg.put("exclude.list", exclude);
            }
            String result;
            try {
                TimezoneConverter<SourceRecord> t = new TimezoneConverter<>();
                t.configure(cfg);
                SourceRecord out = t.apply(new SourceRecord(null, null, topic, null, null, null, env, value));
                Struct v = (Struct) out.value();
                Struct a = v.getStruct("after"), b = v.getStruct("before"), s = v.getStruct("source");
                result = show(a.getWithoutDefault("f")) + "\t" + show(a.getWithoutDefault("g")) + "\t" + show(b.getWithoutDefault("f")) + "\t"
                        + s.get("ts_ms") + "\t" + s.get("ts_us") + "\t" + s.get("ts_ns");
            }
            catch (Exception e) {
                result = "ERROR: " + e.getMessage() + "\t\t\t\t\t";
            }
            System.out.println(line + "\t" + result);
        }
    }
}
