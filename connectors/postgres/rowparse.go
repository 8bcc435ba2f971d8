package postgres

import (
	"encoding/binary"
	"fmt"

	"github.com/jackc/pglogrepl"
)

// rowParser decodes pgoutput's row messages (Insert, Update, Delete) into
// structs it reuses from message to message. pglogrepl.Parse allocates a
// message, a tuple, and a struct plus a byte slice per column; rowParser
// allocates one copy of the message's bytes, which the column values point
// into, so a value a converter keeps stays valid. The messages it returns
// are valid until the next call.
type rowParser struct {
	ins  pglogrepl.InsertMessage
	upd  pglogrepl.UpdateMessage
	del  pglogrepl.DeleteMessage
	tups [2]tupleBuf
}

type tupleBuf struct {
	td   pglogrepl.TupleData
	cols []pglogrepl.TupleDataColumn
	ptrs []*pglogrepl.TupleDataColumn
}

// parse decodes a row message; other messages go to pglogrepl.Parse.
func (p *rowParser) parse(wal []byte) (pglogrepl.Message, error) {
	if len(wal) == 0 {
		// pglogrepl.Parse indexes the type byte unchecked.
		return nil, fmt.Errorf("pgoutput: empty message")
	}
	switch wal[0] {
	case 'I', 'U', 'D':
	case 'M':
		return parseLogicalMessage(wal)
	default:
		return parseOther(wal)
	}
	src := make([]byte, len(wal)-1)
	copy(src, wal[1:])
	if len(src) < 5 {
		return nil, fmt.Errorf("pgoutput %c message of %d bytes", wal[0], len(wal))
	}
	rel := binary.BigEndian.Uint32(src)
	src = src[4:]
	switch wal[0] {
	case 'I':
		if src[0] != 'N' {
			return nil, fmt.Errorf("pgoutput insert: tuple type %q, want 'N'", src[0])
		}
		t, _, err := p.tups[0].decode(src[1:])
		if err != nil {
			return nil, fmt.Errorf("pgoutput insert: %w", err)
		}
		p.ins = pglogrepl.InsertMessage{RelationID: rel, Tuple: t}
		p.ins.SetType(pglogrepl.MessageTypeInsert)
		return &p.ins, nil
	case 'U':
		p.upd = pglogrepl.UpdateMessage{RelationID: rel}
		if src[0] == 'K' || src[0] == 'O' {
			p.upd.OldTupleType = src[0]
			t, n, err := p.tups[1].decode(src[1:])
			if err != nil {
				return nil, fmt.Errorf("pgoutput update, old tuple: %w", err)
			}
			p.upd.OldTuple = t
			src = src[1+n:]
		}
		if len(src) == 0 || src[0] != 'N' {
			return nil, fmt.Errorf("pgoutput update: no new tuple")
		}
		t, _, err := p.tups[0].decode(src[1:])
		if err != nil {
			return nil, fmt.Errorf("pgoutput update, new tuple: %w", err)
		}
		p.upd.NewTuple = t
		p.upd.SetType(pglogrepl.MessageTypeUpdate)
		return &p.upd, nil
	default: // 'D'
		if src[0] != 'K' && src[0] != 'O' {
			return nil, fmt.Errorf("pgoutput delete: tuple type %q, want 'K' or 'O'", src[0])
		}
		p.del = pglogrepl.DeleteMessage{RelationID: rel, OldTupleType: src[0]}
		t, _, err := p.tups[1].decode(src[1:])
		if err != nil {
			return nil, fmt.Errorf("pgoutput delete: %w", err)
		}
		p.del.OldTuple = t
		p.del.SetType(pglogrepl.MessageTypeDelete)
		return &p.del, nil
	}
}

// parseOther decodes the messages rowParser leaves to pglogrepl.Parse.
// pglogrepl's decoders index a message's bytes unchecked, so a truncated
// one (a Relation cut short, say) panics; the panic is that of a decoder of
// one byte slice into a new message, which leaves nothing half changed, and
// is returned as the malformed message it is.
func parseOther(wal []byte) (m pglogrepl.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("pgoutput %c message of %d bytes is malformed: %v", wal[0], len(wal), r)
		}
	}()
	return pglogrepl.Parse(wal)
}

// decode reads a TupleData from src into b and returns it with the bytes it
// used. Column data points into src.
func (b *tupleBuf) decode(src []byte) (*pglogrepl.TupleData, int, error) {
	if len(src) < 2 {
		return nil, 0, fmt.Errorf("tuple of %d bytes", len(src))
	}
	n := int(binary.BigEndian.Uint16(src))
	at := 2
	if cap(b.cols) < n {
		b.cols = make([]pglogrepl.TupleDataColumn, n)
		b.ptrs = make([]*pglogrepl.TupleDataColumn, n)
		for i := range b.ptrs {
			b.ptrs[i] = &b.cols[i]
		}
	}
	cols := b.cols[:n]
	for i := range cols {
		if at >= len(src) {
			return nil, 0, fmt.Errorf("tuple ends before column %d of %d", i+1, n)
		}
		c := &cols[i]
		c.DataType, c.Length, c.Data = src[at], 0, nil
		at++
		switch c.DataType {
		case pglogrepl.TupleDataTypeText, pglogrepl.TupleDataTypeBinary:
			if at+4 > len(src) {
				return nil, 0, fmt.Errorf("tuple ends in the length of column %d", i+1)
			}
			l := binary.BigEndian.Uint32(src[at:])
			at += 4
			if uint64(l) > uint64(len(src)-at) {
				return nil, 0, fmt.Errorf("column %d: %d bytes announced, %d left", i+1, l, len(src)-at)
			}
			c.Length = l
			c.Data = src[at : at+int(l) : at+int(l)]
			at += int(l)
		case pglogrepl.TupleDataTypeNull, pglogrepl.TupleDataTypeToast:
		default:
			return nil, 0, fmt.Errorf("column %d: unknown kind %q", i+1, c.DataType)
		}
	}
	b.td = pglogrepl.TupleData{ColumnNum: uint16(n), Columns: b.ptrs[:n]}
	return &b.td, at, nil
}
