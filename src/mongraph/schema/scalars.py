"""Scalar definitions that validate what the driver would otherwise choke on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

__all__ = ["CENT", "SCALAR_MAP"]


def _parse_datetime(value: str) -> datetime:
    """ISO-8601 with a timezone, normalised to UTC (BSON dates are UTC instants)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a timezone is required, e.g. 2026-01-31T12:00:00Z")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc


def _serialize_datetime(value: Any) -> str:
    return str(value.isoformat())


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 date and time with a timezone; always returned in UTC.",
    serialize=_serialize_datetime,
    parse_value=wrap_parser(_parse_datetime, "DateTime"),
)


def _parse_decimal(value: str) -> Decimal:
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError("not a decimal number") from exc


def _serialize_decimal(value: Any) -> str:
    """Money leaves with exactly two decimals: "12.50", never a float."""
    return str(Decimal(value).quantize(CENT))


CENT = Decimal("0.01")

DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='Exact decimal as a string, e.g. "12.50"; never a float.',
    serialize=_serialize_decimal,
    parse_value=wrap_parser(_parse_decimal, "Decimal"),
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME, Decimal: DECIMAL}
