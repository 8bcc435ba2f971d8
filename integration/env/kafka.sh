# shellcheck shell=bash
# Apache Kafka 4.x, one KRaft node (broker+controller) on 127.0.0.1:59092,
# controller on 127.0.0.1:59093. Jars come from pom.xml through Maven.
# Sourced by lib.sh; functions kafka_up, kafka_down, kafka_status.
# shellcheck disable=SC2153 # KAFKA_* base settings live in lib.sh

KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_OUT="$KAFKA_LOGS/kafka.out" # stdout/stderr of the JVM
KAFKA_SERVER_LOG="$KAFKA_LOGS/server.log"
# TLS material made by kafka_make_tls: ca.pem (the env's CA), broker.p12 (the
# broker's key and certificate, for 127.0.0.1 only), and the CA as client
# truststores truststore.p12 and truststore.jks (password $KAFKA_TLS_PASSWORD).
KAFKA_TLS_DIR="$KAFKA_DIR/tls"
KAFKA_JAVA_OPTS=(-Xms256m -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20
	-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)

kafka_install() {
	# A JDK: the readiness check is compiled from KafkaCheck.java.
	if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
		apt_install openjdk-17-jdk-headless
	fi
	local stamp="$KAFKA_LIB/.pom.sha256" want
	want="$(sha256sum "$ENV_SRC_DIR/pom.xml" | cut -d' ' -f1)"
	if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$KAFKA_LIB/kafka_2.13-*.jar" >/dev/null; then
		return 0
	fi
	command -v mvn >/dev/null || apt_install maven
	log "kafka: fetching jars with maven into $KAFKA_LIB"
	mkdir -p "$CACHE_DIR"
	rm -rf "$KAFKA_LIB.tmp"
	if ! mvn -B -q -f "$ENV_SRC_DIR/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" \
		dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIB.tmp" >"$CACHE_DIR/mvn.log" 2>&1; then
		tail_log "$CACHE_DIR/mvn.log"
		die "kafka: maven could not fetch the jars listed in $ENV_SRC_DIR/pom.xml"
	fi
	echo "$want" >"$KAFKA_LIB.tmp/.pom.sha256"
	rm -rf "$KAFKA_LIB"
	mv "$KAFKA_LIB.tmp" "$KAFKA_LIB"
	chmod -R a+rX "$KAFKA_LIB"
}

# kafka_make_tls: a CA and a broker certificate for 127.0.0.1 (IP only: a
# client that dials "localhost" sees a host name mismatch, which tests use),
# made once with openssl and keytool under $KAFKA_TLS_DIR.
kafka_make_tls() {
	command -v openssl >/dev/null || apt_install openssl
	local d="$KAFKA_TLS_DIR" pw="$KAFKA_TLS_PASSWORD"
	if [[ -s "$d/broker.p12" && -s "$d/truststore.jks" && -s "$d/truststore.p12" ]]; then
		return 0
	fi
	log "kafka: making a CA and the broker certificate in $d"
	rm -rf "$d.tmp"
	mkdir -p "$d.tmp"
	(
		cd "$d.tmp"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sluice-env test CA" \
			-keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl req -newkey rsa:2048 -nodes -subj "/CN=sluice-env kafka" -keyout broker.key -out broker.csr
		printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$HOST" >broker.ext
		openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile broker.ext -out broker.pem
		openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
			-out broker.p12 -passout "pass:$pw"
		keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 \
			-storetype PKCS12 -storepass "$pw"
		keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.jks \
			-storetype JKS -storepass "$pw"
		rm -f broker.csr broker.ext ca.srl
	) >"$KAFKA_LOGS/tls.log" 2>&1 || {
		tail_log "$KAFKA_LOGS/tls.log"
		die "kafka: making the TLS material failed"
	}
	chmod -R a+rX "$d.tmp"
	if [[ $EUID -eq 0 ]]; then
		chown -R "$ENV_USER:$ENV_USER" "$d.tmp"
	fi
	rm -rf "$d"
	mv "$d.tmp" "$d"
}

# kafka_make_client_tls: a client key and certificate signed by the env's
# CA, for the mutual-TLS listener: client.pem (certificate and key), client.p12
# and client.jks (password $KAFKA_TLS_PASSWORD). Made once, after the CA.
kafka_make_client_tls() {
	local d="$KAFKA_TLS_DIR" pw="$KAFKA_TLS_PASSWORD"
	if [[ -s "$d/client.p12" && -s "$d/client.jks" && -s "$d/client.pem" ]]; then
		return 0
	fi
	log "kafka: making a client certificate in $d"
	(
		cd "$d"
		rm -f client.*
		openssl req -newkey rsa:2048 -nodes -subj "/CN=sluice-env client" -keyout client.key -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile client.ext -out client.crt
		openssl pkcs12 -export -in client.crt -inkey client.key -certfile ca.pem -name client \
			-out client.p12 -passout "pass:$pw"
		keytool -importkeystore -noprompt -srckeystore client.p12 -srcstoretype PKCS12 -srcstorepass "$pw" \
			-destkeystore client.jks -deststoretype JKS -deststorepass "$pw" -destkeypass "$pw"
		openssl pkcs8 -topk8 -nocrypt -in client.key -out client.pk8
		cat client.crt client.pk8 >client.pem
		rm -f client.csr client.ext client.key client.pk8 ca.srl
	) >"$KAFKA_LOGS/tls-client.log" 2>&1 || {
		tail_log "$KAFKA_LOGS/tls-client.log"
		die "kafka: making the client certificate failed"
	}
	chmod a+r "$d"/client.*
	if [[ $EUID -eq 0 ]]; then
		chown "$ENV_USER:$ENV_USER" "$d"/client.*
	fi
}

# kafka_scram_args: the StorageTool arguments that create the SCRAM users.
kafka_scram_args() {
	local m
	for m in SCRAM-SHA-512 SCRAM-SHA-256; do
		printf -- '--add-scram\0%s=[name=%s,password=%s]\0' "$m" "$KAFKA_SASL_USER" "$KAFKA_SASL_PASSWORD"
	done
}

# kafka_scram_users: make sure the SCRAM users exist. A data dir formatted
# before the SASL listeners were added has none; alterUserScramCredentials
# is an upsert, so this is idempotent.
kafka_scram_users() {
	kafka_client scram "$HOST:$KAFKA_PORT" "$KAFKA_SASL_USER" "$KAFKA_SASL_PASSWORD" ||
		die "kafka: could not create the SCRAM user $KAFKA_SASL_USER"
}

kafka_write_config() {
	cat >"$KAFKA_PROPS" <<PROPS
# Written by integration/env/up on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PLAINTEXT_PORT,SSL://$HOST:$KAFKA_MTLS_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PLAINTEXT_PORT,SSL://$HOST:$KAFKA_MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
# SASL_SSL: SCRAM users made at format time (kafka_scram_args), the env's CA.
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_TLS_DIR/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$KAFKA_TLS_PASSWORD
listener.name.sasl_ssl.ssl.key.password=$KAFKA_TLS_PASSWORD
# SSL: mutual TLS, a client certificate signed by the env's CA required.
listener.name.ssl.ssl.client.auth=required
listener.name.ssl.ssl.keystore.type=PKCS12
listener.name.ssl.ssl.keystore.location=$KAFKA_TLS_DIR/broker.p12
listener.name.ssl.ssl.keystore.password=$KAFKA_TLS_PASSWORD
listener.name.ssl.ssl.key.password=$KAFKA_TLS_PASSWORD
listener.name.ssl.ssl.truststore.type=PKCS12
listener.name.ssl.ssl.truststore.location=$KAFKA_TLS_DIR/truststore.p12
listener.name.ssl.ssl.truststore.password=$KAFKA_TLS_PASSWORD
# SASL_PLAINTEXT: PLAIN, one user.
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$KAFKA_SASL_PASSWORD";
log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=8
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
PROPS
	cat >"$KAFKA_DIR/log4j2.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by integration/env/up. Warnings and lifecycle lines only. -->
<Configuration status="warn">
  <Appenders>
    <RollingFile name="server" fileName="$KAFKA_SERVER_LOG" filePattern="$KAFKA_SERVER_LOG.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="10MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="warn"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="info"/>
    <Logger name="kafka.server.BrokerServer" level="info"/>
    <Logger name="kafka.server.ControllerServer" level="info"/>
    <Logger name="kafka.Kafka" level="info"/>
  </Loggers>
</Configuration>
XML
	# Clients started by up (the readiness check): warnings to stderr.
	cat >"$KAFKA_DIR/log4j2-client.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%p %m (%c)%n"/></Console></Appenders>
  <Loggers><Root level="error"><AppenderRef ref="err"/></Root></Loggers>
</Configuration>
XML
	if [[ $EUID -eq 0 ]]; then
		chown "$ENV_USER:$ENV_USER" "$KAFKA_PROPS" "$KAFKA_DIR/log4j2.xml" "$KAFKA_DIR/log4j2-client.xml"
	fi
}

# kafka_java CLASS ARGS...: run a Kafka main class in the foreground as the env user.
kafka_java() {
	as_env_user java "${KAFKA_JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-client.xml" \
		-cp "$KAFKA_LIB/*" "$@"
}

# is_our_kafka PID: PID is the broker that uses $KAFKA_PROPS.
is_our_kafka() {
	local -a argv
	# mapfile, not a subshell: this runs for every process when scanning /proc.
	mapfile -d '' -t argv 2>/dev/null <"/proc/$1/cmdline" || return 1
	local IFS=' '
	[[ "${argv[*]}" == *"kafka.Kafka $KAFKA_PROPS"* ]]
}

# kafka_pid: pid of our broker, or nothing and status 1.
kafka_pid() {
	local pid f
	if [[ -s "$KAFKA_PID" ]]; then
		pid="$(cat "$KAFKA_PID")"
		if is_our_kafka "$pid"; then
			echo "$pid"
			return 0
		fi
	fi
	# No (or a stale) pid file: look for the process itself.
	for f in /proc/[0-9]*; do
		pid="${f#/proc/}"
		if is_our_kafka "$pid"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# kafka_check_build: compile KafkaCheck.java into the cache (once per version of it).
kafka_check_build() {
	local dir="$CACHE_DIR/check" want
	want="$(cat "$ENV_SRC_DIR/KafkaCheck.java" "$KAFKA_LIB/.pom.sha256" | sha256sum | cut -d' ' -f1)"
	if [[ -f "$dir/.sha256" && "$(cat "$dir/.sha256")" == "$want" ]]; then
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	javac -nowarn -d "$dir" -cp "$KAFKA_LIB/*" "$ENV_SRC_DIR/KafkaCheck.java" >"$CACHE_DIR/javac.log" 2>&1 || {
		tail_log "$CACHE_DIR/javac.log"
		die "kafka: compiling $ENV_SRC_DIR/KafkaCheck.java failed"
	}
	echo "$want" >"$dir/.sha256"
}

# kafka_client ARGS...: run KafkaCheck (see KafkaCheck.java).
kafka_client() {
	java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-client.xml" \
		-cp "$CACHE_DIR/check:$KAFKA_LIB/*" KafkaCheck "$@"
}

# kafka_check TIMEOUT_SECONDS: the broker answers metadata requests and
# completes a transaction (InitProducerId, produce, commit).
kafka_check() {
	kafka_client ready "$HOST:$KAFKA_PORT" "$1"
}

kafka_up() {
	kafka_install
	kafka_check_build
	ensure_state_dir "$KAFKA_DIR" "$KAFKA_DATA" "$KAFKA_LOGS"
	kafka_make_tls
	kafka_make_client_tls

	local pid
	if pid="$(kafka_pid)"; then
		echo "$pid" >"$KAFKA_PID"
		kafka_write_config
		if ! kafka_check 60; then
			tail_log "$KAFKA_SERVER_LOG"
			die "kafka: broker (pid $pid) runs but does not answer on $HOST:$KAFKA_PORT"
		fi
		if port_open "$KAFKA_SASL_SSL_PORT" && port_open "$KAFKA_SASL_PLAINTEXT_PORT" && port_open "$KAFKA_MTLS_PORT"; then
			kafka_scram_users
			log "kafka: already up on $HOST:$KAFKA_PORT (pid $pid)"
			return 0
		fi
		# Started by an older up, before the SASL listeners: restart it
		# with the configuration just written (data and topics are kept).
		warn "kafka: the running broker lacks a secured listener (:$KAFKA_SASL_SSL_PORT, :$KAFKA_SASL_PLAINTEXT_PORT, :$KAFKA_MTLS_PORT); restarting it"
		kafka_down
	fi
	wait_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_SASL_PLAINTEXT_PORT" "$KAFKA_MTLS_PORT"
	if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT" || port_open "$KAFKA_SASL_SSL_PORT" || port_open "$KAFKA_SASL_PLAINTEXT_PORT" || port_open "$KAFKA_MTLS_PORT"; then
		die "kafka: one of $HOST:$KAFKA_PORT, :$KAFKA_CONTROLLER_PORT, :$KAFKA_SASL_SSL_PORT, :$KAFKA_SASL_PLAINTEXT_PORT, :$KAFKA_MTLS_PORT is taken by another process, not the broker of $KAFKA_DIR; stop it first"
	fi

	kafka_write_config
	if [[ ! -s "$KAFKA_DATA/meta.properties" ]]; then
		local id
		local -a scram
		mapfile -d '' -t scram < <(kafka_scram_args)
		# A Kafka cluster id: 16 random bytes, base64url without padding.
		id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
		log "kafka: formatting storage (cluster id $id)"
		if ! kafka_java kafka.tools.StorageTool format --standalone -t "$id" -c "$KAFKA_PROPS" "${scram[@]}" \
			>"$KAFKA_LOGS/format.log" 2>&1; then
			tail_log "$KAFKA_LOGS/format.log"
			die "kafka: formatting storage in $KAFKA_DATA failed"
		fi
	fi

	log "kafka: starting on $HOST:$KAFKA_PORT (log $KAFKA_SERVER_LOG)"
	rm -f "$KAFKA_PID"
	# The child writes its own pid, then becomes the JVM; setsid detaches it
	# from this script's session so it outlives the caller.
	(
		cd "$STATE_DIR" || exit 1
		# shellcheck disable=SC2016 # expanded by the inner bash
		exec setsid nohup "${ENV_USER_CMD[@]}" bash -c \
			'echo $$ >"$1"; out="$2"; shift 2; exec "$@" >>"$out" 2>&1 </dev/null' _ "$KAFKA_PID" "$KAFKA_OUT" \
			java "${KAFKA_JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" \
			-Dkafka.logs.dir="$KAFKA_LOGS" -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPS"
	) >/dev/null 2>&1 </dev/null &

	local i
	for ((i = 0; i < 120; i++)); do
		if pid="$(kafka_pid)"; then
			port_open "$KAFKA_PORT" && break
		elif ((i > 10)); then
			tail_log "$KAFKA_OUT"
			tail_log "$KAFKA_SERVER_LOG"
			die "kafka: broker exited during start"
		fi
		sleep 0.5
	done
	if ! kafka_check 90; then
		tail_log "$KAFKA_OUT"
		tail_log "$KAFKA_SERVER_LOG"
		die "kafka: broker does not answer on $HOST:$KAFKA_PORT or cannot run a transaction"
	fi
	kafka_scram_users
	log "kafka: up on $HOST:$KAFKA_PORT (pid $(kafka_pid)), SASL_SSL on :$KAFKA_SASL_SSL_PORT, SASL_PLAINTEXT on :$KAFKA_SASL_PLAINTEXT_PORT, mutual TLS on :$KAFKA_MTLS_PORT"
}

kafka_down() {
	local pid
	if ! pid="$(kafka_pid)"; then
		rm -f "$KAFKA_PID"
		log "kafka: not running"
		return 0
	fi
	log "kafka: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 120; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "kafka: still running after 60s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	rm -f "$KAFKA_PID"
	log "kafka: stopped"
}

kafka_status() {
	local pid
	if pid="$(kafka_pid)" && port_open "$KAFKA_PORT"; then
		echo "kafka     up    $HOST:$KAFKA_PORT  pid $pid  $KAFKA_DIR"
		return 0
	fi
	echo "kafka     down  $HOST:$KAFKA_PORT  $KAFKA_DIR"
	return 1
}
