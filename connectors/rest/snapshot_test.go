package rest

import "testing"

// TestStatusSnapshotExtension: a task's snapshot progress (a sluice
// extension) follows Kafka Connect's fields, in the status, the task's
// status and ?expand=status; a task with none has no key, so the body is
// Kafka Connect's (TestStatusVersions).
func TestStatusSnapshotExtension(t *testing.T) {
	rows, est := int64(1200), int64(1000)
	zero := int64(0)
	withSnapshot := func(m *fakeManager) {
		m.statusOverride = map[string]ConnectorStatus{"pg1": {Name: "pg1", Type: "source",
			Connector: State{State: "RUNNING"},
			Tasks: []TaskState{{ID: 0, State: State{State: "RUNNING"}, Snapshot: &SnapshotProgress{
				State: "running", DurationSeconds: 1.5, TotalTables: 2, RemainingTables: 2, RowsScanned: 1200, RowsEstimated: 1000,
				Tables: []SnapshotTable{
					{Table: "public.a", State: "running", RowsScanned: &rows, RowsEstimated: &est},
					{Table: "public.b", State: "pending", RowsScanned: &zero},
				}}}}}}
	}
	const task = `{"id":0,"state":"RUNNING","worker_id":"10.0.0.5:8083","snapshot":{"state":"running","duration_seconds":1.5,` +
		`"total_tables":2,"remaining_tables":2,"rows_scanned":1200,"rows_estimated":1000,"tables":[` +
		`{"table":"public.a","state":"running","rows_scanned":1200,"rows_estimated":1000},` +
		`{"table":"public.b","state":"pending","rows_scanned":0,"rows_estimated":null}]}}`
	const status = `{"name":"pg1","connector":{"state":"RUNNING","worker_id":"10.0.0.5:8083"},"tasks":[` + task + `],"type":"source"}`
	runCases(t, []restCase{
		{name: "status", method: "GET", path: "/connectors/pg1/status", status: 200, setup: withSnapshot, want: status},
		{name: "task status", method: "GET", path: "/connectors/pg1/tasks/0/status", status: 200, setup: withSnapshot, want: task},
		{name: "expand status", method: "GET", path: "/connectors?expand=status", status: 200,
			setup: func(m *fakeManager) { withSnapshot(m); delete(m.connectors, "my1") },
			want:  `{"pg1":{"status":` + status + `}}`},
	})
}
