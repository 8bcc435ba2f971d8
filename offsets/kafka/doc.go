// Package kafka reads connectors' checkpoints from the compacted offsets
// topic that the Kafka sink writes in each transaction, with read_committed
// isolation, so only checkpoints of committed transactions are seen.
package kafka
