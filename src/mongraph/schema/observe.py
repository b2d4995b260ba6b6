"""Tells the request's observer which operation ran and which error codes it returned."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from ..errors import ErrorCode
from ..observability import current_request

__all__ = ["ObserveOperation"]


def _executed(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation GraphQL executes: the one named `name`, else the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


class ObserveOperation(SchemaExtension):
    """First in the list, so it sees the errors after `ErrorCodes` coded them."""

    def on_validate(self) -> Iterator[None]:
        # Known once parsed; a subscription's operation only ends when its socket does.
        info = current_request()
        document = self.execution_context.graphql_document
        if info is not None and document is not None:
            operation = _executed(document, self.execution_context.operation_name)
            if operation is not None:
                info.operation_type = operation.operation.value
                info.operation = operation.name.value if operation.name else None
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        info = current_request()
        if info is None:
            return
        errors = getattr(self.execution_context.result, "errors", None)
        if errors:
            info.error_codes.extend(
                str((error.extensions or {}).get("code", ErrorCode.INTERNAL.value))
                for error in errors
            )
