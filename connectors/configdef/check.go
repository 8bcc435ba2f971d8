package configdef

import (
	"slices"
	"strings"
)

// Check returns what is wrong with defs as the definitions of a plugin's
// keys (its ConfigKeys): a definition of a key the plugin does not take
// (unless pending lists it, or a key ending in "." names its family, such
// as column.mask.with. for column.mask.with.<N>.chars), a key defined
// twice, a definition missing a field Kafka Connect shows, and a key
// without a definition (a family has none). Nil when all is well.
func Check(keys []string, defs []Key, pending []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range defs {
		if !slices.Contains(keys, d.Name) && !slices.Contains(pending, d.Name) && family(keys, d.Name) == "" {
			out = append(out, "definition of "+d.Name+", which is not in ConfigKeys")
		}
		if seen[d.Name] {
			out = append(out, d.Name+" defined twice")
		}
		seen[d.Name] = true
		if d.Type == "" || d.Importance == "" || d.Group == "" || d.Order < 1 || d.Width == "" || d.Display == "" || d.Doc == "" {
			out = append(out, "definition of "+d.Name+" is incomplete")
		}
	}
	for _, k := range keys {
		if !seen[k] && !strings.HasSuffix(k, ".") {
			out = append(out, k+" has no definition in ConfigDefs")
		}
	}
	return out
}

// family returns the entry of keys ending in "." that name begins, or "".
func family(keys []string, name string) string {
	for _, k := range keys {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(name, k) {
			return k
		}
	}
	return ""
}
