// Package runtime drives connectors: for each one it opens the sink, loads
// the checkpoint, opens the source after it, and then loops source -> encode
// -> one Kafka transaction holding the batch and its checkpoint -> ack. The
// Supervisor runs the registered connectors, keeps their configs in the data
// directory and implements the REST Manager.
package runtime
