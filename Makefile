# The two commands a fresh clone needs: `make run` and `make test`.
UV := $(shell scripts/ensure-uv)
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest schema sync sync-embedded client-typescript client-python bench

## Runs the gateway on http://127.0.0.1:8000/graphql (embedded database unless MONGODB_URI is set).
run: sync-embedded
	$(UV) run --frozen --extra embedded mongraph serve

## Lints, type-checks, checks the TypeScript client and runs the whole test suite.
test: sync lint typecheck client-typescript pytest

sync:
	$(UV) sync --frozen --extra embedded --group bench

sync-embedded:
	$(UV) sync --frozen --extra embedded --no-dev

lint:
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench

typecheck:
	$(UV) run --frozen mypy

pytest:
	$(UV) run --frozen pytest $(PYTEST_ARGS)

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
	$(UV) run --frozen python -m bench --size medium --no-peers --report docs/performance.md
