package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fakeConnectors is an in-memory Connectors.
type fakeConnectors struct {
	configs map[string]map[string]string // already redacted, as the runtime gives them
	topics  map[string][]string
}

func (f *fakeConnectors) Names() []string {
	var out []string
	for n := range f.configs {
		out = append(out, n)
	}
	return out
}

func (f *fakeConnectors) RedactedConfig(name string) (map[string]string, error) {
	c, ok := f.configs[name]
	if !ok {
		return nil, io.EOF
	}
	return c, nil
}

func (f *fakeConnectors) Topics(name string) ([]string, error) { return f.topics[name], nil }

// fakeReader records the reads it is asked for.
type fakeReader struct {
	topic string
	limit int
	recs  []Record
}

func (f *fakeReader) Latest(_ context.Context, topic string, limit int) ([]Record, error) {
	f.topic, f.limit = topic, limit
	if topic == "pg.missing" {
		return nil, ErrUnknownTopic
	}
	return f.recs, nil
}

func newTestConsole(t *testing.T) (http.Handler, *fakeReader, *prometheus.Registry) {
	t.Helper()
	conns := &fakeConnectors{
		configs: map[string]map[string]string{
			"pg1": {"connector.class": "postgres", "database.password": "[hidden]", "topic.prefix": "pg"},
			"pg2": {"connector.class": "postgres", "topic.prefix": "other"},
		},
		topics: map[string][]string{"pg1": {"pg.public.t", "pg.public.a"}},
	}
	reg := prometheus.NewRegistry()
	records := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sluice_records_total"}, []string{"connector"})
	lag := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_streaming_milliseconds_behind_source"}, []string{"connector"})
	slot := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_slot_retained_wal_bytes"}, []string{"connector", "slot"})
	other := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_snapshot_running"}, []string{"connector"})
	reg.MustRegister(records, lag, slot, other)
	records.WithLabelValues("pg1").Add(42)
	lag.WithLabelValues("pg1").Set(1500)
	slot.WithLabelValues("pg1", "s1").Set(100)
	slot.WithLabelValues("pg1", "s2").Set(28)
	other.WithLabelValues("pg1").Set(1)
	rd := &fakeReader{recs: []Record{{Partition: 0, Offset: 7}}}
	ui := New(Options{Connectors: conns, Metrics: reg, Records: rd})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	return Mount(api, ui), rd, reg
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func TestPageAndRedirect(t *testing.T) {
	h, _, _ := newTestConsole(t)
	w := get(t, h, "/ui")
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/ui/" {
		t.Fatalf("GET /ui: %d Location %q, want 301 to /ui/", w.Code, w.Header().Get("Location"))
	}
	w = get(t, h, "/ui/")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<script src="console.js"`) {
		t.Fatalf("GET /ui/: %d %.200s", w.Code, w.Body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	for _, f := range []string{"/ui/console.js", "/ui/console.css"} {
		if w := get(t, h, f); w.Code != 200 || w.Body.Len() == 0 {
			t.Fatalf("GET %s: %d", f, w.Code)
		}
	}
	if w := get(t, h, "/ui/nope.js"); w.Code != 404 {
		t.Fatalf("GET /ui/nope.js: %d, want 404", w.Code)
	}
	// Everything else is the REST API's.
	for _, p := range []string{"/connectors", "/uix", "/"} {
		if w := get(t, h, p); w.Code != http.StatusTeapot {
			t.Fatalf("GET %s went to the console (%d)", p, w.Code)
		}
	}
}

// TestPageLinksNothingElsewhere: the page works offline, so no file of it
// names another host.
func TestPageLinksNothingElsewhere(t *testing.T) {
	entries, err := static.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := static.ReadFile("static/" + e.Name())
		// The SVG namespace is a name, not a link.
		s := strings.ReplaceAll(string(b), "http://www.w3.org/2000/svg", "")
		for _, bad := range []string{"https://", "http://", "//cdn", "@import"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", e.Name(), bad)
			}
		}
	}
}

func TestOverview(t *testing.T) {
	h, _, _ := newTestConsole(t)
	w := get(t, h, "/ui/api/overview")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var ov Overview
	if err := json.Unmarshal(w.Body.Bytes(), &ov); err != nil {
		t.Fatal(err)
	}
	if len(ov.Connectors) != 2 || ov.Connectors[0].Name != "pg1" || ov.Connectors[1].Name != "pg2" {
		t.Fatalf("connectors %+v", ov.Connectors)
	}
	pg1 := ov.Connectors[0]
	if pg1.Config["database.password"] != "[hidden]" {
		t.Fatalf("config %v", pg1.Config)
	}
	if strings.Join(pg1.Topics, ",") != "pg.public.a,pg.public.t" {
		t.Fatalf("topics %v", pg1.Topics)
	}
	m := pg1.Metrics
	if m.Records == nil || *m.Records != 42 || m.LagMillis == nil || *m.LagMillis != 1500 {
		t.Fatalf("metrics %+v", m)
	}
	if m.SlotRetainedBytes == nil || *m.SlotRetainedBytes != 128 {
		t.Fatalf("slot bytes %v, want the two slots' sum 128", m.SlotRetainedBytes)
	}
	if m.Events != nil || m.SourceLagBytes != nil {
		t.Fatalf("metrics the registry lacks are not null: %+v", m)
	}
	// pg2 has no series: every value null, and topics an empty list.
	if b := w.Body.String(); !strings.Contains(b, `"name":"pg2","config":{"connector.class":"postgres","topic.prefix":"other"},"topics":[],"metrics":{"lag_ms":null`) {
		t.Fatalf("pg2 body: %s", b)
	}
}

func TestTopicRecordsAllowListAndLimits(t *testing.T) {
	h, rd, _ := newTestConsole(t)
	w := get(t, h, "/ui/api/topics/pg.public.t/records")
	if w.Code != 200 || rd.topic != "pg.public.t" || rd.limit != DefaultRecords {
		t.Fatalf("default read: %d %s; reader asked %q limit %d", w.Code, w.Body, rd.topic, rd.limit)
	}
	var body TopicRecords
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Connector != "pg1" || len(body.Records) != 1 || body.Records[0].Offset != 7 {
		t.Fatalf("body %s (%v)", w.Body, err)
	}
	if w := get(t, h, "/ui/api/topics/pg.public.a/records?limit=100"); w.Code != 200 || rd.limit != 100 {
		t.Fatalf("limit=100: %d, reader limit %d", w.Code, rd.limit)
	}
	rd.topic = ""
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/ui/api/topics/pg.public.t/records?limit=0", 400},
		{"/ui/api/topics/pg.public.t/records?limit=101", 400},
		{"/ui/api/topics/pg.public.t/records?limit=ten", 400},
		{"/ui/api/topics/sluice-offsets/records", 404}, // no connector's topic
		{"/ui/api/topics/__consumer_offsets/records", 404},
		{"/ui/api/topics/other.public.t/records", 404}, // pg2 has written nothing
		{"/ui/api/nothing", 404},
	} {
		w := get(t, h, tc.path)
		if w.Code != tc.code || !strings.Contains(w.Body.String(), `"error_code":`) {
			t.Errorf("GET %s: %d %s, want %d with an error body", tc.path, w.Code, w.Body, tc.code)
		}
	}
	if rd.topic != "" {
		t.Fatalf("a refused request reached the reader (topic %q)", rd.topic)
	}
	// A topic of a connector that Kafka does not have yet.
	h2 := New(Options{Connectors: &fakeConnectors{configs: map[string]map[string]string{"c": {}}, topics: map[string][]string{"c": {"pg.missing"}}}, Records: rd})
	if w := get(t, h2, "/ui/api/topics/pg.missing/records"); w.Code != 404 {
		t.Fatalf("missing topic: %d %s", w.Code, w.Body)
	}
}

func TestNewRecordEncodings(t *testing.T) {
	r := NewRecord(&kgo.Record{Partition: 2, Offset: 9, Key: []byte(`{"id":1}`), Value: []byte{0, 0xff, 0xfe}})
	if r.Key == nil || *r.Key != `{"id":1}` || r.KeyEncoding != "text" {
		t.Fatalf("key %v %s", r.Key, r.KeyEncoding)
	}
	if r.Value == nil || *r.Value != "AP/+" || r.ValueEncoding != "base64" {
		t.Fatalf("value %v %s", r.Value, r.ValueEncoding)
	}
	if r := NewRecord(&kgo.Record{Key: []byte("k")}); r.Value != nil || r.ValueEncoding != "null" {
		t.Fatalf("tombstone value %v %s", r.Value, r.ValueEncoding)
	}
}
