"""The arguments every connection takes: `first`/`after` page forward, `last`/`before`
back from the end, with the same signed keyset cursors and bounds. None has a default:
`last: 2` alone means the last two; with neither `first` nor `last`, the list's default
page forward."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ..execution.relation_fields import Arg
from ..pages import MAX_PAGE_SIZE

__all__ = ["PAGING", "After", "Before", "First", "Last"]

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"The first this many items (after `after`), 0 to {MAX_PAGE_SIZE}."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Return the items after this cursor (an edge's `cursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"The last this many items (before `before`), 0 to {MAX_PAGE_SIZE}."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Return the items before this cursor (an edge's `cursor`)."),
]

PAGING = {
    name: Arg(annotation, strawberry.UNSET)
    for name, annotation in (("first", First), ("after", After), ("last", Last), ("before", Before))
}
"""A declared connection's paging arguments (`ChildPage(...).field(..., **PAGING)`)."""
