//go:build integration

package compat

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// TestPatchConfigSideBySide: PATCH /connectors/{name}/config (Kafka Connect
// 3.8+) sent to the real Kafka Connect 4.3.0 worker and to sluice, step by
// step: the keys given replace the stored ones, a null removes its key, the
// answer is 200 with the connector's info; an unknown connector is 404 with
// the same body; a patch whose result is invalid is 400 and changes
// nothing. Both connectors are created PAUSED, so neither side touches the
// database.
func TestPatchConfigSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	name := uniq("patch_cfg")
	cfg := map[string]string{
		"connector.class":   "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname": "127.0.0.1", "database.port": "55432",
		"database.user": "postgres", "database.password": "postgres", "database.dbname": "sluice_test",
		"topic.prefix": name, "slot.name": name, "plugin.name": "pgoutput",
		"publication.name": name + "_pub", "table.include.list": "public." + name,
	}
	clients := []restClient{dbz, slc.restClient}
	for _, c := range clients {
		code, body, err := c.do("POST", "/connectors", map[string]any{"name": name, "config": cfg, "initial_state": "PAUSED"})
		if err != nil || code != 201 {
			t.Fatalf("%s: create: %d %s %v", c.what, code, body, err)
		}
		t.Cleanup(func() { c.remove(t, name) })
	}
	want := maps.Clone(cfg)
	want["name"] = name
	path := "/connectors/" + name + "/config"

	stored := func(c restClient) map[string]string {
		t.Helper()
		code, body, err := c.do("GET", path, nil)
		var got map[string]string
		if err != nil || code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: GET config: %d %s %v", c.what, code, body, err)
		}
		return got
	}
	type info struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
		Type   string            `json:"type"`
	}
	// ok sends a patch both must take: 200, the info with the patched
	// config, and that config stored.
	ok := func(step string, patch any, change func(map[string]string)) {
		t.Helper()
		change(want)
		for _, c := range clients {
			code, body, err := c.do("PATCH", path, patch)
			var in info
			_ = json.Unmarshal(body, &in)
			if err != nil || code != 200 || in.Name != name || in.Type != "source" || !maps.Equal(in.Config, want) {
				t.Errorf("%s: %s: %d %s %v, want 200 with the config %v", c.what, step, code, body, err, want)
			}
			if got := stored(c); !maps.Equal(got, want) {
				t.Errorf("%s: %s: stored config %v, want %v", c.what, step, got, want)
			}
		}
	}
	ok("set one key, remove another, remove an absent one", map[string]any{
		"snapshot.mode": "no_data", "table.include.list": nil, "heartbeat.action.query": nil,
	}, func(m map[string]string) {
		m["snapshot.mode"] = "no_data"
		delete(m, "table.include.list")
	})
	ok("a number and a boolean", map[string]any{"heartbeat.interval.ms": 5000, "tombstones.on.delete": false}, func(m map[string]string) {
		m["heartbeat.interval.ms"] = "5000"
		m["tombstones.on.delete"] = "false"
	})
	ok("an empty patch", map[string]any{}, func(map[string]string) {})
	ok("its own name", map[string]any{"name": name}, func(map[string]string) {})

	// Refused, and nothing changes. connectCode is Kafka Connect's status
	// (0: any error status): Kafka Connect 4.3.0 with Debezium 3.6.1
	// answers 500 for a body it cannot read and for any patched config that
	// fails validation (a NullPointerException in its error reporting, the
	// same for POST and PUT: Debezium's validation leaves a key without a
	// value); sluice answers 400 and says what to fix.
	refused := func(step, p, patch string, connectCode, sluiceCode int, sameBody bool) {
		t.Helper()
		var bodies []string
		for _, c := range clients {
			code, body, err := c.do("PATCH", p, json.RawMessage(patch))
			wantCode := sluiceCode
			if c.what != "sluice" {
				wantCode = connectCode
			}
			if err != nil || wantCode != 0 && code != wantCode || wantCode == 0 && code < 400 {
				t.Errorf("%s: %s: %d %s %v, want %d (0: an error status)", c.what, step, code, body, err, wantCode)
			}
			bodies = append(bodies, string(body))
			if p == path {
				if got := stored(c); !maps.Equal(got, want) {
					t.Errorf("%s: %s: stored config %v, want it unchanged %v", c.what, step, got, want)
				}
			}
		}
		if sameBody && bodies[0] != bodies[1] {
			t.Errorf("%s: Kafka Connect answered %s, sluice %s", step, bodies[0], bodies[1])
		}
		t.Logf("%s: Kafka Connect %s; sluice %s", step, bodies[0], bodies[1])
	}
	refused("unknown connector", "/connectors/"+name+"_nope/config", `{"snapshot.mode":"no_data"}`, 404, 404, true)
	refused("connector.class removed", path, `{"connector.class":null}`, 400, 400, false)
	refused("an invalid value", path, `{"snapshot.mode":"bogus"}`, 0, 400, false)
	refused("the name removed", path, `{"name":null}`, 0, 400, false)
	refused("a null body", path, `null`, 0, 400, false)
	refused("an array body", path, `[]`, 0, 400, false)
	refused("an object value", path, `{"database.port":{"a":1}}`, 0, 400, false)

	// sluice refuses a rename with PUT's message; Kafka Connect takes it
	// and stores the other name under the connector's key (measured, in
	// the log below).
	code, body, err := slc.do("PATCH", path, map[string]any{"name": "other"})
	if err != nil || code != 400 || !strings.Contains(string(body), "doesn't match connector name in the URL") {
		t.Errorf("sluice: rename: %d %s %v, want 400", code, body, err)
	}
	if got := stored(slc.restClient); !maps.Equal(got, want) {
		t.Errorf("sluice: rename: stored config %v, want it unchanged", got)
	}
	code, body, _ = dbz.do("PATCH", path, map[string]any{"name": "other"})
	t.Logf("rename: Kafka Connect %d %s; sluice 400", code, body)
}
