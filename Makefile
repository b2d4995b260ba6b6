# The two commands a fresh clone needs: `make run` and `make test`.
UV := $(shell scripts/ensure-uv)
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest schema sync sync-embedded

## Runs the gateway on http://127.0.0.1:8000/graphql (embedded database unless MONGODB_URI is set).
run: sync-embedded
	$(UV) run --frozen --extra embedded mongraph serve

## Lints, type-checks and runs the whole test suite.
test: sync lint typecheck pytest

sync:
	$(UV) sync --frozen --extra embedded

sync-embedded:
	$(UV) sync --frozen --extra embedded --no-dev

lint:
	$(UV) run --frozen ruff check src tests
	$(UV) run --frozen ruff format --check src tests

typecheck:
	$(UV) run --frozen mypy

pytest:
	$(UV) run --frozen pytest $(PYTEST_ARGS)

## Rewrites schema.graphql from the code.
schema:
	$(UV) run --frozen mongraph export-schema --output schema.graphql
