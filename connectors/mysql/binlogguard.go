package mysql

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// The binlog watch: how many bytes of the server's binlog follow the
// connector's committed position, read every sluice.binlog.check.interval.ms
// whether the task runs or not (capture.Guard; the runtime shows it as
// sluice_binlog_bytes_behind), and a warning when the binlog file the
// position is in has been purged (the connector then needs a new
// snapshot). The binlog, unlike a Postgres slot, is not kept for the
// connector: the server purges it by its own expiry settings.

const binlogEveryKey = "sluice.binlog.check.interval.ms"

var binlogGuardDefs = cd.Grouped("sluice",
	cd.Key{Name: binlogEveryKey, Type: cd.Int, Default: cd.Def("10000"), Importance: cd.Low, Width: cd.WidthShort, Display: "Binlog check interval (ms)",
		Doc: "How often sluice reads the server's binlog files (SHOW BINARY LOGS) to report how many bytes of binlog follow the connector's committed position (sluice_binlog_bytes_behind), and to warn when the file it is in has been purged."},
)

func init() { ConfigKeys = append(ConfigKeys, binlogEveryKey) }

// Guard returns the binlog watch of the connector, nil when it does not
// stream (snapshot.mode=initial_only and its kin).
func (s *Source) Guard() capture.Guard {
	if !s.cfg.Capture.Policy.Stream {
		return nil
	}
	return &binlogGuard{cfg: s.cfg}
}

type binlogGuard struct {
	cfg Config

	mu sync.Mutex
	tx uint64 // the greatest committed streaming position's Tx; 0: none yet
}

func (g *binlogGuard) Every() time.Duration { return g.cfg.BinlogCheckEvery }

// Committed takes a committed position; snapshot positions say nothing of
// the binlog.
func (g *binlogGuard) Committed(pos change.Position) {
	if pos.Snapshot || pos.Tx == 0 {
		return
	}
	g.mu.Lock()
	g.tx = max(g.tx, pos.Tx)
	g.mu.Unlock()
}

// Release: the binlog holds nothing for the connector.
func (g *binlogGuard) Release(context.Context) error { return nil }

func (g *binlogGuard) Check(ctx context.Context) (capture.GuardReport, error) {
	rep := capture.GuardReport{Retained: -1, Safe: -1, Behind: -1}
	g.mu.Lock()
	tx := g.tx
	g.mu.Unlock()
	if tx == 0 {
		return rep, nil
	}
	files, err := binlogsShared(ctx, &g.cfg, g.cfg.BinlogCheckEvery/2)
	if err != nil {
		return rep, err
	}
	return judgeBinlog(tx, files), nil
}

// serverBinlogs is what one server said of its binlog files, shared by
// the watches of the connectors that log in to it the same way: one
// connection and query per interval serve them all.
type serverBinlogs struct {
	mu    sync.Mutex
	at    time.Time
	files []binlogFile
}

type serverKey struct {
	addr, user, password, sslMode string
}

var binlogCache = struct {
	mu sync.Mutex
	m  map[serverKey]*serverBinlogs
}{m: map[serverKey]*serverBinlogs{}}

// binlogsShared returns the server's binlog files as it last listed them,
// asking again when that is older than maxAge.
func binlogsShared(ctx context.Context, cfg *Config, maxAge time.Duration) ([]binlogFile, error) {
	k := serverKey{cfg.Addr(), cfg.User, cfg.Password, cfg.SSLMode}
	binlogCache.mu.Lock()
	sb := binlogCache.m[k]
	if sb == nil {
		sb = &serverBinlogs{}
		binlogCache.m[k] = sb
	}
	binlogCache.mu.Unlock()
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.files == nil || time.Since(sb.at) > maxAge {
		c := *cfg
		q, err := dial(ctx, &c)
		if err != nil {
			return nil, &ConnError{Op: "connect to read the binary logs", Err: err}
		}
		files, err := binlogSizes(q)
		q.Close()
		if err != nil {
			return nil, err
		}
		sb.files, sb.at = files, time.Now()
	}
	return sb.files, nil
}

// binlogFile is a row of SHOW BINARY LOGS.
type binlogFile struct {
	name string
	seq  uint64
	size int64
}

func binlogSizes(q *client.Conn) ([]binlogFile, error) {
	r, err := q.Execute("SHOW BINARY LOGS")
	if err != nil {
		return nil, &ConnError{Op: "list binary logs", Err: err}
	}
	var out []binlogFile
	for i := range r.Values {
		name, _ := r.GetString(i, 0)
		size, _ := r.GetInt(i, 1)
		seq, err := fileSeq(name)
		if err != nil {
			continue
		}
		out = append(out, binlogFile{name: name, seq: seq, size: size})
	}
	return out, nil
}

// judgeBinlog counts the bytes of files after the position tx (file
// sequence << 32 | offset of the committed transaction's first event), and
// warns when its file is gone.
func judgeBinlog(tx uint64, files []binlogFile) capture.GuardReport {
	rep := capture.GuardReport{Retained: -1, Safe: -1, Behind: -1}
	seq, off := tx>>32, int64(tx&0xffffffff)
	if len(files) == 0 {
		return rep
	}
	if seq < files[0].seq {
		rep.Warnings = []string{fmt.Sprintf("the server has purged the binlog file the connector's committed position is in (sequence %d; its oldest file is %s): "+
			"the changes since the last checkpoint can no longer be read; a new snapshot is needed: stop the connector, delete its offsets (DELETE /connectors/<name>/offsets) and resume it, "+
			"or set snapshot.mode=when_needed; keep the binlog longer (binlog_expire_logs_seconds, expire_logs_days) so that this does not recur", seq, files[0].name)}
		return rep
	}
	var behind int64
	for _, f := range files {
		switch {
		case f.seq == seq:
			behind += max(f.size-off, 0)
		case f.seq > seq:
			behind += f.size
		}
	}
	rep.Behind = behind
	return rep
}

// parseBinlogGuard reads the watch's interval.
func parseBinlogGuard(p *cd.Parser) time.Duration {
	return time.Duration(p.IntIn(binlogEveryKey, 10_000, 100, 3_600_000)) * time.Millisecond
}
