// Package store keeps a distributed group's connector configurations and
// statuses in two compacted Kafka topics, in Kafka Connect's layout (keys
// of KafkaConfigBackingStore and KafkaStatusBackingStore, values as
// Connect's JsonConverter writes them with schemas.enable=false), so a
// tool that reads a Connect cluster's topics reads sluice's, and sluice can
// read a Connect cluster's.
//
// ConfigTopic owns config.storage.topic (one partition, so every worker
// applies the records in one order): connector-<name>, target-state-<name>,
// task-<name>-0 and commit-<name>, restart-connector-<name>. StatusTopic
// owns status.storage.topic (5 partitions by default, as Connect):
// status-connector-<name>, status-task-<name>-<n>,
// status-topic-<topic>:connector-<name>.
//
// # Invariants
//
//   - Each store has one reader goroutine that reads the topic from its
//     start (read_committed) and applies every record in offset order; the
//     in-memory state is only ever changed there. Open returns once
//     everything up to the end offsets at open is applied.
//   - A write returns only once the reader has applied it (read-your-writes):
//     a worker that wrote a config sees it in Connectors at once.
//   - Records the store does not use (session-key, tasks-fencing-…,
//     logger-cluster-…, records of other layouts) and records it cannot
//     decode are skipped and logged, never fatal, as in Connect.
//   - Connect's state rules: a connector with a config and no target-state
//     record is RUNNING (Connect: STARTED); a target-state record of a
//     connector without a config is kept and applies when the config comes;
//     deleting a connector tombstones connector-<name> then
//     target-state-<name>; a reader ignores an UNASSIGNED task status of the
//     same or an older generation over a RUNNING one; a connector status
//     tombstone drops its task statuses too.
//
// # Limits
//
// Writes are idempotent (franz-go's producer) with acks=all but not
// transactional: the config topic has one writer at a time, the leader
// (docs/distributed.md §4), as in Connect without exactly-once source
// support. The putSafe rule (PutConnectorSafe, PutTaskSafe) compares with
// what this store has read, so it narrows the window for a stale status
// write and cannot close it; fencing is by transactional.id (§5).
package store
