package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicecdc/sluice/connectors/capture"
	cd "github.com/sluicecdc/sluice/connectors/configdef"
)

// The slot guardrail. A replication slot keeps every byte of WAL after its
// restart_lsn on the server's disk until the slot moves, and a slot nobody
// reads (a stopped connector, one failing, one held back by a long open
// transaction) moves never: the server's disk fills. The runtime checks
// the slot of every registered Postgres connector, running or not
// (capture.Guard), and this file is what it checks and how it judges:
// above sluice.slot.lag.warn.bytes a warning in the status, the log and the
// metrics; above sluice.slot.lag.max.bytes (off by default) the connector
// is stopped and, only with sluice.slot.drop.on.max.lag=true, its slot
// dropped; Postgres's own limit (max_slot_wal_keep_size, wal_status
// unreserved or lost) is reported. docs/slot-guardrail.md.

// SlotGuard is the guardrail's configuration.
type SlotGuard struct {
	Warn  int64         // sluice.slot.lag.warn.bytes; 0: no warning
	Max   int64         // sluice.slot.lag.max.bytes; 0: no limit
	Drop  bool          // sluice.slot.drop.on.max.lag
	Every time.Duration // sluice.slot.check.interval.ms
}

// Guardrail keys and defaults.
const (
	slotWarnKey  = "sluice.slot.lag.warn.bytes"
	slotMaxKey   = "sluice.slot.lag.max.bytes"
	slotDropKey  = "sluice.slot.drop.on.max.lag"
	slotEveryKey = "sluice.slot.check.interval.ms"

	defaultSlotWarn = 1 << 30 // 1 GiB, Postgres's default max_wal_size
)

var slotGuardDefs = cd.Grouped("sluice",
	cd.Key{Name: slotWarnKey, Type: cd.Long, Default: cd.Def(fmt.Sprint(defaultSlotWarn)), Importance: cd.Medium, Width: cd.WidthShort, Display: "Slot WAL warning (bytes)",
		Doc: "Above this many bytes of WAL kept for the replication slot (from its restart_lsn to the server's WAL end), the connector's status, log and metrics warn. 0 turns the warning off. Unset with a sluice.slot.lag.max.bytes below 2 GiB, half of that limit."},
	cd.Key{Name: slotMaxKey, Type: cd.Long, Default: cd.Def("0"), Importance: cd.Medium, Width: cd.WidthShort, Display: "Slot WAL limit (bytes)",
		Doc: "Above this many bytes of WAL kept for the replication slot, sluice stops the connector (its task FAILED with the reason) and, with sluice.slot.drop.on.max.lag=true, drops the slot. 0 (the default) sets no limit."},
	cd.Key{Name: slotDropKey, Type: cd.Boolean, Default: cd.Def("false"), Importance: cd.Medium, Width: cd.WidthShort, Display: "Drop slot over the limit",
		Doc: "Whether sluice drops the replication slot when it keeps more WAL than sluice.slot.lag.max.bytes, so that the server can free it. The changes since the last checkpoint are then lost to the connector: its next start needs a new snapshot."},
	cd.Key{Name: slotEveryKey, Type: cd.Int, Default: cd.Def("10000"), Importance: cd.Low, Width: cd.WidthShort, Display: "Slot check interval (ms)",
		Doc: "How often sluice reads the replication slot's state (pg_replication_slots) for the guardrail and the slot metrics."},
)

// parseSlotGuard reads the guardrail's keys from p (over m). Without its
// own warning, a limit below 2 GiB warns at half of it.
func parseSlotGuard(p *cd.Parser, m map[string]string) SlotGuard {
	g := SlotGuard{
		Warn:  p.IntIn(slotWarnKey, defaultSlotWarn, 0, 1<<60),
		Max:   p.IntIn(slotMaxKey, 0, 0, 1<<60),
		Drop:  p.Bool(slotDropKey, false),
		Every: time.Duration(p.IntIn(slotEveryKey, 10_000, 100, 3_600_000)) * time.Millisecond,
	}
	if g.Drop && g.Max == 0 {
		p.Bad(slotDropKey, "%s=true needs a limit: set %s to the most bytes of WAL the slot may keep", slotDropKey, slotMaxKey)
	}
	if _, set := m[slotWarnKey]; !set && g.Max > 0 && g.Warn >= g.Max {
		g.Warn = g.Max / 2
	}
	if g.Max > 0 && g.Warn >= g.Max {
		p.Bad(slotWarnKey, "%s (%d) must be below %s (%d), so that the warning comes before the connector is stopped; lower it, or set it to 0", slotWarnKey, g.Warn, slotMaxKey, g.Max)
	}
	return g
}

// SlotState is what pg_replication_slots says of a slot.
type SlotState struct {
	Exists bool
	Active bool
	// Retained is the WAL from the slot's restart_lsn to the server's WAL
	// end, in bytes; -1 when the slot has no restart_lsn (lost).
	Retained int64
	// WALStatus is reserved, extended, unreserved or lost.
	WALStatus string
	// Safe is safe_wal_size: the WAL the server may write before the slot
	// is in danger of being lost; -1 when max_slot_wal_keep_size is -1.
	Safe int64
	// KeepSize is the server's max_slot_wal_keep_size ("-1": no limit).
	KeepSize string
}

// inspectSlots reads every slot of the server, and max_slot_wal_keep_size.
func inspectSlots(ctx context.Context, q *pgx.Conn) (map[string]SlotState, string, error) {
	var keep string
	if err := q.QueryRow(ctx, "SELECT current_setting('max_slot_wal_keep_size')").Scan(&keep); err != nil {
		return nil, "", &ConnError{Op: "read max_slot_wal_keep_size", Err: err}
	}
	rows, err := q.Query(ctx, `SELECT s.slot_name, s.active, s.wal_status, s.safe_wal_size,
			pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, s.restart_lsn)::bigint
		FROM pg_replication_slots s`)
	if err != nil {
		return nil, "", &ConnError{Op: "read replication slots", Err: err}
	}
	defer rows.Close()
	slots := map[string]SlotState{}
	for rows.Next() {
		st := SlotState{Exists: true, Retained: -1, Safe: -1, KeepSize: keep}
		var name string
		var walStatus *string
		var retained, safe *int64
		if err := rows.Scan(&name, &st.Active, &walStatus, &safe, &retained); err != nil {
			return nil, "", &ConnError{Op: "read replication slots", Err: err}
		}
		st.WALStatus = deref(walStatus)
		if retained != nil {
			st.Retained = max(*retained, 0)
		}
		if safe != nil {
			st.Safe = *safe
		}
		slots[name] = st
	}
	if err := rows.Err(); err != nil {
		return nil, "", &ConnError{Op: "read replication slots", Err: err}
	}
	return slots, keep, nil
}

func slotOf(slots map[string]SlotState, keep, name string) SlotState {
	if st, ok := slots[name]; ok {
		return st
	}
	return SlotState{Retained: -1, Safe: -1, KeepSize: keep}
}

// serverSlots is what one server said of its slots, shared by the guards
// of the connectors that log in to it the same way: with many connectors
// on one server, one connection and one query per interval serve them all
// instead of one each.
type serverSlots struct {
	mu    sync.Mutex
	at    time.Time
	slots map[string]SlotState
	keep  string
}

// serverKey identifies a server and a login, without the connector's name.
type serverKey struct {
	host                                             string
	port                                             int
	db, user, password, sslMode, rootCert, cert, key string
}

var slotCache = struct {
	mu sync.Mutex
	m  map[serverKey]*serverSlots
}{m: map[serverKey]*serverSlots{}}

// inspectShared returns cfg's slot as its server last said, asking it
// again when that is older than maxAge. Concurrent callers for one server
// wait for one query.
func inspectShared(ctx context.Context, cfg *Config, maxAge time.Duration) (SlotState, error) {
	k := serverKey{cfg.Host, cfg.Port, cfg.DBName, cfg.User, cfg.Password, cfg.SSLMode, cfg.SSLRootCert, cfg.SSLCert, cfg.SSLKey}
	slotCache.mu.Lock()
	ss := slotCache.m[k]
	if ss == nil {
		ss = &serverSlots{}
		slotCache.m[k] = ss
	}
	slotCache.mu.Unlock()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.slots == nil || time.Since(ss.at) > maxAge {
		q, err := connectQuery(ctx, cfg)
		if err != nil {
			return SlotState{}, err
		}
		slots, keep, err := inspectSlots(ctx, q)
		q.Close(context.Background())
		if err != nil {
			return SlotState{}, err
		}
		ss.slots, ss.keep, ss.at = slots, keep, time.Now()
	}
	return slotOf(ss.slots, ss.keep, cfg.SlotName), nil
}

// judgeSlot is the guardrail's judgement of a slot's state.
func judgeSlot(slot string, g SlotGuard, st SlotState) capture.GuardReport {
	r := capture.GuardReport{Slot: slot, Exists: st.Exists, Active: st.Active, Retained: st.Retained, Safe: st.Safe,
		Status: st.WALStatus, Warn: g.Warn, Max: g.Max, Release: g.Drop}
	if !st.Exists {
		return r
	}
	keep := "max_slot_wal_keep_size=" + st.KeepSize
	switch st.WALStatus {
	case "lost":
		r.Warnings = append(r.Warnings, fmt.Sprintf("Postgres invalidated replication slot %q (wal_status=lost, %s): the changes since the connector's last checkpoint are gone; "+
			"a new snapshot is needed: stop the connector, delete its offsets (DELETE /connectors/<name>/offsets) and resume it, or set snapshot.mode=when_needed", slot, keep))
		return r
	case "unreserved":
		r.Warnings = append(r.Warnings, fmt.Sprintf("replication slot %q keeps more WAL than %s allows (wal_status=unreserved): Postgres will invalidate it at its next checkpoint, and the connector will then need a new snapshot; "+
			"let the connector catch up now, or raise max_slot_wal_keep_size", slot, keep))
	}
	if g.Warn > 0 && st.Retained > g.Warn {
		r.Warnings = append(r.Warnings, fmt.Sprintf("replication slot %q keeps %s of WAL on the database server, above %s=%d: the connector is stopped or behind (a long open transaction also holds the slot back), and the server's disk fills until the slot moves; "+
			"resume the connector or find why it is behind", slot, byteSize(st.Retained), slotWarnKey, g.Warn))
	}
	if g.Max > 0 && st.Retained > g.Max {
		r.Over = fmt.Sprintf("replication slot %q keeps %s of WAL on the database server, above %s=%d", slot, byteSize(st.Retained), slotMaxKey, g.Max)
		if g.Drop {
			r.Released = r.Over + fmt.Sprintf(": sluice stopped the connector and dropped the slot (%s=true), so that Postgres can free that WAL. "+
				"The changes since the connector's last checkpoint can no longer be read: the next start needs a new snapshot: stop the connector, delete its offsets (DELETE /connectors/<name>/offsets) and resume it, or set snapshot.mode=when_needed", slotDropKey)
			r.Over += ": sluice stopped the connector and is dropping the slot (" + slotDropKey + "=true)"
		} else {
			r.Over += fmt.Sprintf(": sluice stopped the connector so that the WAL it holds is seen to. Find why it is behind, then restart it (POST /connectors/<name>/restart) to let it catch up; "+
				"or raise %s, or set %s=true to have sluice drop the slot (the connector then needs a new snapshot)", slotMaxKey, slotDropKey)
		}
	}
	return r
}

// byteSize writes n bytes for a person: 1.5 GiB, 300.0 MiB, 12 KiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), -1
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGTP"[i])
}

// Guard returns the slot guardrail of the connector, nil when it uses no
// slot (snapshot.mode=initial_only and its kin).
func (s *Source) Guard() capture.Guard {
	if !s.cfg.Capture.Policy.Stream {
		return nil
	}
	return &slotGuard{cfg: s.cfg}
}

type slotGuard struct{ cfg Config }

func (g *slotGuard) Every() time.Duration { return g.cfg.Guard.Every }

func (g *slotGuard) Check(ctx context.Context) (capture.GuardReport, error) {
	st, err := inspectShared(ctx, &g.cfg, g.cfg.Guard.Every/2)
	if err != nil {
		return capture.GuardReport{}, err
	}
	return judgeSlot(g.cfg.SlotName, g.cfg.Guard, st), nil
}

// Release drops the slot. The walsender of a task that just stopped may
// hold it for a moment, so an active slot is retried until ctx is done.
func (g *slotGuard) Release(ctx context.Context) error {
	q, err := connectQuery(ctx, &g.cfg)
	if err != nil {
		return err
	}
	defer q.Close(context.Background())
	return dropSlotWaiting(ctx, q, g.cfg.SlotName)
}

// dropSlotWaiting drops slot if it exists, retrying while it is active
// (SQLSTATE 55006) until ctx is done.
func dropSlotWaiting(ctx context.Context, q *pgx.Conn, slot string) error {
	for {
		_, err := q.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", slot)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
