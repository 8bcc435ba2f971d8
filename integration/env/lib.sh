# shellcheck shell=bash
# Shared settings and helpers for integration/env/{up,down,status}.
# Sourced, never run. Every server runs as a non-root user, listens on
# 127.0.0.1 only and keeps all its state under $STATE_DIR.

set -euo pipefail
umask 022

ENV_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="$(realpath -m "${SLUICE_ENV_DIR:-/var/tmp/sluice-env}")"
HOST=127.0.0.1

if [[ $EUID -eq 0 ]]; then
	ENV_USER="${SLUICE_ENV_USER:-sluice-env}"
	CACHE_DIR="$(realpath -m "${SLUICE_ENV_CACHE:-/var/cache/sluice-env}")"
else
	# Not root: run the servers as ourselves and keep the cache in $HOME.
	ENV_USER="$(id -un)"
	CACHE_DIR="$(realpath -m "${SLUICE_ENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice-env}")"
fi

# PostgreSQL 15 from Debian. Always the versioned bin dir: a machine may have
# other pg_ctl/initdb/postgres earlier on PATH (/usr/local/bin wrappers).
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=55432
PG_DIR="$STATE_DIR/postgres"

# Apache Kafka 4.x, KRaft combined broker+controller.
KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
# Secured listeners of the same broker (issue 14): SASL_SSL with SCRAM-SHA-512
# and SCRAM-SHA-256 (certificate from the env's own CA), SASL_PLAINTEXT with PLAIN.
KAFKA_SASL_SSL_PORT=59094
KAFKA_SASL_PLAINTEXT_PORT=59095
# SSL with client certificates required (mutual TLS), same CA.
KAFKA_MTLS_PORT=59096
KAFKA_SASL_USER=sluice
KAFKA_SASL_PASSWORD=sluice-secret
KAFKA_TLS_PASSWORD=sluice-tls
KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_LIB="$CACHE_DIR/lib"

# MariaDB 10.11 from Debian, own data dir, row-based binlog with GTIDs.
MARIADB_PORT=53306
MARIADB_DIR="$STATE_DIR/mariadb"

# Apicurio Registry (Confluent-compatible API under /apis/ccompat/v7),
# in-memory storage; built from registry/pom.xml through Maven.
REGISTRY_PORT=58081
REGISTRY_DIR="$STATE_DIR/registry"
REGISTRY_APP="$CACHE_DIR/registry"

# Kafka Connect 4.3.0 with real Debezium plugins (distributed worker), for
# side-by-side tests against Debezium; the Maven artifacts go to the cache.
CONNECT_PORT=58083
CONNECT_DIR="$STATE_DIR/connect"
CONNECT_APP="$CACHE_DIR/connect"

# Start order; `down` stops in reverse. `up` and `status` without arguments
# take DEFAULT_SERVICES; `down` without arguments stops every service. connect
# is started only by those who need it (`up connect`, make test-compat).
ALL_SERVICES=(postgres kafka mariadb registry connect)
DEFAULT_SERVICES=(postgres kafka mariadb registry)

log() { printf 'env: %s\n' "$*"; }
warn() { printf 'env: warning: %s\n' "$*" >&2; }
die() {
	printf 'env: error: %s\n' "$*" >&2
	exit 1
}

# tail_log FILE: show the end of a server log after a failure.
tail_log() {
	local f="$1"
	if [[ -s "$f" ]]; then
		printf -- '---- last lines of %s ----\n' "$f" >&2
		tail -n 40 "$f" >&2
		printf -- '----\n' >&2
	fi
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# ENV_PORTS: every port the servers listen on. They lie in Linux's default
# ephemeral range (32768-60999), so any loopback client (a unit test, the
# broker dialing its own controller) may be given one of them as its local
# port; once that client closes first, its TIME_WAIT socket keeps the port
# from a listener for 60 s (a broker once failed to bind :59094 that way).
ENV_PORTS=("$PG_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_SSL_PORT"
	"$KAFKA_SASL_PLAINTEXT_PORT" "$KAFKA_MTLS_PORT" "$MARIADB_PORT" "$REGISTRY_PORT" "$CONNECT_PORT")

# reserve_ports: add ENV_PORTS to net.ipv4.ip_local_reserved_ports, so that
# the kernel gives none of them to a client as its local port. Needs root
# and a writable /proc/sys; without them it says so and goes on
# (wait_ports_free still waits out a port held by a client).
reserve_ports() {
	local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur want p
	[[ -r $f ]] || return 0
	cur="$(<"$f")"
	want="$cur"
	for p in "${ENV_PORTS[@]}"; do
		port_reserved "$p" "$cur" || want="${want:+$want,}$p"
	done
	[[ $want != "$cur" ]] || return 0
	if [[ $EUID -ne 0 ]] || ! { printf '%s\n' "$want" >"$f"; } 2>/dev/null; then
		warn "could not reserve the test ports (${ENV_PORTS[*]}) in $f; a client may take one as its local port now and then"
		return 0
	fi
	log "reserved the test ports in $f: $(<"$f")"
}

# port_reserved PORT LIST: PORT is in LIST, the kernel's "a,b-c,..." form.
port_reserved() {
	local p=$1 r lo hi
	local -a parts
	IFS=, read -r -a parts <<<"$2"
	for r in "${parts[@]}"; do
		lo=${r%-*} hi=${r#*-}
		[[ -n $lo ]] || continue
		((p >= lo && p <= hi)) && return 0
	done
	return 1
}

# port_holders PORT...: the TCP sockets on 127.0.0.1 or the wildcard address,
# in any state but LISTEN, whose local port is one of PORT; one "port state"
# line each, from /proc/net/tcp{,6} (POSIX awk: Debian's default is mawk).
port_holders() {
	local want="" p
	for p in "$@"; do want+=" $(printf '%04X' "$p"):$p"; done
	awk -v want="$want" '
		BEGIN {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) { split(w[i], kv, ":"); ports[kv[1]] = kv[2] }
			split("01 ESTABLISHED 02 SYN_SENT 03 SYN_RECV 04 FIN_WAIT1 05 FIN_WAIT2 06 TIME_WAIT 07 CLOSE 08 CLOSE_WAIT 09 LAST_ACK 0B CLOSING", s, " ")
			for (i = 1; i < 20; i += 2) names[s[i]] = s[i + 1]
			# 127.0.0.1 and 0.0.0.0, then ::1, ::, ::ffff:127.0.0.1 and ::ffff:0.0.0.0.
			split("0100007F 00000000 00000000000000000000000001000000 00000000000000000000000000000000 0000000000000000FFFF00000100007F 0000000000000000FFFF000000000000", a, " ")
			for (i = 1; i <= 6; i++) addrs[a[i]] = 1
		}
		FNR > 1 {
			split($2, la, ":")
			if ((la[1] in addrs) && (la[2] in ports) && $4 != "0A")
				print ports[la[2]], (($4 in names) ? names[$4] : $4)
		}
	' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}

# port_bindable PORT: a listener could bind 127.0.0.1:PORT now, probed the
# way the servers bind (SO_REUSEADDR, so the server side of connections a
# stopped server closed does not count). perl-base is on every Debian; without
# perl the port is taken as bindable.
port_bindable() {
	command -v perl >/dev/null || return 0
	perl -MSocket -e 'socket(my $s, PF_INET, SOCK_STREAM, 0) or exit 0;
		setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or exit 0;
		bind($s, sockaddr_in($ARGV[0], INADDR_LOOPBACK)) or exit 1' "$1"
}

# wait_ports_free SERVICE PORT...: wait (up to 75 s; a TIME_WAIT lasts 60)
# until a listener could bind every PORT. A port something listens on is
# left to the caller's "taken by another process" check.
wait_ports_free() {
	local svc=$1 p i
	local -a busy
	shift
	for ((i = 0; i < 75; i++)); do
		busy=()
		for p in "$@"; do
			port_open "$p" && return 0
			port_bindable "$p" || busy+=("$p")
		done
		((${#busy[@]} > 0)) || return 0
		((i > 0)) || log "$svc: waiting for client sockets to let go of ${busy[*]}: $(port_holders "${busy[@]}" | tr '\n' ' ')"
		sleep 1
	done
	die "$svc: ${busy[*]} still cannot be bound after 75 s: $(port_holders "${busy[@]}" | tr '\n' ' '); stop the process that holds them"
}

# ENV_USER_CMD: prefix that runs a command as the servers' user (setpriv
# execs in place, so a pid stays the server's pid).
if [[ $EUID -eq 0 ]]; then
	ENV_USER_CMD=(setpriv --reuid="$ENV_USER" --regid="$ENV_USER" --init-groups
		env HOME="$STATE_DIR" USER="$ENV_USER" LOGNAME="$ENV_USER")
else
	ENV_USER_CMD=()
fi

# as_env_user CMD...: run CMD as the servers' user, from the state dir (a
# server started from root's cwd warns that it cannot read it).
as_env_user() {
	(cd "$STATE_DIR" && exec "${ENV_USER_CMD[@]}" "$@")
}

# ensure_user: create the system user the servers run as.
ensure_user() {
	[[ $EUID -eq 0 ]] || return 0
	if ! id -u "$ENV_USER" >/dev/null 2>&1; then
		log "creating system user $ENV_USER"
		useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
			--shell /usr/sbin/nologin "$ENV_USER"
	fi
}

# ensure_state_dir DIR...: create directories owned by the servers' user.
ensure_state_dir() {
	local d
	for d in "$@"; do
		mkdir -p "$d"
		if [[ $EUID -eq 0 ]]; then
			chown "$ENV_USER:$ENV_USER" "$d"
		fi
	done
}

# lock_env ARGS...: re-run the calling script holding an exclusive lock, so
# concurrent up/down runs (several `make test`s) take turns. flock -o keeps the
# lock's fd out of the servers started meanwhile.
lock_env() {
	[[ -z "${SLUICE_ENV_LOCKED:-}" ]] || return 0
	local lock="${STATE_DIR%/}.lock"
	mkdir -p "$(dirname "$lock")"
	touch "$lock" 2>/dev/null || die "cannot create the lock file $lock"
	if ! flock -n "$lock" true; then
		log "waiting for another up/down to finish (lock $lock)"
	fi
	SLUICE_ENV_LOCKED=1 exec flock -o -w 900 "$lock" bash "$0" "$@"
}

init_state() {
	ensure_user
	ensure_state_dir "$STATE_DIR"
	reserve_ports
	# The marker lets `down --purge` refuse to delete a directory it did not make.
	[[ -e "$STATE_DIR/.sluice-env" ]] || echo "sluice integration test environment" >"$STATE_DIR/.sluice-env"
}

APT_UPDATED=0
# apt_install PKG...: install Debian packages (apt-get update once per run).
apt_install() {
	if [[ $EUID -ne 0 ]]; then
		die "missing $*: install it (apt-get install $*) or run this script as root"
	fi
	command -v apt-get >/dev/null || die "missing $* and no apt-get on this machine; install it by hand"
	if [[ $APT_UPDATED -eq 0 ]]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# select_services ARGS...: the services named on the command line, or
# DEFAULT_SERVICES (all of them when SELECT_ALL=1).
select_services() {
	SERVICES=()
	local a s ok
	for a in "$@"; do
		ok=0
		for s in "${ALL_SERVICES[@]}"; do
			[[ "$a" == "$s" ]] && ok=1
		done
		[[ $ok -eq 1 ]] || die "unknown service '$a' (known: ${ALL_SERVICES[*]})"
		SERVICES+=("$a")
	done
	if [[ ${#SERVICES[@]} -eq 0 ]]; then
		if [[ ${SELECT_ALL:-0} -eq 1 ]]; then
			SERVICES=("${ALL_SERVICES[@]}")
		else
			SERVICES=("${DEFAULT_SERVICES[@]}")
		fi
	fi
}

# shellcheck source=postgres.sh
source "$ENV_SRC_DIR/postgres.sh"
# shellcheck source=kafka.sh
source "$ENV_SRC_DIR/kafka.sh"
# shellcheck source=mariadb.sh
source "$ENV_SRC_DIR/mariadb.sh"
# shellcheck source=registry.sh
source "$ENV_SRC_DIR/registry.sh"
# shellcheck source=connect.sh
source "$ENV_SRC_DIR/connect.sh"
