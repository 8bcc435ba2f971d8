package rest

// SnapshotProgress is a task's snapshot progress in a status body
// (tasks[].snapshot), a sluice extension that Kafka Connect does not have.
// It holds Debezium's snapshot metrics (RowsScanned, TotalTableCount,
// RemainingTableCount, SnapshotRunning/Completed/Aborted,
// SnapshotDurationInSeconds) for the snapshot the task ran or resumed last;
// a task that ran no snapshot has none. Rows count what is committed to
// Kafka, so a restart shows its checkpoint's count.
type SnapshotProgress struct {
	// State is "running", "completed" or "aborted" (the task stopped or
	// failed before the snapshot ended; a restart resumes it).
	State string `json:"state"`
	// DurationSeconds is the time from the snapshot's start in this run of
	// the task to its end, or to now while it runs.
	DurationSeconds float64 `json:"duration_seconds"`
	// TotalTables and RemainingTables count the tables of the snapshot and
	// those not read to their end yet.
	TotalTables     int `json:"total_tables"`
	RemainingTables int `json:"remaining_tables"`
	// RowsScanned sums the tables' known rows_scanned; RowsEstimated their
	// known rows_estimated.
	RowsScanned   int64           `json:"rows_scanned"`
	RowsEstimated int64           `json:"rows_estimated"`
	Tables        []SnapshotTable `json:"tables"`
}

// SnapshotTable is one table of a snapshot, in reading order.
type SnapshotTable struct {
	Table string `json:"table"`
	// State is "pending", "running" or "done".
	State string `json:"state"`
	// RowsScanned is the number of the table's rows committed to Kafka (0
	// while pending); null for a table a resumed snapshot finished in an
	// earlier process (the checkpoint keeps only the count of the table it
	// stopped in).
	RowsScanned *int64 `json:"rows_scanned"`
	// RowsEstimated is the database's estimate of the table's rows, asked
	// when its reading starts (Postgres pg_class.reltuples, MySQL
	// information_schema.TABLES.TABLE_ROWS); null when unknown (never
	// analyzed, not asked yet, or the source cannot tell).
	RowsEstimated *int64 `json:"rows_estimated"`
}
