package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// TypeInfo is what the catalog (pg_type) says about a type.
type TypeInfo struct {
	OID        uint32
	Name       string   // pg_type.typname, e.g. "int4", "_int4", "mood"
	Type       byte     // pg_type.typtype: 'b' base, 'e' enum, 'd' domain, 'r' range, 'c' composite, 'm' multirange, 'p' pseudo
	Category   byte     // pg_type.typcategory
	ElemOID    uint32   // for arrays: element type; 0 for everything else (int2vector, point and name are not arrays)
	BaseOID    uint32   // for domains: the type the domain is defined over (which may itself be a domain)
	BaseTypmod int32    // for domains: the typmod the domain applies to its base type (pg_type.typtypmod), -1 if none
	EnumLabels []string // for enums, in sort order
}

// IsArray reports whether t is a true array type, whose text form is an array literal.
func (t TypeInfo) IsArray() bool { return t.ElemOID != 0 }

// Querier runs a query; *pgx.Conn, *pgxpool.Pool and pgx.Tx satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ErrUnknownTypeOID is returned by TypeCatalog.Lookup when pg_type has no such
// type (for example, it was dropped after the change was written).
var ErrUnknownTypeOID = errors.New("type OID not found in pg_type")

// TypeCatalog caches TypeInfo by OID. It knows PostgreSQL's built-in types
// statically, so mapping a table of built-in types needs no round trip (and
// unit tests need no server); other types (enums, domains, extension types
// such as hstore) are loaded from pg_type on first use. It is safe for
// concurrent use. The built-in types are shared by every catalog
// (builtinInfos); each holds only the types it loaded or was given, so a
// connector does not carry a copy of them (docs/scale.md).
type TypeCatalog struct {
	mu    sync.RWMutex
	types map[uint32]TypeInfo // loaded or registered; before builtinInfos
}

// NewTypeCatalog returns a catalog that knows the built-in types.
func NewTypeCatalog() *TypeCatalog {
	return &TypeCatalog{types: map[uint32]TypeInfo{}}
}

// builtinInfos is the TypeInfo of every built-in type, read-only.
var builtinInfos = func() map[uint32]TypeInfo {
	m := make(map[uint32]TypeInfo, len(builtinTypes))
	for _, b := range builtinTypes {
		m[b.oid] = builtinInfo(b)
	}
	return m
}()

func builtinInfo(b builtinType) TypeInfo {
	return TypeInfo{OID: b.oid, Name: b.name, Type: b.typtype, Category: b.category, ElemOID: b.elem, BaseTypmod: -1}
}

// typeQuery loads one type. ElemOID is set only for true arrays (the element's
// typarray points back), which leaves out int2vector, oidvector, name and point.
const typeQuery = `SELECT t.oid::int8, t.typname::text, t.typtype::text, t.typcategory::text,
  CASE WHEN e.typarray = t.oid THEN t.typelem ELSE 0 END::int8,
  t.typbasetype::int8, t.typtypmod,
  COALESCE((SELECT array_agg(l.enumlabel::text ORDER BY l.enumsortorder) FROM pg_catalog.pg_enum l WHERE l.enumtypid = t.oid), '{}')
FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
WHERE t.oid = $1`

// Lookup returns what the catalog knows about oid, loading it from pg_type
// with q when it is not cached. q may be nil when only built-in types are
// expected; an unknown OID is then an error.
func (c *TypeCatalog) Lookup(ctx context.Context, q Querier, oid uint32) (TypeInfo, error) {
	c.mu.RLock()
	t, ok := c.types[oid]
	c.mu.RUnlock()
	if ok {
		return t, nil
	}
	if t, ok := builtinInfos[oid]; ok {
		return t, nil
	}
	if q == nil {
		return TypeInfo{}, fmt.Errorf("look up type OID %d: not a built-in type and no connection to load it from pg_type", oid)
	}
	t, err := loadType(ctx, q, oid)
	if err != nil {
		return TypeInfo{}, err
	}
	c.Register(t)
	return t, nil
}

func loadType(ctx context.Context, q Querier, oid uint32) (TypeInfo, error) {
	rows, err := q.Query(ctx, typeQuery, int64(oid))
	if err != nil {
		return TypeInfo{}, fmt.Errorf("look up type OID %d in pg_type: %w", oid, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return TypeInfo{}, fmt.Errorf("look up type OID %d in pg_type: %w", oid, err)
		}
		return TypeInfo{}, fmt.Errorf("look up type OID %d: %w", oid, ErrUnknownTypeOID)
	}
	var (
		id, elem, base      int64
		name, typ, category string
		typmod              int32
		labels              []string
	)
	if err := rows.Scan(&id, &name, &typ, &category, &elem, &base, &typmod, &labels); err != nil {
		return TypeInfo{}, fmt.Errorf("look up type OID %d in pg_type: %w", oid, err)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return TypeInfo{}, fmt.Errorf("look up type OID %d in pg_type: %w", oid, err)
	}
	t := TypeInfo{OID: uint32(id), Name: name, ElemOID: uint32(elem), BaseOID: uint32(base), BaseTypmod: typmod}
	if typ != "" {
		t.Type = typ[0]
	}
	if category != "" {
		t.Category = category[0]
	}
	if len(labels) > 0 {
		t.EnumLabels = labels
	}
	return t, nil
}

// Register adds or replaces what the catalog knows about t.OID. Tests use it
// to describe enums or domains without a server.
func (c *TypeCatalog) Register(t TypeInfo) {
	c.mu.Lock()
	c.types[t.OID] = t
	c.mu.Unlock()
}

// Invalidate forgets a type loaded from pg_type so the next Lookup reloads it
// (an enum gained a label, a domain was altered). Built-in types stay known.
// With no OIDs it forgets every loaded type.
func (c *TypeCatalog) Invalidate(oids ...uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(oids) == 0 {
		clear(c.types)
		return
	}
	for _, oid := range oids {
		delete(c.types, oid)
	}
}

type builtinType struct {
	oid      uint32
	name     string
	typtype  byte
	category byte
	elem     uint32
}

// builtinTypes are the base, range and multirange types of pg_catalog in
// PostgreSQL 15 (OIDs below 10000 are fixed across versions), with their
// true-array element. Generated with typeQuery's columns over pg_type; the
// integration test checks it against the server.
var builtinTypes = [...]builtinType{
	{16, "bool", 'b', 'B', 0},
	{17, "bytea", 'b', 'U', 0},
	{18, "char", 'b', 'Z', 0},
	{19, "name", 'b', 'S', 0},
	{20, "int8", 'b', 'N', 0},
	{21, "int2", 'b', 'N', 0},
	{22, "int2vector", 'b', 'A', 0},
	{23, "int4", 'b', 'N', 0},
	{24, "regproc", 'b', 'N', 0},
	{25, "text", 'b', 'S', 0},
	{26, "oid", 'b', 'N', 0},
	{27, "tid", 'b', 'U', 0},
	{28, "xid", 'b', 'U', 0},
	{29, "cid", 'b', 'U', 0},
	{30, "oidvector", 'b', 'A', 0},
	{114, "json", 'b', 'U', 0},
	{142, "xml", 'b', 'U', 0},
	{143, "_xml", 'b', 'A', 142},
	{194, "pg_node_tree", 'b', 'Z', 0},
	{199, "_json", 'b', 'A', 114},
	{271, "_xid8", 'b', 'A', 5069},
	{600, "point", 'b', 'G', 0},
	{601, "lseg", 'b', 'G', 0},
	{602, "path", 'b', 'G', 0},
	{603, "box", 'b', 'G', 0},
	{604, "polygon", 'b', 'G', 0},
	{628, "line", 'b', 'G', 0},
	{629, "_line", 'b', 'A', 628},
	{650, "cidr", 'b', 'I', 0},
	{651, "_cidr", 'b', 'A', 650},
	{700, "float4", 'b', 'N', 0},
	{701, "float8", 'b', 'N', 0},
	{718, "circle", 'b', 'G', 0},
	{719, "_circle", 'b', 'A', 718},
	{774, "macaddr8", 'b', 'U', 0},
	{775, "_macaddr8", 'b', 'A', 774},
	{790, "money", 'b', 'N', 0},
	{791, "_money", 'b', 'A', 790},
	{829, "macaddr", 'b', 'U', 0},
	{869, "inet", 'b', 'I', 0},
	{1000, "_bool", 'b', 'A', 16},
	{1001, "_bytea", 'b', 'A', 17},
	{1002, "_char", 'b', 'A', 18},
	{1003, "_name", 'b', 'A', 19},
	{1005, "_int2", 'b', 'A', 21},
	{1006, "_int2vector", 'b', 'A', 22},
	{1007, "_int4", 'b', 'A', 23},
	{1008, "_regproc", 'b', 'A', 24},
	{1009, "_text", 'b', 'A', 25},
	{1010, "_tid", 'b', 'A', 27},
	{1011, "_xid", 'b', 'A', 28},
	{1012, "_cid", 'b', 'A', 29},
	{1013, "_oidvector", 'b', 'A', 30},
	{1014, "_bpchar", 'b', 'A', 1042},
	{1015, "_varchar", 'b', 'A', 1043},
	{1016, "_int8", 'b', 'A', 20},
	{1017, "_point", 'b', 'A', 600},
	{1018, "_lseg", 'b', 'A', 601},
	{1019, "_path", 'b', 'A', 602},
	{1020, "_box", 'b', 'A', 603},
	{1021, "_float4", 'b', 'A', 700},
	{1022, "_float8", 'b', 'A', 701},
	{1027, "_polygon", 'b', 'A', 604},
	{1028, "_oid", 'b', 'A', 26},
	{1033, "aclitem", 'b', 'U', 0},
	{1034, "_aclitem", 'b', 'A', 1033},
	{1040, "_macaddr", 'b', 'A', 829},
	{1041, "_inet", 'b', 'A', 869},
	{1042, "bpchar", 'b', 'S', 0},
	{1043, "varchar", 'b', 'S', 0},
	{1082, "date", 'b', 'D', 0},
	{1083, "time", 'b', 'D', 0},
	{1114, "timestamp", 'b', 'D', 0},
	{1115, "_timestamp", 'b', 'A', 1114},
	{1182, "_date", 'b', 'A', 1082},
	{1183, "_time", 'b', 'A', 1083},
	{1184, "timestamptz", 'b', 'D', 0},
	{1185, "_timestamptz", 'b', 'A', 1184},
	{1186, "interval", 'b', 'T', 0},
	{1187, "_interval", 'b', 'A', 1186},
	{1231, "_numeric", 'b', 'A', 1700},
	{1263, "_cstring", 'b', 'A', 2275},
	{1266, "timetz", 'b', 'D', 0},
	{1270, "_timetz", 'b', 'A', 1266},
	{1560, "bit", 'b', 'V', 0},
	{1561, "_bit", 'b', 'A', 1560},
	{1562, "varbit", 'b', 'V', 0},
	{1563, "_varbit", 'b', 'A', 1562},
	{1700, "numeric", 'b', 'N', 0},
	{1790, "refcursor", 'b', 'U', 0},
	{2201, "_refcursor", 'b', 'A', 1790},
	{2202, "regprocedure", 'b', 'N', 0},
	{2203, "regoper", 'b', 'N', 0},
	{2204, "regoperator", 'b', 'N', 0},
	{2205, "regclass", 'b', 'N', 0},
	{2206, "regtype", 'b', 'N', 0},
	{2207, "_regprocedure", 'b', 'A', 2202},
	{2208, "_regoper", 'b', 'A', 2203},
	{2209, "_regoperator", 'b', 'A', 2204},
	{2210, "_regclass", 'b', 'A', 2205},
	{2211, "_regtype", 'b', 'A', 2206},
	{2949, "_txid_snapshot", 'b', 'A', 2970},
	{2950, "uuid", 'b', 'U', 0},
	{2951, "_uuid", 'b', 'A', 2950},
	{2970, "txid_snapshot", 'b', 'U', 0},
	{3220, "pg_lsn", 'b', 'U', 0},
	{3221, "_pg_lsn", 'b', 'A', 3220},
	{3361, "pg_ndistinct", 'b', 'Z', 0},
	{3402, "pg_dependencies", 'b', 'Z', 0},
	{3614, "tsvector", 'b', 'U', 0},
	{3615, "tsquery", 'b', 'U', 0},
	{3642, "gtsvector", 'b', 'U', 0},
	{3643, "_tsvector", 'b', 'A', 3614},
	{3644, "_gtsvector", 'b', 'A', 3642},
	{3645, "_tsquery", 'b', 'A', 3615},
	{3734, "regconfig", 'b', 'N', 0},
	{3735, "_regconfig", 'b', 'A', 3734},
	{3769, "regdictionary", 'b', 'N', 0},
	{3770, "_regdictionary", 'b', 'A', 3769},
	{3802, "jsonb", 'b', 'U', 0},
	{3807, "_jsonb", 'b', 'A', 3802},
	{3904, "int4range", 'r', 'R', 0},
	{3905, "_int4range", 'b', 'A', 3904},
	{3906, "numrange", 'r', 'R', 0},
	{3907, "_numrange", 'b', 'A', 3906},
	{3908, "tsrange", 'r', 'R', 0},
	{3909, "_tsrange", 'b', 'A', 3908},
	{3910, "tstzrange", 'r', 'R', 0},
	{3911, "_tstzrange", 'b', 'A', 3910},
	{3912, "daterange", 'r', 'R', 0},
	{3913, "_daterange", 'b', 'A', 3912},
	{3926, "int8range", 'r', 'R', 0},
	{3927, "_int8range", 'b', 'A', 3926},
	{4072, "jsonpath", 'b', 'U', 0},
	{4073, "_jsonpath", 'b', 'A', 4072},
	{4089, "regnamespace", 'b', 'N', 0},
	{4090, "_regnamespace", 'b', 'A', 4089},
	{4096, "regrole", 'b', 'N', 0},
	{4097, "_regrole", 'b', 'A', 4096},
	{4191, "regcollation", 'b', 'N', 0},
	{4192, "_regcollation", 'b', 'A', 4191},
	{4451, "int4multirange", 'm', 'R', 0},
	{4532, "nummultirange", 'm', 'R', 0},
	{4533, "tsmultirange", 'm', 'R', 0},
	{4534, "tstzmultirange", 'm', 'R', 0},
	{4535, "datemultirange", 'm', 'R', 0},
	{4536, "int8multirange", 'm', 'R', 0},
	{4600, "pg_brin_bloom_summary", 'b', 'Z', 0},
	{4601, "pg_brin_minmax_multi_summary", 'b', 'Z', 0},
	{5017, "pg_mcv_list", 'b', 'Z', 0},
	{5038, "pg_snapshot", 'b', 'U', 0},
	{5039, "_pg_snapshot", 'b', 'A', 5038},
	{5069, "xid8", 'b', 'U', 0},
	{6150, "_int4multirange", 'b', 'A', 4451},
	{6151, "_nummultirange", 'b', 'A', 4532},
	{6152, "_tsmultirange", 'b', 'A', 4533},
	{6153, "_tstzmultirange", 'b', 'A', 4534},
	{6155, "_datemultirange", 'b', 'A', 4535},
	{6157, "_int8multirange", 'b', 'A', 4536},
}
