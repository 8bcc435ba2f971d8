package transforms

import (
	"sort"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/configdef"
)

// Transform is one configured single message transform.
type Transform interface {
	// Apply returns the transformed record, r itself when the transform
	// leaves it as it is, or nil to drop it. It may replace fields of r and
	// return r, but must not write into values or schemas it did not
	// create (see change.Record). An error fails the record; the task's
	// errors.tolerance decides what follows.
	Apply(r *change.Record) (*change.Record, error)
}

// Predicate is one configured predicate (predicates.<alias>).
type Predicate interface {
	Test(r *change.Record) bool
}

// Kinds of plugins, as GET /connector-plugins?connectorsOnly=false names them.
const (
	KindTransformation = "transformation"
	KindPredicate      = "predicate"
)

// Plugin is a transform or predicate class.
type Plugin struct {
	// Class is the class name users write in .type, e.g.
	// "org.apache.kafka.connect.transforms.RegexRouter" or
	// "org.apache.kafka.connect.transforms.ReplaceField$Value".
	Class string
	// Kind is KindTransformation or KindPredicate.
	Kind string
	// Version is the version Kafka Connect lists for the class: Kafka's
	// (KafkaVersion) for Kafka's transforms, Debezium's (DebeziumVersion)
	// for Debezium's.
	Version string
	// Keys are the class's configuration keys, as Kafka Connect's
	// GET /connector-plugins/{class}/config lists them.
	Keys []configdef.Key
	// Hidden are options the class reads that Kafka Connect does not list
	// (Debezium leaves some out of a class's ConfigDef): honoured, so not
	// reported as unused, and not listed.
	Hidden []string
	// New configures a transform (Kind transformation); NewPredicate a
	// predicate. Each reads its options from c and reports bad ones
	// through c (Config.Fail or the typed getters), returning whatever it
	// built: Chain construction checks c.Err() afterwards.
	New          func(c *Config) (Transform, error)
	NewPredicate func(c *Config) (Predicate, error)
}

// The versions Kafka Connect lists for the plugins, from the side-by-side
// environment (Kafka Connect 4.3.0, Debezium 3.6.1.Final).
const (
	KafkaVersion    = "4.3.0"
	DebeziumVersion = "3.6.1.Final"
)

var registry = map[string]*Plugin{}

// Register adds a plugin; it panics on a duplicate class (a programming
// error, found by any test of the package).
func Register(p Plugin) {
	if p.Class == "" || (p.Kind != KindTransformation && p.Kind != KindPredicate) {
		panic("transforms: bad plugin " + p.Class)
	}
	if (p.Kind == KindTransformation) != (p.New != nil) || (p.Kind == KindPredicate) != (p.NewPredicate != nil) {
		panic("transforms: plugin " + p.Class + " has no constructor of its kind")
	}
	if _, dup := registry[p.Class]; dup {
		panic("transforms: duplicate plugin " + p.Class)
	}
	registry[p.Class] = &p
}

// Lookup returns the plugin of class, or nil.
func Lookup(class string) *Plugin { return registry[strings.TrimSpace(class)] }

// Plugins returns every registered plugin, sorted by class.
func Plugins() []*Plugin {
	out := make([]*Plugin, 0, len(registry))
	for _, p := range registry {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
	return out
}
