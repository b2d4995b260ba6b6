"""The gateway's steps around every operation, in the order they run.

One Strawberry extension rather than one per concern: Strawberry builds a context
manager per extension and hook on every request, and with four extensions that was a
sixth of a small request's CPU. Each step lives with its concern; this only orders them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from typing_extensions import override

from ..execution.limits import enforce_limits, limit_parsing, refuse_untrusted
from .auth import (
    authenticate_operation,
    forget_keys_after_mutation,
    operation_context,
    refuse_subscription,
    subscriptions_over_websocket_only,
)
from .errors import code_errors
from .observe import record_error_codes, record_operation, record_viewer

__all__ = ["OperationPipeline"]


class OperationPipeline(SchemaExtension):
    """Limits, then authentication, then execution; every error coded, then observed."""

    def __init__(self) -> None:
        self.cost: int | None = None

    @override
    def on_operation(self) -> Iterator[None]:
        operation_context(self.execution_context)
        limit_parsing(self.execution_context)
        yield
        code_errors(self.execution_context, self.execution_context.result)
        record_error_codes(self.execution_context)  # after coding: it reports the codes

    @override
    def on_validate(self) -> Iterator[None]:
        record_operation(self.execution_context)
        yield

    @override
    async def on_execute(self) -> AsyncIterator[None]:
        # A request refused for its shape costs no database command (no key lookup).
        subscriptions_over_websocket_only(self.execution_context)
        refuse_untrusted(self.execution_context)
        self.cost = enforce_limits(self.execution_context)
        await authenticate_operation(self.execution_context)
        record_viewer(self.execution_context)
        refuse_subscription(self.execution_context)
        yield
        forget_keys_after_mutation(self.execution_context)

    @override
    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscription events: each is coded and masked the same way."""
        code_errors(self.execution_context, result)
        yield

    @override
    def get_results(self) -> dict[str, Any]:
        return {} if self.cost is None else {"cost": self.cost}
