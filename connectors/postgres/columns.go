package postgres

import (
	"context"
	"math"
	"strings"

	"github.com/sluicecdc/sluice/connectors/capture"
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/columns"
)

// columnPlan describes t's columns as Debezium's relational model sees them
// (the JDBC driver's getColumns: TYPE_NAME, COLUMN_SIZE, DECIMAL_DIGITS; for
// a table rebuilt from a RELATION message, Debezium's type registry) and
// returns the plan of cfg's column rules for t (nil when none touches it)
// with the columns it was made for.
func columnPlan(ctx context.Context, cat *TypeCatalog, q Querier, t *tableInfo, rules *columns.Rules) (*columns.Plan, []columns.Column) {
	if rules == nil {
		return nil, nil
	}
	cols := pgColumns(ctx, cat, q, t)
	return rules.Table(t.ID, cols), cols
}

func pgColumns(ctx context.Context, cat *TypeCatalog, q Querier, t *tableInfo) []columns.Column {
	out := make([]columns.Column, len(t.Cols))
	for i, c := range t.Cols {
		oid, typmod := c.TypeOID, c.Typmod
		name := c.TypeName
		var ti TypeInfo
		if x, err := cat.Lookup(ctx, q, oid); err == nil {
			ti = x
			name = x.Name
		}
		if oid >= firstUserOID && q != nil && !t.relation {
			// The driver names a type outside the search path "schema"."type"
			// (Debezium's type registry, used for a RELATION message, does not).
			var visible bool
			var nsp, typ string
			if rows, err := q.Query(ctx, `SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname
				FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1`, oid); err == nil {
				if rows.Next() && rows.Scan(&visible, &nsp, &typ) == nil && !visible {
					name = `"` + nsp + `"."` + typ + `"`
				}
				rows.Close()
			}
		}
		// A domain: its root type's metadata, as Debezium's type registry resolves it.
		root, rootMod := oid, typmod
		for depth := 0; ti.Type == 'd' && depth < 16; depth++ {
			if rootMod < 0 {
				rootMod = ti.BaseTypmod
			}
			root = ti.BaseOID
			x, err := cat.Lookup(ctx, q, root)
			if err != nil {
				break
			}
			ti = x
		}
		// The driver reports serial columns by their pseudo-type; Debezium
		// 3.6.1 forgets it once a RELATION message rebuilt the table.
		if c.HasDefault && strings.Contains(c.Default, "nextval(") && !t.relation {
			switch oid {
			case oidInt4:
				name = "serial"
			case oidInt8:
				name = "bigserial"
			case oidInt2:
				name = "smallserial"
			}
		}
		char := jdbcChar(root, ti)
		if ti.ElemOID != 0 {
			root, char = ti.ElemOID, false // the driver sizes an array by its element type
		}
		length, scale := jdbcPrecision(root, rootMod), jdbcScale(root, rootMod)
		switch {
		case root == oidNumeric && rootMod == -1 && !t.relation:
			scale = -1 // the driver gives no DECIMAL_DIGITS (and COLUMN_SIZE 0); Debezium's type registry 131089 and 0
		case length == 0:
			length = jdbcDisplaySize(root, rootMod)
		}
		out[i] = columns.Column{
			Name:   c.Name,
			Type:   name,
			Length: length,
			Scale:  scale,
			Char:   char,
		}
	}
	return out
}

// firstUserOID is the first OID of objects that are not built in.
const firstUserOID = 16384

// jdbcChar reports whether the JDBC driver gives a column of the type a
// character SQL type (CHAR or VARCHAR): the columns Debezium masks.
func jdbcChar(oid uint32, ti TypeInfo) bool {
	switch oid {
	case oidBPChar, oidVarchar, oidText, oidName, oidChar:
		return true
	}
	return ti.Type == 'e' // enums are VARCHAR to the driver
}

// jdbcPrecision is the driver's TypeInfoCache.getPrecision.
func jdbcPrecision(oid uint32, typmod int32) int {
	switch oid {
	case oidInt2:
		return 5
	case oidOID, oidInt4:
		return 10
	case oidInt8:
		return 19
	case oidFloat4:
		return 8
	case oidFloat8:
		return 17
	case oidNumeric:
		if typmod == -1 {
			return 0
		}
		return int(((typmod - 4) >> 16) & 0xFFFF)
	case oidChar, oidBool:
		return 1
	case oidBPChar, oidVarchar:
		if typmod == -1 {
			return math.MaxInt32
		}
		return int(typmod - 4)
	case oidDate, oidTime, oidTimetz, oidInterval, oidTimestamp, oidTimestamptz:
		return jdbcDisplaySize(oid, typmod)
	case oidBit:
		return int(typmod)
	case oidVarbit:
		if typmod == -1 {
			return math.MaxInt32
		}
		return int(typmod)
	}
	return math.MaxInt32
}

// jdbcDisplaySize is the driver's TypeInfoCache.getDisplaySize.
func jdbcDisplaySize(oid uint32, typmod int32) int {
	switch oid {
	case oidInt2:
		return 6
	case oidInt4:
		return 11
	case oidOID:
		return 10
	case oidInt8:
		return 20
	case oidFloat4:
		return 15
	case oidFloat8:
		return 25
	case oidChar, oidBool:
		return 1
	case oidDate:
		return 13
	case oidTime, oidTimetz, oidTimestamp, oidTimestamptz:
		var sec int
		switch typmod {
		case -1:
			sec = 7
		case 0:
			sec = 0
		case 1:
			sec = 3
		default:
			sec = int(typmod) + 1
		}
		switch oid {
		case oidTime:
			return 8 + sec
		case oidTimetz:
			return 8 + sec + 6
		case oidTimestamp:
			return 13 + 1 + 8 + sec
		default:
			return 13 + 1 + 8 + sec + 6
		}
	case oidInterval:
		return 49
	case oidBPChar, oidVarchar:
		if typmod == -1 {
			return math.MaxInt32
		}
		return int(typmod - 4)
	case oidNumeric:
		if typmod == -1 {
			return 131089
		}
		p, s := int(((typmod-4)>>16)&0xFFFF), int((typmod-4)&0xFFFF)
		if s != 0 {
			return 1 + p + 1
		}
		return 1 + p
	case oidBit:
		return int(typmod)
	case oidVarbit:
		if typmod == -1 {
			return math.MaxInt32
		}
		return int(typmod)
	}
	return math.MaxInt32
}

// jdbcScale is the driver's TypeInfoCache.getScale.
func jdbcScale(oid uint32, typmod int32) int {
	switch oid {
	case oidFloat4:
		return 8
	case oidFloat8:
		return 17
	case oidNumeric:
		if typmod == -1 {
			return 0
		}
		return int((typmod - 4) & 0xFFFF)
	case oidTime, oidTimetz, oidTimestamp, oidTimestamptz:
		if typmod == -1 {
			return 6
		}
		return int(typmod)
	case oidInterval:
		if typmod == -1 {
			return 6
		}
		return int(typmod & 0xFFFF)
	}
	return 0
}

// finish applies the table's column mappers to row (in Cols order, in
// place) and returns it as the table schema's row.
func (t *tableInfo) finish(row change.Row) change.Row {
	if t.mapped && row != nil {
		t.plan.Apply(row)
	}
	return t.project(row)
}

// keyRow returns the record key's values from after (or before, for a
// delete) when the table's key takes values its rows leave out or mask
// (tableInfo.keyFromEvent); nil otherwise. It must run before finish.
func (t *tableInfo) keyRow(before, after change.Row) change.Row {
	return capture.KeyRow(t.keyFromEvent, t.recKey, before, after)
}
