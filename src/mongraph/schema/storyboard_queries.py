"""Filters and orderings of the `projects` list, and the filter of a scene's clips."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from ..execution.loading import ListSelection, Where, contains, text_pattern
from .common import DateTimeRange, SortDirection, described_enum
from .ids import object_id_of

__all__ = [
    "ClipFilter",
    "ClipFilterArg",
    "IncludeDeletedArg",
    "ProjectFilter",
    "ProjectFilterArg",
    "ProjectOrder",
    "ProjectOrderArg",
    "ProjectOrderField",
    "clip_conditions",
    "projects_of",
]


@strawberry.input(description="Narrows the `projects` list; all given conditions must hold.")
class ProjectFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name (taken literally)."
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Created within this range."
    )


@described_enum(
    "What the `projects` list is sorted by.",
    CREATED_AT="By when the project was created.",
    UPDATED_AT="By when the project last changed.",
    NAME="By name, as stored (byte order).",
)
class ProjectOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"


@strawberry.input(description="Sort order of the `projects` list (ties broken by id).")
class ProjectOrder:
    field: ProjectOrderField = strawberry.field(description="The field the list is sorted by.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Ascending or descending."
    )


ProjectFilterArg = Annotated[
    ProjectFilter | None,
    strawberry.argument(description="Only the items that match every field set here."),
]
ProjectOrderArg = Annotated[
    ProjectOrder | None, strawberry.argument(description="Default: CREATED_AT DESC.")
]
IncludeDeletedArg = Annotated[
    bool | None, strawberry.argument(description="Show deleted ones too (the owner's trash).")
]


_ORDER_FIELDS = {
    ProjectOrderField.CREATED_AT: "createdAt",
    ProjectOrderField.UPDATED_AT: "updatedAt",
    ProjectOrderField.NAME: "name",
}


def projects_of(
    owner_id: Any, where: ProjectFilter | None, order_by: ProjectOrder | None
) -> ListSelection:
    """The projects a `projects` list shows: the owner's, filtered and ordered."""
    order = order_by or ProjectOrder(field=ProjectOrderField.CREATED_AT)
    query: dict[str, Any] = {"ownerId": owner_id}
    if where is not None:
        if where.name_contains:
            query["name"] = contains(where.name_contains, "nameContains")
        if where.created_at is not None:
            bounds = {"$gte": where.created_at.from_, "$lte": where.created_at.to}
            if any(v is not None for v in bounds.values()):
                query["createdAt"] = {k: v for k, v in bounds.items() if v is not None}
    return ListSelection(query, _ORDER_FIELDS[order.field], order.direction is SortDirection.DESC)


@strawberry.input(description="Narrows a scene's clips; all given conditions must hold.")
class ClipFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name (taken literally)."
    )
    character_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only the clips featuring this character."
    )


ClipFilterArg = Annotated[
    ClipFilter | None,
    strawberry.argument(description="Only the clips that match every field set here."),
]


def clip_conditions(args: dict[str, Any]) -> Where:
    """A scene's clips narrowed by `where` (a ClipFilter), as the page's conditions."""
    where: ClipFilter | None = args.get("where")
    conditions: list[tuple[str, Any]] = []
    if where is not None:
        if where.name_contains:
            conditions.append(("name", text_pattern(where.name_contains, "nameContains")))
        if where.character_id is not None:
            field = ("where", "characterId")
            conditions.append(("characterId", object_id_of(where.character_id, "Character", field)))
    return tuple(conditions)
