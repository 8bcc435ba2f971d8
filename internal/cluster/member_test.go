package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func fakeEnv(t *testing.T) timing {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{
		"group.min.session.timeout.ms": "500",
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return timing{brokers: c.ListenAddrs()[0], session: 2 * time.Second, heartbeat: 200 * time.Millisecond, rebalance: 5 * time.Second}
}

// TestMembersOnFakeBroker: three members agree; one leaves cleanly and its
// connectors move, and only they, before the session could time out.
func TestMembersOnFakeBroker(t *testing.T) {
	env := fakeEnv(t)
	connectors := names(9)
	tr := newTracker()
	nodes := []*node{
		startNode(t, env, "g", "http://a:8083", connectors, tr, Knobs{}),
		startNode(t, env, "g", "http://b:8083", connectors, tr, Knobs{}),
		startNode(t, env, "g", "http://c:8083", connectors, tr, Knobs{}),
	}
	gen, own := stable(t, nodes, connectors, tr, 0, 15*time.Second)
	for w, n := range counts(own) {
		if n != 3 {
			t.Fatalf("%s runs %d of 9, want 3: %v", w, n, own)
		}
	}
	start := time.Now()
	nodes[0].stop(t)
	_, own2 := stable(t, nodes[1:], connectors, tr, gen, 15*time.Second)
	if took := time.Since(start); took >= env.session {
		t.Fatalf("clean leave took %v, not faster than the session timeout %v", took, env.session)
	}
	if mv := movedOwners(own, own2); len(mv) != 3 {
		t.Fatalf("leave moved %v, want the leaver's 3", mv)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.violations) > 0 {
		t.Fatalf("overlaps: %v", tr.violations)
	}
}

// TestOtherProtocolTypeIsRefused: a group that holds a consumer is not a
// sluice group; Run fails with the coordinator's error instead of looping.
func TestOtherProtocolTypeIsRefused(t *testing.T) {
	env := fakeEnv(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.brokers))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	join := kmsg.NewPtrJoinGroupRequest()
	join.Group, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = "shared", 30000, 30000
	join.ProtocolType = "consumer"
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range"}}
	for i := 0; ; i++ {
		resp, err := join.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.MemberIDRequired) && i == 0 {
			join.MemberID = resp.MemberID
			continue
		} else if err != nil {
			t.Fatalf("consumer join: %v", err)
		}
		break
	}

	m, err := NewMember(Config{Client: cl, Group: "shared", WorkerID: "http://a:8083", SessionTimeout: env.session, HeartbeatInterval: env.heartbeat, Connectors: func() []string { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Run(ctx)
	if !errors.Is(err, kerr.InconsistentGroupProtocol) {
		t.Fatalf("Run = %v, want INCONSISTENT_GROUP_PROTOCOL", err)
	}
}

func TestConfigValidateSaysEverythingAtOnce(t *testing.T) {
	_, err := NewMember(Config{SessionTimeout: time.Second, HeartbeatInterval: 2 * time.Second})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
	for _, want := range []string{"Client is nil", "Group is empty", "WorkerID is empty", "Connectors is nil", "HeartbeatInterval 2s must be below SessionTimeout 1s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers("127.0.0.1:1"))
	defer cl.Close()
	m, err := NewMember(Config{Client: cl, Group: "g", WorkerID: "w", Connectors: func() []string { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(m.cfg.SessionTimeout, m.cfg.HeartbeatInterval, m.cfg.RebalanceTimeout); got != "10s 3s 1m0s" {
		t.Fatalf("defaults = %s, want Kafka Connect's 10s 3s 1m0s", got)
	}
}

// TestCutOffWhileRejoiningDropsConnectors: a member that cannot reach the
// coordinator while it rejoins (not while it heartbeats) drops its
// connectors on the same clock as the heartbeat loop.
func TestCutOffWhileRejoiningDropsConnectors(t *testing.T) {
	env := fakeEnv(t)
	connectors := names(2)
	tr := newTracker()
	var cut atomic.Bool
	n := startNode(t, env, "cut", "http://a:8083", connectors, tr, Knobs{Partitioned: cut.Load})
	stable(t, []*node{n}, connectors, tr, 0, 10*time.Second)
	start := time.Now()
	cut.Store(true)
	n.m.Rebalance() // leave the heartbeat loop for JoinGroup, which now fails
	for deadline := start.Add(env.session + 2*time.Second); ; time.Sleep(10 * time.Millisecond) {
		if a := n.m.Assignment(); a.Lost && len(a.Connectors) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still runs %v %v after being cut off while rejoining", n.m.Assignment().Connectors, time.Since(start))
		}
	}
	if took := time.Since(start); took > env.session {
		t.Fatalf("dropped after %v, want within the session timeout %v", took, env.session)
	}
	if got := tr.snapshot(); len(got) != 0 {
		t.Fatalf("still running %v", got)
	}
}
