//go:build integration

package postgres

import (
	"context"
	"testing"
	"time"
)

// TestIntegrationSlotsReadOncePerServer: the guards of two connectors
// logging in to one server share what it said within maxAge (a slot made
// after the read is not seen until it is older), each finds its own slot,
// and the state read is the server's.
func TestIntegrationSlotsReadOncePerServer(t *testing.T) {
	e := newPGEnv(t, "guard")
	ctx := context.Background()
	a := e.config(nil)
	b := e.config(map[string]string{"slot.name": e.slot + "_b"})
	t.Cleanup(func() {
		e.exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + b.SlotName + "'")
	})
	e.exec("SELECT pg_create_logical_replication_slot('" + a.SlotName + "', 'pgoutput')")
	const maxAge = 2 * time.Second
	st, err := inspectShared(ctx, &a, maxAge)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Exists || st.Active || st.Retained < 0 || st.WALStatus != "reserved" || st.KeepSize == "" {
		t.Errorf("slot a: %+v, want an inactive reserved slot with a retained size and the server's max_slot_wal_keep_size", st)
	}
	start := time.Now()
	e.exec("SELECT pg_create_logical_replication_slot('" + b.SlotName + "', 'pgoutput')")
	st, err = inspectShared(ctx, &b, maxAge)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < maxAge && st.Exists {
		t.Errorf("slot b made after the server was read is seen within maxAge: the read was not shared")
	}
	time.Sleep(maxAge - time.Since(start) + 100*time.Millisecond)
	if st, err = inspectShared(ctx, &b, maxAge); err != nil || !st.Exists {
		t.Errorf("slot b after maxAge: %+v, %v; want it read again and found", st, err)
	}
}
