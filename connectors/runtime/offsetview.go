package runtime

import (
	"encoding/json"

	"github.com/sluicecdc/sluice/connectors/change"
)

// offsetView shows a position with Debezium's offset keys where they have a
// meaning for it (lsn, lsn_commit, snapshot) and sluice's own, prefixed
// "sluice.", for the rest.
func offsetView(p change.Position) map[string]any {
	o := map[string]any{}
	if p.Snapshot {
		o["snapshot"] = "INITIAL"
		o["last_snapshot_record"] = false
		o["sluice.table"] = p.Table
		if len(p.Key) > 0 {
			o["sluice.key"] = json.RawMessage(p.Key)
		}
		o["sluice.rows"] = p.Index
		return o
	}
	if p.Tx != 0 {
		o["lsn"] = p.Tx
		o["lsn_commit"] = p.Tx
		if p.Last {
			o["lsn_proc"] = p.Tx
		}
	}
	if p.TxID != "" {
		o["sluice.txid"] = p.TxID
	}
	o["sluice.index"] = p.Index
	o["sluice.last"] = p.Last
	return o
}
