#!/usr/bin/env bash
# teststack.sh is sourced by test.sh and chaos.sh: it prepares what every
# test run needs (tools, real-photo fixtures) and starts a throwaway
# Postgres, NATS and MinIO on free loopback ports, and a second S3 server
# (versitygw) for the object-store suite, torn down at exit.
#
#   . deploy/local/teststack.sh
#   pm_test_prepare            # tools and fixtures; exports PIXELMILL_TESTDATA_DIR, and
#                              # the cgo settings that link the worker to tools.sh's libvips
#   pm_test_stack NAME         # the stack in /tmp/pixelmill-NAME.XXXXXX; exports
#                              # PIXELMILL_TEST_* and PIXELMILL_TEST_STACK_DIR
#
# Environment:
#   PIXELMILL_TESTDATA_DIR  where fixtures are built and cached (default ~/.cache/pixelmill/testdata)
#   PIXELMILL_TEST_KEEP=1   keep the stack's directory (logs) after the run

PM_LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

pm_test_prepare() {
	"$PM_LOCAL_DIR/tools.sh" ensure
	# Every build of the worker from here on (go test in worker-service,
	# the e2e tests' go build, bench) links libvips 8.16, not Debian's.
	# shellcheck source=tools.sh
	. "$PM_LOCAL_DIR/tools.sh"
	pm_tools_vips_env
	# The deploy module's tests render the Helm chart with this helm.
	PIXELMILL_HELM=$(pm_tools_helm)
	export PIXELMILL_HELM
	export PIXELMILL_TESTDATA_DIR=${PIXELMILL_TESTDATA_DIR:-$HOME/.cache/pixelmill/testdata}
	# The browser tests keep their screenshots here.
	export PIXELMILL_TEST_ARTIFACTS=${PIXELMILL_TEST_ARTIFACTS:-$(cd "$PM_LOCAL_DIR/../.." && pwd -P)/test-artifacts}
	"$PM_LOCAL_DIR/testdata.sh" "$PIXELMILL_TESTDATA_DIR"
}

pm_test_stack() {
	local name=$1
	PM_TEST_STACK=$(mktemp -d "/tmp/pixelmill-$name.XXXXXX")
	PM_TEST_NAME=$name
	trap pm_test_stack_cleanup EXIT
	"$PM_LOCAL_DIR/stack.sh" start "$PM_TEST_STACK" --free-ports >/dev/null
	# shellcheck disable=SC1091
	. "$PM_TEST_STACK/stack.env"
	export PIXELMILL_TEST_DATABASE_URL=$PIXELMILL_DATABASE_URL
	export PIXELMILL_TEST_NATS_URL=$PIXELMILL_NATS_URL
	export PIXELMILL_TEST_S3_ENDPOINT=$PIXELMILL_S3_ENDPOINT
	export PIXELMILL_TEST_S3_ACCESS_KEY=$PIXELMILL_S3_ACCESS_KEY
	export PIXELMILL_TEST_S3_SECRET_KEY=$PIXELMILL_S3_SECRET_KEY
	# The fault tests stop and start this stack's servers (stack.sh
	# stop-one / start-one), which keep their ports from stack.env.
	export PIXELMILL_TEST_STACK_DIR=$PM_TEST_STACK
	# Tests get their settings only from the PIXELMILL_TEST_* variables, so a
	# developer's own PIXELMILL_* can't point a test at a real stack.
	unset PIXELMILL_DATABASE_URL PIXELMILL_NATS_URL PIXELMILL_S3_ENDPOINT PIXELMILL_S3_ACCESS_KEY PIXELMILL_S3_SECRET_KEY
	# glibc arenas: see NOTES on RSS growth with libvips.
	export MALLOC_ARENA_MAX=2
	pm_test_s3b
}

# pm_test_s3b starts the second S3 server (the Versity S3 Gateway on a
# directory of the stack) on a free port, for the object-store suite, and
# exports PIXELMILL_TEST_S3B_*. It stops with the stack's cleanup.
pm_test_s3b() {
	local bin port i
	bin=$("$PM_LOCAL_DIR/tools.sh" path versitygw)
	mkdir -p "$PM_TEST_STACK/versitygw/data"
	for i in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 12000))
		"$bin" --port "127.0.0.1:$port" --access pixelmill-s3b --secret pixelmill-s3b-secret \
			posix "$PM_TEST_STACK/versitygw/data" >"$PM_TEST_STACK/versitygw/log" 2>&1 &
		PM_TEST_S3B_PID=$!
		for _ in $(seq 50); do
			if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
				echo "stack: versitygw: ready on 127.0.0.1:$port" >&2
				export PIXELMILL_TEST_S3B_NAME=versitygw PIXELMILL_TEST_S3B_ENDPOINT=127.0.0.1:$port
				export PIXELMILL_TEST_S3B_ACCESS_KEY=pixelmill-s3b PIXELMILL_TEST_S3B_SECRET_KEY=pixelmill-s3b-secret
				return 0
			fi
			kill -0 "$PM_TEST_S3B_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$PM_TEST_S3B_PID" 2>/dev/null || true
	done
	echo "stack: versitygw did not start; see $PM_TEST_STACK/versitygw/log" >&2
	return 1
}

pm_test_stack_cleanup() {
	if [ -n "${PM_TEST_S3B_PID:-}" ]; then
		kill "$PM_TEST_S3B_PID" 2>/dev/null || true
		wait "$PM_TEST_S3B_PID" 2>/dev/null || true
	fi
	"$PM_LOCAL_DIR/stack.sh" stop "$PM_TEST_STACK" >/dev/null 2>&1 || true
	if [ "${PIXELMILL_TEST_KEEP:-}" = 1 ]; then
		echo "$PM_TEST_NAME: stack kept in $PM_TEST_STACK"
	else
		"$PM_LOCAL_DIR/stack.sh" destroy "$PM_TEST_STACK" >/dev/null 2>&1 || true
		rm -rf "$PM_TEST_STACK"
	fi
}
