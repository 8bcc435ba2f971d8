package postgres

import "github.com/sluicecdc/sluice/connectors/capture"

// read.only and the incremental snapshot keys (capture.IncConfig). sluice's
// incremental snapshots write nothing to the database with or without
// read.only: a chunk's watermark is pg_current_snapshot() and the WAL insert
// point, read in the chunk's own transaction, and the snapshot's progress
// is in the checkpoint. What read.only changes on Postgres: sluice never
// creates or alters the publication (an admin creates it, as with
// publication.autocreate.mode=disabled, and the prerequisites check it
// covers the captured tables and the signal table), and a
// heartbeat.action.query is warned about.

func init() {
	ConfigKeys = append(ConfigKeys, capture.IncKeys...)
	ConfigDefs = append(ConfigDefs, capture.IncDefs("Connector", 61, 60, 23)...)
}

// managesPublication reports whether sluice creates or alters the
// publication: not with publication.autocreate.mode=disabled, nor with
// read.only=true.
func (c *Config) managesPublication() bool {
	return c.PublicationMode != PublicationDisabled && !c.Inc.ReadOnly
}

// publicationOwner says why sluice leaves the publication alone, for the
// prerequisites' messages.
func (c *Config) publicationOwner() string {
	if c.Inc.ReadOnly {
		return "read.only=true"
	}
	return "publication.autocreate.mode=disabled"
}

// publicationFix is the other way out of a missing publication.
func (c *Config) publicationFix() string {
	if c.Inc.ReadOnly {
		return "as an admin: with read.only=true sluice creates nothing on the database"
	}
	return "or set publication.autocreate.mode=filtered"
}
