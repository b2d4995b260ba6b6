"""Tells the request's observer which operation ran and which error codes it returned."""

from __future__ import annotations

from graphql import get_operation_ast
from strawberry.types import ExecutionContext

from ..errors import ErrorCode
from ..observability import current_request

__all__ = ["record_error_codes", "record_operation", "record_viewer"]


def record_operation(execution_context: ExecutionContext) -> None:
    """Once parsed: the name and type of the operation the request runs."""
    info = current_request()
    document = execution_context.graphql_document
    if info is not None and document is not None:
        operation = get_operation_ast(document, execution_context.operation_name)
        if operation is not None:
            info.operation_type = operation.operation.value
            info.operation = operation.name.value if operation.name else None


def record_viewer(execution_context: ExecutionContext) -> None:
    """Once authenticated: whether the request named an account (it may claim labels)."""
    info = current_request()
    context = execution_context.context
    if info is not None and getattr(context, "viewer_or_none", None) is not None:
        info.authenticated = True


def record_error_codes(execution_context: ExecutionContext) -> None:
    """Once the result's errors are coded: their codes. (A subscription's operation only
    ends when its socket does.)"""
    info = current_request()
    errors = getattr(execution_context.result, "errors", None)
    if info is not None and errors:
        info.error_codes.extend(
            str((error.extensions or {}).get("code", ErrorCode.INTERNAL.value)) for error in errors
        )
