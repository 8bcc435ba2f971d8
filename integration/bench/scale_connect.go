package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The scale scenario's Debezium is the Kafka Connect worker of
// integration/env (real Kafka Connect, distributed mode, with Debezium's
// connector plugins): many connectors in one process is what Connect is
// for, and Debezium Server runs one connector per JVM. The worker is
// long-lived and shared with other jobs, so its figures are read around
// each run: memory is the JVM's VmRSS (its peak, VmHWM, is its whole
// life's), CPU the run's share of its CPU time.

// connectWorker is the Kafka Connect worker the harness found.
type connectWorker struct {
	url     string
	pidv    int
	version string // Kafka Connect's
	plugin  string // Debezium's Postgres connector's
}

// findConnect looks for the worker at url and its process (a JVM whose
// command line runs Connect's distributed main class or carries
// integration/env's marker). It returns why there is none otherwise.
func findConnect(url string) (*connectWorker, string) {
	if url == "" || url == "off" {
		return nil, "-connect-url off"
	}
	w := &connectWorker{url: strings.TrimSuffix(url, "/")}
	var root struct {
		Version string `json:"version"`
	}
	if err := w.getJSON("/", &root); err != nil {
		return nil, "no Kafka Connect worker: " + err.Error()
	}
	w.version = root.Version
	var plugins []struct{ Class, Version string }
	if err := w.getJSON("/connector-plugins", &plugins); err != nil {
		return nil, "Kafka Connect worker: " + err.Error()
	}
	for _, p := range plugins {
		if p.Class == "io.debezium.connector.postgresql.PostgresConnector" {
			w.plugin = p.Version
		}
	}
	if w.plugin == "" {
		return nil, "the Kafka Connect worker at " + url + " has no Debezium Postgres connector"
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte("-Dsluice.env.connect=")) || bytes.Contains(b, []byte("org.apache.kafka.connect.cli.ConnectDistributed")) {
			w.pidv, _ = strconv.Atoi(filepath.Base(filepath.Dir(f)))
			return w, ""
		}
	}
	return nil, "the Kafka Connect worker's process is not on this machine (its memory cannot be read)"
}

func (w *connectWorker) do(method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (w *connectWorker) getJSON(path string, v any) error {
	code, b, err := w.do(http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, code, b)
	}
	return json.Unmarshal(b, v)
}

// session is a set of connectors on the worker that removeAll deletes.
func (w *connectWorker) session() *connectSession { return &connectSession{w: w} }

// connectSession implements scaleDaemon on the shared worker.
type connectSession struct {
	w     *connectWorker
	names []string
}

func (s *connectSession) pid() int      { return s.w.pidv }
func (s *connectSession) restPort() int { return urlPort(s.w.url) }

// retries is 0: Connect does not retry a failed task by itself.
func (s *connectSession) retries() (int, error) { return 0, nil }

// connectExtra is what a Debezium connector gets on the worker besides the
// connector keys sluice gets: JSON without schemas (the worker's default
// converters carry schemas) and topics made by Connect with one partition,
// as sluice makes them.
var connectExtra = map[string]string{
	"key.converter":                             "org.apache.kafka.connect.json.JsonConverter",
	"key.converter.schemas.enable":              "false",
	"value.converter":                           "org.apache.kafka.connect.json.JsonConverter",
	"value.converter.schemas.enable":            "false",
	"topic.creation.default.replication.factor": "1",
	"topic.creation.default.partitions":         "1",
	"decimal.handling.mode":                     "precise",
	"producer.override.acks":                    "all",
	"producer.override.compression.type":        "snappy",
}

// register creates a connector, retrying while the worker rebalances (409).
func (s *connectSession) register(name string, cfg map[string]string) error {
	full := map[string]string{}
	for k, v := range cfg {
		full[k] = v
	}
	for k, v := range connectExtra {
		full[k] = v
	}
	for attempt := 0; ; attempt++ {
		code, b, err := s.w.do(http.MethodPost, "/connectors", map[string]any{"name": name, "config": full})
		if err != nil {
			return fmt.Errorf("POST /connectors: %w", err)
		}
		if code == http.StatusCreated || code == http.StatusOK {
			s.names = append(s.names, name)
			return nil
		}
		if code != http.StatusConflict || attempt == 20 {
			return fmt.Errorf("POST /connectors %s: %d %s", name, code, b)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// state is the connector's state and its task's (the first), with the
// trace of a failed one.
func (s *connectSession) state(name string) (conn, task, trace string, err error) {
	var st struct {
		Connector struct{ State, Trace string }
		Tasks     []struct{ State, Trace string }
	}
	if err := s.w.getJSON("/connectors/"+name+"/status", &st); err != nil {
		return "", "", "", err
	}
	trace = st.Connector.Trace
	if len(st.Tasks) > 0 {
		task = st.Tasks[0].State
		if trace == "" {
			trace = st.Tasks[0].Trace
		}
	}
	return st.Connector.State, task, trace, nil
}

func (s *connectSession) healthy(name string) error {
	conn, task, trace, err := s.state(name)
	if err != nil {
		// The status appears a moment after the POST: not a failure.
		return nil
	}
	if conn == "FAILED" || task == "FAILED" {
		return fmt.Errorf("connector %s FAILED on Kafka Connect: %s", name, firstLine(trace))
	}
	return nil
}

// waitRunning waits until the connector and its task are RUNNING.
func (s *connectSession) waitRunning(ctx context.Context, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, task, trace, err := s.state(name)
		switch {
		case err == nil && conn == "RUNNING" && task == "RUNNING":
			return nil
		case conn == "FAILED" || task == "FAILED":
			return fmt.Errorf("connector %s FAILED on Kafka Connect: %s", name, firstLine(trace))
		case time.Now().After(deadline):
			return fmt.Errorf("connector %s not RUNNING on Kafka Connect after %s (%q/%q, %v)", name, timeout, conn, task, err)
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// removeAll deletes the session's connectors and waits until they are
// gone, so their slots are free to drop.
func (s *connectSession) removeAll() {
	for _, n := range s.names {
		if code, b, err := s.w.do(http.MethodDelete, "/connectors/"+n, nil); err != nil || (code != http.StatusNoContent && code != http.StatusNotFound) {
			fmt.Fprintf(os.Stderr, "cleanup: DELETE connector %s on Kafka Connect: %d %s %v\n", n, code, b, err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for _, n := range s.names {
		for time.Now().Before(deadline) {
			code, _, err := s.w.do(http.MethodGet, "/connectors/"+n, nil)
			if err == nil && code == http.StatusNotFound {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	s.names = nil
}
