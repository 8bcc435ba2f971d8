//go:build integration

package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The integration tests run against the broker of integration/env
// (SLUICE_KAFKA, default 127.0.0.1:59092). Its group.min.session.timeout.ms
// is the broker default, 6 s, and group.initial.rebalance.delay.ms is 0.

const (
	itSession   = 6 * time.Second
	itHeartbeat = 1 * time.Second
	itRebalance = 15 * time.Second
)

func itEnv() timing {
	b := os.Getenv("SLUICE_KAFKA")
	if b == "" {
		b = "127.0.0.1:59092"
	}
	return timing{brokers: b, session: itSession, heartbeat: itHeartbeat, rebalance: itRebalance}
}

// TestGroupMembership drives one group on the real broker through a start,
// a join, a clean leave and a crash, checking after each that every
// connector runs on exactly one worker, that no worker ever started one
// before its previous owner stopped it, and how long each move took.
func TestGroupMembership(t *testing.T) {
	group := fmt.Sprintf("sluice-cluster-it-%d", time.Now().UnixNano())
	connectors := names(12)
	tr := newTracker()
	url := func(i int) string { return fmt.Sprintf("http://worker-%d:8083", i) }

	// 1. Three workers agree on one leader, one generation, 4 each.
	start := time.Now()
	nodes := []*node{
		startNode(t, itEnv(), group, url(0), connectors, tr, Knobs{}),
		startNode(t, itEnv(), group, url(1), connectors, tr, Knobs{}),
		startNode(t, itEnv(), group, url(2), connectors, tr, Knobs{}),
	}
	gen1, own1 := stable(t, nodes, connectors, tr, 0, 30*time.Second)
	t.Logf("3 workers stable at generation %d after %v: %v", gen1, time.Since(start).Round(time.Millisecond), counts(own1))
	for w, n := range counts(own1) {
		if n != 4 {
			t.Fatalf("%s runs %d connectors, want 4 of 12: %v", w, n, own1)
		}
	}

	// 2. A fourth joins: exactly 3 connectors move (12/3 -> 12/4), to it.
	start = time.Now()
	crashy := startNode(t, itEnv(), group, url(3), connectors, tr, Knobs{ExitLikeACrash: true})
	nodes = append(nodes, crashy)
	gen2, own2 := stable(t, nodes, connectors, tr, gen1, 30*time.Second)
	mv := movedOwners(own1, own2)
	t.Logf("4 workers stable at generation %d after %v; moved %v", gen2, time.Since(start).Round(time.Millisecond), mv)
	if len(mv) != 3 {
		t.Fatalf("join moved %d connectors %v, want 3", len(mv), mv)
	}
	for _, c := range mv {
		if own2[c] != url(3) {
			t.Fatalf("join moved %s to %s, not to the new worker", c, own2[c])
		}
	}

	// 3. Worker 1 leaves cleanly: its 3 connectors go to the others at once.
	leaving := nodes[1]
	var its []string
	for c, o := range own2 {
		if o == leaving.worker {
			its = append(its, c)
		}
	}
	start = time.Now()
	leaving.stop(t)
	nodes = []*node{nodes[0], nodes[2], nodes[3]}
	gen3, own3 := stable(t, nodes, connectors, tr, gen2, 30*time.Second)
	took := time.Since(start)
	mv = movedOwners(own2, own3)
	t.Logf("clean leave: %d connectors taken over at generation %d in %v (moved %v)", len(its), gen3, took.Round(time.Millisecond), mv)
	if len(mv) != len(its) {
		t.Fatalf("leave moved %v, want only the leaver's %v", mv, its)
	}
	if took >= itSession {
		t.Fatalf("takeover after a clean leave took %v, not faster than the %v session timeout", took, itSession)
	}

	// 4. Worker 3 dies (no LeaveGroup, no more heartbeats): after the
	// session timeout the others run its connectors.
	its = nil
	for c, o := range own3 {
		if o == crashy.worker {
			its = append(its, c)
		}
	}
	if len(its) == 0 {
		t.Fatalf("worker 3 runs nothing before its crash: %v", own3)
	}
	start = time.Now()
	crashy.stop(t)
	tr.crash(crashy.worker)
	nodes = []*node{nodes[0], nodes[1]}
	gen4, own4 := stable(t, nodes, connectors, tr, gen3, itSession+15*time.Second)
	took = time.Since(start)
	mv = movedOwners(own3, own4)
	t.Logf("crash: %d connectors taken over at generation %d in %v (session timeout %v, heartbeat %v)", len(its), gen4, took.Round(time.Millisecond), itSession, itHeartbeat)
	if len(mv) != len(its) {
		t.Fatalf("crash moved %v, want only the dead worker's %v", mv, its)
	}
	if took < itSession-itHeartbeat-500*time.Millisecond {
		t.Fatalf("takeover %v after a crash is faster than the coordinator can notice (session %v): the test did not simulate a crash", took, itSession)
	}
	if took > itSession+5*time.Second {
		t.Fatalf("takeover %v after a crash is more than the session timeout %v plus 5 s", took, itSession)
	}
	for w, n := range counts(own4) {
		if n != 6 {
			t.Fatalf("%s runs %d connectors, want 6 of 12: %v", w, n, own4)
		}
	}

	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.violations) > 0 {
		t.Fatalf("connectors started before their owner stopped them:\n%v", tr.violations)
	}
}

// TestPartitionedMemberStopsBeforeOthersStart cuts one worker off from the
// coordinator (every group request fails without being sent): it must stop
// its connectors before the coordinator removes it, so nobody starts them
// while it still runs them; once the partition heals, it rejoins (its old
// member id is unknown by then) and gets its share back.
func TestPartitionedMemberStopsBeforeOthersStart(t *testing.T) {
	group := fmt.Sprintf("sluice-cluster-it-part-%d", time.Now().UnixNano())
	connectors := names(12)
	tr := newTracker()
	var cut atomic.Bool
	nodes := []*node{
		startNode(t, itEnv(), group, "http://worker-0:8083", connectors, tr, Knobs{}),
		startNode(t, itEnv(), group, "http://worker-1:8083", connectors, tr, Knobs{}),
		startNode(t, itEnv(), group, "http://worker-2:8083", connectors, tr, Knobs{Partitioned: cut.Load}),
	}
	gen1, own1 := stable(t, nodes, connectors, tr, 0, 30*time.Second)
	zombie := nodes[2]
	oldID := zombie.m.Assignment().MemberID
	var its []string
	for c, o := range own1 {
		if o == zombie.worker {
			its = append(its, c)
		}
	}
	if len(its) != 4 {
		t.Fatalf("worker 2 runs %v before the partition, want 4 connectors", its)
	}

	start := time.Now()
	cut.Store(true)
	var dropped time.Duration
	for deadline := time.Now().Add(itSession + 5*time.Second); ; time.Sleep(10 * time.Millisecond) {
		if a := zombie.m.Assignment(); a.Lost && len(a.Connectors) == 0 {
			dropped = time.Since(start)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the partitioned worker still runs %v after %v", zombie.m.Assignment().Connectors, time.Since(start))
		}
	}
	gen2, own2 := stable(t, nodes[:2], connectors, tr, gen1, itSession+15*time.Second)
	took := time.Since(start)
	t.Logf("partitioned worker dropped its %d connectors after %v; the others run them at generation %d after %v", len(its), dropped.Round(time.Millisecond), gen2, took.Round(time.Millisecond))
	if dropped > itSession-itHeartbeat+500*time.Millisecond {
		t.Fatalf("the partitioned worker dropped its connectors after %v, later than the session timeout less one heartbeat (%v)", dropped, itSession-itHeartbeat)
	}
	if mv := movedOwners(own1, own2); len(mv) != len(its) {
		t.Fatalf("partition moved %v, want only the partitioned worker's %v", mv, its)
	}

	cut.Store(false)
	start = time.Now()
	gen3, own3 := stable(t, nodes, connectors, tr, gen2, 30*time.Second)
	newID := zombie.m.Assignment().MemberID
	t.Logf("healed: 3 workers stable at generation %d after %v: %v (member id %s -> %s)", gen3, time.Since(start).Round(time.Millisecond), counts(own3), oldID, newID)
	if newID == oldID {
		t.Fatalf("the partitioned worker came back with its old member id %s; the coordinator should have removed it", oldID)
	}
	for w, n := range counts(own3) {
		if n != 4 {
			t.Fatalf("%s runs %d connectors after the heal, want 4: %v", w, n, own3)
		}
	}

	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.violations) > 0 {
		t.Fatalf("connectors started before their owner stopped them:\n%v", tr.violations)
	}
}

// TestSlowOnAssignKeepsMembership: a member whose OnAssign takes longer
// than the session timeout (a slow connector stop) keeps heartbeating and
// stays in the group with the same member id, and is never told its
// connectors are lost; the other member, waiting in JoinGroup meanwhile,
// is not removed either. (On kfake the waiting member lost its membership,
// which the real coordinator does not do to a member with a JoinGroup
// pending, so this runs against the real broker only.)
func TestSlowOnAssignKeepsMembership(t *testing.T) {
	env := itEnv()
	group := fmt.Sprintf("sluice-cluster-it-slow-%d", time.Now().UnixNano())
	connectors := names(4)
	tr := newTracker()
	fast := startNode(t, env, group, "http://a:8083", connectors, tr, Knobs{})
	gen0, _ := stable(t, []*node{fast}, connectors, tr, 0, 10*time.Second)
	fastID := fast.m.Assignment().MemberID

	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var mu sync.Mutex
	var calls []Assignment
	track := tr.onAssign("http://b:8083")
	m, err := NewMember(Config{
		Client: cl, Group: group, WorkerID: "http://b:8083", Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel})),
		SessionTimeout: env.session, HeartbeatInterval: env.heartbeat, RebalanceTimeout: env.rebalance,
		Connectors: func() []string { return connectors },
		OnAssign: func(a Assignment) {
			mu.Lock()
			first := len(calls) == 0
			calls = append(calls, a)
			mu.Unlock()
			if first {
				time.Sleep(env.session + env.session/2)
			}
			track(a)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	slow := &node{worker: "http://b:8083", m: m}
	start := time.Now()
	_, own := stable(t, []*node{fast, slow}, connectors, tr, gen0, 45*time.Second)
	t.Logf("stable with the slow member after %v (its first OnAssign took %v; session %v)", time.Since(start).Round(time.Millisecond), env.session+env.session/2, env.session)
	if id := fast.m.Assignment().MemberID; id != fastID {
		t.Fatalf("the other member's id changed from %s to %s: it was removed while waiting to rejoin", fastID, id)
	}
	if n := counts(own)["http://b:8083"]; n != 2 {
		t.Fatalf("the slow member runs %d of 4, want 2: %v", n, own)
	}
	mu.Lock()
	defer mu.Unlock()
	ids := map[string]bool{}
	for _, a := range calls {
		if a.Lost {
			t.Fatalf("the slow member was told its connectors were lost: %+v", a)
		}
		ids[a.MemberID] = true
	}
	if len(ids) != 1 {
		t.Fatalf("the slow member had member ids %v; it was removed from the group while OnAssign ran", ids)
	}
}
