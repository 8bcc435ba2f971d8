// JacksonCheck writes, one line per input line, the JSON that Jackson (the
// library under Kafka Connect's JsonConverter) writes for a double ("d <hex
// bits>"), a float ("f <hex bits>") or a string ("s <base64 UTF-8>"), the way
// JsonConverter builds them: DoubleNode, FloatNode, TextNode. Used by
// jackson_integration_test.go.
import com.fasterxml.jackson.databind.*;
import com.fasterxml.jackson.databind.node.*;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
public class JacksonCheck {
  public static void main(String[] a) throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonNodeFactory f = JsonNodeFactory.instance;
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, "UTF-8");
    String line;
    while ((line = r.readLine()) != null) {
      char k = line.charAt(0); String v = line.substring(2);
      JsonNode n;
      switch (k) {
        case 'd': n = f.numberNode(Double.longBitsToDouble(Long.parseUnsignedLong(v, 16))); break;
        case 'f': n = f.numberNode(Float.intBitsToFloat(Integer.parseUnsignedInt(v, 16))); break;
        case 's': n = f.textNode(new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)); break;
        default: throw new RuntimeException(line);
      }
      out.println(new String(m.writeValueAsBytes(n), StandardCharsets.UTF_8));
    }
    out.flush();
  }
}
