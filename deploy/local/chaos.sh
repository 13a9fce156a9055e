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
# Environment: see teststack.sh (PIXELMILL_TESTDATA_DIR, PIXELMILL_TEST_KEEP).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

# shellcheck source=teststack.sh
. "$SCRIPT_DIR/teststack.sh"
pm_test_prepare
pm_test_stack chaos

echo "chaos.sh: go test -tags chaos -run TestChaos in api-service (stack in $PM_TEST_STACK)"
cd "$ROOT/api-service"
go test -count=1 -tags chaos -run TestChaos -v -timeout 30m "$@" .
