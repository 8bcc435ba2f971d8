//go:build integration

package compat

import (
	"testing"
	"time"
)

// TestPostgresKafkaTransformsTypesSideBySide flattens ("_") the changes of
// a table of many Postgres types, Debezium's VariableScaleDecimal struct
// included, casts a column of each kind (bytes, float4, float8, int8,
// boolean, Decimal, money, MicroTime, MicroDuration, the variable decimal's
// bytes) and converts a MicroTimestamp with unix.precision=microseconds, on
// the real Kafka Connect and on sluice; every record must be the same.
//
// The int8 cast to float32 is 16777216: the worker runs on Java 17, whose
// Float.toString prints some floats with more digits than Java 19 and
// later (123456789012 as 1.23456791E11, not 1.2345679E11); sluice writes
// floats as Java 19+ does, so such values would differ for any float
// column, not only a cast one.
func TestPostgresKafkaTransformsTypesSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)
	db := uniq("tfk2t_pg")
	pg := pgDatabase(t, db)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		`CREATE TABLE s.t (id int PRIMARY KEY, b bytea, u uuid, j jsonb, n numeric, n2 numeric(5,2), f4 real,
			f8 double precision, i8 bigint, arr int[], tsm timestamp(6), tz timestamptz, tm time, iv interval,
			bo boolean, m money, d date)`,
		"CREATE TABLE s.z (id int PRIMARY KEY)",
		"INSERT INTO s.z VALUES (1)",
	)
	const p = "org.apache.kafka.connect.transforms."
	name := uniq("tfk2t_pg")
	dp, sp := uniq("dbz"), uniq("slc")
	cfg := tfPostgres(t, db, "s.t,s.z", map[string]string{
		"predicates":                   "isT",
		"predicates.isT.type":          p + "predicates.TopicNameMatches",
		"predicates.isT.pattern":       `.*\.s\.t`,
		"transforms":                   "flat,cast,ts",
		"transforms.flat.type":         p + "Flatten$Value",
		"transforms.flat.delimiter":    "_",
		"transforms.flat.predicate":    "isT",
		"transforms.cast.type":         p + "Cast$Value",
		"transforms.cast.spec":         "after_b:string,after_f4:string,after_f8:string,after_i8:float32,after_bo:string,after_n2:float64,after_m:string,after_tm:string,after_iv:float64,after_n_value:string,after_n_scale:boolean,before_f4:int8",
		"transforms.cast.predicate":    "isT",
		"transforms.ts.type":           p + "TimestampConverter$Value",
		"transforms.ts.field":          "after_tsm",
		"transforms.ts.target.type":    "Timestamp",
		"transforms.ts.unix.precision": "microseconds",
		"transforms.ts.predicate":      "isT",
	})
	pr := startPGPair(t, dbz, slc.restClient, name, dp, sp, cfg)
	// The same chain on sluice with Avro through the registry.
	ap := uniq("slca")
	apPair := startAvroRun(t, slc, uniq("tfk2t_pga"), cfg,
		pgOwn(ap), pr.dbz)
	ps := []pair{pr}
	waitCounts(t, ps, map[string]int{".s.z": 1}, 120*time.Second, dbz, slc.restClient)
	pgExec(t, pg,
		`INSERT INTO s.t VALUES (1, '\xdeadbeef', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2]}', 12345.6789, 123.45,
			1.1, 1e-7, 16777216, '{1,2,3}', '2024-01-02 10:11:12.123456', '2024-01-02 10:11:12.5+02', '10:11:12.345678',
			'1 day 2 hours', true, 12.34, '2024-01-02')`,
		"INSERT INTO s.t (id, n, f4, f8) VALUES (2, 0.000001, -0.0, 'NaN')",
		"INSERT INTO s.t (id, f4, f8, i8, tsm) VALUES (3, 3.4e38, 1e300, -9223372036854775808, '1969-12-31 23:59:59.999999')",
		"UPDATE s.t SET f8 = 'Infinity', n = -1e-20, n2 = -0.01 WHERE id = 2",
		"DELETE FROM s.t WHERE id = 3",
		"INSERT INTO s.z VALUES (2)",
	)
	waitCounts(t, ps, map[string]int{".s.t": 6, ".s.z": 2}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)
	for _, r := range []*topicReader{pr.dbz, pr.slc} {
		maskFlattenedSource(t, r, ".s.t", "_")
	}
	report(t, "pg-transforms-kafka2-types", ps)
	waitCounts(t, []pair{apPair}, map[string]int{".s.t": 6, ".s.z": 2}, 60*time.Second, dbz, slc.restClient)
	compareAvroWithJSON(t, apPair)
	t.Logf("registry %s.s.t-value: %v", ap, checkRegistrySchema(t, apPair, ".s.t"))
}
