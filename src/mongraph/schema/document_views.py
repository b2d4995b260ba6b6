"""Object types whose fields are views of their stored document, read when a query asks.

A big read builds one object per document (10,000 clips), and a query selects a few of
each object's fields. Copying every field into the object when it was built cost about as
much as executing the query's fields on it (issue 21). A view object holds only `doc`;
each field reads the document's attribute of the same name, or is computed by the function
the type declares for it (a global id, an enum, nested objects) when first read.

Example::

    @document_view(ClipDoc, id=lambda d: encode_global_id("Clip", d.id))
    @strawberry.type
    class Clip(Node):
        doc: strawberry.Private[ClipDoc]
        name: str

        @classmethod
        def from_doc(cls, doc: ClipDoc) -> Clip:
            return view_of(cls, doc)
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel
from strawberry.types import get_object_definition

from ..execution.projection import Reads, attribute_reads, stored_names

__all__ = ["DOCUMENT_READS", "document_view", "view_of"]

DOCUMENT_READS = "__document_reads__"
"""A view class's attribute: its field's Python name → the stored fields its value is made
of (execution/projection.py)."""

T = TypeVar("T")


def document_view(
    model: type[BaseModel], **derived: Callable[[Any], Any]
) -> Callable[[type[T]], type[T]]:
    """Makes every field of the decorated Strawberry type without a resolver a view of its
    `doc` (a `model`): `derived[name](doc)`, else `doc.<name>`, which `model` must have."""

    def decorate(cls: type[T]) -> type[T]:
        fields = get_object_definition(cls, strict=True).fields
        plain = {f.python_name for f in fields if f.base_resolver is None} - {"doc"}
        unknown = set(derived) - plain
        if unknown:
            raise TypeError(f"{cls.__name__} has no plain fields {sorted(unknown)}")
        reads: dict[str, Reads] = {}
        for name in sorted(plain):
            read = derived.get(name)
            if read is not None:
                setattr(cls, name, _Derived(name, read))
                used = attribute_reads(read)
                reads[name] = None if used is None else stored_names(model, used)
            elif name in model.model_fields:
                setattr(cls, name, property(attrgetter(f"doc.{name}")))
                reads[name] = stored_names(model, (name,))
            else:
                raise TypeError(f"{cls.__name__}.{name}: no such field in {model.__name__}")
        for f in fields:  # declared relations say what they read of the document
            relation = getattr(f, "relation", None)
            if relation is not None:
                reads[f.python_name] = (
                    None if relation.reads is None else stored_names(model, relation.reads)
                )
        setattr(cls, DOCUMENT_READS, reads)
        return cls

    return decorate


class _Derived:
    """A field computed from the document when first read, then kept on the object (a
    character's id is read on each of the 4,000 clips it appears in)."""

    def __init__(self, name: str, read: Callable[[Any], Any]) -> None:
        self.name, self.read = name, read

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        value = view.__dict__[self.name] = self.read(view.__dict__["doc"])
        return value


def view_of(cls: type[T], doc: Any) -> T:
    """An object of `cls` (a `document_view`) over `doc`."""
    view = cls.__new__(cls)
    view.__dict__["doc"] = doc
    return view
