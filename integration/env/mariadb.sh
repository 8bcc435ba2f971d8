# shellcheck shell=bash
# MariaDB 10.11 (Debian 12's mariadb-server) on 127.0.0.1:53306 with its own
# data dir, row-based binlog with full row images and metadata, and GTIDs.
# Sourced by lib.sh; functions mariadb_up, mariadb_down, mariadb_status.
# A system MariaDB (the package's own service on 3306) is never used.
# shellcheck disable=SC2153 # MARIADB_* base settings live in lib.sh

MARIADB_DATA="$MARIADB_DIR/data"
MARIADB_RUN="$MARIADB_DIR/run"
MARIADB_BINLOG_DIR="$MARIADB_DIR/binlog"
MARIADB_TMP="$MARIADB_DIR/tmp"
MARIADB_CNF="$MARIADB_DIR/my.cnf"
MARIADB_SOCK="$MARIADB_RUN/mariadb.sock"
MARIADB_PID="$MARIADB_RUN/mariadb.pid"
MARIADB_LOG="$MARIADB_DIR/mariadb.log" # the server's error log
MARIADB_OUT="$MARIADB_DIR/mariadbd.out" # its stdout/stderr (early failures)
MARIADB_BIN=/usr/sbin/mariadbd

# Clients never read /etc/mysql (whose socket is the system server's).
mariadb_sql() {
	mariadb --no-defaults --protocol=TCP -h "$HOST" -P "$MARIADB_PORT" -uroot -proot \
		--connect-timeout=5 "$@"
}

mariadb_install() {
	local need=()
	[[ -x "$MARIADB_BIN" && -x /usr/bin/mariadb-install-db ]] || need+=(mariadb-server)
	command -v mariadb >/dev/null && command -v mariadb-admin >/dev/null &&
		command -v mariadb-binlog >/dev/null || need+=(mariadb-client)
	((${#need[@]} > 0)) || return 0
	# The package's postinst starts the system server (on 3306) unless
	# policy-rc.d says no. Keep an existing policy-rc.d; remove only ours.
	local policy=/usr/sbin/policy-rc.d ours=0
	if [[ $EUID -eq 0 && ! -e "$policy" ]]; then
		printf '#!/bin/sh\n# Temporary, by integration/env/up: no service starts during apt-get install.\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		ours=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt_install "${need[@]}"
	if ((ours)); then
		rm -f "$policy"
		trap - EXIT
	fi
	[[ -x "$MARIADB_BIN" ]] || die "installed mariadb-server but $MARIADB_BIN is missing (is this Debian 12 with MariaDB 10.11?)"
}

mariadb_write_config() {
	cat >"$MARIADB_CNF" <<CNF
# Written by integration/env/up on every start; edits are overwritten.
[mariadbd]
datadir = $MARIADB_DATA
socket = $MARIADB_SOCK
pid-file = $MARIADB_PID
log-error = $MARIADB_LOG
tmpdir = $MARIADB_TMP
bind-address = $HOST
port = $MARIADB_PORT
skip-name-resolve
max_connections = 200
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
default-time-zone = '+00:00'
innodb_buffer_pool_size = 256M
# Test speed over durability.
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
# Change data capture: row-based binlog, full images and metadata, GTIDs.
server_id = 1
log_bin = $MARIADB_BINLOG_DIR/mariadb-bin
binlog_format = ROW
binlog_row_image = FULL
binlog_row_metadata = FULL
gtid_strict_mode = ON
expire_logs_days = 99
max_binlog_size = 64M
CNF
	[[ $EUID -ne 0 ]] || chown "$ENV_USER:$ENV_USER" "$MARIADB_CNF"
}

# mariadb_pid: pid of the server of $MARIADB_CNF, or status 1. Checks the
# process itself: after a reboot the pid file may name an unrelated process.
mariadb_pid() {
	local pid
	[[ -s "$MARIADB_PID" ]] || return 1
	read -r pid <"$MARIADB_PID" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	local -a argv
	mapfile -d '' -t argv 2>/dev/null <"/proc/$pid/cmdline" || return 1
	local IFS=' '
	[[ "${argv[*]}" == *mariadbd*"--defaults-file=$MARIADB_CNF"* ]] || return 1
	echo "$pid"
}

mariadb_running() {
	mariadb_pid >/dev/null
}

# mariadb_ready: the server answers on TCP (ping succeeds even when the
# login is refused, as on a fresh data dir whose root has no password yet).
mariadb_ready() {
	mariadb-admin --no-defaults --protocol=TCP -h "$HOST" -P "$MARIADB_PORT" -uroot -proot \
		--connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_install_db() {
	log "mariadb: mariadb-install-db $MARIADB_DATA"
	rm -rf "$MARIADB_DATA"
	ensure_state_dir "$MARIADB_DATA"
	if ! as_env_user mariadb-install-db --no-defaults --datadir="$MARIADB_DATA" \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$MARIADB_DIR/install-db.log" 2>&1; then
		tail_log "$MARIADB_DIR/install-db.log"
		die "mariadb: mariadb-install-db failed"
	fi
	touch "$MARIADB_DATA/.sluice-env-initialized"
}

# mariadb_setup: logins and database the tests use (idempotent). A fresh
# data dir has root without a password: then the socket login sets it.
mariadb_setup() {
	local -a client
	if mariadb_sql -e 'SELECT 1' >/dev/null 2>&1; then
		client=(mariadb_sql)
	else
		client=(mariadb --no-defaults -S "$MARIADB_SOCK" -uroot --connect-timeout=5)
	fi
	# sql_log_bin=0: the setup, run on every up, stays out of the binlog and
	# does not advance the GTID position the tests read from.
	"${client[@]}" >/dev/null 2>"$MARIADB_DIR/setup.log" <<'SQL' || {
SET SESSION sql_log_bin = 0;
ALTER USER 'root'@'localhost' IDENTIFIED BY 'root';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY 'root';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'root';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS sluice_test;
CREATE USER IF NOT EXISTS 'sluice'@'%' IDENTIFIED BY 'sluice';
CREATE USER IF NOT EXISTS 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
CREATE USER IF NOT EXISTS 'sluice'@'localhost' IDENTIFIED BY 'sluice';
ALTER USER 'sluice'@'%' IDENTIFIED BY 'sluice';
ALTER USER 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
ALTER USER 'sluice'@'localhost' IDENTIFIED BY 'sluice';
-- What a binlog reader needs on 10.11: REPLICATION SLAVE for the dump,
-- BINLOG MONITOR (= REPLICATION CLIENT) for SHOW MASTER STATUS / SHOW BINARY
-- LOGS, SLAVE MONITOR for SHOW SLAVE STATUS; RELOAD and LOCK TABLES for
-- consistent snapshots.
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'sluice'@'%';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'sluice'@'127.0.0.1';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'sluice'@'localhost';
GRANT ALL PRIVILEGES ON sluice_test.* TO 'sluice'@'%';
GRANT ALL PRIVILEGES ON sluice_test.* TO 'sluice'@'127.0.0.1';
GRANT ALL PRIVILEGES ON sluice_test.* TO 'sluice'@'localhost';
SQL
		tail_log "$MARIADB_DIR/setup.log"
		tail_log "$MARIADB_LOG"
		die "mariadb: creating logins and database sluice_test failed"
	}
}

mariadb_up() {
	mariadb_install
	ensure_state_dir "$MARIADB_DIR" "$MARIADB_RUN" "$MARIADB_BINLOG_DIR" "$MARIADB_TMP"
	if ((${#MARIADB_SOCK} > 107)); then
		die "mariadb: socket path $MARIADB_SOCK is too long for a unix socket; use a shorter SLUICE_ENV_DIR"
	fi

	local i pid
	if pid="$(mariadb_pid)"; then
		for ((i = 0; i < 60; i++)); do
			mariadb_ready && break
			sleep 0.5
		done
		mariadb_ready || {
			tail_log "$MARIADB_LOG"
			die "mariadb: server (pid $pid) runs but does not answer on $HOST:$MARIADB_PORT"
		}
		mariadb_setup
		log "mariadb: already up on $HOST:$MARIADB_PORT (pid $pid)"
		return 0
	fi
	wait_ports_free mariadb "$MARIADB_PORT"
	if port_open "$MARIADB_PORT"; then
		die "mariadb: $HOST:$MARIADB_PORT is taken by another process, not the server of $MARIADB_DATA; stop it first"
	fi

	# The marker is written after install-db succeeded: a half-made data dir
	# (install-db interrupted) is made again.
	[[ -e "$MARIADB_DATA/.sluice-env-initialized" ]] || mariadb_install_db
	rm -f "$MARIADB_PID" "$MARIADB_SOCK" "$MARIADB_SOCK.lock"
	mariadb_write_config
	log "mariadb: starting on $HOST:$MARIADB_PORT (log $MARIADB_LOG)"
	# setsid detaches the server from this script's session so it outlives
	# the caller; --defaults-file must be the first option.
	(
		cd "$STATE_DIR" || exit 1
		exec setsid nohup "${ENV_USER_CMD[@]}" "$MARIADB_BIN" --defaults-file="$MARIADB_CNF" \
			>>"$MARIADB_OUT" 2>&1 </dev/null
	) >/dev/null 2>&1 </dev/null &
	local starter=$!

	for ((i = 0; i < 120; i++)); do
		if mariadb_running && mariadb_ready; then
			break
		fi
		if ! kill -0 "$starter" 2>/dev/null && ! mariadb_running; then
			tail_log "$MARIADB_OUT"
			tail_log "$MARIADB_LOG"
			die "mariadb: server exited during start"
		fi
		sleep 0.5
	done
	mariadb_ready || {
		tail_log "$MARIADB_OUT"
		tail_log "$MARIADB_LOG"
		die "mariadb: server does not answer on $HOST:$MARIADB_PORT"
	}
	mariadb_setup
	log "mariadb: up on $HOST:$MARIADB_PORT (pid $(mariadb_pid))"
}

mariadb_down() {
	local pid
	if ! pid="$(mariadb_pid)"; then
		log "mariadb: not running"
		return 0
	fi
	# SIGTERM is a clean shutdown (no password needed, unlike mariadb-admin shutdown).
	log "mariadb: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 120; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "mariadb: still running after 60s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	log "mariadb: stopped"
}

mariadb_status() {
	local pid
	if pid="$(mariadb_pid)" && mariadb_ready; then
		echo "mariadb   up    $HOST:$MARIADB_PORT  pid $pid  $MARIADB_DATA"
		return 0
	fi
	echo "mariadb   down  $HOST:$MARIADB_PORT  $MARIADB_DATA"
	return 1
}
