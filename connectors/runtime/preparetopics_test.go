package runtime

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/schema"
	"github.com/sluicecdc/sluice/sinks"
)

// preparingSink records the topics it is asked to prepare.
type preparingSink struct {
	memSink
	prepared [][]string
}

func (p *preparingSink) Prepare(_ context.Context, topics []string) error {
	p.prepared = append(p.prepared, slices.Clone(topics))
	return nil
}

// plannedStream is a Stream whose snapshot reads tables.
type plannedStream struct {
	Stream
	tables []string
}

func (p plannedStream) SnapshotTables() []string { return p.tables }

// listingStream is a Stream that lists the tables it captures.
type listingStream struct {
	plannedStream
	captured []string
}

func (l listingStream) CapturedTables() []string { return l.captured }

// TestPrepareTopics checks which snapshots hand their data topics to the
// sink before their first row: those of two tables or more, with an
// encoder whose topics are known (through the raw-record and field-name
// wrappers), and not those a transforms chain may route.
func TestPrepareTopics(t *testing.T) {
	enc := schema.NewJSON(schema.JSONOptions{TopicPrefix: "inv"})
	cases := []struct {
		name   string
		enc    Encoder
		tables []string
		want   []string // nil: Prepare not called
	}{
		{"plain", enc, []string{"public.a", "public.b"}, []string{"inv.public.a", "inv.public.b"}},
		{"wrapped", withRaw(withFieldNames(enc, schema.NameAdjustAvro)), []string{"db.a", "db.b", "db.c"}, []string{"inv.db.a", "inv.db.b", "inv.db.c"}},
		{"described", withRaw(withFieldNames(withCatalog(enc, &catalog{}, true), schema.NameAdjustAvro)), []string{"db.a", "db.b"}, []string{"inv.db.a", "inv.db.b"}},
		{"one table", enc, []string{"public.a"}, nil},
		{"no snapshot", enc, nil, nil},
		{"transforms", &chainEncoder{enc: enc}, []string{"public.a", "public.b"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &preparingSink{}
			if err := prepareTopics(context.Background(), s, c.enc, plannedStream{tables: c.tables}); err != nil {
				t.Fatal(err)
			}
			var got []string
			if len(s.prepared) > 0 {
				got = s.prepared[0]
			}
			if len(s.prepared) > 1 || !slices.Equal(got, c.want) {
				t.Fatalf("prepared %v, want %v", s.prepared, c.want)
			}
		})
	}
	// A stream that lists its captured tables names them all, whatever its
	// snapshot reads.
	s := &preparingSink{}
	ls := listingStream{plannedStream{tables: []string{"public.a"}}, []string{"public.a", "public.b", "public.c"}}
	if err := prepareTopics(context.Background(), s, enc, ls); err != nil {
		t.Fatal(err)
	}
	if len(s.prepared) != 1 || len(s.prepared[0]) != 3 {
		t.Fatalf("prepared %v, want the 3 captured tables' topics", s.prepared)
	}
	// A sink that cannot prepare is left alone.
	var plain sinks.Sink = &memSink{}
	if err := prepareTopics(context.Background(), plain, enc, plannedStream{tables: []string{"public.a", "public.b"}}); err != nil {
		t.Fatal(err)
	}
}

// TestPrepareTopicsSeesTheConnectorsEncoder builds the encoder a connector
// runs with (newEncoder, the AsyncAPI catalog on, then withRaw as the loop
// does) and checks that its topics are known, so a snapshot creates them
// together: a wrapper topicerOf did not see through once made a snapshot of
// 1,000 tables create its topics one at a time again (65 s, not 13).
func TestPrepareTopicsSeesTheConnectorsEncoder(t *testing.T) {
	plugins := []Plugin{testPlugin(&scriptedSource{})}
	for _, c := range []struct {
		name  string
		extra map[string]string
		known bool
	}{
		{"json", nil, true},
		{"field names adjusted", map[string]string{"field.name.adjustment.mode": "avro"}, true},
		{"transforms", map[string]string{"transforms": "r", "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
			"transforms.r.regex": "(.*)", "transforms.r.replacement": "x.$1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := map[string]string{"connector.class": "test", "topic.prefix": "inv"}
			maps.Copy(cfg, c.extra)
			cc, _, probs := parseConfig(plugins, "c", cfg, slog.New(slog.DiscardHandler))
			if len(probs) > 0 {
				t.Fatalf("problems: %v", probs)
			}
			cc.catalog = &catalog{}
			enc, err := cc.newEncoder(nil, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := topicerOf(withRaw(enc)) != nil; got != c.known {
				t.Fatalf("topics known through %T: %v, want %v", enc, got, c.known)
			}
		})
	}
}
