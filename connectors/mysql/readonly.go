package mysql

import (
	"github.com/sluicecdc/sluice/connectors/capture"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// read.only and the incremental snapshot keys (capture.IncConfig). sluice
// writes nothing to MariaDB or MySQL with or without read.only: an
// incremental snapshot's chunk watermark is the binlog_snapshot_file and
// _position of the chunk's own consistent-snapshot transaction, and its
// progress is in the checkpoint; signals come from the binlog (the source
// channel: someone else inserts the signal row) or from Kafka. A
// heartbeat.action.query is the one statement sluice runs for the user, and
// read.only warns about it.

func init() {
	ConfigKeys = append(ConfigKeys, capture.IncKeys...)
}

// incDefs are the incremental snapshot keys' definitions (ConfigDefs).
func incDefs() []cd.Key { return capture.IncDefs("Connector", 61, 57, 24) }
