package runtime

import (
	"context"
	"fmt"

	"github.com/sluicecdc/sluice/connectors/rest"
)

// AlterOffsets applies PATCH /connectors/{name}/offsets to a STOPPED
// connector. Its one source partition is {"server": topic.prefix}, as
// Debezium's; an offset of null for it resets the connector's checkpoint (as
// DELETE .../offsets does), so its next start begins afresh. Other
// partitions are not the connector's and are ignored, as Debezium ignores
// them. Setting a position from an offset is not supported: that entry is a
// 400 that says how to start afresh instead.
func (s *Supervisor) AlterOffsets(ctx context.Context, name string, offsets []rest.PartitionOffset) error {
	s.mu.Lock()
	m, err := s.get(name, "Connector %s not found")
	var prefix string
	if err == nil {
		if m.target != StateStopped {
			err = rest.Errorf(400, "Connectors must be in the STOPPED state before their offsets can be modified. "+
				"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
		}
		prefix = m.config["topic.prefix"]
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	reset := false
	for _, o := range offsets {
		if server, ok := o.Partition["server"].(string); !ok || server != prefix || len(o.Partition) != 1 {
			continue
		}
		if o.Offset != nil {
			return rest.Errorf(400, "sluice cannot set connector %s's position from an offset: to start it afresh, "+
				`send {"offsets":[{"partition":{"server":%q},"offset":null}]} or DELETE /connectors/%s/offsets`, name, prefix, name)
		}
		reset = true
	}
	if !reset {
		return nil
	}
	if err := s.opts.Offsets.Reset(ctx, name); err != nil {
		return fmt.Errorf("reset the offsets of connector %s: %w", name, err)
	}
	s.log.Info("connector offsets reset", "connector", name)
	return nil
}
