//go:build integration

package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The masks tests write rows holding distinctive secret values into two
// tables of PostgreSQL and of MariaDB, and capture them with a JSON (with
// schemas) and an Avro connector each:
//
//   - table <base>_k: text columns masked by the connector's keys
//     (column.mask.with.8.chars, column.mask.hash.SHA-256.with.salt.<salt>,
//     column.truncate.to.4.chars); its records keep Debezium's envelope, so
//     before images of updates and deletes are written too (REPLICA
//     IDENTITY FULL / binlog_row_image=FULL);
//   - table <base>_m: a text, a number and a date masked by MaskField$Value
//     in a chain applied after ExtractNewRecordState (deletes rewritten, so
//     the delete's before image is written as the row).
//
// Then every byte a user or operator can read is searched for the secrets:
// every record (topic, key, value, headers; Avro decoded too) of every
// topic of the connectors, the checkpoints, the registry's schemas of their
// subjects, the daemon's logs (debug level), and GET status, config and
// offsets of each connector. The same run without the masks must find every
// secret (TestMaskScanFindsClearValues), so the scan can fail.

// maskSecrets are the values no output may contain: texts are searched as
// substrings, numbers as whole numbers (not inside a longer one).
// defaults are secrets that are the default of a masked column: Debezium
// puts a column's default in its Connect schema without the column's mask
// (TableSchemaBuilder.addField converts it with custom converters only),
// and MaskField keeps the schema, so they may appear as a schema's
// "default" and nowhere else.
type maskSecrets struct {
	texts    []string
	nums     []string
	defaults []string
}

// maskRow is one row's values of both tables.
type maskRow struct {
	id                   int
	kMask, kHash, kTrunc string // table _k
	mText                string // table _m
	mNum                 int64
	mDate                string // yyyy-mm-dd
	mDays                int64  // mDate as epoch days (io.debezium.time.Date)
}

// newMaskRow makes row id's values of version v, unique to tag.
func newMaskRow(tag string, id, v int) maskRow {
	s := func(col string) string { return fmt.Sprintf("zq%s%s%dv%d", col, tag, id, v) }
	d := time.Date(2087, 3, 14, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 37*id+5*v)
	return maskRow{id: id, kMask: s("mask"), kHash: s("hash"), kTrunc: s("trunc"), mText: s("text"),
		mNum: 7_310_945_826_000 + int64(100*id+v), mDate: d.Format("2006-01-02"), mDays: d.Unix() / 86400}
}

func (r maskRow) add(s *maskSecrets) {
	s.texts = append(s.texts, r.kMask, r.kHash, r.kTrunc, r.mText, r.mDate)
	s.nums = append(s.nums, fmt.Sprint(r.mNum), fmt.Sprint(r.mDays))
}

// maskDB is one database's side of the test: how to write its rows and
// its connector configs.
type maskDB struct {
	name   string
	ns     string // the tables' schema (PG) or database (MariaDB)
	exec   func(sql string)
	config func(prefix string) map[string]string
	// dump returns the tables' rows as text, to show the secrets are
	// really in the database.
	dump func() string
}

func pgMaskDB(t *testing.T, base string) maskDB {
	pg := pgConn(t)
	ns := "public"
	return maskDB{name: "pg", ns: ns,
		exec: func(sql string) { mustExec(t, pg, sql) },
		config: func(prefix string) map[string]string {
			dropSlot(t, prefix)
			return pgConfig(t, prefix, prefix, ns+"."+base+"_k,"+ns+"."+base+"_m")
		},
		dump: func() string {
			var s string
			if err := pg.QueryRow(context.Background(), "SELECT (SELECT string_agg(k::text, ' ') FROM "+ns+"."+base+"_k k) || ' ' || (SELECT string_agg(m::text, ' ') FROM "+ns+"."+base+"_m m)").Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

func myMaskDB(t *testing.T, base string) maskDB {
	c := myConn(t)
	myDatabase(t, base)
	return maskDB{name: "mariadb", ns: base,
		exec: func(sql string) { myExec(t, c, sql) },
		config: func(prefix string) map[string]string {
			cfg := myConfig(t, prefix, base)
			cfg["schema.history.internal.kafka.topic"] = prefix + "-history"
			cfg["schema.history.internal.kafka.bootstrap.servers"] = strings.Join(brokers, ",")
			return cfg
		},
		dump: func() string {
			var b strings.Builder
			for _, tb := range []string{"_k", "_m"} {
				r, err := c.Execute("SELECT * FROM " + base + "." + base + tb)
				if err != nil {
					t.Fatal(err)
				}
				for i := range r.Values {
					for j := range r.Values[i] {
						v := r.Values[i][j].Value()
						if x, ok := v.([]byte); ok {
							v = string(x)
						}
						fmt.Fprintf(&b, "%v ", v)
					}
				}
			}
			return b.String()
		},
	}
}

// maskConfig adds the masks (when masked) and the chain to a connector
// config of db; with masked false the chain only unwraps.
func maskConfig(cfg map[string]string, db maskDB, base string, masked, avro bool) {
	k := db.ns + "." + base + "_k."
	chain := map[string]string{
		"transforms":             "unwrap",
		"transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
		"transforms.unwrap.predicate":                      "isM",
		"predicates":                                       "isM",
		"predicates.isM.type":                              "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isM.pattern":                           `.*\.` + base + `_m`,
	}
	if masked {
		for key, v := range map[string]string{
			"column.mask.with.8.chars":                        k + "c_mask",
			"column.mask.hash.SHA-256.with.salt.pepper4masks": k + "c_hash",
			"column.truncate.to.4.chars":                      k + "c_trunc",
			"transforms":                                      "unwrap,mask",
			"transforms.mask.type":                            "org.apache.kafka.connect.transforms.MaskField$Value",
			"transforms.mask.fields":                          "m_text,m_num,m_date",
			"transforms.mask.predicate":                       "isM",
		} {
			chain[key] = v
		}
	}
	for key, v := range chain {
		cfg[key] = v
	}
	if avro {
		avroConverters(cfg)
	} else {
		cfg["key.converter.schemas.enable"] = "true"
		cfg["value.converter.schemas.enable"] = "true"
	}
}

// maskOutput is what one test run's outputs hold, by where they come from.
type maskOutput map[string]string

// find returns, for each secret found, where.
func (o maskOutput) find(s maskSecrets) map[string][]string {
	found := map[string][]string{}
	wheres := make([]string, 0, len(o))
	for w := range o {
		wheres = append(wheres, w)
	}
	sort.Strings(wheres)
	for _, w := range wheres {
		text := o[w]
		for _, x := range s.defaults {
			// "default" and Avro's "connect.default", as JSON or inside the
			// registry's schema string.
			text = strings.ReplaceAll(text, `default":"`+x+`"`, `default":"<a masked column's default>"`)
			text = strings.ReplaceAll(text, `default\":\"`+x+`\"`, `default\":\"<a masked column's default>\"`)
		}
		for _, x := range s.texts {
			if strings.Contains(text, x) {
				found[x] = append(found[x], w)
			}
		}
		for _, n := range s.nums {
			if regexp.MustCompile(`(^|[^0-9])` + n + `([^0-9]|$)`).MatchString(text) {
				found[n] = append(found[n], w)
			}
		}
	}
	return found
}

// runMasks runs the four connectors (PG and MariaDB, JSON with schemas
// and Avro) over the secret rows and returns every output and the secrets.
func runMasks(t *testing.T, masked bool) (maskOutput, maskSecrets) {
	needRegistry(t)
	base := uniq("mask")
	tag := base[len(base)-8:]
	var secrets maskSecrets
	rows := map[int]maskRow{}
	for id := 1; id <= 3; id++ {
		rows[id] = newMaskRow(tag, id, 1)
		rows[id].add(&secrets)
	}
	up := newMaskRow(tag, 1, 2)
	up.add(&secrets)

	dbs := []maskDB{pgMaskDB(t, base), myMaskDB(t, base)}
	insert := func(db maskDB, r maskRow) {
		db.exec(fmt.Sprintf("INSERT INTO %s.%s_k VALUES (%d, '%s', '%s', '%s')", db.ns, base, r.id, r.kMask, r.kHash, r.kTrunc))
		db.exec(fmt.Sprintf("INSERT INTO %s.%s_m VALUES (%d, '%s', %d, '%s')", db.ns, base, r.id, r.mText, r.mNum, r.mDate))
	}
	// Postgres columns get secret defaults too, which Connect schemas carry
	// (MariaDB's would be in the DDL of its schema history, as in Debezium).
	dflt := newMaskRow(tag, 0, 0)
	secrets.texts = append(secrets.texts, dflt.kMask, dflt.mText)
	if masked {
		secrets.defaults = []string{dflt.kMask, dflt.mText}
	}
	for _, db := range dbs {
		k, m := "", ""
		if db.name == "pg" {
			k = fmt.Sprintf(" DEFAULT '%s'", dflt.kMask)
			m = fmt.Sprintf(" DEFAULT '%s'", dflt.mText)
		}
		db.exec(fmt.Sprintf("CREATE TABLE %s.%s_k (id int PRIMARY KEY, c_mask text%s, c_hash varchar(200), c_trunc text)", db.ns, base, k))
		db.exec(fmt.Sprintf("CREATE TABLE %s.%s_m (id int PRIMARY KEY, m_text text%s, m_num bigint, m_date date)", db.ns, base, m))
		if db.name == "pg" {
			db.exec(fmt.Sprintf("ALTER TABLE %s.%s_k REPLICA IDENTITY FULL", db.ns, base))
			db.exec(fmt.Sprintf("ALTER TABLE %s.%s_m REPLICA IDENTITY FULL", db.ns, base))
			t.Cleanup(func() { mustExec(t, pgConn(t), fmt.Sprintf("DROP TABLE %s.%s_k, %s.%s_m", db.ns, base, db.ns, base)) })
		}
		insert(db, rows[1])
		insert(db, rows[2])
	}

	d := startDaemon(t, t.TempDir())
	type conn struct {
		name, db string
		avro     bool
		topics   []string
	}
	var conns []conn
	for _, db := range dbs {
		for _, avro := range []bool{false, true} {
			name := fmt.Sprintf("%s_%s_%v", base, db.name, map[bool]string{false: "json", true: "avro"}[avro])
			cfg := db.config(name)
			maskConfig(cfg, db, base, masked, avro)
			c := conn{name: name, db: db.name, avro: avro, topics: []string{name + "." + db.ns + "." + base + "_k", name + "." + db.ns + "." + base + "_m"}}
			if avro {
				deleteSubjectsAtEnd(t, c.topics...)
			}
			if code, b := d.do(t, "POST", "/connectors", map[string]any{"name": name, "config": cfg}); code != 201 {
				t.Fatalf("create %s: %d %s", name, code, b)
			}
			conns = append(conns, c)
		}
	}
	for _, c := range conns {
		d.waitTaskState(t, c.name, "RUNNING", 60*time.Second)
	}
	live := map[string]*consumer{}
	for _, c := range conns {
		live[c.name] = newConsumer(t, c.topics...)
		live[c.name].waitCount(t, 4, 60*time.Second) // the snapshot: 2 rows of each table
	}
	for _, db := range dbs {
		insert(db, rows[3])
		db.exec(fmt.Sprintf("UPDATE %s.%s_k SET c_mask = '%s', c_hash = '%s', c_trunc = '%s' WHERE id = 1", db.ns, base, up.kMask, up.kHash, up.kTrunc))
		db.exec(fmt.Sprintf("UPDATE %s.%s_m SET m_text = '%s', m_num = %d, m_date = '%s' WHERE id = 1", db.ns, base, up.mText, up.mNum, up.mDate))
		db.exec(fmt.Sprintf("DELETE FROM %s.%s_k WHERE id = 2", db.ns, base))
		db.exec(fmt.Sprintf("DELETE FROM %s.%s_m WHERE id = 2", db.ns, base))
		// The rows left hold their secrets in the database.
		dump := db.dump()
		for _, x := range []string{up.kMask, up.kHash, up.kTrunc, up.mText, fmt.Sprint(up.mNum), up.mDate,
			rows[3].kMask, rows[3].kHash, rows[3].kTrunc, rows[3].mText, fmt.Sprint(rows[3].mNum), rows[3].mDate} {
			if !strings.Contains(dump, x) {
				t.Fatalf("%s: the secret %s is not in the database: %s", db.name, x, dump)
			}
		}
	}
	// _k: 2 r, c, u, d, tombstone; _m: 2 r, c, u, d (rewritten, its
	// tombstone dropped).
	for _, c := range conns {
		live[c.name].waitCount(t, 11, 60*time.Second)
	}

	out := maskOutput{}
	adm := maskAdmin(t)
	topics, err := adm.ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, tp := range topics.Names() {
		if strings.HasPrefix(tp, base) {
			all = append(all, tp)
		}
	}
	deleteTopics(t, all...)
	dec := newAvroDecoder()
	recs := newConsumer(t, append(all, "sluice-offsets")...)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n := 0
		for _, r := range recs.snapshot() {
			if strings.HasPrefix(r.Topic, base) {
				n++
			}
		}
		if n >= 11*len(conns) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records of the connectors' topics read again, want at least %d", n, 11*len(conns))
		}
	}
	perTopic := map[string]int{}
	for i, r := range recs.settle(2 * time.Second) {
		if r.Topic == "sluice-offsets" && !strings.HasPrefix(string(r.Key), base) {
			continue
		}
		perTopic[r.Topic]++
		where := fmt.Sprintf("record %d of %s", i, r.Topic)
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n%s\n%s\n", r.Topic, r.Key, r.Value)
		for k, v := range r.Headers {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
		for _, part := range [][]byte{r.Key, r.Value} {
			if len(part) > 5 && part[0] == 0 && strings.Contains(r.Topic, "avro") {
				if _, v, err := dec.decode(part); err == nil {
					b.WriteString(jsonText(t, avroPlain(v)))
				} else {
					t.Errorf("%s: %v", where, err)
				}
			}
		}
		out[where] = b.String()
	}
	for _, c := range conns {
		for _, tp := range c.topics {
			if perTopic[tp] < 5 {
				t.Errorf("topic %s: %d records, want at least 5", tp, perTopic[tp])
			}
		}
		if perTopic[c.name] == 0 && c.db == "mariadb" {
			t.Errorf("no schema change records on %s", c.name)
		}
		for _, p := range []string{"status", "config", "offsets"} {
			code, body := d.do(t, "GET", "/connectors/"+c.name+"/"+p, nil)
			if code != 200 || len(body) < 20 {
				t.Errorf("GET %s of %s: %d %s", p, c.name, code, body)
			}
			out["GET "+p+" of "+c.name] = string(body)
		}
		if st, _ := d.status(t, c.name).taskState(); st != "RUNNING" {
			t.Errorf("%s: task %s", c.name, st)
		}
	}
	if perTopic["sluice-offsets"] == 0 {
		t.Errorf("no checkpoints of the connectors read")
	}

	// The registry's schemas of the Avro connectors' subjects.
	var subjects []string
	registryGet(t, "/subjects", &subjects)
	nSchemas := 0
	for _, s := range subjects {
		if !strings.HasPrefix(s, base) {
			continue
		}
		var versions []int
		registryGet(t, "/subjects/"+url.PathEscape(s)+"/versions", &versions)
		for _, v := range versions {
			code, b, err := registryDo("GET", fmt.Sprintf("/subjects/%s/versions/%d", url.PathEscape(s), v), "")
			if err != nil || code != 200 {
				t.Fatalf("subject %s version %d: %d %v", s, v, code, err)
			}
			out[fmt.Sprintf("schema of %s v%d", s, v)] = string(b)
			nSchemas++
		}
	}
	if nSchemas < 8 {
		t.Errorf("%d registry schemas read, want at least 8 (key and value of 2 tables, 2 databases)", nSchemas)
	}
	out["sluice logs"] = d.logs.String()
	if len(out["sluice logs"]) < 1000 {
		t.Errorf("sluice logs are %d bytes", len(out["sluice logs"]))
	}
	return out, secrets
}

// maskAdmin returns an admin client of the test broker.
func maskAdmin(t *testing.T) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// TestMasksLeaveNoClearValue checks that no secret masked by the
// connector's column keys or by MaskField reaches any output.
func TestMasksLeaveNoClearValue(t *testing.T) {
	out, secrets := runMasks(t, true)
	found := out.find(secrets)
	// The defaults are in the schemas, as Debezium and Kafka write them:
	// the exception above is needed, and covers them.
	unexcused := out.find(maskSecrets{texts: secrets.defaults})
	for _, x := range secrets.defaults {
		if len(unexcused[x]) == 0 {
			t.Errorf("the default %s is in no schema: drop the exception for defaults", x)
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w := found[k]
		t.Errorf("the secret %s is in %d outputs: %v; in the first:\n%s", k, len(w), w, excerpt(out[w[0]], k))
	}
	t.Logf("%d outputs searched for %d secrets", len(out), len(secrets.texts)+len(secrets.nums))
}

// TestMaskScanFindsClearValues runs the same rows without the masks: every
// secret must then be found (in the records at least), so the scan of
// TestMasksLeaveNoClearValue can fail.
func TestMaskScanFindsClearValues(t *testing.T) {
	out, secrets := runMasks(t, false)
	found := out.find(secrets)
	for _, s := range slices.Concat(secrets.texts, secrets.nums) {
		if isoDate.MatchString(s) {
			continue // a date is written as its epoch days, a secret of its own
		}
		inRecords := slices.ContainsFunc(found[s], func(w string) bool { return strings.HasPrefix(w, "record ") })
		if !inRecords {
			t.Errorf("unmasked, the secret %s is in no record (found in %v)", s, found[s])
		}
	}
}

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// excerpt returns the part of text around s.
func excerpt(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		if m := regexp.MustCompile(`(^|[^0-9])` + s + `([^0-9]|$)`).FindStringIndex(text); m != nil {
			i = m[0]
		} else {
			return ""
		}
	}
	return text[max(0, i-300):min(len(text), i+300)]
}
