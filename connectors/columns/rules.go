package columns

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicecdc/sluice/connectors/filter"
)

// The configuration keys of this package. Keys ending in "." stand for the
// family of keys they begin (see Prefixes).
const (
	KeyInclude       = "column.include.list"
	KeyExclude       = "column.exclude.list"
	KeyPropagate     = "column.propagate.source.type"
	KeyPropagateType = "datatype.propagate.source.type"
	KeyMessageKey    = "message.key.columns"
	PrefixTruncate   = "column.truncate.to."
	PrefixMask       = "column.mask.with."
	PrefixHash       = "column.mask.hash."
	PrefixHashV2     = "column.mask.hash.v2."
)

// Keys are the fixed keys this package honours.
var Keys = []string{KeyInclude, KeyExclude, KeyPropagate, KeyPropagateType, KeyMessageKey}

// Prefixes begin the key families this package honours:
// column.truncate.to.<N>.chars, column.mask.with.<N>.chars and
// column.mask.hash[.v2].<algorithm>.with.salt.<salt>.
var Prefixes = []string{PrefixTruncate, PrefixMask, PrefixHash}

// Honours reports whether key is one of this package's keys or families.
func Honours(key string) bool {
	for _, k := range Keys {
		if key == k {
			return true
		}
	}
	for _, p := range Prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// kind is a column mapper of Debezium's, in the order ColumnMappers tries
// them.
type kind uint8

const (
	kindTruncate kind = iota
	kindMask
	kindPropagate
	kindPropagateType
	kindHash
	kindHashV2
)

// rule is one mapper key: the columns it matches and what it does.
type rule struct {
	kind kind
	key  string
	res  []*regexp.Regexp
	n    int     // truncate length, mask length
	hash *Hasher // hash kinds
}

// keyRule is one "<table>.<column>" pattern of message.key.columns.
type keyRule struct{ re *regexp.Regexp }

// Rules are a connector's column keys. A nil *Rules changes nothing.
type Rules struct {
	include, exclude []*regexp.Regexp
	rules            []rule
	keys             []keyRule
}

var (
	truncateKey = regexp.MustCompile(`^column\.truncate\.to\.(\d+)\.chars$`)
	maskKey     = regexp.MustCompile(`^column\.mask\.with\.(\d+)\.chars$`)
	hashKey     = regexp.MustCompile(`^column\.mask\.hash\.([^.]+)\.with\.salt\.(.+)$`)
	hashV2Key   = regexp.MustCompile(`^column\.mask\.hash\.v2\.([^.]+)\.with\.salt\.(.+)$`)
	// msgKeyEntry is Debezium's MSG_KEY_COLUMNS_PATTERN.
	msgKeyEntry = regexp.MustCompile(`^\s*([^:]+):([^:,]+(,[^:,]+)*)\s*$`)
)

// Parse reads the column keys of config m. It returns nil Rules when m sets
// none of them, and every problem at once, each naming its key and the fix.
func Parse(m map[string]string) (*Rules, error) {
	r := &Rules{}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	list := func(key string) []*regexp.Regexp {
		res, _, err := filter.Parse(key, strings.TrimSpace(m[key]))
		if err != nil {
			errs = append(errs, err)
		}
		return res
	}
	r.include = list(KeyInclude)
	r.exclude = list(KeyExclude)
	if len(r.include) > 0 && len(r.exclude) > 0 {
		bad(KeyExclude, "%s and %s cannot both be set; keep one of them", KeyInclude, KeyExclude)
	}

	var names []string
	for k := range m {
		if strings.HasPrefix(k, "column.") && Honours(k) && k != KeyInclude && k != KeyExclude && k != KeyPropagate {
			names = append(names, k)
		}
	}
	sort.Strings(names) // Debezium's order within a family is its map's; ours is by name
	var truncs, masks, hashes, hashesV2 []rule
	for _, k := range names {
		switch {
		case truncateKey.MatchString(k):
			n, err := strconv.Atoi(truncateKey.FindStringSubmatch(k)[1])
			if err != nil {
				bad(k, "the length is too large")
				continue
			}
			truncs = append(truncs, rule{kind: kindTruncate, key: k, n: n, res: list(k)})
		case maskKey.MatchString(k):
			n, err := strconv.Atoi(maskKey.FindStringSubmatch(k)[1])
			if err != nil || n > 1<<20 {
				bad(k, "the mask length is too large")
				continue
			}
			masks = append(masks, rule{kind: kindMask, key: k, n: n, res: list(k)})
		case hashV2Key.MatchString(k):
			g := hashV2Key.FindStringSubmatch(k)
			h, ok := NewHasher(g[1], g[2], true)
			if !ok {
				bad(k, "%q is not a hash algorithm sluice knows; use one of %s", g[1], hashNames)
				continue
			}
			hashesV2 = append(hashesV2, rule{kind: kindHashV2, key: k, hash: h, res: list(k)})
		case hashKey.MatchString(k):
			g := hashKey.FindStringSubmatch(k)
			h, ok := NewHasher(g[1], g[2], false)
			if !ok {
				bad(k, "%q is not a hash algorithm sluice knows; use one of %s", g[1], hashNames)
				continue
			}
			hashes = append(hashes, rule{kind: kindHash, key: k, hash: h, res: list(k)})
		case strings.HasPrefix(k, PrefixTruncate):
			bad(k, "not a key Debezium knows; write column.truncate.to.<length>.chars, for example column.truncate.to.20.chars")
		case strings.HasPrefix(k, PrefixMask):
			bad(k, "not a key Debezium knows; write column.mask.with.<length>.chars, for example column.mask.with.5.chars")
		default:
			bad(k, "not a key Debezium knows; write column.mask.hash.<algorithm>.with.salt.<salt> or "+
				"column.mask.hash.v2.<algorithm>.with.salt.<salt>, for example column.mask.hash.SHA-256.with.salt.CzQMA0cB5K")
		}
	}
	r.rules = append(r.rules, truncs...)
	r.rules = append(r.rules, masks...)
	if res := list(KeyPropagate); len(res) > 0 {
		r.rules = append(r.rules, rule{kind: kindPropagate, key: KeyPropagate, res: res})
	}
	if res := list(KeyPropagateType); len(res) > 0 {
		r.rules = append(r.rules, rule{kind: kindPropagateType, key: KeyPropagateType, res: res})
	}
	r.rules = append(r.rules, hashes...)
	r.rules = append(r.rules, hashesV2...)

	if v := strings.TrimSpace(m[KeyMessageKey]); v != "" {
		for _, entry := range strings.Split(v, ";") {
			if !msgKeyEntry.MatchString(entry) {
				bad(KeyMessageKey, "%q is not of the form <table>:<column>[,<column>...] (tables separated by ';', "+
					"for example inventory.customers:pk1,pk2;(.*).purchaseorders:pk3)", strings.TrimSpace(entry))
				continue
			}
			table, cols, _ := strings.Cut(entry, ":")
			for _, c := range strings.Split(cols, ",") {
				pat := strings.TrimSpace(table) + "." + strings.TrimSpace(c)
				re, err := regexp.Compile(`(?i)^(?:` + pat + `)$`)
				if err != nil {
					bad(KeyMessageKey, "%q is not a valid regular expression (%v); fix it", pat, err)
					continue
				}
				r.keys = append(r.keys, keyRule{re: re})
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(r.include) == 0 && len(r.exclude) == 0 && len(r.rules) == 0 && len(r.keys) == 0 {
		return nil, nil
	}
	return r, nil
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
