import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.storage.*;
var hc = new SimpleHeaderConverter();
for (String s : new String[]{"", " ", "null", " null ", "true", "TRUE", " false ", "42", "007", "-5", "+5", "300", "70000", "3000000000", "99999999999999999999", "1.50", "0.1", "1e3", "1.5e300", "12:30", "a,b", "hello world", "[1,2]", "[1, 2]", "{a:1}", "2024-01-02", "10:11:12.123Z", "2024-01-02T10:11:12.123Z", "\"x\"", "1 2", "x:y", "abc]", "-", "1.", ".5", "NaN"}) {
  var sv = Values.parseString(s);
  String t = sv == null ? "null" : (sv.schema() == null ? "nullschema" : sv.schema().type() + (sv.schema().name() != null ? "/" + sv.schema().name() : ""));
  byte[] b = sv == null ? null : hc.fromConnectHeader("t", "h", sv.schema(), sv.value());
  System.out.println("[" + s + "] -> " + t + " value=" + (sv == null ? null : sv.value()) + " bytes=" + (b == null ? "NULL" : "[" + new String(b) + "]"));
}
/exit
