package postgres

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/sluicecdc/sluice/connectors/change"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
	"github.com/sluicecdc/sluice/connectors/filter"
)

// Logical decoding messages (pg_logical_emit_message) become records on
// <topic.prefix>.message, as Debezium's LogicalDecodingMessageMonitor writes
// them: key io.debezium.connector.postgresql.MessageKey {prefix}, value
// io.debezium.connector.postgresql.MessageValue {op "m", ts_ms, source,
// transaction, message {prefix, content}}. docs/architecture.md explains the
// positions they get.

// MessageTopic is the topic suffix of logical decoding message records.
const MessageTopic = "message"

var (
	messageKeySchema = &change.Field{
		Type: change.Struct, Logical: "io.debezium.connector.postgresql.MessageKey", Version: 1,
		Fields: []change.Field{{Name: "prefix", Type: change.String, Optional: true}},
	}
	// The value schema depends on binary.handling.mode: content is bytes,
	// or a string in the base64, base64-url-safe and hex modes.
	messageValueBytes  = messageValueSchema(change.Bytes)
	messageValueString = messageValueSchema(change.String)
)

func messageValueSchema(content change.Type) *change.Field {
	return &change.Field{
		Type: change.Struct, Logical: "io.debezium.connector.postgresql.MessageValue", Version: 1,
		Fields: []change.Field{
			{Name: "op", Type: change.String},
			{Name: "ts_ms", Type: change.Int64, Optional: true},
			sourceField,
			{Name: "transaction", Type: change.Struct, Optional: true, Logical: "event.block", Version: 1,
				Fields: []change.Field{
					{Name: "id", Type: change.String},
					{Name: "total_order", Type: change.Int64},
					{Name: "data_collection_order", Type: change.Int64},
				}},
			{Name: "message", Type: change.Struct, Logical: "io.debezium.connector.postgresql.Message", Version: 1,
				Fields: []change.Field{
					{Name: "prefix", Type: change.String, Optional: true},
					{Name: "content", Type: content, Optional: true},
				}},
		},
	}
}

// MessageSchemas returns the key and value schemas of the logical decoding
// message records of a connector configured as cfg (the same pointers for
// every record).
func MessageSchemas(cfg *Config) (key, value *change.Field) {
	if cfg.Types.BinaryMode == "" || cfg.Types.BinaryMode == BinaryBytes {
		return messageKeySchema, messageValueBytes
	}
	return messageKeySchema, messageValueString
}

// messageContent converts a message's content as binary.handling.mode says.
func messageContent(mode string, b []byte) any {
	switch mode {
	case BinaryBase64:
		return base64.StdEncoding.EncodeToString(b)
	case BinaryBase64URLSafe:
		return base64.URLEncoding.EncodeToString(b)
	case BinaryHex:
		return hex.EncodeToString(b)
	}
	return b
}

// CapturesMessage reports whether logical decoding messages with this
// prefix are captured under message.prefix.include.list /
// message.prefix.exclude.list (whole-prefix, case-insensitive regular
// expressions, as Debezium matches them).
func (c *Config) CapturesMessage(prefix string) bool {
	if len(c.MessagePrefixInclude) > 0 {
		return filter.Any(c.MessagePrefixInclude, prefix)
	}
	return !filter.Any(c.MessagePrefixExclude, prefix)
}

// parseMessageFilters reads message.prefix.include.list and
// message.prefix.exclude.list into c, recording problems in p.
func parseMessageFilters(c *Config, p *cd.Parser) {
	c.MessagePrefixInclude, _ = p.Regexes("message.prefix.include.list")
	c.MessagePrefixExclude, _ = p.Regexes("message.prefix.exclude.list")
	if len(c.MessagePrefixInclude) > 0 && len(c.MessagePrefixExclude) > 0 {
		p.Bad("message.prefix.exclude.list", "cannot be set together with message.prefix.include.list; keep one of them")
	}
}

// wantsMessages reports whether START_REPLICATION may ask pgoutput for
// logical decoding messages (the messages option exists from PostgreSQL 14),
// from the server_version the server reported.
func wantsMessages(serverVersion string) bool {
	s := strings.TrimSpace(serverVersion)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	major, err := strconv.Atoi(s[:i])
	return err == nil && major >= 14
}

// parseLogicalMessage decodes a pgoutput 'M' message (protocol 1, not
// streamed): Int8 flags (1 = transactional), Int64 LSN, String prefix, Int32
// length, Byte(n) content. Unlike pglogrepl's decoder it checks every length
// and copies the content out of wal, which the connection reuses.
func parseLogicalMessage(wal []byte) (*pglogrepl.LogicalDecodingMessage, error) {
	if len(wal) < 1 || wal[0] != 'M' {
		return nil, errors.New("pgoutput message: not an 'M' message")
	}
	src := wal[1:]
	if len(src) < 1+8+1+4 {
		return nil, fmt.Errorf("pgoutput message of %d bytes, want at least 15", len(wal))
	}
	m := &pglogrepl.LogicalDecodingMessage{}
	switch src[0] {
	case 0:
	case 1:
		m.Transactional = true
	default:
		return nil, fmt.Errorf("pgoutput message: unknown flags %d", src[0])
	}
	m.LSN = pglogrepl.LSN(binary.BigEndian.Uint64(src[1:]))
	src = src[9:]
	nul := -1
	for i, c := range src {
		if c == 0 {
			nul = i
			break
		}
	}
	if nul < 0 {
		return nil, errors.New("pgoutput message: prefix is not terminated")
	}
	// The prefix is text in the database's encoding; records need UTF-8
	// (Debezium reads it into a Java string, replacing what is not UTF-8).
	m.Prefix = strings.ToValidUTF8(string(src[:nul]), "\uFFFD")
	src = src[nul+1:]
	if len(src) < 4 {
		return nil, errors.New("pgoutput message: ends before the content length")
	}
	n := binary.BigEndian.Uint32(src)
	src = src[4:]
	if uint64(n) != uint64(len(src)) {
		return nil, fmt.Errorf("pgoutput message: content of %d bytes announced, %d present", n, len(src))
	}
	m.Content = append([]byte{}, src...)
	m.SetType(pglogrepl.MessageTypeMessage)
	return m, nil
}

// message handles a logical decoding message at WAL position lsn.
//
// A transactional message is an event of its transaction like a row change:
// same commit LSN, next index. A non-transactional one arrives on its own,
// between transactions, and is one source transaction by itself: its
// position is (Tx = message LSN - 1, Index 0, Last), and once acknowledged
// the slot may be confirmed up to the message LSN. The message LSN pgoutput
// reports is the end of the message's WAL record, so LSN - 1 lies strictly
// between the commit LSNs of the transactions decoded before it and those
// decoded after it (a commit record that directly follows the message
// starts at exactly its LSN): positions stay in stream order, and a
// checkpoint at the message neither skips nor repeats a neighbouring
// transaction. See docs/architecture.md.
func (d *decoder) message(lsn uint64, m *pglogrepl.LogicalDecodingMessage, send func(item) error) error {
	if m.Transactional != d.inTx {
		where := "outside"
		if d.inTx {
			where = "inside"
		}
		return &DecodeError{Table: "logical decoding message", Err: fmt.Errorf("transactional=%v message %s a transaction at %s: unexpected in pgoutput protocol 1",
			m.Transactional, where, pglogrepl.LSN(lsn))}
	}
	if m.Transactional {
		if d.skipAll || !d.cfg.CapturesMessage(m.Prefix) {
			return nil
		}
		src := d.messageSource(d.commitTime, int64(d.xid), d.lastCommit, lsn)
		return d.emit(d.messageEvent(m, src, d.commitTime), nil, nil, messageSize(m), send)
	}

	at := uint64(m.LSN)
	if at == 0 {
		at = lsn
	}
	key := at - 1
	end := &txEnd{Commit: key, End: at}
	d.read(at)
	// Debezium counts a non-transactional message as a commit: the next
	// events' sequence starts with its LSN.
	d.lastCommit = lsn
	skip := d.cp != nil && key <= d.cp.Tx
	if d.cp != nil && key >= d.cp.Tx {
		d.cp = nil
	}
	if skip || !d.cfg.CapturesMessage(m.Prefix) {
		if d.hold {
			return nil // see decoder.hold
		}
		return send(item{End: end})
	}
	d.hold = false
	// Debezium keeps the commit time of the last transaction it saw (the
	// current time when it saw none) and no transaction id.
	ts := d.commitTime
	if ts.IsZero() {
		ts = time.Now()
	}
	src := d.messageSource(ts, 0, lsn, lsn)
	// Event.Commit: the message took effect when it was written, which the
	// stream does not say; the time it is read is the closest known.
	ev := d.messageEvent(m, src, time.Now())
	ev.Pos = change.Position{Tx: key, Index: 0, Last: true, State: d.stateJSON, LSN: lsn, PrevEnd: lsn, Micros: ts.UnixMicro(), Op: 'm'}
	end.Events = true
	return send(item{Ev: ev, End: end, Size: messageSize(m)})
}

// messageSource is the source block of a message: no schema or table, and
// the replication origin of the last transaction begun (Debezium clears it
// at BEGIN only, so a non-transactional message after a replayed
// transaction carries that transaction's origin too).
func (d *decoder) messageSource(ts time.Time, txID int64, lastCommit, lsn uint64) change.StructValue {
	src := sourceBlock(d.cfg, change.TableID{}, ts, "false", txID, lastCommit, lsn)
	if originAt >= 0 && originAt+1 < len(src) {
		src[originAt], src[originAt+1] = d.origin.name, d.origin.lsn
	}
	return src
}

// originAt is the index of source.origin (origin_lsn follows it), or -1.
var originAt = func() int {
	for i, f := range sourceField.Fields {
		if f.Name == "origin" {
			return i
		}
	}
	return -1
}()

// messageTxAt is the index of "transaction" in a message's value.
const messageTxAt = 3

func (d *decoder) messageEvent(m *pglogrepl.LogicalDecodingMessage, src change.StructValue, ts time.Time) *change.Event {
	key, value := MessageSchemas(d.cfg)
	return &change.Event{
		Commit: ts,
		Message: &change.Message{
			Topic:     MessageTopic,
			KeySchema: key, ValueSchema: value,
			// Debezium's LogicalDecodingMessageMonitor builds its records
			// without the context headers (measured: none at all).
			NoContextHeaders: true,
			Key:              change.StructValue{m.Prefix},
			Value: change.StructValue{
				"m",
				time.Now().UnixMilli(),
				src,
				nil,
				change.StructValue{m.Prefix, messageContent(d.cfg.Types.BinaryMode, m.Content)},
			},
		},
	}
}

func messageSize(m *pglogrepl.LogicalDecodingMessage) int {
	return 512 + 2*len(m.Prefix) + len(m.Content)
}
