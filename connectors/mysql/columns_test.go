package mysql

import (
	"reflect"
	"testing"

	"github.com/sluicecdc/sluice/connectors/columns"
)

// TestMyColumnsWithoutDDL checks the column metadata taken from
// information_schema when no DDL was seen, against what Debezium 3.5.0
// propagated for the same columns (integration/compat's ptypes table).
func TestMyColumnsWithoutDDL(t *testing.T) {
	got := myColumns([]ColumnMeta{
		{Name: "id", ColumnType: "int(10) unsigned"},
		{Name: "c_dec", ColumnType: "decimal(12,4)"},
		{Name: "c_varchar", ColumnType: "varchar(12)", Charset: "utf8mb4"},
		{Name: "c_varbinary", ColumnType: "varbinary(9)", Charset: "binary"},
		{Name: "c_enum", ColumnType: "enum('sad','happy')", Charset: "utf8mb4"},
		{Name: "c_set", ColumnType: "set('x','yy','zzz')", Charset: "utf8mb4"},
		{Name: "c_date", ColumnType: "date"},
		{Name: "c_text", ColumnType: "text", Charset: "utf8mb4"},
	})
	want := []columns.Column{
		{Name: "id", Type: "INT UNSIGNED", Length: 10, Scale: -1},
		{Name: "c_dec", Type: "DECIMAL", Length: 12, Scale: 4},
		{Name: "c_varchar", Type: "VARCHAR", Length: 12, Scale: -1, Char: true},
		{Name: "c_varbinary", Type: "VARBINARY", Length: 9, Scale: -1},
		{Name: "c_enum", Type: "ENUM", Length: 1, Scale: -1, Char: true},
		{Name: "c_set", Type: "SET", Length: 5, Scale: -1, Char: true},
		{Name: "c_date", Type: "DATE", Length: -1, Scale: -1},
		{Name: "c_text", Type: "TEXT", Length: -1, Scale: -1, Char: true},
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: got %+v, want %+v", want[i].Name, got[i], want[i])
			}
		}
	}
}
