package transforms

import "testing"

// BenchmarkExtractNewRecordState measures the flattening of an update with
// added fields and headers: the schemas come from the caches, so a record
// costs its new value, headers and record.
func BenchmarkExtractNewRecordState(b *testing.B) {
	tr, err := configureTransform(UnwrapClass, map[string]string{"add.fields": "op,table,lsn,source.ts_ms", "add.headers": "db,op",
		"delete.tombstone.handling.mode": "rewrite"})
	if err != nil {
		b.Fatal(err)
	}
	in := fxEvent("u", fxRow1, fxRow1b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Apply(in); err != nil {
			b.Fatal(err)
		}
	}
}
