package runtime

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/internal/asyncapi"
	"github.com/sluicecdc/sluice/schema"
)

// catalog is what a connector has written this process: each topic's key
// and value Connect schemas and headers, for its AsyncAPI document
// (Describe). The encoder fills it (describer) as records pass; it outlives
// the connector's runs, and a channel changes only when its schemas do.
type catalog struct {
	mu     sync.Mutex
	gen    int // bumped on each change of a channel
	topics map[string]*asyncapi.Channel
	// key and value are the formats of the last run's encoder.
	key, value asyncapi.Format
	// config is the config of the runs the channels are from.
	config map[string]string
}

// forConfig forgets the channels when a run starts with a config that
// may name other topics or write other schemas than the last run's: one
// that differs in a key other than those of the connection, the snapshot,
// the batches, the producer and error handling.
func (c *catalog) forConfig(cfg map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.config != nil && !maps.Equal(shapeKeys(c.config), shapeKeys(cfg)) && len(c.topics) > 0 {
		clear(c.topics)
		c.gen++
	}
	c.config = cfg
}

// shapeKeys returns the keys of cfg that may change the topics or the
// records' schemas.
func shapeKeys(cfg map[string]string) map[string]string {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		switch {
		case k == "database.include.list", k == "database.exclude.list":
		case k == "name", strings.HasPrefix(k, "sluice."), strings.HasPrefix(k, "database."),
			strings.HasPrefix(k, "snapshot."), strings.HasPrefix(k, "slot."), strings.HasPrefix(k, "publication."),
			strings.HasPrefix(k, "producer.override."), strings.HasPrefix(k, "errors."),
			strings.HasPrefix(k, "max."), strings.HasPrefix(k, "poll."), strings.HasSuffix(k, ".password"):
			continue
		}
		out[k] = v
	}
	return out
}

// learn notes the records of one event (or one record of a chain), made
// from table t (nil for messages). tombstones says whether a table's
// deletes are followed by tombstones.
func (c *catalog) learn(recs []change.Record, t *change.TableSchema, tombstones bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.topics == nil {
		c.topics = map[string]*asyncapi.Channel{}
	}
	for i := range recs {
		r := &recs[i]
		ch := c.topics[r.Topic]
		if ch == nil {
			ch = &asyncapi.Channel{Topic: r.Topic}
			c.topics[r.Topic] = ch
			c.gen++
		}
		if r.Value == nil && r.ValueSchema == nil {
			if !ch.Tombstones {
				ch.Tombstones = true
				c.gen++
			}
			continue
		}
		var hs []string
		for _, h := range r.Headers {
			if !slices.Contains(hs, h.Key) {
				hs = append(hs, h.Key)
			}
		}
		table, version := "", headerVersion(r.Headers)
		if t != nil {
			table, version = t.ID.Namespace+"."+t.ID.Name, t.Version
			if t.ID.Namespace == "" {
				table = t.ID.Name
			}
		}
		if table != ch.Table || version != ch.Version || !reflect.DeepEqual(r.KeySchema, ch.Key) ||
			!reflect.DeepEqual(r.ValueSchema, ch.Value) || !slices.Equal(hs, ch.Headers) || (tombstones && !ch.Tombstones) {
			ch.Table, ch.Version, ch.Key, ch.Value, ch.Headers = table, version, r.KeySchema, r.ValueSchema, hs
			ch.Tombstones = ch.Tombstones || tombstones
			c.gen++
		}
	}
}

// channels returns a copy of the channels, sorted by topic.
func (c *catalog) channels() (gen int, key, value asyncapi.Format, out []asyncapi.Channel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(c.topics)) {
		out = append(out, *c.topics[k])
	}
	return c.gen, c.key, c.value, out
}

// setFormats records the formats of a run's encoder.
func (c *catalog) setFormats(key, value asyncapi.Format) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != c.key || value != c.value {
		c.key, c.value = key, value
		c.gen++
	}
}

// describer is a connector's encoder that notes in its catalog the schemas
// of the records it writes. On the fast path (no transforms) it asks the
// encoder for an event's records only for the first event of each table
// schema version and source schema, and of each message schema; on the
// transforms path it looks at each record the chain lets through, which
// costs a pointer comparison when the topic and schemas are the last
// record's.
type describer struct {
	enc        recordEncoder
	cat        *catalog
	tombstones bool

	seen map[describeKey]struct{}
	last describeKey

	// The chain path's last record: topic and schema pointers.
	lastTopic      string
	lastKey, lastV *change.Field
	lastHeaders    int
	recs           []change.Record
}

type describeKey struct {
	table *change.TableSchema
	src   *change.Field
	msg   *change.Field
	topic string
}

// withCatalog wraps enc so that it fills cat.
func withCatalog(enc recordEncoder, cat *catalog, tombstones bool) *describer {
	return &describer{enc: enc, cat: cat, tombstones: tombstones, seen: map[describeKey]struct{}{}}
}

// Encode is the fast path: enc's Encode, after noting a new table schema's
// or message schema's records.
func (d *describer) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	k := describeKey{table: ev.Table, src: ev.SourceSchema}
	if ev.Message != nil {
		k = describeKey{msg: ev.Message.ValueSchema, topic: ev.Message.Topic}
	}
	if k != d.last {
		if _, ok := d.seen[k]; !ok {
			recs, err := d.enc.Records(d.recs[:0], ev)
			if err == nil {
				table := ev.Table
				if ev.Message != nil {
					table = nil
				}
				d.cat.learn(recs, table, d.tombstones && table != nil)
				if len(d.seen) >= maxCachedDescribe {
					clear(d.seen)
				}
				d.seen[k] = struct{}{}
			}
			clear(recs)
			d.recs = recs[:0]
		}
		d.last = k
	}
	return d.enc.Encode(dst, ev)
}

// maxCachedDescribe bounds describer.seen.
const maxCachedDescribe = 4096

// Records is enc's.
func (d *describer) Records(dst []change.Record, ev *change.Event) ([]change.Record, error) {
	return d.enc.Records(dst, ev)
}

// EncodeRecord is the transforms path: enc's EncodeRecord, after noting a
// record whose topic, schemas or header count differ from the last one's.
func (d *describer) EncodeRecord(dst []schema.Message, r *change.Record) ([]schema.Message, error) {
	if r.Topic != d.lastTopic || r.KeySchema != d.lastKey || r.ValueSchema != d.lastV || len(r.Headers) != d.lastHeaders {
		d.cat.learn([]change.Record{{Topic: r.Topic, KeySchema: r.KeySchema, ValueSchema: r.ValueSchema, Value: r.Value, Headers: r.Headers}}, nil, false)
		d.lastTopic, d.lastKey, d.lastV, d.lastHeaders = r.Topic, r.KeySchema, r.ValueSchema, len(r.Headers)
	}
	return d.enc.EncodeRecord(dst, r)
}

// Recycle passes the loop's recycling on to the encoder.
func (d *describer) Recycle() {
	if r, ok := d.enc.(recycler); ok {
		r.Recycle()
	}
}

// Description is what Describe returns of a connector.
type Description = asyncapi.Connector

// Describe returns what connector name has written since this process
// started it, for its AsyncAPI document: the topics, their schemas and
// headers, the converters' formats.
func (s *Supervisor) Describe(name string) (Description, error) {
	m, err := s.get(name, "Connector %s not found")
	if err != nil {
		return Description{}, err
	}
	m.mu.Lock()
	cfg := m.config
	m.mu.Unlock()
	d := Description{Name: name, Class: cfg["connector.class"], Source: sourceOf(cfg)}
	d.Generation, d.Key, d.Value, d.Channels = m.catalog.channels()
	return d, nil
}

// sourceOf names the database a connector config captures.
func sourceOf(cfg map[string]string) string {
	host := cfg["database.hostname"]
	if p := cfg["database.port"]; p != "" {
		host += ":" + p
	}
	switch cfg["connector.class"] {
	case "io.debezium.connector.postgresql.PostgresConnector":
		return fmt.Sprintf("PostgreSQL database %s on %s", cfg["database.dbname"], host)
	case "io.debezium.connector.mysql.MySqlConnector", "io.debezium.connector.mariadb.MariaDbConnector":
		if l := cfg["database.include.list"]; l != "" {
			return fmt.Sprintf("MySQL/MariaDB databases %s on %s", l, host)
		}
		return "MySQL/MariaDB server " + host
	}
	return "the database on " + host
}

// headerVersion reads a record's sluice.schema.version header, 0 without
// one.
func headerVersion(hs []change.RecordHeader) int {
	for _, h := range hs {
		if h.Key == schema.VersionHeader && h.Raw != nil {
			if v, err := strconv.Atoi(string(h.Raw)); err == nil {
				return v
			}
		}
	}
	return 0
}

// TableDescriber is a stream that knows, once open, the schemas of the
// tables it captures and the source block's schema of their events, so
// that a connector's AsyncAPI document lists every table's channel before
// the table's first change (after a restart, an empty table).
type TableDescriber interface {
	DescribeTables() (tables []*change.TableSchema, source *change.Field)
}

// primer is an Encoder that notes the channels of tables before their
// first events: the describer, and the wrappers that pass tables on as
// they pass events on (a transforms chain does not: what it makes of a
// table's records shows with the first of them).
type primer interface {
	prime(tables []*change.TableSchema, src *change.Field)
}

// primeCatalog tells enc's catalog the channels of stream's tables.
func primeCatalog(enc Encoder, stream Stream) {
	p, ok := enc.(primer)
	d, ok2 := stream.(TableDescriber)
	if !ok || !ok2 {
		return
	}
	if tables, src := d.DescribeTables(); len(tables) > 0 && src != nil {
		p.prime(tables, src)
	}
}

// prime notes the records a create event of each table would give.
func (d *describer) prime(tables []*change.TableSchema, src *change.Field) {
	for _, t := range tables {
		k := describeKey{table: t, src: src}
		if _, ok := d.seen[k]; ok || t == nil {
			continue
		}
		ev := &change.Event{Op: change.OpCreate, Table: t, After: make(change.Row, len(t.Columns)),
			Source: make(change.StructValue, len(src.Fields)), SourceSchema: src}
		if t.KeyFromEvent {
			ev.KeyRow = make(change.Row, len(t.KeyFields))
		}
		recs, err := d.enc.Records(d.recs[:0], ev)
		if err == nil {
			d.cat.learn(recs, t, d.tombstones)
			d.seen[k] = struct{}{}
		}
		clear(recs)
		d.recs = recs[:0]
	}
}

func (f *fieldNamer) prime(tables []*change.TableSchema, src *change.Field) {
	p, ok := f.Encoder.(primer)
	if !ok {
		return
	}
	out := make([]*change.TableSchema, 0, len(tables))
	for _, t := range tables {
		r, ok := f.tables[t]
		if !ok {
			r = f.renamed(t)
			f.tables[t] = r
		}
		out = append(out, r)
	}
	p.prime(out, src)
}

func (r rawRecords) prime(tables []*change.TableSchema, src *change.Field) {
	if p, ok := r.Encoder.(primer); ok {
		p.prime(tables, src)
	}
}
