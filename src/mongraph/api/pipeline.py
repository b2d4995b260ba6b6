"""The gateway's steps around every operation, in the order they run.

One Strawberry extension rather than one per concern: Strawberry builds a context
manager per extension and hook on every request, and with four extensions that was a
sixth of a small request's CPU. Each step lives with its concern; this only orders them.
The document caches are steps of it too, and `PipelineRunner` calls the steps directly
instead of through Strawberry's generic runner (which wraps every hook of every request
in a `contextlib` context manager and an exit stack): 29 µs a request with the three
extensions this was, 8 µs with the runner.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar

from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from typing_extensions import override

from ..context import RequestContext
from ..execution.limits import enforce_limits, limit_parsing, refuse_untrusted
from ..framework import OperationType, SchemaExtensionsRunner
from .auth import (
    authenticate_operation,
    forget_keys_after_mutation,
    operation_context,
    refuse_subscription,
    subscriptions_over_websocket_only,
)
from .documents import DocumentCache
from .errors import code_errors
from .observe import record_error_codes, record_operation, record_viewer

__all__ = ["OperationPipeline", "PipelineRunner"]


class OperationPipeline(SchemaExtension):
    """Limits, then authentication, then execution; every error coded, then observed.

    Each schema gets a subclass with its `documents` cache and its extra validation
    rules (`for_schema`); Strawberry makes one instance per operation.
    """

    documents: ClassVar[DocumentCache | None] = None
    extra_rules: ClassVar[tuple[type[ASTValidationRule], ...]] = ()

    @classmethod
    def for_schema(
        cls, documents: DocumentCache, extra_rules: tuple[type[ASTValidationRule], ...] = ()
    ) -> type[OperationPipeline]:
        return type(cls.__name__, (cls,), {"documents": documents, "extra_rules": extra_rules})

    def __init__(self) -> None:
        self.cost: int | None = None
        self.operation_type: OperationType | None = None

    # The steps. `PipelineRunner` calls them; Strawberry's own runner, the hooks below.

    def begin_operation(self) -> None:
        operation_context(self.execution_context)
        limit_parsing(self.execution_context)
        if self.extra_rules:
            context = self.execution_context
            context.validation_rules = context.validation_rules + self.extra_rules

    def end_operation(self) -> None:
        code_errors(self.execution_context, self.execution_context.result)
        record_error_codes(self.execution_context)  # after coding: it reports the codes

    def parse(self) -> None:
        """The cached document; one that does not parse (or is over the token limit) is
        left to Strawberry's own parse, which reports it as usual."""
        context = self.execution_context
        if self.documents is not None and context.query is not None:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.documents.parse(
                    context.query, **context.parse_options
                )

    def validate(self) -> None:
        record_operation(self.execution_context)
        context = self.execution_context
        if self.documents is not None and context.graphql_document is not None:
            context.pre_execution_errors = self.documents.validate(
                context.graphql_document, context.validation_rules
            )

    async def begin_execution(self) -> None:
        # Strawberry finds the operation again each time its `operation_type` is read.
        self.operation_type = operation_type = self.execution_context.operation_type
        # A request refused for its shape costs no database command (no key lookup).
        subscriptions_over_websocket_only(self.execution_context, operation_type)
        refuse_untrusted(self.execution_context)
        self.cost = enforce_limits(self.execution_context)
        await authenticate_operation(self.execution_context)
        record_viewer(self.execution_context)
        refuse_subscription(self.execution_context, operation_type)

    def end_execution(self) -> None:
        forget_keys_after_mutation(self.execution_context, self.operation_type)
        self.release()

    def stream_result(self, result: Any) -> None:
        """Subscription events: each is coded and masked the same way, and lets its
        documents go once executed, as an operation does."""
        code_errors(self.execution_context, result)
        self.release()

    def release(self) -> None:
        """The operation's documents go once it has executed (`RequestContext.release`),
        on every entrance: a WebSocket operation's context is its own (`operation_context`),
        and graphql-core's executor, a reference cycle, holds it."""
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            context.release()

    # Strawberry's hooks

    @override
    def on_operation(self) -> Iterator[None]:
        self.begin_operation()
        yield
        self.end_operation()

    @override
    def on_parse(self) -> Iterator[None]:
        self.parse()
        yield

    @override
    def on_validate(self) -> Iterator[None]:
        self.validate()
        yield

    @override
    async def on_execute(self) -> AsyncIterator[None]:
        await self.begin_execution()
        yield
        self.end_execution()

    @override
    def on_stream_result(self, result: Any) -> Iterator[None]:
        self.stream_result(result)
        yield

    @override
    def get_results(self) -> dict[str, Any]:
        return {} if self.cost is None else {"cost": self.cost}


class _Step:
    """One hook as Strawberry's runner would run it from a generator: `begin` on entry,
    `end` on a normal exit only (an exception passes through without it)."""

    __slots__ = ("_begin", "_end")

    def __init__(self, begin: Callable[[], None], end: Callable[[], None] | None = None) -> None:
        self._begin = begin
        self._end = end

    def __enter__(self) -> None:
        self._begin()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: object,
        traceback: object,
    ) -> None:
        if kind is None and self._end is not None:
            self._end()

    async def __aenter__(self) -> None:
        self._begin()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: object,
        traceback: object,
    ) -> None:
        self.__exit__(kind, value, traceback)


class _AsyncStep(_Step):
    """A step whose `begin` is a coroutine: it cannot run in a synchronous execution."""

    __slots__ = ("_begin_async",)

    def __init__(
        self, begin: Callable[[], Awaitable[None]], end: Callable[[], None] | None = None
    ) -> None:
        super().__init__(self._refuse, end)
        self._begin_async = begin

    @staticmethod
    def _refuse() -> None:
        raise RuntimeError("the pipeline's execution step cannot complete synchronously")

    @override
    async def __aenter__(self) -> None:
        await self._begin_async()


class PipelineRunner(SchemaExtensionsRunner):
    """Strawberry's extension runner for the one `OperationPipeline`, calling its steps."""

    def __init__(self, execution_context: ExecutionContext, pipeline: OperationPipeline) -> None:
        super().__init__(execution_context, [pipeline])
        self.pipeline = pipeline

    @override
    def operation(self) -> Any:
        return _Step(self.pipeline.begin_operation, self.pipeline.end_operation)

    @override
    def parsing(self) -> Any:
        return _Step(self.pipeline.parse)

    @override
    def validation(self) -> Any:
        return _Step(self.pipeline.validate)

    @override
    def executing(self) -> Any:
        return _AsyncStep(self.pipeline.begin_execution, self.pipeline.end_execution)

    @override
    def on_stream_result(self, result: Any) -> Any:
        return _Step(lambda: self.pipeline.stream_result(result))

    @override
    def get_extensions_results_sync(self) -> dict[str, Any]:
        return self.pipeline.get_results()

    @override
    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        return {**self.pipeline.get_results(), **ctx.extensions_results}
