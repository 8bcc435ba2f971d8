package mysql

import (
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/sluicecdc/sluice/connectors/change"
	"github.com/sluicecdc/sluice/connectors/connecttypes"
)

// The table model Debezium's MySQL/MariaDB DDL parser keeps: a table is
// what the DDL statements said about it (SHOW CREATE TABLE at the snapshot,
// then every CREATE/ALTER TABLE of the binlog), not what information_schema
// says. Two things depend on it. The schema-change records' tableChanges
// are this model (an INT column added by ALTER has no length; one read from
// SHOW CREATE TABLE has 11). And the Connect type of a column follows the
// type named in the DDL: BOOLEAN is a boolean only when a statement of the
// binlog says BOOLEAN (SHOW CREATE TABLE says tinyint(1)), MariaDB's JSON
// is io.debezium.data.Json only when a statement says JSON (SHOW CREATE
// TABLE says longtext), FLOAT(M,D) is a double.

// ddlColumn is one column as Debezium's DDL parser records it
// (io.debezium.relational.Column, as ConnectTableChangeSerializer writes it).
type ddlColumn struct {
	Name       string
	JDBCType   int32
	TypeName   string // upper case, with SIGNED/UNSIGNED/ZEROFILL: "INT UNSIGNED", "BOOLEAN", "ENUM"
	Charset    string // "" when the DDL names none
	Length     int32  // -1: unset
	Scale      int32  // valid when HasScale
	HasScale   bool
	Optional   bool
	AutoInc    bool
	Generated  bool
	Comment    string
	HasComment bool
	Default    string // the default value expression, when HasDefault
	HasDefault bool
	EnumValues []string // as written, quotes included
}

// ddlTable is a table as Debezium's DDL parser records it.
type ddlTable struct {
	Charset    string // defaultCharsetName; "" for null
	Key        []string
	Columns    []ddlColumn
	Comment    string
	HasComment bool
}

func (t *ddlTable) clone() *ddlTable {
	c := *t
	c.Key = append([]string(nil), t.Key...)
	c.Columns = append([]ddlColumn(nil), t.Columns...)
	return &c
}

// column returns the index of the column named name (case-insensitive, as
// MySQL compares column names), or -1.
func (t *ddlTable) column(name string) int {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// --- tokens -------------------------------------------------------------

type tokKind int

const (
	tokWord   tokKind = iota // keyword or bare identifier
	tokQuoted                // `identifier`
	tokString                // 'string' or "string"
	tokNumber
	tokPunct // ( ) , ; . = and other single characters
)

type token struct {
	kind tokKind
	text string // the identifier or string without quotes; words as written
	raw  string // as written
}

// inner returns a string token's text between its quotes, escapes kept as
// written (Debezium's withoutQuotes); an unterminated string loses only its
// opening quote.
func (t token) inner() string {
	r := t.raw
	if len(r) >= 2 && r[len(r)-1] == r[0] {
		return r[1 : len(r)-1]
	}
	if len(r) >= 1 {
		return r[1:]
	}
	return r
}

// is reports whether the token is the keyword kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// lexDDL splits a statement into tokens, dropping comments (also MySQL's
// executable /*! ... */ comments, whose content SHOW CREATE TABLE uses only
// for partitioning and table options Debezium ignores).
func lexDDL(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || (c == '-' && i+2 < len(s) && s[i+1] == '-' && (s[i+2] == ' ' || s[i+2] == '\t')):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '`':
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{kind: tokQuoted, text: b.String(), raw: s[i:min(j+1, len(s))]})
			i = j + 1
		case c == '\'' || c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == '\\' && j+1 < len(s) {
					b.WriteByte(unescapeByte(s[j+1]))
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{kind: tokString, text: b.String(), raw: s[i:min(j+1, len(s))]})
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				(s[j] == '-' || s[j] == '+') && j > i && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			// 1abc is an identifier in MySQL.
			if j < len(s) && isWordByte(s[j]) {
				for j < len(s) && isWordByte(s[j]) {
					j++
				}
				out = append(out, token{kind: tokWord, text: s[i:j], raw: s[i:j]})
			} else {
				out = append(out, token{kind: tokNumber, text: s[i:j], raw: s[i:j]})
			}
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{kind: tokWord, text: s[i:j], raw: s[i:j]})
			i = j
		default:
			out = append(out, token{kind: tokPunct, text: s[i : i+1], raw: s[i : i+1]})
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// ddlParser walks the tokens of one statement.
type ddlParser struct {
	toks []token
	i    int
}

func (p *ddlParser) eof() bool { return p.i >= len(p.toks) }

func (p *ddlParser) peek() token {
	if p.eof() {
		return token{kind: tokPunct, text: ""}
	}
	return p.toks[p.i]
}

func (p *ddlParser) peekAt(n int) token {
	if p.i+n >= len(p.toks) {
		return token{kind: tokPunct, text: ""}
	}
	return p.toks[p.i+n]
}

func (p *ddlParser) next() token {
	t := p.peek()
	if !p.eof() {
		p.i++
	}
	return t
}

// accept consumes the keywords kws when they come next, in order.
func (p *ddlParser) accept(kws ...string) bool {
	for k, kw := range kws {
		if !p.peekAt(k).is(kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

func (p *ddlParser) punct(s string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

// ident reads an identifier (quoted or bare); ok false when none comes.
func (p *ddlParser) ident() (string, bool) {
	t := p.peek()
	if t.kind == tokQuoted || t.kind == tokWord {
		p.i++
		return t.text, true
	}
	if t.kind == tokString { // MySQL accepts a string as some names
		p.i++
		return t.text, true
	}
	return "", false
}

// qualified reads [db.]name.
func (p *ddlParser) qualified() (db, name string, ok bool) {
	a, ok := p.ident()
	if !ok {
		return "", "", false
	}
	if p.punct(".") {
		b, ok := p.ident()
		if !ok {
			return "", "", false
		}
		return a, b, true
	}
	return "", a, true
}

// skipParens skips a balanced (...) group starting at the current "(",
// returning the raw text between the parentheses.
func (p *ddlParser) skipParens() []token {
	if !p.punct("(") {
		return nil
	}
	start := p.i
	depth := 1
	for !p.eof() {
		t := p.next()
		if t.kind == tokPunct {
			switch t.text {
			case "(":
				depth++
			case ")":
				depth--
				if depth == 0 {
					return p.toks[start : p.i-1]
				}
			}
		}
	}
	return p.toks[start:]
}

// skipToComma skips to the next top-level "," or ")" (not consumed).
func (p *ddlParser) skipToComma() {
	for !p.eof() {
		t := p.peek()
		if t.kind == tokPunct {
			switch t.text {
			case "(":
				p.skipParens()
				continue
			case ",", ")", ";":
				return
			}
		}
		p.i++
	}
}

// --- data types ---------------------------------------------------------

// java.sql.Types codes.
const (
	jdbcBit        = -7
	jdbcTinyint    = -6
	jdbcSmallint   = 5
	jdbcInteger    = 4
	jdbcBigint     = -5
	jdbcFloat      = 6
	jdbcReal       = 7
	jdbcDouble     = 8
	jdbcNumeric    = 2
	jdbcDecimal    = 3
	jdbcChar       = 1
	jdbcVarchar    = 12
	jdbcNchar      = -15
	jdbcNvarchar   = -9
	jdbcBinary     = -2
	jdbcVarbinary  = -3
	jdbcBlob       = 2004
	jdbcDate       = 91
	jdbcTime       = 92
	jdbcTimestamp  = 93
	jdbcTimestampZ = 2014
	jdbcBoolean    = 16
	jdbcOther      = 1111
)

// typeEntry is one data type of Debezium's MariaDB/MySQL DataTypeResolver.
type typeEntry struct {
	words  []string // the type's keywords
	jdbc   int32
	suffix []string // optional keywords after the dimensions that join the name
	defLen int32    // default length (-1 none)
	defScl int32    // default scale (-1 none)
	family int      // how its dimensions and charset are read
}

const (
	famDimension = iota // (length[,scale]) numbers, time precision, BINARY(n)
	famString           // (length), CHARACTER SET, COLLATE
	famNational
	famSimple
	famCollection // ENUM/SET
	famSpatial
	famLongVarchar
)

var numSuffix = []string{"SIGNED", "UNSIGNED", "ZEROFILL"}

// typeEntries lists the types; longer keyword sequences are tried first.
var typeEntries = []typeEntry{
	{words: []string{"NATIONAL", "CHAR", "VARYING"}, jdbc: jdbcNvarchar, family: famNational},
	{words: []string{"NATIONAL", "CHARACTER", "VARYING"}, jdbc: jdbcNvarchar, family: famNational},
	{words: []string{"NATIONAL", "VARCHAR"}, jdbc: jdbcNvarchar, family: famNational, suffix: []string{"BINARY"}},
	{words: []string{"NATIONAL", "CHARACTER"}, jdbc: jdbcNchar, family: famNational, suffix: []string{"BINARY"}},
	{words: []string{"NATIONAL", "CHAR"}, jdbc: jdbcNchar, family: famNational, suffix: []string{"BINARY"}},
	{words: []string{"NCHAR", "VARCHAR"}, jdbc: jdbcNvarchar, family: famNational, suffix: []string{"BINARY"}},
	{words: []string{"NCHAR", "VARYING"}, jdbc: jdbcNvarchar, family: famString},
	{words: []string{"CHAR", "VARYING"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"CHARACTER", "VARYING"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"LONG", "VARBINARY"}, jdbc: jdbcBlob, family: famSimple},
	{words: []string{"LONG", "VARCHAR"}, jdbc: jdbcVarchar, family: famLongVarchar},
	{words: []string{"DOUBLE", "PRECISION"}, jdbc: jdbcDouble, family: famDimension, suffix: numSuffix},
	{words: []string{"CHARACTER"}, jdbc: jdbcChar, family: famString},
	{words: []string{"CHAR"}, jdbc: jdbcChar, family: famString},
	{words: []string{"VARCHAR"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"TINYTEXT"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"TEXT"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"MEDIUMTEXT"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"LONGTEXT"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"LONG"}, jdbc: jdbcVarchar, family: famString},
	{words: []string{"NCHAR"}, jdbc: jdbcNchar, family: famString},
	{words: []string{"NVARCHAR"}, jdbc: jdbcNvarchar, family: famString},
	{words: []string{"TINYINT"}, jdbc: jdbcSmallint, suffix: numSuffix},
	{words: []string{"INT1"}, jdbc: jdbcSmallint, suffix: numSuffix},
	{words: []string{"SMALLINT"}, jdbc: jdbcSmallint, suffix: numSuffix},
	{words: []string{"INT2"}, jdbc: jdbcSmallint, suffix: numSuffix},
	{words: []string{"MEDIUMINT"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"INT3"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"MIDDLEINT"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"INT"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"INTEGER"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"INT4"}, jdbc: jdbcInteger, suffix: numSuffix},
	{words: []string{"BIGINT"}, jdbc: jdbcBigint, suffix: numSuffix},
	{words: []string{"INT8"}, jdbc: jdbcBigint, suffix: numSuffix},
	{words: []string{"REAL"}, jdbc: jdbcReal, suffix: numSuffix},
	{words: []string{"DOUBLE"}, jdbc: jdbcDouble, suffix: []string{"PRECISION", "SIGNED", "UNSIGNED", "ZEROFILL"}},
	{words: []string{"FLOAT8"}, jdbc: jdbcDouble, suffix: []string{"PRECISION", "SIGNED", "UNSIGNED", "ZEROFILL"}},
	{words: []string{"FLOAT"}, jdbc: jdbcFloat, suffix: numSuffix},
	{words: []string{"FLOAT4"}, jdbc: jdbcFloat, suffix: numSuffix},
	{words: []string{"DECIMAL"}, jdbc: jdbcDecimal, suffix: numSuffix, defLen: 10, defScl: 0},
	{words: []string{"DEC"}, jdbc: jdbcDecimal, suffix: numSuffix, defLen: 10, defScl: 0},
	{words: []string{"FIXED"}, jdbc: jdbcDecimal, suffix: numSuffix, defLen: 10, defScl: 0},
	{words: []string{"NUMERIC"}, jdbc: jdbcNumeric, suffix: numSuffix, defLen: 10, defScl: 0},
	{words: []string{"BIT"}, jdbc: jdbcBit, defLen: 1},
	{words: []string{"TIME"}, jdbc: jdbcTime},
	{words: []string{"TIMESTAMP"}, jdbc: jdbcTimestampZ},
	{words: []string{"DATETIME"}, jdbc: jdbcTimestamp},
	{words: []string{"BINARY"}, jdbc: jdbcBinary},
	{words: []string{"VARBINARY"}, jdbc: jdbcVarbinary},
	{words: []string{"BLOB"}, jdbc: jdbcBlob},
	{words: []string{"YEAR"}, jdbc: jdbcInteger},
	{words: []string{"DATE"}, jdbc: jdbcDate, family: famSimple},
	{words: []string{"TINYBLOB"}, jdbc: jdbcBlob, family: famSimple},
	{words: []string{"MEDIUMBLOB"}, jdbc: jdbcBlob, family: famSimple},
	{words: []string{"LONGBLOB"}, jdbc: jdbcBlob, family: famSimple},
	{words: []string{"BOOL"}, jdbc: jdbcBoolean, family: famSimple},
	{words: []string{"BOOLEAN"}, jdbc: jdbcBoolean, family: famSimple},
	{words: []string{"SERIAL"}, jdbc: jdbcBigint, family: famSimple},
	{words: []string{"ENUM"}, jdbc: jdbcChar, family: famCollection},
	{words: []string{"SET"}, jdbc: jdbcChar, family: famCollection},
	{words: []string{"GEOMETRYCOLLECTION"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"GEOMCOLLECTION"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"LINESTRING"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"MULTILINESTRING"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"MULTIPOINT"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"MULTIPOLYGON"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"POINT"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"POLYGON"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"JSON"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"GEOMETRY"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"UUID"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"INET4"}, jdbc: jdbcOther, family: famSpatial},
	{words: []string{"INET6"}, jdbc: jdbcOther, family: famSpatial},
}

// dataType reads a column's data type into c (name, JDBC type, length,
// scale, charset, enum values). ok is false for a type it does not know.
func (p *ddlParser) dataType(c *ddlColumn) bool {
	var e *typeEntry
	for k := range typeEntries {
		if p.accept(typeEntries[k].words...) {
			e = &typeEntries[k]
			break
		}
	}
	if e == nil {
		return false
	}
	name := strings.Join(e.words, " ")
	c.JDBCType = e.jdbc
	c.Length = -1
	c.HasScale = false
	length, scale := int32(-1), int32(-1)
	switch e.family {
	case famCollection:
		args := p.skipParens()
		for _, a := range args {
			if a.kind == tokString {
				c.EnumValues = append(c.EnumValues, a.raw)
			}
		}
		if name == "SET" {
			length = max(0, int32(len(c.EnumValues))*2-1)
		} else {
			length = 1
		}
	case famSimple, famSpatial, famLongVarchar:
		// no dimensions
	default:
		if p.peek().kind == tokPunct && p.peek().text == "(" {
			args := p.skipParens()
			var nums []string
			for _, a := range args {
				if a.kind == tokNumber {
					nums = append(nums, a.text)
				}
			}
			if len(nums) > 0 {
				n := nums[0]
				if strings.Contains(n, ".") { // FLOAT(.5) and the like
					whole, _, _ := strings.Cut(n, ".")
					if whole == "" || strings.Trim(whole, "0") == "" {
						n = "10"
					} else {
						n = whole
					}
				}
				if v, err := strconv.ParseInt(n, 10, 64); err == nil {
					length = int32(min(v, 1<<31-1))
				}
			}
			if len(nums) > 1 {
				if v, err := strconv.ParseInt(nums[1], 10, 32); err == nil {
					scale = int32(v)
				}
			}
		}
	}
	// Suffix keywords and the character set, in any order.
	var suffixes []string
	for {
		switch {
		case e.suffix != nil && func() bool {
			for _, s := range e.suffix {
				if p.peek().is(s) {
					return true
				}
			}
			return false
		}():
			suffixes = append(suffixes, strings.ToUpper(p.next().text))
		case p.accept("CHARACTER", "SET") || p.accept("CHARSET"):
			if cs, ok := p.ident(); ok && (e.family == famString || e.family == famCollection || e.family == famLongVarchar) {
				c.Charset = cs
			}
		case p.peek().is("COLLATE"):
			p.next()
			coll, _ := p.ident()
			if c.Charset == "" && (e.family == famString || e.family == famLongVarchar) {
				c.Charset = charsetOfCollationName(coll)
			}
		case p.peek().is("BINARY") && (e.family == famString || e.family == famCollection):
			p.next()
		case p.peek().is("ASCII") || p.peek().is("UNICODE"):
			p.next()
		default:
			goto done
		}
	}
done:
	// The name takes the suffixes in the entry's order.
	for _, s := range e.suffix {
		for _, got := range suffixes {
			if got == s {
				name += " " + s
				break
			}
		}
	}
	if name == "SERIAL" {
		name = "BIGINT UNSIGNED"
		c.Optional = false
		c.AutoInc, c.Generated = true, true
	}
	c.TypeName = name
	if length == -1 {
		length = e.defLen
		if e.defLen == 0 {
			length = -1
		}
	}
	c.Length = length
	if scale != -1 {
		c.Scale, c.HasScale = scale, true
	} else if e.defLen != 0 && e.defScl == 0 && (e.jdbc == jdbcDecimal || e.jdbc == jdbcNumeric) {
		c.Scale, c.HasScale = 0, true
	}
	if e.jdbc == jdbcNchar || e.jdbc == jdbcNvarchar {
		c.Charset = "utf8"
		if e.jdbc == jdbcNchar && c.Length == -1 {
			c.Length = 1
		}
	}
	return true
}

// charsetOfCollationName is the character set of a collation
// ("utf8mb4_bin" is utf8mb4).
func charsetOfCollationName(coll string) string {
	coll = strings.ToLower(coll)
	if coll == "binary" {
		return "binary"
	}
	cs, _, _ := strings.Cut(coll, "_")
	return cs
}

// --- column definitions ---------------------------------------------------

// constraintStarts are the words that begin a table constraint rather than
// a column in a CREATE TABLE's element list.
var constraintStarts = []string{"PRIMARY", "UNIQUE", "KEY", "INDEX", "CONSTRAINT", "FOREIGN", "FULLTEXT", "SPATIAL", "CHECK", "PERIOD"}

func (p *ddlParser) atConstraint() bool {
	t := p.peek()
	if t.kind != tokWord {
		return false
	}
	for _, w := range constraintStarts {
		if t.is(w) {
			return true
		}
	}
	return false
}

// colAttrs is what a column definition says beyond the column itself.
type colAttrs struct {
	primary bool // PRIMARY KEY / KEY at the column
	unique  bool // UNIQUE [KEY] at the column
}

// columnDef reads "type attributes..." into c (whose Name is set; other
// fields may hold a CHANGE's old column). ok is false for a type it does
// not know.
func (p *ddlParser) columnDef(c *ddlColumn) (colAttrs, bool) {
	var a colAttrs
	c.EnumValues = nil
	if !p.dataType(c) {
		return a, false
	}
	nullSet := false
	serial := c.TypeName == "BIGINT UNSIGNED" && c.AutoInc && c.JDBCType == jdbcBigint && !c.Optional
	if serial {
		nullSet = true
		a.unique = true
	}
	for !p.eof() {
		t := p.peek()
		if t.kind == tokPunct && (t.text == "," || t.text == ")" || t.text == ";") || t.is("FIRST") || t.is("AFTER") {
			break
		}
		switch {
		case p.accept("NOT", "NULL"):
			c.Optional, nullSet = false, true
		case p.accept("NULL"):
			c.Optional, nullSet = true, true
		case p.accept("DEFAULT"):
			p.defaultValue(c)
		case p.accept("AUTO_INCREMENT"):
			c.AutoInc, c.Generated = true, true
		case p.accept("PRIMARY", "KEY"):
			a.primary = true
		case p.accept("UNIQUE", "KEY") || p.accept("UNIQUE"):
			a.unique = true
		case p.accept("KEY"):
			a.primary = true
		case p.accept("SERIAL", "DEFAULT", "VALUE"):
			c.AutoInc, c.Generated = true, true
			a.unique = true
			if !nullSet {
				c.Optional, nullSet = false, true
			}
		case p.accept("COMMENT"):
			if s := p.next(); s.kind == tokString {
				c.Comment, c.HasComment = s.inner(), true
			}
		case p.accept("ON", "UPDATE"):
			p.skipExpr()
		case p.accept("CHECK"), p.accept("AS"):
			p.skipParens()
		case p.accept("GENERATED", "ALWAYS", "AS"):
			p.skipParens()
		case p.accept("COLLATE"), p.accept("COLUMN_FORMAT"), p.accept("STORAGE"), p.accept("CHARACTER", "SET"), p.accept("CHARSET"):
			p.next()
		case p.accept("REFERENCES"):
			p.qualified()
			p.skipParens()
			for p.accept("ON", "DELETE") || p.accept("ON", "UPDATE") || p.accept("MATCH") {
				p.accept("SET", "NULL")
				p.accept("SET", "DEFAULT")
				p.accept("NO", "ACTION")
				p.accept("CASCADE")
				p.accept("RESTRICT")
				p.accept("FULL")
				p.accept("PARTIAL")
				p.accept("SIMPLE")
			}
		default:
			// VIRTUAL, PERSISTENT, STORED, INVISIBLE, WITH[OUT] SYSTEM
			// VERSIONING, ... say nothing Debezium records.
			if t.kind == tokPunct && t.text == "(" {
				p.skipParens()
			} else {
				p.next()
			}
		}
	}
	if !nullSet {
		c.Optional = true // MariaDB: nullable unless NOT NULL
	}
	if a.primary {
		c.Optional = false
	}
	return a, true
}

// skipExpr skips one simple expression: a word with an optional (...)
// argument list, a literal, or a parenthesised expression.
func (p *ddlParser) skipExpr() {
	t := p.next()
	if t.kind == tokPunct && t.text == "(" {
		p.i--
		p.skipParens()
		return
	}
	if p.peek().kind == tokPunct && p.peek().text == "(" {
		p.skipParens()
	}
}

// defaultValue reads a DEFAULT clause as Debezium's DefaultValueParserListener
// records it: a string without its quotes (escapes kept as written), a
// number with its sign, b'…' without its b and quotes, TRUE/FALSE, and
// CURRENT_TIMESTAMP/NOW as "1970-01-01 00:00:00"; NULL and other
// expressions give none.
func (p *ddlParser) defaultValue(c *ddlColumn) {
	c.Default, c.HasDefault = "", false
	sign := ""
	if t := p.peek(); t.kind == tokPunct && (t.text == "-" || t.text == "+") {
		sign = t.text
		p.next()
	}
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.next()
		c.Default, c.HasDefault = sign+t.inner(), true
		if p.accept("COLLATE") {
			p.next()
		}
	case t.kind == tokNumber:
		p.next()
		c.Default, c.HasDefault = sign+t.text, true
	case (t.is("b") || t.is("B")) && p.peekAt(1).kind == tokString:
		p.next()
		s := p.next()
		c.Default, c.HasDefault = s.inner(), true
	case t.is("TRUE") || t.is("FALSE"):
		p.next()
		c.Default, c.HasDefault = t.text, true
	case t.is("NULL"):
		p.next()
	case t.is("CURRENT_TIMESTAMP") || t.is("NOW") || t.is("LOCALTIME") || t.is("LOCALTIMESTAMP"):
		p.next()
		if p.peek().kind == tokPunct && p.peek().text == "(" {
			p.skipParens()
		}
		if t.is("CURRENT_TIMESTAMP") || t.is("NOW") {
			c.Default, c.HasDefault = "1970-01-01 00:00:00", true
		} else {
			c.Default, c.HasDefault = strings.ToUpper(t.text), true
		}
	default:
		p.skipExpr()
	}
}

// indexColumns reads "(a, b(10), c DESC)" into column names.
func indexColumns(toks []token) []string {
	var out []string
	depth := 0
	expectName := true
	for _, t := range toks {
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case t.kind == tokPunct && t.text == "," && depth == 0:
			expectName = true
		case expectName && depth == 0 && (t.kind == tokQuoted || t.kind == tokWord || t.kind == tokString):
			out = append(out, t.text)
			expectName = false
		}
	}
	return out
}

// setKey makes names the table's primary key, as Debezium's
// parsePrimaryIndexColumnNames: its columns become NOT NULL.
func (t *ddlTable) setKey(names []string) {
	t.Key = t.Key[:0]
	for _, n := range names {
		if i := t.column(n); i >= 0 {
			t.Columns[i].Optional = false
			if !t.Columns[i].HasDefault {
				t.Columns[i].Default = ""
			}
			n = t.Columns[i].Name
		}
		t.Key = append(t.Key, n)
	}
}

// --- statements ----------------------------------------------------------

// createStmt is a parsed CREATE TABLE.
type createStmt struct {
	DB, Name string
	Table    *ddlTable
	// LikeDB, Like name the table of CREATE TABLE ... LIKE; AsSelect marks
	// CREATE TABLE ... SELECT (the model then comes from the server).
	LikeDB, Like string
	AsSelect     bool
}

// parseCreateTable parses a CREATE TABLE statement. ok is false when it
// is none or cannot be read. The table's charset is the one its options
// name ("" when none: the caller fills the database's).
func parseCreateTable(stmt string) (createStmt, bool) {
	p := &ddlParser{toks: lexDDL(stmt)}
	var out createStmt
	if !p.accept("CREATE") {
		return out, false
	}
	p.accept("OR", "REPLACE")
	p.accept("TEMPORARY")
	if !p.accept("TABLE") {
		return out, false
	}
	p.accept("IF", "NOT", "EXISTS")
	db, name, ok := p.qualified()
	if !ok {
		return out, false
	}
	out.DB, out.Name = db, name
	if p.accept("LIKE") || (p.punct("(") && p.accept("LIKE")) {
		out.LikeDB, out.Like, ok = p.qualified()
		return out, ok
	}
	if p.i > 0 && p.toks[p.i-1].kind == tokPunct && p.toks[p.i-1].text == "(" {
		p.i--
	}
	t := &ddlTable{}
	if p.peek().kind == tokPunct && p.peek().text == "(" {
		p.next()
		for !p.eof() {
			if p.punct(")") {
				break
			}
			if p.punct(",") {
				continue
			}
			if p.atConstraint() {
				p.tableConstraint(t)
				continue
			}
			name, ok := p.ident()
			if !ok {
				return out, false
			}
			c := ddlColumn{Name: name}
			attrs, ok := p.columnDef(&c)
			if !ok {
				return out, false
			}
			t.Columns = append(t.Columns, c)
			if attrs.primary {
				t.setKey([]string{name})
			} else if attrs.unique && len(t.Key) == 0 {
				t.setKey([]string{name})
			}
		}
	}
	// Table options.
	for !p.eof() {
		switch {
		case p.accept("DEFAULT", "CHARACTER", "SET") || p.accept("DEFAULT", "CHARSET") || p.accept("CHARACTER", "SET") || p.accept("CHARSET"):
			p.punct("=")
			if cs, ok := p.ident(); ok {
				t.Charset = cs
			}
		case p.accept("COMMENT"):
			p.punct("=")
			if s := p.next(); s.kind == tokString {
				t.Comment, t.HasComment = s.inner(), true
			}
		case p.accept("SELECT") || p.accept("AS") || p.accept("IGNORE") || p.accept("REPLACE"):
			out.AsSelect = true
			p.i = len(p.toks)
		case p.peek().kind == tokPunct && p.peek().text == "(":
			p.skipParens()
		default:
			p.next()
		}
	}
	out.Table = t
	return out, true
}

// tableConstraint reads a table constraint of a CREATE TABLE, keeping the
// primary key (and, as Debezium does, the first UNIQUE key of NOT NULL
// columns when there is no primary key).
func (p *ddlParser) tableConstraint(t *ddlTable) {
	if p.accept("CONSTRAINT") {
		if !p.peek().is("PRIMARY") && !p.peek().is("UNIQUE") && !p.peek().is("FOREIGN") && !p.peek().is("CHECK") {
			p.ident()
		}
	}
	switch {
	case p.accept("PRIMARY", "KEY"):
		for p.peek().kind != tokPunct || p.peek().text != "(" {
			if p.eof() {
				return
			}
			p.next() // USING BTREE, a name
		}
		t.setKey(indexColumns(p.skipParens()))
	case p.accept("UNIQUE"):
		for p.peek().kind != tokPunct || p.peek().text != "(" {
			if p.eof() {
				return
			}
			p.next()
		}
		cols := indexColumns(p.skipParens())
		if len(t.Key) == 0 && len(cols) > 0 {
			all := true
			for _, n := range cols {
				if i := t.column(n); i < 0 || t.Columns[i].Optional {
					all = false
				}
			}
			if all {
				t.setKey(cols)
			}
		}
	}
	p.skipToComma()
}

// alterResult is what an ALTER TABLE did beyond changing the model.
type alterResult struct {
	RenameDB, RenameTo string // RENAME TO: the new name ("" none)
	Unknown            bool   // a column change it could not read
}

// applyAlter applies the column, key, charset and comment changes of an
// ALTER TABLE statement to t. ok is false when stmt is no ALTER TABLE.
func applyAlter(t *ddlTable, stmt string) (alterResult, bool) {
	p := &ddlParser{toks: lexDDL(stmt)}
	var res alterResult
	if !p.accept("ALTER") {
		return res, false
	}
	for p.accept("ONLINE") || p.accept("IGNORE") {
	}
	if !p.accept("TABLE") {
		return res, false
	}
	p.accept("IF", "EXISTS")
	if _, _, ok := p.qualified(); !ok {
		return res, false
	}
	for !p.eof() {
		if p.punct(",") || p.punct(";") {
			continue
		}
		if !p.alterSpec(t, &res) {
			res.Unknown = true
		}
		p.skipToComma()
		if p.peek().kind == tokPunct && p.peek().text == ")" {
			p.next()
		}
	}
	return res, true
}

// place moves column i to the front (first) or after the column named
// after ("" stays).
func (t *ddlTable) place(i int, first bool, after string) {
	if !first && after == "" {
		return
	}
	c := t.Columns[i]
	t.Columns = append(t.Columns[:i], t.Columns[i+1:]...)
	at := 0
	if !first {
		j := t.column(after)
		if j < 0 {
			t.Columns = append(t.Columns, c)
			return
		}
		at = j + 1
	}
	t.Columns = append(t.Columns[:at], append([]ddlColumn{c}, t.Columns[at:]...)...)
}

// position reads [FIRST | AFTER col].
func (p *ddlParser) position() (first bool, after string) {
	if p.accept("FIRST") {
		return true, ""
	}
	if p.accept("AFTER") {
		after, _ = p.ident()
	}
	return false, after
}

// addColumn adds (or, when the model already has it, replaces) a column.
func (t *ddlTable) addColumn(c ddlColumn, a colAttrs) int {
	i := t.column(c.Name)
	if i >= 0 {
		t.Columns[i] = c
	} else {
		t.Columns = append(t.Columns, c)
		i = len(t.Columns) - 1
	}
	if a.primary {
		t.setKey([]string{c.Name})
	} else if a.unique && len(t.Key) == 0 {
		t.setKey([]string{c.Name})
	}
	return i
}

// alterSpec applies one ALTER TABLE specification; false when it changes
// columns in a way it could not read.
func (p *ddlParser) alterSpec(t *ddlTable, res *alterResult) bool {
	switch {
	case p.accept("ADD"):
		if p.atConstraint() && !p.peek().is("KEY") || p.peek().is("KEY") && p.peekAt(1).kind != tokWord && p.peekAt(1).kind != tokQuoted {
			p.tableConstraint(t)
			return true
		}
		if p.peek().is("KEY") || p.peek().is("INDEX") || p.peek().is("PARTITION") || p.peek().is("SYSTEM") {
			return true
		}
		p.accept("COLUMN")
		p.accept("IF", "NOT", "EXISTS")
		if p.punct("(") {
			for !p.eof() && !p.punct(")") {
				if p.punct(",") {
					continue
				}
				name, ok := p.ident()
				if !ok {
					return false
				}
				c := ddlColumn{Name: name}
				a, ok := p.columnDef(&c)
				if !ok {
					return false
				}
				t.addColumn(c, a)
			}
			return true
		}
		name, ok := p.ident()
		if !ok {
			return false
		}
		c := ddlColumn{Name: name}
		a, ok := p.columnDef(&c)
		if !ok {
			return false
		}
		i := t.addColumn(c, a)
		first, after := p.position()
		t.place(i, first, after)
		return true
	case p.accept("MODIFY"):
		p.accept("COLUMN")
		p.accept("IF", "EXISTS")
		name, ok := p.ident()
		if !ok {
			return false
		}
		i := t.column(name)
		c := ddlColumn{Name: name}
		if i >= 0 {
			c.Name = t.Columns[i].Name
		}
		a, ok := p.columnDef(&c)
		if !ok {
			return false
		}
		i = t.addColumn(c, a)
		first, after := p.position()
		t.place(i, first, after)
		return true
	case p.accept("CHANGE"):
		p.accept("COLUMN")
		p.accept("IF", "EXISTS")
		old, ok := p.ident()
		if !ok {
			return false
		}
		name, ok := p.ident()
		if !ok {
			return false
		}
		i := t.column(old)
		c := ddlColumn{Name: name}
		if i >= 0 {
			c = t.Columns[i]
			c.Default, c.HasDefault = "", false
			c.Length, c.HasScale = -1, false
			c.Charset = ""
		}
		a, ok := p.columnDef(&c)
		if !ok {
			return false
		}
		c.Name = name
		if i >= 0 {
			t.Columns[i] = c
			for k := range t.Key {
				if strings.EqualFold(t.Key[k], old) {
					t.Key[k] = name
				}
			}
		} else {
			i = t.addColumn(c, colAttrs{})
		}
		if a.primary {
			t.setKey([]string{name})
		}
		first, after := p.position()
		t.place(i, first, after)
		return true
	case p.accept("DROP", "PRIMARY", "KEY"):
		t.Key = nil
		return true
	case p.accept("DROP"):
		if p.atConstraint() || p.peek().is("PARTITION") || p.peek().is("SYSTEM") || p.peek().is("PERIOD") {
			return true
		}
		p.accept("COLUMN")
		p.accept("IF", "EXISTS")
		name, ok := p.ident()
		if !ok {
			return false
		}
		if i := t.column(name); i >= 0 {
			t.Columns = append(t.Columns[:i], t.Columns[i+1:]...)
		}
		return true
	case p.accept("RENAME", "COLUMN"):
		old, ok1 := p.ident()
		p.accept("TO")
		name, ok2 := p.ident()
		if !ok1 || !ok2 {
			return false
		}
		if i := t.column(old); i >= 0 {
			t.Columns[i].Name = name
		}
		for k := range t.Key {
			if strings.EqualFold(t.Key[k], old) {
				t.Key[k] = name
			}
		}
		return true
	case p.accept("RENAME", "INDEX") || p.accept("RENAME", "KEY"):
		return true
	case p.accept("RENAME"):
		if !p.accept("TO") {
			p.accept("AS")
		}
		db, name, ok := p.qualified()
		if !ok {
			return false
		}
		res.RenameDB, res.RenameTo = db, name
		return true
	case p.accept("ALTER"):
		p.accept("COLUMN")
		p.accept("IF", "EXISTS")
		name, ok := p.ident()
		if !ok {
			return false
		}
		i := t.column(name)
		switch {
		case p.accept("SET", "DEFAULT"):
			if i >= 0 {
				p.defaultValue(&t.Columns[i])
			}
		case p.accept("DROP", "DEFAULT"):
			if i >= 0 {
				t.Columns[i].Default, t.Columns[i].HasDefault = "", false
			}
		}
		return true
	case p.accept("CONVERT", "TO", "CHARACTER", "SET") || p.accept("CONVERT", "TO", "CHARSET"):
		if cs, ok := p.ident(); ok {
			t.Charset = cs
			for i := range t.Columns {
				if t.Columns[i].Charset != "" {
					t.Columns[i].Charset = cs
				}
			}
		}
		return true
	case p.accept("DEFAULT", "CHARACTER", "SET") || p.accept("DEFAULT", "CHARSET") || p.accept("CHARACTER", "SET") || p.accept("CHARSET"):
		p.punct("=")
		if cs, ok := p.ident(); ok {
			t.Charset = cs
		}
		return true
	case p.accept("COMMENT"):
		p.punct("=")
		if s := p.next(); s.kind == tokString {
			t.Comment, t.HasComment = s.inner(), true
		}
		return true
	}
	return true // indexes, partitions, engine and other options
}

// value is the io.debezium.connector.schema.Table struct of t, as
// ConnectTableChangeSerializer writes it: a key list even when empty,
// length and scale only when the DDL gave them, enumValues only when there
// are some.
func (t *ddlTable) value() change.StructValue {
	key := make([]any, len(t.Key))
	for i, n := range t.Key {
		key[i] = n
	}
	cols := make([]any, len(t.Columns))
	for i := range t.Columns {
		cols[i] = t.Columns[i].value(int32(i+1), t.Charset)
	}
	var comment any
	if t.HasComment {
		comment = t.Comment
	}
	return change.StructValue{optString(t.Charset), key, cols, comment}
}

// value is the io.debezium.connector.schema.Column struct of c at position
// in a table whose character set is tableCharset.
func (c *ddlColumn) value(position int32, tableCharset string) change.StructValue {
	var length, scale, comment, deflt, enums any
	charset := c.Charset
	if charset == "" && usesCharset(c.JDBCType) {
		charset = tableCharset
	}
	if c.Length != -1 {
		length = c.Length
	}
	if c.HasScale {
		scale = c.Scale
	}
	if c.HasComment {
		comment = c.Comment
	}
	if c.HasDefault {
		deflt = c.Default
	}
	if len(c.EnumValues) > 0 {
		e := make([]any, len(c.EnumValues))
		for i, v := range c.EnumValues {
			e[i] = v
		}
		enums = e
	}
	return change.StructValue{
		c.Name,
		c.JDBCType,
		nil, // nativeType: unset in the MySQL and MariaDB connectors
		c.TypeName,
		c.TypeName, // typeExpression: the name again
		optString(charset),
		length,
		scale,
		position,
		c.Optional,
		c.AutoInc,
		c.Generated,
		comment,
		deflt,
		enums,
	}
}

// usesCharset reports whether a column of JDBC type jdbc has a character
// set (Debezium's Column.typeUsesCharset): such a column without one of its
// own has its table's.
func usesCharset(jdbc int32) bool {
	switch jdbc {
	case jdbcChar, jdbcVarchar, -1 /* LONGVARCHAR */, 2005 /* CLOB */, jdbcNchar, jdbcNvarchar, -16 /* LONGNVARCHAR */, 2011 /* NCLOB */, 70 /* DATALINK */, 2009 /* SQLXML */ :
		return true
	}
	return false
}

// defaultValue converts a column's default value expression as Debezium's
// BinlogDefaultValueConverter and the column's converter do: TRUE/FALSE
// are 1/0 for numbers, a BOOLEAN takes TRUE/FALSE/1/0, a zero or epoch
// temporal default is null for a nullable column, a TIMESTAMP default is
// formatted at the column's precision; strings stay as written. It returns
// nil (no default) for what it cannot convert, and for BIT and binary
// columns.
func defaultValue(m ColumnMeta, col Column, expr string) any {
	f := &col.Field
	if f.Type != change.String {
		expr = strings.TrimSpace(expr)
	}
	isNumber := f.Logical == "" && (f.Type == change.Int16 || f.Type == change.Int32 || f.Type == change.Int64 ||
		f.Type == change.Float32 || f.Type == change.Float64) || f.Logical == connecttypes.NameDecimal
	if isNumber && (strings.EqualFold(expr, "true") || strings.EqualFold(expr, "false")) {
		expr = map[bool]string{true: "1", false: "0"}[strings.EqualFold(expr, "true")]
	}
	switch {
	case mariaDBBinaryType(&m, parseColumnType(m.ColumnType)) != "":
		// Debezium 3.5.0 gives a UUID column's field no default (measured);
		// INET4 and INET6 do the same.
		return nil
	case f.Type == change.Boolean && m.Type != gomysql.MYSQL_TYPE_BIT:
		switch strings.ToLower(expr) {
		case "true", "1":
			return true
		case "false", "0":
			return false
		}
		return nil
	case m.Type == gomysql.MYSQL_TYPE_BIT, f.Type == change.Bytes && f.Logical == "", f.Type == change.Struct:
		return nil
	case f.Logical == connecttypes.NameZonedTimestamp:
		if expr == "0" || expr == "1970-01-01 00:00:00" || strings.HasPrefix(expr, "0000-00-00") {
			if m.Nullable {
				return nil
			}
			return formatZonedTimestamp(0, -1)
		}
		us, err := parseDatetime([]byte(expr))
		if err != nil {
			return nil
		}
		fsp := -1
		if m.Declared != nil && m.Declared.Length > 0 {
			fsp = int(m.Declared.Length)
		}
		return formatZonedTimestamp(us, fsp)
	}
	v, err := col.FromText([]byte(expr))
	if err != nil {
		return nil
	}
	return v
}
