package workerconfig

import (
	"reflect"
	"testing"
)

func TestParseProperties(t *testing.T) {
	text := "# a comment\n" +
		"  ! another comment\n" +
		"\n" +
		"bootstrap.servers=127.0.0.1:9092\n" +
		"security.protocol : SASL_SSL\n" +
		"client.id   sluice-1\n" +
		"sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n" +
		"    username=\"u\" \\\n" +
		"    password=\"p\";\n" +
		"key\\ with\\=seps = v\n" +
		"escapes=a\\tb\\nc\\u00e9\\\\d\\q\n" +
		"empty=\n" +
		"bare\n" +
		"trailing=backslash\\\\\n" +
		"dup=1\r\ndup=2\r" +
		"url=http\\://host\\:1/p\n" +
		"colon:value:with=eq\n" +
		"last=x\\"
	got, err := ParseProperties(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bootstrap.servers": "127.0.0.1:9092",
		"security.protocol": "SASL_SSL",
		"client.id":         "sluice-1",
		"sasl.jaas.config":  `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`,
		"key with=seps":     "v",
		"escapes":           "a\tb\nc\u00e9\\dq",
		"empty":             "",
		"bare":              "",
		"trailing":          `backslash\`,
		"dup":               "2",
		"url":               "http://host:1/p",
		"colon":             "value:with=eq",
		"last":              "x",
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%q = %q, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("extra key %q = %q", k, got[k])
			}
		}
	}
}

func TestParsePropertiesBadEscape(t *testing.T) {
	_, err := ParseProperties("a=1\nb=\\u12G4\n")
	if err == nil || err.Error() != `line 2: value of "b": malformed \uXXXX escape "\\u12G4": write four hex digits` {
		t.Fatalf("err = %v", err)
	}
}
