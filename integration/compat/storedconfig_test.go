//go:build integration

package compat

import (
	"encoding/json"
	"maps"
	"testing"
)

// TestStoredConfigSideBySide: the real Kafka Connect 4.3.0 worker and
// sluice answer GET config, GET info, ?expand=info (and sluice GET tasks) with the
// config as stored (password included), and a PUT of the identical config
// with 200 and the same info. Both connectors are created PAUSED, so neither
// side touches the database.
func TestStoredConfigSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	name := uniq("restsec_stored")
	cfg := map[string]string{
		"connector.class":   "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname": "127.0.0.1", "database.port": "55432",
		"database.user": "postgres", "database.password": "postgres", "database.dbname": "sluice_test",
		"topic.prefix": name, "slot.name": name, "plugin.name": "pgoutput",
		"publication.name": name + "_pub", "table.include.list": "public." + name,
	}
	for _, c := range []restClient{dbz, slc.restClient} {
		code, body, err := c.do("POST", "/connectors", map[string]any{"name": name, "config": cfg, "initial_state": "PAUSED"})
		if err != nil || code != 201 {
			t.Fatalf("%s: create: %d %s %v", c.what, code, body, err)
		}
		t.Cleanup(func() { c.remove(t, name) })
	}
	want := maps.Clone(cfg)
	want["name"] = name
	type info struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
		Tasks  []map[string]any  `json:"tasks"`
	}
	get := func(c restClient, path string, v any) {
		t.Helper()
		code, body, err := c.do("GET", path, nil)
		if err != nil || code != 200 {
			t.Fatalf("%s: GET %s: %d %s %v", c.what, path, code, body, err)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: GET %s: %v in %s", c.what, path, err, body)
		}
	}
	for _, c := range []restClient{dbz, slc.restClient} {
		var stored map[string]string
		get(c, "/connectors/"+name+"/config", &stored)
		if !maps.Equal(stored, want) {
			t.Errorf("%s: GET config = %v, want the config as stored %v", c.what, stored, want)
		}
		var in info
		get(c, "/connectors/"+name, &in)
		if !maps.Equal(in.Config, want) {
			t.Errorf("%s: GET info config = %v, want %v", c.what, in.Config, want)
		}
		var exp map[string]struct {
			Info info `json:"info"`
		}
		get(c, "/connectors?expand=info", &exp)
		if !maps.Equal(exp[name].Info.Config, want) {
			t.Errorf("%s: ?expand=info config = %v, want %v", c.what, exp[name].Info.Config, want)
		}
		// A connector created PAUSED has no task configs in Kafka Connect
		// (it never ran); sluice shows its one task, with the config as
		// stored, as Kafka Connect shows a running connector's task (measured
		// by hand: password as stored plus task.class).
		var tasks []struct {
			Config map[string]string `json:"config"`
		}
		get(c, "/connectors/"+name+"/tasks", &tasks)
		withClass := maps.Clone(want)
		withClass["task.class"] = "io.debezium.connector.postgresql.PostgresConnectorTask"
		if len(tasks) > 1 || len(tasks) == 1 && !maps.Equal(tasks[0].Config, withClass) || c.what == "sluice" && len(tasks) != 1 {
			t.Errorf("%s: GET tasks = %+v, want the task config %v", c.what, tasks, withClass)
		}
		code, body, err := c.do("PUT", "/connectors/"+name+"/config", stored)
		var put info
		_ = json.Unmarshal(body, &put)
		if err != nil || code != 200 || !maps.Equal(put.Config, want) {
			t.Errorf("%s: PUT identical config: %d %s %v, want 200 and the stored config", c.what, code, body, err)
		}
		t.Logf("%s: GET config, info, expand=info, tasks show the password as stored; PUT identical: %d", c.what, code)
	}
}
