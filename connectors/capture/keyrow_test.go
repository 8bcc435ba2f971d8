package capture

import (
	"slices"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestKeyRow(t *testing.T) {
	before := change.Row{"b0", "b1", "b2"}
	after := change.Row{"a0", "a1", "a2"}
	for _, tc := range []struct {
		name          string
		fromEvent     bool
		recKey        []int
		before, after change.Row
		want          change.Row
	}{
		{"key in the rows", false, []int{0}, before, after, nil},
		{"insert or update", true, []int{2, 0}, nil, after, change.Row{"a2", "a0"}},
		{"update takes after", true, []int{1}, before, after, change.Row{"a1"}},
		{"delete takes before", true, []int{1, 2}, before, nil, change.Row{"b1", "b2"}},
		{"no image", true, []int{0}, nil, nil, nil},
	} {
		got := KeyRow(tc.fromEvent, tc.recKey, tc.before, tc.after)
		if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: KeyRow = %v, want %v", tc.name, got, tc.want)
		}
	}
	// The key is a copy: the column mappers may then change the row.
	k := KeyRow(true, []int{0}, nil, after)
	after[0] = "masked"
	if k[0] != "a0" {
		t.Errorf("the key follows the row: %v", k)
	}
}
