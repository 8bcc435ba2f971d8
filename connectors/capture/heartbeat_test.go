package capture

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestHeartbeatClockWait: the wait of a blocking reader ends at the next
// heartbeat and says so; a parent that ends is not a heartbeat; with the
// interval zero the clock never fires.
func TestHeartbeatClockWait(t *testing.T) {
	c := NewHeartbeatClock(20 * time.Millisecond)
	parent, cancel := context.WithCancel(context.Background())
	c.Start(parent)
	defer c.Stop()
	if c.Fired() {
		t.Fatal("fired at once")
	}
	<-c.Wait().Done()
	if !c.Fired() {
		t.Fatal("the wait ended without the clock firing")
	}
	c.Reset()
	if c.Fired() || c.Wait().Err() != nil {
		t.Fatal("Reset did not start a new wait")
	}
	cancel()
	<-c.Wait().Done()
	if c.Fired() {
		t.Error("the parent's end counted as a heartbeat")
	}

	off := NewHeartbeatClock(0)
	p2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	off.Start(p2)
	defer off.Stop()
	if off.Wait() != p2 {
		t.Error("heartbeats off: the wait is not the parent's")
	}
	<-off.Wait().Done()
	if off.Fired() {
		t.Error("heartbeats off: fired")
	}
}

// TestHeartbeatClockTick: Tick calls tick every interval until it fails,
// and the due flag is what the callers make of it.
func TestHeartbeatClockTick(t *testing.T) {
	c := NewHeartbeatClock(time.Millisecond)
	stop := errors.New("stop")
	n := 0
	err := c.Tick(context.Background(), func(context.Context) error {
		n++
		c.SetDue()
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("Tick: %v after %d ticks, want stop after 3", err, n)
	}
	if !c.Due() {
		t.Error("not due after SetDue")
	}
	c.Emitted()
	if c.Due() {
		t.Error("due after Emitted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Tick(ctx, func(context.Context) error { return stop }); err != nil {
		t.Errorf("Tick with ctx ended: %v, want nil", err)
	}
}

type fakeConn struct {
	err    error
	ran    []string
	closed bool
}

func (f *fakeConn) Exec(_ context.Context, q string) error { f.ran = append(f.ran, q); return f.err }
func (f *fakeConn) Close()                                 { f.closed = true }

// TestHeartbeatAction: Debezium's policy for heartbeat.action.query, over
// the outcomes a source's Classify gives.
func TestHeartbeatAction(t *testing.T) {
	serverErr := errors.New("server says no")
	fatalErr := errors.New("fatal")
	lost := errors.New("connection reset")
	classify := func(err error) (string, bool, error) {
		switch err {
		case serverErr:
			return "42000", true, nil
		case fatalErr:
			return "42P01", true, err
		}
		return "", false, nil
	}
	for _, tc := range []struct {
		name       string
		query      string
		connectErr error
		execErr    error
		wantErr    error
		wantRuns   int
		wantClosed bool
		wantLog    string
		keepsConn  bool
	}{
		{"no query", "", nil, nil, nil, 0, false, "", false},
		{"runs", "UPDATE hb SET t = now()", nil, nil, nil, 1, false, "heartbeat action query executed", true},
		{"cannot connect", "q", errors.New("refused"), nil, nil, 0, false, "cannot connect; trying again at the next heartbeat", false},
		{"server error goes on", "q", nil, serverErr, nil, 1, false, "the heartbeat goes on", true},
		{"fatal", "q", nil, fatalErr, fatalErr, 1, true, "", false},
		{"lost connection", "q", nil, lost, nil, 1, true, "reconnecting at the next heartbeat", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			conn := &fakeConn{err: tc.execErr}
			connects := 0
			a := &HeartbeatAction{
				Query: tc.query,
				Log:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Connect: func(context.Context) (ActionConn, error) {
					connects++
					if tc.connectErr != nil {
						return nil, tc.connectErr
					}
					return conn, nil
				},
				Classify: classify,
			}
			err := a.Run(context.Background())
			if err != tc.wantErr {
				t.Errorf("Run: %v, want %v", err, tc.wantErr)
			}
			if len(conn.ran) != tc.wantRuns || conn.closed != tc.wantClosed {
				t.Errorf("ran %q, closed %v; want %d runs, closed %v", conn.ran, conn.closed, tc.wantRuns, tc.wantClosed)
			}
			if !strings.Contains(logs.String(), tc.wantLog) || tc.wantLog == "" && logs.Len() > 0 {
				t.Errorf("log %q, want %q", logs.String(), tc.wantLog)
			}
			// The next heartbeat reuses the connection, or connects again.
			before := connects
			conn.err = nil
			_ = a.Run(context.Background())
			if tc.query != "" && (connects == before) != tc.keepsConn {
				t.Errorf("second run: connected again %v, want %v", connects > before, !tc.keepsConn)
			}
			a.Close()
		})
	}
}

// TestHeartbeatActionStreamClosing: a query that fails because the stream
// is closing is neither logged nor an error.
func TestHeartbeatActionStreamClosing(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	conn := &fakeConn{}
	a := &HeartbeatAction{
		Query: "q",
		Log:   slog.New(slog.NewTextHandler(&logs, nil)),
		Connect: func(context.Context) (ActionConn, error) {
			return conn, nil
		},
		Classify: func(error) (string, bool, error) { return "", false, nil },
	}
	conn.err = errors.New("canceled")
	cancel()
	if err := a.Run(ctx); err != nil || logs.Len() > 0 || conn.closed {
		t.Errorf("Run: %v, log %q, closed %v; want nothing", err, logs.String(), conn.closed)
	}
}
