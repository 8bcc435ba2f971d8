package logging

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"log/slog"
)

// Root is the name of the root logger.
const Root = "root"

// ConnectorPrefix starts the name of a connector's logger.
const ConnectorPrefix = "connector."

// connectorAttr is the attribute that names a record's connector.
const connectorAttr = "connector"

// Levels Kafka Connect (log4j) names, as slog levels. TRACE is below slog's
// DEBUG; OFF and ALL are the extremes.
const (
	LevelAll   = slog.Level(math.MinInt32)
	LevelTrace = slog.Level(-8)
	LevelFatal = slog.Level(12)
	LevelOff   = slog.Level(math.MaxInt32)
)

// ParseLevel returns the slog level of a log4j level name (OFF, FATAL,
// ERROR, WARN, INFO, DEBUG, TRACE, ALL; any case).
func ParseLevel(name string) (slog.Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "OFF":
		return LevelOff, true
	case "FATAL":
		return LevelFatal, true
	case "ERROR":
		return slog.LevelError, true
	case "WARN":
		return slog.LevelWarn, true
	case "INFO":
		return slog.LevelInfo, true
	case "DEBUG":
		return slog.LevelDebug, true
	case "TRACE":
		return LevelTrace, true
	case "ALL":
		return LevelAll, true
	}
	return 0, false
}

// LevelName returns the log4j name of a slog level: the highest named level
// at or below it (slog's DEBUG+2 is DEBUG, DEBUG-2 is TRACE).
func LevelName(l slog.Level) string {
	switch {
	case l <= LevelAll:
		return "ALL"
	case l < slog.LevelDebug:
		return "TRACE"
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARN"
	case l < LevelFatal:
		return "ERROR"
	case l < LevelOff:
		return "FATAL"
	}
	return "OFF"
}

// Level is a logger's level as GET /admin/loggers shows it.
type Level struct {
	Name string // log4j name
	// Modified is when SetLevel last changed it; zero if never.
	Modified time.Time
}

// node is one named logger.
type node struct {
	name string
	// level is the effective level; explicit says whether it was set on
	// this logger (else it follows its ancestors). Written under
	// Levels.mu, read without it.
	level    atomic.Int64
	explicit bool
	modified time.Time
}

// Levels is a set of named loggers writing to one output handler.
type Levels struct {
	out slog.Handler
	now func() time.Time

	mu    sync.Mutex
	nodes map[string]*node // by name; the root is under Root
	// aliases maps a foreign logger name to the loggers it stands for
	// (see Alias).
	aliases map[string][]string
	// minConnector is the lowest level of any connector logger, so a
	// handler with no bound connector can tell cheaply whether a record's
	// own connector attribute could let it through.
	minConnector atomic.Int64
}

// New returns loggers that write to out at root level root. out's own level
// should let everything through: Levels does the filtering.
func New(out slog.Handler, root slog.Level) *Levels {
	l := &Levels{out: out, now: time.Now, nodes: map[string]*node{}}
	r := &node{name: Root, explicit: true}
	r.level.Store(int64(root))
	l.nodes[Root] = r
	l.minConnector.Store(int64(LevelOff))
	return l
}

// Logger returns the logger called name, creating it if needed.
func (l *Levels) Logger(name string) *slog.Logger {
	return slog.New(&handler{lv: l, out: l.out, pkg: l.node(name)})
}

// node returns the logger called name, creating it with its ancestor's
// level if needed.
func (l *Levels) node(name string) *node {
	if strings.EqualFold(name, Root) || name == "" {
		name = Root
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nodeLocked(name)
}

func (l *Levels) nodeLocked(name string) *node {
	if n, ok := l.nodes[name]; ok {
		return n
	}
	n := &node{name: name}
	n.level.Store(int64(l.inheritedLocked(name)))
	l.nodes[name] = n
	if strings.HasPrefix(name, ConnectorPrefix) {
		l.minConnector.Store(min(l.minConnector.Load(), n.level.Load()))
	}
	return n
}

// inheritedLocked is the level a new logger called name takes: that of its
// nearest ancestor with a level of its own, else the root's.
func (l *Levels) inheritedLocked(name string) slog.Level {
	for p := name; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
		if n, ok := l.nodes[p]; ok && n.explicit {
			return slog.Level(n.level.Load())
		}
	}
	return slog.Level(l.nodes[Root].level.Load())
}

// under reports whether logger name is namespace or below it.
func under(name, namespace string) bool {
	return namespace == Root || name == namespace || strings.HasPrefix(name, namespace+".")
}

// Levels returns every logger's level by name, leaving out loggers that are
// OFF, as Kafka Connect does.
func (l *Levels) Levels() map[string]Level {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]Level, len(l.nodes))
	for name, n := range l.nodes {
		if slog.Level(n.level.Load()) >= LevelOff {
			continue
		}
		out[name] = Level{Name: LevelName(slog.Level(n.level.Load())), Modified: n.modified}
	}
	return out
}

// Level returns one logger's level; "root" (any case) is the root. ok is
// false if there is no such logger.
func (l *Levels) Level(name string) (Level, bool) {
	if strings.EqualFold(name, Root) || name == "" {
		name = Root
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n, ok := l.nodes[name]
	if !ok {
		return Level{}, false
	}
	return Level{Name: LevelName(slog.Level(n.level.Load())), Modified: n.modified}, true
}

// Alias makes name stand for the loggers targets: setting a level on name,
// or on a namespace above it, also sets it on each target and the loggers
// under it. It lets the names a Kafka Connect user knows
// ("io.debezium.connector.postgresql") reach sluice's loggers.
func (l *Levels) Alias(name string, targets ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aliases == nil {
		l.aliases = map[string][]string{}
	}
	l.aliases[name] = append(l.aliases[name], targets...)
}

// SetLevel sets level on namespace's logger (created if missing) and every
// logger under it, and on the loggers its aliases stand for (see Alias), and
// returns the names of those whose level changed, sorted; their
// modification time is now. "root" sets every logger.
func (l *Levels) SetLevel(namespace string, level slog.Level) []string {
	if strings.EqualFold(namespace, Root) || namespace == "" {
		namespace = Root
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nodeLocked(namespace)
	namespaces := []string{namespace}
	if namespace != Root {
		for alias, targets := range l.aliases {
			if under(alias, namespace) {
				for _, t := range targets {
					l.nodeLocked(t)
					namespaces = append(namespaces, t)
				}
			}
		}
	}
	now := l.now()
	var changed []string
	minConn := int64(LevelOff)
	for name, n := range l.nodes {
		if slices.ContainsFunc(namespaces, func(ns string) bool { return under(name, ns) }) {
			if LevelName(slog.Level(n.level.Load())) != LevelName(level) {
				changed = append(changed, name)
				n.modified = now
			}
			n.level.Store(int64(level))
			n.explicit = true
		}
		if strings.HasPrefix(name, ConnectorPrefix) {
			minConn = min(minConn, n.level.Load())
		}
	}
	l.minConnector.Store(minConn)
	slices.Sort(changed)
	return changed
}

// connectorNode returns the logger of a connector, creating it if needed.
func (l *Levels) connectorNode(connector string) *node {
	return l.node(ConnectorPrefix + connector)
}

// lookupConnector returns a connector's logger, or nil if it has none.
func (l *Levels) lookupConnector(connector string) *node {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nodes[ConnectorPrefix+connector]
}

// handler routes records of one package logger (and possibly one
// connector) to the output handler.
type handler struct {
	lv   *Levels
	out  slog.Handler
	pkg  *node
	conn *node // bound with With("connector", name); nil if none
	// grouped is set once a group is open: attributes then no longer name
	// the connector.
	grouped bool
}

func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	l := int64(level)
	if l >= h.pkg.level.Load() {
		return true
	}
	if h.conn != nil {
		return l >= h.conn.level.Load()
	}
	// The record may name its connector itself; Handle checks.
	return !h.grouped && l >= h.lv.minConnector.Load()
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	l := int64(r.Level)
	if l >= h.pkg.level.Load() || h.conn != nil && l >= h.conn.level.Load() {
		return h.out.Handle(ctx, r)
	}
	if h.conn != nil || h.grouped {
		return nil
	}
	pass := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != connectorAttr {
			return true
		}
		if n := h.lv.lookupConnector(a.Value.String()); n != nil && l >= n.level.Load() {
			pass = true
		}
		return false
	})
	if !pass {
		return nil
	}
	return h.out.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.out = h.out.WithAttrs(attrs)
	if !h.grouped {
		for _, a := range attrs {
			if a.Key == connectorAttr {
				h2.conn = h.lv.connectorNode(a.Value.String())
			}
		}
	}
	return &h2
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.out = h.out.WithGroup(name)
	h2.grouped = true
	return &h2
}
