package transforms

import (
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

const kafkaPredicates = "org.apache.kafka.connect.transforms.predicates."

// predicate configures predicate class with opts through Parse, as a
// connector config would, and returns it or the error.
func predicate(t *testing.T, class string, opts map[string]string) (Predicate, error) {
	t.Helper()
	cfg := map[string]string{"predicates": "p", "predicates.p.type": class}
	for k, v := range opts {
		cfg["predicates.p."+k] = v
	}
	p, c, err := plugin(cfg, "p", "predicates.p.", KindPredicate)
	if err != nil {
		return nil, err
	}
	pred, err := p.NewPredicate(c)
	if err == nil {
		err = c.Err()
	}
	return pred, err
}

func TestKafkaPredicates(t *testing.T) {
	hdr := func(keys ...string) []change.RecordHeader {
		var hs []change.RecordHeader
		for _, k := range keys {
			hs = append(hs, change.RecordHeader{Key: k, Raw: []byte("v")})
		}
		return hs
	}
	for _, c := range []struct {
		name  string
		class string
		opts  map[string]string
		rec   change.Record
		want  bool
	}{
		{"topic matches whole name", "TopicNameMatches", map[string]string{"pattern": `pg\.public\..*`}, change.Record{Topic: "pg.public.orders", Value: 1}, true},
		{"topic match is anchored at the end", "TopicNameMatches", map[string]string{"pattern": `pg\.public`}, change.Record{Topic: "pg.public.orders"}, false},
		{"topic match is anchored at the start", "TopicNameMatches", map[string]string{"pattern": `orders`}, change.Record{Topic: "pg.public.orders"}, false},
		{"alternation is anchored as a whole", "TopicNameMatches", map[string]string{"pattern": `a|pg.*`}, change.Record{Topic: "pg.x"}, true},
		{"alternation first branch", "TopicNameMatches", map[string]string{"pattern": `a|pg`}, change.Record{Topic: "ab"}, false},
		{"header present", "HasHeaderKey", map[string]string{"name": "h"}, change.Record{Headers: hdr("a", "h")}, true},
		{"header absent", "HasHeaderKey", map[string]string{"name": "h"}, change.Record{Headers: hdr("a", "H")}, false},
		{"no headers", "HasHeaderKey", map[string]string{"name": "h"}, change.Record{}, false},
		{"tombstone", "RecordIsTombstone", nil, change.Record{Key: int32(1)}, true},
		{"not a tombstone", "RecordIsTombstone", nil, change.Record{Value: change.StructValue{}}, false},
		{"empty string value is not a tombstone", "RecordIsTombstone", nil, change.Record{Value: ""}, false},
	} {
		p, err := predicate(t, kafkaPredicates+c.class, c.opts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := p.Test(&c.rec); got != c.want {
			t.Errorf("%s: Test = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestKafkaPredicatesBadConfig(t *testing.T) {
	for _, c := range []struct {
		class string
		opts  map[string]string
		want  string
	}{
		{"TopicNameMatches", nil, `Missing required configuration "predicates.p.pattern" which has no default value.`},
		{"TopicNameMatches", map[string]string{"pattern": ""}, "Invalid value  for configuration predicates.p.pattern: String must be non-empty"},
		{"TopicNameMatches", map[string]string{"pattern": "("}, "Invalid value ( for configuration predicates.p.pattern: Invalid regex: "},
		{"TopicNameMatches", map[string]string{"pattern": "a)|(b"}, "Invalid value a)|(b for configuration predicates.p.pattern: Invalid regex: "},
		{"HasHeaderKey", nil, `Missing required configuration "predicates.p.name" which has no default value.`},
		{"HasHeaderKey", map[string]string{"name": ""}, "Invalid value  for configuration predicates.p.name: String must be non-empty"},
	} {
		_, err := predicate(t, kafkaPredicates+c.class, c.opts)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s %v: err = %v, want it to start with %q", c.class, c.opts, err, c.want)
		}
	}
}
