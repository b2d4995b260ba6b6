"""Keyset pagination: signed opaque cursors and the filters that resume after them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, overload

from bson import ObjectId
from typing_extensions import override

from ..errors import BadInput
from .relations import SortSpec

__all__ = [
    "CursorCodec",
    "LazyCursors",
    "Page",
    "PageRequest",
    "keyset_filter",
    "mongo_sort",
    "sort_values",
]

T = TypeVar("T")
_SIG_BYTES = 12


@dataclass(frozen=True)
class PageRequest:
    """`first`/`after` (forward) or `last`/`before` (backward); already range-checked."""

    limit: int
    cursor: tuple[Any, ...] | None = None
    backward: bool = False


class LazyCursors(Sequence[str]):
    """The cursors of a page's rows, each signed only when asked for: most queries
    select no `cursor`, and signing one per row was a tenth of a big response's CPU.
    Keeps the rows' sort values only, not the rows (the raw documents, as big again as
    the parsed ones, would live as long as the page)."""

    def __init__(
        self, codec: CursorCodec, ordering: str, sort: SortSpec, rows: list[dict[str, Any]]
    ) -> None:
        self._codec, self._ordering = codec, ordering
        # one list per sort key, `_id` last (as `sort_values`): 8 bytes a row and key
        self._columns = [[row.get(name) for row in rows] for name, _ in sort]
        self._columns.append([row["_id"] for row in rows])

    @override
    def __len__(self) -> int:
        return len(self._columns[-1])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    @override
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return self._codec.encode(self._ordering, tuple(c[index] for c in self._columns))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: Sequence[str]
    has_next: bool
    has_previous: bool


def mongo_sort(sort: SortSpec, *, backward: bool = False) -> list[tuple[str, int]]:
    full = [*sort, ("_id", sort[-1][1] if sort else 1)]
    return [(f, -d if backward else d) for f, d in full]


def sort_values(doc: dict[str, Any], sort: SortSpec) -> tuple[Any, ...]:
    return (*(doc.get(f) for f, _ in sort), doc["_id"])


def keyset_filter(sort: SortSpec, values: tuple[Any, ...], *, backward: bool) -> dict[str, Any]:
    """Documents strictly after `values` in `sort` order (before them when `backward`)."""
    full = mongo_sort(sort, backward=backward)
    branches: list[dict[str, Any]] = []
    for i, (name, direction) in enumerate(full):
        branch = {full[j][0]: values[j] for j in range(i)}
        branch[name] = {"$gt" if direction == 1 else "$lt": values[i]}
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"$or": branches}


class CursorCodec:
    """Encodes keyset positions as opaque, HMAC-signed strings.

    A cursor names the ordering it belongs to, so one minted for another list or
    order, or edited by hand, is rejected as `BAD_USER_INPUT` instead of paging wrong.
    """

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def encode(self, ordering: str, values: tuple[Any, ...]) -> str:
        payload = json.dumps([ordering, [_tag(v) for v in values]], separators=(",", ":"))
        raw = payload.encode()
        return base64.urlsafe_b64encode(raw + self._sign(raw)).decode().rstrip("=")

    def decode(
        self, ordering: str, cursor: str, sort: SortSpec, *, field: str = "after"
    ) -> tuple[Any, ...]:
        """The keyset position `(*sort values, _id)`. A cursor that is signed but holds
        anything else (the public default secret signs for anyone) is refused too."""
        try:
            blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            raw, sig = blob[:-_SIG_BYTES], blob[-_SIG_BYTES:]
            if len(raw) == 0 or not hmac.compare_digest(sig, self._sign(raw)):
                raise ValueError("bad signature")
            name, tagged = json.loads(raw)
            if name != ordering:
                raise ValueError("cursor of another ordering")
            if not isinstance(tagged, list) or len(tagged) != len(sort) + 1:
                raise ValueError("a position of another length")
            values = tuple(_untag(v) for v in tagged)
            if not isinstance(values[-1], ObjectId):
                raise ValueError("the position's last value is not an id")
            return values
        except (ValueError, TypeError, KeyError) as exc:
            raise BadInput(
                f"`{field}` is not a valid cursor for this list", field=(field,)
            ) from exc

    def _sign(self, raw: bytes) -> bytes:
        return hmac.new(self._key, raw, hashlib.sha256).digest()[:_SIG_BYTES]


def _tag(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return {"o": str(value)}
    if isinstance(value, datetime):  # read without a zone (`Datastore.stored_db`): UTC
        return {"d": (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()}
    return value


_INT64 = range(-(2**63), 2**63)


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("o"), str) and ObjectId.is_valid(value["o"]):
            return ObjectId(value["o"])
        if isinstance(value.get("d"), str):
            return datetime.fromisoformat(value["d"])
        raise ValueError("unknown tag")
    if isinstance(value, int) and value not in _INT64:
        raise ValueError("an integer BSON cannot hold")
    if value is None or isinstance(value, str | int | float):
        return value
    raise ValueError("not a sort value")
