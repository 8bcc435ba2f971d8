package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestLimitTool(t *testing.T) {
	ms := func(secs ...float64) []measure {
		var out []measure
		for _, s := range secs {
			out = append(out, measure{Wall: time.Duration(s * float64(time.Second))})
		}
		return out
	}
	readers := []string{toolRecv, toolReader}
	cases := []struct {
		name string
		res  map[string][]measure
		want string
	}{
		{"faster reader, floor faster still", map[string][]measure{toolRecv: ms(9), toolReader: ms(4), toolFloor: ms(3)}, toolReader},
		{"floor slower than the faster reader", map[string][]measure{toolRecv: ms(9), toolReader: ms(4), toolFloor: ms(5)}, toolFloor},
		{"median, not the best run", map[string][]measure{toolReader: ms(1, 6, 7), toolFloor: ms(5, 5, 5)}, toolReader},
		{"floor only (latency)", map[string][]measure{toolFloor: ms(60)}, toolFloor},
		{"readers only", map[string][]measure{toolRecv: ms(2), toolReader: ms(3)}, toolRecv},
		{"nothing", map[string][]measure{}, ""},
	}
	for _, c := range cases {
		if got := limitTool(c.res, readers); got != c.want {
			t.Errorf("%s: limit %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTableGroups(t *testing.T) {
	scs := []scenario{{name: "drain-small"}, {name: "drain-large"}, {name: "latency", latency: true}, {name: "snapshot", snapshot: true}}
	g := tableGroups(scs)
	if len(g) != 2 || len(g[0]) != 3 || len(g[1]) != 1 || !g[1][0].snapshot {
		t.Errorf("groups %v", g)
	}
	if g := tableGroups(scs[3:]); len(g) != 1 {
		t.Errorf("snapshot only: %v", g)
	}
}

// TestRecordTemplate checks that the floor's records are what the bench's
// consumer counts: valid JSON, the id in key and value, the envelope
// sluice writes, the payload of the table, and size() their real size.
func TestRecordTemplate(t *testing.T) {
	for _, shape := range []recordShape{
		{Connector: "postgresql", Op: "r", Prefix: "p", DB: "sluice_test", Schema: "public", Table: "t"},
		{Connector: "mariadb", Op: "c", Prefix: "p", DB: "d", Table: "rows"},
	} {
		tmpl, err := newRecordTemplate(shape, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// One buffer with room for all, as writeFloorMain sizes it: a
		// record must not be overwritten by the next.
		buf := make([]byte, 0, 1<<16)
		recs := make([]kgo.Record, 3)
		ids := []int{0, 4097, 1234567}
		for i, id := range ids {
			buf = tmpl.appendRecord(buf, &recs[i], id)
		}
		c := newTestCounter(1234568)
		for i, id := range ids {
			r := &recs[i]
			var v struct {
				After struct {
					ID      int    `json:"id"`
					Payload string `json:"payload"`
				} `json:"after"`
				Source map[string]any `json:"source"`
				Op     string         `json:"op"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("%s %d: value is not JSON: %v: %s", shape.Connector, id, err, r.Value)
			}
			if v.After.ID != id || len(v.After.Payload) != 80 || v.Op != shape.Op || v.Source["connector"] != shape.Connector {
				t.Errorf("%s %d: %+v", shape.Connector, id, v)
			}
			if k, ok := jsonInt(r.Key, `"id":`); !ok || k != int64(id) {
				t.Errorf("%s %d: key %s", shape.Connector, id, r.Key)
			}
			n := len(r.Key) + len(r.Value)
			for _, h := range r.Headers {
				n += len(h.Key) + len(h.Value)
			}
			if n != tmpl.size(id) {
				t.Errorf("%s %d: size() %d, record %d bytes", shape.Connector, id, tmpl.size(id), n)
			}
			c.add(r, time.Now())
		}
		if c.distinct != len(ids) || c.bad != 0 {
			t.Errorf("%s: the counter took %d of %d records (%d unreadable: %s)", shape.Connector, c.distinct, len(ids), c.bad, c.badSample)
		}
	}
	if _, err := newRecordTemplate(recordShape{Connector: "oracle", Op: "r"}, time.Now()); err == nil {
		t.Error("an unknown connector was accepted")
	}
}

func TestSnapshotGoal(t *testing.T) {
	b := &bench{o: options{snapRows: 1000, source: "postgres"}, results: map[string]map[string][]measure{}, dbz: debeziumDist{home: "x"}}
	sc := scenario{name: "snapshot", snapshot: true}
	add := func(tool string, secs float64) {
		b.add(sc.name, tool, measure{Wall: time.Duration(secs * float64(time.Second))})
	}
	add(toolCopy, 1)
	add(toolFloor, 2)
	add(toolSluice, 2.5) // 0.8 x the floor's rate
	add(toolDebezium, 10)
	got := b.snapshotGoal(sc)
	if !strings.Contains(got, "0.80 × (met)") || !strings.Contains(got, "4.00 × (met)") {
		t.Errorf("goal line %q", got)
	}
	b.results[sc.name][toolSluice][0].Wall = 3 * time.Second
	b.results[sc.name][toolDebezium][0].Wall = 6 * time.Second
	got = b.snapshotGoal(sc)
	if !strings.Contains(got, "0.67 × (NOT met)") || !strings.Contains(got, "2.00 × (NOT met)") {
		t.Errorf("goal line %q", got)
	}
	delete(b.results[sc.name], toolDebezium)
	if got := b.snapshotGoal(sc); !strings.HasSuffix(got, "Debezium: n/a") {
		t.Errorf("without Debezium: %q", got)
	}
}

func TestDefinesKey(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`[{"name":"snapshot.mode","type":"STRING"},{"name":"snapshot.max.threads","type":"INT"}]`))
	}))
	defer ts.Close()
	s := &sluiceServer{url: ts.URL}
	cases := []struct {
		class, key string
		want, err  bool
	}{
		{"io.debezium.connector.postgresql.PostgresConnector", threadsKey, true, false},
		{"io.debezium.connector.postgresql.PostgresConnector", "snapshot.max.threads.multiplier", false, false},
		{"io.debezium.connector.mariadb.MariaDbConnector", threadsKey, false, true},
	}
	for _, c := range cases {
		got, err := s.definesKey(c.class, c.key)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("definesKey(%s, %s) = %v, %v; want %v, error %v", c.class, c.key, got, err, c.want, c.err)
		}
	}
	b := &bench{o: options{snapThr: 1}}
	if got := b.threadsCheck(t.Context()); got != "-snapshot-threads 1" {
		t.Errorf("threadsCheck with one thread: %q", got)
	}
}
