// Package runtime drives connectors: for each one it opens the sink, loads
// the checkpoint, opens the source after it, and then loops source -> encode
// -> one Kafka transaction holding the batch and its checkpoint -> ack. The
// Supervisor runs the registered connectors, one goroutine per connector
// applying its commands in order (actor.go), keeps their configs in the data
// directory and implements the REST Manager, returning connerr errors whose
// HTTP statuses connectors/rest decides.
package runtime
