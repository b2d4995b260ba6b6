"""Documents read from the database, built without pydantic's validation.

Reads trust what was stored: every write is validated by its model, and the collection's
`$jsonSchema` validator (`validators.py`), derived from the same model, refuses a document
of the wrong shape. Validating it again on every read cost a third of a big read's
per-document work (issue 21). A reader is compiled once per model: a dict display reading
each stored name, with the conversions validation would make (an integer into a `float`
field, `Decimal128` into `Decimal` through the field's own `BeforeValidator`, nested
models by their own readers), and UTC given to dates decoded without a zone. A document
without every field of its model (written before a field was added, or left partial by
hand) is validated as before, defaults and all.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
from bson import ObjectId
from pydantic import BaseModel, BeforeValidator, PlainSerializer

from .shared_names import SharedNames, share_names

__all__ = ["PARTIAL_READERS_KEPT", "READERS", "partial_reader"]

Raw = dict[str, Any]

_TRUSTED = (ObjectId, str, bool, int, Decimal)
"""Leaf types a stored value already has (the validator checks their BSON types)."""


class _Unreadable(TypeError):
    """A model with a field this module cannot read without validation."""


class _Readers(dict[type[BaseModel], Callable[[Raw], BaseModel]]):
    def __missing__(self, model: type[BaseModel]) -> Callable[[Raw], BaseModel]:
        try:
            read = _compile(model)
        except _Unreadable:
            read = _validating(model)
        self[model] = read
        return read


READERS = _Readers()
"""Each model's reader, compiled when first used: `READERS[ClipDoc](raw)` is what
`ClipDoc.model_validate(raw)` builds from a stored document (with its field names shared:
`share_names`)."""


def _validating(model: type[BaseModel]) -> Callable[[Raw], BaseModel]:
    def validate(raw: Raw) -> BaseModel:
        document = model.model_validate(_in_utc(raw))
        share_names(document)
        return document

    return validate


def _in_utc(value: Any) -> Any:
    """`value` with its dates, at any depth, given UTC where they have no zone."""
    if isinstance(value, dict):
        return {k: _in_utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_in_utc(v) for v in value]
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_Reader = Callable[[Raw], BaseModel]


class _PartialReaders(dict[tuple[type[BaseModel], frozenset[str]], _Reader | None]):
    def __missing__(self, key: tuple[type[BaseModel], frozenset[str]]) -> _Reader | None:
        model, stored = key
        try:
            read: _Reader | None = _compile(model, stored)
        except _Unreadable:  # validated on every read: its validators may need every field
            read = None
        if len(self) >= PARTIAL_READERS_KEPT:
            del self[next(iter(self))]  # the oldest
        self[key] = read
        return read


_PARTIAL_READERS = _PartialReaders()
PARTIAL_READERS_KEPT = 512
"""Readers of projections kept (the oldest dropped first): a query's selection decides the
projection, so clients choose how many there are."""


def partial_reader(model: type[BaseModel], stored: frozenset[str]) -> _Reader | None:
    """The reader of documents read with only the `stored` fields (a projection): the model
    holds those fields and no others, so reading another raises `AttributeError`. None for
    a model read by validation (its validators may read any field): read it in full."""
    return _PARTIAL_READERS[(model, stored)]


def _with_defaults(model: type[BaseModel], stored: frozenset[str]) -> _Reader:
    """A projection's reader of documents missing some of its fields (written before they
    existed): those present read as the projection of them reads them, the missing ones get
    their defaults, as validation gives them."""
    fields = {n: f for n, f in model.model_fields.items() if (f.alias or n) in stored}

    def read(raw: Raw) -> BaseModel:
        present = partial_reader(model, frozenset(k for k in stored if k in raw))
        assert present is not None  # the model is readable: this reader was compiled
        document = present(raw)
        for name, field in fields.items():
            if (field.alias or name) not in raw and not field.is_required():
                document.__dict__[name] = field.get_default(call_default_factory=True)
        return document

    return read


def _compile(
    model: type[BaseModel], stored: frozenset[str] | None = None
) -> Callable[[Raw], BaseModel]:
    """The reader of `model` (with `stored`: of documents read with only those fields)."""
    decorators = model.__pydantic_decorators__
    # pydantic's own post-init sets private attributes' defaults (made here, below)
    own_post_init = getattr(model.model_post_init, "__name__", "") != "init_private_attributes"
    if (model.__pydantic_post_init__ is not None and own_post_init) or any(
        (decorators.validators, decorators.field_validators, decorators.model_validators)
    ):
        raise _Unreadable(model.__name__)
    helpers: dict[str, Any] = {}
    entries: list[str] = []
    names = []
    for index, (name, field) in enumerate(model.model_fields.items()):
        key = field.alias or name
        if stored is not None and key not in stored:
            continue
        converted = _converted(field.annotation, field.metadata, f"raw[{key!r}]", helpers, index)
        entries.append(f"{name!r}: {converted}")
        names.append(name)
    private = model.__private_attributes__
    helpers.update(
        _model=model,
        _names=SharedNames(model.model_fields) if stored is None else frozenset(names),
        _validate=_validating(model) if stored is None else _with_defaults(model, stored),
        _private=(lambda: {n: p.get_default() for n, p in private.items()}) if private else None,
        _new=object.__new__,
        _UTC=UTC,
        _set=object.__setattr__,
    )
    source = (
        "def read(raw):\n"
        "    try:\n"
        f"        values = {{{', '.join(entries)}}}\n"
        "    except KeyError:  # not every field stored\n"
        "        return _validate(raw)\n"
        "    document = _new(_model)\n"
        "    _set(document, '__dict__', values)\n"
        "    _set(document, '__pydantic_fields_set__', _names)\n"
        "    _set(document, '__pydantic_extra__', None)\n"
        "    _set(document, '__pydantic_private__', _private and _private())\n"
        "    return document\n"
    )
    namespace: dict[str, Any] = {}
    label = model.__name__ if stored is None else f"{model.__name__} {{{' '.join(sorted(stored))}}}"
    exec(compile(source, f"<reader of {label}>", "exec"), helpers, namespace)
    read: Callable[[Raw], BaseModel] = namespace["read"]
    return read


def _converted(
    annotation: Any, metadata: list[Any], expression: str, helpers: dict[str, Any], index: int
) -> str:
    """The expression turning the stored value of `expression` into the field's value."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return _converted(inner, [*extra, *metadata], expression, helpers, index)
    before = [m for m in metadata if isinstance(m, BeforeValidator)]
    if (
        any(
            not isinstance(m, BeforeValidator | PlainSerializer | annotated_types.BaseMetadata)
            for m in metadata
        )
        or len(before) > 1
    ):
        raise _Unreadable(repr(metadata))
    if before:
        name = f"_before{index}"
        helpers[name] = before[0].func
        expression = f"{name}({expression})"
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) != 1:
            raise _Unreadable(repr(annotation))
        inner = _converted(options[0], [], "v", helpers, index)
        if inner == "v":
            return expression
        return f"(None if (v := {expression}) is None else {inner})"
    if origin is list:
        item = _converted(get_args(annotation)[0], [], "x", helpers, index)
        if item == "x":
            return expression
        return f"([{item} for x in v] if (v := {expression}) else [])"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = f"_read{index}_{annotation.__name__}"
        helpers[name] = READERS[annotation]
        return f"{name}({expression})"
    if annotation is float:
        return f"(float(v) if (v := {expression}).__class__ is int else v)"
    if annotation is datetime:  # read without a zone (`Datastore.stored_db`): UTC
        return f"(v.replace(tzinfo=_UTC) if (v := {expression}).tzinfo is None else v)"
    if annotation in _TRUSTED:
        return expression
    raise _Unreadable(repr(annotation))
