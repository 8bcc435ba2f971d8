package capture

import "encoding/json"

// KeyJSON returns json.Marshal(key): a snapshot row's chunk cursor
// (Position.Key). Keys of plain characters are written directly, since a
// cursor is encoded for every snapshot row and json.Marshal's reflection
// and buffers were a tenth of a snapshot's allocations; any other key is
// left to json.Marshal, so the bytes are the same either way.
func KeyJSON(key []string) json.RawMessage {
	if key == nil {
		return json.RawMessage("null")
	}
	n := 2
	for _, k := range key {
		if !plainJSON(k) {
			b, _ := json.Marshal(key) // a []string always marshals
			return b
		}
		n += len(k) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, k := range key {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"')
	}
	return append(b, ']')
}

// plainJSON reports whether json.Marshal writes s between quotes as it is:
// printable ASCII other than the quote, the backslash and the characters
// it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
