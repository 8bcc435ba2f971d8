package capture

import (
	"bytes"
	"encoding/json"
	"log/slog"
)

// Signals (docs/capture-core.md, section 3.4): Debezium's way of asking a
// running connector to do something (log a message, take an incremental
// snapshot), sent through a channel: an insert into the signal table
// (source), a record on the signal topic (kafka), or sluice's
// POST /connectors/{name}/signals, which writes to that topic. Every
// channel ends in one Dispatcher, which runs the action the signal's type
// names on the source's producer goroutine, between transactions.

// Signal is one signal, as Debezium's SignalRecord holds it.
type Signal struct {
	// ID is the signal's id ("" when the sender gave none).
	ID string
	// Type names the action ("log", "execute-snapshot", ...).
	Type string
	// Data is the action's argument, a JSON object ("" or "null": none).
	Data json.RawMessage
	// Channel is where it came from: "source" or "kafka" (a REST signal
	// travels through the signal topic, so it is "kafka" too).
	Channel string
}

// LogValue shows a signal in logs as Debezium's SignalRecord prints it.
func (s Signal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("type", s.Type),
		slog.String("data", string(s.Data)), slog.String("channel", s.Channel))
}

// ParseSignal reads a signal in the JSON of a Kafka signal record's value
// and of the REST route's body: {"id": ..., "type": ..., "data": {...}}.
// The type is required; data, when present, must be an object.
func ParseSignal(b []byte, channel string) (Signal, error) {
	var v struct {
		ID   *string         `json:"id"`
		Type *string         `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&v); err != nil {
		return Signal{}, errBadSignal("not a JSON object with id, type and data: " + err.Error())
	}
	if d.More() {
		return Signal{}, errBadSignal("more than one JSON value")
	}
	if v.Type == nil || *v.Type == "" {
		return Signal{}, errBadSignal(`"type" is missing: name the action, for example "log"`)
	}
	data := bytes.TrimSpace(v.Data)
	if len(data) > 0 && data[0] != '{' && !bytes.Equal(data, []byte("null")) {
		return Signal{}, errBadSignal(`"data" must be a JSON object, for example {"message": "hello"}`)
	}
	s := Signal{Type: *v.Type, Data: data, Channel: channel}
	if v.ID != nil {
		s.ID = *v.ID
	}
	return s, nil
}

// errBadSignal is a signal that cannot be read.
type errBadSignal string

func (e errBadSignal) Error() string { return "signal: " + string(e) }

// Action carries out one type of signal. It runs on the source's producer
// goroutine between transactions; an error is logged and the signal
// dropped, as Debezium's SignalProcessor does.
type Action func(s Signal, log *slog.Logger) error

// Dispatcher runs the action each signal's type names. The zero value is
// not usable: NewDispatcher registers the built-in actions.
type Dispatcher struct {
	actions map[string]Action
	log     *slog.Logger
}

// NewDispatcher returns a dispatcher with Debezium's log action, logging
// through log. Later steps register the snapshot actions.
func NewDispatcher(log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{actions: map[string]Action{}, log: log}
	d.Register(LogSignalType, logAction)
	return d
}

// Register makes typ run a. A later registration of typ replaces it.
func (d *Dispatcher) Register(typ string, a Action) { d.actions[typ] = a }

// Dispatch runs s's action. An unknown type or a failed action is logged
// and the signal dropped, as in Debezium: a signal never stops the
// connector.
func (d *Dispatcher) Dispatch(s Signal) {
	d.log.Debug("signal received", "signal", s)
	a, ok := d.actions[s.Type]
	if !ok {
		d.log.Warn("signal received but its type is not recognized; it is ignored", "signal", s)
		return
	}
	if err := a(s, d.log); err != nil {
		d.log.Warn("signal action failed; the signal may not have been processed", "signal", s, "err", err)
	}
}

// LogSignalType is Debezium's log action: data {"message": text}.
const LogSignalType = "log"

// logAction logs data.message at Info with the signal's id, as Debezium's
// Log action logs it.
func logAction(s Signal, log *slog.Logger) error {
	var v struct {
		Message string `json:"message"`
	}
	if len(s.Data) > 0 {
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return errBadSignal("data of a log signal: " + err.Error())
		}
	}
	if v.Message == "" {
		log.Warn(`logging signal arrived but its data has no "message"`, "signal", s)
		return nil
	}
	log.Info(v.Message, "signal_id", s.ID, "channel", s.Channel)
	return nil
}

// Signals is one stream's signal state: its dispatcher, its Kafka channel,
// the next offset of the signal topic to read (the "sig" member of the
// positions' State, see SignalOffset) and the source-channel signals of
// the transaction being read. The source's producer goroutine owns it. A
// nil *Signals has no channel and does nothing.
type Signals struct {
	cfg   SignalConfig
	disp  *Dispatcher
	kafka *KafkaChannel
	next  int64
	rows  []Signal
	log   *slog.Logger
}

// NewSignals returns the signal state of a stream that resumes with the
// signal topic's next offset next (SignalOffset of its checkpoint's
// State), reading the topic through kafka (nil: no topic is read).
func NewSignals(cfg SignalConfig, disp *Dispatcher, kafka *KafkaChannel, next int64, log *slog.Logger) *Signals {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Signals{cfg: cfg, disp: disp, kafka: kafka, next: next, log: log}
}

// Table is the signal table when the source channel is on, else zero.
func (s *Signals) Table() TableName {
	if s == nil {
		return TableName{}
	}
	return s.cfg.SourceTable()
}

// Row queues the signal of a row inserted into the signal table (columns
// id, type, data, as text; data may be empty) by the transaction being
// read; RunRows runs it when the transaction commits.
func (s *Signals) Row(id, typ, data string) {
	if s == nil {
		return
	}
	sig := Signal{ID: id, Type: typ, Channel: SignalChannelSource}
	if d := []byte(data); len(d) > 0 {
		if !json.Valid(d) {
			s.log.Warn("signal row skipped: its data is not JSON", "signal", sig, "data", data)
			return
		}
		sig.Data = d
	}
	s.rows = append(s.rows, sig)
}

// Begin drops the rows queued by a transaction that did not commit (a
// stream restarted in it).
func (s *Signals) Begin() {
	if s != nil {
		s.rows = s.rows[:0]
	}
}

// RunRows runs the queued rows' signals in order and reports whether there
// were any.
func (s *Signals) RunRows() bool {
	if s == nil || len(s.rows) == 0 {
		return false
	}
	for _, sig := range s.rows {
		s.disp.Dispatch(sig)
	}
	clear(s.rows)
	s.rows = s.rows[:0]
	return true
}

// RunKafka runs every signal read from the signal topic so far and reports
// whether Next moved: the caller then emits a position whose State holds
// the new Next, so that the checkpoint committed with the signals' effects
// says they are done.
func (s *Signals) RunKafka() bool {
	if s == nil || s.kafka == nil {
		return false
	}
	moved := false
	for {
		ks, ok := s.kafka.Poll()
		if !ok {
			return moved
		}
		if ks.Offset < s.next {
			continue // read again after a restart of the channel; already done
		}
		s.disp.Dispatch(ks.Signal)
		s.next, moved = ks.Offset+1, true
	}
}

// Next is the next offset of the signal topic to read: the "sig" member of
// the positions' State.
func (s *Signals) Next() int64 {
	if s == nil {
		return 0
	}
	return s.next
}

// Close stops the Kafka channel.
func (s *Signals) Close() {
	if s != nil && s.kafka != nil {
		s.kafka.Close()
	}
}
