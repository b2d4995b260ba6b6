"""Dense zero-based `order` positions among live siblings (see `CollectionSpec.sibling_scope`)."""

from __future__ import annotations

from typing import Any

from ..errors import BadInput
from .change_log import ChangeKind, record_matching
from .client import Datastore, Session
from .live import live
from .relations import CollectionSpec
from .writes import CHILDREN_VERSION

__all__ = ["close_gap", "lock_siblings", "move_within", "open_gap", "sibling_filter"]

Raw = dict[str, Any]


def sibling_filter(spec: CollectionSpec, doc: Raw) -> Raw:
    """Live documents sharing `doc`'s parent fields, `doc` itself excluded."""
    query: Raw = live({f: doc.get(f) for f in spec.sibling_scope})
    if "_id" in doc:
        query["_id"] = {"$ne": doc["_id"]}
    return query


async def lock_siblings(store: Datastore, spec: CollectionSpec, doc: Raw, session: Session) -> None:
    """Writes to the group's parent so concurrent reorderings of one group conflict.

    Two transactions that both count siblings and then append would otherwise
    both pick the same position; touching the same parent document makes the
    second one fail with a write conflict, and `with_transaction` retries it.
    """
    for field, collection in reversed(spec.sibling_parents):
        if doc.get(field) is not None:
            await store.db[collection].update_one(
                {"_id": doc[field]}, {"$inc": {CHILDREN_VERSION: 1}}, session=session
            )
            return


async def _shift(
    store: Datastore, spec: CollectionSpec, doc: Raw, session: Session, bounds: Raw, by: int
) -> None:
    query = {**sibling_filter(spec, doc), "order": bounds}
    await record_matching(store, session, ChangeKind.UPDATED, spec.name, query)  # renumbered
    await store.db[spec.name].update_many(query, {"$inc": {"order": by}}, session=session)


async def open_gap(
    store: Datastore,
    spec: CollectionSpec,
    doc: Raw,
    session: Session,
    *,
    requested: int | None,
    clamp: bool = False,
) -> int:
    """Makes room at `requested` (appends when None) and returns the position to use.

    Out-of-range positions are `BAD_USER_INPUT` unless `clamp` (a restore puts a
    document back as close to where it was as its siblings now allow).
    """
    await lock_siblings(store, spec, doc, session)
    count = await store.db[spec.name].count_documents(sibling_filter(spec, doc), session=session)
    if requested is None:
        return count
    if not 0 <= requested <= count:
        if not clamp:
            raise BadInput(f"order must be between 0 and {count}", field=("input", "order"))
        requested = max(0, min(requested, count))
    await _shift(store, spec, doc, session, {"$gte": requested}, 1)
    return requested


async def close_gap(store: Datastore, spec: CollectionSpec, doc: Raw, session: Session) -> None:
    """Closes the hole `doc` leaves among its live siblings."""
    await lock_siblings(store, spec, doc, session)
    await _shift(store, spec, doc, session, {"$gt": doc["order"]}, -1)


async def move_within(
    store: Datastore, spec: CollectionSpec, doc: Raw, session: Session, *, to: int
) -> int:
    """Moves `doc` to position `to` among its siblings, shifting those in between."""
    await lock_siblings(store, spec, doc, session)
    count = await store.db[spec.name].count_documents(sibling_filter(spec, doc), session=session)
    if not 0 <= to <= count:
        raise BadInput(f"order must be between 0 and {count}", field=("input", "order"))
    current = int(doc["order"])
    if to < current:
        await _shift(store, spec, doc, session, {"$gte": to, "$lt": current}, 1)
    elif to > current:
        await _shift(store, spec, doc, session, {"$gt": current, "$lte": to}, -1)
    return to
