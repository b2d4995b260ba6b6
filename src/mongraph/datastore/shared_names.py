"""One set of field names for the many documents of one shape read from the database."""

from __future__ import annotations

from functools import cache
from typing import NoReturn, get_args

from pydantic import BaseModel
from typing_extensions import override

__all__ = ["SharedNames", "share_names"]


class SharedNames(set[str]):
    """The names of the fields set on many documents read from the database: one set for
    all of them. Pydantic gives every model its own set of them (2.3 kB for a clip's 21
    fields, three quarters of the model); only `model_fields_set`, `exclude_unset` and
    copies read it. Read-only: a document first takes a set of its own when a field of it
    is assigned (`documents._Model.__setattr__`), and its copies get plain sets."""

    def _read_only(self, *_: object) -> NoReturn:
        raise TypeError("the field names shared by stored documents are read-only")

    add = discard = remove = pop = clear = _read_only
    update = difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: object) -> set[str]:
        return set(self)

    @override
    def __reduce__(self) -> tuple[type[set[str]], tuple[list[str]]]:
        return set, (list(self),)


_SHARED_LIMIT = 64
"""Distinct sets of field names shared per model (stored documents have a few shapes)."""
_shared_names: dict[type[BaseModel], dict[frozenset[str], SharedNames]] = {}
_last_names: dict[type[BaseModel], SharedNames] = {}


def share_names(model: BaseModel) -> None:
    """Gives `model` (and the models in its fields) the shared set of its field names."""
    cls = type(model)
    names = model.__pydantic_fields_set__
    shared = _last_names.get(cls)
    if shared is None or shared != names:
        known = _shared_names.setdefault(cls, {})
        key = frozenset(names)
        shared = known.get(key)
        if shared is None:
            if len(known) >= _SHARED_LIMIT:
                return
            shared = known[key] = SharedNames(names)
        _last_names[cls] = shared
    object.__setattr__(model, "__pydantic_fields_set__", shared)
    for name in _nested_fields(cls):
        value = model.__dict__[name]
        if isinstance(value, list):
            for item in value:
                share_names(item)
        elif value is not None:
            share_names(value)


@cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `cls` that hold models (or lists of them)."""
    nested = []
    for name, field in cls.model_fields.items():
        for kind in (field.annotation, *get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                nested.append(name)
                break
    return tuple(nested)
