# shellcheck shell=bash
# Apicurio Registry 2.4.2.Final on 127.0.0.1:58081, in-memory storage, with
# the Confluent-compatible API under /apis/ccompat/v7. Built once into the
# cache from registry/pom.xml (see the comment there and README.md).
# Sourced by lib.sh; functions registry_up, registry_down, registry_status.
# State is in memory: a restart empties the registry.
# shellcheck disable=SC2153 # REGISTRY_* base settings live in lib.sh

REGISTRY_PID="$REGISTRY_DIR/registry.pid"
REGISTRY_LOG="$REGISTRY_DIR/registry.log" # stdout/stderr of the JVM
REGISTRY_TMP="$REGISTRY_DIR/tmp"
REGISTRY_JAR="$REGISTRY_APP/apicurio-registry-runner.jar"
REGISTRY_URL="http://$HOST:$REGISTRY_PORT/apis/ccompat/v7"
# The marker property lets registry_pid tell our JVM from any other.
REGISTRY_JAVA_OPTS=(-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
	-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
	"-Dsluice.env.registry=$REGISTRY_DIR" "-Djava.io.tmpdir=$REGISTRY_TMP"
	-Dquarkus.http.host="$HOST" -Dquarkus.http.port="$REGISTRY_PORT"
	-Dquarkus.http.access-log.enabled=false -Dquarkus.log.console.color=false)

registry_install() {
	if ! command -v java >/dev/null; then
		apt_install openjdk-17-jdk-headless
	fi
	command -v curl >/dev/null || apt_install curl
	local stamp="$REGISTRY_APP/.sha256" want
	want="$(cat "$ENV_SRC_DIR/registry/pom.xml" "$ENV_SRC_DIR/registry/src/main/resources/application.properties" |
		sha256sum | cut -d' ' -f1)"
	if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -s "$REGISTRY_JAR" ]]; then
		return 0
	fi
	command -v mvn >/dev/null || apt_install maven
	local build="$CACHE_DIR/registry.build"
	log "registry: building Apicurio Registry with maven into $REGISTRY_APP (once; a few minutes)"
	mkdir -p "$CACHE_DIR"
	rm -rf "$build" "$REGISTRY_APP.tmp"
	mkdir -p "$build"
	cp -r "$ENV_SRC_DIR/registry/." "$build/"
	if ! mvn -B -q -f "$build/pom.xml" -Dmaven.repo.local="$CACHE_DIR/m2" package \
		>"$CACHE_DIR/registry-mvn.log" 2>&1; then
		tail_log "$CACHE_DIR/registry-mvn.log"
		die "registry: maven could not build $ENV_SRC_DIR/registry/pom.xml (log $CACHE_DIR/registry-mvn.log)"
	fi
	[[ -s "$build/target/apicurio-registry-runner.jar" ]] ||
		die "registry: maven built no $build/target/apicurio-registry-runner.jar"
	mkdir -p "$REGISTRY_APP.tmp"
	mv "$build/target/apicurio-registry-runner.jar" "$build/target/lib" "$REGISTRY_APP.tmp/"
	echo "$want" >"$REGISTRY_APP.tmp/.sha256"
	rm -rf "$REGISTRY_APP" "$build"
	mv "$REGISTRY_APP.tmp" "$REGISTRY_APP"
	chmod -R a+rX "$REGISTRY_APP"
}

# is_our_registry PID: PID is the registry JVM of $REGISTRY_DIR.
is_our_registry() {
	local -a argv
	mapfile -d '' -t argv 2>/dev/null <"/proc/$1/cmdline" || return 1
	local IFS=' '
	[[ "${argv[*]}" == *"-Dsluice.env.registry=$REGISTRY_DIR "* ]]
}

# registry_pid: pid of our registry, or nothing and status 1.
registry_pid() {
	local pid f
	if [[ -s "$REGISTRY_PID" ]]; then
		pid="$(cat "$REGISTRY_PID")"
		if is_our_registry "$pid"; then
			echo "$pid"
			return 0
		fi
	fi
	for f in /proc/[0-9]*; do
		pid="${f#/proc/}"
		if is_our_registry "$pid"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# registry_ready: the Confluent API answers.
registry_ready() {
	curl -fsS -m 5 -o /dev/null "$REGISTRY_URL/subjects" 2>/dev/null
}

registry_up() {
	registry_install
	ensure_state_dir "$REGISTRY_DIR" "$REGISTRY_TMP"

	local pid i
	if pid="$(registry_pid)"; then
		echo "$pid" >"$REGISTRY_PID"
		for ((i = 0; i < 120; i++)); do
			registry_ready && break
			sleep 0.5
		done
		registry_ready || {
			tail_log "$REGISTRY_LOG"
			die "registry: server (pid $pid) runs but does not answer at $REGISTRY_URL"
		}
		log "registry: already up on $HOST:$REGISTRY_PORT (pid $pid)"
		return 0
	fi
	wait_ports_free registry "$REGISTRY_PORT"
	if port_open "$REGISTRY_PORT"; then
		die "registry: $HOST:$REGISTRY_PORT is taken by another process, not the registry of $REGISTRY_DIR; stop it first"
	fi

	log "registry: starting on $HOST:$REGISTRY_PORT (log $REGISTRY_LOG)"
	rm -f "$REGISTRY_PID"
	(
		cd "$REGISTRY_DIR" || exit 1
		# shellcheck disable=SC2016 # expanded by the inner bash
		exec setsid nohup "${ENV_USER_CMD[@]}" bash -c \
			'echo $$ >"$1"; out="$2"; shift 2; exec "$@" >>"$out" 2>&1 </dev/null' _ "$REGISTRY_PID" "$REGISTRY_LOG" \
			java "${REGISTRY_JAVA_OPTS[@]}" -jar "$REGISTRY_JAR"
	) >/dev/null 2>&1 </dev/null &

	for ((i = 0; i < 240; i++)); do
		if pid="$(registry_pid)"; then
			registry_ready && break
		elif ((i > 10)); then
			tail_log "$REGISTRY_LOG"
			die "registry: server exited during start"
		fi
		sleep 0.5
	done
	registry_ready || {
		tail_log "$REGISTRY_LOG"
		die "registry: server does not answer at $REGISTRY_URL"
	}
	log "registry: up on $HOST:$REGISTRY_PORT (pid $(registry_pid))"
}

registry_down() {
	local pid
	if ! pid="$(registry_pid)"; then
		rm -f "$REGISTRY_PID"
		log "registry: not running"
		return 0
	fi
	log "registry: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "registry: still running after 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	rm -f "$REGISTRY_PID"
	log "registry: stopped"
}

registry_status() {
	local pid
	if pid="$(registry_pid)" && registry_ready; then
		echo "registry  up    $HOST:$REGISTRY_PORT  pid $pid  $REGISTRY_URL"
		return 0
	fi
	echo "registry  down  $HOST:$REGISTRY_PORT  $REGISTRY_URL"
	return 1
}
