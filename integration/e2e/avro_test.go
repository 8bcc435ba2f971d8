//go:build integration

package e2e

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/avro"
)

// registryURL is the Confluent-compatible API of the schema registry that
// integration/env starts (Apicurio's ccompat API).
var registryURL = strings.TrimRight(envOr("SLUICE_REGISTRY_URL", "http://127.0.0.1:58081/apis/ccompat/v7"), "/")

// registryDo sends one request to the registry and returns the status and
// body.
func registryDo(method, path, body string) (int, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, registryURL+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	cl := http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// registryGet GETs path and decodes the JSON answer into out.
func registryGet(t *testing.T, path string, out any) {
	t.Helper()
	code, b, err := registryDo("GET", path, "")
	if err != nil || code != 200 {
		t.Fatalf("GET %s%s: %d %s %v", registryURL, path, code, b, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// needRegistry fails the test when the registry does not answer.
func needRegistry(t *testing.T) {
	t.Helper()
	if code, b, err := registryDo("GET", "/subjects", ""); err != nil || code != 200 {
		t.Fatalf("no schema registry at %s (run integration/env/up registry): %d %s %v", registryURL, code, b, err)
	}
}

// deleteSubjectsAtEnd deletes the subjects of the topics (key and value),
// soft then permanently, when the test ends.
func deleteSubjectsAtEnd(t *testing.T, topics ...string) {
	t.Cleanup(func() {
		for _, topic := range topics {
			for _, s := range []string{topic + "-key", topic + "-value"} {
				p := "/subjects/" + url.PathEscape(s)
				_, _, _ = registryDo("DELETE", p, "")
				_, _, _ = registryDo("DELETE", p+"?permanent=true", "")
			}
		}
	})
}

// subjectVersionID returns the schema id of version v of subject.
func subjectVersionID(t *testing.T, subject string, v int) int {
	t.Helper()
	var s struct {
		ID      int `json:"id"`
		Version int `json:"version"`
	}
	registryGet(t, fmt.Sprintf("/subjects/%s/versions/%d", url.PathEscape(subject), v), &s)
	return s.ID
}

// avroConverters sets both converters of a connector config to Confluent's
// AvroConverter with the test registry.
func avroConverters(cfg map[string]string) {
	for _, side := range []string{"key", "value"} {
		cfg[side+".converter"] = "io.confluent.connect.avro.AvroConverter"
		cfg[side+".converter.schema.registry.url"] = registryURL
	}
}

// avroDecoder decodes records in the Confluent wire format the way any
// consumer would, with nothing but the registry: magic byte 0, the 4-byte
// big-endian schema id, then the Avro datum, whose writer schema it fetches
// with GET /schemas/ids/{id} and parses with twmb/avro. It never uses
// sluice's own schema package. Schemas are cached by id, so a decoder must
// not outlive a registry restart (the test registry forgets everything and
// hands out the same ids again).
type avroDecoder struct {
	mu      sync.Mutex
	schemas map[int]*avro.Schema
	texts   map[int]string
}

func newAvroDecoder() *avroDecoder {
	return &avroDecoder{schemas: map[int]*avro.Schema{}, texts: map[int]string{}}
}

// schema returns the parsed writer schema with id, and its text.
func (d *avroDecoder) schema(id int) (*avro.Schema, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[id]; ok {
		return s, d.texts[id], nil
	}
	code, b, err := registryDo("GET", "/schemas/ids/"+strconv.Itoa(id), "")
	if err != nil || code != 200 {
		return nil, "", fmt.Errorf("GET /schemas/ids/%d: %d %s %v", id, code, b, err)
	}
	var resp struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, "", fmt.Errorf("GET /schemas/ids/%d: %v in %s", id, err, b)
	}
	s, err := avro.Parse(resp.Schema)
	if err != nil {
		return nil, "", fmt.Errorf("parse schema %d: %v\n%s", id, err, resp.Schema)
	}
	d.schemas[id], d.texts[id] = s, resp.Schema
	return s, resp.Schema, nil
}

// decode returns the schema id of a wire-format message and its datum as
// twmb/avro decodes it into an any (records are map[string]any).
func (d *avroDecoder) decode(b []byte) (int, any, error) {
	if len(b) < 5 || b[0] != 0 {
		return 0, nil, fmt.Errorf("not the Confluent wire format (magic byte 0, 4-byte id): %x", b[:min(len(b), 8)])
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	s, _, err := d.schema(id)
	if err != nil {
		return id, nil, err
	}
	var v any
	rest, err := s.Decode(b[5:], &v)
	if err != nil {
		return id, nil, fmt.Errorf("decode with schema %d: %v", id, err)
	}
	if len(rest) != 0 {
		return id, nil, fmt.Errorf("%d bytes left after the datum (schema %d)", len(rest), id)
	}
	return id, v, nil
}

// mustDecode is decode that fails the test.
func (d *avroDecoder) mustDecode(t *testing.T, b []byte) (int, map[string]any) {
	t.Helper()
	id, v, err := d.decode(b)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("datum with schema %d is a %T, want a record", id, v)
	}
	return id, m
}

// avroPlain turns a decoded Avro datum into plain JSON values, so it can be
// compared with the JSON converter's: bytes become standard base64 (as
// JsonConverter writes them), decimals (*big.Rat) "decimal:<exact value>",
// dates and timestamps (time.Time) "time:<RFC 3339 UTC>", times of day
// (time.Duration) "duration:<Go duration>".
func avroPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = avroPlain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = avroPlain(e)
		}
		return out
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case *big.Rat:
		return "decimal:" + exactDecimal(x)
	case time.Time:
		return "time:" + x.UTC().Format(time.RFC3339Nano)
	case time.Duration:
		return "duration:" + x.String()
	}
	return v
}

// exactDecimal writes r with as many fraction digits as it needs.
func exactDecimal(r *big.Rat) string {
	ten := big.NewRat(10, 1)
	x := new(big.Rat).Set(r)
	for s := 0; s < 60; s++ {
		if x.IsInt() {
			return r.FloatString(s)
		}
		x.Mul(x, ten)
	}
	return r.RatString()
}

// sameJSON reports whether two JSON texts hold the same value, numbers
// compared by value (1.0 = 1, -2.25E-10 = -2.25e-10).
func sameJSON(a, b string) bool {
	x, err1 := decodeNumbers(a)
	y, err2 := decodeNumbers(b)
	return err1 == nil && err2 == nil && sameValue(x, y)
}

func decodeNumbers(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func sameValue(x, y any) bool {
	switch a := x.(type) {
	case json.Number:
		b, ok := y.(json.Number)
		if !ok {
			return false
		}
		ra, ok1 := new(big.Rat).SetString(string(a))
		rb, ok2 := new(big.Rat).SetString(string(b))
		return ok1 && ok2 && ra.Cmp(rb) == 0
	case map[string]any:
		b, ok := y.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, e := range a {
			f, ok := b[k]
			if !ok || !sameValue(e, f) {
				return false
			}
		}
		return true
	case []any:
		b, ok := y.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(x, y)
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// createAvroConnector creates a Postgres connector on tables with Avro keys
// and values, and waits until it runs.
func createAvroConnector(t *testing.T, d *daemon, name, tables string) {
	t.Helper()
	cfg := pgConfig(t, name, name, tables)
	avroConverters(cfg)
	if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
		t.Fatalf("create %s: %d %s", name, code, b)
	}
	d.waitTaskState(t, name, "RUNNING", 30*time.Second)
}

// TestAvroSchemaVersions adds a column between inserts: the value subject
// gets version 2; records before the change carry version 1's id, the old
// columns and header sluice.schema.version=1, records after version 2's id,
// the new column and header 2; both versions decode from the registry.
func TestAvroSchemaVersions(t *testing.T) {
	needRegistry(t)
	prefix := uniq("avrov")
	table := "public." + prefix
	topic := prefix + "." + table
	dropSlot(t, prefix)
	deleteSubjectsAtEnd(t, topic)
	pg := pgConn(t)
	mustExec(t, pg, "CREATE TABLE "+table+" (id int PRIMARY KEY, name text NOT NULL)")
	t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+table) })

	d := startDaemon(t, t.TempDir())
	createAvroConnector(t, d, prefix, table)
	c := newConsumer(t, topic)
	for i := 1; i <= 3; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'u%d')", table, i, i))
	}
	c.waitCount(t, 3, 60*time.Second)

	// Confluent's default level, which Apicurio's ccompat API does not
	// apply unless asked: a nullable column added must pass it.
	valueSubject := topic + "-value"
	if code, b, err := registryDo("PUT", "/config/"+url.PathEscape(valueSubject), `{"compatibility":"BACKWARD"}`); err != nil || code != 200 {
		t.Fatalf("set BACKWARD on %s: %d %s %v", valueSubject, code, b, err)
	}
	mustExec(t, pg, "ALTER TABLE "+table+" ADD COLUMN email text")
	for i := 4; i <= 6; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'u%d', 'u%d@example.com')", table, i, i, i))
	}
	c.waitCount(t, 6, 60*time.Second)
	recs := c.settle(2 * time.Second)
	if len(recs) != 6 {
		t.Fatalf("%d records, want 6", len(recs))
	}

	var versions []int
	registryGet(t, "/subjects/"+url.PathEscape(valueSubject)+"/versions", &versions)
	if !reflect.DeepEqual(versions, []int{1, 2}) {
		t.Fatalf("versions of %s = %v, want [1 2]", valueSubject, versions)
	}
	var keyVersions []int
	registryGet(t, "/subjects/"+url.PathEscape(topic+"-key")+"/versions", &keyVersions)
	if !reflect.DeepEqual(keyVersions, []int{1}) {
		t.Errorf("versions of %s-key = %v, want [1]: the key did not change", topic, keyVersions)
	}
	id1, id2 := subjectVersionID(t, valueSubject, 1), subjectVersionID(t, valueSubject, 2)
	if id1 == id2 {
		t.Fatalf("versions 1 and 2 of %s share schema id %d", valueSubject, id1)
	}

	dec := newAvroDecoder()
	for i, r := range recs {
		n := i + 1
		wantVersion, wantID := "1", id1
		wantAfter := fmt.Sprintf(`{"id":%d,"name":"u%d"}`, n, n)
		if n > 3 {
			wantVersion, wantID = "2", id2
			wantAfter = fmt.Sprintf(`{"id":%d,"name":"u%d","email":"u%d@example.com"}`, n, n, n)
		}
		if got := r.Headers["sluice.schema.version"]; got != wantVersion {
			t.Errorf("record %d: header sluice.schema.version=%q, want %s", n, got, wantVersion)
		}
		_, key := dec.mustDecode(t, r.Key)
		if got := jsonText(t, avroPlain(key)); !sameJSON(got, fmt.Sprintf(`{"id":%d}`, n)) {
			t.Errorf("record %d: key %s", n, got)
		}
		id, v := dec.mustDecode(t, r.Value)
		if id != wantID {
			t.Errorf("record %d: value schema id %d, want %d (version %s of %s)", n, id, wantID, wantVersion, valueSubject)
		}
		if got := jsonText(t, avroPlain(v["after"])); !sameJSON(got, wantAfter) {
			t.Errorf("record %d: after = %s, want %s", n, got, wantAfter)
		}
		if v["op"] != "c" || v["before"] != nil {
			t.Errorf("record %d: op %v, before %v", n, v["op"], v["before"])
		}
	}

	// Version 2 reads version 1's records (what BACKWARD promises): resolve
	// the first record with version 2 as the reader schema.
	w1, _, err := dec.schema(id1)
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := dec.schema(id2)
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := avro.Resolve(w1, r2)
	if err != nil {
		t.Fatalf("version 2 cannot read version 1: %v", err)
	}
	var old map[string]any
	if _, err := resolved.Decode(recs[0].Value[5:], &old); err != nil {
		t.Fatalf("decode a version-1 record as version 2: %v", err)
	}
	if got := jsonText(t, avroPlain(old["after"])); !sameJSON(got, `{"id":1,"name":"u1","email":null}`) {
		t.Errorf("version-1 record read as version 2: after = %s", got)
	}

	// A column change that leaves the Connect schema as it is (text to
	// varchar: both strings) is table schema version 3, but the Connect
	// schemas are Debezium's, without that version: the subject gets no
	// new version and the record carries version 2's id.
	mustExec(t, pg, "ALTER TABLE "+table+" ALTER COLUMN email TYPE varchar(100)")
	mustExec(t, pg, "INSERT INTO "+table+" VALUES (7, 'u7', 'u7@example.com')")
	c.waitCount(t, 7, 60*time.Second)
	recs = c.settle(2 * time.Second)
	last := recs[len(recs)-1]
	if got := last.Headers["sluice.schema.version"]; got != "3" {
		t.Errorf("record 7: header sluice.schema.version=%q, want 3", got)
	}
	if id, _ := dec.mustDecode(t, last.Value); id != id2 {
		t.Errorf("record 7: value schema id %d, want %d (the Connect schema did not change)", id, id2)
	}
	versions = nil
	registryGet(t, "/subjects/"+url.PathEscape(valueSubject)+"/versions", &versions)
	if !reflect.DeepEqual(versions, []int{1, 2}) {
		t.Errorf("versions of %s = %v after a change the Connect schema does not show, want [1 2]", valueSubject, versions)
	}
}

// TestAvroRegistryOutage stops the schema registry while the connector
// streams and a table's first rows need their schemas registered, and
// starts it again: the connector retries instead of failing, writes
// nothing it cannot register, and once the registry is back every row
// arrives exactly once and decodes.
//
// The test registry keeps its schemas in memory, so a restart forgets the
// ids registered before it and hands them out again. The test therefore
// reads the rows written before the outage (table a) before stopping the
// registry and writes table a no more, and decodes table b, whose schemas
// are registered only after the restart, with a fresh decoder. Stopping
// the shared registry also disturbs other tests using it: skipped with
// -short, like TestKafkaOutage.
func TestAvroRegistryOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops the shared schema registry")
	}
	needRegistry(t)
	prefix := uniq("avroout")
	tableA, tableB := "public."+prefix+"_a", "public."+prefix+"_b"
	topicA, topicB := prefix+"."+tableA, prefix+"."+tableB
	dropSlot(t, prefix)
	deleteSubjectsAtEnd(t, topicA, topicB)
	pg := pgConn(t)
	for _, tbl := range []string{tableA, tableB} {
		mustExec(t, pg, "CREATE TABLE "+tbl+" (id int PRIMARY KEY, v text)")
		t.Cleanup(func() { mustExec(t, pgConn(t), "DROP TABLE "+tbl) })
	}
	d := startDaemon(t, t.TempDir())
	createAvroConnector(t, d, prefix, tableA+","+tableB)
	ca, cb := newConsumer(t, topicA), newConsumer(t, topicB)

	const rowsA = 50
	for i := 1; i <= rowsA; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'a')", tableA, i))
	}
	before := newAvroDecoder()
	for _, r := range ca.waitCount(t, rowsA, 60*time.Second) {
		before.mustDecode(t, r.Key)
		before.mustDecode(t, r.Value)
	}

	t.Cleanup(func() { envCmd(t, "up", "registry") }) // whatever happens, leave the registry up
	envCmd(t, "down", "registry")
	const rowsB = 150
	for i := 1; i <= 2*rowsB/3; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'during')", tableB, i))
	}
	time.Sleep(4 * time.Second)
	if code, _ := d.do(t, "GET", "/healthz", nil); code != 200 {
		t.Fatalf("daemon unhealthy while the registry is down")
	}
	if st, trace := d.status(t, prefix).taskState(); st == "FAILED" {
		t.Fatalf("connector failed during the registry outage instead of retrying: %s", trace)
	}
	if n := cb.count(); n != 0 {
		t.Fatalf("%d records of %s were committed while their schema could not be registered", n, tableB)
	}
	if !strings.Contains(d.logs.String(), "schema registry unavailable") {
		t.Errorf("no retry of the registry in the daemon's log")
	}

	envCmd(t, "up", "registry")
	for i := 2*rowsB/3 + 1; i <= rowsB; i++ {
		mustExec(t, pg, fmt.Sprintf("INSERT INTO %s VALUES (%d, 'after')", tableB, i))
	}
	cb.waitCount(t, rowsB, 3*time.Minute)
	recs := cb.settle(3 * time.Second)
	after := newAvroDecoder()
	seen := map[int64]int{}
	for _, r := range recs {
		_, key := after.mustDecode(t, r.Key)
		_, v := after.mustDecode(t, r.Value)
		id, _ := key["id"].(int32)
		seen[int64(id)]++
		row, _ := v["after"].(map[string]any)
		if row == nil || row["id"] != key["id"] || v["op"] != "c" {
			t.Errorf("record for key %v: op %v, after %v", key["id"], v["op"], v["after"])
		}
	}
	if len(recs) != rowsB || len(seen) != rowsB {
		t.Errorf("%d records of %s for %d distinct keys, want %d of each", len(recs), tableB, len(seen), rowsB)
	}
	var dups []string
	for k, n := range seen {
		if n != 1 {
			dups = append(dups, fmt.Sprintf("%d×%d", k, n))
		}
		if k < 1 || k > rowsB {
			t.Errorf("unexpected key %d", k)
		}
	}
	sort.Strings(dups)
	if len(dups) > 0 {
		t.Errorf("keys arriving more than once: %v", dups)
	}
	if n := len(ca.settle(time.Second)); n != rowsA {
		t.Errorf("%d records of %s, want %d", n, tableA, rowsA)
	}
	if st, trace := d.status(t, prefix).taskState(); st != "RUNNING" {
		t.Errorf("connector %s after the outage: %s", st, trace)
	}
}
