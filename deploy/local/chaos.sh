#!/usr/bin/env bash
# chaos.sh is `make chaos`: the fault tests. Like test.sh it installs what is
# missing, builds the real-photo fixtures and starts a private Postgres, NATS
# and MinIO on free loopback ports in a temporary directory of its own; the
# tests (api-service/chaos_test.go, build tag `chaos`) then stop and start
# those servers through PIXELMILL_TEST_STACK_DIR, and kill workers. The stack
# is torn down again, whatever the outcome.
#
# Usage: deploy/local/chaos.sh [go test flags...]   (e.g. -run TestChaosNATSOutage)
#
# Environment:
#   PIXELMILL_TESTDATA_DIR  where fixtures are built and cached (default ~/.cache/pixelmill/testdata)
#   PIXELMILL_TEST_KEEP=1   keep the stack's directory (logs) after the run
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

"$SCRIPT_DIR/tools.sh" ensure

export PIXELMILL_TESTDATA_DIR=${PIXELMILL_TESTDATA_DIR:-$HOME/.cache/pixelmill/testdata}
"$SCRIPT_DIR/testdata.sh" "$PIXELMILL_TESTDATA_DIR"

STACK=$(mktemp -d /tmp/pixelmill-chaos.XXXXXX)
cleanup() {
	"$SCRIPT_DIR/stack.sh" stop "$STACK" >/dev/null 2>&1 || true
	if [ "${PIXELMILL_TEST_KEEP:-}" = 1 ]; then
		echo "chaos.sh: stack kept in $STACK"
	else
		"$SCRIPT_DIR/stack.sh" destroy "$STACK" >/dev/null 2>&1 || true
		rm -rf "$STACK"
	fi
}
trap cleanup EXIT
"$SCRIPT_DIR/stack.sh" start "$STACK" --free-ports >/dev/null
# shellcheck disable=SC1091
. "$STACK/stack.env"
export PIXELMILL_TEST_DATABASE_URL=$PIXELMILL_DATABASE_URL
export PIXELMILL_TEST_NATS_URL=$PIXELMILL_NATS_URL
export PIXELMILL_TEST_S3_ENDPOINT=$PIXELMILL_S3_ENDPOINT
export PIXELMILL_TEST_S3_ACCESS_KEY=$PIXELMILL_S3_ACCESS_KEY
export PIXELMILL_TEST_S3_SECRET_KEY=$PIXELMILL_S3_SECRET_KEY
# The fault tests stop and start this stack's servers (stack.sh stop-one /
# start-one), which keep their ports from $STACK/stack.env.
export PIXELMILL_TEST_STACK_DIR=$STACK
# Tests get their settings only from the PIXELMILL_TEST_* variables, so a
# developer's own PIXELMILL_* can't point a test at a real stack.
unset PIXELMILL_DATABASE_URL PIXELMILL_NATS_URL PIXELMILL_S3_ENDPOINT PIXELMILL_S3_ACCESS_KEY PIXELMILL_S3_SECRET_KEY

# glibc arenas: see NOTES on RSS growth with libvips.
export MALLOC_ARENA_MAX=2
echo "chaos.sh: go test -tags chaos -run TestChaos in api-service (stack in $STACK)"
cd "$ROOT/api-service"
go test -count=1 -tags chaos -run TestChaos -v -timeout 30m "$@" .
