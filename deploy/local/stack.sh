#!/usr/bin/env bash
# stack.sh runs a private PostgreSQL, NATS JetStream and MinIO for Pixelmill's
# local development and tests. Everything lives under one directory, so any
# number of stacks can run side by side and none touches a system-wide
# Postgres (5432) or NATS (4222).
#
# Usage:
#   deploy/local/stack.sh start DIR [--free-ports]  start (or keep running) all three; prints DIR/stack.env
#   deploy/local/stack.sh stop DIR                  stop all three; data stays
#   deploy/local/stack.sh status DIR                one line per service; exit 0 when all are up, 3 if not
#   deploy/local/stack.sh start-one DIR NAME        start one service on the ports in DIR/stack.env
#   deploy/local/stack.sh stop-one DIR NAME         stop one service (NAME: postgres, nats, minio)
#   deploy/local/stack.sh destroy DIR               stop, then delete the stack's data, logs and env file
#
# --free-ports is test mode: random free loopback ports, and Postgres without
# fsync (a crash may corrupt the cluster; tests recreate it). Without it the
# ports come from the environment (defaults below) and fsync stays on.
#
# Layout of DIR:
#   postgres/            data dir (owned by the postgres user; see "Where
#                        Postgres keeps its data" below)
#   nats/                JetStream store
#   minio/               MinIO drive
#   logs/<name>.log      each server's output, appended across restarts
#   run/<name>.pid       pids of running servers; run/stack.lock serialises this script
#   stack.env            `export` lines: ports, URLs, credentials
#
# Where Postgres keeps its data: Postgres refuses to run as root, so as root
# initdb and pg_ctl run as the `postgres` user (runuser), which must be able
# to reach DIR/postgres. The script gives DIR itself o+x (traverse only, no
# listing: mktemp -d and t.TempDir() make 0700 directories). It never widens
# the permissions of DIR's parents: when one of them shuts the postgres user
# out (DIR under /root, say), the data dir goes to
# /var/tmp/pixelmill-pg-<hash of DIR>, DIR/postgres becomes a symlink to it,
# and stack.env records it as PIXELMILL_PG_DATA; `destroy` removes it.
# Run as another user, everything simply runs as that user.
#
# Environment:
#   PIXELMILL_PG_PORT (55432), PIXELMILL_NATS_PORT (54222),
#   PIXELMILL_NATS_MONITOR_PORT (58222), PIXELMILL_MINIO_PORT (59000),
#   PIXELMILL_MINIO_CONSOLE_PORT (59001)   ports without --free-ports (stack.env
#                                          exports the same names, so a shell that
#                                          sourced one stack's env starts the next
#                                          on those ports unless it uses --free-ports)
#   PIXELMILL_STACK_TIMEOUT (90)           seconds each server may take to become ready
#   PIXELMILL_TOOLS_DIR, PIXELMILL_PG_BIN  see tools.sh
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
# shellcheck source-path=SCRIPTDIR source=tools.sh
. "$SCRIPT_DIR/tools.sh"

SERVICES=(postgres nats minio)
NATS_CONF="$REPO_ROOT/deploy/nats/nats-server.conf"
READY_TIMEOUT=${PIXELMILL_STACK_TIMEOUT:-90}
# STOP_TIMEOUT is how long a server gets after SIGTERM before SIGKILL:
# JetStream and MinIO flush on the way out.
STOP_TIMEOUT=20
PG_USER=pixelmill
PG_PASSWORD=pixelmill
PG_DB=pixelmill
S3_ACCESS_KEY=pixelmill
S3_SECRET_KEY=pixelmill-secret

# Set by load_dir / choose_ports / load_env_file.
DIR=""
MODE=dev
PG_PORT="" NATS_PORT="" NATS_MON_PORT="" MINIO_PORT="" MINIO_CONSOLE_PORT=""
PG_DATA=""

log() { printf 'stack: %s\n' "$*" >&2; }
die() {
	printf 'stack: error: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n 's/^#   deploy\/local\/stack.sh /stack.sh /p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# ---------------------------------------------------------------------------
# Directory, lock, env file

# load_dir makes DIR absolute and creates its skeleton.
load_dir() {
	[[ -n ${1:-} ]] || usage
	mkdir -p "$1"
	DIR=$(cd "$1" && pwd -P)
	mkdir -p "$DIR/logs" "$DIR/run"
}

# have_dir DIR succeeds when DIR exists; stop, status and destroy use it
# so that they never create a directory just to find nothing in it.
have_dir() {
	[[ -n ${1:-} ]] || usage
	[[ -d $1 ]]
}

# lock_dir serialises commands on one DIR. fd 8 must not leak into the
# servers (they would hold the lock for their whole life): every launch
# closes it with 8>&-.
lock_dir() {
	exec 8>"$DIR/run/stack.lock"
	if ! flock -w 600 8; then
		die "another stack.sh holds $DIR/run/stack.lock"
	fi
}

# load_env_file reads the ports and mode of DIR/stack.env, if any.
load_env_file() {
	local file="$DIR/stack.env" key value
	[[ -f $file ]] || return 1
	while IFS='=' read -r key value; do
		key=${key#export }
		case $key in
		PIXELMILL_STACK_MODE) MODE=$value ;;
		PIXELMILL_PG_PORT) PG_PORT=$value ;;
		PIXELMILL_NATS_PORT) NATS_PORT=$value ;;
		PIXELMILL_NATS_MONITOR_PORT) NATS_MON_PORT=$value ;;
		PIXELMILL_MINIO_PORT) MINIO_PORT=$value ;;
		PIXELMILL_MINIO_CONSOLE_PORT) MINIO_CONSOLE_PORT=$value ;;
		esac
	done <"$file"
	[[ -n $PG_PORT && -n $NATS_PORT && -n $NATS_MON_PORT && -n $MINIO_PORT && -n $MINIO_CONSOLE_PORT ]]
}

# write_env_file writes DIR/stack.env atomically. Values never contain
# spaces or quotes, so the lines are plain `export KEY=value`: easy to source,
# and easy for a Go test helper or make to parse.
write_env_file() {
	local tmp="$DIR/stack.env.tmp.$$"
	{
		printf '# Written by deploy/local/stack.sh; load with: . %s/stack.env\n' "$DIR"
		printf 'export %s=%s\n' \
			PIXELMILL_STACK_DIR "$DIR" \
			PIXELMILL_STACK_MODE "$MODE" \
			PIXELMILL_PG_PORT "$PG_PORT" \
			PIXELMILL_PG_DATA "${PG_DATA:-$DIR/postgres}" \
			PIXELMILL_NATS_PORT "$NATS_PORT" \
			PIXELMILL_NATS_MONITOR_PORT "$NATS_MON_PORT" \
			PIXELMILL_MINIO_PORT "$MINIO_PORT" \
			PIXELMILL_MINIO_CONSOLE_PORT "$MINIO_CONSOLE_PORT" \
			PIXELMILL_DATABASE_URL "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable" \
			PIXELMILL_NATS_URL "nats://127.0.0.1:$NATS_PORT" \
			PIXELMILL_NATS_MONITOR_URL "http://127.0.0.1:$NATS_MON_PORT" \
			PIXELMILL_S3_ENDPOINT "127.0.0.1:$MINIO_PORT" \
			PIXELMILL_S3_ACCESS_KEY "$S3_ACCESS_KEY" \
			PIXELMILL_S3_SECRET_KEY "$S3_SECRET_KEY" \
			PIXELMILL_S3_USE_TLS false
	} >"$tmp"
	mv -f "$tmp" "$DIR/stack.env"
}

# ---------------------------------------------------------------------------
# Ports

# used_ports [listen] prints the local TCP ports in use, IPv4 and IPv6,
# read from /proc so that neither ss nor python is needed. With "listen",
# only listening sockets: a restarted server binds over its own TIME_WAIT
# connections (SO_REUSEADDR), so only a listener is a real conflict.
used_ports() {
	local only_listen=${1:-} file addr state
	for file in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $file ]] || continue
		# Columns: sl local_address(HEXIP:HEXPORT) rem_address st ...; 0A = LISTEN.
		while read -r _ addr _ state _; do
			[[ $addr == *:* ]] || continue
			[[ -z $only_listen || $state == 0A ]] || continue
			printf '%d\n' "0x${addr##*:}"
		done < <(tail -n +2 "$file")
	done
}

# port_in_use PORT succeeds when something listens on PORT. (No grep -q in
# pipelines here: its early exit would SIGPIPE the writer, and pipefail
# would turn a match into a failure.)
port_in_use() {
	used_ports listen | grep -x -- "$1" >/dev/null
}

# pid_listens PID PORT succeeds when process PID itself holds a listening
# socket on PORT. Readiness checks use it so that a server that failed to
# bind is never taken for ready because another process answers there.
pid_listens() {
	local pid=$1 port=$2 fd target file addr state inode
	local -A inodes=()
	for fd in /proc/"$pid"/fd/*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		[[ $target == socket:\[*\] ]] || continue
		target=${target#socket:[}
		inodes[${target%]}]=1
	done
	((${#inodes[@]} > 0)) || return 1
	for file in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $file ]] || continue
		# Columns: sl local rem st queues tr retrnsmt uid timeout inode ...
		while read -r _ addr _ state _ _ _ _ _ inode _; do
			[[ $state == 0A && $addr == *:* ]] || continue
			(("0x${addr##*:}" == port)) || continue
			[[ -n ${inodes[$inode]:-} ]] && return 0
		done < <(tail -n +2 "$file")
	done
	return 1
}

# pick_free_ports N prints N distinct ports no socket uses, chosen at random
# below the kernel's ephemeral range so outgoing connections can't take them
# between now and the bind. Two stacks racing for the same port is left to
# the retry in start_service.
pick_free_ports() {
	local n=$1 lo=20000 hi=32767 eph_lo
	if read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null; then
		if ((eph_lo > lo + 2000 && eph_lo - 1 < hi)); then
			hi=$((eph_lo - 1))
		fi
	fi
	local -A taken=()
	local p
	while read -r p; do taken[$p]=1; done < <(used_ports)
	local -a picked=()
	while ((${#picked[@]} < n)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		[[ -z ${taken[$p]:-} ]] || continue
		taken[$p]=1
		picked+=("$p")
	done
	printf '%s\n' "${picked[@]}"
}

# choose_ports sets the five ports: from the environment (or defaults), or
# random free ones with --free-ports.
choose_ports() {
	local free=$1
	if [[ $free == 1 ]]; then
		MODE='test'
		local -a p
		mapfile -t p < <(pick_free_ports 5)
		PG_PORT=${p[0]} NATS_PORT=${p[1]} NATS_MON_PORT=${p[2]} MINIO_PORT=${p[3]} MINIO_CONSOLE_PORT=${p[4]}
	else
		MODE='dev'
		PG_PORT=${PIXELMILL_PG_PORT:-55432}
		NATS_PORT=${PIXELMILL_NATS_PORT:-54222}
		NATS_MON_PORT=${PIXELMILL_NATS_MONITOR_PORT:-58222}
		MINIO_PORT=${PIXELMILL_MINIO_PORT:-59000}
		MINIO_CONSOLE_PORT=${PIXELMILL_MINIO_CONSOLE_PORT:-59001}
	fi
}

# repick_ports NAME gives one service new free ports (after losing a race).
repick_ports() {
	local -a p
	mapfile -t p < <(pick_free_ports 2)
	case $1 in
	postgres) PG_PORT=${p[0]} ;;
	nats) NATS_PORT=${p[0]} NATS_MON_PORT=${p[1]} ;;
	minio) MINIO_PORT=${p[0]} MINIO_CONSOLE_PORT=${p[1]} ;;
	esac
}

service_ports() {
	case $1 in
	postgres) echo "$PG_PORT" ;;
	nats) echo "$NATS_PORT $NATS_MON_PORT" ;;
	minio) echo "$MINIO_PORT $MINIO_CONSOLE_PORT" ;;
	esac
}

# ---------------------------------------------------------------------------
# Processes

# pid_matches PID MARKER succeeds when PID is alive and its command line
# contains MARKER (the service's data path), so a stale pid file whose
# number the kernel has reused never makes us signal a stranger.
pid_matches() {
	local pid=$1 marker=$2 cmdline
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"$marker"* ]]
}

# service_marker NAME prints the string a server's command line must contain.
service_marker() {
	case $1 in
	postgres) echo "$PG_DATA" ;;
	nats) echo "$DIR/nats" ;;
	minio) echo "$DIR/minio" ;;
	esac
}

# running_pid NAME prints the pid of NAME's server when it runs.
running_pid() {
	local name=$1 pid=""
	if [[ $name == postgres ]]; then
		# Postgres's own lock file is the authority; run/postgres.pid is a copy.
		[[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] || return 1
		pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
	else
		[[ -f $DIR/run/$name.pid ]] || return 1
		pid=$(<"$DIR/run/$name.pid")
	fi
	pid_matches "$pid" "$(service_marker "$name")" || return 1
	echo "$pid"
}

# pid_alive PID succeeds while PID runs. A zombie counts as gone: our
# servers are orphans that init reaps, sometimes a second or two late.
pid_alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# wait_exit PID SECONDS waits for PID to exit; fails on timeout.
wait_exit() {
	local pid=$1 deadline=$((SECONDS + $2))
	while pid_alive "$pid"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# fail_start NAME MESSAGE reports a server that did not come up.
fail_start() {
	local name=$1
	shift
	printf 'stack: error: %s: %s\n' "$name" "$*" >&2
	printf 'stack: last lines of %s:\n' "$DIR/logs/$name.log" >&2
	tail -n 25 "$DIR/logs/$name.log" 2>/dev/null | sed 's/^/    /' >&2 || true
	return 1
}

# wait_http NAME PID PORT URL polls until process PID listens on PORT and
# URL (served from that port) answers 2xx, PID dies, or the timeout passes.
wait_http() {
	local name=$1 pid=$2 port=$3 url=$4 deadline=$((SECONDS + READY_TIMEOUT))
	while :; do
		if pid_listens "$pid" "$port" && curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
			return 0
		fi
		if ! pid_alive "$pid"; then
			fail_start "$name" "exited before becoming ready"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			fail_start "$name" "not ready after ${READY_TIMEOUT}s ($url)"
			return 1
		fi
		sleep 0.1
	done
}

log_header() {
	printf '\n==== stack.sh %s %s at %s ====\n' "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$DIR/logs/$2.log"
}

# ---------------------------------------------------------------------------
# PostgreSQL

# as_pg runs a command as the postgres user when root (Postgres refuses to
# run as root), else as ourselves, from / so it never lacks a cwd.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# pg_locate sets PG_DATA from what is on disk, creating nothing.
pg_locate() {
	local link="$DIR/postgres"
	if [[ -L $link ]]; then
		PG_DATA=$(readlink -m "$link")
	else
		PG_DATA=$link
	fi
}

# pg_prepare sets PG_DATA for a start, relocating the data dir when the
# postgres user can't reach DIR (see the header).
pg_prepare() {
	pg_locate
	[[ $EUID -eq 0 ]] || return 0
	id -u postgres >/dev/null 2>&1 || {
		log "error: no postgres user; is the postgresql package installed? (deploy/local/tools.sh ensure)"
		return 1
	}
	[[ -L $DIR/postgres || -f $DIR/postgres/PG_VERSION ]] && return 0
	chmod o+x "$DIR"
	if runuser -u postgres -- test -x "$DIR"; then
		return 0
	fi
	local hash
	hash=$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
	PG_DATA="/var/tmp/pixelmill-pg-$hash"
	if [[ -d $DIR/postgres ]]; then
		rmdir "$DIR/postgres" 2>/dev/null || {
			log "error: $DIR/postgres is not a Postgres data dir and not empty; remove it"
			return 1
		}
	fi
	ln -sfn "$PG_DATA" "$DIR/postgres" || return 1
	log "postgres: the postgres user can't reach $DIR, so its data lives in $PG_DATA ($DIR/postgres links there)"
}

# pg_init creates the cluster once. initdb writes into a staging dir that is
# renamed into place only on success, so PG_VERSION in PG_DATA means a
# complete cluster and an interrupted initdb is simply redone.
pg_init() {
	local pg_bin=$1
	[[ -f $PG_DATA/PG_VERSION ]] && return 0
	if [[ -d $PG_DATA ]]; then
		rmdir "$PG_DATA" 2>/dev/null || {
			log "error: $PG_DATA exists, is not empty and holds no cluster; remove it"
			return 1
		}
	fi
	local stage="$PG_DATA.initdb"
	rm -rf "$stage"
	if [[ $EUID -eq 0 ]]; then
		install -d -o postgres -g postgres -m 0700 "$stage"
	else
		install -d -m 0700 "$stage"
	fi
	local -a nosync=()
	[[ $MODE == test ]] && nosync=(--no-sync)
	log "postgres: initdb $PG_DATA"
	if ! as_pg "$pg_bin/initdb" -D "$stage" -U postgres -E UTF8 --locale=C --auth=trust "${nosync[@]}" \
		</dev/null >>"$DIR/logs/postgres.log" 2>&1; then
		fail_start postgres "initdb failed"
		return 1
	fi
	# Loopback TCP only, no Unix socket (its path would depend on DIR's
	# length and on a writable socket dir); trust, but only for 127.0.0.1.
	cat >>"$stage/postgresql.conf" <<'EOF'

# --- pixelmill local stack (deploy/local/stack.sh); the port is passed on the command line
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
# Tests run packages in parallel, each with its own pool.
max_connections = 200
EOF
	cat >"$stage/pg_hba.conf" <<'EOF'
# pixelmill local stack: loopback TCP only, no passwords checked.
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
EOF
	[[ $EUID -eq 0 ]] && chown postgres:postgres "$stage/postgresql.conf" "$stage/pg_hba.conf"
	mv "$stage" "$PG_DATA"
}

# pg_bootstrap creates the pixelmill role and database when missing. The
# role may create databases, so tests can make one per test.
pg_bootstrap() {
	local pg_bin=$1
	"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
		>>"$DIR/logs/postgres.log" 2>&1 <<EOF
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
		CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
	END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
EOF
}

# pg_clear_stale_pid deals with a postmaster.pid whose server is not
# running (running_pid failed). Postgres itself refuses to start while the
# recorded pid is alive, which it still is for a moment after a kill -9
# (dying, or a zombie until init reaps it), and forever when the pid has
# been reused by an unrelated process after a reboot. Wait out the first;
# remove the file in the second. Postgres still checks its shared memory,
# so leftover backends of a crashed server keep it from starting twice.
pg_clear_stale_pid() {
	local file="$PG_DATA/postmaster.pid" pid cmdline deadline=$((SECONDS + 10))
	[[ -f $file ]] || return 0
	pid=$(head -n 1 "$file" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	while kill -0 "$pid" 2>/dev/null; do
		cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || cmdline=""
		if [[ -n $cmdline && $cmdline != *postgres* ]]; then
			log "postgres: removing stale postmaster.pid (pid $pid is now: ${cmdline:0:60})"
			rm -f "$file"
			return 0
		fi
		((SECONDS < deadline)) || return 0 # let pg_ctl report it
		sleep 0.2
	done
}

start_postgres() {
	local pg_bin
	# Called in an `if`, so set -e is off here: check every step.
	pg_bin=$(pm_tools_path pg_bin) || return 1
	pg_prepare || return 1
	pg_init "$pg_bin" || return 1
	pg_clear_stale_pid
	local opts="-p $PG_PORT"
	if [[ $MODE == test ]]; then
		# Test mode only: no durability, much faster DDL and commits.
		opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	# pg_ctl -w returns once the server accepts connections; the postmaster
	# inherits stdout/stderr (opened here, as the caller), so its log lands
	# in DIR/logs even when the postgres user can't write there.
	if ! as_pg "$pg_bin/pg_ctl" -D "$PG_DATA" -o "$opts" -w -t "$READY_TIMEOUT" -s start \
		</dev/null >>"$DIR/logs/postgres.log" 2>&1 8>&-; then
		fail_start postgres "pg_ctl start failed"
		return 1
	fi
	local pid deadline=$((SECONDS + READY_TIMEOUT))
	pid=$(running_pid postgres) || {
		fail_start postgres "started but no live postmaster.pid"
		return 1
	}
	echo "$pid" >"$DIR/run/postgres.pid"
	until pid_listens "$pid" "$PG_PORT" && "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 1; do
		if ((SECONDS >= deadline)); then
			fail_start postgres "pg_isready failed for ${READY_TIMEOUT}s"
			return 1
		fi
		sleep 0.1
	done
	pg_bootstrap "$pg_bin" || {
		fail_start postgres "creating role/database $PG_USER failed"
		return 1
	}
}

stop_postgres() {
	local pid pg_bin
	pg_locate
	if ! pid=$(running_pid postgres); then
		rm -f "$DIR/run/postgres.pid"
		return 0
	fi
	pg_bin=$(pm_tools_path pg_bin)
	if ! as_pg "$pg_bin/pg_ctl" -D "$PG_DATA" -m fast -w -t "$STOP_TIMEOUT" -s stop \
		</dev/null >>"$DIR/logs/postgres.log" 2>&1 8>&-; then
		log "postgres: fast shutdown timed out; immediate shutdown"
		as_pg "$pg_bin/pg_ctl" -D "$PG_DATA" -m immediate -w -t "$STOP_TIMEOUT" -s stop \
			</dev/null >>"$DIR/logs/postgres.log" 2>&1 8>&- || kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$DIR/run/postgres.pid"
}

# ---------------------------------------------------------------------------
# NATS and MinIO

# launch NAME CMD... starts a server in its own session, detached from our
# stdio and lock, and records its pid. setsid does not fork here (a
# background child of a script is never a process-group leader), so $! is
# the server itself.
launch() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 8>&- &
	echo $! >"$DIR/run/$name.pid"
}

start_nats() {
	local bin
	bin=$(pm_tools_path nats-server) || return 1
	mkdir -p "$DIR/nats" || return 1
	# Flags override the config file: address, ports and store are per stack.
	launch nats "$bin" -c "$NATS_CONF" -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MON_PORT" \
		-js -sd "$DIR/nats"
	local pid
	pid=$(<"$DIR/run/nats.pid")
	wait_http nats "$pid" "$NATS_MON_PORT" "http://127.0.0.1:$NATS_MON_PORT/healthz?js-enabled-only=true" &&
		wait_http nats "$pid" "$NATS_PORT" "http://127.0.0.1:$NATS_MON_PORT/healthz?js-enabled-only=true"
}

start_minio() {
	local bin
	bin=$(pm_tools_path minio) || return 1
	mkdir -p "$DIR/minio" || return 1
	# MINIO_BROWSER=off: no web console (quicker start, one port fewer; the
	# console port is still reserved in stack.env). No update checks or
	# call-home: the stack must work offline.
	launch minio env \
		MINIO_ROOT_USER="$S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$S3_SECRET_KEY" \
		MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
		"$bin" server "$DIR/minio" \
		--address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT"
	wait_http minio "$(<"$DIR/run/minio.pid")" "$MINIO_PORT" "http://127.0.0.1:$MINIO_PORT/minio/health/live"
}

# stop_process NAME: SIGTERM, a bounded wait, then SIGKILL.
stop_process() {
	local name=$1 pid
	if pid=$(running_pid "$name"); then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_exit "$pid" "$STOP_TIMEOUT"; then
			log "$name: still running ${STOP_TIMEOUT}s after SIGTERM; SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			wait_exit "$pid" 5 || log "$name: pid $pid survived SIGKILL"
		fi
	fi
	rm -f "$DIR/run/$name.pid"
}

# ---------------------------------------------------------------------------
# Commands

# start_service NAME starts one server unless it runs. In test mode a port
# taken between our pick and the server's bind gets new ports and a retry.
start_service() {
	local name=$1 pid attempt
	if pid=$(running_pid "$name"); then
		log "$name: already running (pid $pid)"
		return 0
	fi
	for attempt in 1 2 3; do
		local port
		for port in $(service_ports "$name"); do
			if port_in_use "$port"; then
				if [[ $MODE == test ]]; then
					repick_ports "$name"
					continue 2
				fi
				die "$name: port $port is already in use (another stack, or something else); set the PIXELMILL_*_PORT variables or use --free-ports"
			fi
		done
		local log_size start=$SECONDS
		log_header start "$name"
		log_size=$(stat -c %s "$DIR/logs/$name.log")
		write_env_file
		# The start's messages are held back so a lost port race that a
		# retry fixes doesn't print a scary error and log tail.
		local messages="$DIR/run/$name.start.out"
		if "start_$name" 2>"$messages"; then
			cat "$messages" >&2
			rm -f "$messages"
			log "$name: ready on 127.0.0.1:$(service_ports "$name" | tr ' ' ',') in $((SECONDS - start))s"
			return 0
		fi
		# Make sure nothing half-started lingers before a retry or exit.
		"stop_$name" 2>/dev/null || stop_process "$name"
		if [[ $MODE == test ]] && tail -c +"$((log_size + 1))" "$DIR/logs/$name.log" | grep -i 'already in use' >/dev/null; then
			rm -f "$messages"
			log "$name: port $(service_ports "$name") taken before it could bind (attempt $attempt); retrying on new ports"
			repick_ports "$name"
			continue
		fi
		cat "$messages" >&2
		rm -f "$messages"
		return 1
	done
	die "$name: no free port after 3 attempts"
}

stop_nats() { stop_process nats; }
stop_minio() { stop_process minio; }

cmd_start() {
	local free=0 arg
	local -a rest=()
	for arg in "$@"; do
		case $arg in
		--free-ports) free=1 ;;
		-*) usage ;;
		*) rest+=("$arg") ;;
		esac
	done
	[[ ${#rest[@]} -eq 1 ]] || usage
	local began=$SECONDS
	load_dir "${rest[0]}"
	lock_dir
	pm_tools_ensure
	pg_locate

	# Servers already running keep their ports (those in stack.env).
	local name running=0
	for name in "${SERVICES[@]}"; do
		running_pid "$name" >/dev/null && running=$((running + 1))
	done
	if ((running > 0)) && load_env_file; then
		log "keeping the ports of the running stack ($running of ${#SERVICES[@]} up, mode $MODE)"
	else
		choose_ports "$free"
	fi

	local -a failed=()
	for name in "${SERVICES[@]}"; do
		start_service "$name" || failed+=("$name")
	done
	write_env_file
	if ((${#failed[@]} > 0)); then
		die "not started: ${failed[*]} (the others keep running; stop them with: $0 stop $DIR)"
	fi
	log "stack up in $((SECONDS - began))s (mode $MODE); load it with: . $DIR/stack.env"
	echo "$DIR/stack.env"
}

cmd_stop() {
	[[ $# -eq 1 ]] || usage
	have_dir "$1" || {
		log "no stack in $1"
		return 0
	}
	load_dir "$1"
	lock_dir
	pg_locate
	# Reverse order: the servers don't depend on each other, but clients of
	# MinIO and NATS may still be writing to Postgres.
	stop_minio
	stop_nats
	stop_postgres
	log "stopped $DIR (data kept)"
}

cmd_one() {
	local action=$1
	[[ $# -eq 3 ]] || usage
	local name=$3
	case $name in postgres | nats | minio) ;; *) usage ;; esac
	load_dir "$2"
	lock_dir
	pg_locate
	if [[ $action == start ]]; then
		load_env_file || die "no complete $DIR/stack.env; run: $0 start $DIR first"
		start_service "$name"
	else
		"stop_$name"
		log "$name: stopped"
	fi
}

# cmd_status prints one line per server and its health.
cmd_status() {
	[[ $# -eq 1 ]] || usage
	if ! have_dir "$1"; then
		printf '%-9s stopped\n' "${SERVICES[@]}"
		return 3
	fi
	load_dir "$1"
	pg_locate
	load_env_file || true
	local name pid health url all=0 pg_bin
	for name in "${SERVICES[@]}"; do
		if ! pid=$(running_pid "$name"); then
			printf '%-9s stopped\n' "$name"
			all=3
			continue
		fi
		health=unhealthy
		case $name in
		postgres)
			pg_bin=$(pm_tools_pg_bin 2>/dev/null) &&
				"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2 && health=ready
			url="postgres://127.0.0.1:$PG_PORT (data $PG_DATA)"
			;;
		nats)
			curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$NATS_MON_PORT/healthz?js-enabled-only=true" 2>/dev/null && health=ready
			url="nats://127.0.0.1:$NATS_PORT (monitor http://127.0.0.1:$NATS_MON_PORT)"
			;;
		minio)
			curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$MINIO_PORT/minio/health/live" 2>/dev/null && health=ready
			url="http://127.0.0.1:$MINIO_PORT"
			;;
		esac
		[[ $health == ready ]] || all=3
		printf '%-9s running  pid %-7s %-9s %s\n' "$name" "$pid" "$health" "$url"
	done
	return "$all"
}

# cmd_destroy stops the stack and deletes what it made, and nothing else:
# only the known entries of DIR, the relocated data dir, then DIR if empty.
cmd_destroy() {
	[[ $# -eq 1 ]] || usage
	have_dir "$1" || return 0
	cmd_stop "$1"
	pg_locate
	if [[ -L $DIR/postgres && $PG_DATA == /var/tmp/pixelmill-pg-* ]]; then
		rm -rf "$PG_DATA" "$PG_DATA.initdb"
	fi
	rm -rf "$DIR/postgres" "$DIR/postgres.initdb" "$DIR/nats" "$DIR/minio" "$DIR/logs" "$DIR/stack.env"
	exec 8>&-
	rm -rf "$DIR/run"
	rmdir "$DIR" 2>/dev/null || true
	log "destroyed $DIR"
}

main() {
	local cmd=${1:-}
	[[ $# -gt 0 ]] && shift
	case $cmd in
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	status) cmd_status "$@" ;;
	start-one) cmd_one start "$@" ;;
	stop-one) cmd_one stop "$@" ;;
	destroy) cmd_destroy "$@" ;;
	*) usage ;;
	esac
}

main "$@"
