package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sluiceServer is a running `sluice serve` started for one measurement, so its
// CPU time and peak RSS are that measurement's alone.
type sluiceServer struct {
	cmd    *exec.Cmd
	url    string
	dir    string
	logf   *os.File
	exited chan struct{}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startSluice starts bin serve on a free loopback port with a fresh data dir
// and waits for /healthz.
func startSluice(ctx context.Context, bin string, brokers []string, offsetsTopic string) (*sluiceServer, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sluice-bench-")
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "sluice.log"))
	if err != nil {
		return nil, err
	}
	// SLUICE_BENCH_LOG_LEVEL (debug, info) raises the daemon's log level
	// from warn: the sink logs each commit's timings at debug. With
	// SLUICE_BENCH_PROFILE the log is kept.
	level := cmp.Or(os.Getenv("SLUICE_BENCH_LOG_LEVEL"), "warn")
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
		"--kafka-brokers", strings.Join(brokers, ","), "--offsets-topic", offsetsTopic, "--log-level", level)
	// SLUICE_BENCH_PROFILE=dir writes each run's CPU profile there (for
	// profiling with pprof; the figures of such a run are not comparable).
	if pd := os.Getenv("SLUICE_BENCH_PROFILE"); pd != "" {
		ts := time.Now().UnixNano()
		cmd.Args = append(cmd.Args, "--cpuprofile", filepath.Join(pd, fmt.Sprintf("sluice-%d.pprof", ts)),
			"--memprofile", filepath.Join(pd, fmt.Sprintf("sluice-%d.allocs", ts)))
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &sluiceServer{cmd: cmd, url: "http://" + addr, dir: dir, logf: logf, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("sluice serve exited at start: %s", s.logTail())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("sluice serve not healthy after 30s: %s", s.logTail())
		}
	}
}

// definesKey says whether GET /connector-plugins/{class}/config lists key:
// the keys the daemon honours (keys it accepts without honouring are not
// listed).
func (s *sluiceServer) definesKey(class, key string) (bool, error) {
	resp, err := http.Get(s.url + "/connector-plugins/" + class + "/config")
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return false, fmt.Errorf("GET /connector-plugins/%s/config: %s: %s", class, resp.Status, b)
	}
	var keys []struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&keys); err != nil {
		return false, fmt.Errorf("GET /connector-plugins/%s/config: %w", class, err)
	}
	for _, k := range keys {
		if k.Name == key {
			return true, nil
		}
	}
	return false, nil
}

// register POSTs a connector.
func (s *sluiceServer) register(name string, cfg map[string]string) error {
	body, _ := json.Marshal(map[string]any{"name": name, "config": cfg})
	resp, err := http.Post(s.url+"/connectors", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST /connectors: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /connectors: %s: %s", resp.Status, b)
	}
	return nil
}

// state returns the connector's task state and its trace.
func (s *sluiceServer) state(name string) (string, string, error) {
	resp, err := http.Get(s.url + "/connectors/" + name + "/status")
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var st struct {
		Connector struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"connector"`
		Tasks []struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"tasks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return "", "", fmt.Errorf("status of %s: %w", name, err)
	}
	if st.Connector.State == "FAILED" {
		return "FAILED", st.Connector.Trace, nil
	}
	if len(st.Tasks) == 0 {
		return st.Connector.State, "", nil
	}
	return st.Tasks[0].State, st.Tasks[0].Trace, nil
}

// healthy returns an error when the connector failed or the daemon exited.
func (s *sluiceServer) healthy(name string) error {
	select {
	case <-s.exited:
		return fmt.Errorf("sluice serve exited: %s", s.logTail())
	default:
	}
	st, trace, err := s.state(name)
	if err != nil {
		return err
	}
	if st == "FAILED" {
		return fmt.Errorf("connector %s FAILED: %s", name, firstLine(trace))
	}
	return nil
}

// waitRunning waits until the connector's task is RUNNING.
func (s *sluiceServer) waitRunning(ctx context.Context, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st, trace, err := s.state(name)
		if err == nil && st == "RUNNING" {
			return nil
		}
		if st == "FAILED" {
			return fmt.Errorf("connector %s FAILED: %s", name, firstLine(trace))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("connector %s not RUNNING after %s (state %q, %v)", name, timeout, st, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *sluiceServer) pid() int { return s.cmd.Process.Pid }

// retries sums the daemon's sluice_task_retries_total (GET /metrics).
func (s *sluiceServer) retries() (int, error) {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return sumMetric(string(b), "sluice_task_retries_total"), nil
}

// sumMetric sums the samples of a metric in Prometheus text.
func sumMetric(text, name string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(l, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(f) > 0 {
			v, _ := strconv.ParseFloat(f[0], 64)
			n += int(v)
		}
	}
	return n
}

// restPort is the daemon's REST port.
func (s *sluiceServer) restPort() int { return urlPort(s.url) }

// stop sends SIGTERM, waits up to a minute, then kills; it removes the data
// dir unless keep is set.
func (s *sluiceServer) stop() {
	if pd := os.Getenv("SLUICE_BENCH_PROFILE"); pd != "" {
		if resp, err := http.Get(s.url + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_ = os.WriteFile(filepath.Join(pd, fmt.Sprintf("metrics-%d.txt", time.Now().UnixNano())), b, 0o644)
		}
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.logf.Close()
	if pd := os.Getenv("SLUICE_BENCH_PROFILE"); pd != "" {
		if b, err := os.ReadFile(s.logf.Name()); err == nil {
			_ = os.WriteFile(filepath.Join(pd, fmt.Sprintf("sluice-%d.log", time.Now().UnixNano())), b, 0o644)
		}
	}
	os.RemoveAll(s.dir)
}

func (s *sluiceServer) logTail() string {
	b, _ := os.ReadFile(s.logf.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// pgConnectorConfig is the Debezium-keyed config sluice and Debezium both get:
// stream only, from a slot and publication the harness made.
func pgConnectorConfig(dsn pgParams, prefix, table, slot, pub string) map[string]string {
	return map[string]string{
		"connector.class":             "io.debezium.connector.postgresql.PostgresConnector",
		"database.hostname":           dsn.Host,
		"database.port":               dsn.Port,
		"database.user":               dsn.User,
		"database.password":           dsn.Password,
		"database.dbname":             dsn.DB,
		"topic.prefix":                prefix,
		"table.include.list":          table,
		"slot.name":                   slot,
		"publication.name":            pub,
		"publication.autocreate.mode": "disabled",
		"plugin.name":                 "pgoutput",
		"snapshot.mode":               "no_data",
	}
}

// pgParams are the parts of the database URL a connector config needs.
type pgParams struct{ Host, Port, User, Password, DB string }

// put sends PUT url+path with no body and wants one of the statuses ok.
func (s *sluiceServer) put(path string, ok ...int) error {
	req, err := http.NewRequest(http.MethodPut, s.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("PUT %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, c := range ok {
		if resp.StatusCode == c {
			return nil
		}
	}
	return fmt.Errorf("PUT %s: %s: %s", path, resp.Status, b)
}

// stopConnector stops name (PUT .../stop) and waits until it is STOPPED.
func (s *sluiceServer) stopConnector(ctx context.Context, name string) error {
	if err := s.put("/connectors/"+name+"/stop", http.StatusNoContent, http.StatusAccepted, http.StatusOK); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		st, trace, err := s.state(name)
		if err == nil && st == "STOPPED" {
			return nil
		}
		if st == "FAILED" {
			return fmt.Errorf("connector %s FAILED: %s", name, firstLine(trace))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("connector %s not STOPPED after 1m (state %q, %v)", name, st, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// resumeConnector resumes a stopped or paused connector (PUT .../resume).
func (s *sluiceServer) resumeConnector(name string) error {
	return s.put("/connectors/"+name+"/resume", http.StatusAccepted, http.StatusNoContent, http.StatusOK)
}

// offsets returns GET /connectors/{name}/offsets's offsets, raw.
func (s *sluiceServer) offsets(name string) ([]json.RawMessage, error) {
	resp, err := http.Get(s.url + "/connectors/" + name + "/offsets")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Offsets []json.RawMessage `json:"offsets"`
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("GET offsets of %s: %s: %s", name, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("GET offsets of %s: %w", name, err)
	}
	return body.Offsets, nil
}
