// Package sinks holds the Sink contract: where a connector's records go,
// written atomically with its checkpoint.
package sinks
