# shellcheck shell=bash
# Apache Kafka Connect 4.3.0, one distributed worker on 127.0.0.1:58083 using
# the env's Kafka, with real Debezium connectors (PostgreSQL 3.6.1.Final,
# MariaDB 3.5.0.Final, JDBC sink 3.6.0.Final) and Apicurio's Avro converter
# on its plugin path. For side-by-side tests against Debezium only
# (integration/compat); not started by `up` without arguments.
# Sourced by lib.sh; functions connect_up, connect_down, connect_status.
# shellcheck disable=SC2153 # CONNECT_* base settings live in lib.sh

CONNECT_PROPS="$CONNECT_DIR/worker.properties"
CONNECT_PID="$CONNECT_DIR/connect.pid"
CONNECT_OUT="$CONNECT_DIR/connect.out" # stdout/stderr of the JVM
CONNECT_LOG="$CONNECT_DIR/connect.log"
CONNECT_TMP="$CONNECT_DIR/tmp"
CONNECT_LIB="$CONNECT_APP/lib"
CONNECT_PLUGINS="$CONNECT_APP/plugins"
CONNECT_URL="http://$HOST:$CONNECT_PORT"
# The marker property lets connect_pid tell our JVM from any other.
CONNECT_JAVA_OPTS=(-Xms128m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
	-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
	"-Dsluice.env.connect=$CONNECT_DIR" "-Djava.io.tmpdir=$CONNECT_TMP")

# connect_install: the worker's class path and the plugin path, fetched with
# maven into the cache once (about 175 MB, 42 s on an empty Maven repository; refetched when a pom changes).
connect_install() {
	if ! command -v java >/dev/null; then
		apt_install openjdk-17-jdk-headless
	fi
	command -v curl >/dev/null || apt_install curl
	local stamp="$CONNECT_APP/.sha256" want src="$ENV_SRC_DIR/connect"
	want="$(cat "$src/pom.xml" "$src/avro/pom.xml" | sha256sum | cut -d' ' -f1)"
	if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$CONNECT_LIB/connect-runtime-*.jar" >/dev/null; then
		return 0
	fi
	command -v mvn >/dev/null || apt_install maven
	local tmp="$CONNECT_APP.tmp" mvnlog="$CACHE_DIR/connect-mvn.log"
	log "connect: fetching Kafka Connect and Debezium with maven into $CONNECT_APP (once; ~175 MB)"
	mkdir -p "$CACHE_DIR"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# Run from the cache so maven's target/ never lands in the source tree.
	if ! (cd "$tmp" && mvn -B -q -f "$src/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" \
		dependency:copy-dependencies -DoutputDirectory="$tmp/lib" \
		dependency:unpack@plugins -Dplugins.dir="$tmp/plugins" &&
		mvn -B -q -f "$src/avro/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" \
			dependency:copy-dependencies -DoutputDirectory="$tmp/plugins/apicurio-avro-converter") \
		>"$mvnlog" 2>&1; then
		tail_log "$mvnlog"
		die "connect: maven could not fetch what $src/pom.xml and $src/avro/pom.xml list (log $mvnlog)"
	fi
	rm -rf "$tmp/plugins.markers"
	echo "$want" >"$tmp/.sha256"
	rm -rf "$CONNECT_APP"
	mv "$tmp" "$CONNECT_APP"
	chmod -R a+rX "$CONNECT_APP"
}

connect_write_config() {
	cat >"$CONNECT_PROPS" <<PROPS
# Written by integration/env/up on every start; edits are overwritten.
bootstrap.servers=$HOST:$KAFKA_PORT
group.id=sluice-env-connect
config.storage.topic=sluice-env-connect-configs
offset.storage.topic=sluice-env-connect-offsets
status.storage.topic=sluice-env-connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
offset.storage.partitions=5
status.storage.replication.factor=1
status.storage.partitions=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
listeners=http://$HOST:$CONNECT_PORT
rest.advertised.host.name=$HOST
rest.advertised.port=$CONNECT_PORT
plugin.path=$CONNECT_PLUGINS
plugin.discovery=hybrid_warn
offset.flush.interval.ms=1000
# One worker: a restarted worker takes its connectors back at once instead of
# waiting up to 5 minutes for a lost member.
scheduled.rebalance.max.delay.ms=0
task.shutdown.graceful.timeout.ms=5000
PROPS
	cat >"$CONNECT_DIR/log4j2.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by integration/env/up. -->
<Configuration status="warn">
  <Appenders>
    <RollingFile name="log" fileName="$CONNECT_LOG" filePattern="$CONNECT_LOG.%i">
      <PatternLayout pattern="[%d] %p %X{connector.context}%m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="log"/></Root>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="org.apache.kafka.common" level="warn"/>
    <Logger name="org.reflections" level="error"/>
    <Logger name="org.apache.kafka.connect.runtime.isolation" level="warn"/>
  </Loggers>
</Configuration>
XML
	if [[ $EUID -eq 0 ]]; then
		chown "$ENV_USER:$ENV_USER" "$CONNECT_PROPS" "$CONNECT_DIR/log4j2.xml"
	fi
}

# is_our_connect PID: PID is the worker JVM of $CONNECT_DIR.
is_our_connect() {
	local -a argv
	mapfile -d '' -t argv 2>/dev/null <"/proc/$1/cmdline" || return 1
	local IFS=' '
	[[ "${argv[*]}" == *"-Dsluice.env.connect=$CONNECT_DIR "* ]]
}

# connect_pid: pid of our worker, or nothing and status 1.
connect_pid() {
	local pid f
	if [[ -s "$CONNECT_PID" ]]; then
		pid="$(cat "$CONNECT_PID")"
		if is_our_connect "$pid"; then
			echo "$pid"
			return 0
		fi
	fi
	for f in /proc/[0-9]*; do
		pid="${f#/proc/}"
		if is_our_connect "$pid"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# connect_ready: the REST API lists Debezium's PostgreSQL connector and the
# worker has joined its group (GET /connectors answers only then).
connect_ready() {
	curl -fsS -m 5 "$CONNECT_URL/connector-plugins" 2>/dev/null |
		grep -q 'io.debezium.connector.postgresql.PostgresConnector' &&
		curl -fsS -m 10 -o /dev/null "$CONNECT_URL/connectors" 2>/dev/null
}

connect_up() {
	# The worker keeps its configs, offsets and status in Kafka.
	kafka_status >/dev/null || kafka_up
	connect_install
	ensure_state_dir "$CONNECT_DIR" "$CONNECT_TMP"

	local pid i
	if pid="$(connect_pid)"; then
		echo "$pid" >"$CONNECT_PID"
		for ((i = 0; i < 120; i++)); do
			connect_ready && break
			sleep 0.5
		done
		connect_ready || {
			tail_log "$CONNECT_LOG"
			die "connect: worker (pid $pid) runs but does not answer at $CONNECT_URL"
		}
		log "connect: already up on $HOST:$CONNECT_PORT (pid $pid)"
		return 0
	fi
	wait_ports_free connect "$CONNECT_PORT"
	if port_open "$CONNECT_PORT"; then
		die "connect: $HOST:$CONNECT_PORT is taken by another process, not the worker of $CONNECT_DIR; stop it first"
	fi

	connect_write_config
	log "connect: starting on $HOST:$CONNECT_PORT (log $CONNECT_LOG)"
	rm -f "$CONNECT_PID"
	(
		cd "$CONNECT_DIR" || exit 1
		# shellcheck disable=SC2016 # expanded by the inner bash
		exec setsid nohup "${ENV_USER_CMD[@]}" bash -c \
			'echo $$ >"$1"; out="$2"; shift 2; exec "$@" >>"$out" 2>&1 </dev/null' _ "$CONNECT_PID" "$CONNECT_OUT" \
			java "${CONNECT_JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$CONNECT_DIR/log4j2.xml" \
			-cp "$CONNECT_LIB/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONNECT_PROPS"
	) >/dev/null 2>&1 </dev/null &

	for ((i = 0; i < 360; i++)); do
		if pid="$(connect_pid)"; then
			connect_ready && break
		elif ((i > 10)); then
			tail_log "$CONNECT_OUT"
			tail_log "$CONNECT_LOG"
			die "connect: worker exited during start"
		fi
		sleep 0.5
	done
	connect_ready || {
		tail_log "$CONNECT_OUT"
		tail_log "$CONNECT_LOG"
		die "connect: worker does not answer at $CONNECT_URL"
	}
	log "connect: up on $HOST:$CONNECT_PORT (pid $(connect_pid))"
}

connect_down() {
	local pid
	if ! pid="$(connect_pid)"; then
		rm -f "$CONNECT_PID"
		log "connect: not running"
		return 0
	fi
	log "connect: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "connect: still running after 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	rm -f "$CONNECT_PID"
	log "connect: stopped"
}

connect_status() {
	local pid
	if pid="$(connect_pid)" && connect_ready; then
		echo "connect   up    $HOST:$CONNECT_PORT  pid $pid  $CONNECT_URL"
		return 0
	fi
	echo "connect   down  $HOST:$CONNECT_PORT  $CONNECT_URL"
	return 1
}
