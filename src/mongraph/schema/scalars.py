"""Scalar definitions that validate what the driver would otherwise choke on."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import strawberry

from ..framework import ScalarDefinition, wrap_parser

__all__ = ["CENT", "SCALAR_MAP"]


def _parse_datetime(value: str) -> datetime:
    """ISO-8601 with a timezone, normalised to UTC (BSON dates are UTC instants)."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):  # Python's own words ("Invalid isoformat string") stay in
        raise ValueError("not an ISO-8601 date and time, e.g. 2026-01-31T12:00:00Z") from None
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


# ASCII digits only: Python's Decimal (and int) also take "12_3", " 12.50 ", "+5", "1E+2"
# and other scripts' digits, none of which a client means as an amount of money.
_MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?", re.ASCII)


def _parse_decimal(value: str) -> Decimal:
    if not isinstance(value, str) or _MONEY.fullmatch(value) is None:
        raise ValueError('an amount is digits with at most two decimals, e.g. "12.50"')
    return Decimal(value)


def _serialize_decimal(value: Any) -> str:
    """Money leaves with exactly two decimals: "12.50", never a float."""
    return str(Decimal(value).quantize(CENT))


CENT = Decimal("0.01")

DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description="Exact decimal as a string of ASCII digits with at most two decimals, "
    'e.g. "12.50"; never a float.',
    serialize=_serialize_decimal,
    parse_value=wrap_parser(_parse_decimal, "Decimal"),
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME, Decimal: DECIMAL}
