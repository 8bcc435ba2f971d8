package runtime

import (
	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/schema"
)

// fieldNamer is an Encoder that writes the column names of row events as
// Debezium's field.name.adjustment.mode adjusts them (in the key and value
// schemas and payloads), by handing the encoder a copy of each table schema
// with its columns renamed. A copy is made once per table schema version
// and reused, so the encoder's per-table caches keep working.
type fieldNamer struct {
	Encoder
	mode   string
	tables map[*change.TableSchema]*change.TableSchema
	ev     change.Event // scratch: the event with its renamed table
}

// withFieldNames wraps enc for mode; mode none returns enc itself.
func withFieldNames(enc Encoder, mode string) Encoder {
	if mode == "" || mode == schema.NameAdjustNone {
		return enc
	}
	return &fieldNamer{Encoder: enc, mode: mode, tables: map[*change.TableSchema]*change.TableSchema{}}
}

// Encode encodes ev with its table's columns renamed.
func (f *fieldNamer) Encode(dst []schema.Message, ev *change.Event) ([]schema.Message, error) {
	if ev == nil || ev.Table == nil || ev.Message != nil {
		return f.Encoder.Encode(dst, ev)
	}
	t, ok := f.tables[ev.Table]
	if !ok {
		t = f.renamed(ev.Table)
		if len(f.tables) >= 4096 {
			clear(f.tables)
		}
		f.tables[ev.Table] = t
	}
	if t == ev.Table {
		return f.Encoder.Encode(dst, ev)
	}
	f.ev = *ev
	f.ev.Table = t
	return f.Encoder.Encode(dst, &f.ev)
}

// renamed returns t with its column names adjusted, or t itself when no
// name changes.
func (f *fieldNamer) renamed(t *change.TableSchema) *change.TableSchema {
	var cols []change.Field
	for i, c := range t.Columns {
		if n := schema.AdjustFieldName(f.mode, c.Name); n != c.Name {
			if cols == nil {
				cols = append([]change.Field(nil), t.Columns...)
			}
			cols[i].Name = n
		}
	}
	if cols == nil {
		return t
	}
	c := *t
	c.Columns = cols
	return &c
}

// Recycle passes the sink's release of the records on to the encoder.
func (f *fieldNamer) Recycle() {
	if r, ok := f.Encoder.(recycler); ok {
		r.Recycle()
	}
}
