package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// slotInfo is what pg_replication_slots says about the connector's slot.
type slotInfo struct {
	Exists         bool
	Plugin         string
	Database       string
	Active         bool
	WALStatus      string // reserved, extended, unreserved, lost
	ConfirmedFlush uint64
}

func readSlot(ctx context.Context, q *pgx.Conn, name string) (slotInfo, error) {
	var s slotInfo
	var plugin, db, walStatus, flush *string
	err := q.QueryRow(ctx, `SELECT plugin, database, active, wal_status, confirmed_flush_lsn::text
		FROM pg_replication_slots WHERE slot_name = $1`, name).Scan(&plugin, &db, &s.Active, &walStatus, &flush)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, &ConnError{Op: "read replication slot", Err: err}
	}
	s.Exists = true
	s.Plugin, s.Database, s.WALStatus = deref(plugin), deref(db), deref(walStatus)
	if flush != nil {
		lsn, err := parseLSN(*flush)
		if err != nil {
			return s, &DecodeError{Table: "pg_replication_slots", Column: "confirmed_flush_lsn", Err: err}
		}
		s.ConfirmedFlush = lsn
	}
	return s, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkPrerequisites checks the live database against what the capture
// needs and returns a *PrerequisiteError listing every problem with its fix,
// or nil. tables are the captured tables; slot is the slot's current state;
// useSlot is false when the capture needs no slot (initial_only).
func checkPrerequisites(ctx context.Context, q *pgx.Conn, cfg *Config, tables []*tableInfo, slot slotInfo, useSlot bool) error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	var walLevel string
	var maxSlots, usedSlots int
	var super, repl bool
	var user string
	err := q.QueryRow(ctx, `SELECT current_setting('wal_level'), current_setting('max_replication_slots')::int,
			(SELECT count(*) FROM pg_replication_slots)::int, r.rolsuper, r.rolreplication, current_user
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&walLevel, &maxSlots, &usedSlots, &super, &repl, &user)
	if err != nil {
		return &ConnError{Op: "read server settings", Err: err}
	}
	if walLevel != "logical" {
		add("wal_level is %q, not logical: set wal_level=logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart Postgres", walLevel)
	}
	if !super && !repl {
		add("role %q lacks the REPLICATION attribute: run ALTER ROLE %s WITH REPLICATION (as a superuser)", user, pgx.Identifier{user}.Sanitize())
	}

	if !useSlot {
		// no slot, no publication needed
	} else if slot.Exists {
		if slot.Plugin != "pgoutput" {
			add("replication slot %q uses plugin %q, not pgoutput: drop it (SELECT pg_drop_replication_slot('%s')) or choose another slot.name", cfg.SlotName, slot.Plugin, cfg.SlotName)
		}
		if slot.Database != "" && slot.Database != cfg.DBName {
			add("replication slot %q belongs to database %q, not %q: choose another slot.name", cfg.SlotName, slot.Database, cfg.DBName)
		}
	} else if usedSlots >= maxSlots {
		add("all %d replication slots are in use (max_replication_slots=%d) and slot %q must be created: drop an unused slot (pg_drop_replication_slot) or raise max_replication_slots and restart Postgres",
			usedSlots, maxSlots, cfg.SlotName)
	}

	captured := map[string]bool{}
	for _, t := range tables {
		captured[strings.ToLower(t.name())] = true
	}
	for _, lit := range cfg.TableIncludeLiterals {
		if !captured[strings.ToLower(lit)] {
			add("table.include.list names %s but database %q has no such table (or it is excluded by the schema lists): create it or remove it from table.include.list", lit, cfg.DBName)
		}
	}

	for _, t := range tables {
		switch {
		case t.Identity == 'n':
			add("table %s has REPLICA IDENTITY NOTHING, so its updates and deletes cannot be captured: run ALTER TABLE %s REPLICA IDENTITY DEFAULT (with a primary key) or REPLICA IDENTITY FULL", t.name(), t.quoted())
		case t.Identity == 'd' && !t.HasPK:
			add("table %s has no primary key and REPLICA IDENTITY DEFAULT, so its updates and deletes cannot be captured: add a primary key or run ALTER TABLE %s REPLICA IDENTITY FULL", t.name(), t.quoted())
		case t.Identity == 'i' && len(t.Key) == 0:
			add("table %s uses a replica identity index that could not be read: run ALTER TABLE %s REPLICA IDENTITY DEFAULT or FULL", t.name(), t.quoted())
		}
		if !t.CanSelect && wantsSnapshot(cfg) {
			add("role %q cannot read table %s for the snapshot: GRANT SELECT ON %s TO %s", user, t.name(), t.quoted(), pgx.Identifier{user}.Sanitize())
		}
	}

	exists, all, err := publicationState(ctx, q, cfg.PublicationName)
	if err != nil {
		return err
	}
	if err := signalPrerequisites(ctx, q, cfg, exists, all, add); err != nil {
		return err
	}
	if useSlot && !cfg.managesPublication() {
		if !exists {
			add("publication %q does not exist and %s: run CREATE PUBLICATION %s FOR TABLE <the captured tables> (%s)",
				cfg.PublicationName, cfg.publicationOwner(), pgx.Identifier{cfg.PublicationName}.Sanitize(), cfg.publicationFix())
		} else if !all {
			in := map[uint32]bool{}
			rows, err := q.Query(ctx, `SELECT c.oid FROM pg_publication_tables p
				JOIN pg_namespace n ON n.nspname = p.schemaname
				JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
				WHERE p.pubname = $1`, cfg.PublicationName)
			if err != nil {
				return &ConnError{Op: "read publication tables", Err: err}
			}
			for rows.Next() {
				var oid uint32
				if err := rows.Scan(&oid); err != nil {
					rows.Close()
					return &ConnError{Op: "read publication tables", Err: err}
				}
				in[oid] = true
			}
			rows.Close()
			for _, t := range tables {
				if !in[t.OID] {
					add("table %s is captured but not in publication %q, so its changes would never arrive: run ALTER PUBLICATION %s ADD TABLE %s",
						t.name(), cfg.PublicationName, pgx.Identifier{cfg.PublicationName}.Sanitize(), t.quoted())
				}
			}
		}
	}
	if len(problems) > 0 {
		return &PrerequisiteError{Problems: problems}
	}
	return nil
}

func wantsSnapshot(cfg *Config) bool {
	return cfg.Capture.Policy.Initial
}
