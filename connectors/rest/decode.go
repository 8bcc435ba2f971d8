package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// MaxBodyBytes is the largest request body the handler reads (1 MiB). A
// larger one is answered 413.
const MaxBodyBytes = 1 << 20

// Config keys the REST layer looks at.
const (
	keyName           = "name"
	keyConnectorClass = "connector.class"
)

// readBody reads the whole request body, at most MaxBodyBytes. emptyHint
// says what to send when the body is empty.
func readBody(w http.ResponseWriter, r *http.Request, emptyHint string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, Errorf(http.StatusRequestEntityTooLarge,
				"Request body is larger than the limit of %d bytes (1 MiB): send a smaller body", MaxBodyBytes)
		}
		return nil, Errorf(http.StatusBadRequest, "Could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf(http.StatusBadRequest, "Request body is empty: %s", emptyHint)
	}
	return body, nil
}

// decodeJSON decodes exactly one JSON value from body into v (numbers as
// json.Number). With strict, object keys that v has no field for are an
// error. Errors are 400 *Error whose message names the problem and, for
// malformed JSON, where it is.
func decodeJSON(body []byte, v any, strict bool, allowedFields string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(body, err, allowedFields)
	}
	// Anything but white space after the value is an error.
	off := int(dec.InputOffset())
	for off < len(body) && isSpace(body[off]) {
		off++
	}
	if off < len(body) {
		line, col := position(body, off)
		return Errorf(http.StatusBadRequest,
			"Malformed JSON in request body at line %d, column %d: unexpected data after the JSON value", line, col)
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonError turns an encoding/json error into a 400 *Error.
func jsonError(body []byte, err error, allowedFields string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read including the offending one.
		line, col := position(body, int(syn.Offset)-1)
		return Errorf(http.StatusBadRequest, "Malformed JSON in request body at line %d, column %d: %s", line, col, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		line, col := position(body, len(body))
		return Errorf(http.StatusBadRequest,
			"Malformed JSON in request body at line %d, column %d: the body ends before the JSON value is complete", line, col)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return Errorf(http.StatusBadRequest, "Invalid request body: expected %s, got a JSON %s", jsonKind(typ.Type), typ.Value)
		}
		return Errorf(http.StatusBadRequest, "Invalid request body: field %q must be %s, not a JSON %s",
			typ.Field, jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return Errorf(http.StatusBadRequest, "Invalid request body: unknown field %s; the allowed fields are %s", field, allowedFields)
	default:
		return Errorf(http.StatusBadRequest, "Invalid JSON in request body: %v", err)
	}
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	default:
		return "a " + t.String()
	}
}

// position returns the 1-based line and column of byte offset off in body.
func position(body []byte, off int) (line, col int) {
	off = max(0, min(off, len(body)))
	before := body[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// decodeConfigBody decodes a request body that is a flat connector config
// map (PUT /connectors/{name}/config, validate).
func decodeConfigBody(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	body, err := readBody(w, r, `send the connector config as a JSON object, for example {"connector.class":"postgres","topic.prefix":"app"}`)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := decodeJSON(body, &raw, false, ""); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, Errorf(http.StatusBadRequest, "Invalid request body: expected the connector config as a JSON object, got null")
	}
	return configStrings(raw, true)
}

// createRequest is the body of POST /connectors.
type createRequest struct {
	Name         *string        `json:"name"`
	Config       map[string]any `json:"config"`
	InitialState *string        `json:"initial_state"`
}

// initialStates are the states a connector may be created in.
var initialStates = []string{"RUNNING", "PAUSED", "STOPPED"}

// decodeCreateBody decodes and checks the body of POST /connectors. It
// returns the trimmed name, the config (without "name" added) and the
// upper-cased initial state ("" if absent).
func decodeCreateBody(w http.ResponseWriter, r *http.Request) (name string, config map[string]string, state string, err error) {
	body, err := readBody(w, r, `send {"name":"<connector>","config":{...}}`)
	if err != nil {
		return "", nil, "", err
	}
	var req *createRequest
	if err := decodeJSON(body, &req, true, `"name", "config" and "initial_state"`); err != nil {
		return "", nil, "", err
	}
	if req == nil {
		return "", nil, "", Errorf(http.StatusBadRequest, `Invalid request body: expected {"name":"<connector>","config":{...}}, got null`)
	}
	if req.InitialState != nil && *req.InitialState != "" {
		state = strings.ToUpper(*req.InitialState)
		if !slices.Contains(initialStates, state) {
			return "", nil, "", Errorf(http.StatusBadRequest,
				"Invalid initial_state %q: use RUNNING, PAUSED or STOPPED", *req.InitialState)
		}
	}
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	if name == "" {
		return "", nil, "", Errorf(http.StatusBadRequest,
			`Connector name is missing: add a non-empty "name" field to the request body, as in {"name":"pg1","config":{...}}`)
	}
	if req.Config == nil {
		return "", nil, "", Errorf(http.StatusBadRequest,
			`Connector config is missing: add a "config" object to the request body, as in {"name":%s,"config":{"connector.class":"postgres",...}}`,
			strconv.Quote(name))
	}
	config, err = configStrings(req.Config, false)
	if err != nil {
		return "", nil, "", err
	}
	return name, config, state, nil
}

// configStrings converts a decoded JSON config object to Kafka Connect's
// flat string map. Kafka Connect takes only strings; sluice also takes
// numbers (their JSON text) and booleans ("true", "false"). Null, objects
// and arrays are an error naming every such key. flat says the body was the
// config map itself, so a "config" object hints at the create-request shape.
func configStrings(raw map[string]any, flat bool) (map[string]string, error) {
	out := make(map[string]string, len(raw))
	var bad []string
	hint := ""
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v, problem := configString(raw[k])
		if problem != "" {
			bad = append(bad, fmt.Sprintf("%q %s", k, problem))
			if _, obj := raw[k].(map[string]any); obj && flat && k == "config" {
				hint = `; this endpoint takes the flat config map itself, not {"name":...,"config":{...}}`
			}
			continue
		}
		out[k] = v
	}
	if len(bad) > 0 {
		return nil, badConfigValues(bad, hint)
	}
	return out, nil
}

// configString converts one decoded JSON config value to its string, or
// says what is wrong with it ("is null", "is an object", ...).
func configString(v any) (string, string) {
	switch v := v.(type) {
	case string:
		return v, ""
	case json.Number:
		return v.String(), ""
	case bool:
		return strconv.FormatBool(v), ""
	case nil:
		return "", "is null"
	case map[string]any:
		return "", "is an object"
	case []any:
		return "", "is an array"
	default:
		return "", fmt.Sprintf("has an unsupported type %T", v)
	}
}

func badConfigValues(bad []string, hint string) error {
	return Errorf(http.StatusBadRequest,
		"Connector config values must be strings (numbers and booleans are converted to strings), but %s: "+
			"write each value as a string (a list as one comma-separated string) and leave out unset keys%s",
		strings.Join(bad, ", "), hint)
}

// decodeConfigPatch decodes the body of PATCH /connectors/{name}/config: a
// flat config map whose null values remove their keys (nil in the result).
func decodeConfigPatch(w http.ResponseWriter, r *http.Request) (map[string]*string, error) {
	body, err := readBody(w, r, `send the keys to change as a JSON object, a null removing its key, for example {"snapshot.mode":"never","table.exclude.list":null}`)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := decodeJSON(body, &raw, false, ""); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, Errorf(http.StatusBadRequest, `Invalid request body: expected the keys to change as a JSON object (a null removing its key), got null`)
	}
	out := make(map[string]*string, len(raw))
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if raw[k] == nil {
			out[k] = nil
			continue
		}
		v, problem := configString(raw[k])
		if problem != "" {
			bad = append(bad, fmt.Sprintf("%q %s", k, problem))
			continue
		}
		out[k] = &v
	}
	if len(bad) > 0 {
		return nil, Errorf(http.StatusBadRequest,
			"Connector config values must be strings (numbers and booleans are converted to strings) or null to remove the key, but %s: "+
				"write each value as a string (a list as one comma-separated string)", strings.Join(bad, ", "))
	}
	return out, nil
}

// checkAndPutName checks the config's "name" against the connector name
// and sets it, as Kafka Connect does. A name with a control character (a
// tab, a newline) is refused, as Kafka Connect's name validator refuses it:
// such a name cannot be typed in a URL or a shell.
func checkAndPutName(name string, config map[string]string) error {
	if strings.ContainsFunc(name, unicode.IsControl) {
		return Errorf(http.StatusBadRequest,
			"Connector name %s may not contain control characters: use a name without tabs, newlines or other control characters",
			strconv.Quote(name))
	}
	if n, ok := config[keyName]; ok && n != name {
		return Errorf(http.StatusBadRequest,
			"Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name)
	}
	config[keyName] = name
	return nil
}

// checkPatchedName refuses a patch that would rename the connector or
// remove its name: a connector's name is its URL's. (Kafka Connect 4.3.0
// stores a patched "name" under the old connector, and answers a removed one
// with a 500: measured, integration/compat.)
func checkPatchedName(name string, patch map[string]*string) error {
	v, ok := patch[keyName]
	switch {
	case !ok:
		return nil
	case v == nil:
		return Errorf(http.StatusBadRequest,
			`Connector name configuration cannot be removed: leave "name" out of the patch (it is always the connector name in the URL, %s)`, name)
	case *v != name:
		return Errorf(http.StatusBadRequest,
			"Connector name configuration (%s) doesn't match connector name in the URL (%s): a connector cannot be renamed; leave \"name\" out of the patch, or create a new connector", *v, name)
	}
	return nil
}

// checkConnectorClass answers Kafka Connect's 400 when the config names no
// connector class.
func checkConnectorClass(config map[string]string) error {
	if strings.TrimSpace(config[keyConnectorClass]) == "" {
		return Errorf(http.StatusBadRequest, "Connector config %s contains no connector type: set connector.class to the connector to run, for example io.debezium.connector.postgresql.PostgresConnector", javaMapString(config))
	}
	return nil
}

// javaMapString renders a config the way Java's Map.toString does
// ({k1=v1, k2=v2}), keys sorted and secret values hidden.
func javaMapString(config map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(config)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		if isSecretKey(k) {
			b.WriteString(hiddenValue)
		} else {
			b.WriteString(config[k])
		}
	}
	b.WriteByte('}')
	return b.String()
}

// hiddenValue replaces secret values, as Kafka Connect shows PASSWORD values.
const hiddenValue = "[hidden]"

// isSecretKey reports whether a config key holds a secret the REST layer
// must never echo. The Manager hides passwords in what it returns; this is
// the REST layer's own guard for values it renders itself.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "secret") || strings.Contains(k, "jaas.config")
}
