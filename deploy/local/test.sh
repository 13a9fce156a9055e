#!/usr/bin/env bash
# test.sh is `make test`: it installs what is missing, builds the real-photo
# fixtures, starts a private Postgres, NATS and MinIO on free loopback ports
# in a temporary directory, runs every module's tests against them, and tears
# the stack down again, whatever the outcome.
#
# Usage: deploy/local/test.sh [go test flags...]   (e.g. -run TestUpload -v)
#
# Environment:
#   PIXELMILL_TESTDATA_DIR  where fixtures are built and cached (default ~/.cache/pixelmill/testdata)
#   PIXELMILL_TEST_KEEP=1   keep the stack's directory (logs) after the run
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
MODULES=(services api-service worker-service)

"$SCRIPT_DIR/tools.sh" ensure

export PIXELMILL_TESTDATA_DIR=${PIXELMILL_TESTDATA_DIR:-$HOME/.cache/pixelmill/testdata}
"$SCRIPT_DIR/testdata.sh" "$PIXELMILL_TESTDATA_DIR"

if ! command -v npm >/dev/null 2>&1; then
	# Only when no Node.js is there at all: a machine's own Node stays.
	echo "test.sh: installing Debian's nodejs and npm for the WordPress client tests"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
echo "test.sh: installing the npm clients the e2e tests drive (wpapi, @wordpress/api-fetch)"
(cd "$ROOT/api-service/testdata/js" && npm ci --no-audit --no-fund --loglevel=error)

if docker compose version >/dev/null 2>&1; then
	echo "test.sh: checking docker-compose.yml with docker compose config"
	(cd "$ROOT" && docker compose config --quiet)
else
	echo "test.sh: NOTICE: no docker compose client here; docker-compose.yml was not checked"
fi

STACK=$(mktemp -d /tmp/pixelmill-test.XXXXXX)
cleanup() {
	"$SCRIPT_DIR/stack.sh" stop "$STACK" >/dev/null 2>&1 || true
	if [ "${PIXELMILL_TEST_KEEP:-}" = 1 ]; then
		echo "test.sh: stack kept in $STACK"
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
# Tests get their settings only from the PIXELMILL_TEST_* variables, so a
# developer's own PIXELMILL_* can't point a test at a real stack.
unset PIXELMILL_DATABASE_URL PIXELMILL_NATS_URL PIXELMILL_S3_ENDPOINT PIXELMILL_S3_ACCESS_KEY PIXELMILL_S3_SECRET_KEY

# glibc arenas: see NOTES on RSS growth with libvips.
export MALLOC_ARENA_MAX=2
status=0
for mod in "${MODULES[@]}"; do
	echo "test.sh: go test ./... in $mod"
	(cd "$ROOT/$mod" && go test -count=1 -timeout 20m "$@" ./...) || status=1
done
exit $status
