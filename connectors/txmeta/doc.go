// Package txmeta keeps Debezium's transaction metadata
// (provide.transaction.metadata) for a source: it counts the events of the
// source transaction in progress, per table and in total, and builds the
// BEGIN and END records of the transaction topic and the transaction block of
// each data event.
//
// A source calls Reset when a transaction starts and Count for every event
// of it that it numbers, including the events it skips because a checkpoint
// says they are already in Kafka: a source replays an interrupted
// transaction from its start after a restart, so recounting the skipped
// events gives the counts again, and the checkpoint needs to hold nothing
// more. BEGIN rides on the transaction's first event and END on its last
// (change.Event.TxBegin, TxEnd), so each is committed exactly once, in the
// Kafka transaction that holds that event. A transaction without captured
// events gets its BEGIN and END (event_count 0) on one event of its own, as
// Debezium writes them.
package txmeta
