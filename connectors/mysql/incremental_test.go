package mysql

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
)

// TestIncrementalState: the incremental snapshot's state rides in a
// cpState's JSON, reads back, and the offsets view shows Debezium's
// incremental_snapshot_* keys for it (a key column of unknown class as a
// String); FromOffset refuses a Debezium offset with one in progress.
func TestIncrementalState(t *testing.T) {
	base, err := json.Marshal(cpState{Restart: restartPoint{binlogPos: binlogPos{File: "mariadb-bin.000003", Pos: 154}}, Sig: 4})
	if err != nil {
		t.Fatal(err)
	}
	inc := capture.IncState{Queue: []capture.IncTable{{ID: "db.t", Corr: "sig-1"}}, After: []string{"5"}, Max: []string{"9"}}
	incJSON, _ := json.Marshal(inc)

	for _, tc := range []struct {
		name  string
		kinds []capture.JavaKind
		pk    string // hex of the serialized key, as capture's own tests check it
	}{
		{"Integer key", []capture.JavaKind{capture.JavaInteger}, "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c02000078700000000173720011"},
		{"unknown class: String", nil, "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c020000787000000001740001"},
	} {
		state := withInc(base, incJSON, tc.kinds)
		var st cpState
		if err := json.Unmarshal(state, &st); err != nil || st.Restart.Pos != 154 || st.Sig != 4 {
			t.Fatalf("%s: %s does not read back as a cpState: %+v, %v", tc.name, state, st, err)
		}
		c, err := readIncCheckpoint(state)
		if err != nil || c.Inc == nil || c.Inc.Queue[0].ID != "db.t" || len(c.Kinds) != len(tc.kinds) {
			t.Fatalf("%s: %s: incremental state %+v, %v", tc.name, state, c, err)
		}
		o := OffsetView(change.Position{Tx: 3<<32 | 153, Last: true, State: state})
		if o[offFile] != "mariadb-bin.000003" || o[capture.OffsetIncCorrelationID] != "sig-1" {
			t.Errorf("%s: offsets %v", tc.name, o)
		}
		if pk, _ := o[capture.OffsetIncPrimaryKey].(string); !strings.HasPrefix(pk, tc.pk) {
			t.Errorf("%s: %s = %s, want it to begin %s", tc.name, capture.OffsetIncPrimaryKey, pk, tc.pk)
		}
		if colls, _ := o[capture.OffsetIncCollections].(string); !strings.Contains(colls, `"incremental_snapshot_collections_id":"db.t"`) {
			t.Errorf("%s: collections %q", tc.name, colls)
		}
	}
	// Without a snapshot running the state carries nothing of it.
	if o := OffsetView(change.Position{Tx: 1, Last: true, State: base}); o[capture.OffsetIncCollections] != nil {
		t.Errorf("offsets without an incremental snapshot: %v", o)
	}

	off := map[string]any{offFile: "mariadb-bin.000003", offPos: json.Number("154"),
		capture.OffsetIncCollections: `[{"incremental_snapshot_collections_id":"db.t"}]`}
	if _, err := FromOffset(off, nil); err == nil || !strings.Contains(err.Error(), "incremental snapshot in progress") {
		t.Errorf("FromOffset of an incremental snapshot in progress: %v", err)
	}
	off[capture.OffsetIncCollections] = "[]"
	if _, err := FromOffset(off, nil); err != nil {
		t.Errorf("FromOffset of a finished incremental snapshot: %v", err)
	}
}

// TestJavaKind: the Java classes of key columns in Debezium's offsets, as
// the JDBC driver returns them.
func TestJavaKind(t *testing.T) {
	for _, tc := range []struct {
		m    ColumnMeta
		want capture.JavaKind
	}{
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_TINY}, capture.JavaInteger},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_INT24, Unsigned: true}, capture.JavaInteger},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_LONG}, capture.JavaInteger},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_LONG, Unsigned: true}, capture.JavaLong},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_LONGLONG}, capture.JavaLong},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_LONGLONG, Unsigned: true}, capture.JavaString},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_VARCHAR}, capture.JavaString},
		{ColumnMeta{Type: gomysql.MYSQL_TYPE_NEWDECIMAL}, capture.JavaString},
	} {
		if got := javaKind(&tc.m); got != tc.want {
			t.Errorf("type %d unsigned %v: %d, want %d", tc.m.Type, tc.m.Unsigned, got, tc.want)
		}
	}
}

// TestReadAgain: a chunk read that fails because a TRUNCATE recreated the
// table after the view began (ER_TABLE_DEF_CHANGED, through the errors
// that wrap it) is read again; other failures are not.
func TestReadAgain(t *testing.T) {
	defChanged := &gomysql.MyError{Code: gomysql.ER_TABLE_DEF_CHANGED, State: "HY000", Message: "Table definition has changed, please retry transaction"}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("incremental snapshot of db.t: read a chunk: %w", &ConnError{Op: "read an incremental snapshot chunk of db.t", Err: defChanged}), true},
		{&ConnError{Op: "read", Err: &gomysql.MyError{Code: gomysql.ER_NO_SUCH_TABLE, State: "42S02"}}, false},
		{errors.New("Table definition has changed"), false},
	} {
		if got := readAgain(c.err); got != c.want {
			t.Errorf("readAgain(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
