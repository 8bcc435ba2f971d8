// PartitionHashes prints, for values of each Kafka Connect type, the hash
// Debezium 3.6.1's PartitionRouting computes with its java and murmur hash
// functions, and the partitions computePartition gives for a few value
// lists: the expectations of partitionrouting_test.go. Regenerate with
// (jars of the side-by-side environment):
//
//   P=/var/cache/sluice-env/connect/plugins/debezium-connector-postgres
//   CP="$P/*:/var/cache/sluice-env/connect/lib/*"
//   java -cp "$CP" PartitionHashes.java > partitionrouting_hashes.txt
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.debezium.transforms.partitions.PartitionRouting;
import io.debezium.transforms.partitions.PartitionRouting.HashFunction;

public class PartitionHashes {
    static void line(String kind, String repr, Object v) {
        Function<Object, Integer> j = HashFunction.JAVA.getHash();
        Function<Object, Integer> m = HashFunction.MURMUR.getHash();
        System.out.println(kind + "\t" + repr + "\t" + j.apply(v) + "\t" + m.apply(v));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder();
        for (int cp : s.codePoints().toArray()) {
            b.append(String.format("\\U%08x", cp));
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        String[] strings = { "", "a", "hello", "pg.public.orders", "héllo wörld", "日本語テキスト", "emoji 😀 and more 🎉",
                "0123456789abcde", "0123456789abcdef", "0123456789abcdef0", "a somewhat longer string that spans several sixteen byte blocks",
                "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ" };
        for (String s : strings) {
            line("string", quote(s), s);
        }
        for (int v : new int[]{ 0, 1, -1, 7, 42, 123456, -98765, Integer.MAX_VALUE, Integer.MIN_VALUE }) {
            line("int32", Integer.toString(v), v);
        }
        for (long v : new long[]{ 0L, 1L, -1L, 1L << 40, -(1L << 40) - 5, Long.MAX_VALUE, Long.MIN_VALUE, 1700000000000123L }) {
            line("int64", Long.toString(v), v);
        }
        for (short v : new short[]{ 0, -3, 300, Short.MIN_VALUE }) {
            line("int16", Short.toString(v), v);
        }
        for (byte v : new byte[]{ 0, -3, 100, Byte.MIN_VALUE }) {
            line("int8", Byte.toString(v), v);
        }
        line("bool", "true", true);
        line("bool", "false", false);
        for (float v : new float[]{ 0f, -0f, 1.5f, -2.25e10f, Float.NaN }) {
            line("float32", Integer.toHexString(Float.floatToRawIntBits(v)), v);
        }
        for (double v : new double[]{ 0d, -0d, 1.5d, -2.25e100d, Double.NaN, 3.141592653589793d }) {
            line("float64", Long.toHexString(Double.doubleToRawLongBits(v)), v);
        }
        String[][] decimals = { { "0", "0" }, { "12345", "2" }, { "-12345", "2" }, { "99999999999999999999999999", "5" },
                { "-99999999999999999999999999", "0" }, { "9223372036854775807", "3" }, { "-9223372036854775808", "3" }, { "4294967296", "1" } };
        for (String[] d : decimals) {
            BigDecimal v = new BigDecimal(new BigInteger(d[0]), Integer.parseInt(d[1]));
            line("decimal", d[0] + "/" + d[1], v);
        }
        String[] bytes = { "", "00", "ff", "0102030405", "deadbeefcafebabe0011223344556677" };
        for (String b : bytes) {
            line("bytes", b, ByteBuffer.wrap(HexFormat.of().parseHex(b)));
        }
        for (long ms : new long[]{ 0L, 1700000000123L, -86400000L * 365 }) {
            line("timestamp", Long.toString(ms), new java.util.Date(ms));
        }
        List<Object> list = new ArrayList<>(List.of(1, 2, 3));
        line("list-int32", "1,2,3", list);
        List<Object> strs = new ArrayList<>(List.of("a", "bc"));
        strs.add(null);
        line("list-string", "a,bc,null", strs);
        Map<String, Object> map = new HashMap<>();
        map.put("k1", 5);
        map.put("k2", 6);
        line("map-string-int32", "k1=5,k2=6", map);

        // computePartition of summed hashes (overflow, sign, MAX_VALUE).
        Method cp = PartitionRouting.class.getDeclaredMethod("computePartition", Integer.class, List.class);
        cp.setAccessible(true);
        for (String fn : new String[]{ "java", "murmur" }) {
            PartitionRouting<?> pr = new PartitionRouting<>();
            pr.configure(Map.of("partition.payload.fields", "after.id", "partition.topic.num", "7", "partition.hash.function", fn));
            Object[][] lists = { { "hello" }, { 1, "x" }, { Integer.MAX_VALUE, Integer.MAX_VALUE }, { Integer.MIN_VALUE },
                    { Integer.MAX_VALUE }, { 1700000000000123L, "pg.public.orders", 42 } };
            for (Object[] l : lists) {
                StringBuilder repr = new StringBuilder();
                for (Object o : l) {
                    if (repr.length() > 0) {
                        repr.append(",");
                    }
                    repr.append(o.getClass().getSimpleName()).append(":").append(o);
                }
                System.out.println("partition-" + fn + "\t" + repr + "\t" + cp.invoke(pr, 7, List.of(l)) + "\t-");
            }
        }
    }
}
