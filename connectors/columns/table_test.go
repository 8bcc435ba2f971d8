package columns

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

var testCols = []Column{
	{Name: "id", Type: "int4", Length: 10, Scale: 0},
	{Name: "email", Type: "varchar", Length: 40, Scale: 0, Char: true},
	{Name: "ssn", Type: "bpchar", Length: 11, Scale: 0, Char: true},
	{Name: "n", Type: "int4", Length: 10, Scale: 0},
	{Name: "note", Type: "text", Length: 2147483647, Scale: 0, Char: true},
	{Name: "code", Type: "varchar", Length: 3, Scale: 0, Char: true},
	{Name: "hidden", Type: "text", Length: 2147483647, Scale: 0, Char: true},
	{Name: "price", Type: "numeric", Length: 10, Scale: 2},
}

func mustParse(t *testing.T, m map[string]string) *Rules {
	t.Helper()
	r, err := Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPlanFollowsDebeziumsRules(t *testing.T) {
	r := mustParse(t, map[string]string{
		"column.exclude.list":                           `s\.t\.hidden`,
		"column.mask.with.5.chars":                      `s\.t\.(ssn|n)`,
		"column.mask.hash.SHA-256.with.salt.CzQMA0cB5K": `S\.T\.EMAIL,s\.t\.price`, // matched without regard to case
		"column.truncate.to.4.chars":                    `s\.t\.(note|code)`,
		"column.propagate.source.type":                  `s\.t\.(id|code|price)`,
		"datatype.propagate.source.type":                `.+\.INT4`,
		"message.key.columns":                           `s.t:email,id`,
	})
	p := r.Table(change.TableID{Namespace: "s", Name: "t"}, testCols)
	if p == nil {
		t.Fatal("no plan")
	}
	if want := []int{0, 1, 2, 3, 4, 5, 7}; !reflect.DeepEqual(p.Keep(), want) {
		t.Errorf("keep %v, want %v", p.Keep(), want)
	}
	if want := []int{1, 0}; !reflect.DeepEqual(p.Key(), want) {
		t.Errorf("key %v, want %v (pattern order)", p.Key(), want)
	}
	params := func(i int) string {
		var s []string
		for _, x := range p.Params(i) {
			s = append(s, x.Key+"="+x.Value)
		}
		return strings.Join(s, " ")
	}
	for i, want := range []string{
		"__debezium.source.column.type=INT4 __debezium.source.column.length=10 __debezium.source.column.scale=0 __debezium.source.column.name=id",
		"masked=true",
		"masked=true",
		"masked=true", // a mask on an int adds the parameter and keeps the value
		"truncateLength=4",
		"", // truncation cannot apply (varchar(3)) and, being the first rule that matches, propagation does not either
		"",
		"__debezium.source.column.type=NUMERIC __debezium.source.column.length=10 __debezium.source.column.scale=2 __debezium.source.column.name=price", // propagate comes before hash
	} {
		if got := params(i); got != want {
			t.Errorf("%s: params %q, want %q", testCols[i].Name, got, want)
		}
	}
	row := change.Row{int32(1), "a@b.example", nil, int32(7), "a long note", "abc", "hid", []byte{1}}
	p.Apply(row)
	want := change.Row{int32(1), "cc8156834d14da5d0ee54754b4a3178d8e34f354", "*****", int32(7), "a lo", "abc", "hid", []byte{1}}
	if !reflect.DeepEqual(row, want) {
		t.Errorf("row %#v\nwant %#v", row, want)
	}
	if !p.MapsValues(1) || p.MapsValues(0) || p.Kept(6) || !p.Kept(7) {
		t.Error("MapsValues or Kept wrong")
	}

	if p := r.Table(change.TableID{Namespace: "s", Name: "other"}, []Column{{Name: "x", Type: "text", Length: -1, Scale: -1}}); p != nil {
		t.Errorf("a table no rule names has a plan: %+v", p)
	}
}

func TestIncludeListAndKeyFallback(t *testing.T) {
	r := mustParse(t, map[string]string{"column.include.list": `db\.t\.(id|price)`, "message.key.columns": `db.other:x`})
	p := r.Table(change.TableID{Namespace: "db", Name: "t"}, testCols)
	if want := []int{0, 7}; !reflect.DeepEqual(p.Keep(), want) {
		t.Errorf("keep %v, want %v", p.Keep(), want)
	}
	if p.Key() != nil {
		t.Errorf("key %v for a table message.key.columns does not name", p.Key())
	}
	if p.Mapped() {
		t.Error("an include list maps values")
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	if r, err := Parse(map[string]string{"table.include.list": "x"}); r != nil || err != nil {
		t.Errorf("no column keys: %v %v", r, err)
	}
	_, err := Parse(map[string]string{
		"column.include.list":                  "a",
		"column.exclude.list":                  "b",
		"column.mask.with.five.chars":          "a",
		"column.truncate.to.4":                 "a",
		"column.mask.hash.SHA-999.with.salt.x": "a",
		"column.mask.hash.SHA-256":             "a",
		"message.key.columns":                  "no-colon",
		"column.propagate.source.type":         "(",
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"column.exclude.list: column.include.list and column.exclude.list cannot both be set",
		"column.mask.with.five.chars: not a key Debezium knows; write column.mask.with.<length>.chars",
		"column.truncate.to.4: not a key Debezium knows; write column.truncate.to.<length>.chars",
		`column.mask.hash.SHA-999.with.salt.x: "SHA-999" is not a hash algorithm`,
		"column.mask.hash.SHA-256: not a key Debezium knows",
		`message.key.columns: "no-colon" is not of the form`,
		"column.propagate.source.type: entry",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestHonours(t *testing.T) {
	for k, want := range map[string]bool{
		"column.mask.with.5.chars": true, "column.mask.hash.v2.MD5.with.salt.s": true, "column.truncate.to.1.chars": true,
		"message.key.columns": true, "column.include.list": true, "column.blacklist": false, "datatype.propagate.source.type": true,
	} {
		if Honours(k) != want {
			t.Errorf("Honours(%q) = %t", k, !want)
		}
	}
}
