#!/usr/bin/env bash
# make demo: start the test servers, build and start sluice, register a
# Postgres connector over REST with curl, make inserts, updates and deletes,
# and print the change records read back from Kafka (read_committed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PSQL=(psql -X -q -v ON_ERROR_STOP=1 "postgres://postgres:postgres@127.0.0.1:55432/sluice_test")
KAFKA=127.0.0.1:59092
LISTEN=127.0.0.1:${SLUICE_DEMO_PORT:-8083}
DATA=$(mktemp -d /tmp/sluice-demo.XXXXXX)
START_MS=$(($(date +%s%N) / 1000000))
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "starting PostgreSQL 15 and Kafka 4 on loopback (integration/env/up)"
integration/env/up postgres kafka

say "building sluice"
CGO_ENABLED=0 go build -o bin/sluice ./cmd/sluice

say "preparing public.customers in sluice_test"
"${PSQL[@]}" <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'sluice_inventory' AND NOT active;
DROP PUBLICATION IF EXISTS sluice_inventory_pub;
DROP TABLE IF EXISTS public.customers;
CREATE TABLE public.customers (id serial PRIMARY KEY, name varchar(255) NOT NULL, balance numeric(10,2), created_at timestamptz DEFAULT now());
INSERT INTO public.customers (name, balance) VALUES ('Anne', 123.45), ('Bob', 10.00);
SQL

say "starting sluice serve on $LISTEN (data dir $DATA)"
SLUICE_LISTEN=$LISTEN SLUICE_DATA_DIR=$DATA SLUICE_KAFKA_BROKERS=$KAFKA ./bin/sluice serve >"$DATA/sluice.log" 2>&1 &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	"${PSQL[@]}" -c "SELECT pg_drop_replication_slot('sluice_inventory')" >/dev/null 2>&1 || true
	echo "sluice stopped; its log is $DATA/sluice.log. The servers stay up: make env-down stops them."
}
trap cleanup EXIT
for _ in $(seq 100); do curl -fsS "http://$LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://$LISTEN/"; echo

say "registering the connector from deploy/examples/postgres.json, STOPPED at first"
# A connector keeps its offsets in Kafka under its name, as in Kafka Connect;
# an earlier demo's are reset before the first start.
sed 's/"config": {/"initial_state": "STOPPED", "config": {/' deploy/examples/postgres.json |
	curl -fsS -X POST -H 'Content-Type: application/json' --data @- "http://$LISTEN/connectors"; echo
echo "+ curl -X DELETE http://$LISTEN/connectors/inventory-pg/offsets"
curl -fsS -X DELETE "http://$LISTEN/connectors/inventory-pg/offsets"; echo
echo "+ curl -X PUT http://$LISTEN/connectors/inventory-pg/resume"
curl -fsS -X PUT "http://$LISTEN/connectors/inventory-pg/resume"
for _ in $(seq 100); do
	state=$(curl -fsS "http://$LISTEN/connectors/inventory-pg/status" | grep -o '"tasks":\[{"id":0,"state":"[A-Z]*"' | grep -o '[A-Z]*"$' | tr -d '"' || true)
	[[ $state == RUNNING || $state == FAILED ]] && break
	sleep 0.1
done
curl -fsS "http://$LISTEN/connectors/inventory-pg/status"; echo

say "changing rows: insert, update, delete"
"${PSQL[@]}" <<'SQL'
INSERT INTO public.customers (name, balance) VALUES ('Carol', 99.99);
UPDATE public.customers SET balance = balance + 1 WHERE name = 'Anne';
DELETE FROM public.customers WHERE name = 'Bob';
SQL

say "change records on inventory.public.customers (key <TAB> value), read_committed:"
echo "   2 snapshot reads (op r), 1 insert (c), 1 update (u), 1 delete (d) and its tombstone (null)"
./bin/sluice consume --kafka-brokers "$KAFKA" --after-ms "$START_MS" --max 6 --idle 15s inventory.public.customers | tee "$DATA/records"
got=$(grep -c . "$DATA/records" || true)
if [[ $got != 6 ]]; then
	echo "demo: read $got change records, expected 6; the daemon's log follows" >&2
	tail -40 "$DATA/sluice.log" >&2
	exit 1
fi
