package capture

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Debezium's offset keys of an incremental snapshot in progress
// (AbstractIncrementalSnapshotContext.store).
const (
	OffsetIncCollections   = "incremental_snapshot_collections"
	OffsetIncPrimaryKey    = "incremental_snapshot_primary_key"
	OffsetIncMaximumKey    = "incremental_snapshot_maximum_key"
	OffsetIncCorrelationID = "incremental_snapshot_correlation_id"
)

// JavaKind is the Java class of a key column's value in Debezium's
// offsets: what its JDBC driver returns for the column's type.
type JavaKind uint8

// The Java classes a key column maps to. Other classes (BigDecimal, UUID,
// byte[]) are written as a String of the key's text.
const (
	JavaString  JavaKind = iota
	JavaInteger          // INT, SMALLINT, TINYINT, MEDIUMINT; Postgres int2, int4
	JavaLong             // BIGINT, INT UNSIGNED; Postgres int8
)

// DebeziumOffset returns the keys Debezium's offsets show for s, with
// values as Debezium writes them: the queue as a JSON text of
// incremental_snapshot_collections_* maps (an additional condition in
// parentheses, empty fields null), the last key sent and the maximum key
// as hex of a Java-serialized Object[] (ObjectOutputStream), and the
// correlation id of the latest request. kinds gives the Java class of each
// key column of the head table. It returns nil when no snapshot runs.
func (s IncState) DebeziumOffset(kinds []JavaKind) (map[string]any, error) {
	if !s.Running() {
		return nil, nil
	}
	type coll struct {
		ID   string  `json:"incremental_snapshot_collections_id"`
		Cond *string `json:"incremental_snapshot_collections_additional_condition"`
		SK   *string `json:"incremental_snapshot_collections_surrogate_key"`
		Corr *string `json:"incremental_snapshot_collections_correlation_id"`
	}
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	colls := make([]coll, len(s.Queue))
	for i, t := range s.Queue {
		c := coll{ID: t.ID, SK: orNull(t.Surrogate), Corr: orNull(t.Corr)}
		if t.Cond != "" {
			c.Cond = orNull("(" + t.Cond + ")")
		}
		colls[i] = c
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false) // Jackson writes <, > and & as they are
	if err := enc.Encode(colls); err != nil {
		return nil, err
	}
	pk, err := javaKeyHex(s.After, kinds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", OffsetIncPrimaryKey, err)
	}
	mk, err := javaKeyHex(s.Max, kinds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", OffsetIncMaximumKey, err)
	}
	var corr any
	if c := s.Queue[len(s.Queue)-1].Corr; c != "" {
		corr = c
	}
	return map[string]any{
		OffsetIncCollections:   strings.TrimSuffix(js.String(), "\n"),
		OffsetIncPrimaryKey:    pk,
		OffsetIncMaximumKey:    mk,
		OffsetIncCorrelationID: corr,
	}, nil
}

// IncrementalInOffset reports whether a Debezium offset holds an
// incremental snapshot in progress.
func IncrementalInOffset(offset map[string]any) bool {
	v, ok := offset[OffsetIncCollections]
	return ok && v != nil && v != "" && v != "[]"
}

// javaKeyHex writes key as Java's ObjectOutputStream writes an Object[]
// (nil: a null reference), in lower-case hex.
func javaKeyHex(key []string, kinds []JavaKind) (string, error) {
	if key != nil && len(kinds) != len(key) {
		return "", fmt.Errorf("key has %d columns, %d Java kinds given", len(key), len(kinds))
	}
	w := &javaWriter{b: []byte{0xac, 0xed, 0x00, 0x05}, descs: map[string]int{}, boxed: map[javaBox]int{}}
	if key == nil {
		w.b = append(w.b, tcNull)
		return hex.EncodeToString(w.b), nil
	}
	w.b = append(w.b, tcArray)
	w.classDesc("[Ljava.lang.Object;", 0x90ce589f1073296c, 0, "", nil)
	w.handle()
	w.b = be32(w.b, uint32(len(key)))
	for i, s := range key {
		if err := w.value(kinds[i], s); err != nil {
			return "", fmt.Errorf("column %d: %w", i, err)
		}
	}
	return hex.EncodeToString(w.b), nil
}

// The stream constants of java.io.ObjectStreamConstants used here.
const (
	tcNull      = 0x70
	tcReference = 0x71
	tcClassDesc = 0x72
	tcObject    = 0x73
	tcString    = 0x74
	tcArray     = 0x75
	tcEndBlock  = 0x78
	baseHandle  = 0x7e0000
)

// javaBox is a boxed Integer or Long Java caches (-128..127): the same
// object, so written again as a back-reference.
type javaBox struct {
	kind JavaKind
	v    int64
}

type javaWriter struct {
	b     []byte
	next  int            // the next handle
	descs map[string]int // class name -> handle
	boxed map[javaBox]int
}

func (w *javaWriter) handle() int { h := w.next; w.next++; return h }

func be32(b []byte, v uint32) []byte { return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }

func be64(b []byte, v uint64) []byte { return be32(be32(b, uint32(v>>32)), uint32(v)) }

func (w *javaWriter) utf(s string) {
	m := modifiedUTF8(s)
	w.b = append(w.b, byte(len(m)>>8), byte(len(m)))
	w.b = append(w.b, m...)
}

// classDesc writes a serializable class's descriptor, or a reference to
// it when written before. field is its one primitive field (typ 0: none);
// super writes the superclass's descriptor (nil: none).
func (w *javaWriter) classDesc(name string, uid uint64, typ byte, field string, super func()) {
	if h, ok := w.descs[name]; ok {
		w.b = be32(append(w.b, tcReference), uint32(baseHandle+h))
		return
	}
	w.b = append(w.b, tcClassDesc)
	w.utf(name)
	w.b = be64(w.b, uid)
	w.descs[name] = w.handle()
	w.b = append(w.b, 0x02) // SC_SERIALIZABLE
	if typ == 0 {
		w.b = append(w.b, 0, 0)
	} else {
		w.b = append(w.b, 0, 1, typ)
		w.utf(field)
	}
	w.b = append(w.b, tcEndBlock)
	if super == nil {
		w.b = append(w.b, tcNull)
	} else {
		super()
	}
}

func (w *javaWriter) number() { w.classDesc("java.lang.Number", 0x86ac951d0b94e08b, 0, "", nil) }

func (w *javaWriter) value(kind JavaKind, s string) error {
	switch kind {
	case JavaInteger, JavaLong:
		bits := 32
		if kind == JavaLong {
			bits = 64
		}
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return fmt.Errorf("key value %q is not a Java %s", s, map[JavaKind]string{JavaInteger: "Integer", JavaLong: "Long"}[kind])
		}
		box := javaBox{kind, n}
		if h, ok := w.boxed[box]; ok {
			w.b = be32(append(w.b, tcReference), uint32(baseHandle+h))
			return nil
		}
		w.b = append(w.b, tcObject)
		if kind == JavaInteger {
			w.classDesc("java.lang.Integer", 0x12e2a0a4f7818738, 'I', "value", w.number)
		} else {
			w.classDesc("java.lang.Long", 0x3b8be490cc8f23df, 'J', "value", w.number)
		}
		h := w.handle()
		if n >= -128 && n <= 127 {
			w.boxed[box] = h
		}
		if kind == JavaInteger {
			w.b = be32(w.b, uint32(int32(n)))
		} else {
			w.b = be64(w.b, uint64(n))
		}
		return nil
	}
	if len(modifiedUTF8(s)) > 0xffff {
		return fmt.Errorf("key value of %d bytes is too long for the offset", len(s))
	}
	w.b = append(w.b, tcString)
	w.utf(s)
	w.handle()
	return nil
}

// modifiedUTF8 is Java's DataOutput.writeUTF encoding of s: NUL as two
// bytes, characters beyond the BMP as two three-byte surrogates.
func modifiedUTF8(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == 0:
			b = append(b, 0xc0, 0x80)
		case r == utf8.RuneError:
			b = utf8.AppendRune(b, r)
		case r > 0xffff:
			r -= 0x10000
			for _, u := range []rune{0xd800 + r>>10, 0xdc00 + r&0x3ff} {
				b = append(b, byte(0xe0|u>>12), byte(0x80|(u>>6)&0x3f), byte(0x80|u&0x3f))
			}
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
