package runtime

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how a connector retries a retryable failure (a database
// or Kafka that cannot be reached, a connection lost): how many attempts,
// for how long, and how long it waits between two. A terminal failure (a
// wrong password, a missing privilege, a lost slot) is never retried.
type RetryPolicy struct {
	// MaxRetries is Debezium's errors.max.retries: how many retries one
	// outage gets before the task stays FAILED; -1 is without limit, 0
	// fails at the first error.
	MaxRetries int
	// Timeout is Kafka Connect's errors.retry.timeout: an outage that has
	// lasted this long is given up; 0 (or -1) sets no time limit.
	Timeout time.Duration
	// MaxDelay is the longest wait between two attempts
	// (retriable.restart.connector.wait.ms, errors.retry.delay.max.ms). The
	// first retry waits FirstDelay (or MaxDelay if shorter) and each next
	// one twice the last.
	MaxDelay time.Duration
}

// FirstDelay is the wait before the first retry of an outage.
const FirstDelay = time.Second

// stableAfter is how long a task must have been RUNNING, when it has not
// committed anything, for its outage to count as over: a connection that
// opens and drops at once does not reset the retry budget.
const stableAfter = time.Minute

// Defaults of the retry keys: Debezium's errors.max.retries (-1, without
// limit) and retriable.restart.connector.wait.ms (10 s).
const (
	DefaultMaxRetries = -1
	DefaultMaxDelay   = 10 * time.Second
)

// DefaultRetryPolicy is a connector's policy when its config sets none of
// the retry keys.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: DefaultMaxRetries, MaxDelay: DefaultMaxDelay}

// parseRetryPolicy reads the retry keys, adding a problem for each bad one.
// The wait cap is retriable.restart.connector.wait.ms (Debezium's wait
// between restarts) or errors.retry.delay.max.ms (Kafka Connect's longest
// delay), the smaller when both are set, 10 s when neither is.
func parseRetryPolicy(p problems, cfg map[string]string) RetryPolicy {
	rp := DefaultRetryPolicy
	rp.MaxRetries = parseInt(p, cfg, "errors.max.retries", DefaultMaxRetries, -1, 1<<30)
	if ms, ok := parseMillis(p, cfg, "errors.retry.timeout", -1, 365*day); ok && ms > 0 {
		rp.Timeout = time.Duration(ms) * time.Millisecond
	}
	var delay time.Duration
	for _, k := range []string{"retriable.restart.connector.wait.ms", "errors.retry.delay.max.ms"} {
		if ms, ok := parseMillis(p, cfg, k, 1, day); ok {
			if d := time.Duration(ms) * time.Millisecond; delay == 0 || d < delay {
				delay = d
			}
		}
	}
	if delay > 0 {
		rp.MaxDelay = delay
	}
	return rp
}

// day is a day in milliseconds.
const day = 24 * 60 * 60 * 1000

// parseMillis reads a millisecond count from lo to hi; ok is false when the
// key is absent or bad.
func parseMillis(p problems, cfg map[string]string, key string, lo, hi int64) (int64, bool) {
	v, present := cfg[key]
	if !present || strings.TrimSpace(v) == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < lo || n > hi {
		p.add(key, "%s must be a number of milliseconds from %d to %d, got %q", key, lo, hi, v)
		return 0, false
	}
	return n, true
}

// retrier applies a RetryPolicy to one connector's run: it counts the
// failed attempts of the current outage and says whether and when to try
// again. It is a value owned by the connector's run goroutine.
type retrier struct {
	policy RetryPolicy
	// retries is how many retries the current outage has had; since is when
	// it began (zero when there is none).
	retries int
	since   time.Time
	delay   time.Duration
}

// verdict is what to do after a failure.
type verdict struct {
	retry bool
	wait  time.Duration
	// attempt is the number of the retry about to be made (retry true), or
	// of retries made (retry false).
	attempt int
	// why says, when retry is false for a retryable error, which limit
	// ended the retries.
	why string
}

// failed records a failure at now and returns the verdict. A terminal
// error is never retried.
func (r *retrier) failed(now time.Time, retryable bool) verdict {
	if r.since.IsZero() {
		r.since, r.retries, r.delay = now, 0, 0
	}
	if !retryable {
		return verdict{attempt: r.retries}
	}
	p := r.policy
	switch {
	case p.MaxRetries == 0:
		return verdict{why: "errors.max.retries=0 turns retries off"}
	case p.MaxRetries > 0 && r.retries >= p.MaxRetries:
		return verdict{attempt: r.retries, why: fmt.Sprintf("errors.max.retries=%d", p.MaxRetries)}
	}
	elapsed := now.Sub(r.since)
	if p.Timeout > 0 && elapsed >= p.Timeout {
		return verdict{attempt: r.retries, why: fmt.Sprintf("errors.retry.timeout=%d", p.Timeout.Milliseconds())}
	}
	maxDelay := p.MaxDelay
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	switch {
	case r.delay == 0:
		r.delay = min(FirstDelay, maxDelay)
	default:
		r.delay = min(2*r.delay, maxDelay)
	}
	wait := r.delay
	if p.Timeout > 0 {
		wait = min(wait, p.Timeout-elapsed)
	}
	r.retries++
	return verdict{retry: true, wait: wait, attempt: r.retries}
}

// recovered ends the current outage: the next failure starts a new one
// with the whole budget.
func (r *retrier) recovered() { r.since, r.retries, r.delay = time.Time{}, 0, 0 }

// outage is how long the current outage has lasted at now.
func (r *retrier) outage(now time.Time) time.Duration {
	if r.since.IsZero() {
		return 0
	}
	return now.Sub(r.since).Round(time.Millisecond)
}

// limit describes the retry budget for a trace.
func (p RetryPolicy) limit() string {
	s := "errors.max.retries=" + strconv.Itoa(p.MaxRetries)
	if p.MaxRetries < 0 {
		s += ", no limit"
	}
	if p.Timeout > 0 {
		s += fmt.Sprintf(", errors.retry.timeout=%d", p.Timeout.Milliseconds())
	}
	return s
}

// Java exception classes that lead a status trace, as Kafka Connect's do.
const (
	connectException   = "org.apache.kafka.connect.errors.ConnectException"
	retriableException = "org.apache.kafka.connect.errors.RetriableException"
)

// retryingTrace is the trace of a task that failed and will try again.
func retryingTrace(err error, v verdict, p RetryPolicy, next time.Time) string {
	return fmt.Sprintf("%s: %s\n\tsluice retries by itself: retry %d (%s) at %s; the task returns to RUNNING once it succeeds",
		retriableException, err, v.attempt, p.limit(), next.UTC().Format(time.RFC3339))
}

// gaveUpTrace is the trace of a task whose retries ran out.
func gaveUpTrace(err error, v verdict, outage time.Duration, name string) string {
	return fmt.Sprintf("%s: %s\n\tsluice gave up after %d retries over %s (%s): fix the cause, then restart the task (POST /connectors/%s/tasks/0/restart)",
		connectException, err, v.attempt, outage, v.why, name)
}
