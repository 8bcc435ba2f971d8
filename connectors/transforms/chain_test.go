package transforms

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// suffix appends its option "s" to the topic; topicIs matches a topic.
type suffix string

func (s suffix) Apply(r *change.Record) (*change.Record, error) {
	out := *r
	out.Topic += string(s)
	return &out, nil
}

type topicIs string

func (t topicIs) Test(r *change.Record) bool { return strings.HasPrefix(r.Topic, string(t)) }

func init() {
	Register(Plugin{Class: "test.Suffix", Kind: KindTransformation, Keys: []configdef.Key{{Name: "s"}},
		New: func(c *Config) (Transform, error) { return suffix(c.Required("s")), nil }})
	Register(Plugin{Class: "test.TopicIs", Kind: KindPredicate, Keys: []configdef.Key{{Name: "t"}},
		NewPredicate: func(c *Config) (Predicate, error) { return topicIs(c.Required("t")), nil }})
}

func TestChainOrderPredicatesAndNegate(t *testing.T) {
	ch, err := Parse(map[string]string{
		"transforms": "a, b,c", "predicates": "isX",
		"transforms.a.type": "test.Suffix", "transforms.a.s": "-a",
		"transforms.b.type": "test.Suffix", "transforms.b.s": "-b", "transforms.b.predicate": "isX",
		"transforms.c.type": "test.Suffix", "transforms.c.s": "-c", "transforms.c.predicate": "isX", "transforms.c.negate": "true",
		"predicates.isX.type": "test.TopicIs", "predicates.isX.t": "x",
		"transforms.c.extra": "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"x": "x-a-b", "y": "y-a-c"} {
		r := &change.Record{Topic: in}
		out, err := ch.Apply(r)
		if err != nil || out.Topic != want {
			t.Errorf("%s: got %+v, %v; want topic %s", in, out, err, want)
		}
		if r.Topic != in {
			t.Errorf("the input record changed: %s", r.Topic)
		}
	}
	if _, ok := ch.Unused["transforms.c.extra"]; !ok || len(ch.Unused) != 1 {
		t.Errorf("unused = %v, want transforms.c.extra only", ch.Unused)
	}
}

func TestChainBadConfigNamesTheKey(t *testing.T) {
	for _, c := range []struct {
		cfg  map[string]string
		want string
	}{
		{map[string]string{"transforms": "a"}, `"transforms.a.type"`},
		{map[string]string{"transforms": "a", "transforms.a.type": "no.Such"}, "transforms.a.type: Class no.Such could not be found"},
		{map[string]string{"transforms": "a", "transforms.a.type": "test.Suffix"}, `"transforms.a.s"`},
		{map[string]string{"transforms": "a,a", "transforms.a.type": "test.Suffix", "transforms.a.s": "x"}, "Duplicate alias"},
		{map[string]string{"transforms": "a", "transforms.a.type": "test.Suffix", "transforms.a.s": "x", "transforms.a.predicate": "p"}, "transforms.a.predicate: not an alias listed in predicates"},
		{map[string]string{"transforms": "a", "transforms.a.type": "test.TopicIs"}, "is a predicate, not a transformation"},
	} {
		_, err := Parse(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.cfg, err, c.want)
		}
	}
	if ch, err := Parse(map[string]string{"tasks.max": "1"}); ch != nil || err != nil {
		t.Errorf("no transforms: %v, %v; want nil, nil", ch, err)
	}
}

func TestExpandJavaReplacement(t *testing.T) {
	re := CompileJavaRegexpMust(t, `(?<db>[^.]+)\.(\w+)\.(\w+)`)
	src := "pg.public.orders"
	for repl, want := range map[string]string{
		"$3":        "orders",
		"${db}_$2x": "pg_publicx",
		`\$1-$1`:    "$1-pg",
		"$31":       "orders1", // Java keeps the longest group number that exists
		"all.$0":    "all.pg.public.orders",
	} {
		got, err := ExpandJavaReplacement(re, src, repl, re.FindStringSubmatchIndex(src))
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", repl, got, err, want)
		}
	}
	if _, err := ExpandJavaReplacement(re, src, "$9", re.FindStringSubmatchIndex(src)); err == nil {
		t.Error("$9: no error for a group that does not exist")
	}
}

func CompileJavaRegexpMust(t *testing.T, expr string) *regexp.Regexp {
	t.Helper()
	re, err := CompileJavaRegexp(expr)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

func TestChainNegateWithoutPredicateAndPluginVersion(t *testing.T) {
	_, err := Parse(map[string]string{"transforms": "a", "transforms.a.type": "test.Suffix", "transforms.a.s": "x", "transforms.a.negate": "true"})
	if want := "Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate' defining a predicate to be negated."; err == nil || err.Error() != want {
		t.Errorf("negate without predicate: err = %v, want %q", err, want)
	}
	ch, err := Parse(map[string]string{"transforms": "a", "transforms.a.type": "test.Suffix", "transforms.a.s": "x", "transforms.a.plugin.version": "9.9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ch.Unused["transforms.a.plugin.version"]; !ok {
		t.Errorf("a plugin.version sluice does not have is not named: %v", ch.Unused)
	}
}
