//go:build integration

package compat

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/avro"
)

// This file runs a transforms chain on sluice with Avro through the
// registry and compares its records with Debezium's JSON ones. The worker's
// Avro bytes cannot be the reference: it has Apicurio's converter, whose
// AvroData is not Confluent's, which sluice follows. So a third connector on
// the sluice daemon runs the same config with the Avro converter, and each of
// its records, decoded with the registered schemas, must carry the payload
// and headers of Debezium's JSON record at the same place (the comparison
// rules of compareSides: per topic and key, clocks and positions by presence).

// avroConverter is the Avro converter class sluice accepts.
const avroConverter = "io.apicurio.registry.utils.converter.AvroConverter"

// startAvroRun creates on slc a connector named name with cfg, its own
// per-connector keys own (topic.prefix, slot and publication names, a
// history topic) taking precedence, and Avro keys and values through the
// registry in place of cfg's converters. It returns a pair whose dbz side is
// jsonSide (Debezium's JSON records, the reference) and slc side the Avro
// records, for waitCounts and compareAvroWithJSON. The connector and the
// registry subjects under its prefix are removed when the test ends.
func startAvroRun(t *testing.T, slc *daemon, name string, cfg, own map[string]string, jsonSide *topicReader) pair {
	t.Helper()
	prefix := own["topic.prefix"]
	if prefix == "" {
		t.Fatal("startAvroRun: own has no topic.prefix")
	}
	ac := map[string]string{}
	for k, v := range cfg {
		if !strings.HasPrefix(k, "key.converter") && !strings.HasPrefix(k, "value.converter") {
			ac[k] = v
		}
	}
	for k, v := range own {
		ac[k] = v
	}
	for _, s := range []string{"key", "value"} {
		ac[s+".converter"] = avroConverter
		ac[s+".converter.schema.registry.url"] = registryURL
	}
	t.Cleanup(func() { deleteSubjectsUnder(t, prefix+".") }) // runs after the removal below
	r := readPrefix(t, prefix)
	slc.create(t, name, ac)
	t.Cleanup(func() { slc.remove(t, name) })
	// The test changes rows once the JSON pair has its snapshot; this
	// connector, started after it, must have read its own by then (a
	// snapshot taken after the changes reads the changed rows and the
	// stream then carries none of them).
	waitSnapshotRead(t, slc, name, 90*time.Second)
	return pair{name: name, dbz: jsonSide, slc: r}
}

// waitSnapshotRead waits until sluice connector name has read its snapshot
// (its "snapshot done" log line: the status shows a snapshot of empty
// tables running until a row streams).
func waitSnapshotRead(t *testing.T, slc *daemon, name string, timeout time.Duration) {
	t.Helper()
	line := `msg="snapshot done" connector=` + name
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(slc.logs.String(), line) {
			return
		}
		if st, trace := slc.state(name); st == "FAILED" {
			t.Fatalf("%s FAILED before its snapshot was read: %s", name, clip(trace, 1000))
		}
	}
	t.Fatalf("%s: no snapshot read in %v\n%s", name, timeout, tail(slc.logs.String(), 30))
}

func waitAvroFailure(t *testing.T, slc *daemon, name, want string, timeout time.Duration) {
	t.Helper()
	var st, trace string
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if st, trace = slc.state(name); st == "FAILED" {
			break
		}
	}
	if st != "FAILED" || !strings.Contains(trace, want) {
		t.Errorf("%s: task %s, want FAILED naming %q: %s", name, st, want, clip(trace, 1000))
		return
	}
	t.Logf("%s: FAILED as expected: %s", name, clip(trace[strings.Index(trace, want):], 300))
}

// deleteSubjectsUnder deletes the registry subjects whose name begins with
// prefix (the registry is shared and in memory).
func deleteSubjectsUnder(t *testing.T, prefix string) {
	rc := restClient{what: "registry", url: registryURL}
	code, body, err := rc.do("GET", "/subjects", nil)
	var subjects []string
	if err != nil || code != 200 || json.Unmarshal(body, &subjects) != nil {
		t.Logf("registry subjects: %d %s %v", code, clip(string(body), 400), err)
		return
	}
	for _, s := range subjects {
		if strings.HasPrefix(s, prefix) {
			_, _, _ = rc.do("DELETE", "/subjects/"+url.PathEscape(s), nil)
		}
	}
}

// compareAvroWithJSON decodes the Avro records of ap.slc (Confluent wire
// format, schemas from the registry) and compares them with the payloads of
// Debezium's JSON-with-schemas records ap.dbz, as report compares two sides,
// except on the topics ending in one of skip (which the Avro run does not
// write). It fails the test with every difference and returns the number of
// Avro records compared.
func compareAvroWithJSON(t *testing.T, ap pair, skip ...string) int {
	t.Helper()
	dec := avroDecoder{schemas: map[uint32]*avro.Schema{}}
	var js, as []rec
	for _, x := range ap.dbz.all() {
		if slices.Contains(skip, strings.TrimPrefix(x.Topic, ap.dbz.prefix)) {
			continue
		}
		k, err := jsonPayload(x.Key)
		if err == nil {
			x.Value, err = jsonPayload(x.Value)
		}
		if err != nil {
			t.Fatalf("Debezium %s@%d: %v", x.Topic, x.Offset, err)
		}
		if k, err = canonicalNumbers(k); err == nil {
			x.Value, err = canonicalNumbers(x.Value)
		}
		if err != nil {
			t.Fatalf("Debezium %s@%d: %v", x.Topic, x.Offset, err)
		}
		x.Key = k
		js = append(js, x)
	}
	for _, x := range ap.slc.all() {
		k, err := dec.decode(x.Key)
		if err == nil {
			x.Value, err = dec.decode(x.Value)
		}
		if err != nil {
			t.Errorf("Avro %s@%d: %v", x.Topic, x.Offset, err)
			continue
		}
		if k, err = canonicalNumbers(k); err == nil {
			x.Value, err = canonicalNumbers(x.Value)
		}
		if err != nil {
			t.Errorf("Avro %s@%d: %v", x.Topic, x.Offset, err)
			continue
		}
		x.Key = k
		as = append(as, x)
	}
	// A tombstone's partition, unless a transform set one, is the
	// producer's hash of the key's bytes, which differ between Avro and
	// JSON: on a topic of several partitions it is compared for the other
	// records only.
	multi := map[string]bool{}
	for _, x := range js {
		if x.Partition > 0 {
			multi[strings.TrimPrefix(x.Topic, ap.dbz.prefix)] = true
		}
	}
	for _, rs := range []struct {
		prefix string
		recs   []rec
	}{{ap.dbz.prefix, js}, {ap.slc.prefix, as}} {
		for i, x := range rs.recs {
			if x.Value == nil && multi[strings.TrimPrefix(x.Topic, rs.prefix)] {
				rs.recs[i].Partition = -1
			}
		}
	}
	diffs := compareSides(side{ap.dbz.prefix, js}, side{ap.slc.prefix, as}, false)
	for _, d := range diffs {
		t.Errorf("Avro %s", d)
	}
	t.Logf("%s: %d Avro records decoded and compared with Debezium's %d JSON records, %d differences",
		ap.name, len(as), len(js), len(diffs))
	return len(as)
}

// avroDecoder decodes Confluent-framed Avro with the registry's schemas.
type avroDecoder struct {
	schemas map[uint32]*avro.Schema
}

// decode returns the JSON text of an Avro key or value (nil for nil): bytes
// as base64 and times as numbers, the forms JsonConverter writes; the
// unwrap's added __lsn and __source_ts_ms, when set, as "set" (a position
// and the database clock; maskAddedPositions does the same on the JSON side).
func (d avroDecoder) decode(b []byte) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	if len(b) < 5 || b[0] != 0 {
		return nil, fmt.Errorf("not the Confluent wire format: % x", b[:min(len(b), 5)])
	}
	id := binary.BigEndian.Uint32(b[1:5])
	s := d.schemas[id]
	if s == nil {
		rc := restClient{what: "registry", url: registryURL}
		code, body, err := rc.do("GET", fmt.Sprintf("/schemas/ids/%d", id), nil)
		if err != nil || code != 200 {
			return nil, fmt.Errorf("schema %d: %d %s %v", id, code, body, err)
		}
		var r struct{ Schema string }
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		// Without logical types, bytes (decimals too) decode as bytes and
		// times as numbers.
		var js any
		if err := json.Unmarshal([]byte(r.Schema), &js); err != nil {
			return nil, err
		}
		plain, _ := json.Marshal(dropLogicalTypes(js))
		if s, err = avro.Parse(string(plain)); err != nil {
			return nil, fmt.Errorf("schema %d: %v", id, err)
		}
		d.schemas[id] = s
	}
	var v any
	if _, err := s.Decode(b[5:], &v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"__lsn", "__source_ts_ms"} {
			if m[k] != nil {
				m[k] = "set"
			}
		}
		// A flattened source block's clock and positions, as
		// maskFlattenedSource masks them on the JSON side.
		for k, x := range m {
			for _, delim := range []string{".", "__", "_"} {
				if rest, ok := strings.CutPrefix(k, "source"+delim); ok && x != nil && flattenedVaries[rest] {
					m[k] = "(varies)"
				}
			}
		}
	}
	return json.Marshal(v) // []byte as base64, as JsonConverter writes bytes
}

// flattenedVaries are the members of a source block that maskFlattenedSource
// masks once flattened.
var flattenedVaries = map[string]bool{"ts_ms": true, "ts_us": true, "ts_ns": true, "lsn": true, "txId": true,
	"sequence": true, "xmin": true, "file": true, "pos": true, "gtid": true, "server_id": true, "thread": true}

// registryFields returns the type and the names of the top-level fields of
// the latest value schema registered for topic (subject <topic>-value).
func registryFields(t *testing.T, topic string) (string, []string) {
	t.Helper()
	rc := restClient{what: "registry", url: registryURL}
	code, body, err := rc.do("GET", "/subjects/"+url.PathEscape(topic+"-value")+"/versions/latest", nil)
	if err != nil || code != 200 {
		t.Errorf("registry %s-value: %d %s %v", topic, code, clip(string(body), 400), err)
		return "", nil
	}
	var r struct{ Schema string }
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	// An optional value's schema is the union ["null", record].
	raw := json.RawMessage(r.Schema)
	var union []json.RawMessage
	if json.Unmarshal(raw, &union) == nil {
		for _, u := range union {
			if string(u) != `"null"` {
				raw = u
			}
		}
	}
	var s struct {
		Type   any
		Name   string
		Fields []struct{ Name string }
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("registry %s-value: %v: %s", topic, err, r.Schema)
	}
	var out []string
	for _, f := range s.Fields {
		out = append(out, f.Name)
	}
	typ, _ := s.Type.(string)
	if typ == "" {
		typ = strings.Trim(string(raw), `"`) // a primitive: "string"
	}
	return typ, out
}

// checkRegistrySchema fails the test unless the latest value schema
// registered for the Avro run's topic suffix has the fields, in order, of the
// value schema of Debezium's last JSON record on that topic, and its type (a
// record for a struct): the schema the transforms made, not the source's
// envelope. It returns the type ("struct" for a record) and the fields.
func checkRegistrySchema(t *testing.T, ap pair, suffix string) []string {
	t.Helper()
	var want []string
	found := false
	for _, x := range ap.dbz.all() {
		if x.Topic != ap.dbz.prefix+suffix || x.Value == nil {
			continue
		}
		var v struct {
			Schema struct {
				Type   string
				Fields []struct{ Field string }
			}
		}
		if err := json.Unmarshal(x.Value, &v); err != nil {
			t.Fatalf("Debezium %s@%d: %v", x.Topic, x.Offset, err)
		}
		want, found = []string{v.Schema.Type}, true
		for _, f := range v.Schema.Fields {
			want = append(want, f.Field)
		}
	}
	if !found {
		t.Errorf("registry check: Debezium wrote no value on %s", suffix)
		return nil
	}
	typ, fields := registryFields(t, ap.slc.prefix+suffix)
	if typ == "record" {
		typ = "struct"
	}
	got := append([]string{typ}, fields...)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("registry %s%s-value: %v, Debezium's JSON schema %v (type, then fields)", ap.slc.prefix, suffix, got, want)
	}
	return got
}
