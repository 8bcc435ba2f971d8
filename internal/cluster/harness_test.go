package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// tracker is the cluster as a user sees it: which worker runs which
// connector, from the OnAssign calls. It records a violation whenever a
// worker is told to start a connector another worker has not stopped.
type tracker struct {
	mu         sync.Mutex
	owner      map[string]string
	changed    map[string]time.Time
	violations []string
}

func newTracker() *tracker {
	return &tracker{owner: map[string]string{}, changed: map[string]time.Time{}}
}

func (tr *tracker) onAssign(worker string) func(Assignment) {
	return func(a Assignment) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		now := time.Now()
		for _, c := range a.Revoked {
			if tr.owner[c] == worker {
				delete(tr.owner, c)
				tr.changed[c] = now
			}
		}
		for _, c := range a.Added {
			if o, ok := tr.owner[c]; ok && o != worker {
				tr.violations = append(tr.violations, fmt.Sprintf("gen %d: %s starts %s while %s runs it", a.Generation, worker, c, o))
			}
			tr.owner[c] = worker
			tr.changed[c] = now
		}
	}
}

// crash forgets what a killed worker ran: a dead process runs nothing.
func (tr *tracker) crash(worker string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for c, o := range tr.owner {
		if o == worker {
			delete(tr.owner, c)
		}
	}
}

func (tr *tracker) snapshot() map[string]string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make(map[string]string, len(tr.owner))
	for c, o := range tr.owner {
		out[c] = o
	}
	return out
}

type node struct {
	worker string
	m      *Member
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan error
}

// timing is a test's broker address and group timeouts.
type timing struct {
	brokers                       string
	session, heartbeat, rebalance time.Duration
}

func startNode(t *testing.T, env timing, group, worker string, connectors []string, tr *tracker, knobs Knobs) *node {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers), kgo.ClientID("sluice-cluster-it"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMember(Config{
		Client:            cl,
		Group:             group,
		WorkerID:          worker,
		SessionTimeout:    env.session,
		HeartbeatInterval: env.heartbeat,
		RebalanceTimeout:  env.rebalance,
		Connectors:        func() []string { return connectors },
		OnAssign:          tr.onAssign(worker),
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel})),
		Knobs:             knobs,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{worker: worker, m: m, cl: cl, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- m.Run(ctx) }()
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop cancels the member and waits for Run to return; idempotent.
func (n *node) stop(t *testing.T) {
	n.cancel()
	if n.done == nil {
		return
	}
	select {
	case err := <-n.done:
		if err != nil {
			t.Errorf("%s: Run: %v", n.worker, err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("%s: Run did not return within 15 s of cancel", n.worker)
	}
	n.done = nil
	n.cl.Close()
}

// stable waits until every node is in one generation above minGen with one
// leader, and the tracker shows every connector run by exactly the node
// whose assignment names it. It returns that generation and the owners.
func stable(t *testing.T, nodes []*node, connectors []string, tr *tracker, minGen int32, within time.Duration) (int32, map[string]string) {
	t.Helper()
	deadline := time.Now().Add(within)
	var why string
	for time.Now().Before(deadline) {
		why = ""
		as := make([]Assignment, len(nodes))
		for i, n := range nodes {
			as[i] = n.m.Assignment()
		}
		gen, leader := as[0].Generation, as[0].LeaderID
		leaders := 0
		want := map[string]string{}
		for i, a := range as {
			if a.Generation != gen || a.LeaderID != leader {
				why = fmt.Sprintf("generations/leaders differ: %s gen %d leader %q, %s gen %d leader %q", nodes[0].worker, gen, leader, nodes[i].worker, a.Generation, a.LeaderID)
			}
			if a.IsLeader {
				leaders++
			}
			for _, c := range a.Connectors {
				if o, ok := want[c]; ok {
					why = fmt.Sprintf("%s assigned to %s and %s", c, o, nodes[i].worker)
				}
				want[c] = nodes[i].worker
			}
		}
		got := tr.snapshot()
		switch {
		case why != "":
		case gen <= minGen:
			why = fmt.Sprintf("generation %d, want above %d", gen, minGen)
		case leaders != 1:
			why = fmt.Sprintf("%d members think they lead", leaders)
		case len(want) != len(connectors):
			why = fmt.Sprintf("%d of %d connectors assigned", len(want), len(connectors))
		case fmt.Sprint(want) != fmt.Sprint(got):
			why = fmt.Sprintf("assignments %v but running %v", want, got)
		}
		if why == "" {
			return gen, got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no stable assignment within %v: %s", within, why)
	return 0, nil
}

func counts(owners map[string]string) map[string]int {
	out := map[string]int{}
	for _, o := range owners {
		out[o]++
	}
	return out
}

func movedOwners(before, after map[string]string) []string {
	var out []string
	for c, o := range after {
		if before[c] != o {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

var testLogLevel = func() slog.Level {
	if os.Getenv("CLUSTER_TEST_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}()
