package mysql

import (
	"encoding/json"

	"github.com/sluicecdc/sluice/connectors/change"
)

// OffsetView shows a checkpoint with the keys of Debezium's MySQL offsets
// (REFERENCE §8): file and pos of the restart point, gtids executed before
// it, row to skip inside the transaction, snapshot while one is running.
func OffsetView(p change.Position) map[string]any {
	o := map[string]any{}
	var st cpState
	if len(p.State) > 0 && json.Unmarshal(p.State, &st) == nil {
		o["file"] = st.Restart.File
		o["pos"] = st.Restart.Pos
		if st.Restart.GTIDs != "" {
			o["gtids"] = st.Restart.GTIDs
		}
	}
	if p.Snapshot {
		o["snapshot"] = "INITIAL"
		o["sluice.table"] = p.Table
		if len(p.Key) > 0 {
			o["sluice.key"] = json.RawMessage(p.Key)
		}
		return o
	}
	row := p.Index + 1
	if p.Last {
		row = 0 // the transaction is complete: nothing to skip
	}
	o["row"] = row
	if p.TxID != "" {
		o["sluice.txid"] = p.TxID
	}
	return o
}
