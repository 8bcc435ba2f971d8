package runtime

import (
	"context"
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
