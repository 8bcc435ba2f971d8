//go:build integration

package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// TestUnwrapSideBySide registers Debezium's flattening transforms on real
// Kafka Connect and on sluice with the same configs and compares every
// record, JSON with schemas:
//
//   - Postgres: ExtractChangedRecordState (changed and unchanged column
//     lists in headers), ExtractNewRecordState with
//     delete.tombstone.handling.mode=rewrite, add.fields=op,table,lsn,
//     source.ts_ms and transaction fields, add.headers=db,op,
//     drop.fields.header.name (the
//     unchanged columns of an update go, the optional ones), and
//     HeaderToValue moving the changed list into the row and copying
//     headers into a new nested struct; with
//     transaction metadata, whose records pass unchanged, and a truncate,
//     which the chain drops.
//   - MariaDB: ExtractNewRecordState with its defaults (a delete becomes a
//     null value with the row schema, tombstones go), with
//     delete-to-tombstone and with rewrite-with-tombstone (op headers, on
//     the kept tombstones too).
//
// The Postgres chain also runs on sluice with Avro through the registry:
// its records, decoded with the registered schemas, must carry Debezium's
// JSON payloads and headers. The Avro bytes are not compared with the
// worker's: it has Apicurio's converter, whose AvroData is not Confluent's,
// which sluice follows.
//
// Inserts, updates, deletes and a key change on both; snapshot rows first.
func TestUnwrapSideBySide(t *testing.T) {
	dbz := needConnect(t)
	slc := startDaemon(t)

	// Postgres.
	pdb := uniq("unwrap_pg")
	pg := pgDatabase(t, pdb)
	pgExec(t, pg,
		"CREATE SCHEMA s",
		// b, bits and price tell how ExtractChangedRecordState compares
		// values: bytea as a ByteBuffer (by content), bit(n) as a byte[]
		// (by identity), numeric as a BigDecimal.
		"CREATE TABLE s.items (id int PRIMARY KEY, name text NOT NULL, qty int DEFAULT 7, note text, b bytea, bits bit(4), price numeric(6,2))",
		"ALTER TABLE s.items REPLICA IDENTITY FULL",
		"CREATE TABLE s.zz_end (id int PRIMARY KEY)",
		"CREATE TABLE s.gone (id int PRIMARY KEY)",
		"INSERT INTO s.items VALUES (1, 'one', 1, 'n1', '\\x0102', B'1010', 1.50), (2, 'two', NULL, NULL, NULL, NULL, NULL)",
		"INSERT INTO s.gone VALUES (1)",
	)
	pgName, pdp, psp := uniq("unwrap_pg"), uniq("dbz"), uniq("slc")
	pgCfg := tfPostgres(t, pdb, "s.items,s.gone,s.zz_end", map[string]string{
		"provide.transaction.metadata": "true",
		"skipped.operations":           "none", // truncates reach the chain, which drops them

		"transforms":                                       "changes,unwrap,h2v,meta",
		"transforms.changes.type":                          "io.debezium.transforms.ExtractChangedRecordState",
		"transforms.changes.header.changed.name":           "changed",
		"transforms.changes.header.unchanged.name":         "unchanged",
		"transforms.unwrap.type":                           "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
		"transforms.unwrap.add.fields":                     "op,table,lsn,source.ts_ms,data_collection_order,transaction.id:txid",
		"transforms.unwrap.add.headers":                    "db,op",
		"transforms.unwrap.drop.fields.header.name":        "unchanged",
		"transforms.h2v.type":                              "io.debezium.transforms.HeaderToValue",
		"transforms.h2v.headers":                           "changed",
		"transforms.h2v.fields":                            "changed_columns",
		"transforms.h2v.operation":                         "move",
		// Nested members in a new parent struct.
		"transforms.meta.type":      "io.debezium.transforms.HeaderToValue",
		"transforms.meta.headers":   "__db,unchanged",
		"transforms.meta.fields":    "meta.db,meta.unchanged",
		"transforms.meta.operation": "copy",
	})
	pgPair := startPGPair(t, dbz, slc.restClient, pgName, pdp, psp, pgCfg)

	// The same chain on sluice with Avro through the registry, compared
	// with Debezium's JSON records once decoded.
	ap := uniq("slca")
	apPair := startAvroRun(t, slc, uniq("unwrap_pga"), pgCfg,
		pgOwn(ap), pgPair.dbz)

	// MariaDB.
	mdb := uniq("unwrap_my")
	my := myDatabase(t, mdb)
	myExec(t, my,
		"CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, qty INT DEFAULT 7)",
		"CREATE TABLE zz_end (id INT PRIMARY KEY)",
		"INSERT INTO items VALUES (1, 'one', 1), (2, 'two', NULL)",
	)
	// The defaults, then the other delete modes with an op header (a
	// tombstone kept by rewrite-with-tombstone gets op "d").
	var myPairs []pair
	for _, opts := range []map[string]string{
		{},
		{"delete.tombstone.handling.mode": "delete-to-tombstone", "add.headers": "op"},
		{"delete.tombstone.handling.mode": "rewrite-with-tombstone", "add.headers": "op,source.snapshot:snap"},
	} {
		myName, mdp, msp := uniq("unwrap_my"), uniq("dbz"), uniq("slc")
		myCfg := tfMariaDB(mdb, mdb+`\.items,`+mdb+`\.zz_end`, map[string]string{
			// Other tests change the shared server's schemas meanwhile.
			"include.schema.changes": "false",
			"transforms":             "unwrap",
			"transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
		})
		for k, v := range opts {
			myCfg["transforms.unwrap."+k] = v
		}
		p := pair{name: myName, dbz: readPrefix(t, mdp), slc: readPrefix(t, msp), schemas: true}
		createHistoryTopic(t, p.slc, "hist_"+msp)
		createBoth(t, dbz, slc.restClient, myName, myCfg,
			// A history topic per side, sluice's made beforehand: sluice
			// describes the topic it just created and, on a busy broker, may
			// find it not there yet and fail a first try.
			myOwn(mdp, map[string]string{"schema.history.internal.kafka.topic": "hist_" + mdp}),
			myOwn(msp, map[string]string{"schema.history.internal.kafka.topic": "hist_" + msp}), nil)
		myPairs = append(myPairs, p)
	}

	ps := append([]pair{pgPair}, myPairs...)
	waitCounts(t, ps[:1], map[string]int{".s.items": 2, ".s.gone": 1}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[1:], map[string]int{"." + mdb + ".items": 2}, 120*time.Second, dbz, slc.restClient)

	pgExec(t, pg,
		"INSERT INTO s.items VALUES (3, 'three', 3, 'n3', '\\x03', B'0001', 3.00)",
		"UPDATE s.items SET qty = 10 WHERE id = 1",              // qty changed; name, note unchanged (note dropped)
		"UPDATE s.items SET name = 'TWO', qty = 2 WHERE id = 2", // the unchanged nulls
		"DELETE FROM s.items WHERE id = 3",
		"UPDATE s.items SET id = 20 WHERE id = 2", // a key change: delete and create
		"TRUNCATE s.gone",
		"INSERT INTO s.zz_end VALUES (1)",
	)
	myExec(t, my,
		"INSERT INTO items VALUES (3, 'three', 3)",
		"UPDATE items SET qty = 10 WHERE id = 1",
		"DELETE FROM items WHERE id = 3",
		"UPDATE items SET id = 20 WHERE id = 2",
		"INSERT INTO zz_end VALUES (1)",
	)
	waitCounts(t, ps[:1], map[string]int{".s.zz_end": 1, ".transaction": 14}, 120*time.Second, dbz, slc.restClient)
	waitCounts(t, ps[1:], map[string]int{"." + mdb + ".zz_end": 1}, 120*time.Second, dbz, slc.restClient)
	settle(ps, 3*time.Second, 20*time.Second)

	// __lsn and __source_ts_ms are a log position and the database clock:
	// compared for presence and nullness only, as the envelope's are.
	waitCounts(t, []pair{apPair}, map[string]int{".s.zz_end": 1, ".transaction": 14}, 60*time.Second, dbz, slc.restClient)
	for _, r := range []*topicReader{pgPair.dbz, pgPair.slc} {
		maskAddedPositions(t, r)
	}
	report(t, "unwrap", ps)
	compareAvroWithJSON(t, apPair)
	// The registry holds the flattened row's schema, not the envelope's.
	t.Logf("registry %s.s.zz_end-value: %v", ap, checkRegistrySchema(t, apPair, ".s.zz_end"))
}

// maskAddedPositions replaces the values of the added fields __lsn and
// __source_ts_ms (set or null) in r's records by "set".
func maskAddedPositions(t *testing.T, r *topicReader) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.recs {
		if r.recs[i].Value == nil {
			continue
		}
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(r.recs[i].Value))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			continue
		}
		p, ok := v["payload"].(map[string]any)
		if !ok {
			continue
		}
		changed := false
		for _, k := range []string{"__lsn", "__source_ts_ms"} {
			if x, ok := p[k]; ok && x != nil {
				p[k], changed = "set", true
			}
		}
		if changed {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			r.recs[i].Value = b
		}
	}
}

// dropLogicalTypes removes the logicalType annotations of an Avro schema
// parsed from JSON.
func dropLogicalTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "logicalType")
		for k, e := range x {
			x[k] = dropLogicalTypes(e)
		}
	case []any:
		for i := range x {
			x[i] = dropLogicalTypes(x[i])
		}
	}
	return v
}

// createHistoryTopic creates a schema history topic as sluice would (one
// partition, kept forever) and waits until the broker lists it.
func createHistoryTopic(t *testing.T, r *topicReader, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	adm := kadm.NewClient(r.cl)
	forever, minusOne, del := "9223372036854775807", "-1", "delete"
	if _, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": &del, "retention.ms": &forever, "retention.bytes": &minusOne}, topic); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	for ctx.Err() == nil {
		if td, err := adm.ListTopics(ctx, topic); err == nil && td[topic].Err == nil && len(td[topic].Partitions) == 1 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("topic %s not listed", topic)
}
