package capture

import (
	"encoding/json"
	"testing"
)

// TestJavaKeyHex compares with what Java 17's ObjectOutputStream writes
// for the same Object[] (hex as Debezium's HexConverter writes it), boxed
// small values being cached objects written once.
func TestJavaKeyHex(t *testing.T) {
	const objArr = "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c0200007870"
	cases := []struct {
		key   []string
		kinds []JavaKind
		want  string
	}{
		{nil, nil, "aced000570"},
		{[]string{"5"}, []JavaKind{JavaInteger}, objArr + "00000001737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b020000787000000005"},
		{[]string{"7"}, []JavaKind{JavaLong}, objArr + "000000017372000e6a6176612e6c616e672e4c6f6e673b8be490cc8f23df0200014a000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b02000078700000000000000007"},
		{[]string{"ab"}, []JavaKind{JavaString}, objArr + "000000017400026162"},
		{[]string{"5", "é€", "300", "5", "1000", "1000", "-2"},
			[]JavaKind{JavaInteger, JavaString, JavaLong, JavaInteger, JavaInteger, JavaInteger, JavaLong},
			objArr + "00000007737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b020000787000000005740005c3a9e282ac7372000e6a6176612e6c616e672e4c6f6e673b8be490cc8f23df0200014a000576616c75657871007e0003000000000000012c71007e00047371007e0002000003e87371007e0002000003e87371007e0006fffffffffffffffe"},
		{[]string{"a\x00\U0001F600", "-128", "-128", "-128", "2147483647"},
			[]JavaKind{JavaString, JavaInteger, JavaInteger, JavaLong, JavaInteger},
			objArr + "0000000574000961c080eda0bdedb880737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d62657286ac951d0b94e08b0200007870ffffff8071007e00057372000e6a6176612e6c616e672e4c6f6e673b8be490cc8f23df0200014a000576616c75657871007e0004ffffffffffffff807371007e00037fffffff"},
	}
	for _, c := range cases {
		got, err := javaKeyHex(c.key, c.kinds)
		if err != nil || got != c.want {
			t.Errorf("%q: got %s (%v)\nwant %s", c.key, got, err, c.want)
		}
	}
	if _, err := javaKeyHex([]string{"x"}, []JavaKind{JavaInteger}); err == nil {
		t.Error("a non-number key as Integer: no error")
	}
	if _, err := javaKeyHex([]string{"2147483648"}, []JavaKind{JavaInteger}); err == nil {
		t.Error("an Integer out of range: no error")
	}
}

// TestIncStateDebeziumOffset: the keys and the JSON text of the queue as
// Debezium's SignalBasedIncrementalSnapshotContextTest expects them.
func TestIncStateDebeziumOffset(t *testing.T) {
	if m, err := (IncState{}).DebeziumOffset(nil); m != nil || err != nil {
		t.Fatalf("no snapshot: %v, %v", m, err)
	}
	s := IncState{Queue: []IncTable{{ID: "public.a", Corr: "signal-1"}, {ID: "public.b", Cond: "x > 1", Surrogate: "k", Corr: "signal-2"}}, After: []string{"ab"}}
	m, err := s.DebeziumOffset([]JavaKind{JavaString})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"incremental_snapshot_collections": `[{"incremental_snapshot_collections_id":"public.a","incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null,"incremental_snapshot_collections_correlation_id":"signal-1"},` +
			`{"incremental_snapshot_collections_id":"public.b","incremental_snapshot_collections_additional_condition":"(x > 1)","incremental_snapshot_collections_surrogate_key":"k","incremental_snapshot_collections_correlation_id":"signal-2"}]`,
		"incremental_snapshot_primary_key":    "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c0200007870000000017400026162",
		"incremental_snapshot_maximum_key":    "aced000570",
		"incremental_snapshot_correlation_id": "signal-2",
	}
	got, _ := json.Marshal(m)
	w, _ := json.Marshal(want)
	if string(got) != string(w) {
		t.Fatalf("got  %s\nwant %s", got, w)
	}
	if !IncrementalInOffset(m) || IncrementalInOffset(map[string]any{"lsn": 1}) {
		t.Error("IncrementalInOffset")
	}
	if _, err := s.DebeziumOffset(nil); err == nil {
		t.Error("kinds missing for the key: no error")
	}
}
