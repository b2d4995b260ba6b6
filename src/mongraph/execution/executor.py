"""graphql-core's executor, with two additions: every execution runs with the collector
deferred (collector.py), and a subscription event that comes as a `SharedEvent` is executed
once per distinct selection (operation, variables, audience) for all the subscribers it
reaches, not once per subscriber.

This is the reference path (`MONGRAPH_EXECUTION=graphql-core`); the compiled path
(compiled.py) subclasses it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from graphql.execution import ExecutionResult
from typing_extensions import override

from ..collector import collection_deferred
from ..framework import StrawberryGraphQLCoreExecutionContext, release_async_helpers

__all__ = ["GatewayExecutor", "SharedEvent"]


@dataclass(frozen=True)
class SharedEvent:
    """A subscription event whose result is shared by every subscriber that selects the same
    fields with the same variables and `audience`: the part of the viewer that the payload's
    fields depend on (who may see what under it), nothing else."""

    payload: Any
    results: dict[Any, Any]
    """One per event, shared by all its subscribers: selection → (operation, result task)."""
    audience: Any


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared: SharedEvent | None = None

    @override
    def build_per_event_executor(self, payload: Any) -> GatewayExecutor:
        if not isinstance(payload, SharedEvent):
            executor: GatewayExecutor = super().build_per_event_executor(payload)  # type: ignore[assignment]
            return executor
        executor = super().build_per_event_executor(payload.payload)  # type: ignore[assignment]
        executor._shared = payload
        return executor

    @override
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = self._shared
        key = None if shared is None else self._selection_key(shared.audience)
        if shared is None or key is None:
            return _deferred(self, serially)
        known = shared.results.get(key)
        if known is None:
            task = asyncio.ensure_future(_deferred(self, serially))
            # The entry holds its operation node, so the node's id in the key is not reused.
            known = shared.results[key] = (self.operation, task)
        return _shared_result(known[1])

    def execute_once(self, serially: bool | None = None) -> Any:
        """One execution of the operation (a shared event's, for all its subscribers)."""
        return super().execute_operation(serially)

    def _selection_key(self, audience: Any) -> tuple[Any, ...] | None:
        try:
            variables = orjson.dumps(self.variable_values.coerced, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # not JSON-shaped: executed alone
            return None
        return (id(self.operation), variables, audience)


async def _deferred(executor: GatewayExecutor, serially: bool | None) -> Any:
    """One execution, with the collector deferred from its first field to its result.

    An HTTP request's whole operation is deferred already (`GatewaySchema.execute`); a
    WebSocket query or mutation, and each subscription event, only here: not the
    subscription itself, which mostly waits. A coroutine, so that the deferral holds
    through the awaited part without a gap (a collection could run in one) and ends
    however the execution does: an error, or the cancellation of a closed socket's
    operation.
    """
    with collection_deferred():
        result = executor.execute_once(serially)
        if executor.is_awaitable(result):
            result = await result
    if isinstance(result, ExecutionResult):  # whole: nothing of the execution runs later
        release_async_helpers(executor)  # freed by reference count, not by the collector
    return result


async def _shared_result(task: asyncio.Future[ExecutionResult]) -> ExecutionResult:
    # Shielded: one subscriber leaving must not cancel the result the others wait for.
    return await asyncio.shield(task)
