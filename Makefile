# The two commands a fresh clone needs: `make run` and `make test`.
UV := $(shell scripts/ensure-uv)
PYTEST_ARGS ?=
# `make run PORT=8001 HOST=0.0.0.0`
PORT ?= 8000
HOST ?= 127.0.0.1

# Node.js 20 or newer builds GraphiQL (web/); without it the API still works.
NODE_OK := $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null && echo yes)
GRAPHIQL := src/mongraph/static/graphiql/manifest.json

.PHONY: run test lint typecheck pytest schema sync web client-typescript client-python bench bench-workers load fuzz upgrade-check test-differential

## Runs the gateway in development mode on http://$(HOST):$(PORT)/graphql (embedded database
## unless MONGODB_URI is set): field suggestions on, the dev key filled into GraphiQL.
## The same environment as `make test` (`sync`), so switching between them installs nothing.
run: sync web
	MONGRAPH_DEV=$${MONGRAPH_DEV:-1} .venv/bin/mongraph serve --host $(HOST) --port $(PORT)

## Lints, type-checks, builds GraphiQL, checks the TypeScript client and runs the whole test suite.
test: sync web lint typecheck client-typescript pytest

## Bundles GraphiQL into src/mongraph/static/graphiql/ (when Node.js >= 20 is present).
web:
ifeq ($(NODE_OK),yes)
	@$(MAKE) --no-print-directory $(GRAPHIQL)
else ifeq ($(MONGRAPH_REQUIRE_NODE),1)
	@echo "error: Node.js 20 or newer is required (MONGRAPH_REQUIRE_NODE=1)" >&2; exit 1
else
	@echo "note: Node.js 20 or newer not found: GraphiQL is not built (the API works without it)"
endif

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --engine-strict --no-audit --no-fund --loglevel=error

$(GRAPHIQL): web/node_modules/.package-lock.json web/build.mjs $(wildcard web/src/*)
	cd web && npm run --silent build

sync:
	$(UV) sync --frozen --extra embedded --group bench

lint:
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

typecheck:
	$(UV) run --frozen mypy

pytest:
	$(UV) run --frozen pytest $(PYTEST_ARGS)

## The whole suite with every query run on both execution paths, compiled and graphql-core's,
## which must give the same JSON (execution/differential.py); differences go to differential.log.
## Left out: tests that count what one execution does (`counts_execution`), and the load test,
## whose writers change the data between a query's two runs (`concurrent_writes`).
test-differential: sync web client-typescript
	rm -f differential.log
	MONGRAPH_EXECUTION=differential MONGRAPH_DIFFERENTIAL_LOG=$(CURDIR)/differential.log \
		$(UV) run --frozen pytest -m "not counts_execution and not concurrent_writes" $(PYTEST_ARGS); status=$$?; \
		if [ -s differential.log ]; then echo "differences: see differential.log" >&2; exit 1; fi; \
		exit $$status

## Rewrites schema.graphql from the code.
schema:
	$(UV) run --frozen mongraph export-schema --output schema.graphql

## npm ci, codegen and `tsc --noEmit` in clients/typescript/ (skips without Node unless MONGRAPH_REQUIRE_NODE=1).
client-typescript:
	scripts/check-typescript-client

ARIADNE_CODEGEN := $(shell sed -n 's/^ariadne-codegen = "\(.*\)"/\1/p' clients/python/ariadne-codegen.toml)

## Generates the typed async Python client into clients/python/mongraph_client/.
client-python:
	$(UV) tool run --from ariadne-codegen==$(ARIADNE_CODEGEN) ariadne-codegen client --config clients/python/ariadne-codegen.toml

## Benchmarks on the medium dataset: bench/results/<date>-medium.json and docs/performance.md.
bench: sync
	$(UV) sync --frozen --project bench/peers/graphene
	MONGRAPH_BENCH_UV=$(UV) $(UV) run --frozen python -m bench --size medium --report docs/performance.md

## Throughput of 1, 2 and 4 gateway workers against bare Strawberry with as many (P3 at N workers;
## needs `wrk`; not part of `make test`).
bench-workers: sync
	$(UV) run --frozen python -m bench.workers

## The full load test: 50 clients for 5 minutes, invariants checked, report in load-report.json.
load: sync
	MONGRAPH_LOAD_SECONDS=300 MONGRAPH_LOAD_REPORT=load-report.json MONGRAPH_LOAD_DB_TIMEOUT=5 \
		$(UV) run --frozen pytest tests/load -q -s

## Long fuzzing: 100 generated operations per root field, 2,000 documents against the cost bound.
fuzz: sync
	MONGRAPH_FUZZ_EXAMPLES=100 MONGRAPH_COST_EXAMPLES=2000 $(UV) run --frozen pytest tests/fuzz -q

## The whole suite (pytest and mypy) against the newest strawberry-graphql and graphql-core, past
## the pins, in a throwaway environment; reports what broke (not part of `make test`).
## GraphiQL and the TypeScript client are built first, as for `make test`: their tests need them.
upgrade-check: web client-typescript
	UV=$(UV) scripts/upgrade-check
