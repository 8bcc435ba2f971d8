package capture

import "github.com/sluicecdc/sluice/connectors/change"

// KeyRow returns the record key's values, the columns recKey of after (or
// of before, for a delete), when the table's key takes values its rows
// leave out or mask (keyFromEvent, change.TableSchema.KeyFromEvent); nil
// otherwise, and nil without either image. It must run before the column
// mappers change the row.
func KeyRow(keyFromEvent bool, recKey []int, before, after change.Row) change.Row {
	if !keyFromEvent {
		return nil
	}
	img := after
	if img == nil {
		img = before
	}
	if img == nil {
		return nil
	}
	k := make(change.Row, len(recKey))
	for i, c := range recKey {
		k[i] = img[c]
	}
	return k
}
