package capturetest

import (
	"fmt"
	"testing"

	"github.com/sluicecdc/sluice/connectors/captureopts"
)

// Policies returns every snapshot.mode policy a source of flavor f can get,
// as captureopts.Parse makes them: one per mode, and one per combination of
// the configuration_based keys that change the policy (snapshot.data,
// snapshot.schema, start.stream, snapshot.on.data.error). Tables over the
// open-plan decision run on them.
func Policies(t testing.TB, f captureopts.Flavor) []captureopts.Policy {
	t.Helper()
	modes := []string{"initial", "initial_only", "no_data", "when_needed", "always"}
	if f == captureopts.Binlog {
		modes = append(modes, "never", "recovery")
	}
	var ms []map[string]string
	for _, mode := range modes {
		ms = append(ms, map[string]string{"snapshot.mode": mode})
	}
	for bits := range 16 {
		m := map[string]string{"snapshot.mode": "configuration_based"}
		for i, k := range []string{"snapshot.data", "snapshot.schema", "start.stream", "snapshot.on.data.error"} {
			m["snapshot.mode.configuration.based."+k] = fmt.Sprint(bits&(1<<i) != 0)
		}
		ms = append(ms, m)
	}
	out := make([]captureopts.Policy, 0, len(ms))
	for _, m := range ms {
		o, errs := captureopts.Parse(m, m["snapshot.mode"], f)
		if len(errs) > 0 {
			t.Fatalf("%v: %v", m, errs)
		}
		out = append(out, o.Policy)
	}
	return out
}
