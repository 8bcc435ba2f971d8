package mysql

import (
	"context"
	"fmt"
)

// Check connects to the configured server and logs in, as Debezium's
// validate does, without reading the binlog or creating anything. ctx
// bounds it.
func Check(ctx context.Context, cfg Config) error {
	c, err := connect(ctx, &cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Execute("SELECT VERSION()"); err != nil {
		return &ConnError{Op: "SELECT VERSION()", Err: fmt.Errorf("%w", err)}
	}
	return nil
}
