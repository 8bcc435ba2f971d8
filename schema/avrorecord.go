package schema

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicecdc/sluice/connectors/change"
)

// ErrSchemaless reports a record whose key or value has no Connect schema
// on a side the AvroConverter writes: Avro needs a schema, and Debezium's
// records always carry one, so a transform of the chain dropped it.
var ErrSchemaless = errors.New("schemaless value on an Avro side")

// EncodeRecord appends the Kafka record of r to dst: each Avro side as
// the AvroConverter writes it, its schema (r's own Connect schema, as
// AvroData derives it) registered under <topic>-key or <topic>-value of
// r's topic, so a transform that changes a schema or a topic registers
// the subject's new version; each JSON side as JSON.EncodeRecord writes
// it. Codecs are cached by subject and schema pointer.
//
// A null value with a nil schema, or with an optional one, is a null side;
// a null where the schema has a default is the default (unless the side's
// KeepNulls is set). A non-null value without a schema on an Avro side
// fails with ErrSchemaless. Headers, partition and timestamp are as in
// JSON.EncodeRecord.
func (a *Avro) EncodeRecord(dst []Message, r *change.Record) ([]Message, error) {
	var jsonMsg Message
	if a.json != nil {
		ms, err := a.json.EncodeRecord(nil, r)
		if err != nil {
			return dst, err
		}
		jsonMsg = ms[0]
	}
	key, err := a.recordSide(a.o.KeyRegistry, r.Topic+"-key", r.KeySchema, r.Key, jsonMsg.Key, a.o.KeyKeepNulls)
	if err != nil {
		return dst, fmt.Errorf("encode key of a record for topic %q: %w", r.Topic, err)
	}
	value, err := a.recordSide(a.o.ValueRegistry, r.Topic+"-value", r.ValueSchema, r.Value, jsonMsg.Value, a.o.ValueKeepNulls)
	if err != nil {
		return dst, fmt.Errorf("encode value of a record for topic %q: %w", r.Topic, err)
	}
	headers := jsonMsg.Headers
	if a.json == nil {
		if headers, err = a.enc.headers(r.Headers); err != nil {
			return dst, fmt.Errorf("encode headers of a record for topic %q: %w", r.Topic, err)
		}
	}
	m := Message{Topic: r.Topic, Key: key, Value: value, Headers: headers, Timestamp: r.Timestamp}
	if r.Partition >= 0 {
		m.Partition, m.Partitioned = r.Partition, true
	}
	return append(dst, m), nil
}

// recordSide encodes one side of a record: jsonSide when reg is nil (the
// side is JSON), else v under f registered under subject.
func (a *Avro) recordSide(reg *Registry, subject string, f *change.Field, v any, jsonSide []byte, keepNulls bool) ([]byte, error) {
	if reg == nil {
		return jsonSide, nil
	}
	if f == nil {
		if v == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %T without a Connect schema (a transform of the chain produced it); the AvroConverter needs a schema: use a JSON converter for this side or a transform that keeps the schema", ErrSchemaless, v)
	}
	if v == nil {
		switch {
		case f.Default != nil && !keepNulls:
			v = f.Default
		case f.Optional:
			return nil, nil
		default:
			return nil, fmt.Errorf("%w: null in a required %s schema without a default", ErrValue, f.Type)
		}
	}
	k := messageCodecKey{subject, f}
	c := a.messages[k]
	if c == nil {
		var err error
		if c, err = a.register(reg, subject, f, keepNulls); err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
		if a.messages == nil || len(a.messages) >= maxCachedTables {
			a.messages = make(map[messageCodecKey]*avroCodec)
		}
		a.messages[k] = c
	}
	return c.encodeAny(v)
}

// encodeAny returns v, a value of c's Connect schema (any type), as Avro
// binary in the Confluent wire format.
func (c *avroCodec) encodeAny(v any) ([]byte, error) {
	x, err := avroValue(c.connect, v, c.names, c.keepNulls)
	if err != nil {
		return nil, err
	}
	var h sr.ConfluentHeader
	b, err := h.AppendEncode(make([]byte, 0, 64), c.id, nil)
	if err != nil {
		return nil, fmt.Errorf("confluent header: %w", err)
	}
	if b, err = c.schema.AppendEncode(b, x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrValue, err)
	}
	return b, nil
}
