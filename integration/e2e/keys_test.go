//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// validateBody is the part of Kafka Connect's validate answer the tests read.
type validateBody struct {
	ErrorCount int `json:"error_count"`
	Configs    []struct {
		Value struct {
			Name   string   `json:"name"`
			Errors []string `json:"errors"`
		} `json:"value"`
	} `json:"configs"`
}

func (v validateBody) errorsOf(key string) []string {
	for _, c := range v.Configs {
		if c.Value.Name == key {
			return c.Value.Errors
		}
	}
	return nil
}

func (d *daemon) validate(t *testing.T, class string, cfg map[string]string) validateBody {
	t.Helper()
	code, body := d.do(t, "PUT", "/connector-plugins/"+class+"/config/validate", cfg)
	if code != 200 {
		t.Fatalf("validate: %d %s", code, body)
	}
	var v validateBody
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprint(port)
}

// TestIntegrationValidateChecksTheConnection: validate connects to the
// database and logs in, as Debezium's validate does, and reports a failure
// on database.hostname, where Kafka Connect 4.3.0 with Debezium reports it
// (measured for both a wrong password and a closed port): a wrong password
// and an unreachable port are errors, a good config has none, and nothing
// is created (no slot).
func TestIntegrationValidateChecksTheConnection(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	slot := uniq("keys_validate")
	pg := pgConfig(t, "keys_validate", slot, "public.keys_nothing")
	pg["name"] = "keys-validate-pg"
	my := exampleConfig(t, "mariadb.json")
	my["name"] = "keys-validate-my"
	my["database.hostname"], my["database.port"] = myAddr[:strings.LastIndexByte(myAddr, ':')], myAddr[strings.LastIndexByte(myAddr, ':')+1:]
	// The tutorial's schema history keys, as a Debezium user sends them.
	my["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
	my["schema.history.internal.kafka.topic"] = "keys-validate-history"

	for _, c := range []struct {
		name, class string
		cfg         map[string]string
		wrongPass   string // in the error of a wrong password
	}{
		{"postgres", "io.debezium.connector.postgresql.PostgresConnector", pg, "password authentication failed"},
		{"mariadb", "io.debezium.connector.mariadb.MariaDbConnector", my, "Access denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := d.validate(t, c.class, c.cfg)
			if v.ErrorCount != 0 {
				t.Errorf("good config: error_count %d: %+v", v.ErrorCount, v)
			}
			bad := copyMap(c.cfg)
			bad["database.password"] = "wrong-password"
			v = d.validate(t, c.class, bad)
			errs := v.errorsOf("database.hostname")
			t.Logf("wrong password: error_count %d, database.hostname: %q", v.ErrorCount, errs)
			if v.ErrorCount != 1 || len(errs) != 1 || !strings.Contains(errs[0], c.wrongPass) || !strings.Contains(errs[0], "database.password") {
				t.Errorf("wrong password: error_count %d, database.hostname errors %q; want one naming %q and database.password", v.ErrorCount, errs, c.wrongPass)
			}
			bad = copyMap(c.cfg)
			bad["database.port"] = closedPort(t)
			start := time.Now()
			v = d.validate(t, c.class, bad)
			errs = v.errorsOf("database.hostname")
			t.Logf("closed port: error_count %d in %s, database.hostname: %q", v.ErrorCount, time.Since(start).Round(time.Millisecond), errs)
			if v.ErrorCount != 1 || len(errs) != 1 || !strings.Contains(errs[0], "refused") {
				t.Errorf("closed port: error_count %d, database.hostname errors %q; want one saying the connection was refused", v.ErrorCount, errs)
			}
			// A problem on a connection key is reported without connecting.
			bad = copyMap(c.cfg)
			bad["database.port"] = "not-a-port"
			v = d.validate(t, c.class, bad)
			if v.ErrorCount != 1 || len(v.errorsOf("database.port")) != 1 {
				t.Errorf("bad port: error_count %d, database.port %q", v.ErrorCount, v.errorsOf("database.port"))
			}
			// name is required, as Kafka Connect requires it.
			bad = copyMap(c.cfg)
			delete(bad, "name")
			v = d.validate(t, c.class, bad)
			if v.ErrorCount != 1 || len(v.errorsOf("name")) != 1 {
				t.Errorf("no name: error_count %d, name %q", v.ErrorCount, v.errorsOf("name"))
			}
		})
	}
	c := pgConn(t)
	var n int
	if err := c.QueryRow(t.Context(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("validate created the slot %s", slot)
	}
}
