package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
	"github.com/siddontang/go-log/log"
)

// The MySQL limit: how fast the server itself streams the backlog's binlog
// range, measured by two readers that do nothing with the changes.

// runMariadbBinlog copies the binlog range [from, to) with
// `mariadb-binlog --read-from-remote-server --raw` into a scratch directory
// and returns the time from start to exit and the bytes it wrote. files are
// the binlog files from from.File to to.File; --stop-position applies to the
// last, --start-position to the first.
func runMariadbBinlog(ctx context.Context, bin string, p myParams, files []string, from, to binlogPos, serverID uint32) (measure, int64, error) {
	dir, err := os.MkdirTemp("", "sluice-bench-binlog-")
	if err != nil {
		return measure{}, 0, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, bin, mariadbBinlogArgs(p, dir, files, from, to, serverID)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	u, err := runMeasured(cmd, true)
	d := time.Since(t0)
	if err != nil {
		return measure{}, 0, fmt.Errorf("%s: %w: %s", filepath.Base(bin), err, bytes.TrimSpace(stderr.Bytes()))
	}
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return measure{Wall: d, Usage: u}, n, nil
}

// mariadbBinlogArgs is the command line of runMariadbBinlog.
func mariadbBinlogArgs(p myParams, dir string, files []string, from, to binlogPos, serverID uint32) []string {
	args := []string{
		"--read-from-remote-server", "--raw",
		"--host", p.Host, "--port", p.Port, "--user", p.User, "--password=" + p.Password,
		"--result-file=" + dir + "/",
		"--stop-never-slave-server-id=" + strconv.FormatUint(uint64(serverID), 10),
		"--start-position=" + strconv.FormatUint(uint64(from.Pos), 10),
		"--stop-position=" + strconv.FormatUint(uint64(to.Pos), 10),
	}
	return append(args, files...)
}

// runMyReader runs this program's myreader mode in a child process on the
// binlog from `from`, until it has decoded rows rows of table.
func runMyReader(ctx context.Context, p myParams, from, to binlogPos, table string, rows int, serverID uint32) (measure, error) {
	self, err := os.Executable()
	if err != nil {
		return measure{}, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, self, "myreader", "-host", p.Host, "-port", p.Port, "-user", p.User,
		"-password", p.Password, "-server-id", strconv.FormatUint(uint64(serverID), 10),
		"-file", from.File, "-pos", strconv.FormatUint(uint64(from.Pos), 10),
		"-end-file", to.File, "-end-pos", strconv.FormatUint(uint64(to.Pos), 10),
		"-table", table, "-rows", strconv.Itoa(rows))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	u, err := runMeasured(cmd, false)
	d := time.Since(t0)
	if err != nil {
		return measure{}, fmt.Errorf("go-mysql reader: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res readerResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return measure{}, fmt.Errorf("go-mysql reader output %q: %w", stdout.String(), err)
	}
	if res.Rows != rows {
		return measure{}, fmt.Errorf("go-mysql reader decoded %d rows, want %d", res.Rows, rows)
	}
	u.PeakRSS = res.PeakRSS
	return measure{Wall: d, Usage: u, Records: res.Rows}, nil
}

// myReaderMain is the myreader mode: a minimal go-mysql BinlogSyncer client
// that decodes every event (every row of every rows event into Go values,
// go-mysql's default) and does nothing else. It stops at the first commit
// once it has decoded -rows rows of -table.
func myReaderMain(args []string) error {
	fs := flag.NewFlagSet("myreader", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "")
	port := fs.Int("port", 3306, "")
	user := fs.String("user", "root", "")
	password := fs.String("password", "", "")
	serverID := fs.Uint("server-id", 0, "replica server id")
	file := fs.String("file", "", "start binlog file")
	pos := fs.Uint("pos", 4, "start position")
	endFile := fs.String("end-file", "", "end binlog file")
	endPos := fs.Uint("end-pos", 0, "end position")
	table := fs.String("table", "", "db.table whose rows are counted")
	want := fs.Int("rows", 0, "rows to decode")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// go-mysql logs to stdout by default; stdout is the result.
	logs, err := log.NewStreamHandler(os.Stderr)
	if err != nil {
		return err
	}
	cfg := replication.BinlogSyncerConfig{
		Logger:           log.NewDefault(logs),
		ServerID:         uint32(*serverID),
		Flavor:           gomysql.MariaDBFlavor,
		Host:             *host,
		Port:             uint16(*port),
		User:             *user,
		Password:         *password,
		Charset:          "utf8mb4",
		DisableRetrySync: true,
		UseDecimal:       true,
	}
	syncer := replication.NewBinlogSyncer(cfg)
	defer syncer.Close()
	streamer, err := syncer.StartSync(gomysql.Position{Name: *file, Pos: uint32(*pos)})
	if err != nil {
		return fmt.Errorf("start binlog dump: %w", err)
	}
	var res readerResult
	var sink int
	cur := *file
	for {
		ev, err := streamer.GetEvent(ctx)
		if err != nil {
			return fmt.Errorf("read (after %d rows): %w", res.Rows, err)
		}
		res.Messages++
		res.Bytes += int64(ev.Header.EventSize)
		switch e := ev.Event.(type) {
		case *replication.RotateEvent:
			cur = string(e.NextLogName)
		case *replication.RowsEvent:
			if e.Table != nil && string(e.Table.Schema)+"."+string(e.Table.Table) == *table {
				res.Rows += len(e.Rows)
				for _, r := range e.Rows {
					sink += len(r)
				}
			}
		case *replication.XIDEvent:
			// The table is the run's own: the commit after its last row
			// ends the backlog. (The end position is only a sanity check:
			// after a transaction that filled a file, SHOW MASTER STATUS
			// already names the next file.)
			if res.Rows >= *want {
				if !pastEnd(cur, ev.Header.LogPos, *endFile, uint32(*endPos)) && cur == *endFile {
					return fmt.Errorf("every row decoded at %s:%d, before the end %s:%d", cur, ev.Header.LogPos, *endFile, *endPos)
				}
				if sink < 0 {
					return errors.New("impossible")
				}
				return json.NewEncoder(os.Stdout).Encode(withPeak(res))
			}
		}
	}
}

// pastEnd reports whether (file, pos) is at or past (endFile, endPos).
// Binlog file names sort in order (fixed-width sequence numbers).
func pastEnd(file string, pos uint32, endFile string, endPos uint32) bool {
	return file > endFile || (file == endFile && pos >= endPos)
}
