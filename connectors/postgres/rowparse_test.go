package postgres

import (
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/jackc/pglogrepl"
)

// tupleBytes encodes a pgoutput TupleData.
func tupleBytes(cols []pglogrepl.TupleDataColumn) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(cols)))
	for _, c := range cols {
		b = append(b, c.DataType)
		if c.DataType == 't' || c.DataType == 'b' {
			b = binary.BigEndian.AppendUint32(b, uint32(len(c.Data)))
			b = append(b, c.Data...)
		}
	}
	return b
}

func randomTuple(rng *rand.Rand) []pglogrepl.TupleDataColumn {
	cols := make([]pglogrepl.TupleDataColumn, 1+rng.IntN(6))
	for i := range cols {
		switch rng.IntN(4) {
		case 0:
			cols[i].DataType = 'n'
		case 1:
			cols[i].DataType = 'u'
		default:
			cols[i].DataType = 't'
			cols[i].Data = make([]byte, rng.IntN(40))
			for j := range cols[i].Data {
				cols[i].Data[j] = byte(rng.IntN(256))
			}
			cols[i].Length = uint32(len(cols[i].Data))
		}
	}
	return cols
}

// normal makes pglogrepl's and rowParser's messages comparable: empty
// column data as nil.
func normal(m pglogrepl.Message) pglogrepl.Message {
	fix := func(t *pglogrepl.TupleData) *pglogrepl.TupleData {
		if t == nil {
			return nil
		}
		out := &pglogrepl.TupleData{ColumnNum: t.ColumnNum}
		for _, c := range t.Columns {
			cc := *c
			if len(cc.Data) == 0 {
				cc.Data = nil
			}
			out.Columns = append(out.Columns, &cc)
		}
		return out
	}
	switch m := m.(type) {
	case *pglogrepl.InsertMessage:
		c := *m
		c.Tuple = fix(m.Tuple)
		return &c
	case *pglogrepl.UpdateMessage:
		c := *m
		c.OldTuple, c.NewTuple = fix(m.OldTuple), fix(m.NewTuple)
		return &c
	case *pglogrepl.DeleteMessage:
		c := *m
		c.OldTuple = fix(m.OldTuple)
		return &c
	}
	return m
}

// TestRowParserMatchesPglogrepl decodes random Insert, Update and Delete
// messages with rowParser and with pglogrepl.Parse and compares them.
func TestRowParserMatchesPglogrepl(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var p rowParser
	for n := 0; n < 3000; n++ {
		rel := rng.Uint32()
		msg := binary.BigEndian.AppendUint32(nil, rel)
		var kind byte
		switch n % 4 {
		case 0:
			kind = 'I'
			msg = append(msg, 'N')
			msg = append(msg, tupleBytes(randomTuple(rng))...)
		case 1:
			kind = 'U'
			msg = append(msg, 'N')
			msg = append(msg, tupleBytes(randomTuple(rng))...)
		case 2:
			kind = 'U'
			msg = append(msg, "KO"[rng.IntN(2)])
			msg = append(msg, tupleBytes(randomTuple(rng))...)
			msg = append(msg, 'N')
			msg = append(msg, tupleBytes(randomTuple(rng))...)
		case 3:
			kind = 'D'
			msg = append(msg, "KO"[rng.IntN(2)])
			msg = append(msg, tupleBytes(randomTuple(rng))...)
		}
		wal := append([]byte{kind}, msg...)
		want, err := pglogrepl.Parse(wal)
		if err != nil {
			t.Fatalf("pglogrepl: %v", err)
		}
		got, err := p.parse(wal)
		if err != nil {
			t.Fatalf("message %d (%c): %v", n, kind, err)
		}
		if !reflect.DeepEqual(normal(got), normal(want)) {
			t.Fatalf("message %d (%c):\n got %#v\nwant %#v", n, kind, normal(got), normal(want))
		}
		// Every truncation is an error, never a panic.
		for cut := 1; cut < len(wal)-1; cut++ {
			if _, err := p.parse(wal[:cut]); err == nil {
				t.Fatalf("message %d (%c) cut at %d: no error", n, kind, cut)
			}
		}
	}
}

func TestRowParserPassesOtherMessages(t *testing.T) {
	var p rowParser
	// A Commit message: flags, commit LSN, end LSN, time.
	wal := []byte{'C', 0}
	wal = binary.BigEndian.AppendUint64(wal, 10)
	wal = binary.BigEndian.AppendUint64(wal, 20)
	wal = binary.BigEndian.AppendUint64(wal, 30)
	m, err := p.parse(wal)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.(*pglogrepl.CommitMessage); !ok || c.CommitLSN != 10 || c.TransactionEndLSN != 20 {
		t.Fatalf("got %#v", m)
	}
}
