// Package offsets holds the Store contract: where a connector's checkpoint is
// read from when it starts. The Kafka store reads the compacted offsets topic
// that the Kafka sink writes inside each transaction.
package offsets
