package runtime

import "strings"

// takesKey reports whether key is one of the runtime's keys or the plugin's
// Keys, where a Keys entry ending in "." stands for every key it begins
// (snapshot.select.statement.overrides.<table>).
func (p *Plugin) takesKey(known map[string]bool, key string) bool {
	if known[key] {
		return true
	}
	for _, k := range p.Keys {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(key, k) && len(key) > len(k) {
			return true
		}
	}
	return false
}
