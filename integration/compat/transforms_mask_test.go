//go:build integration

package compat

import (
	"strings"
	"testing"
	"time"
)

// TestPostgresMaskDefaultsSideBySide registers the connector's column masks
// and a MaskField after ExtractNewRecordState on real Debezium and on
// sluice, over columns whose DEFAULT is a secret: the values are masked and
// both sides write the same records, the defaults in clear in the schemas
// (Debezium's TableSchemaBuilder sets a column's default without its
// mapper; MaskField keeps the schema). integration/e2e/masks_test.go relies
// on this: a masked column's default is the one place a secret may appear.
func TestPostgresMaskDefaultsSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("maskdflt_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		"CREATE TABLE s.k (id int PRIMARY KEY, c_mask text DEFAULT 'dflt-mask-secret', c_hash varchar(64) DEFAULT 'dflt-hash-secret', c_trunc text DEFAULT 'dflt-trunc-secret')",
		"ALTER TABLE s.k REPLICA IDENTITY FULL",
		"CREATE TABLE s.m (id int PRIMARY KEY, m_text text DEFAULT 'dflt-text-secret', m_num bigint DEFAULT 424242, m_date date)",
		"CREATE TABLE s.zz_end (id int PRIMARY KEY)",
		"INSERT INTO s.k VALUES (1, 'row-mask-secret', 'row-hash-secret', 'row-trunc-secret')",
		"INSERT INTO s.k (id) VALUES (2)",
		"INSERT INTO s.m VALUES (1, 'row-text-secret', 8675309, '2087-03-14')",
	)
	name := uniq("maskdflt_pg")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := tfPostgres(t, db, `s\.k,s\.m,s\.zz_end`, map[string]string{
		"snapshot.mode":                                    "initial",
		"column.mask.with.8.chars":                         `s\.k\.c_mask`,
		"column.mask.hash.SHA-256.with.salt.pepper":        `s\.k\.c_hash`,
		"column.truncate.to.4.chars":                       `s\.k\.c_trunc`,
		"transforms":                                       "unwrap,mask",
		"transforms.unwrap.type":                           "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
		"transforms.unwrap.predicate":                      "isM",
		"transforms.mask.type":                             "org.apache.kafka.connect.transforms.MaskField$Value",
		"transforms.mask.fields":                           "m_text,m_num,m_date",
		"transforms.mask.predicate":                        "isM",
		"predicates":                                       "isM",
		"predicates.isM.type":                              "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
		"predicates.isM.pattern":                           `.*\.s\.m`,
	})
	p := startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)
	ps := []pair{p}
	waitCounts(t, ps, map[string]int{".s.k": 2, ".s.m": 1}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg,
		"UPDATE s.k SET c_mask = 'upd-mask-secret', c_hash = 'upd-hash-secret', c_trunc = 'upd-trunc-secret' WHERE id = 1",
		"UPDATE s.m SET m_text = 'upd-text-secret', m_num = 5551212 WHERE id = 1",
		"DELETE FROM s.k WHERE id = 1",
		"DELETE FROM s.m WHERE id = 1",
		"INSERT INTO s.zz_end VALUES (1)",
	)
	waitCounts(t, ps, map[string]int{".s.zz_end": 1}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	report(t, "mask-defaults-pg", ps)

	// What Debezium wrote: no row value, every default.
	var all strings.Builder
	for _, r := range p.dbz.all() {
		all.WriteString(string(r.Key) + string(r.Value) + "\n")
	}
	for _, s := range []string{"row-mask-secret", "row-hash-secret", "row-trunc-secret", "row-text-secret", "8675309",
		"upd-mask-secret", "upd-hash-secret", "upd-trunc-secret", "upd-text-secret", "5551212"} {
		if strings.Contains(all.String(), s) {
			t.Errorf("Debezium wrote the row value %s", s)
		}
	}
	for _, s := range []string{"dflt-mask-secret", "dflt-hash-secret", "dflt-trunc-secret", "dflt-text-secret", `"default":424242`} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("Debezium's schemas do not carry the default %s (masks_test.go's exception for defaults may go)", s)
		}
	}
}
