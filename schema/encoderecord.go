package schema

import (
	"fmt"

	"github.com/sluicecdc/sluice/connectors/change"
)

// recordCodec holds what EncodeRecord reuses between records: the
// {"schema":…,"payload": prefix of each Connect schema seen (by pointer:
// records of one table share their schemas, see Records), and the last
// headers converted.
type recordCodec struct {
	prefixes map[*change.Field][]byte
	hdrIn    []change.RecordHeader
	hdrOut   []change.Header
}

// maxCachedSchemas bounds recordCodec.prefixes: past it, the cache is
// dropped and refilled by the schemas still in use.
const maxCachedSchemas = 4096

// EncodeRecord appends the Kafka record of r to dst, its key and value
// written as Kafka Connect's JsonConverter writes them
// (fromConnectData) under the encoder's options:
//
//   - A nil schema and a nil value give a null key or value (a tombstone's
//     value, a keyless table's key). Otherwise, with schemas.enable, the
//     {"schema":…,"payload":…} envelope, whose schema is null for a
//     schemaless value; without it the payload alone.
//   - Any Connect schema: structs, arrays, maps (an object when the key
//     schema is a string, else an array of [key, value] pairs), primitives
//     and logical types in their Connect representation (change.Record).
//     A null where the schema has a default is the default unless the
//     side's KeepNulls is set; a null in a required schema without one is
//     an error, as in Kafka Connect.
//   - A schemaless value (nil schema) is written from its Go type:
//     map[string]any as an object with its keys sorted (Java's HashMap
//     order cannot be reproduced), change.MapValue as an object when
//     every key is a string (else [key, value] pairs), []any as an array,
//     scalars as with a schema. A struct needs its schema.
//
// Headers with Raw bytes are written as they are; those with a schema or a
// value as Kafka Connect's SimpleHeaderConverter writes them (see
// HeaderBytes). The partition and timestamp are r's.
//
// For the records Records returns, the bytes are Encode's. On error dst is
// returned unchanged and the error wraps ErrValue.
func (j *JSON) EncodeRecord(dst []Message, r *change.Record) ([]Message, error) {
	b := j.buf[:0]
	keyNull := r.KeySchema == nil && r.Key == nil
	valueNull := r.ValueSchema == nil && r.Value == nil
	var err error
	if !keyNull {
		if b, err = j.appendSide(b, r.KeySchema, r.Key, j.o.KeySchemas, !j.o.KeyKeepNulls); err != nil {
			return dst, fmt.Errorf("encode key of a record for topic %q: %w", r.Topic, err)
		}
	}
	keyLen := len(b)
	if !valueNull {
		if b, err = j.appendSide(b, r.ValueSchema, r.Value, j.o.ValueSchemas, !j.o.ValueKeepNulls); err != nil {
			return dst, fmt.Errorf("encode value of a record for topic %q: %w", r.Topic, err)
		}
	}
	headers, err := j.enc.headers(r.Headers)
	if err != nil {
		return dst, fmt.Errorf("encode headers of a record for topic %q: %w", r.Topic, err)
	}
	mem := j.mem.alloc(len(b))
	copy(mem, b)
	j.buf = b[:0]
	m := Message{Topic: r.Topic, Headers: headers, Timestamp: r.Timestamp}
	if !keyNull {
		m.Key = mem[:keyLen:keyLen]
	}
	if !valueNull {
		m.Value = mem[keyLen:]
	}
	if r.Partition >= 0 {
		m.Partition, m.Partitioned = r.Partition, true
	}
	return append(dst, m), nil
}

// appendSide appends one side (key or value) of a record: v laid out by
// f, or schemaless when f is nil, in the schemas envelope when schemas is
// set.
func (j *JSON) appendSide(b []byte, f *change.Field, v any, schemas, replace bool) ([]byte, error) {
	if schemas {
		if f == nil {
			b = append(b, `{"schema":null,"payload":`...)
		} else {
			p, err := j.enc.prefix(f)
			if err != nil {
				return b, err
			}
			b = append(b, p...)
		}
	}
	var err error
	if f == nil {
		b, err = appendSchemaless(b, v)
	} else {
		b, err = appendValueNulls(b, f, v, replace)
	}
	if err != nil {
		return b, err
	}
	if schemas {
		b = append(b, '}')
	}
	return b, nil
}

// prefix returns `{"schema":<f>,"payload":`, encoded once per schema.
func (c *recordCodec) prefix(f *change.Field) ([]byte, error) {
	if p, ok := c.prefixes[f]; ok {
		return p, nil
	}
	b := append([]byte(nil), `{"schema":`...)
	b, err := appendSchema(b, f, false)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	b = append(b, `,"payload":`...)
	if c.prefixes == nil || len(c.prefixes) >= maxCachedSchemas {
		c.prefixes = map[*change.Field][]byte{}
	}
	c.prefixes[f] = b
	return b, nil
}

// headers returns in as Kafka headers. The records of one table share
// their header slice (see Records), so the last conversion is reused
// while the same slice comes again.
func (c *recordCodec) headers(in []change.RecordHeader) ([]change.Header, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(c.hdrIn) == len(in) && &c.hdrIn[0] == &in[0] {
		return c.hdrOut, nil
	}
	out := make([]change.Header, len(in))
	for i := range in {
		h := &in[i]
		out[i].Key = h.Key
		if h.Raw != nil || h.Value == nil {
			out[i].Value = h.Raw
			continue
		}
		v, err := HeaderBytes(h.Schema, h.Value)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", h.Key, err)
		}
		out[i].Value = v
	}
	c.hdrIn, c.hdrOut = in, out
	return out, nil
}
