package capture

import (
	"encoding/json"
	"fmt"
)

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
	b := append(make([]byte, 0, n), '[')
	for i, k := range key {
		b = appendPlain(b, i, k)
	}
	return append(b, ']')
}

// appendPlain appends a key's i-th part, plain (see plainJSON), to its
// JSON array.
func appendPlain[S string | []byte](b []byte, i int, part S) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, part...)
	return append(b, '"')
}

// ChunkKeys follows a snapshot chunk's rows and gives each row's cursor
// (Position.Key, as KeyJSON writes it) without making the key's strings
// for every row: those are needed only for the chunk's last row (the next
// chunk's start), which Last gives back.
type ChunkKeys struct {
	json json.RawMessage // the last row's KeyJSON
	key  []string        // the last row's key, when made
}

// Row takes a row's key, the columns cols[idx[0]], cols[idx[1]], ..., and
// returns its KeyJSON, and its strings when withKey is set (nil otherwise,
// unless the key had to be escaped). It keeps neither cols nor idx.
func (c *ChunkKeys) Row(cols [][]byte, idx []int, withKey bool) (json.RawMessage, []string) {
	n := 2
	plain := true
	for _, k := range idx {
		if !plainJSON(cols[k]) {
			plain = false
			break
		}
		n += len(cols[k]) + 3
	}
	c.key = nil
	if !plain || withKey {
		// Only plain keys are read back from the JSON (Last): an escaped
		// one may not come back byte for byte (json.Marshal replaces
		// invalid UTF-8).
		c.key = make([]string, len(idx))
		for i, k := range idx {
			c.key[i] = string(cols[k])
		}
	}
	if !plain {
		c.json = KeyJSON(c.key)
		return c.json, c.key
	}
	b := append(make([]byte, 0, n), '[')
	for i, k := range idx {
		b = appendPlain(b, i, cols[k])
	}
	c.json = append(b, ']')
	return c.json, c.key
}

// Last returns the key of the last row Row took (nil before any).
func (c *ChunkKeys) Last() ([]string, error) {
	if c.key != nil || c.json == nil {
		return c.key, nil
	}
	var key []string
	if err := json.Unmarshal(c.json, &key); err != nil {
		return nil, fmt.Errorf("chunk cursor %s: %w", c.json, err)
	}
	c.key = key
	return key, nil
}

// plainJSON reports whether json.Marshal writes s between quotes as it is:
// printable ASCII other than the quote, the backslash and the characters
// it escapes for HTML.
func plainJSON[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
