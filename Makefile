# Pixelmill's commands. `make` alone lists them.
SHELL := /bin/bash
MODULES := services api-service worker-service deploy
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
# VIPS_ENV makes a recipe's cgo builds of worker-service (vet, staticcheck,
# govulncheck, tests) use the libvips 8.16 deploy/local/tools.sh builds.
VIPS_ENV := vipsenv=$$(deploy/local/tools.sh env) && eval "$$vipsenv"

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: up
up: ## install what is missing and run the whole stack here (Postgres, NATS, MinIO, API, 2 workers)
	@deploy/local/pixelmill.sh up

.PHONY: down
down: ## stop the stack; data stays in .data
	@deploy/local/pixelmill.sh down

.PHONY: status
status: ## show which processes of the stack run
	@deploy/local/pixelmill.sh status

.PHONY: test
test: ## run every test against real Postgres, NATS, MinIO and libvips started on free ports
	@deploy/local/test.sh

.PHONY: chaos
chaos: ## fault tests: kill workers, stop Postgres, NATS and MinIO under load (a private stack)
	@deploy/local/chaos.sh

.PHONY: lint
lint: ## go vet and staticcheck always; govulncheck where its database answers
	@set -e; $(VIPS_ENV) || exit 1; for m in $(MODULES); do echo "lint: $$m"; (cd $$m && go vet ./... && go run $(STATICCHECK) ./...); done
	@if curl -fsS -m 5 -o /dev/null https://vuln.go.dev/index/db.json 2>/dev/null; then \
		$(VIPS_ENV) || exit 1; \
		for m in $(MODULES); do (cd $$m && go run $(GOVULNCHECK) ./...) || exit 1; done; \
	else echo "lint: NOTICE: vuln.go.dev is unreachable from here; govulncheck was NOT run"; fi

.PHONY: bench
bench: ## rendition speed vs sharp and ImageMagick, upload-to-ready latency, API throughput (wrk), memory: printed, never asserted
	@deploy/local/bench.sh

.PHONY: fmt
fmt: ## gofmt every module
	@gofmt -w $(MODULES)

.PHONY: clean
clean: down ## stop the stack and delete its data and binaries
	@deploy/local/stack.sh destroy .data >/dev/null 2>&1 || true
	@rm -rf .data bin

# FUZZTIME is how long `make fuzz` mutates each target (go test -fuzztime).
FUZZTIME ?= 30s

.PHONY: fuzz
fuzz: ## run every Go fuzz target for FUZZTIME each (default 30s), one at a time; failing inputs land in testdata/fuzz
	@deploy/local/tools.sh ensure && $(VIPS_ENV) || exit 1; \
	export PIXELMILL_TESTDATA_DIR=$${PIXELMILL_TESTDATA_DIR:-$$HOME/.cache/pixelmill/testdata}; \
	deploy/local/testdata.sh "$$PIXELMILL_TESTDATA_DIR" || exit 1; \
	failed=; \
	for m in $(MODULES); do \
		for dir in $$(cd $$m && grep -rl --include='*_test.go' --exclude-dir=testdata --exclude-dir=node_modules '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
			for fz in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$m/$$dir/*_test.go | cut -c6-); do \
				echo "fuzz: $$m/$${dir#./} $$fz for $(FUZZTIME)"; \
				(cd $$m && go test -run '^$$' -fuzz "^$$fz\$$" -fuzztime $(FUZZTIME) $$dir) || failed="$$failed $$m/$${dir#./}:$$fz"; \
			done; \
		done; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed"; exit 1; fi; \
	echo "fuzz: every target ran $(FUZZTIME) without a failure"
