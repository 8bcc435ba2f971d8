//go:build integration

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestColumnDefaultsThroughKafka runs three connectors of the real daemon
// on one table with column defaults and reads what reached Kafka, as
// Debezium 3.6.1 on Kafka Connect 4.3.0 writes it (measured the same day):
//
//   - JSON with schemas (replace.null.with.default=true, Connect's default):
//     each column's Connect schema carries its default (serial's 0 in the
//     key too), and a null is written as the default: an explicit NULL, a
//     nullable column of a delete's before image (key only in the WAL);
//     the NOT NULL column's before image value is its default, not "".
//   - JSON without schemas and replace.null.with.default=false: nulls stay
//     null (source.snapshot too while streaming); the NOT NULL column of the
//     before image is still its default.
//   - Avro: the registered schema gives the column its default ([T, "null"]
//     with the default first), and a null is written as the default
//     (AvroData reads members with Struct.get).
func TestColumnDefaultsThroughKafka(t *testing.T) {
	needRegistry(t)
	base := uniq("dflt")
	table := "public." + base
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+table+" (id serial PRIMARY KEY, n int DEFAULT 42, s text NOT NULL DEFAULT 'dflt', d numeric(6,2) DEFAULT 1.50)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })
	mustExec(t, pg, "INSERT INTO "+table+" (n) VALUES (NULL)")

	d := startDaemon(t, t.TempDir())
	type run struct {
		name  string
		extra map[string]string
		avro  bool
	}
	runs := []run{
		{name: base + "_js", extra: map[string]string{"key.converter.schemas.enable": "true", "value.converter.schemas.enable": "true"}},
		{name: base + "_keep", extra: map[string]string{"value.converter.replace.null.with.default": "false"}},
		{name: base + "_avro", avro: true},
	}
	consumers := map[string]*consumer{}
	for _, r := range runs {
		dropSlot(t, r.name)
		cfg := pgConfig(t, r.name, r.name, table)
		for k, v := range r.extra {
			cfg[k] = v
		}
		if r.avro {
			avroConverters(cfg)
			deleteSubjectsAtEnd(t, r.name+"."+table)
		}
		if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": r.name, "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", r.name, code, b)
		}
		d.waitTaskState(t, r.name, "RUNNING", 30*time.Second)
		consumers[r.name] = newConsumer(t, r.name+"."+table)
	}
	for _, r := range runs {
		consumers[r.name].waitCount(t, 1, 60*time.Second) // the snapshot
	}
	mustExec(t, pg, "INSERT INTO "+table+" (n, d) VALUES (NULL, NULL)")
	mustExec(t, pg, "DELETE FROM "+table+" WHERE id = 1")

	// Records: snapshot r (id 1), c (id 2), d (id 1), tombstone.
	values := func(r run) []map[string]any {
		recs := consumers[r.name].waitCount(t, 4, 60*time.Second)
		var out []map[string]any
		dec := newAvroDecoder()
		for _, rec := range recs[:3] {
			var v map[string]any
			if r.avro {
				_, v = dec.mustDecode(t, rec.Value)
				v = avroPlain(v).(map[string]any)
			} else if err := json.Unmarshal(rec.Value, &v); err != nil {
				t.Fatal(err)
			}
			if p, ok := v["payload"].(map[string]any); ok {
				v = p
			}
			out = append(out, v)
		}
		return out
	}
	image := func(v map[string]any, which string) string {
		b, _ := json.Marshal(v[which])
		return string(b)
	}

	// JSON with schemas.
	js := runs[0]
	recs := consumers[js.name].snapshot()
	for _, want := range []string{
		`{"type":"int32","optional":false,"default":0,"field":"id"}`,
		`{"type":"int32","optional":true,"default":42,"field":"n"}`,
		`{"type":"string","optional":false,"default":"dflt","field":"s"}`,
		`"default":"AJY=","field":"d"}`,
	} {
		if !strings.Contains(string(recs[0].Value), want) {
			t.Errorf("%s: value schema lacks %s: %s", js.name, want, recs[0].Value)
		}
	}
	if !strings.Contains(string(recs[0].Key), `{"type":"int32","optional":false,"default":0,"field":"id"}`) {
		t.Errorf("%s: key schema lacks id's default: %s", js.name, recs[0].Key)
	}
	v := values(js)
	for i, want := range []struct{ which, img string }{
		{"after", `{"d":"AJY=","id":1,"n":42,"s":"dflt"}`},
		{"after", `{"d":"AJY=","id":2,"n":42,"s":"dflt"}`},
		{"before", `{"d":"AJY=","id":1,"n":42,"s":"dflt"}`},
	} {
		if got := image(v[i], want.which); got != want.img {
			t.Errorf("%s record %d %s = %s, want %s", js.name, i, want.which, got, want.img)
		}
	}

	// JSON keeping nulls.
	keep := runs[1]
	v = values(keep)
	for i, want := range []struct{ which, img string }{
		{"after", `{"d":"AJY=","id":1,"n":null,"s":"dflt"}`},
		{"after", `{"d":null,"id":2,"n":null,"s":"dflt"}`},
		{"before", `{"d":null,"id":1,"n":null,"s":"dflt"}`},
	} {
		if got := image(v[i], want.which); got != want.img {
			t.Errorf("%s record %d %s = %s, want %s", keep.name, i, want.which, got, want.img)
		}
	}
	if src := v[1]["source"].(map[string]any); src["snapshot"] != nil {
		t.Errorf("%s: streaming source.snapshot = %v, want null", keep.name, src["snapshot"])
	}
	if src := v[0]["source"].(map[string]any); src["snapshot"] == nil {
		t.Errorf("%s: snapshot record's source.snapshot is null", keep.name)
	}

	// Avro.
	av := runs[2]
	recs = consumers[av.name].snapshot()
	_, text, err := newAvroDecoder().schema(int(uint32(recs[0].Value[1])<<24 | uint32(recs[0].Value[2])<<16 | uint32(recs[0].Value[3])<<8 | uint32(recs[0].Value[4])))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"name":"n","type":[{"type":"int","connect.default":42},"null"],"default":42}`,
		`{"name":"s","type":{"type":"string","connect.default":"dflt"},"default":"dflt"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: Avro value schema lacks %s:\n%s", av.name, want, text)
		}
	}
	v = values(av)
	for i, want := range []struct{ which, img string }{
		{"after", `{"d":"decimal:1.5","id":1,"n":42,"s":"dflt"}`},
		{"after", `{"d":"decimal:1.5","id":2,"n":42,"s":"dflt"}`},
		{"before", `{"d":"decimal:1.5","id":1,"n":42,"s":"dflt"}`},
	} {
		if got := image(v[i], want.which); got != want.img {
			t.Errorf("%s record %d %s = %s, want %s", av.name, i, want.which, got, want.img)
		}
	}
}
