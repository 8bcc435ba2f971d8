package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// The limit: how fast the database itself decodes the backlog, measured by
// two readers that do nothing with the changes. Each drains its own slot.

// runRecvlogical drains slot to /dev/null with pg_recvlogical and pgoutput,
// stopping at endpos.
func runRecvlogical(ctx context.Context, pgBin, dsn, slot, pub, endpos string) (measure, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(pgBin, "pg_recvlogical"),
		"-d", dsn, "--slot", slot, "--start", "--no-loop",
		"--endpos", endpos, "-F", "0",
		"-o", "proto_version=1", "-o", "publication_names="+pub,
		"-f", "/dev/null")
	cmd.Stderr = &stderr
	t0 := time.Now()
	u, err := runMeasured(cmd, true)
	d := time.Since(t0)
	if err != nil {
		return measure{}, fmt.Errorf("pg_recvlogical: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return measure{Wall: d, Usage: u}, nil
}

// runPgReader runs this program's pgreader mode in a child process (so its
// CPU and memory are its own) on slot, until it has decoded rows rows.
func runPgReader(ctx context.Context, dsn, slot, pub, endpos string, rows int) (measure, error) {
	self, err := os.Executable()
	if err != nil {
		return measure{}, err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, self, "pgreader", "-dsn", dsn, "-slot", slot, "-pub", pub,
		"-endpos", endpos, "-rows", fmt.Sprint(rows))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	u, err := runMeasured(cmd, false)
	d := time.Since(t0)
	if err != nil {
		return measure{}, fmt.Errorf("pglogrepl reader: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res readerResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return measure{}, fmt.Errorf("pglogrepl reader output %q: %w", stdout.String(), err)
	}
	if res.Rows != rows {
		return measure{}, fmt.Errorf("pglogrepl reader decoded %d rows, want %d", res.Rows, rows)
	}
	u.PeakRSS = res.PeakRSS
	return measure{Wall: d, Usage: u, Records: res.Rows}, nil
}

type readerResult struct {
	Rows     int   `json:"rows"`
	Messages int   `json:"messages"`
	Bytes    int64 `json:"bytes"`
	// PeakRSS is the reader's own VmHWM at its end, read by itself so that
	// nothing watches it while it runs.
	PeakRSS int64 `json:"peak_rss"`
}

// withPeak fills res.PeakRSS from this process's /proc status.
func withPeak(res readerResult) readerResult {
	if u, err := procUsage(os.Getpid()); err == nil {
		res.PeakRSS = u.PeakRSS
	}
	return res
}

// pgReaderMain is the pgreader mode: a minimal pglogrepl client that parses
// every pgoutput message and decodes every column of every inserted row with
// pgtype, and does nothing else.
func pgReaderMain(args []string) error {
	fs := flag.NewFlagSet("pgreader", flag.ContinueOnError)
	dsn := fs.String("dsn", "", "database URL")
	slot := fs.String("slot", "", "replication slot")
	pub := fs.String("pub", "", "publication")
	endposS := fs.String("endpos", "", "stop once the server is past this LSN and -rows are decoded")
	want := fs.Int("rows", 0, "rows to decode")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	endpos, err := pglogrepl.ParseLSN(*endposS)
	if err != nil {
		return fmt.Errorf("-endpos: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	cfg, err := pgconn.ParseConfig(*dsn)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["replication"] = "database"
	// Read the socket in large chunks, not pgproto3's 8 KiB, and the way
	// sluice's Postgres source reads it (connectors/postgres, patientReader):
	// after a read that found less than 32 KiB, wait 0.5 ms so that the
	// next read takes many messages at once.
	cfg.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(bufio.NewReaderSize(&slowReader{r: r}, 4<<20), w)
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	stopClose := context.AfterFunc(ctx, func() { _ = conn.Conn().Close() })
	defer stopClose()
	err = pglogrepl.StartReplication(ctx, conn, *slot, 0, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", fmt.Sprintf("publication_names '%s'", *pub)},
	})
	if err != nil {
		return fmt.Errorf("start replication: %w", err)
	}

	types := pgtype.NewMap()
	rels := map[uint32]*pglogrepl.RelationMessage{}
	var res readerResult
	var walPos pglogrepl.LSN
	var sink int // keeps the decoded values alive
	nextStatus := time.Now().Add(5 * time.Second)
	for {
		if time.Now().After(nextStatus) {
			if err := pglogrepl.SendStandbyStatusUpdate(ctx, conn, pglogrepl.StandbyStatusUpdate{WALWritePosition: walPos}); err != nil {
				return err
			}
			nextStatus = time.Now().Add(5 * time.Second)
		}
		raw, err := conn.ReceiveMessage(context.Background()) // no per-message context watcher; the timeout closes the socket
		if err != nil {
			return fmt.Errorf("receive (after %d rows): %w", res.Rows, err)
		}
		cd, ok := raw.(*pgproto3.CopyData)
		if !ok {
			if e, ok := raw.(*pgproto3.ErrorResponse); ok {
				return pgconn.ErrorResponseToPgError(e)
			}
			continue
		}
		res.Bytes += int64(len(cd.Data))
		switch cd.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(cd.Data[1:])
			if err != nil {
				return err
			}
			if ka.ServerWALEnd >= endpos && res.Rows >= *want {
				return finish(res, sink)
			}
			if ka.ReplyRequested {
				nextStatus = time.Time{}
			}
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(cd.Data[1:])
			if err != nil {
				return err
			}
			walPos = xld.WALStart
			msg, err := pglogrepl.Parse(xld.WALData)
			if err != nil {
				return fmt.Errorf("parse: %w", err)
			}
			res.Messages++
			switch m := msg.(type) {
			case *pglogrepl.RelationMessage:
				rels[m.RelationID] = m
			case *pglogrepl.InsertMessage:
				n, err := decodeTuple(types, rels[m.RelationID], m.Tuple)
				if err != nil {
					return err
				}
				sink += n
				res.Rows++
			case *pglogrepl.UpdateMessage:
				n, err := decodeTuple(types, rels[m.RelationID], m.NewTuple)
				if err != nil {
					return err
				}
				sink += n
				res.Rows++
			case *pglogrepl.CommitMessage:
				// The table is the run's own: its last row ends the backlog.
				if res.Rows >= *want {
					return finish(res, sink)
				}
			}
		}
	}
}

// slowReader waits 0.5 ms before a read when the last one found less than
// 32 KiB.
type slowReader struct {
	r     io.Reader
	small bool
}

func (p *slowReader) Read(b []byte) (int, error) {
	if p.small {
		time.Sleep(500 * time.Microsecond)
	}
	n, err := p.r.Read(b)
	p.small = n < 32<<10 && n < len(b)
	return n, err
}

func finish(res readerResult, sink int) error {
	if sink < 0 {
		return errors.New("impossible")
	}
	return json.NewEncoder(os.Stdout).Encode(withPeak(res))
}

// decodeTuple turns every text column into its Go value and returns how many
// it decoded.
func decodeTuple(types *pgtype.Map, rel *pglogrepl.RelationMessage, t *pglogrepl.TupleData) (int, error) {
	if rel == nil {
		return 0, errors.New("row before its relation message")
	}
	if t == nil {
		return 0, nil
	}
	n := 0
	for i, c := range t.Columns {
		if c.DataType != pglogrepl.TupleDataTypeText {
			continue
		}
		oid := rel.Columns[i].DataType
		if dt, ok := types.TypeForOID(oid); ok {
			v, err := dt.Codec.DecodeValue(types, oid, pgtype.TextFormatCode, c.Data)
			if err != nil {
				return n, fmt.Errorf("decode %s: %w", rel.Columns[i].Name, err)
			}
			if v != nil {
				n++
			}
		} else {
			n += len(string(c.Data)) & 1
		}
	}
	return n, nil
}
