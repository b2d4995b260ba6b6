"""The differential test mode (`MONGRAPH_EXECUTION=differential`): every query, and every
subscription event, runs on the compiled path, then again on graphql-core's interpreter
over the same request, and the two results must be the same JSON: data with its key order,
and errors with their messages, locations, paths and extensions. A query's second run has
loaders of its own, so it loads what it needs as a request of its own would; an event's
keeps the event's, which hold its documents as they were. Running twice, a query sends its
commands twice: tests that count what one execution does are marked `counts_execution` and
left out of `make test-differential`, as is the load test, whose writers change the data
between a query's two runs.

A difference is logged, appended to the file `MONGRAPH_DIFFERENTIAL_LOG` names (which
`make test-differential` requires empty), and added to the response's errors, so the test
that sent the query fails too. The compiled result is the one returned. Mutations run once:
running them twice would write twice (their payloads' fields are the same kinds of field
that the queries cover). A subscription event shared by many subscribers (`SharedEvent`) is
compared once, where it is executed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from inspect import isawaitable
from typing import Any

import orjson
from graphql import GraphQLError, OperationType
from graphql.execution import ExecutionResult
from typing_extensions import override

from ..context import RequestContext
from .compiled import CompiledExecutor
from .executor import GatewayExecutor

__all__ = ["COMPARED", "MISMATCHES", "DifferentialExecutor", "result_json"]

LOG_ENV = "MONGRAPH_DIFFERENTIAL_LOG"
COMPARED: list[int] = [0]
"""Operations compared in this process (a test checks the mode ran at all)."""
MISMATCHES: list[str] = []
"""The differences found in this process: the document, then both results."""

_log = logging.getLogger(__name__)


class DifferentialExecutor(CompiledExecutor):
    @override
    def execute_once(self, serially: bool | None = None) -> Any:
        if self.operation.operation is OperationType.MUTATION:
            return super().execute_once(serially)
        # A copy made before the first run: its own errors, the same request and variables
        # (for a subscription event, the same payload).
        reference = self.build_per_event_executor(self.root_value)
        reference.__class__ = GatewayExecutor
        query = self.operation.operation is OperationType.QUERY
        if query and isinstance(self.context_value, RequestContext):
            # A copy of the request's context makes loaders of its own when first used. A
            # subscription event keeps its loaders: they hold the event's documents as they
            # were then, which a new read would not see.
            reference.context_value = replace(self.context_value)
        compiled = super().execute_once(serially)
        return _compared(self, compiled, reference, serially)


async def _compared(
    executor: DifferentialExecutor,
    compiled: Any,
    reference: GatewayExecutor,
    serially: bool | None,
) -> Any:
    first = await compiled if isawaitable(compiled) else compiled
    second = reference.execute_once(serially)
    second = await second if isawaitable(second) else second
    if not isinstance(first, ExecutionResult) or not isinstance(second, ExecutionResult):
        return first
    COMPARED[0] += 1
    ours, theirs = result_json(first), result_json(second)
    if ours == theirs:
        return first
    document = executor.operation.loc.source.body if executor.operation.loc else "?"
    report = f"{document}\ncompiled:     {ours.decode()}\ngraphql-core: {theirs.decode()}\n"
    MISMATCHES.append(report)
    _log.error("differential mismatch\n%s", report)
    if path := os.environ.get(LOG_ENV):
        _append(path, report)
    mismatch = GraphQLError("Differential mismatch: the compiled path and graphql-core differ.")
    return ExecutionResult(first.data, [*(first.errors or []), mismatch])


def result_json(result: ExecutionResult) -> bytes:
    """The result as the response carries it, keys in order."""
    errors = [error.formatted for error in result.errors or ()]
    return orjson.dumps({"data": result.data, "errors": errors}, default=repr)


def _append(path: str, report: str) -> None:
    # A test mode, rare by design: a blocking append is simpler than a thread.
    with open(path, "a", encoding="utf-8") as log:
        log.write(report + "\n")
