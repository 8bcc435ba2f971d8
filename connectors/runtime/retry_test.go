package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/rest"
	"github.com/sluicecdc/sluice/sinks"
)

func TestParseRetryPolicy(t *testing.T) {
	cases := []struct {
		cfg     map[string]string
		want    RetryPolicy
		problem string // a key with a problem, if any
	}{
		{cfg: map[string]string{}, want: RetryPolicy{MaxRetries: -1, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"errors.max.retries": "5"}, want: RetryPolicy{MaxRetries: 5, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"errors.max.retries": "0"}, want: RetryPolicy{MaxRetries: 0, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"errors.retry.timeout": "0"}, want: RetryPolicy{MaxRetries: -1, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"errors.retry.timeout": "-1"}, want: RetryPolicy{MaxRetries: -1, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"errors.retry.timeout": "300000"}, want: RetryPolicy{MaxRetries: -1, Timeout: 5 * time.Minute, MaxDelay: 10 * time.Second}},
		{cfg: map[string]string{"retriable.restart.connector.wait.ms": "2500"}, want: RetryPolicy{MaxRetries: -1, MaxDelay: 2500 * time.Millisecond}},
		{cfg: map[string]string{"errors.retry.delay.max.ms": "60000"}, want: RetryPolicy{MaxRetries: -1, MaxDelay: time.Minute}},
		{cfg: map[string]string{"errors.retry.delay.max.ms": "60000", "retriable.restart.connector.wait.ms": "3000"}, want: RetryPolicy{MaxRetries: -1, MaxDelay: 3 * time.Second}},
		{cfg: map[string]string{"errors.max.retries": "-2"}, want: DefaultRetryPolicy, problem: "errors.max.retries"},
		{cfg: map[string]string{"errors.max.retries": "many"}, want: DefaultRetryPolicy, problem: "errors.max.retries"},
		{cfg: map[string]string{"errors.retry.timeout": "-5"}, want: DefaultRetryPolicy, problem: "errors.retry.timeout"},
		{cfg: map[string]string{"retriable.restart.connector.wait.ms": "0"}, want: DefaultRetryPolicy, problem: "retriable.restart.connector.wait.ms"},
		{cfg: map[string]string{"errors.retry.delay.max.ms": "1s"}, want: DefaultRetryPolicy, problem: "errors.retry.delay.max.ms"},
	}
	for _, c := range cases {
		p := problems{}
		got := parseRetryPolicy(p, c.cfg)
		if got != c.want {
			t.Errorf("%v: policy %+v, want %+v", c.cfg, got, c.want)
		}
		if c.problem == "" && len(p) > 0 {
			t.Errorf("%v: unexpected problems %v", c.cfg, p)
		}
		if c.problem != "" && len(p[c.problem]) == 0 {
			t.Errorf("%v: no problem on %s (got %v)", c.cfg, c.problem, p)
		}
	}
}

// TestRetrierBudget replays failures at given times through a retrier and
// checks each verdict: the waits grow from FirstDelay to the cap, the
// budget bounds one outage, a recovery restores it, and a terminal error is
// never retried.
func TestRetrierBudget(t *testing.T) {
	type step struct {
		at        time.Duration // since the start of the test
		recovered bool          // a run made progress before this failure
		terminal  bool
		retry     bool
		wait      time.Duration
		why       string // substring of the verdict's why when retry is false
	}
	s := time.Second
	cases := []struct {
		name   string
		policy RetryPolicy
		steps  []step
	}{
		{"unlimited, waits double up to the cap", RetryPolicy{MaxRetries: -1, MaxDelay: 10 * s}, []step{
			{at: 0, retry: true, wait: s},
			{at: 2 * s, retry: true, wait: 2 * s},
			{at: 5 * s, retry: true, wait: 4 * s},
			{at: 10 * s, retry: true, wait: 8 * s},
			{at: 20 * s, retry: true, wait: 10 * s},
			{at: 31 * s, retry: true, wait: 10 * s},
			{at: 24 * time.Hour, retry: true, wait: 10 * s},
		}},
		{"cap below the first delay", RetryPolicy{MaxRetries: -1, MaxDelay: 200 * time.Millisecond}, []step{
			{at: 0, retry: true, wait: 200 * time.Millisecond},
			{at: s, retry: true, wait: 200 * time.Millisecond},
		}},
		{"errors.max.retries bounds one outage", RetryPolicy{MaxRetries: 2, MaxDelay: 10 * s}, []step{
			{at: 0, retry: true, wait: s},
			{at: 2 * s, retry: true, wait: 2 * s},
			{at: 5 * s, why: "errors.max.retries=2"},
		}},
		{"a recovery restores the budget", RetryPolicy{MaxRetries: 2, MaxDelay: 10 * s}, []step{
			{at: 0, retry: true, wait: s},
			{at: 2 * s, retry: true, wait: 2 * s},
			{at: 5 * time.Minute, recovered: true, retry: true, wait: s},
			{at: 5*time.Minute + 2*s, retry: true, wait: 2 * s},
			{at: 5*time.Minute + 5*s, why: "errors.max.retries=2"},
		}},
		{"errors.max.retries=0 turns retries off", RetryPolicy{MaxRetries: 0, MaxDelay: 10 * s}, []step{
			{at: 0, why: "errors.max.retries=0"},
		}},
		{"errors.retry.timeout bounds an outage's length", RetryPolicy{MaxRetries: -1, Timeout: 10 * s, MaxDelay: 10 * s}, []step{
			{at: 0, retry: true, wait: s},
			{at: 2 * s, retry: true, wait: 2 * s},
			{at: 5 * s, retry: true, wait: 4 * s},
			{at: 9 * s, retry: true, wait: s}, // the last attempt lands on the deadline
			{at: 10 * s, why: "errors.retry.timeout=10000"},
		}},
		{"a terminal error is not retried", RetryPolicy{MaxRetries: -1, MaxDelay: 10 * s}, []step{
			{at: 0, terminal: true},
		}},
		{"a terminal error after retries", RetryPolicy{MaxRetries: -1, MaxDelay: 10 * s}, []step{
			{at: 0, retry: true, wait: s},
			{at: 2 * s, terminal: true},
		}},
	}
	t0 := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &retrier{policy: c.policy}
			for i, st := range c.steps {
				if st.recovered {
					r.recovered()
				}
				v := r.failed(t0.Add(st.at), !st.terminal)
				if v.retry != st.retry || v.wait != st.wait || !strings.Contains(v.why, st.why) {
					t.Fatalf("step %d: verdict %+v, want retry=%v wait=%v why~%q", i, v, st.retry, st.wait, st.why)
				}
				if st.terminal && v.why != "" {
					t.Fatalf("step %d: a terminal error blames a limit: %q", i, v.why)
				}
			}
		})
	}
}

// flakySource fails its first opens with the errors in fails, then opens a
// scripted stream. At each Open it notes the task's state and trace, so a
// test sees what an operator saw while the connector waited to retry.
type flakySource struct {
	events *scriptedSource
	status func() rest.ConnectorStatus

	mu    sync.Mutex
	fails []error
	// lost, one entry per successful Open, is the error its stream returns
	// once it has given all its events (nil: it waits for more).
	lost  []error
	opens int
	seen  []rest.State // the task's state at each Open
}

// losingStream returns err once its scripted events are taken.
type losingStream struct {
	Stream
	left int
	err  error
}

func (l *losingStream) Next(ctx context.Context) (*change.Event, error) {
	if l.left == 0 && l.err != nil {
		return nil, l.err
	}
	l.left--
	return l.Stream.Next(ctx)
}

func (f *flakySource) Open(ctx context.Context, cp *change.Position) (Stream, error) {
	st := f.status()
	f.mu.Lock()
	f.opens++
	if len(st.Tasks) > 0 {
		f.seen = append(f.seen, st.Tasks[0].State)
	}
	var err, lost error
	if len(f.fails) > 0 {
		err, f.fails = f.fails[0], f.fails[1:]
	} else if len(f.lost) > 0 {
		lost, f.lost = f.lost[0], f.lost[1:]
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	stream, err := f.events.Open(ctx, cp)
	if err != nil || lost == nil {
		return stream, err
	}
	return &losingStream{Stream: stream, left: len(f.events.events) - stream.(*scriptedStream).next, err: lost}, nil
}

func (f *flakySource) counts() (opens int, seen []rest.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opens, append([]rest.State(nil), f.seen...)
}

// authErr is a terminal error, as a source's wrong password is.
type authErr struct{}

func (authErr) Error() string {
	return "password authentication failed for user \"u\": check database.user and database.password"
}
func (authErr) Retryable() bool { return false }

func connRefused(n int) error {
	return Retryable(fmt.Errorf("connect to 127.0.0.1:1 (attempt %d): connection refused", n))
}

// TestSupervisorRetryStates runs a connector whose source (or sink) fails
// as scripted and checks what the status showed: FAILED with the reason in
// the trace while it waited to retry, RUNNING once a retry worked (with the
// events after it committed), FAILED for good when the budget ran out or
// the error was terminal.
func TestSupervisorRetryStates(t *testing.T) {
	cases := []struct {
		name      string
		config    map[string]string
		openFails []error
		lost      []error // see flakySource.lost
		sinkFails []error
		wantState string   // the final task state
		wantTrace []string // substrings of the final trace
		wantOpens int      // Opens once the final state is reached and held
		wantSeen  []string // substrings of the trace seen at each retry's Open
		retries   float64  // sluice_task_retries_total
	}{
		{
			name:      "source unreachable, then back",
			openFails: []error{connRefused(1), connRefused(2)},
			wantState: StateRunning, wantOpens: 3, retries: 2,
			wantSeen: []string{"", "RetriableException: connect to 127.0.0.1:1 (attempt 1): connection refused\n\tsluice retries by itself: retry 1 (errors.max.retries=-1, no limit)",
				"attempt 2): connection refused\n\tsluice retries by itself: retry 2"},
		},
		{
			name:      "a recovery gives the next outage a whole budget",
			config:    map[string]string{"errors.max.retries": "1"},
			openFails: []error{connRefused(1)},
			lost:      []error{Retryable(errors.New("replication stream: unexpected EOF")), nil},
			wantState: StateRunning, wantOpens: 3, retries: 2,
			wantSeen: []string{"", "retry 1 (errors.max.retries=1)", "replication stream: unexpected EOF\n\tsluice retries by itself: retry 1 (errors.max.retries=1)"},
		},
		{
			name:      "Kafka unreachable, then back",
			sinkFails: []error{Retryable(errors.New("kafka: dial tcp 127.0.0.1:9: connection refused"))},
			wantState: StateRunning, wantOpens: 1, retries: 1,
			wantSeen: []string{"kafka: dial tcp 127.0.0.1:9: connection refused"},
		},
		{
			name:      "wrong password fails at once",
			openFails: []error{authErr{}},
			wantState: StateFailed, wantOpens: 1,
			wantTrace: []string{"org.apache.kafka.connect.errors.ConnectException: password authentication failed", "check database.user and database.password"},
			wantSeen:  []string{""},
		},
		{
			name:      "an error that does not say is terminal",
			openFails: []error{errors.New("something odd")},
			wantState: StateFailed, wantOpens: 1,
			wantTrace: []string{"ConnectException: something odd"},
			wantSeen:  []string{""},
		},
		{
			name:      "errors.max.retries runs out",
			config:    map[string]string{"errors.max.retries": "2"},
			openFails: []error{connRefused(1), connRefused(2), connRefused(3), connRefused(4)},
			wantState: StateFailed, wantOpens: 3, retries: 2,
			wantTrace: []string{"ConnectException: connect to 127.0.0.1:1 (attempt 3): connection refused", "gave up after 2 retries", "(errors.max.retries=2)", "POST /connectors/c1/tasks/0/restart"},
			wantSeen:  []string{"", "retry 1 (errors.max.retries=2)", "retry 2 (errors.max.retries=2)"},
		},
		{
			name:      "errors.max.retries=0 fails at the first error",
			config:    map[string]string{"errors.max.retries": "0"},
			openFails: []error{connRefused(1)},
			wantState: StateFailed, wantOpens: 1,
			wantTrace: []string{"gave up after 0 retries", "errors.max.retries=0 turns retries off"},
			wantSeen:  []string{""},
		},
		{
			name:      "a terminal error ends the retries",
			openFails: []error{connRefused(1), authErr{}},
			wantState: StateFailed, wantOpens: 2, retries: 1,
			wantTrace: []string{"ConnectException: password authentication failed"},
			wantSeen:  []string{"", "retry 1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events := &scriptedSource{events: positions(3), failAt: -1}
			src := &flakySource{events: events, fails: c.openFails, lost: c.lost}
			sink := &memSink{}
			var sinkMu sync.Mutex
			sinkFails := c.sinkFails
			reg := prometheus.NewRegistry()
			s := NewSupervisor(SupervisorOptions{
				DataDir:  t.TempDir(),
				WorkerID: "127.0.0.1:8083",
				Plugins:  []Plugin{testPlugin(src)},
				NewSink: func(context.Context, string, SinkSpec) (sinks.Sink, error) {
					sinkMu.Lock()
					defer sinkMu.Unlock()
					if len(sinkFails) > 0 {
						err := sinkFails[0]
						sinkFails = sinkFails[1:]
						return nil, err
					}
					return sink, nil
				},
				Offsets: sink,
				Metrics: NewMetrics(reg),
				Log:     slog.New(slog.DiscardHandler),
			})
			src.status = func() rest.ConnectorStatus { st, _ := s.Status("c1"); return st }
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
			cfg := map[string]string{"connector.class": "test", "topic.prefix": "p", "retriable.restart.connector.wait.ms": "20"}
			for k, v := range c.config {
				cfg[k] = v
			}
			if _, err := s.Create(context.Background(), "c1", cfg, ""); err != nil {
				t.Fatal(err)
			}
			// The final state: RUNNING, or FAILED with no retry coming.
			var st rest.ConnectorStatus
			waitFor(t, "state "+c.wantState, func() bool {
				st, _ = s.Status("c1")
				return len(st.Tasks) == 1 && st.Tasks[0].State.State == c.wantState && !strings.HasPrefix(st.Tasks[0].Trace, retriableException)
			})
			if c.wantState == StateRunning {
				if tr := st.Tasks[0].Trace; tr != "" {
					t.Errorf("RUNNING task keeps a trace: %q", tr)
				}
				waitFor(t, "the events after the recovery to commit", func() bool {
					sink.mu.Lock()
					defer sink.mu.Unlock()
					n := 0
					for _, b := range sink.batches {
						n += len(b)
					}
					return n == 3
				})
			}
			if st.Connector.State != StateRunning {
				t.Errorf("connector state %s, want RUNNING (the task carries the failure, as in Kafka Connect)", st.Connector.State)
			}
			for _, w := range c.wantTrace {
				if !strings.Contains(st.Tasks[0].Trace, w) {
					t.Errorf("trace %q lacks %q", st.Tasks[0].Trace, w)
				}
			}
			// Hold: nothing more is tried once the final state is reached.
			time.Sleep(100 * time.Millisecond)
			opens, seen := src.counts()
			if opens != c.wantOpens {
				t.Errorf("source opened %d times, want %d", opens, c.wantOpens)
			}
			if final, _ := s.Status("c1"); final.Tasks[0].State.State != c.wantState {
				t.Errorf("state moved on to %+v", final.Tasks[0].State)
			}
			if len(seen) != len(c.wantSeen) {
				t.Fatalf("states at the opens: %+v, want %d", seen, len(c.wantSeen))
			}
			for i, w := range c.wantSeen {
				want := StateFailed
				if w == "" {
					want = StateUnassigned
				}
				if seen[i].State != want || !strings.Contains(seen[i].Trace, w) {
					t.Errorf("open %d saw %s %q, want %s with %q", i, seen[i].State, seen[i].Trace, want, w)
				}
			}
			if got := counterValue(t, reg, "sluice_task_retries_total"); got != c.retries {
				t.Errorf("sluice_task_retries_total = %v, want %v", got, c.retries)
			}
		})
	}
}

// counterValue returns the sum of a counter's series in reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
