package transforms

import (
	"fmt"
	"strings"

	"github.com/sluicecdc/sluice/connectors/change"
)

// fieldPath is Kafka's SingleFieldPath (KIP-821): the steps that lead to
// a field of a struct or map. With field.syntax.version V1 the path is one
// field name; with V2 dots separate steps and a step wrapped in backticks
// may hold dots (a backtick inside one is escaped with a backslash).
type fieldPath []string

// parseFieldPath parses path as syntax version v ("V1" or "V2").
func parseFieldPath(path, v string) (fieldPath, error) {
	if v == "V1" {
		return fieldPath{path}, nil
	}
	var steps fieldPath
	incomplete := func(at int) error {
		return fmt.Errorf("Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at)
	}
	idx := 0
	for idx >= 0 && idx < len(path) {
		if path[idx] != '`' {
			start := idx
			if dot := strings.IndexByte(path[idx:], '.'); dot >= 0 {
				steps = append(steps, path[start:idx+dot])
				idx += dot + 1
			} else {
				steps = append(steps, path[start:])
				idx = -1
			}
			continue
		}
		// A step in backticks ends at a backtick that is followed by a
		// dot (or ends the path) and is not escaped.
		at := idx
		idx++
		start := idx
		var step strings.Builder
		for {
			next := strings.IndexByte(path[idx:], '`')
			if next < 0 {
				return nil, incomplete(at)
			}
			idx += next
			escaped := path[idx-1] == '\\'
			if idx >= len(path)-1 {
				if escaped {
					return nil, incomplete(at)
				}
				step.WriteString(path[start:idx])
				steps = append(steps, step.String())
				idx++
				break
			}
			if path[idx+1] != '.' {
				idx++
				continue
			}
			if escaped {
				step.WriteString(path[start : idx-1])
				step.WriteByte('`')
				idx++
				start = idx
				continue
			}
			step.WriteString(path[start:idx])
			steps = append(steps, step.String())
			idx += 2
			break
		}
	}
	if strings.HasSuffix(path, ".") {
		steps = append(steps, "")
	}
	return steps, nil
}

// field returns the member schema the path leads to in struct schema s, or
// nil; a step into a schema that is not a struct is Connect's
// DataException.
func (p fieldPath) field(s *change.Field) (*change.Field, error) {
	if len(p) == 0 || s == nil {
		return nil, nil
	}
	cur := s
	for _, step := range p {
		if cur.Type != change.Struct {
			return nil, dataErrorf("Cannot look up fields on non-struct type")
		}
		i := cur.Member(step)
		if i < 0 {
			return nil, nil
		}
		cur = &cur.Fields[i]
	}
	return cur, nil
}

// structValue returns the value at the path in struct s of schema schema,
// or nil when a step is missing or null; the last step's default replaces
// a null when withDefault (the inner steps always use defaults, as Kafka
// does).
func (p fieldPath) structValue(schema *change.Field, s change.StructValue, withDefault bool) (any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	for _, step := range p[:len(p)-1] {
		i := schema.Member(step)
		if i < 0 {
			return nil, nil
		}
		sub := member(schema, s, i, true)
		if sub == nil {
			return nil, nil
		}
		next, err := requireStruct(sub, "nested field access")
		if err != nil {
			return nil, err
		}
		schema, s = &schema.Fields[i], next
	}
	i := schema.Member(p[len(p)-1])
	if i < 0 {
		return nil, nil
	}
	return member(schema, s, i, withDefault), nil
}

// mapValue returns the value at the path in schemaless map m, or nil.
func (p fieldPath) mapValue(m map[string]any) (any, error) {
	if len(p) == 0 {
		return nil, nil
	}
	for _, step := range p[:len(p)-1] {
		sub := m[step]
		if sub == nil {
			return nil, nil
		}
		next, err := requireMap(sub, "nested field access")
		if err != nil {
			return nil, err
		}
		m = next
	}
	return m[p[len(p)-1]], nil
}
