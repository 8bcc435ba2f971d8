package mysql

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/client"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The snapshot's schema-change records, as Debezium's binlog snapshot
// writes them before the rows (measured on Debezium 3.5.0 against MariaDB
// 10.11): the server's character set
//
//	SET character_set_server=utf8mb4, collation_server=utf8mb4_general_ci
//
// then DROP TABLE IF EXISTS `db`.`t` for every table whose DDL is recorded
// (Config.RecordsSchemaOf; sorted by "db.table"), then for each of their
// databases DROP DATABASE IF EXISTS `db`, CREATE DATABASE `db` CHARSET cs
// COLLATE coll, USE `db`, and the SHOW CREATE TABLE text of each of its
// tables with its table change. Every one has source.snapshot "true", the
// snapshot's binlog coordinate, server_id 0 and source.ts_ms the time it
// was made; the SET record's key and databaseName are "".

// snapDDL is one schema-change record of the snapshot.
type snapDDL struct {
	db, table string
	ddl       string
	change    any // the tableChanges entry, nil for none
}

// snapshotDDL reads the statements of the snapshot's schema-change records
// on q (inside the snapshot's transaction), recording the models of the
// tables it reads.
func (st *Stream) snapshotDDL(ctx context.Context, q *client.Conn) ([]snapDDL, error) {
	r, err := q.Execute(`SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'`)
	if err != nil {
		return nil, &ConnError{Op: "list tables for the snapshot's schema records", Err: err}
	}
	var ids []change.TableID
	for i := range r.Values {
		db, _ := r.GetString(i, 0)
		tb, _ := r.GetString(i, 1)
		if st.cfg.RecordsSchemaOf(db, tb) {
			ids = append(ids, change.TableID{Namespace: db, Name: tb})
		}
	}
	slices.SortFunc(ids, func(a, b change.TableID) int { return strings.Compare(a.String(), b.String()) })

	var out []snapDDL
	vars := map[string]string{}
	if r, err := q.Execute(`SHOW VARIABLES WHERE Variable_name IN ('character_set_server', 'collation_server')`); err == nil {
		for i := range r.Values {
			k, _ := r.GetString(i, 0)
			v, _ := r.GetString(i, 1)
			vars[k] = v
		}
	}
	out = append(out, snapDDL{ddl: "SET character_set_server=" + vars["character_set_server"] + ", collation_server=" + vars["collation_server"]})
	for _, id := range ids {
		out = append(out, snapDDL{db: id.Namespace, table: id.Name,
			ddl:    "DROP TABLE IF EXISTS " + quoteIdent(id.Namespace) + "." + quoteIdent(id.Name),
			change: change.StructValue{"DROP", `"` + id.Namespace + `"."` + id.Name + `"`, nil}})
	}
	for i := 0; i < len(ids); {
		db := ids[i].Namespace
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		create := "CREATE DATABASE " + quoteIdent(db)
		if r, err := q.Execute(`SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ` + quoteString(db)); err == nil && len(r.Values) > 0 {
			cs, _ := r.GetString(0, 0)
			coll, _ := r.GetString(0, 1)
			if cs != "" {
				create += " CHARSET " + cs
				st.dbCharsets[db] = cs
			}
			if coll != "" {
				create += " COLLATE " + coll
			}
		}
		out = append(out,
			snapDDL{db: db, ddl: "DROP DATABASE IF EXISTS " + quoteIdent(db)},
			snapDDL{db: db, ddl: create},
			snapDDL{db: db, ddl: "USE " + quoteIdent(db)})
		for ; i < len(ids) && ids[i].Namespace == db; i++ {
			id := ids[i]
			r, err := q.Execute("SHOW CREATE TABLE " + quoteIdent(id.Namespace) + "." + quoteIdent(id.Name))
			if err != nil || len(r.Values) == 0 || len(r.Fields) < 2 {
				continue // dropped meanwhile
			}
			text, _ := r.GetString(0, 1)
			var tc any
			if cr, ok := parseCreateTable(text); ok && cr.Table != nil {
				if cr.Table.Charset == "" {
					cr.Table.Charset = st.dbCharsets[db]
				}
				applyHints(cr.Table, st.versions[id.String()].Decl)
				st.models[id.String()] = cr.Table
				tc = change.StructValue{"CREATE", `"` + id.Namespace + `"."` + id.Name + `"`, cr.Table.value()}
			} else {
				st.log.Warn("SHOW CREATE TABLE not read; its schema-change record has no table", "table", id.String())
				tc = change.StructValue{"CREATE", `"` + id.Namespace + `"."` + id.Name + `"`, nil}
			}
			out = append(out, snapDDL{db: db, table: id.Name, ddl: text, change: tc})
		}
	}
	return out, nil
}

// emitSnapshotDDL queues the snapshot's schema-change records from index
// skip on (those up to skip are in Kafka already). Their positions are
// snapshot positions without a table: a restart at one of them resumes
// with the next record.
func (st *Stream) emitSnapshotDDL(ctx context.Context, run *snapshotRun, recs []snapDDL, skip int64, markLast bool) error {
	key, value := SchemaChangeSchemas(st.cfg)
	for i, r := range recs {
		idx := int64(i + 1)
		if idx <= skip {
			continue
		}
		now := time.Now()
		marker := "true"
		if markLast && i == len(recs)-1 {
			marker = "last" // the snapshot's last record when it reads no rows
		}
		si := srcInfo{ts: now, snapshot: marker, db: r.db, table: r.table, file: run.at.File, pos: run.at.Pos}
		tcs := []any{}
		if r.change != nil {
			tcs = []any{r.change}
		}
		ev := &change.Event{
			Commit: run.ts,
			Pos:    change.Position{Snapshot: true, Index: idx, Last: true, State: run.stateJSON},
		}
		if st.cfg.IncludeSchemaChanges {
			ev.Message = &change.Message{
				KeySchema: key, ValueSchema: value,
				Key:   change.StructValue{r.db},
				Value: change.StructValue{si.block(st.cfg), now.UnixMilli(), r.db, nil, r.ddl, tcs},
			}
		}
		if st.cfg.HistoryTopic != "" {
			pos := histPosition{TsSec: run.ts.Unix(), File: run.at.File, Pos: run.at.Pos, GTIDs: run.gtids, Snapshot: "INITIAL", Index: idx}
			raw, err := historyRaw(st.cfg, pos, r.db, r.ddl, tcs, nil)
			if err != nil {
				return err
			}
			ev.Raw = raw
		}
		if err := st.send(ctx, item{Ev: ev, Size: 512 + 2*len(r.ddl)}); err != nil {
			return err
		}
	}
	return nil
}

// schemaOnlySnapshot writes the snapshot's schema-change records of
// snapshot.mode=no_data (Debezium's snapshot without data; its last record
// is marked "last") from record skip+1 on, and returns the state streaming
// starts with, at at. The records' positions carry that state, so that a
// restart among them writes the rest and then streams from at.
func (st *Stream) schemaOnlySnapshot(ctx context.Context, at restartPoint, skip int64) (*cpState, error) {
	recs, err := st.snapshotDDL(ctx, st.q)
	if err != nil {
		return nil, err
	}
	state := &cpState{Restart: at, Schemas: st.schemasSnapshot()}
	stateJSON, err := json.Marshal(state)
	if err != nil {
		return nil, err
	}
	run := &snapshotRun{at: at.binlogPos, gtids: at.GTIDs, stateJSON: stateJSON, ts: time.Now().UTC()}
	if err := st.emitSnapshotDDL(ctx, run, recs, skip, true); err != nil {
		return nil, err
	}
	return state, nil
}
