package offsets

import "context"

// Store reads connectors' checkpoints.
type Store interface {
	// Load returns the last committed checkpoint of connector, or nil when
	// it has none.
	Load(ctx context.Context, connector string) ([]byte, error)
}
