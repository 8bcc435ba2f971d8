package mysql

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
)

// JDBC character types (java.sql.Types): the columns Debezium masks and hashes.
var jdbcCharTypes = map[int32]bool{1: true, 12: true, -1: true, 2005: true, -15: true, -9: true, -16: true, 2011: true, 70: true}

// myColumns describes meta's columns as Debezium's relational model sees
// them: the type, length and scale its DDL parser records.
func myColumns(meta []ColumnMeta) []columns.Column {
	out := make([]columns.Column, len(meta))
	for i := range meta {
		m := &meta[i]
		c := columns.Column{Name: m.Name, Length: -1, Scale: -1}
		if d := m.Declared; d != nil {
			c.Type, c.Length = d.TypeName, int(d.Length)
			if d.HasScale {
				c.Scale = int(d.Scale)
			}
			c.Char = jdbcCharTypes[d.JDBCType]
			// No comment: Debezium's DDL parser keeps column comments only
			// with include.schema.comments=true (default false), which
			// sluice does not take; measured against Debezium 3.5.0.
		} else {
			// No DDL seen: information_schema's COLUMN_TYPE, as the DDL gives it.
			ct := parseColumnType(m.ColumnType)
			c.Type = strings.ToUpper(ct.base)
			if ct.unsigned {
				c.Type += " UNSIGNED"
			}
			switch ct.base {
			case "enum":
				c.Length = 1 // as Debezium's DDL parser records them (ddlmodel.go)
			case "set":
				c.Length = max(0, 2*len(ct.args)-1)
			default:
				if len(ct.args) > 0 {
					if n, err := strconv.Atoi(ct.args[0]); err == nil {
						c.Length = n
					}
				}
				if len(ct.args) > 1 {
					if n, err := strconv.Atoi(ct.args[1]); err == nil {
						c.Scale = n
					}
				}
			}
			switch ct.base {
			case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
				c.Char = m.Charset != "binary"
			}
		}
		out[i] = c
	}
	return out
}

// finish applies the table's column mappers to row (in Meta order, in
// place) and returns the row the table schema describes.
func (t *tableInfo) finish(row change.Row) change.Row {
	if row == nil || t.plan == nil {
		return row
	}
	if t.mapped {
		t.plan.Apply(row)
	}
	keep := t.plan.Keep()
	if keep == nil {
		return row
	}
	out := make(change.Row, len(keep))
	for i, c := range keep {
		out[i] = row[c]
	}
	return out
}

// keyChanged reports whether an update changes the record key: the primary
// key's binlog values, or the message.key.columns values of the rows.
func keyChanged(t *tableInfo, before, after change.Row, beforeKey, afterKey []any) bool {
	if len(t.recKey) == 0 {
		return false
	}
	if !slices.Equal(t.recKey, t.Key) {
		for _, c := range t.recKey {
			if c >= len(before) || c >= len(after) || !reflect.DeepEqual(before[c], after[c]) {
				return true
			}
		}
		return false
	}
	return !equalStrings(rowKey(t, beforeKey), rowKey(t, afterKey))
}

// keyRow returns the record key's values from after (or before, for a
// delete) when the table's key takes values its rows leave out or mask
// (tableInfo.keyFromEvent); nil otherwise. It must run before finish.
func (t *tableInfo) keyRow(before, after change.Row) change.Row {
	return capture.KeyRow(t.keyFromEvent, t.recKey, before, after)
}
