package configdef

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

// TestParser reads one key per case from a map and checks the value and the
// problems recorded, word for word: the sources' error texts are these.
func TestParser(t *testing.T) {
	hints := map[string]string{"database.user": "a role with the REPLICATION attribute"}
	for _, tc := range []struct {
		name string
		m    map[string]string
		read func(p *Parser) any
		want any
		errs []string
	}{
		{"get trims", map[string]string{"k": "  v "}, func(p *Parser) any { return p.Get("k", "d") }, "v", nil},
		{"get blank is default", map[string]string{"k": " \t"}, func(p *Parser) any { return p.Get("k", "d") }, "d", nil},
		{"get missing is default", nil, func(p *Parser) any { return p.Get("k", "d") }, "d", nil},
		{"get keeps case", map[string]string{"k": "MiXed"}, func(p *Parser) any { return p.Get("k", "") }, "MiXed", nil},

		{"required set", map[string]string{"database.user": " u "}, func(p *Parser) any { return p.Required("database.user") }, "u", nil},
		{"required missing", nil, func(p *Parser) any { return p.Required("database.user") }, "",
			[]string{"database.user: is required; set it to a role with the REPLICATION attribute"}},
		{"required without hint", map[string]string{"x": " "}, func(p *Parser) any { return p.Required("x") }, "",
			[]string{"x: is required; set it to "}},

		{"oneOf lowers", map[string]string{"m": " Filtered "}, func(p *Parser) any { return p.OneOf("m", "a", "a", "filtered") }, "filtered", nil},
		{"oneOf default", nil, func(p *Parser) any { return p.OneOf("m", "a", "a", "b") }, "a", nil},
		{"oneOf unknown", map[string]string{"m": "C"}, func(p *Parser) any { return p.OneOf("m", "a", "a", "b") }, "a",
			[]string{`m: unknown value "c"; use one of a, b`}},
		// A default outside allowed is reported too, as both sources do.
		{"oneOf bad default", nil, func(p *Parser) any { return p.OneOf("m", "z", "a", "b") }, "z",
			[]string{`m: unknown value "z"; use one of a, b`}},

		{"intIn", map[string]string{"n": " 42 "}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(42), nil},
		{"intIn low bound", map[string]string{"n": "1"}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(1), nil},
		{"intIn high bound", map[string]string{"n": "4294967295"}, func(p *Parser) any { return p.IntIn("n", 0, 1, 1<<32-1) }, int64(1<<32 - 1), nil},
		{"intIn missing", nil, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(7), nil},
		{"intIn below", map[string]string{"n": "0"}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(7),
			[]string{`n: "0" is not a whole number between 1 and 100`}},
		{"intIn above", map[string]string{"n": "101"}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(7),
			[]string{`n: "101" is not a whole number between 1 and 100`}},
		{"intIn not a number", map[string]string{"n": "ten"}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(7),
			[]string{`n: "ten" is not a whole number between 1 and 100`}},
		{"intIn overflow", map[string]string{"n": "99999999999999999999"}, func(p *Parser) any { return p.IntIn("n", 7, 1, 100) }, int64(7),
			[]string{`n: "99999999999999999999" is not a whole number between 1 and 100`}},

		{"bool", map[string]string{"b": " TRUE "}, func(p *Parser) any { return p.Bool("b", false) }, true, nil},
		{"bool false", map[string]string{"b": "False"}, func(p *Parser) any { return p.Bool("b", true) }, false, nil},
		{"bool default", map[string]string{"b": ""}, func(p *Parser) any { return p.Bool("b", true) }, true, nil},
		{"bool not a boolean", map[string]string{"b": "Yes"}, func(p *Parser) any { return p.Bool("b", true) }, true,
			[]string{`b: "yes" is not a boolean; use true or false`}},

		{"regexes", map[string]string{"l": `a\.b, c.*`}, func(p *Parser) any {
			res, raw := p.Regexes("l")
			return len(res) == 2 && slices.Equal(raw, []string{`a\.b`, "c.*"})
		}, true, nil},
		{"regexes bad entry", map[string]string{"l": "a,("}, func(p *Parser) any { res, _ := p.Regexes("l"); return len(res) }, 1,
			[]string{"l: entry \"(\" is not a valid regular expression (error parsing regexp: missing closing ): `(?i)^(?:()$`); fix or remove it"}},

		{"topic prefix", map[string]string{"topic.prefix": " inv-1.a_b "}, func(p *Parser) any { return p.TopicPrefix() }, "inv-1.a_b", nil},
		{"topic prefix missing", map[string]string{}, func(p *Parser) any { return p.TopicPrefix() }, "",
			[]string{"topic.prefix: is required; set it to "}},
		{"topic prefix bad", map[string]string{"topic.prefix": "a b"}, func(p *Parser) any { return p.TopicPrefix() }, "a b",
			[]string{`topic.prefix: "a b" may hold only letters, digits, '.', '_' and '-'`}},

		{"skipped default", nil, func(p *Parser) any { return p.Skipped() }, map[byte]bool{'t': true}, nil},
		{"skipped none", map[string]string{"skipped.operations": "NONE"}, func(p *Parser) any { return p.Skipped() }, map[byte]bool{}, nil},
		{"skipped list", map[string]string{"skipped.operations": "C, u,,D"}, func(p *Parser) any { return p.Skipped() }, map[byte]bool{'c': true, 'u': true, 'd': true}, nil},
		{"skipped unknown", map[string]string{"skipped.operations": "c,x,none"}, func(p *Parser) any { return p.Skipped() }, map[byte]bool{'c': true},
			[]string{`skipped.operations: unknown operation "x"; use a comma-separated list of c, u, d, t, or none`,
				`skipped.operations: unknown operation "none"; use a comma-separated list of c, u, d, t, or none`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser(tc.m, hints)
			got := tc.read(p)
			if g, ok := got.(map[byte]bool); ok {
				if !maps.Equal(g, tc.want.(map[byte]bool)) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			} else if got != tc.want {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
			var texts []string
			for _, e := range *p.Errs() {
				texts = append(texts, e.Error())
			}
			if !slices.Equal(texts, tc.errs) {
				t.Errorf("problems\n%q\nwant\n%q", texts, tc.errs)
			}
			if (p.Err() == nil) != (len(tc.errs) == 0) {
				t.Errorf("Err() = %v with problems %q", p.Err(), tc.errs)
			}
		})
	}
}

// TestParserCollectsInOrder checks that Err joins every problem in the order
// found, Bad's and those appended through Errs alike.
func TestParserCollectsInOrder(t *testing.T) {
	p := NewParser(map[string]string{"a": "x", "c": "y"}, nil)
	p.IntIn("a", 0, 0, 1)
	errs := p.Errs()
	*errs = append(*errs, errors.New("b: from a helper"))
	p.Bool("c", false)
	p.Bad("d", "%d %s", 4, "four")
	want := "a: \"x\" is not a whole number between 0 and 1\nb: from a helper\nc: \"y\" is not a boolean; use true or false\nd: 4 four"
	err := p.Err()
	if err == nil || err.Error() != want {
		t.Fatalf("Err() =\n%v\nwant\n%s", err, want)
	}
	var multi interface{ Unwrap() []error }
	if !errors.As(err, &multi) || len(multi.Unwrap()) != 4 {
		t.Errorf("Err() is not a joined list of 4: %T", err)
	}
	if NewParser(nil, nil).Err() != nil {
		t.Error("a Parser without problems has an error")
	}
}
