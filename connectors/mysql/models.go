package mysql

import (
	"context"
	"errors"
	"strings"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
)

// The stream's table models (ddlmodel.go): read with SHOW CREATE TABLE at
// the snapshot or the first time a table is met, then changed by the
// CREATE/ALTER/RENAME/DROP TABLE statements of the binlog, as Debezium's
// schema history is. A model only lives in memory; what it holds that
// SHOW CREATE TABLE cannot give back (a column declared BOOLEAN, JSON,
// REAL or FLOAT4 in a statement of the binlog) is kept in the checkpoint
// state with the table's schema version, so that a restart maps the
// column as before.

// readModel reads a table's model with SHOW CREATE TABLE. It returns nil
// when the table does not exist or its definition cannot be read (the
// caller then maps the columns from what the binlog and information_schema
// say).
func readModel(q *client.Conn, db, table string) (*ddlTable, error) {
	r, err := q.Execute("SHOW CREATE TABLE " + quoteIdent(db) + "." + quoteIdent(table))
	if err != nil {
		var my *gomysql.MyError
		if errors.As(err, &my) {
			return nil, nil // no such table (any more), or a view
		}
		return nil, &ConnError{Op: "read the definition of " + db + "." + table, Err: err}
	}
	if len(r.Values) == 0 || len(r.Fields) < 2 {
		return nil, nil
	}
	ddl, _ := r.GetString(0, 1)
	cr, ok := parseCreateTable(ddl)
	if !ok || cr.Table == nil {
		return nil, nil
	}
	return cr.Table, nil
}

// declaredTypes sets each column's Declared type from model (nil: none).
func declaredTypes(meta []ColumnMeta, model *ddlTable) {
	for i := range meta {
		meta[i].Declared = nil
		if model == nil {
			continue
		}
		if j := model.column(meta[i].Name); j >= 0 {
			c := &model.Columns[j]
			meta[i].Declared = &DeclaredType{TypeName: c.TypeName, JDBCType: c.JDBCType, Length: c.Length, Scale: c.Scale, HasScale: c.HasScale,
				Default: c.Default, HasDefault: c.HasDefault, Comment: c.Comment, HasComment: c.HasComment}
		}
	}
}

// divergent reports whether SHOW CREATE TABLE would name a column of this
// declared type otherwise, in a way that changes its mapping.
func divergent(c *ddlColumn) bool {
	return c.JDBCType == jdbcBoolean || c.TypeName == "JSON" || c.JDBCType == jdbcReal || strings.HasPrefix(c.TypeName, "FLOAT4")
}

// hintsOf returns the declared types of model's divergent columns, nil
// when there are none.
func hintsOf(model *ddlTable) map[string]DeclaredType {
	var out map[string]DeclaredType
	for i := range model.Columns {
		c := &model.Columns[i]
		if divergent(c) {
			if out == nil {
				out = map[string]DeclaredType{}
			}
			out[c.Name] = DeclaredType{TypeName: c.TypeName, JDBCType: c.JDBCType, Length: c.Length, Scale: c.Scale, HasScale: c.HasScale,
				Default: c.Default, HasDefault: c.HasDefault}
		}
	}
	return out
}

// applyHints puts persisted declared types (and their columns' default
// expressions) back on a model read from SHOW CREATE TABLE.
func applyHints(model *ddlTable, hints map[string]DeclaredType) {
	for name, h := range hints {
		if j := model.column(name); j >= 0 {
			c := &model.Columns[j]
			c.TypeName, c.JDBCType, c.Length, c.Scale, c.HasScale = h.TypeName, h.JDBCType, h.Length, h.Scale, h.HasScale
			c.Default, c.HasDefault = h.Default, h.HasDefault // as the statement wrote it: TRUE, not SHOW CREATE TABLE's 1
			if !usesCharset(h.JDBCType) {
				c.Charset = "" // JSON: SHOW CREATE TABLE's longtext has one, the statement's JSON none
			}
		}
	}
}

// setModel records table name's model and keeps its divergent declared
// types with its schema version.
func (st *Stream) setModel(name string, model *ddlTable) {
	if model == nil {
		delete(st.models, name)
		return
	}
	st.models[name] = model
	v := st.versions[name]
	h := hintsOf(model)
	if len(h) == 0 && len(v.Decl) == 0 {
		return
	}
	v.Decl = h
	st.versions[name] = v
	st.versionsGen++
}

// model returns the model of db.table, reading it with SHOW CREATE TABLE
// (on q, else through st.loadModel) when the stream has none yet.
func (st *Stream) model(ctx context.Context, q *client.Conn, db, table string) (*ddlTable, error) {
	name := db + "." + table
	if m, ok := st.models[name]; ok {
		return m, nil
	}
	var m *ddlTable
	var err error
	if q != nil {
		m, err = readModel(q, db, table)
	} else {
		m, err = st.loadModel(ctx, db, table)
	}
	if err != nil {
		return nil, err
	}
	if m != nil {
		applyHints(m, st.versions[name].Decl)
		if m.Charset == "" {
			m.Charset = st.databaseCharset(ctx, db)
		}
		st.models[name] = m
	}
	return m, nil
}

// databaseCharset returns a database's default character set ("" unknown).
func (st *Stream) databaseCharset(ctx context.Context, db string) string {
	if cs, ok := st.dbCharsets[db]; ok {
		return cs
	}
	cs := st.loadCharset(ctx, db)
	st.dbCharsets[db] = cs
	return cs
}

// serverModels are Stream.loadModel and Stream.loadCharset that read the
// server over a new connection.
func serverModels(cfg *Config) (func(context.Context, string, string) (*ddlTable, error), func(context.Context, string) string) {
	load := func(ctx context.Context, db, table string) (*ddlTable, error) {
		q, err := connect(ctx, cfg)
		if err != nil {
			return nil, err
		}
		defer q.Close()
		return readModel(q, db, table)
	}
	charset := func(ctx context.Context, db string) string {
		q, err := connect(ctx, cfg)
		if err != nil {
			return ""
		}
		defer q.Close()
		r, err := q.Execute("SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + quoteString(db))
		if err != nil || len(r.Values) == 0 {
			return ""
		}
		cs, _ := r.GetString(0, 0)
		return cs
	}
	return load, charset
}

// modelDDL updates the models for a DDL statement of the binlog (db the
// session's database) and reports the tables whose model changed. It runs
// before the statement's schema-change record is built.
func (d *decoder) modelDDL(ctx context.Context, db, q string) error {
	st := d.st
	s := parseDDL(q, db)
	switch s.Kind {
	case ddlCreate:
		dbn, tn, _ := strings.Cut(s.Tables[0], ".")
		if !d.cfg.RecordsSchemaOf(dbn, tn) {
			return nil
		}
		cr, ok := parseCreateTable(q)
		var m *ddlTable
		switch {
		case ok && cr.Table != nil && !cr.AsSelect:
			m = cr.Table
			if m.Charset == "" {
				m.Charset = st.databaseCharset(ctx, dbn)
			}
		case ok && cr.Like != "":
			ldb := cr.LikeDB
			if ldb == "" {
				ldb = db
			}
			if src, err := st.model(ctx, nil, ldb, cr.Like); err == nil && src != nil {
				m = src.clone()
			}
		}
		delete(st.models, s.Tables[0])
		if m == nil {
			var err error
			if m, err = st.model(ctx, nil, dbn, tn); err != nil {
				return err
			}
		}
		st.setModel(s.Tables[0], m)
		d.refresh(s.Tables[0])
	case ddlAlter, ddlRename:
		if s.Kind == ddlRename && !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(commentRE.ReplaceAllString(q, " "))), "ALTER") {
			// RENAME TABLE a TO b[, c TO d]: the models move.
			for i := 0; i+1 < len(s.Tables); i += 2 {
				m := st.models[s.Tables[i]]
				delete(st.models, s.Tables[i])
				d.refresh(s.Tables[i])
				dbn, tn, _ := strings.Cut(s.Tables[i+1], ".")
				if m != nil && d.cfg.RecordsSchemaOf(dbn, tn) {
					st.setModel(s.Tables[i+1], m)
				}
				d.refresh(s.Tables[i+1])
			}
			return nil
		}
		name := s.Tables[0]
		dbn, tn, _ := strings.Cut(name, ".")
		if !d.cfg.RecordsSchemaOf(dbn, tn) {
			if s.Kind == ddlRename {
				// Renamed into the captured tables: read it as it is now.
				ndb, ntn, _ := strings.Cut(s.Tables[1], ".")
				if d.cfg.RecordsSchemaOf(ndb, ntn) {
					delete(st.models, s.Tables[1])
					if _, err := st.model(ctx, nil, ndb, ntn); err != nil {
						return err
					}
					d.refresh(s.Tables[1])
				}
			}
			return nil
		}
		m, err := st.model(ctx, nil, dbn, tn)
		if err != nil || m == nil {
			return err
		}
		m = m.clone()
		res, ok := applyAlter(m, q)
		if (!ok || res.Unknown) && d.cfg.SkipUnparseableDDL {
			// schema.history.internal.skip.unparseable.ddl: the statement
			// is ignored, the table keeps its definition.
			d.st.log.Warn("ALTER TABLE not fully read; skipped (schema.history.internal.skip.unparseable.ddl=true)", "table", name, "query", truncate(q, 200))
			return nil
		}
		if !ok || res.Unknown {
			d.st.log.Info("ALTER TABLE not fully read; the table's definition comes from the server", "table", name, "query", truncate(q, 200))
			delete(st.models, name)
			if m, err = st.model(ctx, nil, dbn, tn); err != nil {
				return err
			}
		}
		target := name
		if res.RenameTo != "" {
			ndb := res.RenameDB
			if ndb == "" {
				ndb = db
			}
			target = ndb + "." + res.RenameTo
			delete(st.models, name)
			d.refresh(name)
		}
		st.setModel(target, m)
		d.refresh(target)
	case ddlDrop:
		for _, n := range s.Tables {
			delete(st.models, n)
			d.refresh(n)
		}
	}
	return nil
}

// refresh makes the next TABLE_MAP of table name ("db.table") build its
// columns again, with the model's declared types; a chunk of it that waits
// for the stream is read again with them (capture.Incremental.Reread).
func (d *decoder) refresh(name string) {
	delete(d.st.tables, name)
	d.incReread(name)
}

// tableValue is the io.debezium.connector.schema.Table of db.table for a
// schema-change record: its model, or information_schema's view when the
// stream has no model of it.
func (d *decoder) tableValue(ctx context.Context, db, table string) (change.StructValue, error) {
	if m, ok := d.st.models[db+"."+table]; ok && m != nil {
		return m.value(), nil
	}
	return d.tableDef(ctx, db, table)
}

// keyOf returns the indexes of a table's key columns in key order: its
// primary key, else, as Debezium keys such a table, the key of its model
// (the first UNIQUE index whose columns are all NOT NULL); nil when it has
// neither.
func keyOf(meta []ColumnMeta, model *ddlTable) []int {
	if key := keyFromMeta(meta); len(key) > 0 || model == nil || len(model.Key) == 0 {
		return key
	}
	key := make([]int, 0, len(model.Key))
	for _, name := range model.Key {
		j := -1
		for i := range meta {
			if strings.EqualFold(meta[i].Name, name) {
				j = i
			}
		}
		if j < 0 || meta[j].Nullable {
			return nil // the model is behind the table: no key rather than a wrong one
		}
		key = append(key, j)
	}
	return key
}
