package offsets

import "context"

// Store reads connectors' checkpoints.
type Store interface {
	// Load returns the last committed checkpoint of connector, or nil when
	// it has none.
	Load(ctx context.Context, connector string) ([]byte, error)
	// Reset deletes connector's checkpoint, so its next start is a fresh
	// one. The connector must not be running.
	Reset(ctx context.Context, connector string) error
	// Save writes value as connector's checkpoint (PATCH
	// /connectors/{name}/offsets). The connector must not be running.
	Save(ctx context.Context, connector string, value []byte) error
}
