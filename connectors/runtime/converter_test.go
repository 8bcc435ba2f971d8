package runtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

func TestConverterConfig(t *testing.T) {
	plugins := []Plugin{testPlugin(&scriptedSource{})}
	base := func(kv ...string) map[string]string {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p"}
		for i := 0; i < len(kv); i += 2 {
			cfg[kv[i]] = kv[i+1]
		}
		return cfg
	}
	const confluent, apicurio = "io.confluent.connect.avro.AvroConverter", "io.apicurio.registry.utils.converter.AvroConverter"
	for _, c := range []struct {
		name string
		cfg  map[string]string
		// problems maps each config key expected to have a problem to a
		// part of its message; empty means the config is valid.
		problems   map[string]string
		key, value []string // registry URLs of an Avro side; nil for JSON
	}{
		{name: "default JSON", cfg: base()},
		{name: "explicit JSON with schemas", cfg: base("key.converter", jsonConverter, "value.converter", jsonConverter, "value.converter.schemas.enable", "true")},
		{
			name:  "Avro value, JSON key",
			cfg:   base("value.converter", confluent, "value.converter.schema.registry.url", "http://127.0.0.1:8081"),
			value: []string{"http://127.0.0.1:8081"},
		},
		{
			name: "Avro both sides, several URLs, Apicurio class and key",
			cfg: base("key.converter", apicurio, "key.converter.apicurio.registry.url", "http://127.0.0.1:58081/apis/ccompat/v7",
				"value.converter", confluent, "value.converter.schema.registry.url", "http://127.0.0.1:8081, https://127.0.0.2:8081",
				"value.converter.basic.auth.credentials.source", "USER_INFO", "value.converter.basic.auth.user.info", "u:p:w"),
			key:   []string{"http://127.0.0.1:58081/apis/ccompat/v7"},
			value: []string{"http://127.0.0.1:8081", "https://127.0.0.2:8081"},
		},
		{
			name:     "Avro without a URL",
			cfg:      base("value.converter", confluent),
			problems: map[string]string{"value.converter.schema.registry.url": "is required"},
		},
		{
			name:     "unknown converter",
			cfg:      base("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
			problems: map[string]string{"key.converter": "is not supported; use org.apache.kafka.connect.json.JsonConverter, io.confluent.connect.avro.AvroConverter"},
		},
		{
			name:     "registry URL with a JSON converter",
			cfg:      base("key.converter.schema.registry.url", "http://127.0.0.1:8081"),
			problems: map[string]string{"key.converter.schema.registry.url": "only used with key.converter = io.confluent.connect.avro.AvroConverter"},
		},
		{
			name: "bad URL, bad user info, unsupported credentials source",
			cfg: base("value.converter", confluent, "value.converter.schema.registry.url", "127.0.0.1:8081",
				"value.converter.basic.auth.user.info", "nopassword", "value.converter.basic.auth.credentials.source", "URL"),
			problems: map[string]string{
				"value.converter.schema.registry.url":           "is not an http:// or https:// URL",
				"value.converter.basic.auth.user.info":          "must be user:password",
				"value.converter.basic.auth.credentials.source": "use USER_INFO",
			},
		},
		{
			name: "both URL keys disagree",
			cfg: base("value.converter", confluent, "value.converter.schema.registry.url", "http://127.0.0.1:1",
				"value.converter.apicurio.registry.url", "http://127.0.0.1:2"),
			problems: map[string]string{"value.converter.apicurio.registry.url": "set only one"},
		},
		{
			name:     "converter key sluice does not honour",
			cfg:      base("value.converter", confluent, "value.converter.schema.registry.url", "http://127.0.0.1:8081", "value.converter.auto.register.schemas", "false"),
			problems: map[string]string{"value.converter.auto.register.schemas": `unknown configuration key "value.converter.auto.register.schemas"`},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc, _, probs := parseConfig(plugins, "c", c.cfg, slog.New(slog.DiscardHandler))
			for k, want := range c.problems {
				if msgs := strings.Join(probs[k], "\n"); !strings.Contains(msgs, want) {
					t.Errorf("problems of %s = %q, want one containing %q", k, msgs, want)
				}
			}
			for k, msgs := range probs {
				if _, ok := c.problems[k]; !ok {
					t.Errorf("unexpected problem for %q: %v", k, msgs)
				}
			}
			if len(c.problems) > 0 {
				return
			}
			for _, side := range []struct {
				name string
				got  *schema.RegistryOptions
				want []string
			}{{"key", cc.keyRegistry, c.key}, {"value", cc.valueRegistry, c.value}} {
				if (side.got == nil) != (side.want == nil) || side.got != nil && strings.Join(side.got.URLs, " ") != strings.Join(side.want, " ") {
					t.Errorf("%s registry = %+v, want URLs %v", side.name, side.got, side.want)
				}
			}
			if c.value != nil && c.cfg["value.converter.basic.auth.user.info"] == "u:p:w" &&
				(cc.valueRegistry.User != "u" || cc.valueRegistry.Password != "p:w") {
				t.Errorf("basic auth = %q/%q, want u and p:w", cc.valueRegistry.User, cc.valueRegistry.Password)
			}
			enc, err := cc.newEncoder(nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, isJSON := enc.(*schema.JSON)
			if isJSON != (c.key == nil && c.value == nil) {
				t.Errorf("encoder %T for key %v, value %v", enc, c.key, c.value)
			}
		})
	}
}

// TestSupervisorAvroConverter runs a connector whose values are Avro and
// keys JSON, and decodes what reached the sink with the schema the registry
// gives for each record's id.
func TestSupervisorAvroConverter(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	src := &scriptedSource{events: positions(3), failAt: -1}
	sink := &memSink{}
	s := newTestSupervisor(t, t.TempDir(), src, sink)
	cfg := map[string]string{
		"connector.class": "test", "topic.prefix": "p",
		"value.converter": "io.confluent.connect.avro.AvroConverter", "value.converter.schema.registry.url": fake.URL(),
		"value.converter.basic.auth.user.info": "user:secret",
	}
	info, err := s.Create(context.Background(), "avro1", cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Config["value.converter.basic.auth.user.info"]; got != "user:secret" {
		t.Errorf("basic.auth.user.info shown as %q, want it as stored", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		sink.mu.Lock()
		n := 0
		for _, b := range sink.batches {
			n += len(b)
		}
		sink.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			st, _ := s.Status("avro1")
			t.Fatalf("%d records after 5s; status %+v", n, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	rec := sink.batches[0][0]
	sink.mu.Unlock()
	if string(rec.Key) != `{"id":1}` {
		t.Errorf("JSON key %s", rec.Key)
	}
	var h sr.ConfluentHeader
	id, datum, err := h.DecodeID(rec.Value)
	if err != nil {
		t.Fatalf("value is not in the Confluent wire format: %v", err)
	}
	ss, err := cl.SchemaByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	as, err := avro.Parse(ss.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if _, err := as.Decode(datum, &v); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(v["after"]); string(after) != `{"id":1}` || v["op"] != "c" {
		t.Errorf("decoded value %v", v)
	}
	if !fake.SubjectExists("p.public.t-value") || fake.SubjectExists("p.public.t-key") {
		t.Error("want subject p.public.t-value only")
	}
}

// TestSupervisorIncompatibleSchemaFails checks that a schema the registry
// refuses fails the connector with the registry's message and the subject.
func TestSupervisorIncompatibleSchemaFails(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"error_code":409,"message":"Schema being registered is incompatible with an earlier schema"}`))
		return true
	})
	src := &scriptedSource{events: positions(3), failAt: -1}
	s := newTestSupervisor(t, t.TempDir(), src, &memSink{})
	cfg := map[string]string{
		"connector.class": "test", "topic.prefix": "p",
		"key.converter": "io.confluent.connect.avro.AvroConverter", "key.converter.schema.registry.url": fake.URL(),
	}
	if _, err := s.Create(context.Background(), "avro2", cfg, ""); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, s, "avro2", StateFailed)
	trace := st.Tasks[0].Trace
	for _, want := range []string{`subject "p.public.t-key"`, "Schema being registered is incompatible with an earlier schema"} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace %q lacks %q", trace, want)
		}
	}
}

// TestNameAdjustmentAvro: with schema.name.adjustment.mode=avro and
// field.name.adjustment.mode=avro, a topic prefix and a column name that
// Avro does not allow become valid Avro names in the registered schema,
// under the topic's own subject.
func TestNameAdjustmentAvro(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	table := &change.TableSchema{
		ID: change.TableID{Namespace: "public", Name: "t"}, Version: 1, Key: []int{0},
		Columns: []change.Field{{Name: "id", Type: change.Int32}, {Name: "first-name", Type: change.String, Optional: true}},
	}
	ev := &change.Event{Op: change.OpCreate, Table: table, After: change.Row{int32(1), "Anne"},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema}
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "my-db",
		"value.converter": "io.confluent.connect.avro.AvroConverter", "value.converter.schema.registry.url": fake.URL(),
		"schema.name.adjustment.mode": "avro", "field.name.adjustment.mode": "avro"}
	cc, _, probs := parseConfig([]Plugin{testPlugin(&scriptedSource{})}, "c", cfg, slog.New(slog.DiscardHandler))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	stop := make(chan struct{})
	defer close(stop)
	enc, err := cc.newEncoder(stop, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := enc.Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Topic != "my-db.public.t" || !fake.SubjectExists("my-db.public.t-value") {
		t.Fatalf("topic %q; want subject my-db.public.t-value", msgs[0].Topic)
	}
	cl, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := cl.SchemaByVersion(context.Background(), "my-db.public.t-value", -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"Envelope"`, `"namespace":"my_db.public.t"`, `"name":"first_name"`} {
		if !strings.Contains(strings.ReplaceAll(ss.Schema.Schema, " ", ""), want) {
			t.Errorf("registered schema lacks %s: %s", want, ss.Schema.Schema)
		}
	}
	if _, err := avro.Parse(ss.Schema.Schema); err != nil {
		t.Errorf("registered schema does not parse: %v", err)
	}
}
