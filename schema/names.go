package schema

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// Name adjustment modes: Debezium's schema.name.adjustment.mode and
// field.name.adjustment.mode.
const (
	// NameAdjustNone writes names as they are (Debezium 3's default).
	NameAdjustNone = "none"
	// NameAdjustAvro replaces each character Avro does not allow with '_'
	// (a leading digit d becomes "_d").
	NameAdjustAvro = "avro"
	// NameAdjustAvroUnicode replaces each character Avro does not allow, and
	// '_' itself, with _uXXXX (its UTF-16 code unit in hex).
	NameAdjustAvroUnicode = "avro_unicode"
)

// AdjustSchemaName adjusts a Connect schema name (a full name: '.' is kept)
// as Debezium's SchemaNameAdjuster does for mode.
func AdjustSchemaName(mode, name string) string {
	switch mode {
	case NameAdjustAvro:
		return adjustName(name, true, false)
	case NameAdjustAvroUnicode:
		return adjustName(name, true, true)
	}
	return name
}

// AdjustFieldName adjusts a field name (no '.' allowed) as Debezium's
// field name adjuster does for mode.
func AdjustFieldName(mode, name string) string {
	switch mode {
	case NameAdjustAvro:
		return adjustName(name, false, false)
	case NameAdjustAvroUnicode:
		return adjustName(name, false, true)
	}
	return name
}

// adjustName is Debezium's SchemaNameAdjuster.validFullname with its
// replacement functions: a first character must be a letter (or '_' when
// not unicode), the others also a digit, and '.' in a full name. Java
// strings are UTF-16, so a character outside the Basic Multilingual Plane
// is two code units, each replaced.
func adjustName(name string, full, unicode bool) string {
	letter := func(c uint16) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	validFirst := func(c uint16) bool { return letter(c) || !unicode && c == '_' }
	validNext := func(c uint16) bool { return validFirst(c) || c >= '0' && c <= '9' || full && c == '.' }
	replace := func(b *strings.Builder, c uint16) {
		if !unicode {
			b.WriteByte('_')
			return
		}
		hex := strconv.FormatUint(uint64(c), 16)
		if len(hex) <= 2 {
			hex = "00" + hex
		}
		b.WriteString("_u")
		b.WriteString(hex)
	}
	units := utf16.Encode([]rune(name))
	valid := true
	for i, c := range units {
		if i == 0 && !validFirst(c) || i > 0 && !validNext(c) {
			valid = false
			break
		}
	}
	if valid {
		return name
	}
	var b strings.Builder
	for i, c := range units {
		switch {
		case i == 0 && validFirst(c), i > 0 && validNext(c):
			b.WriteRune(rune(c))
		case i == 0:
			replace(&b, c)
			if !unicode && c >= '0' && c <= '9' {
				// Debezium keeps the digit after the '_', so names that
				// differ only in their first digit stay apart.
				b.WriteRune(rune(c))
			}
		default:
			replace(&b, c)
		}
	}
	return b.String()
}
