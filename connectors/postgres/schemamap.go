package postgres

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// schemaMap is each captured table's schema version and column fingerprint
// (snapState.Schemas), which every checkpoint carries. It grows by ~54
// bytes a table as JSON, so a connector of thousands of tables wrote a
// checkpoint of hundreds of kilobytes with each commit and failed past
// ~4,700 tables (a record is at most 255 KiB, docs/scale.md). From
// schemaMapDeflateFrom tables on it is written DEFLATE-compressed, as the
// JSON string "deflate:" + base64: table names share their schemas'
// prefixes and tables often share columns, so 10,000 tables take tens of
// kilobytes. Both forms are read.
type schemaMap map[string]schemaVer

// schemaMapDeflateFrom is the number of tables from which a schemaMap is
// compressed; a smaller one stays readable JSON.
const schemaMapDeflateFrom = 200

// schemaMapDeflatePrefix starts the compressed form.
const schemaMapDeflatePrefix = "deflate:"

// schemaMapMax bounds the inflated size read back (a corrupt or hostile
// checkpoint cannot make Open allocate without end).
const schemaMapMax = 256 << 20

func (m schemaMap) MarshalJSON() ([]byte, error) {
	raw, err := json.Marshal(map[string]schemaVer(m))
	if err != nil || len(m) < schemaMapDeflateFrom {
		return raw, err
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression) // a valid level: no error
	w.Write(raw)                                       // into a bytes.Buffer: no error
	w.Close()
	return json.Marshal(schemaMapDeflatePrefix + base64.RawStdEncoding.EncodeToString(z.Bytes()))
}

func (m *schemaMap) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return json.Unmarshal(b, (*map[string]schemaVer)(m))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	enc, ok := strings.CutPrefix(s, schemaMapDeflatePrefix)
	if !ok {
		return fmt.Errorf("schema versions: unknown encoding %.20q", s)
	}
	z, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil {
		return fmt.Errorf("schema versions: %w", err)
	}
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	raw, err := io.ReadAll(io.LimitReader(r, schemaMapMax+1))
	if err != nil {
		return fmt.Errorf("schema versions: inflate: %w", err)
	}
	if len(raw) > schemaMapMax {
		return fmt.Errorf("schema versions: more than %d bytes inflated", schemaMapMax)
	}
	return json.Unmarshal(raw, (*map[string]schemaVer)(m))
}
