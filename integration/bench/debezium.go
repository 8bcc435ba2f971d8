package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Debezium Server is the measuring stick: the same backlog, the same Kafka,
// Debezium's JSON without schemas, acks=all, snappy. Its Kafka sink has no
// transactional producer, so it runs with the idempotent producer
// (at-least-once); the report says so.

// debeziumDist is an unpacked Debezium Server, or why there is none.
type debeziumDist struct {
	home    string // .../debezium-server; "" when not available
	version string
	java    string // a java of version 21 or later (Debezium Server 3 needs it)
	reason  string
}

// findJava returns a java binary of at least version 21: $SLUICE_BENCH_JAVA,
// java on PATH, or a JDK under /usr/lib/jvm (the machine's second JDK).
func findJava() (string, error) {
	cands := []string{os.Getenv("SLUICE_BENCH_JAVA")}
	if p, err := exec.LookPath("java"); err == nil {
		cands = append(cands, p)
	}
	jvms, _ := filepath.Glob("/usr/lib/jvm/*/bin/java")
	sort.Sort(sort.Reverse(sort.StringSlice(jvms)))
	cands = append(cands, jvms...)
	var seen []string
	for _, c := range cands {
		if c == "" {
			continue
		}
		out, err := exec.Command(c, "-XshowSettings:properties", "-version").CombinedOutput()
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "java.specification.version = "); ok {
				seen = append(seen, c+" is "+v)
				var major int
				if _, err := fmt.Sscan(v, &major); err == nil && major >= 21 {
					return c, nil
				}
			}
		}
	}
	return "", fmt.Errorf("Debezium Server 3 needs Java 21 or later; found %s (set SLUICE_BENCH_JAVA)", strings.Join(seen, ", "))
}

// debeziumProducer is what Debezium Server's Kafka sink is given.
var debeziumProducer = map[string]string{
	"acks":               "all",
	"enable.idempotence": "true",
	"compression.type":   "snappy", // sluice's (franz-go's default)
}

// prepareDebezium finds Debezium Server in the cache, fetching it with
// integration/bench/debezium/fetch.sh unless in smoke mode.
func prepareDebezium(ctx context.Context, o *options) debeziumDist {
	if o.debezium == "off" {
		return debeziumDist{reason: "-debezium=off"}
	}
	java, err := findJava()
	if err != nil {
		return debeziumDist{reason: err.Error()}
	}
	matches, _ := filepath.Glob(filepath.Join(o.cacheDir, "debezium", "debezium-server-*", "debezium-server", "run.sh"))
	if len(matches) == 0 && o.smoke {
		return debeziumDist{reason: "not cached; `make bench` fetches it"}
	}
	if len(matches) == 0 {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "integration/bench/debezium/fetch.sh", o.cacheDir)
		cmd.Stderr = &stderr
		fmt.Fprintln(os.Stderr, "fetching Debezium Server (integration/bench/debezium/fetch.sh)…")
		if err := cmd.Run(); err != nil {
			return debeziumDist{reason: "fetch failed: " + firstLine(stderr.String()+" "+err.Error())}
		}
		matches, _ = filepath.Glob(filepath.Join(o.cacheDir, "debezium", "debezium-server-*", "debezium-server", "run.sh"))
		if len(matches) == 0 {
			return debeziumDist{reason: "fetch.sh left no debezium-server/run.sh"}
		}
	}
	sort.Strings(matches)
	home := filepath.Dir(matches[len(matches)-1])
	version := strings.TrimPrefix(filepath.Base(filepath.Dir(home)), "debezium-server-")
	return debeziumDist{home: home, version: version, java: java}
}

// startDebezium runs Debezium Server with cfg (Debezium connector keys) in a
// fresh working directory. The clock starts when Quarkus reports it started
// (the engine and connector start then), not at JVM launch, matching sluice's
// clock, which starts at POST /connectors on a running daemon.
func startDebezium(ctx context.Context, d debeziumDist, brokers []string, cfg map[string]string) (*pipeline, error) {
	dir, err := os.MkdirTemp("", "sluice-bench-debezium-")
	if err != nil {
		return nil, err
	}
	return startDebeziumIn(ctx, d, brokers, cfg, dir, true)
}

// startDebeziumIn is startDebezium in the working directory dir (offsets and
// any schema history are kept there, so a second start resumes from the
// first's offsets). removeDir: stop removes dir.
func startDebeziumIn(ctx context.Context, d debeziumDist, brokers []string, cfg map[string]string, dir string, removeDir bool) (*pipeline, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	props := map[string]string{
		"quarkus.http.host":                               host,
		"quarkus.http.port":                               port,
		"quarkus.log.level":                               "INFO",
		"quarkus.log.console.json":                        "false",
		"debezium.sink.type":                              "kafka",
		"debezium.format.key":                             "json",
		"debezium.format.value":                           "json",
		"debezium.format.schemas.enable":                  "false",
		"debezium.sink.kafka.producer.bootstrap.servers":  strings.Join(brokers, ","),
		"debezium.sink.kafka.producer.key.serializer":     "org.apache.kafka.common.serialization.StringSerializer",
		"debezium.sink.kafka.producer.value.serializer":   "org.apache.kafka.common.serialization.StringSerializer",
		"debezium.source.offset.storage.file.filename":    filepath.Join(dir, "offsets.dat"),
		"debezium.source.offset.flush.interval.ms":        "10000",
		"debezium.source.tombstones.on.delete":            "true",
		"debezium.source.skipped.operations":              "t",
		"debezium.source.status.update.interval.ms":       "10000",
		"debezium.source.decimal.handling.mode":           "precise",
		"debezium.source.topic.creation.default.replicas": "1",
	}
	for k, v := range debeziumProducer {
		props["debezium.sink.kafka.producer."+k] = v
	}
	for k, v := range cfg {
		props["debezium.source."+k] = v
	}
	var buf strings.Builder
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&buf, "%s=%s\n", k, props[k])
	}
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "application.properties"), []byte(buf.String()), 0o600); err != nil {
		return nil, err
	}
	runners, _ := filepath.Glob(filepath.Join(d.home, "debezium-server-*runner.jar"))
	if len(runners) != 1 {
		return nil, fmt.Errorf("no runner jar in %s", d.home)
	}
	cp := strings.Join([]string{runners[0], filepath.Join(d.home, "config", "lib"), filepath.Join(d.home, "lib", "*")}, ":")
	cmd := exec.Command(d.java, "-cp", cp, "io.debezium.server.Main")
	cmd.Dir = dir
	logf, err := os.OpenFile(filepath.Join(dir, "debezium.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	launched := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Debezium Server: %w", err)
	}
	exited := make(chan struct{})
	started := make(chan time.Time, 1)
	streaming := make(chan struct{})
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		seen, streamSeen := false, false
		for sc.Scan() {
			line := sc.Text()
			// The binlog connectors log "Connected to … binlog at host:port,
			// starting at …" once they stream.
			if !streamSeen && strings.Contains(line, "Connected to") && strings.Contains(line, "binlog at") {
				streamSeen = true
				close(streaming)
			}
			if !seen && strings.Contains(line, "started in") && strings.Contains(line, "Quarkus") {
				seen = true
				started <- time.Now()
			}
			logMu.Lock()
			fmt.Fprintln(logf, line)
			logMu.Unlock()
		}
	}()
	go func() { _ = cmd.Wait(); close(exited) }()
	tail := func() string {
		logMu.Lock()
		defer logMu.Unlock()
		b, _ := os.ReadFile(logf.Name())
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "ERROR") || strings.Contains(l, "Exception") {
				keep = append(keep, l)
			}
		}
		if len(keep) > 5 {
			keep = keep[:5]
		}
		return strings.Join(keep, "\n")
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
		if !removeDir {
			return
		}
		if os.Getenv("SLUICE_BENCH_KEEP") == "" {
			os.RemoveAll(dir)
		} else {
			fmt.Fprintln(os.Stderr, "Debezium Server's files kept in", dir)
		}
	}
	p := &pipeline{pid: cmd.Process.Pid, stop: stop, streaming: streaming}
	p.healthy = func() error {
		select {
		case <-exited:
			return fmt.Errorf("Debezium Server exited: %s", tail())
		default:
			return nil
		}
	}
	select {
	case p.t0 = <-started:
	case <-exited:
		stop()
		return nil, fmt.Errorf("Debezium Server exited at start: %s", tail())
	case <-time.After(3 * time.Minute):
		stop()
		return nil, fmt.Errorf("Debezium Server did not report its start within 3m: %s", tail())
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
	fmt.Fprintf(os.Stderr, "  (Debezium Server: JVM and Quarkus start took %s, not counted)\n", p.t0.Sub(launched).Round(time.Millisecond))
	p.ready = func(ctx context.Context) error {
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			if err := p.healthy(); err != nil {
				return err
			}
			resp, err := http.Get("http://" + addr + "/q/health/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotFound {
					return nil
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		return fmt.Errorf("Debezium Server not ready within 2m: %s", tail())
	}
	return p, nil
}
