package capture

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestAddedTables(t *testing.T) {
	known := map[string]bool{"public.a": true, "public.c": true}
	isKnown := func(n string) bool { return known[n] }
	tests := []struct {
		name     string
		captured []string
		queue    []IncTable
		want     []string
	}{
		{"none new", []string{"public.a", "public.c"}, nil, nil},
		{"one new", []string{"public.a", "public.b"}, nil, []string{"public.b"}},
		{"sorted", []string{"public.z", "public.a", "public.b"}, nil, []string{"public.b", "public.z"}},
		{"already queued", []string{"public.a", "public.b", "public.d"}, []IncTable{{ID: "public.b"}}, []string{"public.d"}},
		{"known but not captured any more", []string{"public.a"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AddedTables(tc.captured, isKnown, IncState{Queue: tc.queue})
			if !slices.Equal(got, tc.want) {
				t.Fatalf("AddedTables = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueueAdded(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	e := NewIncremental(IncState{Queue: []IncTable{{ID: "db.x", Corr: "sig-1"}}}, 0, nil)
	got := e.QueueAdded(log, []string{"db.a", "db.b", "db.x"}, func(n string) bool { return n == "db.a" })
	if !slices.Equal(got, []string{"db.b"}) {
		t.Fatalf("QueueAdded = %v, want [db.b]", got)
	}
	q := e.State().Queue
	if len(q) != 2 || q[0].ID != "db.x" || q[1] != (IncTable{ID: "db.b"}) {
		t.Fatalf("queue = %+v, want db.x then db.b", q)
	}
	if !strings.Contains(buf.String(), "tables added to the capture; snapshotting them incrementally") || !strings.Contains(buf.String(), "db.b") {
		t.Fatalf("log = %q", buf.String())
	}
	buf.Reset()
	if got := e.QueueAdded(log, []string{"db.a"}, func(string) bool { return true }); got != nil || buf.Len() != 0 {
		t.Fatalf("nothing new: QueueAdded = %v, log %q", got, buf.String())
	}
}
