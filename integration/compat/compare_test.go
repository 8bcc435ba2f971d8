package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// This file holds the record comparison: two sides (Debezium on Kafka
// Connect, sluice) each wrote the same changes under their own topic.prefix;
// compareSides maps their topics by the part after the prefix and compares
// record by record, per topic and per key, in offset order. It needs no
// server, so its own test (TestCompareCatchesDifferences) runs with the unit
// tests.

// rec is one consumed Kafka record.
type rec struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte // nil: null key
	Value     []byte // nil: tombstone
	Headers   []header
	Timestamp time.Time // the record's timestamp (compared only where a test says)
}

type header struct {
	Key   string
	Value []byte
}

// side is everything one system wrote under its topic prefix.
type side struct {
	Prefix string
	Recs   []rec
}

// difference is one place where sluice's records differ from Debezium's.
type difference struct {
	Where    string // topic suffix, key and index of the record in that key's sequence
	Path     string // JSON path inside the record ("value.payload.after.c_num")
	Debezium string
	Sluice   string
}

func (d difference) String() string {
	return fmt.Sprintf("%s %s: debezium=%s sluice=%s", d.Where, d.Path, d.Debezium, d.Sluice)
}

// prefixToken replaces each side's topic prefix wherever it appears in keys,
// values and headers: in schema names (`<prefix>.s.t.Value`), in the
// connectorLogicalName header and in the schema-change topic. The prefixes are
// random per run, so the replacement cannot hit anything else.
const prefixToken = "${topic.prefix}"

// Clock and position values differ between any two runs of any two systems,
// so only their presence and nullness are compared, never their values:
//   - at the root of the data (the envelope, a schema-change value):
//     ts_ms/ts_us/ts_ns are the processing clock;
//   - in a source block: ts_* are the database clock at the time each system read
//     it (the snapshot's differs by when each started); lsn, txId, sequence
//     (Postgres) and file, pos, gtid, server_id, thread (MySQL/MariaDB) are
//     positions in the log, which differ because each side has its own slot or
//     binlog client and read at its own time; name is the topic.prefix, which
//     must differ because both write to the same Kafka cluster.
var (
	ignoredRoot   = map[string]bool{"ts_ms": true, "ts_us": true, "ts_ns": true}
	ignoredSource = map[string]bool{
		"ts_ms": true, "ts_us": true, "ts_ns": true,
		"lsn": true, "txId": true, "sequence": true,
		"file": true, "pos": true, "gtid": true, "server_id": true, "thread": true,
		"name": true,
	}
	// ignoredHeaderValue: headers whose value is compared for presence only.
	// __debezium.context.runId is a fresh identifier of each task run.
	ignoredHeaderValue = map[string]bool{"__debezium.context.runId": true}
)

// sluiceHeaderPrefix begins the headers only sluice writes.
const sluiceHeaderPrefix = "sluice."

// compareSides compares Debezium's records with sluice's and returns every
// difference, sorted by topic, key and record index. schemas says whether keys
// and values are JSON with the {"schema","payload"} wrapper.
func compareSides(dbz, slc side, schemas bool) []difference {
	var out []difference
	dt, dorder := groupByTopic(dbz)
	st, sorder := groupByTopic(slc)
	suffixes := unionOrder(dorder, sorder)
	for _, suf := range suffixes {
		topic := prefixToken + suf
		dk, sk := dt[suf], st[suf]
		if dk == nil {
			out = append(out, difference{Where: topic, Path: "(topic)", Debezium: "absent", Sluice: fmt.Sprintf("%d records", sk.count())})
			continue
		}
		if sk == nil {
			out = append(out, difference{Where: topic, Path: "(topic)", Debezium: fmt.Sprintf("%d records", dk.count()), Sluice: "absent"})
			continue
		}
		for _, k := range unionOrder(dk.order, sk.order) {
			// The snapshot's records and the stream's are aligned apart, so
			// a snapshot record one side lacks (a snapshot DDL on the
			// schema-change topic) does not shift the stream's comparison.
			as, aw := splitSnapshot(dk.byKey[k], dbz.Prefix)
			bs, bw := splitSnapshot(sk.byKey[k], slc.Prefix)
			for _, phase := range []struct {
				tag  string
				a, b []rec
			}{{"#snapshot", as, bs}, {"#", aw, bw}} {
				a, b := phase.a, phase.b
				for i := 0; i < len(a) || i < len(b); i++ {
					where := fmt.Sprintf("%s key=%s %s%d", topic, k, phase.tag, i)
					switch {
					case i >= len(a):
						out = append(out, difference{Where: where, Path: "(record)", Debezium: "absent", Sluice: summary(b[i], slc.Prefix)})
					case i >= len(b):
						out = append(out, difference{Where: where, Path: "(record)", Debezium: summary(a[i], dbz.Prefix), Sluice: "absent"})
					default:
						out = append(out, compareRecord(where, a[i], b[i], dbz.Prefix, slc.Prefix, schemas)...)
					}
				}
			}
		}
	}
	return out
}

// splitSnapshot splits one key's records into those a snapshot wrote (their
// source.snapshot is set and not "false") and the rest, each in order.
func splitSnapshot(recs []rec, prefix string) (snap, stream []rec) {
	for _, r := range recs {
		if isSnapshot(r.Value) {
			snap = append(snap, r)
		} else {
			stream = append(stream, r)
		}
	}
	return snap, stream
}

func isSnapshot(value []byte) bool {
	if value == nil {
		return false
	}
	v, err := parseJSON(value)
	if err != nil {
		return false
	}
	m, _ := v.(map[string]any)
	if p, ok := m["payload"].(map[string]any); ok {
		m = p
	}
	src, _ := m["source"].(map[string]any)
	s, _ := src["snapshot"].(string)
	return s != "" && s != "false"
}

// keyed is one topic's records grouped by key, keys in order of first appearance.
type keyed struct {
	order []string
	byKey map[string][]rec
}

func (k *keyed) count() int {
	n := 0
	for _, r := range k.byKey {
		n += len(r)
	}
	return n
}

// groupByTopic groups a side's records by topic suffix and key. A record's
// key identity is its key payload (without the schema, which is compared
// record by record), so a schema difference does not hide a record.
func groupByTopic(s side) (map[string]*keyed, []string) {
	m := map[string]*keyed{}
	var order []string
	recs := append([]rec(nil), s.Recs...)
	// Topics in order of first arrival (a comparator that returned false
	// for any two topics would not be an ordering, and the sort could then
	// misplace records of one topic), then partition and offset.
	first := map[string]int{}
	for _, r := range recs {
		if _, ok := first[r.Topic]; !ok {
			first[r.Topic] = len(first)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Topic != recs[j].Topic {
			return first[recs[i].Topic] < first[recs[j].Topic]
		}
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	for _, r := range recs {
		suf := strings.TrimPrefix(r.Topic, s.Prefix)
		g := m[suf]
		if g == nil {
			g = &keyed{byKey: map[string][]rec{}}
			m[suf] = g
			order = append(order, suf)
		}
		k := keyIdentity(r.Key, s.Prefix)
		if _, ok := g.byKey[k]; !ok {
			g.order = append(g.order, k)
		}
		g.byKey[k] = append(g.byKey[k], r)
	}
	return m, order
}

// keyIdentity is the canonical text of a key's payload ("null" for no key).
func keyIdentity(key []byte, prefix string) string {
	if key == nil {
		return "null"
	}
	v, err := parseJSON(unprefix(key, prefix))
	if err != nil {
		return string(key)
	}
	if m, ok := v.(map[string]any); ok {
		if p, ok := m["payload"]; ok && len(m) == 2 {
			if _, ok := m["schema"]; ok {
				v = p
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func unionOrder(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{a, b} {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func unprefix(b []byte, prefix string) []byte {
	if prefix == "" {
		return b
	}
	return bytes.ReplaceAll(b, []byte(prefix), []byte(prefixToken))
}

func parseJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// summary is a short description of a record for "absent on the other side".
func summary(r rec, prefix string) string {
	v := "null (tombstone)"
	if r.Value != nil {
		v = string(unprefix(r.Value, prefix))
		if x, err := parseJSON(unprefix(r.Value, prefix)); err == nil {
			if m, ok := x.(map[string]any); ok {
				if p, ok := m["payload"].(map[string]any); ok {
					m = p
				}
				short := map[string]any{}
				for _, f := range []string{"op", "before", "after", "ddl", "databaseName"} {
					if y, ok := m[f]; ok {
						short[f] = y
					}
				}
				if s, ok := m["source"].(map[string]any); ok {
					short["source.snapshot"] = s["snapshot"]
				}
				b, _ := json.Marshal(short)
				v = string(b)
			}
		}
	}
	return clip(fmt.Sprintf("offset %d value %s", r.Offset, v), 600)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func compareRecord(where string, a, b rec, pa, pb string, schemas bool) []difference {
	var c collector
	c.where = where
	if a.Partition != b.Partition {
		c.add("(partition)", fmt.Sprint(a.Partition), fmt.Sprint(b.Partition))
	}
	c.compareBytes("key", a.Key, b.Key, pa, pb, false, schemas)
	c.compareBytes("value", a.Value, b.Value, pa, pb, true, schemas)
	c.compareHeaders(a.Headers, b.Headers, pa, pb)
	return c.out
}

type collector struct {
	where string
	out   []difference
}

func (c *collector) add(path, dbz, slc string) {
	c.out = append(c.out, difference{Where: c.where, Path: path, Debezium: clip(dbz, 400), Sluice: clip(slc, 400)})
}

// compareBytes compares a key or a value. isValue turns on the clock and
// position rules for the data root and its source block.
func (c *collector) compareBytes(path string, a, b []byte, pa, pb string, isValue, schemas bool) {
	if a == nil || b == nil {
		if (a == nil) != (b == nil) {
			c.add(path, nullText(a, pa), nullText(b, pb))
		}
		return
	}
	ua, ub := unprefix(a, pa), unprefix(b, pb)
	va, ea := parseJSON(ua)
	vb, eb := parseJSON(ub)
	if ea != nil || eb != nil {
		if !bytes.Equal(ua, ub) {
			c.add(path+" (not JSON)", string(ua), string(ub))
		}
		return
	}
	root := roleNone
	if isValue {
		root = roleData
	}
	if schemas {
		ma, oka := va.(map[string]any)
		mb, okb := vb.(map[string]any)
		if oka && okb {
			c.compareMembers(path, ma, mb, func(name string) role {
				if name == "payload" {
					return root
				}
				return roleNone
			}, nil)
			return
		}
	}
	c.walk(path, va, vb, root)
}

func nullText(b []byte, prefix string) string {
	if b == nil {
		return "null"
	}
	return string(unprefix(b, prefix))
}

type role int

const (
	roleNone   role = iota
	roleData        // the envelope or schema-change value: ts_* are clocks
	roleSource      // a source block: clocks and positions
)

func (c *collector) walk(path string, a, b any, r role) {
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if oka && okb {
		var ignored map[string]bool
		switch r {
		case roleData:
			ignored = ignoredRoot
		case roleSource:
			ignored = ignoredSource
		}
		c.compareMembers(path, ma, mb, func(name string) role {
			if r == roleData && name == "source" {
				return roleSource
			}
			return roleNone
		}, ignored)
		return
	}
	aa, oka := a.([]any)
	ab, okb := b.([]any)
	if oka && okb {
		c.compareArrays(path, aa, ab)
		return
	}
	if !sameLeaf(a, b) {
		c.add(path, jsonText(a), jsonText(b))
	}
}

// compareMembers compares two objects member by member. Members in ignored
// are compared for presence and nullness only.
func (c *collector) compareMembers(path string, a, b map[string]any, child func(string) role, ignored map[string]bool) {
	names := make([]string, 0, len(a)+len(b))
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		x, okx := a[k]
		y, oky := b[k]
		p := path + "." + k
		switch {
		case !okx:
			c.add(p, "(absent)", jsonText(y))
		case !oky:
			c.add(p, jsonText(x), "(absent)")
		case ignored[k]:
			if (x == nil) != (y == nil) {
				c.add(p+" (nullness; value ignored)", jsonText(x), jsonText(y))
			}
		default:
			c.walk(p, x, y, child(k))
		}
	}
}

// compareArrays compares arrays element by element, except arrays of Connect
// schema fields (objects with a "field" member), which are matched by field
// name so one extra or missing column is one difference, not a cascade; their
// order is compared on its own.
func (c *collector) compareArrays(path string, a, b []any) {
	fa, oka := fieldNames(a)
	fb, okb := fieldNames(b)
	if oka && okb {
		if sameSet(fa, fb) && strings.Join(fa, ",") != strings.Join(fb, ",") {
			c.add(path+" (field order)", strings.Join(fa, ","), strings.Join(fb, ","))
		}
		byName := func(l []any) map[string]any {
			m := map[string]any{}
			for _, e := range l {
				m[e.(map[string]any)["field"].(string)] = e
			}
			return m
		}
		ma, mb := byName(a), byName(b)
		for _, n := range unionOrder(fa, fb) {
			p := path + "[" + n + "]"
			x, okx := ma[n]
			y, oky := mb[n]
			switch {
			case !okx:
				c.add(p, "(absent)", jsonText(y))
			case !oky:
				c.add(p, jsonText(x), "(absent)")
			default:
				c.walk(p, x, y, roleNone)
			}
		}
		return
	}
	if len(a) != len(b) {
		c.add(path+" (length)", fmt.Sprintf("%d: %s", len(a), jsonText(a)), fmt.Sprintf("%d: %s", len(b), jsonText(b)))
		return
	}
	for i := range a {
		c.walk(fmt.Sprintf("%s[%d]", path, i), a[i], b[i], roleNone)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, s := range a {
		m[s] = true
	}
	for _, s := range b {
		if !m[s] {
			return false
		}
	}
	return true
}

func fieldNames(l []any) ([]string, bool) {
	if len(l) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		f, ok := m["field"].(string)
		if !ok {
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// sameLeaf compares scalars exactly: numbers by their text, since a consumer
// that keeps the text (or parses 1.0 as a double and 1 as an integer) sees a
// difference.
func sameLeaf(a, b any) bool {
	na, oka := a.(json.Number)
	nb, okb := b.(json.Number)
	if oka && okb {
		return na == nb
	}
	return jsonText(a) == jsonText(b)
}

func jsonText(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if n, ok := v.(json.Number); ok {
		// Show when two texts are the same number.
		if r, ok := new(big.Rat).SetString(string(n)); ok && r.IsInt() && strings.ContainsAny(string(n), ".eE") {
			s += " (integral)"
		}
	}
	return s
}

func (c *collector) compareHeaders(a, b []header, pa, pb string) {
	// Consumers look headers up by key; their order is not compared.
	group := func(hs []header, prefix string) (map[string][][]byte, []string) {
		m := map[string][][]byte{}
		var order []string
		for _, h := range hs {
			if _, ok := m[h.Key]; !ok {
				order = append(order, h.Key)
			}
			m[h.Key] = append(m[h.Key], unprefix(h.Value, prefix))
		}
		return m, order
	}
	ma, oa := group(a, pa)
	mb, ob := group(b, pb)
	for _, k := range unionOrder(oa, ob) {
		x, okx := ma[k]
		y, oky := mb[k]
		p := "header " + k
		switch {
		case !okx && strings.HasPrefix(k, sluiceHeaderPrefix):
			// sluice's own headers (the table's schema version,
			// sluice.schema.version) are added to Debezium's records by
			// design (DESIGN.md: the Connect schemas stay Debezium's and
			// the version travels in a header); consumers look headers up
			// by key, so an extra one changes nothing they read.
		case !okx:
			c.add(p, "(absent)", headerText(y))
		case !oky:
			c.add(p, headerText(x), "(absent)")
		case len(x) != len(y):
			c.add(p+" (count)", headerText(x), headerText(y))
		case ignoredHeaderValue[k]:
		default:
			for i := range x {
				// Header values are compared as text; a JSON value is
				// compared by structure so key order inside does not count.
				vx, ex := parseJSON(x[i])
				vy, ey := parseJSON(y[i])
				if ex == nil && ey == nil {
					c.walk(p, vx, vy, roleNone)
				} else if !bytes.Equal(x[i], y[i]) {
					c.add(p, string(x[i]), string(y[i]))
				}
			}
		}
	}
}

func headerText(vs [][]byte) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, " | ")
}

// summarize groups differences by their path with indices and keys removed,
// so a list of hundreds reads as a few dozen kinds: "count  path  example".
func summarize(diffs []difference) []string {
	type kind struct {
		n       int
		example difference
	}
	kinds := map[string]*kind{}
	var order []string
	for _, d := range diffs {
		topic := d.Where
		if i := strings.Index(topic, " key="); i >= 0 {
			topic = topic[:i]
		}
		k := topic + " " + indexRE.ReplaceAllString(d.Path, "")
		if kinds[k] == nil {
			kinds[k] = &kind{example: d}
			order = append(order, k)
		}
		kinds[k].n++
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, fmt.Sprintf("%4d× %s   e.g. %s", kinds[k].n, k, kinds[k].example))
	}
	return out
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// TestCompareCatchesDifferences checks the comparison itself: equal records
// with different clocks, positions and prefixes compare equal, and each kind of
// fault is found, all of them and not only the first.
func TestCompareCatchesDifferences(t *testing.T) {
	const pa, pb = "dbz_1", "slc_1"
	key := func(p string, id int) []byte {
		return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"%s.s.t.Key"},"payload":{"id":%d}}`, p, id))
	}
	value := func(p string, id int, op, name, lsn, ts string, extraField string) []byte {
		fields := `{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}` + extraField
		return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"struct","fields":[%s],"optional":true,"name":"%s.s.t.Value","field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":true,"field":"lsn"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"}],"optional":false,"name":"%s.s.t.Envelope","version":2},"payload":{"after":{"id":%d,"name":%s},"source":{"name":"%s","lsn":%s,"ts_ms":%s},"op":"%s","ts_ms":%s}}`,
			fields, p, p, id, name, p, lsn, ts, op, ts))
	}
	hdr := func(p string) []header {
		return []header{{"__debezium.context.connectorLogicalName", []byte(p)}, {"__debezium.context.runId", []byte(p + "-run")}}
	}
	base := func(p, lsn, ts string) []rec {
		return []rec{
			{Topic: p + ".s.t", Offset: 0, Key: key(p, 1), Value: value(p, 1, "r", `"a"`, lsn, ts, ""), Headers: hdr(p)},
			{Topic: p + ".s.t", Offset: 1, Key: key(p, 2), Value: value(p, 2, "c", `"b"`, lsn, ts, ""), Headers: hdr(p)},
			{Topic: p + ".s.t", Offset: 2, Key: key(p, 1), Value: nil, Headers: hdr(p)},
		}
	}

	// Same records, different prefixes, clocks and positions, and sluice's
	// own schema version header: no difference.
	withVersion := base(pb, "200", "1800000000000")
	for i := range withVersion {
		withVersion[i].Headers = append(withVersion[i].Headers, header{"sluice.schema.version", []byte("1")})
	}
	same := compareSides(side{pa, base(pa, "100", "1700000000000")}, side{pb, withVersion}, true)
	if len(same) != 0 {
		t.Fatalf("equal records compared different:\n%s", joinDiffs(same))
	}

	// Faults, one per record plus a missing topic; every one must be found.
	bad := base(pb, "200", "1800000000000")
	bad[0].Value = value(pb, 1, "c", `"a"`, "200", "1", "")                                               // op r -> c
	bad[1].Value = value(pb, 2, "c", `"B"`, "null", "1", `,{"type":"int32","optional":true,"field":"x"}`) // value, lsn nullness, extra schema field
	bad[2].Headers = hdr(pb)[:1]                                                                          // runId header missing
	bad = append(bad, rec{Topic: pb + ".s.extra", Key: key(pb, 9), Value: value(pb, 9, "c", `"z"`, "1", "1", "")})
	got := compareSides(side{pa, base(pa, "100", "1700000000000")}, side{pb, bad}, true)
	want := []string{
		"key={\"id\":1} #0 value.payload.op",
		"key={\"id\":2} #0 value.payload.after.name",
		"key={\"id\":2} #0 value.payload.source.lsn (nullness; value ignored)",
		"key={\"id\":2} #0 value.schema.fields[after].fields[x]",
		"key={\"id\":1} #1 header __debezium.context.runId",
		"${topic.prefix}.s.extra (topic)",
	}
	text := joinDiffs(got)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("difference %q not reported; got:\n%s", w, text)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d differences, want %d:\n%s", len(got), len(want), text)
	}

	// A record missing on one side is reported once, and the ones after it
	// in other keys still compare.
	short := base(pb, "200", "1800000000000")[:2]
	got = compareSides(side{pa, base(pa, "100", "1")}, side{pb, short}, true)
	if len(got) != 1 || got[0].Path != "(record)" || got[0].Sluice != "absent" {
		t.Errorf("missing tombstone: got\n%s", joinDiffs(got))
	}

	// A snapshot record only one side has does not shift the stream.
	ddl := func(p string, snap string, text string, off int64) rec {
		return rec{Topic: p, Offset: off, Key: []byte(`{"databaseName":"d"}`), Value: []byte(`{"source":{"snapshot":"` + snap + `"},"ddl":"` + text + `"}`)}
	}
	got = compareSides(side{pa, []rec{ddl(pa, "true", "CREATE TABLE t", 0), ddl(pa, "false", "ALTER TABLE t", 1)}},
		side{pb, []rec{ddl(pb, "false", "ALTER TABLE t", 0)}}, false)
	if len(got) != 1 || got[0].Path != "(record)" || !strings.Contains(got[0].Where, "#snapshot0") {
		t.Errorf("snapshot DDL missing on one side: got\n%s", joinDiffs(got))
	}

	// Without schemas the data root is the value itself.
	plain := func(p, ts string) []rec {
		return []rec{{Topic: p + ".s.t", Key: []byte(`{"id":1}`), Value: []byte(`{"after":{"id":1},"source":{"name":"` + p + `","pos":` + ts + `,"row":0},"op":"c","ts_ms":` + ts + `}`)}}
	}
	if got := compareSides(side{pa, plain(pa, "1")}, side{pb, plain(pb, "2")}, false); len(got) != 0 {
		t.Errorf("plain equal records compared different:\n%s", joinDiffs(got))
	}
	rowOff := plain(pb, "2")
	rowOff[0].Value = bytes.Replace(rowOff[0].Value, []byte(`"row":0`), []byte(`"row":1`), 1)
	if got := compareSides(side{pa, plain(pa, "1")}, side{pb, rowOff}, false); len(got) != 1 || got[0].Path != "value.source.row" {
		t.Errorf("source.row is not a position to ignore: got\n%s", joinDiffs(got))
	}
	// 1.0 and 1 are different texts.
	if sameLeaf(json.Number("1.0"), json.Number("1")) {
		t.Error("1.0 and 1 compared equal")
	}
}

func joinDiffs(ds []difference) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestGroupByTopicOrdersEachTopic checks that records of one topic and key
// come out in partition and offset order whatever the other topics'
// records between them (a comparator that called any two topics equal
// left the input [T1/p1, T2/p0, T1/p0] unsorted).
func TestGroupByTopicOrdersEachTopic(t *testing.T) {
	key := []byte(`{"id":1}`)
	s := side{Prefix: "p", Recs: []rec{
		{Topic: "p.a", Partition: 1, Offset: 0, Key: key, Value: []byte(`1`)},
		{Topic: "p.b", Partition: 0, Offset: 0, Key: key, Value: []byte(`2`)},
		{Topic: "p.a", Partition: 0, Offset: 3, Key: key, Value: []byte(`3`)},
		{Topic: "p.a", Partition: 0, Offset: 1, Key: key, Value: []byte(`4`)},
	}}
	g, order := groupByTopic(s)
	if strings.Join(order, ",") != ".a,.b" {
		t.Fatalf("topic order %v", order)
	}
	var got []string
	for _, r := range g[".a"].byKey[keyIdentity(key, "p")] {
		got = append(got, string(r.Value))
	}
	if strings.Join(got, ",") != "4,3,1" {
		t.Errorf(".a records in order %v, want [4 3 1] (partition 0 by offset, then partition 1)", got)
	}
}
