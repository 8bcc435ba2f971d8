package capture

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestParseSignal(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Signal
		wantErr string
	}{
		{in: `{"id":"s1","type":"log","data":{"message":"hi"}}`, want: Signal{ID: "s1", Type: "log", Data: json.RawMessage(`{"message":"hi"}`), Channel: "kafka"}},
		{in: `{"type":"log"}`, want: Signal{Type: "log", Channel: "kafka"}},
		{in: `{"id":"s2","type":"pause-snapshot","data":null}`, want: Signal{ID: "s2", Type: "pause-snapshot", Data: json.RawMessage(`null`), Channel: "kafka"}},
		{in: `{"id":"s3","data":{}}`, wantErr: `"type" is missing`},
		{in: `{"id":"s3","type":"log","data":"text"}`, wantErr: `"data" must be a JSON object`},
		{in: `not json`, wantErr: "not a JSON object"},
		{in: `{"type":"log"} {"type":"log"}`, wantErr: "more than one"},
	} {
		got, err := ParseSignal([]byte(tc.in), SignalChannelKafka)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.ID != tc.want.ID || got.Type != tc.want.Type || string(got.Data) != string(tc.want.Data) || got.Channel != tc.want.Channel {
			t.Errorf("%s: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// logged returns a logger writing text records into buf.
// logged logs into buf. Several loggers may share one buf (the Kafka
// channel's reader and the dispatcher log from two goroutines), and each
// slog handler locks only itself, so writes go through one mutex; read buf
// once the writers have stopped.
func logged(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{buf}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

var logMu sync.Mutex

type lockedWriter struct{ w io.Writer }

func (l lockedWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return l.w.Write(p)
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  Signal
		want []string // substrings of the log, in order
	}{
		{"log", Signal{ID: "a1", Type: "log", Data: json.RawMessage(`{"message":"hello world"}`), Channel: "source"},
			[]string{`level=INFO msg="hello world" signal_id=a1 channel=source`}},
		{"log without message", Signal{ID: "a2", Type: "log", Data: json.RawMessage(`{}`)},
			[]string{`level=WARN`, `has no \"message\"`, `signal.id=a2`}},
		{"unknown type", Signal{ID: "a3", Type: "reboot"},
			[]string{`level=WARN`, `not recognized`, `signal.type=reboot`}},
		{"bad data", Signal{ID: "a4", Type: "log", Data: json.RawMessage(`{"message":7}`)},
			[]string{`level=WARN`, `action failed`, `signal.id=a4`}},
	} {
		var buf bytes.Buffer
		NewDispatcher(logged(&buf)).Dispatch(tc.sig)
		out := buf.String()
		for _, w := range tc.want {
			i := strings.Index(out, w)
			if i < 0 {
				t.Errorf("%s: log %q lacks %q", tc.name, out, w)
				break
			}
			out = out[i+len(w):]
		}
	}
}

func TestDispatchRegistered(t *testing.T) {
	d := NewDispatcher(nil)
	var got []string
	d.Register("execute-snapshot", func(s Signal, _ *slog.Logger) error { got = append(got, s.ID); return nil })
	d.Dispatch(Signal{ID: "x", Type: "execute-snapshot"})
	d.Dispatch(Signal{ID: "y", Type: "stop-snapshot"})
	if strings.Join(got, ",") != "x" {
		t.Errorf("ran %v, want [x]", got)
	}
}

func TestSignalsRows(t *testing.T) {
	var buf bytes.Buffer
	s := NewSignals(SignalConfig{Source: true, Table: TableName{"public", "sig"}}, NewDispatcher(logged(&buf)), nil, 0, logged(&buf))
	if s.Table() != (TableName{"public", "sig"}) {
		t.Fatalf("Table() = %v", s.Table())
	}
	s.Row("r1", "log", `{"message":"one"}`)
	s.Begin() // the transaction restarted: r1 is forgotten
	s.Row("r2", "log", `{"message":"two"}`)
	s.Row("r3", "log", `not json`)
	if !s.RunRows() || s.RunRows() {
		t.Fatal("RunRows: want true once, then false")
	}
	out := buf.String()
	if strings.Contains(out, "one") || strings.Count(out, `msg=two`) != 1 || !strings.Contains(out, "data is not JSON") {
		t.Errorf("log:\n%s", out)
	}
	var nilS *Signals
	nilS.Row("a", "log", "")
	if nilS.RunRows() || nilS.RunKafka() || nilS.Next() != 0 || nilS.Table() != (TableName{}) {
		t.Error("a nil *Signals must do nothing")
	}
	off := NewSignals(SignalConfig{Table: TableName{"public", "sig"}}, NewDispatcher(nil), nil, 0, nil)
	if off.Table() != (TableName{}) {
		t.Error("Table() must be zero with the source channel off")
	}
}

func TestSignalOffset(t *testing.T) {
	for in, want := range map[string]int64{``: 0, `{"sig":12,"tables":["a"]}`: 12, `{"tables":["a"]}`: 0, `[1]`: 0} {
		if got := SignalOffset(json.RawMessage(in)); got != want {
			t.Errorf("SignalOffset(%s) = %d, want %d", in, got, want)
		}
	}
}
