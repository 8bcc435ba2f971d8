package capture

import (
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// IncKeys are the connector configuration keys of incremental snapshots
// that both sources read the same way (incremental.snapshot.chunk.size is
// each source's own), with Debezium's names.
var IncKeys = []string{
	"read.only",
	"incremental.snapshot.allow.schema.changes",
	"incremental.snapshot.watermarking.strategy",
}

// Watermarking strategies (incremental.snapshot.watermarking.strategy).
// sluice writes no watermark rows with either: its watermarks are read
// (docs/capture-core.md section 3.2), so the key is only validated.
const (
	WatermarkInsertInsert = "insert_insert"
	WatermarkInsertDelete = "insert_delete"
)

// IncConfig is what a connector's configuration says about incremental
// snapshots besides the chunk size.
type IncConfig struct {
	// ReadOnly is read.only: the connector must not write to the database.
	// sluice's incremental snapshots write nothing anyway; with it set the
	// sources also create or alter nothing (Postgres: no publication) and
	// warn about a heartbeat.action.query.
	ReadOnly bool
	// AllowSchemaChanges is incremental.snapshot.allow.schema.changes: a
	// chunk is not read while the server's columns of the table differ from
	// the stream's (it waits until the stream has read the change), where by
	// default it is read with the stream's columns, a dropped one as null.
	AllowSchemaChanges bool
	// Watermarking is incremental.snapshot.watermarking.strategy,
	// validated and otherwise unused.
	Watermarking string
}

// Parse sets c from p's configuration; bad values are p's problems.
func (c *IncConfig) Parse(p *cd.Parser) {
	c.ReadOnly = p.Bool("read.only", false)
	c.AllowSchemaChanges = p.Bool("incremental.snapshot.allow.schema.changes", false)
	c.Watermarking = p.OneOf("incremental.snapshot.watermarking.strategy", WatermarkInsertInsert, WatermarkInsertInsert, WatermarkInsertDelete)
}

// IncDefs describe IncKeys for GET /connector-plugins/{class}/config, with
// Debezium's texts, in group at the places Kafka Connect lists them for
// Debezium's connector (watermark, allow; read.only has none there).
func IncDefs(group string, readOnly, allow, watermark int) []cd.Key {
	return []cd.Key{
		{Name: "read.only", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: group, Order: readOnly, Width: cd.WidthShort, Display: "Read only connection",
			Doc: "Switched connector to use alternative methods to deliver signals to Debezium instead of writing to signaling table. sluice writes no signal or watermark rows in any case; with true it also creates or alters nothing on the database."},
		{Name: "incremental.snapshot.allow.schema.changes", Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Low, Group: group, Order: allow, Width: cd.WidthShort, Display: "Allow schema changes during incremental snapshot if supported.",
			Doc: "Detect schema change during an incremental snapshot and re-select a current chunk to avoid locking DDLs. Note that changes to a primary key are not supported and can cause incorrect results if performed during an incremental snapshot."},
		{Name: "incremental.snapshot.watermarking.strategy", Type: cd.String, Default: cd.Def("INSERT_INSERT"), Importance: cd.Low, Group: group, Order: watermark, Width: cd.WidthMedium, Display: "Incremental snapshot watermarking strategy",
			Doc: "Specify the strategy used for watermarking during an incremental snapshot: 'insert_insert' or 'insert_delete'. sluice keeps its watermarks in its checkpoint and writes none to the database with either."},
	}
}

// ReadOnlyWarnings are the start-up warnings for a read.only connector
// whose heartbeat.action.query is actionQuery: Debezium runs that statement
// even with read.only=true, and so does sluice, but on a read-only server
// (a replica, a user without write grants) a write there fails the
// connector at its first heartbeat.
func (c IncConfig) ReadOnlyWarnings(actionQuery string) []string {
	if !c.ReadOnly || actionQuery == "" {
		return nil
	}
	return []string{"read.only=true, but heartbeat.action.query is set: sluice runs it at every heartbeat as Debezium does, " +
		"and a statement that writes fails the connector on a read-only server; remove heartbeat.action.query or make it a read"}
}
