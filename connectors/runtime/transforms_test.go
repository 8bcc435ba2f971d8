package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/transforms"
	"github.com/sluicecdc/sluice/schema"
)

// routeTo sets the topic of every record; failValues fails every record
// that has a value (a tombstone passes); dropTombstones drops them.
type (
	routeTo        string
	failValues     struct{}
	dropTombstones struct{}
)

func (t routeTo) Apply(r *change.Record) (*change.Record, error) {
	out := *r
	out.Topic = string(t)
	return &out, nil
}

func (failValues) Apply(r *change.Record) (*change.Record, error) {
	if r.Value != nil {
		return nil, errors.New("cannot handle this record")
	}
	return r, nil
}

func (dropTombstones) Apply(r *change.Record) (*change.Record, error) {
	if r.Value == nil {
		return nil, nil
	}
	return r, nil
}

func init() {
	transforms.Register(transforms.Plugin{Class: "io.sluice.test.Route", Kind: transforms.KindTransformation,
		Keys: []configdef.Key{{Name: "topic"}},
		New:  func(c *transforms.Config) (transforms.Transform, error) { return routeTo(c.Required("topic")), nil }})
	transforms.Register(transforms.Plugin{Class: "io.sluice.test.FailValues", Kind: transforms.KindTransformation,
		New: func(*transforms.Config) (transforms.Transform, error) { return failValues{}, nil }})
	transforms.Register(transforms.Plugin{Class: "io.sluice.test.DropTombstones", Kind: transforms.KindTransformation,
		New: func(*transforms.Config) (transforms.Transform, error) { return dropTombstones{}, nil }})
}

// TestTransformsConfig checks that a chain's bad options are the
// connector's validation problems on the key they name, that its unused
// options join the unused-keys report, and that transforms keys are
// accepted.
func TestTransformsConfig(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	base := func(kv ...string) map[string]string {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p"}
		for i := 0; i < len(kv); i += 2 {
			cfg[kv[i]] = kv[i+1]
		}
		return cfg
	}
	for _, c := range []struct {
		cfg       map[string]string
		key, want string
	}{
		{base("transforms", "r", "transforms.r.type", "io.nope.Route"), "transforms.r.type", "Class io.nope.Route could not be found"},
		{base("transforms", "r"), "transforms.r.type", "Missing required configuration"},
		{base("transforms", "r", "transforms.r.type", "io.sluice.test.Route"), "transforms.r.topic", "transforms.r.topic"},
		{base("transforms", "r", "transforms.r.type", "io.sluice.test.Route", "transforms.r.topic", "x", "transforms.r.predicate", "nope"),
			"transforms.r.predicate", "not an alias listed in predicates"},
	} {
		_, _, probs := parseConfig([]Plugin{p}, "c1", c.cfg, slog.New(slog.DiscardHandler))
		if got := strings.Join(probs[c.key], "; "); !strings.Contains(got, c.want) {
			t.Errorf("%v: problems %v, want %q on %s", c.cfg, probs, c.want, c.key)
		}
		if err := invalidConfigError(probs); statusCode(err) != 400 {
			t.Errorf("%v: status %d, want 400", c.cfg, statusCode(err))
		}
	}

	cfg := base("transforms", "r", "transforms.r.type", "io.sluice.test.Route", "transforms.r.topic", "x",
		"transforms.r.extra", "1", "transforms.gone.type", "io.sluice.test.Route", "predicates.p.type", "x")
	cc, src, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
	if len(probs) != 0 || src == nil || cc.chain.Len() != 1 {
		t.Fatalf("problems %v, chain %d transforms", probs, cc.chain.Len())
	}
	unused := map[string]string{}
	for _, kr := range unusedKeys(cc.plugin, cfg) {
		unused[kr[0]] = kr[1]
	}
	for _, k := range []string{"transforms.r.extra", "transforms.gone.type", "predicates.p.type"} {
		if unused[k] == "" {
			t.Errorf("%s is not in the unused-keys report %v", k, unused)
		}
	}
}

// TestEmptyChainKeepsTheEncoder checks the fast path: without transforms
// the connector's encoder is the schema encoder itself, not a wrapper.
func TestEmptyChainKeepsTheEncoder(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	for _, cfg := range []map[string]string{
		{"connector.class": "test", "topic.prefix": "p"},
		{"connector.class": "test", "topic.prefix": "p", "transforms": ""},
		{"connector.class": "test", "topic.prefix": "p", "transforms.stray.type": "x"},
	} {
		cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		if len(probs) != 0 {
			t.Fatalf("%v: %v", cfg, probs)
		}
		enc, err := cc.newEncoder(nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := enc.(*schema.JSON); !ok {
			t.Errorf("%v: encoder %T, want *schema.JSON", cfg, enc)
		}
	}
}

// TestChainEncoder checks the chain path of one event: records through
// the chain in order, a dropped tombstone, a renamed topic, and bytes the
// plain encoder writes for the same record.
func TestChainEncoder(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "transforms": "route,drop",
		"transforms.route.type": "io.sluice.test.Route", "transforms.route.topic": "routed",
		"transforms.drop.type": "io.sluice.test.DropTombstones"}
	cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	cc.extendedHeaders = false
	cc.json.Now = func() time.Time { return time.UnixMilli(1714558530123) }
	enc, err := cc.newEncoder(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := &change.Event{Op: change.OpDelete, Table: testTable, Before: change.Row{int32(7)},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema}
	got, err := enc.Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := schema.NewJSON(cc.json).Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 2 || len(got) != 1 {
		t.Fatalf("%d records through the chain (plain %d), want the delete without its tombstone", len(got), len(plain))
	}
	if got[0].Topic != "routed" || !bytes.Equal(got[0].Key, plain[0].Key) || !bytes.Equal(got[0].Value, plain[0].Value) {
		t.Errorf("record %s %s %s, want topic routed and the plain bytes %s %s", got[0].Topic, got[0].Key, got[0].Value, plain[0].Key, plain[0].Value)
	}
}

// TestTransformFailureFollowsTolerance runs the task loop over the
// scripted source with a transform that fails on every record: with
// errors.tolerance=none the task fails with the transform's error naming
// its alias; with all the records are skipped, logged at WARN naming the
// alias, and the checkpoint still moves past them.
func TestTransformFailureFollowsTolerance(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	for _, tol := range []string{"none", "all"} {
		cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "errors.tolerance": tol,
			"transforms": "boom", "transforms.boom.type": "io.sluice.test.FailValues"}
		cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
		if len(probs) != 0 {
			t.Fatal(probs)
		}
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		skipped := 0
		enc, err := cc.newEncoder(nil, log, func() { skipped++ })
		if err != nil {
			t.Fatal(err)
		}
		src := &scriptedSource{events: positions(10), failAt: -1, endEOF: true}
		sink := &memSink{}
		task := newTask(src, sink, Batching{MaxEvents: 100, Linger: 5 * time.Millisecond})
		task.Encoder, task.Tolerance, task.Log = enc, cc.tolerance, log
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = task.Run(ctx)
		cancel()
		switch tol {
		case "none":
			if err == nil || !strings.Contains(err.Error(), `transform "boom"`) || !strings.Contains(err.Error(), "cannot handle this record") {
				t.Errorf("tolerance none: task ended with %v, want the transform's error naming boom", err)
			}
		case "all":
			if err != nil {
				t.Fatalf("tolerance all: %v", err)
			}
			n := 0
			for _, b := range sink.batches {
				n += len(b)
			}
			if n != 0 || len(sink.checkpoints) == 0 {
				t.Errorf("tolerance all: %d records written, %d checkpoints; want none written and the checkpoint moved", n, len(sink.checkpoints))
			}
			if c := strings.Count(logs.String(), `transform \"boom\"`); c != 10 || !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("tolerance all: %d WARN lines naming boom, want 10:\n%s", c, logs.String())
			}
		}
		if want := map[string]int{"none": 0, "all": 10}[tol]; skipped != want {
			t.Errorf("tolerance %s: %d records counted as skipped, want %d", tol, skipped, want)
		}
	}
}

// TestRawRecordsBypassTheChain checks that an event's Raw records (the
// MySQL schema history) are written as they are, not routed by the chain.
func TestRawRecordsBypassTheChain(t *testing.T) {
	p := testPlugin(&scriptedSource{})
	cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "transforms": "route",
		"transforms.route.type": "io.sluice.test.Route", "transforms.route.topic": "routed"}
	cc, _, probs := parseConfig([]Plugin{p}, "c1", cfg, slog.New(slog.DiscardHandler))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	enc, err := cc.newEncoder(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := &change.Event{Op: change.OpCreate, Table: testTable, After: change.Row{int32(1)},
		Source: change.StructValue{"x"}, SourceSchema: testSourceSchema,
		Raw: []change.RawRecord{{Topic: "schema-history", Value: []byte(`{"ddl":"CREATE TABLE t"}`)}}}
	got, err := withRaw(enc).Encode(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Topic != "routed" || got[1].Topic != "schema-history" || string(got[1].Value) != `{"ddl":"CREATE TABLE t"}` {
		t.Errorf("records %+v, want the routed change record then the raw one as it is", got)
	}
}
