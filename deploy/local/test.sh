#!/usr/bin/env bash
# test.sh is `make test`: it installs what is missing, builds the real-photo
# fixtures, starts a private Postgres, NATS and MinIO on free loopback ports
# in a temporary directory, runs every module's tests against them, and tears
# the stack down again, whatever the outcome.
#
# Usage: deploy/local/test.sh [go test flags...]   (e.g. -run TestUpload -v)
#
# Environment: see teststack.sh (PIXELMILL_TESTDATA_DIR, PIXELMILL_TEST_KEEP).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
MODULES=(services api-service worker-service deploy)

# shellcheck source=teststack.sh
. "$SCRIPT_DIR/teststack.sh"
pm_test_prepare

missing=()
# Only when no Node.js is there at all: a machine's own Node stays.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# The browser test (TestCORSBrowser) drives Debian's Chromium through
# playwright-core: playwright's own browser download can't be used here.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
	echo "test.sh: installing Debian's ${missing[*]} for the npm client and browser tests"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "test.sh: installing the npm clients the e2e tests drive (wpapi, @wordpress/api-fetch, @umbraco/headless-client, playwright-core)"
(cd "$ROOT/api-service/testdata/js" && npm ci --no-audit --no-fund --loglevel=error)

if docker compose version >/dev/null 2>&1; then
	echo "test.sh: checking docker-compose.yml with docker compose config"
	(cd "$ROOT" && docker compose config --quiet)
else
	echo "test.sh: NOTICE: no docker compose client here; docker-compose.yml is checked by the deploy module's compose-go tests only"
fi

pm_test_stack test
status=0
for mod in "${MODULES[@]}"; do
	echo "test.sh: go test ./... in $mod"
	(cd "$ROOT/$mod" && go test -count=1 -timeout 20m "$@" ./...) || status=1
done
exit $status
