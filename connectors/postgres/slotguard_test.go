package postgres

import (
	"strings"
	"testing"
	"time"

	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

func TestParseSlotGuard(t *testing.T) {
	g := parseSlotGuard(cd.NewParser(map[string]string{}, nil), nil)
	if g != (SlotGuard{Warn: 1 << 30, Every: 10 * time.Second}) {
		t.Errorf("defaults %+v, want a 1 GiB warning, no limit, no drop, every 10 s", g)
	}
	limit := map[string]string{slotMaxKey: "1000"}
	p := cd.NewParser(limit, nil)
	if g := parseSlotGuard(p, limit); g.Warn != 500 || p.Err() != nil {
		t.Errorf("a limit of 1000 bytes: %+v %v, want a warning at 500", g, p.Err())
	}
	for _, c := range []struct {
		cfg  map[string]string
		want string // in the error; "" for none
	}{
		{map[string]string{slotMaxKey: "2000", slotWarnKey: "1000", slotDropKey: "true", slotEveryKey: "500"}, ""},
		{map[string]string{slotDropKey: "true"}, "needs a limit: set " + slotMaxKey},
		{map[string]string{slotMaxKey: "1000", slotWarnKey: "1000"}, "must be below " + slotMaxKey},
		{map[string]string{slotMaxKey: "1000", slotWarnKey: "0"}, ""},
		{map[string]string{slotWarnKey: "-1"}, slotWarnKey},
		{map[string]string{slotEveryKey: "10"}, slotEveryKey},
		{map[string]string{slotDropKey: "yes"}, slotDropKey},
	} {
		p := cd.NewParser(c.cfg, nil)
		parseSlotGuard(p, c.cfg)
		err := p.Err()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one with %q", c.cfg, err, c.want)
		}
	}
}

func TestJudgeSlot(t *testing.T) {
	g := SlotGuard{Warn: 100, Max: 1000}
	ok := SlotState{Exists: true, Active: true, Retained: 50, WALStatus: "reserved", Safe: -1, KeepSize: "-1"}
	if r := judgeSlot("s", g, ok); len(r.Warnings) != 0 || r.Over != "" || r.Retained != 50 || !r.Active || r.Max != 1000 {
		t.Errorf("below the warning: %+v", r)
	}
	if r := judgeSlot("s", g, SlotState{Retained: -1, Safe: -1}); r.Exists || len(r.Warnings) != 0 || r.Over != "" {
		t.Errorf("no slot: %+v, want nothing to say", r)
	}
	warn := ok
	warn.Retained = 3 << 20
	g.Max = 4 << 20
	r := judgeSlot("s", g, warn)
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "3.0 MiB") || !strings.Contains(r.Warnings[0], slotWarnKey+"=100") || r.Over != "" {
		t.Errorf("above the warning: %+v", r)
	}
	over := warn
	over.Retained = 5 << 20
	r = judgeSlot("s", g, over)
	if !strings.Contains(r.Over, slotMaxKey) || !strings.Contains(r.Over, "restart it") || r.Release || r.Released != "" {
		t.Errorf("above the limit: %+v, want the connector stopped, the slot kept", r)
	}
	g.Drop = true
	r = judgeSlot("s", g, over)
	if !r.Release || !strings.Contains(r.Released, "dropped the slot") || !strings.Contains(r.Released, "new snapshot") {
		t.Errorf("above the limit with the drop: %+v", r)
	}
	unres := ok
	unres.WALStatus, unres.KeepSize, unres.Safe = "unreserved", "64MB", 0
	if r := judgeSlot("s", g, unres); len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "max_slot_wal_keep_size=64MB") || r.Safe != 0 {
		t.Errorf("unreserved: %+v", r)
	}
	lost := SlotState{Exists: true, Retained: -1, WALStatus: "lost", Safe: -1, KeepSize: "64MB"}
	if r := judgeSlot("s", g, lost); len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "wal_status=lost") || !strings.Contains(r.Warnings[0], "snapshot.mode=when_needed") || r.Over != "" {
		t.Errorf("lost: %+v", r)
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 1536 << 20: "1.5 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
