// Command sluice is the change-data-capture daemon: `sluice serve` runs the
// REST API and the registered connectors; `sluice connectors`, `sluice
// status` and `sluice tail` are its command-line client (cli.go).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"github.com/sluicecdc/sluice/internal/asyncapi"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/connectors/runtime"
	"github.com/sluicecdc/sluice/internal/configprovider"
	"github.com/sluicecdc/sluice/internal/console"
	"github.com/sluicecdc/sluice/internal/logging"
	"github.com/sluicecdc/sluice/internal/restsec"
	"github.com/sluicecdc/sluice/internal/workerconfig"
	offsetskafka "github.com/sluicecdc/sluice/offsets/kafka"
	"github.com/sluicecdc/sluice/sinks"
	sinkkafka "github.com/sluicecdc/sluice/sinks/kafka"
)

// Version is sluice's version, set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

// Commit is the source commit, set at build time.
var Commit = "unknown"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ce := cliEnv{stdin: os.Stdin, stdout: stdout, stderr: stderr, terminal: stdoutIsTerminal(stdout)}
	if len(args) == 0 {
		runCLI([]string{"--help"}, cliEnv{stdout: stderr, stderr: stderr})
		return exitUsage
	}
	switch args[0] {
	case "serve":
		// serve keeps its standard-library flags (-listen, --data-dir, ...).
		return serve(args[1:], stderr)
	case "consume":
		// consume, now an alias of tail, took -max style flags.
		args = append([]string{"consume"}, longFlags(args[1:])...)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "sluice %s (%s)\n", Version, Commit)
		return 0
	}
	return runCLI(args, ce)
}

type serveConfig struct {
	listen       string
	dataDir      string
	brokers      string
	offsetsTopic string
	logLevel     string
	logFormat    string
	shutdown     time.Duration
	cpuProfile   string
	memProfile   string
	// schemasEnable is the worker's key.converter.schemas.enable /
	// value.converter.schemas.enable for connectors that name no converter.
	schemasEnable bool

	// REST listener security (security.go).
	rest restsec.Options
	// advertisedHost and advertisedPort name this worker in status bodies
	// when set (a worker config's rest.advertised.*).
	advertisedHost string
	advertisedPort int
	// configProviders declares the config providers (--config-providers);
	// providers is what it resolved to.
	configProviders string
	providers       *configprovider.Resolver
	// worker is the --worker-config file, nil without one; kafka holds
	// the franz-go options (security, client.id) of each Kafka client.
	worker *workerconfig.Config
	kafka  kafkaClients
	// secrets are the worker file's and the REST credentials' secret
	// values (daemonSecrets), kept out of logs and traces.
	secrets []string
	// group configures distributed mode (distributed.go); group.id empty:
	// standalone.
	group groupConfig
}

// kafkaClients are the options of sluice's Kafka clients from the worker file.
type kafkaClients struct {
	producer, consumer, admin []kgo.Opt
}

// envInt returns the environment variable's value as a number, or def
// when it is unset or not a number.
func envInt(key string, def int) int {
	if v, ok := os.LookupEnv(key); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	}
	return def
}

// env returns the environment variable's value, or def.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func parseServe(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workerPath := env("SLUICE_WORKER_CONFIG", "")
	fs.StringVar(&workerPath, "worker-config", workerPath, "a Kafka Connect worker properties file: bootstrap.servers, security.protocol, sasl.*, ssl.*, client.id, "+
		"producer./consumer./admin. overrides, offset.storage.topic; flags and SLUICE_* variables override it (SLUICE_WORKER_CONFIG; see docs/security.md)")
	fs.StringVar(&c.listen, "listen", env("SLUICE_LISTEN", ":8083"), "REST listen address (SLUICE_LISTEN)")
	fs.StringVar(&c.dataDir, "data-dir", env("SLUICE_DATA_DIR", "./sluice-data"), "directory for registered connectors (SLUICE_DATA_DIR)")
	fs.StringVar(&c.brokers, "kafka-brokers", env("SLUICE_KAFKA_BROKERS", "127.0.0.1:9092"), "comma-separated Kafka bootstrap servers (SLUICE_KAFKA_BROKERS)")
	fs.StringVar(&c.offsetsTopic, "offsets-topic", env("SLUICE_OFFSETS_TOPIC", "sluice-offsets"), "compacted topic for checkpoints (SLUICE_OFFSETS_TOPIC)")
	fs.StringVar(&c.logLevel, "log-level", env("SLUICE_LOG_LEVEL", "info"), "debug, info, warn or error (SLUICE_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", env("SLUICE_LOG_FORMAT", "text"), "text or json (SLUICE_LOG_FORMAT)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (for profiling; off by default)")
	fs.StringVar(&c.memProfile, "memprofile", "", "write a heap profile (allocations of the whole run) to this file at exit (for profiling; off by default)")
	schemasEnable := env("SLUICE_CONVERTER_SCHEMAS_ENABLE", "false")
	fs.Func("converter-schemas-enable", "the worker's JsonConverter schemas.enable for a connector that names no key.converter / value.converter: "+
		"true wraps keys and values as {schema, payload} (SLUICE_CONVERTER_SCHEMAS_ENABLE, default false; a connector naming the JsonConverter defaults to true)", func(s string) error {
		schemasEnable = s
		return nil
	})
	shutdown := env("SLUICE_SHUTDOWN_TIMEOUT", "60s")
	fs.Func("shutdown-timeout", "how long SIGTERM waits for connectors to commit and stop (SLUICE_SHUTDOWN_TIMEOUT, default 60s)", func(s string) error {
		shutdown = s
		return nil
	})
	groupFlags(fs, &c.group)
	openPaths := securityFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	if err := c.finishSecurity(*openPaths); err != nil {
		errs = append(errs, err)
	}
	if workerPath != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		// The Kafka keys (workerconfig), then the REST keys and the
		// config providers (security.go) of the same, resolved, file.
		if err := c.applyWorkerKafka(workerPath, set, &schemasEnable); err != nil {
			return c, err
		}
		explicit := func(name string) bool {
			return set[name] || os.Getenv("SLUICE_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))) != ""
		}
		if err := c.applyWorker(c.worker.Props, os.Getenv("KAFKA_OPTS"), explicit); err != nil {
			errs = append(errs, fmt.Errorf("worker config %s: %w", workerPath, err))
		}
	}
	if err := c.group.finish(); err != nil {
		errs = append(errs, err)
	}
	c.kafka.dialVia(os.Getenv("SLUICE_TEST_KAFKA_DIAL_VIA"))
	d, err := time.ParseDuration(shutdown)
	if err != nil {
		errs = append(errs, fmt.Errorf("shutdown timeout %q: %w", shutdown, err))
	}
	c.shutdown = d
	if c.schemasEnable, err = strconv.ParseBool(strings.TrimSpace(schemasEnable)); err != nil {
		errs = append(errs, fmt.Errorf("converter schemas enable %q: use true or false", schemasEnable))
	}
	if strings.TrimSpace(c.brokers) == "" {
		errs = append(errs, errors.New("no Kafka bootstrap servers: set --kafka-brokers or SLUICE_KAFKA_BROKERS"))
	}
	switch c.logFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log format %q: use text or json", c.logFormat))
	}
	return c, errors.Join(errs...)
}

// newLogger returns the daemon's named loggers, whose levels GET and PUT
// /admin/loggers show and change; --log-level is the root's level.
func newLogger(c serveConfig, w io.Writer) (*logging.Levels, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		lv, ok := logging.ParseLevel(c.logLevel)
		if !ok {
			return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.logLevel)
		}
		lvl = lv
	}
	// The output lets everything through: the Levels filter.
	o := &slog.HandlerOptions{Level: logging.LevelAll}
	var levels *logging.Levels
	if c.logFormat == "json" {
		levels = logging.New(slog.NewJSONHandler(w, o), lvl)
	} else {
		levels = logging.New(slog.NewTextHandler(w, o), lvl)
	}
	for name, targets := range loggerAliases {
		levels.Alias(name, targets...)
	}
	return levels, nil
}

// loggerAliases let the logger names a Kafka Connect and Debezium user sets
// reach the sluice loggers that do that work, so a runbook's
// PUT /admin/loggers/io.debezium.connector.postgresql still shows the
// Postgres source's debug lines.
var loggerAliases = map[string][]string{
	"io.debezium.connector.postgresql":      {loggerPostgres},
	"io.debezium.connector.mysql":           {loggerMySQL},
	"io.debezium.connector.mariadb":         {loggerMySQL},
	"io.debezium.connector.binlog":          {loggerMySQL},
	"org.apache.kafka.connect.runtime":      {loggerRuntime},
	"org.apache.kafka.connect.runtime.rest": {loggerREST},
	"org.apache.kafka.clients.producer":     {loggerSink},
}

// The loggers of sluice's packages ("sluice." and the package's path in the
// module, with dots), as /admin/loggers names them.
const (
	loggerMain     = "sluice.cmd.sluice"
	loggerRuntime  = "sluice.connectors.runtime"
	loggerREST     = "sluice.connectors.rest"
	loggerPostgres = "sluice.connectors.postgres"
	loggerMySQL    = "sluice.connectors.mysql"
	loggerSink     = "sluice.sinks.kafka"
)

// defaultGCPercent is the GC target of sluice serve unless GOGC is set.
const defaultGCPercent = 60

func serve(args []string, stderr io.Writer) int {
	c, err := parseServe(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluice serve: %v\n", err)
		return 2
	}
	c.secrets = c.daemonSecrets()
	levels, err := newLogger(c, newScrubWriter(stderr, c.secrets))
	if err != nil {
		fmt.Fprintf(stderr, "sluice serve: %v\n", err)
		return 2
	}
	log := levels.Logger(loggerMain)
	// A change stream's live heap is small next to what passes through it,
	// so the garbage collector's target, not the live data, sets the
	// resident size. 60 (Go's default is 100) kept a 1M-row drain at 54 MiB
	// instead of 66 MiB for the same CPU. GOGC overrides it.
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "sluice serve: %v\n", err)
			return 2
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "sluice serve: %v\n", err)
			return 2
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if c.memProfile != "" {
		defer func() {
			f, err := os.Create(c.memProfile)
			if err != nil {
				fmt.Fprintf(stderr, "sluice serve: %v\n", err)
				return
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintf(stderr, "sluice serve: write heap profile: %v\n", err)
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serveUntil(ctx, c, levels); err != nil {
		log.Error("sluice stopped", "err", err)
		return 1
	}
	return 0
}

func serveUntil(ctx context.Context, c serveConfig, levels *logging.Levels) error {
	log := levels.Logger(loggerMain)
	sinkLog := levels.Logger(loggerSink)
	brokers := strings.Split(c.brokers, ",")
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := runtime.NewMetrics(reg)

	if c.worker != nil {
		log.Info("worker config read", "file", c.worker.Path)
		for _, n := range c.worker.Notices() {
			log.Warn("worker config key not honoured", "key", strings.SplitN(n, ": ", 2)[0], "reason", strings.SplitN(n, ": ", 2)[1])
		}
	}
	admCl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, c.kafka.admin...)...)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	cluster := &clusterID{adm: adm}

	// The connectors' signal topics on this Kafka are read through one
	// client (docs/scale.md).
	own := capture.KafkaClient{Brokers: brokers, Opts: c.kafka.consumer}
	own.Reader = capture.NewSignalReader(own)
	defer own.Reader.Close()
	signals := &signalSender{brokers: brokers, opts: c.kafka.producer, adm: adm}
	defer signals.close()
	health := &workerHealth{}
	tlsCfg, err := c.rest.TLSConfig()
	if err != nil {
		return err
	}
	auth, err := restsec.NewAuthenticator(c.rest, levels.Logger(loggerREST))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	wid := c.workerID(ln.Addr())
	var clOpts *runtime.ClusterOptions
	if c.group.id != "" {
		clOpts = &runtime.ClusterOptions{}
	}
	sup := runtime.NewSupervisor(runtime.SupervisorOptions{
		Cluster:  clOpts,
		DataDir:  c.dataDir,
		WorkerID: wid,
		Plugins:  plugins(levels, own),
		NewSink: func(ctx context.Context, connector string, spec runtime.SinkSpec) (sinks.Sink, error) {
			def := spec.Topics.Default()
			s, err := sinkkafka.New(ctx, sinkkafka.Config{
				Brokers:           brokers,
				TransactionalID:   "sluice-" + connector,
				OffsetsTopic:      c.offsetsTopic,
				CheckpointKey:     connector,
				Partitions:        def.Partitions,
				ReplicationFactor: def.ReplicationFactor,
				TopicSpec: func(topic string) sinkkafka.TopicSpec {
					t := spec.Topics.Spec(topic)
					return sinkkafka.TopicSpec{Partitions: t.Partitions, ReplicationFactor: t.ReplicationFactor, Configs: t.Configs}
				},
				// The worker file's security options, then the connector's
				// producer.override.* keys.
				Options: append(append([]kgo.Opt(nil), c.kafka.producer...), producerOptions(spec.Producer)...),
				Logger:  sinkLog.With("connector", connector),
				Admin:   adm,
			})
			// An error that does not say whether it is retryable (a broker
			// out of reach) is; a fenced producer or a refused login is not.
			var says interface{ Retryable() bool }
			if err != nil && !errors.As(err, &says) {
				return nil, runtime.Retryable(err)
			}
			return s, err
		},
		Offsets:    offsetskafka.New(brokers, c.offsetsTopic, c.kafka.consumer...),
		SendSignal: signals.send,
		// A migration from Debezium reads Kafka Connect's offsets topic.
		ConnectOffsets: func(ctx context.Context, topic string, match func([]byte) bool) ([]byte, error) {
			return offsetskafka.New(brokers, topic, c.kafka.consumer...).LoadKey(ctx, match)
		},
		ClusterID: cluster.get,
		Log:       levels.Logger(loggerRuntime),
		Metrics:   metrics,
		Worker:    runtime.WorkerDefaults{ConverterSchemasEnable: c.schemasEnable},
		Providers: c.providers,
		Secrets:   c.secrets,
	})
	var gr *group
	plumbing := groupPlumbing{brokers: brokers, opts: c.kafka.consumer, workerID: wid, url: restURL(wid, tlsCfg != nil), log: levels.Logger(loggerRuntime)}
	if clOpts != nil {
		if gr, err = openGroup(ctx, c.group, plumbing, applyChange(sup)); err != nil {
			ln.Close()
			return err
		}
		clOpts.Config, clOpts.Status = gr.config, statusLog{gr.status}
		clOpts.Rebalance = func() {
			if gr.member != nil {
				gr.member.Rebalance()
			}
		}
	}
	var handler http.Handler = rest.NewHandler(sup, rest.Options{
		Version:  Version,
		Commit:   Commit,
		WorkerID: wid,
		Logger:   levels.Logger(loggerREST),
		Metrics:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Ready:    cluster.ready,
		Health:   health.get,
		Loggers:  restLoggers{levels},
		AsyncAPI: asyncapiDocs(sup, kafkaServer(brokers, c.worker)),
		YAML:     asyncapi.YAML,
	})
	// The web console (/ui) behind the same authentication as the REST API.
	ui := console.New(console.Options{
		Connectors: sup,
		Metrics:    reg,
		Records:    &console.KafkaReader{Brokers: brokers, Opts: c.kafka.consumer, Admin: adm},
		Logger:     levels.Logger(loggerREST),
	})
	if gr != nil {
		handler = gr.forward(handler, ownerOf(sup, wid, tlsCfg != nil), levels.Logger(loggerREST))
	}
	srv := &http.Server{Handler: auth.Wrap(console.Mount(handler, ui)), ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsCfg}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}

	prepareOffsetsTopic(ctx, adm, c, log)
	if err := sup.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	if gr != nil {
		if err := gr.join(c.group, plumbing, sup); err != nil {
			ln.Close()
			return err
		}
		health.group = gr.joined
	}
	health.started(cluster)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("sluice serving", "group", c.group.id, "version", Version, "listen", ln.Addr().String(), "data_dir", c.dataDir, "kafka", c.brokers,
		"rest_tls", tlsCfg != nil, "rest_client_auth", c.rest.ClientAuth, "rest_auth", auth.Enabled(), "config_providers", strings.Join(c.providers.Names(), ","))

	var groupErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("REST server failed", "err", err)
		}
	case <-gr.ended():
		// The worker cannot be in its group: it runs nothing, so it stops
		// and says why.
		log.Error("sluice cannot take part in its group; stopping", "group", c.group.id, "err", gr.runErr)
		groupErr = fmt.Errorf("group %s: %w", c.group.id, gr.runErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdown)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if gr != nil {
		// Stop this worker's connectors and leave the group, so the others
		// take them over at once.
		if err := gr.leave(sctx); err != nil {
			log.Warn("leave the group", "group", c.group.id, "err", err)
		}
	}
	if err := sup.Shutdown(sctx); err != nil {
		return fmt.Errorf("connectors did not stop in %s: %w", c.shutdown, err)
	}
	if groupErr != nil {
		return groupErr
	}
	log.Info("sluice stopped cleanly")
	return nil
}

// offsetsTopicTimeout bounds how long serve waits at start to create the
// offsets topic before it goes on without it.
const offsetsTopicTimeout = 15 * time.Second

// prepareOffsetsTopic creates the compacted offsets topic at start, as Kafka
// Connect creates its offset.storage.topic, so that reading or resetting a
// connector's offsets works before any connector has run. Kafka may still be
// starting: serve then goes on, says so, and the first connector's sink
// creates the topic.
func prepareOffsetsTopic(ctx context.Context, adm *kadm.Client, c serveConfig, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, offsetsTopicTimeout)
	defer cancel()
	if err := sinkkafka.EnsureOffsetsTopic(ctx, adm, c.offsetsTopic, -1); err != nil {
		log.Error("cannot create the offsets topic; connectors will create it when Kafka answers "+
			"(check --kafka-brokers, or create it yourself as a compacted topic)",
			"topic", c.offsetsTopic, "kafka", c.brokers, "err", err)
		return
	}
	if err := sinkkafka.CheckOffsetsTopic(ctx, adm, c.offsetsTopic); err != nil {
		log.Warn("offsets topic", "topic", c.offsetsTopic, "problem", err)
		return
	}
	log.Info("offsets topic ready", "topic", c.offsetsTopic)
}

func workerID(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		host := "127.0.0.1"
		if !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		} else if h, err := os.Hostname(); err == nil {
			host = h
		}
		return net.JoinHostPort(host, fmt.Sprint(ta.Port))
	}
	return a.String()
}

// clusterID caches the Kafka cluster id once it could be read.
type clusterID struct {
	adm *kadm.Client
	mu  sync.Mutex
	id  string
}

func (c *clusterID) load() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id != "" {
		return c.id, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	m, err := c.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	c.id = m.Cluster
	return c.id, nil
}

func (c *clusterID) get() string {
	id, _ := c.load()
	return id
}

func (c *clusterID) ready() error {
	if _, err := c.load(); err != nil {
		return fmt.Errorf("kafka not reachable: %w", err)
	}
	return nil
}

// workerHealth answers GET /health as Kafka Connect does: starting (503)
// until the connectors are loaded and the Kafka cluster has answered once,
// then healthy. Like a Kafka Connect worker, sluice stays healthy when Kafka
// goes away later (GET /readyz reports that): restarting the process would
// not bring Kafka back.
type workerHealth struct {
	mu      sync.Mutex
	cluster *clusterID // set once the connectors are loaded
	healthy bool
	// group (distributed mode) says whether the worker has joined its
	// group; nil in standalone mode.
	group func() error
}

func (w *workerHealth) started(c *clusterID) {
	w.mu.Lock()
	w.cluster = c
	w.mu.Unlock()
}

func (w *workerHealth) get() rest.Health {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.healthy:
		return rest.Health{State: rest.Healthy}
	case w.cluster == nil:
		return rest.Health{State: rest.Starting, Detail: "The registered connectors are being loaded."}
	}
	if err := w.cluster.ready(); err != nil {
		return rest.Health{State: rest.Starting, Detail: "Waiting for the Kafka cluster: " + err.Error()}
	}
	if w.group != nil {
		if err := w.group(); err != nil {
			return rest.Health{State: rest.Starting, Detail: err.Error()}
		}
	}
	w.healthy = true
	return rest.Health{State: rest.Healthy}
}

// restLoggers serves /admin/loggers from the daemon's Levels.
type restLoggers struct{ l *logging.Levels }

func (r restLoggers) Levels() map[string]rest.LoggerLevel {
	out := map[string]rest.LoggerLevel{}
	for name, l := range r.l.Levels() {
		out[name] = loggerLevel(l)
	}
	return out
}

func (r restLoggers) Level(name string) (rest.LoggerLevel, bool) {
	l, ok := r.l.Level(name)
	return loggerLevel(l), ok
}

func (r restLoggers) SetLevel(namespace, level string) []string {
	lvl, ok := logging.ParseLevel(level)
	if !ok {
		// The REST layer accepts only the names ParseLevel knows.
		return nil
	}
	return r.l.SetLevel(namespace, lvl)
}

func loggerLevel(l logging.Level) rest.LoggerLevel {
	out := rest.LoggerLevel{Level: l.Name}
	if !l.Modified.IsZero() {
		ms := l.Modified.UnixMilli()
		out.LastModified = &ms
	}
	return out
}
