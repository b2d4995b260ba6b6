"""`$jsonSchema` validators derived from the document models, and applying them.

The pydantic models in `documents.py` are the one description of a stored
document; the validator of each collection is computed from them, never written
by hand. It checks types and the fields a model requires, and allows fields the
models do not declare (`childrenVersion`, written by `writes.py`, is one).
"""

from __future__ import annotations

import types
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from bson import ObjectId
from pydantic import BaseModel
from pymongo.errors import OperationFailure

from .client import Datastore
from .relations import COLLECTIONS

__all__ = ["apply_validators", "document_schema", "remove_validators", "validator_for"]

Schema = dict[str, Any]
_NAMESPACE_EXISTS = 48

# float fields accept integers: GraphQL Float inputs may arrive as Python ints.
_SCALARS: dict[Any, str | list[str]] = {
    ObjectId: "objectId",
    str: "string",
    bool: "bool",
    int: ["int", "long"],
    float: ["double", "int", "long"],
    datetime: "date",
    Decimal: "decimal",
}


def document_schema(model: type[BaseModel]) -> Schema:
    """The `$jsonSchema` of one model: its fields under their stored (camelCase) names."""
    properties: Schema = {}
    required: list[str] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        properties[key] = _type_schema(field.annotation)
        if field.is_required():
            required.append(key)
    schema: Schema = {"bsonType": "object", "title": model.__name__, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _type_schema(annotation: Any) -> Schema:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _type_schema(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"no $jsonSchema for the union {annotation!r}")
        inner = _type_schema(options[0])
        if len(options) < len(get_args(annotation)):  # `X | None`
            bson_type = inner["bsonType"]
            inner["bsonType"] = [
                *(bson_type if isinstance(bson_type, list) else [bson_type]),
                "null",
            ]
        return inner
    if origin is list:
        return {"bsonType": "array", "items": _type_schema(get_args(annotation)[0])}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return document_schema(annotation)
    if annotation in _SCALARS:
        return {"bsonType": _SCALARS[annotation]}
    raise TypeError(f"no $jsonSchema for {annotation!r}")


def validator_for(collection: str) -> Schema:
    return {"$jsonSchema": document_schema(COLLECTIONS[collection].document)}


async def apply_validators(store: Datastore) -> list[str]:
    """Creates each declared collection with its validator, or replaces the validator of an
    existing one (idempotent). Existing documents are not re-checked (MongoDB's `collMod`)."""
    names: list[str] = []
    for name in COLLECTIONS:
        options: Schema = {
            "validator": validator_for(name),
            "validationLevel": "strict",
            "validationAction": "error",
        }
        try:
            await store.db.create_collection(name, check_exists=False, **options)
        except OperationFailure as error:
            if error.code != _NAMESPACE_EXISTS:
                raise
            await store.db.command("collMod", name, **options)
        names.append(name)
    return names


async def remove_validators(store: Datastore) -> None:
    existing = set(await store.db.list_collection_names())
    for name in COLLECTIONS:
        if name in existing:
            await store.db.command("collMod", name, validator={}, validationLevel="off")
