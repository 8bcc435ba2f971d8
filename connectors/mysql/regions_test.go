package mysql

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestRegionStateJSON pins the regions' JSON in checkpoints: the same
// bytes as before regions moved to capture.Region, and read back.
func TestRegionStateJSON(t *testing.T) {
	at := binlogPos{"mysql-bin.000002", 4}
	st := cpState{Restart: restartPoint{binlogPos: at}, Tables: []string{"db.a", "db.t"}, Regions: []region{
		{Table: 0, Mark: regionMark{At: at}},
		{Table: 1, After: []string{"10", "x"}, Mark: regionMark{At: binlogPos{"mysql-bin.000003", 120}}},
	}}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"restart":{"file":"mysql-bin.000002","pos":4},"tables":["db.a","db.t"],"regions":[` +
		`{"table":0,"at":{"file":"mysql-bin.000002","pos":4}},{"table":1,"after":["10","x"],"at":{"file":"mysql-bin.000003","pos":120}}]}`
	if string(b) != want {
		t.Errorf("state %s\nwant  %s", b, want)
	}
	var back cpState
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Regions, st.Regions) {
		t.Errorf("read back %+v", back.Regions)
	}
	if end := regionsEnd(back.Regions); end != orderOf(binlogPos{"mysql-bin.000003", 120}) {
		t.Errorf("regionsEnd %d", end)
	}
}
