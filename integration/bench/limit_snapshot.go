package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// The snapshot's read limit: how fast the database hands out the table,
// read whole in one statement into a writer that discards it. Each reader
// runs in its own process (a mode of this program), so its CPU and memory
// are its own, and is timed from process start to exit.

// snapshotReadQuery is the statement the read limits run: every column of
// every row, in the order the heap holds them (no ORDER BY: the fastest
// read there is, which is what a limit is).
func snapshotReadQuery(table string) string {
	return "SELECT id, stamp_ns, payload FROM " + table
}

// runReadLimit runs mode (pgcopy or myselect) with args and checks that it
// read rows rows.
func runReadLimit(ctx context.Context, rows int, mode string, args ...string) (measure, error) {
	self, err := os.Executable()
	if err != nil {
		return measure{}, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, self, append([]string{mode}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	u, err := runMeasured(cmd, false)
	d := time.Since(t0)
	if err != nil {
		return measure{}, fmt.Errorf("%s: %w: %s", mode, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res readerResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return measure{}, fmt.Errorf("%s output %q: %w", mode, stdout.String(), err)
	}
	if res.Rows != rows {
		return measure{}, fmt.Errorf("%s read %d rows, want %d", mode, res.Rows, rows)
	}
	u.PeakRSS = res.PeakRSS
	return measure{Wall: d, Usage: u, Records: res.Rows}, nil
}

// countingDiscard is io.Discard that counts bytes and COPY text lines.
type countingDiscard struct {
	bytes int64
	lines int
}

func (w *countingDiscard) Write(p []byte) (int, error) {
	w.bytes += int64(len(p))
	w.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// pgCopyMain is the pgcopy mode: COPY (SELECT …) TO STDOUT through pgx's
// connection into a discarding writer.
func pgCopyMain(args []string) error {
	fs := flag.NewFlagSet("pgcopy", flag.ContinueOnError)
	dsn := fs.String("dsn", "", "database URL")
	table := fs.String("table", "", "table, schema-qualified")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, *dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var w countingDiscard
	tag, err := conn.CopyTo(ctx, io.Writer(&w), "COPY ("+snapshotReadQuery(*table)+") TO STDOUT")
	if err != nil {
		return err
	}
	if int64(w.lines) != tag.RowsAffected() {
		return fmt.Errorf("COPY said %d rows, %d lines arrived", tag.RowsAffected(), w.lines)
	}
	return json.NewEncoder(os.Stdout).Encode(withPeak(readerResult{Rows: w.lines, Bytes: w.bytes}))
}

// mySelectMain is the myselect mode: the SELECT streamed through
// go-mysql's client (ExecuteSelectStreaming, each row decoded into Go
// values, go-mysql's default) into nothing.
func mySelectMain(args []string) error {
	fs := flag.NewFlagSet("myselect", flag.ContinueOnError)
	addr := fs.String("addr", "", "host:port")
	user := fs.String("user", "", "user")
	password := fs.String("password", "", "password")
	table := fs.String("table", "", "table, database-qualified")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := client.Connect(*addr, *user, *password, "")
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	var res readerResult
	var result gomysql.Result
	err = c.ExecuteSelectStreaming(snapshotReadQuery(*table), &result, func(row []gomysql.FieldValue) error {
		res.Rows++
		for _, v := range row {
			if v.Type == gomysql.FieldValueTypeString {
				res.Bytes += int64(len(v.AsString()))
			} else {
				res.Bytes += 8
			}
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(withPeak(res))
}
