#!/usr/bin/env bash
# pixelmill.sh is `make up` and `make down`: it runs the whole stack on this
# machine, with no Docker: private Postgres, NATS and MinIO (stack.sh), the
# api-service and two worker-service processes.
#
# Usage:
#   deploy/local/pixelmill.sh up      install what is missing, build, start everything, print the URL
#   deploy/local/pixelmill.sh down    stop everything; data stays in $PIXELMILL_DATA_DIR
#   deploy/local/pixelmill.sh status  one line per process
#
# Each process's pid is in $DATA/run/<name>.pid (postgres, nats, minio, api,
# worker-1, worker-2), logs in $DATA/logs/<name>.log. A worker runs under a
# small supervisor loop ($DATA/run/<name>.supervisor.pid) that starts it
# again when it dies, so killing a worker is a normal event.
#
# Environment (defaults in brackets; see README for the services' own):
#   PIXELMILL_DATA_DIR [.data]   PIXELMILL_HTTP_ADDR [127.0.0.1:8080]
#   PIXELMILL_ADMIN_USER [admin] PIXELMILL_ADMIN_PASSWORD [generated once, kept in $DATA/admin-password]
#   PIXELMILL_WORKERS [2]
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
DATA=${PIXELMILL_DATA_DIR:-$ROOT/.data}
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd -P)
BIN=$ROOT/bin
WORKERS=${PIXELMILL_WORKERS:-2}
HTTP_ADDR=${PIXELMILL_HTTP_ADDR:-127.0.0.1:8080}

log() { printf 'pixelmill: %s\n' "$*" >&2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # stop_pid FILE: SIGTERM, wait up to 40 s (workers drain), then SIGKILL
	local f=$1 pid
	alive "$f" || { rm -f "$f"; return 0; }
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$f"
}

build() {
	log "building api-service and worker-service into $BIN"
	mkdir -p "$BIN"
	(cd "$ROOT/api-service" && CGO_ENABLED=0 go build -o "$BIN/api-service" .)
	# The worker links libvips 8.16 from tools.sh, through an rpath.
	# shellcheck source=tools.sh
	(. "$SCRIPT_DIR/tools.sh" && pm_tools_vips_env && cd "$ROOT/worker-service" && go build -o "$BIN/worker-service" .)
}

admin_password() {
	if [ -n "${PIXELMILL_ADMIN_PASSWORD:-}" ]; then
		printf '%s' "$PIXELMILL_ADMIN_PASSWORD"
		return
	fi
	if [ ! -s "$DATA/admin-password" ]; then
		(umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$DATA/admin-password")
	fi
	tr -d '\n' <"$DATA/admin-password"
}

start_api() {
	stop_pid "$DATA/run/api.pid"
	PIXELMILL_HTTP_ADDR=$HTTP_ADDR PIXELMILL_ADMIN_PASSWORD=$ADMIN_PASSWORD \
		setsid "$BIN/api-service" >>"$DATA/logs/api.log" 2>&1 </dev/null &
	echo $! >"$DATA/run/api.pid"
}

# start_worker N runs worker-N under a supervisor loop that restarts it when
# it dies (not when the supervisor is told to stop).
start_worker() {
	local name=worker-$1 port=$((8090 + $1))
	stop_pid "$DATA/run/$name.supervisor.pid"
	stop_pid "$DATA/run/$name.pid"
	PIXELMILL_WORKER_NAME=$name PIXELMILL_WORKER_HTTP_ADDR=127.0.0.1:$port \
		setsid bash -c '
			trap "kill -TERM \$child 2>/dev/null; wait \$child; exit 0" TERM INT
			while true; do
				"$0" >>"$1" 2>&1 </dev/null &
				child=$!
				echo $child >"$2"
				wait $child || true
				echo "supervisor: $3 exited; restarting in 1s" >>"$1"
				sleep 1
			done' "$BIN/worker-service" "$DATA/logs/$name.log" "$DATA/run/$name.pid" "$name" \
		</dev/null >>"$DATA/logs/$name.log" 2>&1 &
	echo $! >"$DATA/run/$name.supervisor.pid"
}

wait_ready() {
	local url="http://$HTTP_ADDR/readyz"
	for _ in $(seq 600); do
		if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
		if ! alive "$DATA/run/api.pid"; then
			log "api-service exited; last log lines:"; tail -n 20 "$DATA/logs/api.log" >&2; return 1
		fi
		sleep 0.2
	done
	log "api-service not ready after 120s; last log lines:"; tail -n 20 "$DATA/logs/api.log" >&2
	return 1
}

up() {
	"$SCRIPT_DIR/tools.sh" ensure
	"$SCRIPT_DIR/stack.sh" start "$DATA" >/dev/null
	# shellcheck disable=SC1091
	. "$DATA/stack.env"
	export PIXELMILL_DATABASE_URL PIXELMILL_NATS_URL PIXELMILL_S3_ENDPOINT PIXELMILL_S3_ACCESS_KEY PIXELMILL_S3_SECRET_KEY
	export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
	mkdir -p "$DATA/run" "$DATA/logs"
	build
	ADMIN_PASSWORD=$(admin_password)
	start_api
	for n in $(seq "$WORKERS"); do start_worker "$n"; done
	wait_ready
	local user=${PIXELMILL_ADMIN_USER:-admin} base=http://$HTTP_ADDR
	cat <<MSG

Pixelmill is up at $base  (logs: $DATA/logs, pids: $DATA/run)
Media library: $base/library/  (sign in as $user with the password below)
Administrator: $user / $ADMIN_PASSWORD
Metrics: http://${PIXELMILL_METRICS_ADDR:-127.0.0.1:9464}/metrics (API), http://127.0.0.1:8091/metrics (first worker)

Upload an image, then poll until processing_status is "ready":

  curl -u '$user:$ADMIN_PASSWORD' -H 'Content-Disposition: attachment; filename=photo.jpg' \\
       -H 'Content-Type: image/jpeg' --data-binary @photo.jpg $base/wp-json/wp/v2/media

  curl -u '$user:$ADMIN_PASSWORD' '$base/wp-json/wp/v2/media/<id>?context=edit'

Stop with: make down      Remove all data with: make clean
MSG
}

down() {
	for f in "$DATA"/run/worker-*.supervisor.pid; do [ -e "$f" ] && stop_pid "$f"; done
	for f in "$DATA"/run/worker-*.pid "$DATA/run/api.pid"; do [ -e "$f" ] && stop_pid "$f"; done
	if [ -f "$DATA/stack.env" ]; then "$SCRIPT_DIR/stack.sh" stop "$DATA" >/dev/null; fi
	log "stopped; data kept in $DATA"
}

status() {
	[ -f "$DATA/stack.env" ] && "$SCRIPT_DIR/stack.sh" status "$DATA" || true
	for f in "$DATA/run/api.pid" "$DATA"/run/worker-*[0-9].pid; do
		[ -e "$f" ] || continue
		if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): stopped"; fi
	done
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
