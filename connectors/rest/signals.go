package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Signal is the body of POST /connectors/{name}/signals (a sluice
// extension): a Debezium signal, {"id", "type", "data"}, as a record on the
// Kafka signal topic holds it.
type Signal struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// SignalSent is the 202 answer: the signal and the topic it was written to.
type SignalSent struct {
	Signal
	Topic string `json:"topic"`
}

// signal serves POST /connectors/{name}/signals: 202 once the signal is in
// the signal topic.
func (h *handler) signal(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, `send {"id":"<id>","type":"log","data":{"message":"<text>"}}`)
	if err != nil {
		return err
	}
	var s Signal
	if err := decodeJSON(body, &s, true, "id, type, data"); err != nil {
		return err
	}
	if s.Type == "" {
		return Errorf(http.StatusBadRequest, `Signal "type" is missing: name the action, for example "log"`)
	}
	if d := bytes.TrimSpace(s.Data); len(d) > 0 && d[0] != '{' && !bytes.Equal(d, []byte("null")) {
		return Errorf(http.StatusBadRequest, `Signal "data" must be a JSON object, for example {"message":"hello"}`)
	}
	topic, err := h.m.Signal(r.Context(), r.PathValue("name"), s)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, SignalSent{Signal: s, Topic: topic})
	return nil
}
