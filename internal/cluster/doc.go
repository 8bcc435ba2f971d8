// Package cluster is the group membership layer of distributed mode: a
// Member joins a group of sluice workers through Kafka's group coordinator
// (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup with
// protocol type "sluice"), and the member the coordinator elects leader
// assigns connector names to the members with Assign.
//
// It is not a consumer group: no partitions, no offsets. Only the classic
// group membership protocol is used, the way Kafka Connect's distributed
// herder uses it, so the coordinator (not sluice) decides who is alive.
//
// # Invariants
//
//   - A connector is handed to a member only when no live member claims it:
//     a connector that moves between two live members is first revoked from
//     its owner (which stops it and rejoins at once) and assigned in the next
//     generation (incremental cooperative rebalancing). A member's claim is
//     what it says it owns in its JoinGroup metadata.
//   - A member that learns it is no longer in the group (UNKNOWN_MEMBER_ID,
//     ILLEGAL_GENERATION, or no heartbeat answered for the session timeout
//     less one heartbeat interval) drops every connector before it rejoins
//     (they are "lost"); the last case happens before the coordinator can
//     remove the member, so before anyone else is given them.
//   - OnAssign runs on the member's goroutine, one call at a time, in
//     generation order; the member does not rejoin until it returns, so a
//     revoked connector is stopped before anyone else can be given it.
//
// Membership alone does not make exactly-once: a worker cut off from the
// coordinator may still be running a connector for up to a session timeout.
// The connector's transactional.id (sluice-<connector>) fences it: its next
// transaction fails with a fenced-producer error once the new owner has
// initialised its producer. See docs/distributed.md.
package cluster
