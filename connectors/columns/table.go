package columns

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// Column describes one column of a table as Debezium's relational model
// sees it, for the rules to match and the propagated parameters.
type Column struct {
	Name string
	// Type is the type name Debezium gives the column (Column.typeName):
	// matched by datatype.propagate.source.type and propagated upper-cased.
	Type string
	// Length and Scale are Debezium's Column.length and scale; -1 when the
	// column has none.
	Length, Scale int
	// Char is true for the JDBC character types (CHAR, VARCHAR,
	// LONGVARCHAR, CLOB and their N variants): only those are masked or
	// hashed; other columns matched by a mask rule keep their values.
	Char bool
	// Comment is the column's comment, propagated when not empty.
	Comment string
}

// Parameter keys Debezium's mappers add to a value field's schema.
const (
	ParamType    = "__debezium.source.column.type"
	ParamLength  = "__debezium.source.column.length"
	ParamScale   = "__debezium.source.column.scale"
	ParamComment = "__debezium.source.column.comment"
	ParamName    = "__debezium.source.column.name"
	ParamMasked  = "masked"
	ParamTrunc   = "truncateLength"
)

// Plan is what the rules do to one table: which columns its values carry,
// how their schemas and values change, and which columns make its key.
// A nil *Plan changes nothing.
type Plan struct {
	n      int              // columns of the table
	keep   []int            // the value's columns (indexes into the table's), nil when all
	params [][]change.Param // per table column: parameters to add to its value field
	conv   []func(any) any  // per table column: value mapper, nil when none
	key    []int            // message.key.columns' key (indexes into the table's), nil when the primary key
}

// Table returns the plan of table id with columns cols (in table order), or
// nil when no rule touches it. Names are matched as
// "<id.Namespace>.<id.Name>.<column>" (the Postgres schema or the MySQL
// database).
func (r *Rules) Table(id change.TableID, cols []Column) *Plan {
	if r == nil {
		return nil
	}
	p := &Plan{n: len(cols), params: make([][]change.Param, len(cols)), conv: make([]func(any) any, len(cols))}
	touched := false
	prefix := id.Namespace + "." + id.Name + "."
	for i, c := range cols {
		name := prefix + c.Name
		if (len(r.include) > 0 && !matchAny(r.include, name)) || (len(r.exclude) > 0 && matchAny(r.exclude, name)) {
			if p.keep == nil {
				p.keep = make([]int, 0, len(cols))
				for j := 0; j < i; j++ {
					p.keep = append(p.keep, j)
				}
			}
			touched = true
			continue
		}
		if p.keep != nil {
			p.keep = append(p.keep, i)
		}
		for _, ru := range r.rules {
			s := name
			if ru.kind == kindPropagateType {
				s = prefix + c.Type
			}
			if !matchAny(ru.res, s) {
				continue
			}
			touched = true
			p.params[i], p.conv[i] = ru.apply(c)
			break // the first matching rule is the column's mapper
		}
	}
	for _, kr := range r.keys {
		for i, c := range cols {
			if kr.re.MatchString(prefix + c.Name) {
				p.key = append(p.key, i)
			}
		}
	}
	if p.key != nil {
		touched = true
	}
	if !touched {
		return nil
	}
	return p
}

// apply returns the parameters rule ru adds to column c's field and its
// value mapper (nil when values stay as they are).
func (ru *rule) apply(c Column) ([]change.Param, func(any) any) {
	switch ru.kind {
	case kindTruncate:
		// Debezium truncates when the length is unknown or longer than the
		// limit, whatever the type; only strings and bytes change.
		if c.Length >= 0 && c.Length <= ru.n {
			return nil, nil
		}
		return []change.Param{{Key: ParamTrunc, Value: strconv.Itoa(ru.n)}}, truncator(ru.n)
	case kindMask:
		params := []change.Param{{Key: ParamMasked, Value: "true"}}
		if !c.Char {
			return params, nil
		}
		m := mask(ru.n)
		return params, func(any) any { return m } // a null too becomes the mask, as in Debezium
	case kindPropagate, kindPropagateType:
		params := []change.Param{{Key: ParamType, Value: strings.ToUpper(c.Type)}}
		if c.Length >= 0 {
			params = append(params, change.Param{Key: ParamLength, Value: strconv.Itoa(c.Length)})
		}
		if c.Scale >= 0 {
			params = append(params, change.Param{Key: ParamScale, Value: strconv.Itoa(c.Scale)})
		}
		if c.Comment != "" {
			params = append(params, change.Param{Key: ParamComment, Value: c.Comment})
		}
		return append(params, change.Param{Key: ParamName, Value: c.Name}), nil
	default: // hashes
		params := []change.Param{{Key: ParamMasked, Value: "true"}}
		if !c.Char {
			return params, nil
		}
		h, limit := ru.hash, c.Length
		return params, func(v any) any {
			s, ok := v.(string)
			if !ok {
				return nil // Debezium hashes Serializable values; a null stays null
			}
			out := h.Hash(s)
			if limit > 0 && len(out) > limit {
				out = out[:limit]
			}
			return out
		}
	}
}

// truncator cuts strings to n UTF-16 code units and byte values to n bytes.
func truncator(n int) func(any) any {
	return func(v any) any {
		switch x := v.(type) {
		case string:
			if s, cut := truncateString(x, n); cut {
				return s
			}
		case []byte:
			if len(x) > n {
				return x[:n:n]
			}
		}
		return v
	}
}

// Keep returns the indexes of the columns the table's values carry, in
// table order, or nil when they carry all.
func (p *Plan) Keep() []int {
	if p == nil {
		return nil
	}
	return p.keep
}

// Kept reports whether column i is in the table's values.
func (p *Plan) Kept(i int) bool {
	if p == nil || p.keep == nil {
		return true
	}
	_, found := slices.BinarySearch(p.keep, i)
	return found
}

// Key returns the columns of message.key.columns' key for the table
// (indexes into its columns, in pattern order), or nil when its key is its
// primary key.
func (p *Plan) Key() []int {
	if p == nil {
		return nil
	}
	return p.key
}

// Params returns the parameters the table's mapper adds to column i's
// value field, or nil.
func (p *Plan) Params(i int) []change.Param {
	if p == nil {
		return nil
	}
	return p.params[i]
}

// Alter adds column i's mapper parameters to f, a copy of the column's
// field for the table's values, and returns it.
func (p *Plan) Alter(i int, f change.Field) change.Field {
	if pr := p.Params(i); len(pr) > 0 {
		f.Params = append(append([]change.Param(nil), f.Params...), pr...)
	}
	return f
}

// MapsValues reports whether column i's values change (a mask, hash or
// truncation applies to them).
func (p *Plan) MapsValues(i int) bool { return p != nil && p.conv[i] != nil }

// Mapped reports whether any column's values change: when false, Apply
// does nothing and need not be called.
func (p *Plan) Mapped() bool {
	if p == nil {
		return false
	}
	for _, c := range p.conv {
		if c != nil {
			return true
		}
	}
	return false
}

// Apply maps the values of row, a row in table column order (before any
// column is left out), in place.
func (p *Plan) Apply(row change.Row) {
	if p == nil || row == nil {
		return
	}
	for i, c := range p.conv {
		if c != nil && i < len(row) {
			row[i] = c(row[i])
		}
	}
}
