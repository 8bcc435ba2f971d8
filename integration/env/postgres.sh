# shellcheck shell=bash
# PostgreSQL 15 on 127.0.0.1:55432 with its own initdb data dir.
# Sourced by lib.sh; functions postgres_up, postgres_down, postgres_status.

PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run" # unix socket dir
PG_LOG="$PG_DIR/postgres.log"
PG_SUPER_DSN="host=$HOST port=$PG_PORT user=postgres password=postgres dbname=postgres connect_timeout=5"

pg_ctl_() { as_env_user "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

# postgres_pid: pid of the postmaster of $PG_DATA, or status 1. Checks the
# process itself: after a reboot postmaster.pid may name an unrelated process.
postgres_pid() {
	local pid
	[[ -s "$PG_DATA/postmaster.pid" ]] || return 1
	read -r pid <"$PG_DATA/postmaster.pid" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	local -a argv
	mapfile -d '' -t argv 2>/dev/null <"/proc/$pid/cmdline" || return 1
	local IFS=' '
	[[ "${argv[*]}" == *postgres*"$PG_DATA"* ]] || return 1
	echo "$pid"
}

# postgres_running: our server (this data dir) is running.
postgres_running() {
	postgres_pid >/dev/null
}

postgres_ready() {
	"$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

postgres_install() {
	if [[ ! -x "$PG_BIN/postgres" ]]; then
		apt_install postgresql
		[[ -x "$PG_BIN/postgres" ]] || die "installed postgresql but $PG_BIN/postgres is missing (is this Debian 12 with PostgreSQL 15?)"
	fi
}

postgres_write_config() {
	cat >"$PG_DATA/sluice-env.conf" <<CONF
# Written by integration/env/up on every start; edits are overwritten.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 500
shared_buffers = 128MB
wal_level = logical
max_wal_senders = 160
max_replication_slots = 160
max_wal_size = 1GB
fsync = off
full_page_writes = off
password_encryption = 'scram-sha-256'
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
CONF
	# Password authentication everywhere; md5 in pg_hba also accepts SCRAM,
	# which is what the stored (scram-sha-256) passwords negotiate.
	cat >"$PG_DATA/pg_hba.conf" <<HBA
# Written by integration/env/up on every start; edits are overwritten.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  md5
host    all          all   127.0.0.1/32   md5
host    replication  all   127.0.0.1/32   md5
HBA
	if [[ $EUID -eq 0 ]]; then
		chown "$ENV_USER:$ENV_USER" "$PG_DATA/sluice-env.conf" "$PG_DATA/pg_hba.conf"
	fi
}

postgres_initdb() {
	log "postgres: initdb $PG_DATA"
	local pwfile="$PG_DIR/.pwfile"
	echo postgres >"$pwfile"
	[[ $EUID -ne 0 ]] || chown "$ENV_USER:$ENV_USER" "$pwfile"
	chmod 600 "$pwfile"
	if ! as_env_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
		--auth=md5 --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1; then
		rm -f "$pwfile"
		tail_log "$PG_DIR/initdb.log"
		die "postgres: initdb failed"
	fi
	rm -f "$pwfile"
	echo "include_if_exists = 'sluice-env.conf'" >>"$PG_DATA/postgresql.conf"
}

# postgres_setup: roles and database the tests use (idempotent).
postgres_setup() {
	PGPASSWORD=postgres "$PG_BIN/psql" "$PG_SUPER_DSN" -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' ||
ALTER ROLE postgres PASSWORD 'postgres';
SELECT 'CREATE ROLE sluice' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sluice')\gexec
ALTER ROLE sluice LOGIN REPLICATION PASSWORD 'sluice';
SELECT 'CREATE DATABASE sluice_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sluice_test')\gexec
-- sluice may create publications and read the tables postgres creates in public.
GRANT CONNECT, CREATE ON DATABASE sluice_test TO sluice;
\c sluice_test
GRANT USAGE, CREATE ON SCHEMA public TO sluice;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO sluice;
SQL
		{
			tail_log "$PG_LOG"
			die "postgres: creating roles and database sluice_test failed"
		}
}

postgres_up() {
	postgres_install
	ensure_state_dir "$PG_DIR" "$PG_RUN"
	if ((${#PG_RUN} + 20 > 107)); then
		die "postgres: socket path $PG_RUN is too long for a unix socket; use a shorter SLUICE_ENV_DIR"
	fi

	if postgres_running; then
		local i
		for ((i = 0; i < 60; i++)); do
			postgres_ready && break
			sleep 0.5
		done
		postgres_ready || {
			tail_log "$PG_LOG"
			die "postgres: server in $PG_DATA runs but does not answer on $HOST:$PG_PORT"
		}
		postgres_setup
		log "postgres: already up on $HOST:$PG_PORT"
		return 0
	fi
	wait_ports_free postgres "$PG_PORT"
	if port_open "$PG_PORT"; then
		die "postgres: $HOST:$PG_PORT is taken by another process, not the server in $PG_DATA; stop it first"
	fi

	[[ -s "$PG_DATA/PG_VERSION" ]] || postgres_initdb
	if [[ -e "$PG_DATA/postmaster.pid" ]]; then
		# Left by a server that was killed (postgres_running said no).
		log "postgres: removing stale postmaster.pid"
		rm -f "$PG_DATA/postmaster.pid"
	fi
	postgres_write_config
	log "postgres: starting on $HOST:$PG_PORT (log $PG_LOG)"
	if ! pg_ctl_ -l "$PG_LOG" -w -t 90 start >/dev/null 2>&1; then
		tail_log "$PG_LOG"
		die "postgres: did not start"
	fi
	postgres_ready || {
		tail_log "$PG_LOG"
		die "postgres: started but does not answer on $HOST:$PG_PORT"
	}
	postgres_setup
	log "postgres: up on $HOST:$PG_PORT"
}

postgres_down() {
	if postgres_running; then
		log "postgres: stopping"
		if ! pg_ctl_ -m fast -w -t 60 stop >/dev/null 2>&1; then
			warn "postgres: fast stop timed out; sending immediate stop"
			pg_ctl_ -m immediate -w -t 30 stop >/dev/null 2>&1 || {
				tail_log "$PG_LOG"
				die "postgres: could not stop the server in $PG_DATA"
			}
		fi
		log "postgres: stopped"
	else
		log "postgres: not running"
	fi
}

postgres_status() {
	if postgres_running && postgres_ready; then
		echo "postgres  up    $HOST:$PG_PORT  $PG_DATA"
		return 0
	fi
	echo "postgres  down  $HOST:$PG_PORT  $PG_DATA"
	return 1
}
