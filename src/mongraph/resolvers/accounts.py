"""Accounts as a viewer may see them, and the identity an input names."""

from __future__ import annotations

from ..context import RequestContext
from ..datastore.documents import IdentityDoc, UserDoc
from ..schema.identity import User
from .common import provided
from .validation import IdentityFields, validated

__all__ = ["identity_doc", "visible"]


def visible(ctx: RequestContext, doc: UserDoc | None) -> User | None:
    """The account as the viewer may see it (`Viewer.visible_user`), or None."""
    shown = None if doc is None else ctx.viewer.visible_user(doc)
    return None if shown is None else User.from_doc(shown)


def identity_doc(data: object, prefix: tuple[str, ...]) -> IdentityDoc:
    """The identity an input names (`platform`, `externalId`, `username`), validated."""
    values = validated(
        IdentityFields,
        provided(data, exclude=("user_id", "code")),
        required=("externalId",),
        non_null=(),
        prefix=prefix,
    )
    return IdentityDoc.model_validate(values)
