package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connerr"
	"github.com/sluicecdc/sluice/connectors/rest"
)

// AlterOffsets applies PATCH /connectors/{name}/offsets to a STOPPED
// connector. Its one source partition is {"server": topic.prefix}, as
// Debezium's. An offset of null resets the connector's checkpoint (as
// DELETE .../offsets does), so its next start begins afresh; an offset in
// the shape of the connector's Debezium offsets (GET .../offsets) becomes
// its checkpoint, so its next start streams from exactly after that
// position. Other partitions are not the connector's and are ignored, as
// Debezium ignores them; but a request none of whose partitions is the
// connector's is a 400 naming its partition, since it would change nothing
// while answering that the offsets were altered (a mistyped topic.prefix).
func (s *Supervisor) AlterOffsets(ctx context.Context, name string, offsets []rest.PartitionOffset) error {
	m, err := s.get(name, "Connector %s not found")
	var prefix, class string
	if err == nil {
		cfg, target := m.configAndTarget()
		if target != StateStopped {
			err = errNotStopped(name)
		}
		prefix, class = cfg["topic.prefix"], cfg["connector.class"]
	}
	if err != nil {
		return err
	}
	var (
		mine   bool
		offset map[string]any
	)
	for _, o := range offsets {
		if server, ok := o.Partition["server"].(string); !ok || server != prefix || len(o.Partition) != 1 {
			continue
		}
		mine, offset = true, o.Offset
	}
	if !mine {
		return connerr.New(connerr.ErrBadRequest, "None of the partitions in the request is connector %s's, so no offset would change: "+
			`its one source partition is {"server":%q}; send {"offsets":[{"partition":{"server":%q},"offset":null}]} to reset it, `+
			"or read its offset with GET /connectors/%s/offsets", name, prefix, prefix, name)
	}
	if offset == nil {
		if err := s.opts.Offsets.Reset(ctx, name); err != nil {
			return fmt.Errorf("reset the offsets of connector %s: %w", name, err)
		}
		s.log.Info("connector offsets reset", "connector", name)
		return nil
	}
	p := findPlugin(s.opts.Plugins, class)
	if p == nil || p.FromOffset == nil {
		return connerr.New(connerr.ErrBadRequest, "sluice cannot set the position of connector %s (class %s) from an offset: to start it afresh, "+
			`send {"offsets":[{"partition":{"server":%q},"offset":null}]} or DELETE /connectors/%s/offsets`, name, class, prefix, name)
	}
	prev, err := s.checkpoint(ctx, name)
	if err != nil {
		return err
	}
	pos, err := p.FromOffset(offset, prev)
	if err != nil {
		return connerr.New(connerr.ErrBadRequest, "The offset for connector %s is not valid: %v", name, err)
	}
	if err := s.saveCheckpoint(ctx, name, pos); err != nil {
		return err
	}
	s.log.Info("connector offsets altered", "connector", name, "offset", offset)
	return nil
}

// checkpoint returns a connector's committed checkpoint, nil when it has
// none.
func (s *Supervisor) checkpoint(ctx context.Context, name string) (*change.Position, error) {
	raw, err := s.opts.Offsets.Load(ctx, name)
	if err != nil || raw == nil {
		return nil, err
	}
	return DecodeCheckpoint(raw)
}

// saveCheckpoint writes pos as a stopped connector's checkpoint.
func (s *Supervisor) saveCheckpoint(ctx context.Context, name string, pos change.Position) error {
	b, err := EncodeCheckpoint(pos, time.Now())
	if err != nil {
		return err
	}
	if err := s.opts.Offsets.Save(ctx, name, b); err != nil {
		return fmt.Errorf("alter the offsets of connector %s: %w", name, err)
	}
	return nil
}
