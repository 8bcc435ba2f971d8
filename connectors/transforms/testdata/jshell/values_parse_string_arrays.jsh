import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.storage.*;
var hc = new SimpleHeaderConverter();
String sch(Schema s) { if (s == null) return "null"; String r = s.type().toString(); if (s.type() == Schema.Type.ARRAY) r += "<" + sch(s.valueSchema()) + ">"; if (s.type() == Schema.Type.MAP) r += "<" + sch(s.keySchema()) + "," + sch(s.valueSchema()) + ">"; return r; }
for (String s : new String[]{"[1,2]", "[1, 2]", "[1,2.5]", "[1,null]", "[null]", "[]", "[\"a\",\"b\"]", "[\"a\", 1]", "[true,false]", "[a]", "[1,]", "[,1]", "[1 2]", "{\"a\":1}", "{\"a\":1,\"b\":\"x\"}", "{1:2}", "{\"a\":null}", "{}", "[1]x", " [1]", "[300,1]", "[1,3000000000]", "[\"a,b\"]", "[\"a\\\"b\"]", "{\"a\":1,\"a\":2}", "[[1],[2]]", "[\"2024-01-02\"]", "[1.5,2.5]", "[true,1]", "[ null , 1 ]", "{\"a\":1,}", "[1", " ,x", "[\"a\"]", "[1e3]", "[-1]"}) {
  var sv = Values.parseString(s);
  String t = sv == null ? "nullsv" : sch(sv.schema());
  byte[] b = sv == null ? null : hc.fromConnectHeader("t", "h", sv.schema(), sv.value());
  System.out.println("{`" + s + "`, `" + t + "`, " + (b == null ? "nil" : "`" + new String(b) + "`") + "},");
}
/exit
