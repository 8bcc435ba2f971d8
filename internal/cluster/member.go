package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures a Member.
type Config struct {
	// Client talks to the cluster; the member only issues requests through
	// it (Request routes group requests to the group's coordinator and
	// retries NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE). It must not be
	// a consumer-group client. The member does not close it. The
	// coordinator builds member ids from its client id
	// ("<client id>-<uuid>"), so give it one such as kgo.ClientID("sluice").
	Client *kgo.Client
	// Group is the group id (the worker file's group.id).
	Group string
	// WorkerID identifies the worker to the others: its REST URL, so a
	// worker can forward a request to the leader.
	WorkerID string
	// SessionTimeout (default 10 s, Kafka Connect's session.timeout.ms):
	// the coordinator removes a member it has not heard from for this
	// long. The broker bounds it by group.min.session.timeout.ms (6 s by
	// default) and group.max.session.timeout.ms.
	SessionTimeout time.Duration
	// RebalanceTimeout (default 60 s, rebalance.timeout.ms): how long the
	// coordinator waits for every member to rejoin.
	RebalanceTimeout time.Duration
	// HeartbeatInterval (default 3 s, heartbeat.interval.ms); it must be
	// below SessionTimeout, a third of it or less by convention.
	HeartbeatInterval time.Duration
	// Connectors returns the connector names the leader assigns. It is
	// called only on the leader, once per generation.
	Connectors func() []string
	// OnAssign is told every change of this member's connectors, one call
	// at a time on the member's goroutine. It must stop the Revoked
	// connectors before it returns (the member rejoins only then) and
	// should return well within the session timeout.
	OnAssign func(Assignment)
	// Logger (default: discard).
	Logger *slog.Logger
	// Knobs are test hooks.
	Knobs Knobs
}

// Knobs are test hooks; production code leaves them zero.
type Knobs struct {
	// ExitLikeACrash makes Run return on cancellation without revoking
	// its connectors and without LeaveGroup, as a killed process would:
	// the coordinator notices only when the session times out.
	ExitLikeACrash bool
	// Partitioned, when it returns true, makes every group request fail
	// without being sent, as if the coordinator were out of reach.
	Partitioned func() bool
}

// errPartitioned is what a request fails with while Knobs.Partitioned.
var errPartitioned = errors.New("partitioned from the coordinator (test knob)")

func (m *Member) partitioned() bool {
	return m.cfg.Knobs.Partitioned != nil && m.cfg.Knobs.Partitioned()
}

// Assignment is one member's view of a generation.
type Assignment struct {
	// Generation is the coordinator's generation id; -1 when the member is
	// not in the group (Lost, or after it left).
	Generation int32
	MemberID   string
	// LeaderID is the leader's member id, LeaderURL its worker id.
	LeaderID  string
	LeaderURL string
	IsLeader  bool
	// Connectors are what this member runs from now on (sorted); Added
	// and Revoked are the change from the previous call.
	Connectors []string
	Added      []string
	Revoked    []string
	// Lost is true when the connectors were revoked because the member
	// fell out of the group (its session expired, or the group moved on
	// without it): another worker may already run them.
	Lost bool
}

func (c *Config) validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("Client is nil: pass a *kgo.Client (no consumer group options)"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("Group is empty: set group.id"))
	}
	if c.WorkerID == "" {
		errs = append(errs, errors.New("WorkerID is empty: set it to the worker's REST URL"))
	}
	if c.Connectors == nil {
		errs = append(errs, errors.New("Connectors is nil"))
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 10 * time.Second
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = 60 * time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = min(3*time.Second, c.SessionTimeout/3)
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("HeartbeatInterval %v must be below SessionTimeout %v (a third of it or less)", c.HeartbeatInterval, c.SessionTimeout))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.OnAssign == nil {
		c.OnAssign = func(Assignment) {}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	return nil
}

// Member is one worker's membership in the group. Run drives it; the other
// methods are safe from any goroutine.
type Member struct {
	cfg    Config
	log    *slog.Logger
	rejoin chan struct{}

	mu  sync.Mutex
	cur Assignment

	// Owned by Run's goroutine.
	memberID   string
	generation int32
	owned      []string
	ownedGen   int32
	// lastSentOK: when the last request that reset the coordinator's
	// session timer (SyncGroup, Heartbeat) was sent.
	lastSentOK time.Time
}

// NewMember checks cfg and returns a member that has not joined yet.
func NewMember(cfg Config) (*Member, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Member{
		cfg:        cfg,
		log:        cfg.Logger.With("group", cfg.Group, "worker_id", cfg.WorkerID),
		rejoin:     make(chan struct{}, 1),
		generation: -1,
		cur:        Assignment{Generation: -1},
	}, nil
}

// Assignment returns the member's current view.
func (m *Member) Assignment() Assignment {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.cur
	a.Connectors = slices.Clone(a.Connectors)
	a.Added, a.Revoked = slices.Clone(a.Added), slices.Clone(a.Revoked)
	return a
}

// Rebalance asks the member to rejoin the group, which starts a rebalance:
// the leader calls it when the set of connectors changes.
func (m *Member) Rebalance() {
	select {
	case m.rejoin <- struct{}{}:
	default:
	}
}

// errRetry: back off, then join again. errRejoin: join again at once.
var (
	errRetry  = errors.New("retry after a backoff")
	errRejoin = errors.New("rejoin")
)

// Run joins the group and stays in it until ctx is done; then it stops its
// connectors (OnAssign with everything revoked) and leaves the group, so
// the others take them over at once. It returns nil after a clean exit and
// an error only for a terminal failure (bad config on the broker side, not
// authorized, a protocol the group does not accept).
func (m *Member) Run(ctx context.Context) error {
	defer m.exit()
	m.log.Info("joining group")
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := m.joinAndSync(ctx)
		if err == nil {
			backoff = 100 * time.Millisecond
			err = m.heartbeat(ctx)
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil, errors.Is(err, errRejoin):
		case errors.Is(err, errRetry):
			m.log.Debug("group request failed; retrying", "err", err, "backoff", backoff)
			wait := backoff
			if len(m.owned) > 0 {
				// Out of touch as long as the heartbeat loop allows:
				// the coordinator may have removed us.
				left := time.Until(m.lastSentOK.Add(m.cfg.SessionTimeout - m.cfg.HeartbeatInterval))
				if left <= 0 {
					m.lose("no group request answered for the session timeout less one heartbeat interval")
				} else {
					wait = min(wait, left)
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			backoff = min(2*backoff, 5*time.Second)
		default:
			m.lose("terminal error")
			return err
		}
	}
	return nil
}

// classify turns a group error code into errRejoin, errRetry or a terminal
// error, and resets the membership when the coordinator says we are out.
func (m *Member) classify(op string, code int16, memberID string) error {
	err := kerr.ErrorForCode(code)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kerr.MemberIDRequired): // KIP-394: join again with this id
		m.memberID = memberID
		return errRejoin
	case errors.Is(err, kerr.RebalanceInProgress):
		return errRejoin
	case errors.Is(err, kerr.UnknownMemberID):
		m.lose(op + ": unknown member id")
		m.memberID = ""
		return errRejoin
	case errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
		m.lose(op + ": " + err.Error())
		return errRejoin
	case errors.Is(err, kerr.NotCoordinator), errors.Is(err, kerr.CoordinatorNotAvailable),
		errors.Is(err, kerr.CoordinatorLoadInProgress), kerr.IsRetriable(err):
		return fmt.Errorf("%s: %w: %w", op, errRetry, err)
	case errors.Is(err, kerr.InconsistentGroupProtocol):
		return fmt.Errorf("%s in group %q: %w: the group's members are not sluice workers (a Kafka Connect cluster or a consumer group uses this group.id); give sluice's workers a group.id of their own", op, m.cfg.Group, err)
	case errors.Is(err, kerr.GroupAuthorizationFailed):
		return fmt.Errorf("%s in group %q: %w: allow the worker's principal READ on the group (an ACL on group %q)", op, m.cfg.Group, err, m.cfg.Group)
	default:
		return fmt.Errorf("%s in group %q: %w", op, m.cfg.Group, err)
	}
}

func (m *Member) joinAndSync(ctx context.Context) error {
	meta, err := json.Marshal(memberMeta{Version: 1, WorkerID: m.cfg.WorkerID, Owned: m.owned, Generation: m.ownedGen})
	if err != nil {
		return err
	}
	join := kmsg.NewPtrJoinGroupRequest()
	join.Group = m.cfg.Group
	join.SessionTimeoutMillis = int32(m.cfg.SessionTimeout.Milliseconds())
	join.RebalanceTimeoutMillis = int32(m.cfg.RebalanceTimeout.Milliseconds())
	join.MemberID = m.memberID
	join.ProtocolType = ProtocolType
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: ProtocolV1, Metadata: meta}}
	if m.partitioned() {
		return fmt.Errorf("join group: %w: %w", errRetry, errPartitioned)
	}
	jresp, err := join.RequestWith(ctx, m.cfg.Client)
	if err != nil {
		return fmt.Errorf("join group: %w: %w", errRetry, err)
	}
	if err := m.classify("join group", jresp.ErrorCode, jresp.MemberID); err != nil {
		return err
	}
	if jresp.Protocol != nil && *jresp.Protocol != ProtocolV1 {
		return fmt.Errorf("%w: coordinator chose protocol %q, want %q", ErrProtocol, *jresp.Protocol, ProtocolV1)
	}
	m.memberID, m.generation = jresp.MemberID, jresp.Generation
	isLeader := jresp.LeaderID == jresp.MemberID

	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = m.cfg.Group
	sync.Generation = jresp.Generation
	sync.MemberID = jresp.MemberID
	pt, proto := ProtocolType, ProtocolV1
	sync.ProtocolType, sync.Protocol = &pt, &proto
	if isLeader && !jresp.SkipAssignment {
		sync.GroupAssignment, err = m.lead(jresp)
		if err != nil {
			return err
		}
	}
	if m.partitioned() {
		return fmt.Errorf("sync group: %w: %w", errRejoin, errPartitioned)
	}
	syncSent := time.Now()
	sresp, err := sync.RequestWith(ctx, m.cfg.Client)
	if err != nil {
		return fmt.Errorf("sync group: %w: %w", errRetry, err)
	}
	if err := m.classify("sync group", sresp.ErrorCode, m.memberID); err != nil {
		if errors.Is(err, errRetry) {
			return fmt.Errorf("%w: %w", errRejoin, err) // a new coordinator: join it
		}
		return err
	}
	a, err := decodeAssignment(sresp.MemberAssignment)
	if err != nil {
		return err
	}
	// The leader is the member whose assignment the coordinator handed
	// out. On a real broker that is the JoinGroup's LeaderID; kfake has
	// been seen to name two members leader of one generation after the
	// leader left, and only one assignment wins.
	leader := jresp.LeaderID
	if a.Leader != "" {
		leader = a.Leader
	}
	m.lastSentOK = syncSent
	revoked, hbCode := m.apply(ctx, Assignment{
		Generation: jresp.Generation,
		MemberID:   jresp.MemberID,
		LeaderID:   leader,
		LeaderURL:  a.LeaderURL,
		IsLeader:   leader == jresp.MemberID,
		Connectors: a.Connectors,
	})
	if err := m.classify("heartbeat", hbCode, m.memberID); err != nil && !errors.Is(err, errRetry) {
		return err // the group moved on while OnAssign ran
	}
	if revoked {
		// Cooperative: what we gave up goes to another member in the
		// next generation, which our rejoin starts.
		return errRejoin
	}
	return nil
}

// lead computes the group's assignment from the members' metadata.
func (m *Member) lead(jresp *kmsg.JoinGroupResponse) ([]kmsg.SyncGroupRequestGroupAssignment, error) {
	states := make([]MemberState, 0, len(jresp.Members))
	urls := make(map[string]string, len(jresp.Members))
	for _, mem := range jresp.Members {
		meta, err := decodeMeta(mem.ProtocolMetadata)
		if err != nil {
			// Counted as a member that owns nothing; it will fail to
			// decode our assignment in turn and say why.
			m.log.Warn("member metadata unreadable", "member_id", mem.MemberID, "err", err)
		}
		urls[mem.MemberID] = meta.WorkerID
		states = append(states, MemberState{MemberID: mem.MemberID, WorkerID: meta.WorkerID, Owned: meta.Owned, Generation: meta.Generation})
	}
	plan, held := Assign(m.cfg.Connectors(), states)
	m.log.Info("leader assigned connectors", "generation", jresp.Generation, "members", len(states), "held_back", held)
	out := make([]kmsg.SyncGroupRequestGroupAssignment, 0, len(plan))
	for _, st := range states {
		b, err := json.Marshal(memberAssignment{Version: 1, Leader: jresp.LeaderID, LeaderURL: urls[jresp.LeaderID], Connectors: plan[st.MemberID]})
		if err != nil {
			return nil, err
		}
		out = append(out, kmsg.SyncGroupRequestGroupAssignment{MemberID: st.MemberID, MemberAssignment: b})
	}
	return out, nil
}

// apply records a new generation's connectors, tells OnAssign, and says
// whether any connector was revoked. It keeps heartbeating while OnAssign
// runs, so a slow stop does not cost the membership; it returns the first
// error code a heartbeat got (0 if none), for the caller to act on.
func (m *Member) apply(ctx context.Context, a Assignment) (bool, int16) {
	now := slices.Clone(a.Connectors)
	slices.Sort(now)
	a.Connectors = now
	for _, c := range now {
		if !slices.Contains(m.owned, c) {
			a.Added = append(a.Added, c)
		}
	}
	for _, c := range m.owned {
		if !slices.Contains(now, c) {
			a.Revoked = append(a.Revoked, c)
		}
	}
	m.owned, m.ownedGen = now, a.Generation
	m.log.Info("assignment", "generation", a.Generation, "leader", a.LeaderURL, "connectors", now, "added", a.Added, "revoked", a.Revoked)

	stop, done := make(chan struct{}), make(chan struct{})
	var code int16
	lastSentOK := m.lastSentOK
	go func() {
		defer close(done)
		code, lastSentOK = m.heartbeatWhile(ctx, stop, m.generation, m.memberID, lastSentOK)
	}()
	m.cfg.OnAssign(a)
	close(stop)
	<-done
	m.lastSentOK = lastSentOK

	m.mu.Lock()
	m.cur = a
	m.mu.Unlock()
	return len(a.Revoked) > 0, code
}

// heartbeatWhile heartbeats until stop is closed or a heartbeat is answered
// with an error code other than REBALANCE_IN_PROGRESS; it returns that code
// (or REBALANCE_IN_PROGRESS if one was seen, else 0) and when the last
// answered heartbeat was sent. Network errors are left to the heartbeat loop's
// session clock.
func (m *Member) heartbeatWhile(ctx context.Context, stop <-chan struct{}, gen int32, memberID string, lastSentOK time.Time) (int16, time.Time) {
	t := time.NewTicker(m.cfg.HeartbeatInterval)
	defer t.Stop()
	var code int16
	for {
		select {
		case <-ctx.Done():
			return code, lastSentOK
		case <-stop:
			return code, lastSentOK
		case <-t.C:
		}
		if m.partitioned() {
			continue
		}
		req := kmsg.NewPtrHeartbeatRequest()
		req.Group, req.Generation, req.MemberID = m.cfg.Group, gen, memberID
		sent := time.Now()
		hctx, cancel := context.WithTimeout(ctx, m.cfg.HeartbeatInterval)
		resp, err := req.RequestWith(hctx, m.cfg.Client)
		cancel()
		switch {
		case err != nil:
		case resp.ErrorCode == kerr.RebalanceInProgress.Code:
			// The coordinator still counts this heartbeat (it resets
			// the session while the group prepares a rebalance); keep
			// going, and rejoin once OnAssign returns.
			lastSentOK = sent
			code = resp.ErrorCode
		case resp.ErrorCode != 0:
			return resp.ErrorCode, lastSentOK
		default:
			lastSentOK = sent
		}
	}
}

// lose drops every connector: the member is no longer in the generation
// that gave them, so another member may run them already.
func (m *Member) lose(why string) {
	m.generation = -1
	if len(m.owned) == 0 {
		m.mu.Lock()
		m.cur.Generation = -1
		m.mu.Unlock()
		return
	}
	m.log.Warn("lost group membership; stopping connectors", "why", why, "connectors", m.owned)
	a := Assignment{Generation: -1, MemberID: m.memberID, Revoked: m.owned, Lost: true, Connectors: []string{}}
	m.owned, m.ownedGen = nil, 0
	m.cfg.OnAssign(a)
	m.mu.Lock()
	m.cur = a
	m.mu.Unlock()
}

// heartbeat keeps the membership alive until a rebalance, a lost membership
// or ctx ends it.
//
// The coordinator removes a member a session timeout after the last
// heartbeat it received, which is after the member sent it. So the member
// drops its connectors once SessionTimeout - HeartbeatInterval has passed
// since it sent the last heartbeat that was answered: strictly before the
// coordinator can give them to anyone else (clocks permitting), and a
// heartbeat interval early so the others' join cannot overtake it. If the
// coordinator had not removed it after all, its rejoin gets them back.
func (m *Member) heartbeat(ctx context.Context) error {
	t := time.NewTicker(m.cfg.HeartbeatInterval)
	defer t.Stop()
	grace := m.cfg.SessionTimeout - m.cfg.HeartbeatInterval
	lastSentOK := m.lastSentOK
	expire := time.NewTimer(time.Until(lastSentOK.Add(grace)))
	defer expire.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.rejoin:
			return errRejoin
		case <-expire.C:
			m.lose("no heartbeat answered for the session timeout less one heartbeat interval")
			return errRejoin
		case <-t.C:
		}
		req := kmsg.NewPtrHeartbeatRequest()
		req.Group, req.Generation, req.MemberID = m.cfg.Group, m.generation, m.memberID
		sent := time.Now()
		wait := min(m.cfg.HeartbeatInterval, time.Until(lastSentOK.Add(grace)))
		hctx, cancel := context.WithTimeout(ctx, max(wait, time.Millisecond))
		var resp *kmsg.HeartbeatResponse
		err := errPartitioned
		if !m.partitioned() {
			resp, err = req.RequestWith(hctx, m.cfg.Client)
		}
		cancel()
		if err != nil {
			err = fmt.Errorf("heartbeat: %w: %w", errRetry, err)
		} else {
			err = m.classify("heartbeat", resp.ErrorCode, m.memberID)
		}
		switch {
		case err == nil:
			lastSentOK, m.lastSentOK = sent, sent
			expire.Reset(time.Until(lastSentOK.Add(grace))) // Go 1.23+: no stale tick after Reset
		case errors.Is(err, errRejoin):
			return err
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errRetry):
			m.log.Debug("heartbeat failed", "err", err)
		default:
			return err
		}
	}
}

// exit stops the connectors and leaves the group, unless the knobs say to
// die like a crash.
func (m *Member) exit() {
	if m.cfg.Knobs.ExitLikeACrash {
		return
	}
	if len(m.owned) > 0 {
		a := Assignment{Generation: -1, MemberID: m.memberID, Revoked: m.owned, Connectors: []string{}}
		m.owned = nil
		m.cfg.OnAssign(a)
		m.mu.Lock()
		m.cur = a
		m.mu.Unlock()
	}
	if m.memberID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.MemberID = m.cfg.Group, m.memberID // v0-v2
	reason := "sluice worker stopping"
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: m.memberID, Reason: &reason}} // v3+
	if m.partitioned() {
		m.log.Warn("leave group skipped", "err", errPartitioned)
		return
	}
	resp, err := req.RequestWith(ctx, m.cfg.Client)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, mm := range resp.Members {
			if err == nil {
				err = kerr.ErrorForCode(mm.ErrorCode)
			}
		}
	}
	if err != nil {
		m.log.Warn("leave group failed; the others take over after the session timeout", "err", err)
		return
	}
	m.log.Info("left group")
}
