package mysql

import (
	"regexp"
	"strings"
)

// ddlKind is the kind of a DDL statement the stream reacts to.
type ddlKind string

const (
	ddlNone     ddlKind = ""
	ddlCreate   ddlKind = "CREATE"
	ddlAlter    ddlKind = "ALTER"
	ddlDrop     ddlKind = "DROP"
	ddlRename   ddlKind = "RENAME"
	ddlTruncate ddlKind = "TRUNCATE"
)

// ddlStmt is what the recognizer reads from a statement: its kind and the
// tables it names, each "db.table" (db from the statement, else the
// statement's default database). For RENAME, tables alternate old, new.
type ddlStmt struct {
	Kind   ddlKind
	Tables []string
}

const identPat = "(?:`(?:[^`]|``)+`|[A-Za-z0-9_$\u0080-\uFFFF]+)"
const qualPat = identPat + `(?:\s*\.\s*` + identPat + `)?`

var (
	commentRE  = regexp.MustCompile(`(?s)/\*.*?\*/|(?m)(?:--\s|#).*$`)
	createRE   = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + qualPat + `)`)
	alterRE    = regexp.MustCompile(`(?is)^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?(` + qualPat + `)(.*)$`)
	alterRenRE = regexp.MustCompile(`(?is)\bRENAME\s+(?:TO\s+|AS\s+)?(` + qualPat + `)\s*$`)
	dropRE     = regexp.MustCompile(`(?is)^\s*DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?(.+?)\s*(?:RESTRICT|CASCADE)?\s*$`)
	renameRE   = regexp.MustCompile(`(?is)^\s*RENAME\s+TABLES?\s+(.+)$`)
	truncRE    = regexp.MustCompile(`(?is)^\s*TRUNCATE\s+(?:TABLE\s+)?(` + qualPat + `)`)
	qualRE     = regexp.MustCompile(`(?s)(` + identPat + `)(?:\s*\.\s*(` + identPat + `))?`)
)

// parseDDL recognizes the table DDL statements that change what the stream
// captures. It returns Kind ddlNone for anything else (and for statements it
// cannot read), which the caller logs and ignores.
func parseDDL(query, defaultDB string) ddlStmt {
	q := strings.TrimSpace(commentRE.ReplaceAllString(query, " "))
	switch {
	case createRE.MatchString(q):
		m := createRE.FindStringSubmatch(q)
		return ddlStmt{Kind: ddlCreate, Tables: []string{qualify(m[1], defaultDB)}}
	case alterRE.MatchString(q):
		m := alterRE.FindStringSubmatch(q)
		s := ddlStmt{Kind: ddlAlter, Tables: []string{qualify(m[1], defaultDB)}}
		if r := alterRenRE.FindStringSubmatch(m[2]); r != nil {
			s = ddlStmt{Kind: ddlRename, Tables: []string{s.Tables[0], qualify(r[1], defaultDB)}}
		}
		return s
	case dropRE.MatchString(q):
		m := dropRE.FindStringSubmatch(q)
		s := ddlStmt{Kind: ddlDrop}
		for _, part := range splitTopLevel(m[1], ',') {
			if n := qualify(part, defaultDB); n != "" {
				s.Tables = append(s.Tables, n)
			}
		}
		return s
	case renameRE.MatchString(q):
		m := renameRE.FindStringSubmatch(q)
		s := ddlStmt{Kind: ddlRename}
		for _, pair := range splitTopLevel(m[1], ',') {
			parts := regexp.MustCompile(`(?i)\s+TO\s+`).Split(strings.TrimSpace(pair), 2)
			if len(parts) != 2 {
				return ddlStmt{}
			}
			s.Tables = append(s.Tables, qualify(parts[0], defaultDB), qualify(parts[1], defaultDB))
		}
		return s
	case truncRE.MatchString(q):
		m := truncRE.FindStringSubmatch(q)
		return ddlStmt{Kind: ddlTruncate, Tables: []string{qualify(m[1], defaultDB)}}
	}
	return ddlStmt{}
}

// isDDL reports whether a statement looks like DDL (for logging the ones the
// recognizer does not read).
func isDDL(query string) bool {
	q := strings.ToUpper(strings.TrimSpace(commentRE.ReplaceAllString(query, " ")))
	for _, p := range []string{"CREATE ", "ALTER ", "DROP ", "RENAME ", "TRUNCATE "} {
		if strings.HasPrefix(q, p) {
			return true
		}
	}
	return false
}

// qualify turns "db.t", "`db`.`t`" or "t" into "db.t".
func qualify(s, defaultDB string) string {
	m := qualRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	if m[2] == "" {
		return defaultDB + "." + unquoteIdent(m[1])
	}
	return unquoteIdent(m[1]) + "." + unquoteIdent(m[2])
}

func unquoteIdent(s string) string {
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}

// splitTopLevel splits s at sep outside backquotes.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	inQ := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			inQ = !inQ
		case s[i] == sep && !inQ:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
