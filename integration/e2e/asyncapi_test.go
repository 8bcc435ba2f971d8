//go:build integration

package e2e

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"

	"github.com/sluicecdc/sluice/integration/asyncapi"
)

// TestAsyncAPIDocuments checks the AsyncAPI documents of three connectors,
// Postgres with the JsonConverter's schemas, MariaDB without, and Postgres
// with Avro, against the official AsyncAPI parser (integration/asyncapi):
// each document is valid, in JSON and YAML, alone and combined; every
// record read back from Kafka validates against its channel's payload and
// key schemas; the Avro documents carry the schemas the registry holds;
// and after an ALTER TABLE … ADD COLUMN the next document shows the column
// and a new version.
func TestAsyncAPIDocuments(t *testing.T) {
	prefix := uniq("aapi")
	pg := pgConn(t)
	mustExec(t, pg, "CREATE SCHEMA "+prefix)
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP SCHEMA "+prefix+" CASCADE") })
	mustExec(t, pg, `CREATE TABLE `+prefix+`.items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2),
		at timestamptz, tag uuid, doc jsonb, ok boolean, d date, n bigint, r real)`)
	mustExec(t, pg, `CREATE TABLE `+prefix+`.notes (id int PRIMARY KEY, body text)`)
	mustExec(t, pg, `CREATE TABLE `+prefix+`.empty (id int PRIMARY KEY)`)
	myDB := prefix
	myDatabase(t, myDB)
	my := myConn(t)
	myExec(t, my, "USE "+myDB,
		"CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(10,2), at DATETIME(3), size ENUM('S','M','L'), ok BOOL, d DATE)")

	pgName, myName, avName := prefix+"_pg", prefix+"_my", prefix+"_av"
	for _, s := range []string{pgName, avName} {
		dropSlot(t, s)
		t.Cleanup(func() { dropSlot(t, s) })
	}
	pgTopic, notesTopic := pgName+"."+prefix+".items", pgName+"."+prefix+".notes"
	myTopic, avTopic := myName+"."+myDB+".items", avName+"."+prefix+".items"
	deleteTopicsAfter(t, pgTopic, notesTopic, myTopic, avTopic, myName)

	pgCfg := pgConfig(t, pgName, pgName, prefix+".items,"+prefix+".notes,"+prefix+".empty")
	for _, side := range []string{"key", "value"} {
		pgCfg[side+".converter"] = "org.apache.kafka.connect.json.JsonConverter"
		pgCfg[side+".converter.schemas.enable"] = "true"
	}
	myCfg := myConfig(t, myName, myDB)
	for _, side := range []string{"key", "value"} {
		myCfg[side+".converter"] = "org.apache.kafka.connect.json.JsonConverter"
		myCfg[side+".converter.schemas.enable"] = "false"
	}
	avCfg := pgConfig(t, avName, avName, prefix+".items")
	avroConverters(avCfg)

	dataDir := t.TempDir()
	d := startDaemon(t, dataDir)
	for name, cfg := range map[string]map[string]string{pgName: pgCfg, myName: myCfg, avName: avCfg} {
		if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
			t.Fatalf("create %s: %d %s", name, code, body)
		}
	}
	for _, name := range []string{pgName, myName, avName} {
		d.waitTaskState(t, name, "RUNNING", 60*time.Second)
	}
	c := newConsumer(t, pgTopic, notesTopic, myTopic, avTopic)
	mustExec(t, pg, `INSERT INTO `+prefix+`.items VALUES
		(1, 'one', 12.50, '2026-12-03 10:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', true, '2026-12-03', 9007199254740993, 1.5),
		(2, 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	mustExec(t, pg, `UPDATE `+prefix+`.items SET name = 'uno' WHERE id = 1`)
	mustExec(t, pg, `DELETE FROM `+prefix+`.items WHERE id = 2`)
	mustExec(t, pg, `INSERT INTO `+prefix+`.notes VALUES (1, 'hello')`)
	myExec(t, my, "INSERT INTO items VALUES (1, 'one', 12.50, '2026-12-03 10:00:00.123', 'M', 1, '2026-12-03'), (2, 'two', NULL, NULL, NULL, NULL, NULL)",
		"UPDATE items SET name = 'uno' WHERE id = 1", "DELETE FROM items WHERE id = 2")
	// PG items: 2 inserts, an update, a delete and its tombstone, twice
	// (JSON and Avro); notes 1; MariaDB 5.
	recs := c.waitCount(t, 5+5+1+5, 60*time.Second)

	samples := func(recs []record, topics ...string) []asyncapi.Sample {
		var out []asyncapi.Sample
		for _, r := range recs {
			if !slices.Contains(topics, r.Topic) {
				continue
			}
			s := asyncapi.Sample{Channel: r.Topic}
			if r.Value != nil {
				if err := json.Unmarshal(r.Value, &s.Payload); err != nil {
					t.Fatalf("record of %s: %v in %s", r.Topic, err, r.Value)
				}
			}
			if r.Key != nil {
				if err := json.Unmarshal(r.Key, &s.Key); err != nil {
					t.Fatalf("key of %s: %v in %s", r.Topic, err, r.Key)
				}
			}
			out = append(out, s)
		}
		return out
	}
	check := func(what string, doc []byte, ss []asyncapi.Sample) {
		t.Helper()
		res := asyncapi.Validate(t, doc, ss)
		for _, dg := range res.Diagnostics {
			t.Logf("%s: %s %s at %s: %s", what, dg.Severity, dg.Code, dg.Path, dg.Message)
		}
		if !res.Valid {
			t.Errorf("%s is not a valid AsyncAPI document", what)
		}
		bad := 0
		for _, s := range res.Samples {
			if !s.OK {
				bad++
				if bad <= 5 {
					t.Errorf("%s: record %d of %s does not validate: %v", what, s.Line, s.Channel, s.Errors)
				}
			}
		}
		if len(res.Samples) != len(ss) {
			t.Errorf("%s: %d records checked, %d sent", what, len(res.Samples), len(ss))
		}
		t.Logf("%s: valid %v, %d records checked, %d failed", what, res.Valid, len(ss), bad)
	}
	get := func(path string) []byte {
		t.Helper()
		code, body := d.do(t, "GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return body
	}
	type docView struct {
		Info struct {
			Version string `json:"version"`
			Title   string `json:"title"`
		} `json:"info"`
		Channels map[string]struct {
			Address  string `json:"address"`
			Messages map[string]struct {
				Payload  json.RawMessage `json:"payload"`
				Bindings struct {
					Kafka struct {
						Key json.RawMessage `json:"key"`
					} `json:"kafka"`
				} `json:"bindings"`
			} `json:"messages"`
		} `json:"channels"`
		Operations map[string]struct {
			Action string `json:"action"`
		} `json:"operations"`
	}
	view := func(doc []byte) docView {
		t.Helper()
		var v docView
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("document: %v in %s", err, doc)
		}
		return v
	}
	afterProps := func(v docView, topic string, wrapped bool) map[string]any {
		t.Helper()
		ch, ok := v.Channels[topic]
		if !ok {
			t.Fatalf("no channel %s in %v", topic, v.Channels)
		}
		var p map[string]any
		_ = json.Unmarshal(ch.Messages["record"].Payload, &p)
		if oneOf, ok := p["oneOf"].([]any); ok {
			p = oneOf[0].(map[string]any)
		}
		if wrapped {
			p = p["properties"].(map[string]any)["payload"].(map[string]any)
		}
		after, _ := p["properties"].(map[string]any)["after"].(map[string]any)
		props, _ := after["properties"].(map[string]any)
		return props
	}

	// Postgres, JSON with schemas.
	pgDoc := get("/connectors/" + pgName + "/asyncapi")
	check("the Postgres document", pgDoc, samples(recs, pgTopic, notesTopic))
	v1 := view(pgDoc)
	// The empty table has its channel too: the stream told its schema.
	if len(v1.Channels) != 3 || v1.Channels[pgName+"."+prefix+".empty"].Address == "" || v1.Channels[pgTopic].Address != pgTopic || v1.Operations["send-"+pgTopic].Action != "send" {
		t.Errorf("Postgres document: channels %v, operations %v", v1.Channels, v1.Operations)
	}
	if props := afterProps(v1, pgTopic, true); len(props) != 10 || props["price"] == nil || props["tag"] == nil {
		t.Errorf("Postgres items after: %v, want its 10 columns", props)
	}
	// YAML says the same.
	check("the Postgres document in YAML", get("/connectors/"+pgName+"/asyncapi?format=yaml"), samples(recs, pgTopic))

	// MariaDB, JSON without schemas, and its schema-change topic.
	ddl := newConsumer(t, myName)
	ddl.waitCount(t, 1, 30*time.Second)
	ddlRecs := ddl.settle(2 * time.Second)
	myDoc := get("/connectors/" + myName + "/asyncapi")
	check("the MariaDB document", myDoc, append(samples(recs, myTopic), samples(ddlRecs, myName)...))
	myView := view(myDoc)
	if props := afterProps(myView, myTopic, false); len(props) != 7 || props["size"] == nil {
		t.Errorf("MariaDB items after: %v, want its 7 columns", props)
	}
	if _, ok := myView.Channels[myName]; !ok || len(myView.Channels) != 2 {
		t.Errorf("MariaDB document: channels %v, want %s and the schema-change topic %s", myView.Channels, myTopic, myName)
	}

	// Avro: the document's schemas are the registry's.
	avDoc := get("/connectors/" + avName + "/asyncapi")
	check("the Avro document", avDoc, nil)
	var av struct {
		Channels map[string]struct {
			Messages map[string]struct {
				Payload struct {
					SchemaFormat string `json:"schemaFormat"`
					Schema       any    `json:"schema"`
				} `json:"payload"`
			} `json:"messages"`
		} `json:"channels"`
	}
	_ = json.Unmarshal(avDoc, &av)
	p := av.Channels[avTopic].Messages["record"].Payload
	var latest struct {
		Schema string `json:"schema"`
	}
	registryGet(t, "/subjects/"+url.PathEscape(avTopic+"-value")+"/versions/latest", &latest)
	var reg any
	_ = json.Unmarshal([]byte(latest.Schema), &reg)
	if p.SchemaFormat != asyncapiAvro || !reflect.DeepEqual(p.Schema, reg) {
		t.Errorf("Avro channel %s: format %q, schema %v; the registry's %s-value: %s", avTopic, p.SchemaFormat, p.Schema, avTopic, latest.Schema)
	}
	// Every Avro record decodes with the document's schema, to its end.
	docSchema, _ := json.Marshal(p.Schema)
	as, err := avro.Parse(string(docSchema))
	if err != nil {
		t.Fatalf("the document's Avro schema of %s: %v", avTopic, err)
	}
	nav := 0
	for _, r := range recs {
		if r.Topic != avTopic || r.Value == nil {
			continue
		}
		var v any
		if len(r.Value) < 5 || r.Value[0] != 0 {
			t.Errorf("Avro record at offset %d: not the Confluent wire format", r.Offset)
			continue
		}
		if rest, err := as.Decode(r.Value[5:], &v); err != nil || len(rest) != 0 {
			t.Errorf("Avro record at offset %d with the document's schema: %v, %d bytes left", r.Offset, err, len(rest))
		}
		nav++
	}
	if nav != 4 {
		t.Errorf("%d Avro records decoded, want 4", nav)
	}

	// All connectors in one document.
	all := get("/asyncapi")
	check("the combined document", all, samples(recs, pgTopic, notesTopic, myTopic))
	if n := len(view(all).Channels); n != 6 {
		t.Errorf("the combined document has %d channels, want 6 (5 tables' and a schema-change topic)", n)
	}

	// The CLI prints the REST answer.
	if r := runSluice(t, "asyncapi", "--url", d.URL, pgName); r.code != 0 || !jsonEqual(t, []byte(r.stdout), pgDoc) {
		t.Errorf("sluice asyncapi %s: exit %d, %s %s", pgName, r.code, r.stdout, r.stderr)
	}
	if r := runSluice(t, "asyncapi", "--url", d.URL, "--format", "yaml", pgName); r.code != 0 || !strings.Contains(r.stdout, "asyncapi: 3.0.0") {
		t.Errorf("sluice asyncapi --format yaml %s: exit %d, %s %s", pgName, r.code, r.stdout, r.stderr)
	}
	if code, body := d.do(t, "GET", "/connectors/nosuch/asyncapi", nil); code != 404 {
		t.Errorf("GET /connectors/nosuch/asyncapi: %d %s, want 404", code, body)
	}
	if code, body := d.do(t, "GET", "/connectors/"+pgName+"/asyncapi?format=xml", nil); code != 400 || !strings.Contains(string(body), "format=yaml") {
		t.Errorf("format=xml: %d %s, want 400 naming format=yaml", code, body)
	}

	// A column added: the next document shows it, with a new version.
	mustExec(t, pg, `ALTER TABLE `+prefix+`.items ADD COLUMN extra int`)
	mustExec(t, pg, `INSERT INTO `+prefix+`.items (id, name, extra) VALUES (3, 'three', 7)`)
	recs = c.waitCount(t, len(recs)+2, 60*time.Second)
	pgDoc2 := get("/connectors/" + pgName + "/asyncapi")
	v2 := view(pgDoc2)
	if props := afterProps(v2, pgTopic, true); props["extra"] == nil {
		t.Errorf("after ADD COLUMN extra the document's items after has %v", props)
	}
	if v2.Info.Version == v1.Info.Version {
		t.Errorf("info.version %s did not move with the schema change", v2.Info.Version)
	}
	var last []record
	for _, r := range recs {
		if r.Topic == pgTopic && strings.Contains(string(r.Value), `"extra":7`) {
			last = append(last, r)
		}
	}
	if len(last) != 1 {
		t.Fatalf("%d records of row 3 with extra=7", len(last))
	}
	check("the Postgres document after ADD COLUMN", pgDoc2, samples(last, pgTopic))
	// The old document rejects the new record: the schemas are exact.
	if res := asyncapi.Validate(t, pgDoc, samples(last, pgTopic)); len(res.Samples) != 1 || res.Samples[0].OK {
		t.Errorf("the document from before ADD COLUMN accepted a record with the new column: %+v", res.Samples)
	}
	t.Logf("info.version %s then %s", v1.Info.Version, v2.Info.Version)

	// Transforms change the documented schema as they change the records;
	// heartbeats and transaction metadata have channels of their own.
	trName := prefix + "_tr"
	dropSlot(t, trName)
	t.Cleanup(func() { dropSlot(t, trName) })
	trTopic, hbTopic, txTopic := trName+"."+prefix+".notes", "__debezium-heartbeat."+trName, trName+".transaction"
	deleteTopicsAfter(t, trTopic, hbTopic, txTopic)
	trCfg := pgConfig(t, trName, trName, prefix+".notes")
	for k, v := range map[string]string{
		"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
		"heartbeat.interval.ms": "300", "provide.transaction.metadata": "true",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	} {
		trCfg[k] = v
	}
	if code, body := d.do(t, "POST", "/connectors", map[string]any{"name": trName, "config": trCfg}); code != 201 {
		t.Fatalf("create %s: %d %s", trName, code, body)
	}
	d.waitTaskState(t, trName, "RUNNING", 60*time.Second)
	tc := newConsumer(t, trTopic, hbTopic, txTopic)
	mustExec(t, pg, `INSERT INTO `+prefix+`.notes VALUES (2, 'two')`)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		seen := map[string]bool{}
		for _, r := range tc.snapshot() {
			seen[r.Topic] = true
		}
		if seen[trTopic] && seen[hbTopic] && seen[txTopic] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("records of %s: topics %v", trName, seen)
		}
	}
	trRecs := tc.snapshot()
	trDoc := get("/connectors/" + trName + "/asyncapi")
	check("the document of a connector with ExtractNewRecordState, heartbeats and transaction metadata", trDoc,
		samples(trRecs, trTopic, hbTopic, txTopic))
	trView := view(trDoc)
	for _, topic := range []string{trTopic, hbTopic, txTopic} {
		if _, ok := trView.Channels[topic]; !ok {
			t.Errorf("no channel %s in %v", topic, trView.Channels)
		}
	}
	// After a restart, before any change, the document is whole again:
	// the Postgres stream tells every captured table's schema at its start.
	d.term(t)
	d = startDaemon(t, dataDir)
	d.waitTaskState(t, pgName, "RUNNING", 60*time.Second)
	var v3 docView
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		v3 = view(get("/connectors/" + pgName + "/asyncapi"))
		if len(v3.Channels) == 3 || time.Now().After(deadline) {
			break
		}
	}
	if props := afterProps(v3, pgTopic, true); len(v3.Channels) != 3 || props["extra"] == nil {
		t.Errorf("after a restart: channels %v, items after %v; want the 3 tables, items with extra", v3.Channels, props)
	}
	var flat map[string]any
	_ = json.Unmarshal(trView.Channels[trTopic].Messages["record"].Payload, &flat)
	if props, _ := flat["properties"].(map[string]any); props["body"] == nil || props["after"] != nil {
		t.Errorf("the unwrapped payload schema: %v, want the row's columns", flat)
	}
}

const asyncapiAvro = "application/vnd.apache.avro;version=1.9.0"

// jsonEqual says whether a and b are the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Logf("not JSON: %v: %.200s", err, a)
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
