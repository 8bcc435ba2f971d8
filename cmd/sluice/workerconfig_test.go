package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unsetenv removes key for the test and restores it after.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // restores the old value at the end
	os.Unsetenv(key)
}

// TestWorkerConfigPrecedence: the worker file gives bootstrap.servers,
// offset.storage.topic and value.converter.schemas.enable unless a flag or a
// SLUICE_* variable gives them.
func TestWorkerConfigPrecedence(t *testing.T) {
	for _, k := range []string{"SLUICE_KAFKA_BROKERS", "SLUICE_OFFSETS_TOPIC", "SLUICE_CONVERTER_SCHEMAS_ENABLE", "SLUICE_WORKER_CONFIG"} {
		unsetenv(t, k)
	}
	path := filepath.Join(t.TempDir(), "worker.properties")
	if err := os.WriteFile(path, []byte("bootstrap.servers=file:1, file:2\noffset.storage.topic=file-offsets\n"+
		"value.converter.schemas.enable=true\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"+
		"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parseServe([]string{"--worker-config", path}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.brokers != "file:1,file:2" || c.offsetsTopic != "file-offsets" || !c.schemasEnable {
		t.Errorf("from the file: brokers %q, offsets topic %q, schemas.enable %v", c.brokers, c.offsetsTopic, c.schemasEnable)
	}
	if len(c.kafka.producer) == 0 || len(c.kafka.consumer) == 0 || len(c.kafka.admin) == 0 {
		t.Errorf("no SASL options for the clients: %+v", c.kafka)
	}

	c, err = parseServe([]string{"--worker-config", path, "--kafka-brokers", "flag:1", "--converter-schemas-enable=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.brokers != "flag:1" || c.schemasEnable {
		t.Errorf("flags: brokers %q, schemas.enable %v", c.brokers, c.schemasEnable)
	}

	t.Setenv("SLUICE_OFFSETS_TOPIC", "env-offsets")
	t.Setenv("SLUICE_WORKER_CONFIG", path)
	c, err = parseServe(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.offsetsTopic != "env-offsets" || c.brokers != "file:1,file:2" {
		t.Errorf("env: offsets topic %q, brokers %q", c.offsetsTopic, c.brokers)
	}
}

func TestWorkerConfigErrors(t *testing.T) {
	unsetenv(t, "SLUICE_WORKER_CONFIG")
	dir := t.TempDir()
	for text, want := range map[string]string{
		"key.converter.schemas.enable=true\nvalue.converter.schemas.enable=false\n": "differ",
		"value.converter=io.confluent.connect.avro.AvroConverter\n":                 "name the converter in each connector's config",
		"security.protocol=SASL_SSL\nsasl.mechanism=KERBEROS\n":                     "sasl.mechanism=KERBEROS is not supported",
	} {
		p := filepath.Join(dir, "w.properties")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := parseServe([]string{"--worker-config", p}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
}
