package transforms

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// What Debezium's SMTs (through their SmtManager) recognise a record by:
// the name of its value schema. A change event's value is
// "<topic>.Envelope"; a schema change event's "<...>.SchemaChangeValue"
// (its key "<...>.SchemaChangeKey" counts too).
const (
	smtEnvelopeSuffix          = ".Envelope"
	smtSchemaChangeValueSuffix = ".SchemaChangeValue"
	smtSchemaChangeKeySuffix   = ".SchemaChangeKey"
)

// smtIsEnvelope reports whether r's value schema is a Debezium change-event
// envelope, as SmtManager.isValidEnvelope decides it (by name only).
func smtIsEnvelope(r *change.Record) bool {
	return r.ValueSchema != nil && strings.HasSuffix(r.ValueSchema.Logical, smtEnvelopeSuffix)
}

// smtIsSchemaChange reports whether r's value schema is a Debezium schema
// change event's, as SmtManager.isValidSchemaChange decides it.
func smtIsSchemaChange(r *change.Record) bool {
	if r.ValueSchema == nil {
		return false
	}
	n := r.ValueSchema.Logical
	return strings.HasSuffix(n, smtSchemaChangeValueSuffix) || strings.HasSuffix(n, smtSchemaChangeKeySuffix)
}

// smtStruct returns v as the value of struct schema s, or an error worded as
// Kafka Connect's Requirements.requireStruct words it.
func smtStruct(s *change.Field, v any, purpose string) (change.StructValue, error) {
	sv, ok := v.(change.StructValue)
	if !ok || s == nil || s.Type != change.Struct {
		return nil, fmt.Errorf("Only Struct objects supported for [%s], found: %s", purpose, smtClassName(v))
	}
	if len(sv) != len(s.Fields) {
		return nil, fmt.Errorf("%s: struct value has %d members, its schema %q %d", purpose, len(sv), s.Logical, len(s.Fields))
	}
	return sv, nil
}

// smtGet is Kafka Connect's Struct.get(name): the member's value, or its
// schema's default when the value is null; ok is false when s has no member
// name (Connect's DataException "<name> is not a valid field name").
func smtGet(s *change.Field, v change.StructValue, name string) (val any, member *change.Field, ok bool) {
	i := s.Member(name)
	if i < 0 || i >= len(v) {
		return nil, nil, false
	}
	member = &s.Fields[i]
	val = v[i]
	if val == nil {
		val = member.Default
	}
	return val, member, true
}

// smtClassName is javaClassName, with a Go int (the time zone converter's
// own arithmetic) named as the java.lang.Integer it stands for.
func smtClassName(v any) string {
	if _, ok := v.(int); ok {
		return "java.lang.Integer"
	}
	return javaClassName(v)
}

// smtSplit is Java's String.split(sep) with a literal separator, each
// part trimmed, as Debezium's Configuration.getList reads a list: empty
// parts are kept except trailing ones (before trimming), and a value
// without the separator is one part, even when empty.
func smtSplit(v, sep string) []string {
	parts := strings.Split(v, sep)
	if len(parts) > 1 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// smtReplaceFirst is Java's Matcher.replaceFirst(replacement): the first
// match of re in s replaced by the expanded replacement, the rest of s
// kept; s itself when re does not match.
func smtReplaceFirst(re *regexp.Regexp, s, replacement string) (string, error) {
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return s, nil
	}
	rep, err := ExpandJavaReplacement(re, s, replacement, m)
	if err != nil {
		return "", err
	}
	return s[:m[0]] + rep + s[m[1]:], nil
}

// smtCompileFull compiles a Java pattern twice: as given (for find and
// replace) and anchored at both ends (for Matcher.matches).
func smtCompileFull(expr string) (re, anchored *regexp.Regexp, err error) {
	if re, err = CompileJavaRegexp(expr); err != nil {
		return nil, nil, err
	}
	if anchored, err = CompileJavaRegexp(`^(?:` + expr + `)$`); err != nil {
		return nil, nil, err
	}
	return re, anchored, nil
}
