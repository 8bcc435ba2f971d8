package mysql

import (
	"encoding/json"
	"testing"

	"github.com/sluicecdc/sluice/connectors/change"
)

func TestOffsetView(t *testing.T) {
	st, err := json.Marshal(cpState{Restart: restartPoint{binlogPos: binlogPos{File: "mariadb-bin.000003", Pos: 154}, GTIDs: "0-1-23"}})
	if err != nil {
		t.Fatal(err)
	}
	o := OffsetView(change.Position{Tx: 3<<32 | 154, TxID: "0-1-24", Index: 4, State: st})
	b, _ := json.Marshal(o)
	if got, want := string(b), `{"file":"mariadb-bin.000003","gtids":"0-1-23","pos":154,"row":5,"sluice.txid":"0-1-24"}`; got != want {
		t.Errorf("offsets %s, want %s", got, want)
	}
	o = OffsetView(change.Position{Tx: 1, Index: 4, Last: true, State: st})
	if o["row"] != int64(0) {
		t.Errorf("a complete transaction has row %v, want 0", o["row"])
	}
}
