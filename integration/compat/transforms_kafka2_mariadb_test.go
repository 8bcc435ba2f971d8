//go:build integration

package compat

import (
	"testing"
	"time"
)

// TestMariaDBKafkaTransformsSideBySide runs Kafka's Flatten, Cast,
// TimestampConverter, HeaderFrom, InsertHeader and DropHeaders, gated by
// TopicNameMatches and a negated RecordIsTombstone, over MariaDB changes on
// the real Kafka Connect and on sluice, and compares every record and
// header: MariaDB's datetime(3) is an io.debezium.time.Timestamp (a Unix
// time to TimestampConverter), decimal a Connect Decimal, tinyint(1) a
// boolean... Schema changes are off: the shared server's other databases
// change meanwhile.
func TestMariaDBKafkaTransformsSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk2_my")
	my := myDatabase(t, db)
	myExec(t, my,
		"CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(10,2), qty SMALLINT DEFAULT 7, flag TINYINT(1), at DATETIME(3), d DATE, f FLOAT, bl BLOB)",
		"CREATE TABLE z (id INT PRIMARY KEY)",
		"INSERT INTO z VALUES (1)",
	)
	const p = "org.apache.kafka.connect.transforms."
	name := uniq("tfk2_my")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := tfMariaDB(db, db+`\.a,`+db+`\.z`, map[string]string{
		"schema.history.internal.kafka.topic": "hist_" + dp,
		"include.schema.changes":              "false",

		"predicates":                   "isA,tomb",
		"predicates.isA.type":          p + "predicates.TopicNameMatches",
		"predicates.isA.pattern":       `.*\.a`,
		"predicates.tomb.type":         p + "predicates.RecordIsTombstone",
		"transforms":                   "flat,ts,cast,hdr,op,lit,drop",
		"transforms.flat.type":         p + "Flatten$Value",
		"transforms.flat.delimiter":    "__",
		"transforms.flat.predicate":    "isA",
		"transforms.ts.type":           p + "TimestampConverter$Value",
		"transforms.ts.field":          "after__at",
		"transforms.ts.target.type":    "string",
		"transforms.ts.format":         "dd MMM yyyy HH:mm:ss.SSS",
		"transforms.ts.predicate":      "isA",
		"transforms.cast.type":         p + "Cast$Value",
		"transforms.cast.spec":         "after__price:float32,after__flag:string,after__f:float64,after__bl:string,after__qty:int64",
		"transforms.cast.predicate":    "isA",
		"transforms.hdr.type":          p + "HeaderFrom$Key",
		"transforms.hdr.fields":        "id",
		"transforms.hdr.headers":       "h_id",
		"transforms.hdr.operation":     "copy",
		"transforms.op.type":           p + "HeaderFrom$Value",
		"transforms.op.fields":         "op",
		"transforms.op.headers":        "h_op",
		"transforms.op.operation":      "copy",
		"transforms.op.predicate":      "tomb",
		"transforms.op.negate":         "true",
		"transforms.lit.type":          p + "InsertHeader",
		"transforms.lit.header":        "lit",
		"transforms.lit.value.literal": `["x", "y"]`,
		"transforms.drop.type":         p + "DropHeaders",
		"transforms.drop.headers":      "__debezium.context.connectorName",
	})
	pr := pair{name: name, dbz: readPrefix(t, dp), slc: readPrefix(t, sp), schemas: true}
	createBoth(t, dbz, slc.restClient, name, cfg, myOwn(dp), myOwn(sp), nil)
	// The same chain on sluice with Avro through the registry.
	ap := uniq("slca")
	createHistoryTopic(t, pr.slc, "hist_"+ap)
	apPair := startAvroRun(t, slc, uniq("tfk2_mya"), cfg,
		myOwn(ap, map[string]string{"schema.history.internal.kafka.topic": "hist_" + ap}), pr.dbz)
	ps := []pair{pr}
	d := "." + db
	waitCounts(t, ps, map[string]int{d + ".z": 1}, 120*time.Second, dbz, slc.restClient)
	myExec(t, my,
		"INSERT INTO a VALUES (1, 'one', 12.34, 3, 1, '2024-01-02 10:11:12.123', '2024-01-02', 1.5, x'deadbeef')",
		"INSERT INTO a (id, name) VALUES (2, 'two')",
		"UPDATE a SET price = -0.5, qty = NULL, at = '1999-12-31 23:59:59.999' WHERE id = 1",
		"DELETE FROM a WHERE id = 2",
		"INSERT INTO z VALUES (2)",
	)
	waitCounts(t, ps, map[string]int{d + ".a": 5, d + ".z": 2}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	for _, r := range []*topicReader{pr.dbz, pr.slc} {
		maskFlattenedSource(t, r, d+".a", "__")
	}
	report(t, "mariadb-transforms-kafka2", ps)
	waitCounts(t, []pair{apPair}, map[string]int{d + ".a": 5, d + ".z": 2}, 60*time.Second, dbz, slc.restClient)
	compareAvroWithJSON(t, apPair)
	t.Logf("registry %s%s.a-value: %v", ap, d, checkRegistrySchema(t, apPair, d+".a"))
}
