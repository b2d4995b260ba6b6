"""Who may read, change and subscribe to what: the one authorization policy.

Every entrance asks these rules: HTTP queries and mutations, both WebSocket protocols,
subscriptions and the change-stream fan-out (`live.py`). A rule either answers yes or no,
or gives the filter (`Scope`) the datastore applies, once, to the query it runs: an object
outside the filter is never read, so it cannot leak by a forgotten check afterwards.

The rules speak of accounts (`UserDoc`), so a subscription held open rechecks them against
the account as it is now. `RULES` lists them; `tests/test_policy.py` holds each against the
authorization matrix (`tests/e2e/test_authorization_matrix.py`) role by role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .datastore.documents import ConversationDoc, ProjectDoc, UserDoc
from .datastore.repository import Scope

__all__ = [
    "RULES",
    "account_view",
    "conversation_readers",
    "conversations_scope",
    "follows_changes",
    "identity_lookup_refusal",
    "is_admin",
    "may_act_for",
    "may_look_up",
    "may_see_trash",
    "read_scope",
    "reads_conversation",
    "service_platform",
    "speaker_scope",
    "write_scope",
]

ADMIN = "ADMIN"
SERVICE = "SERVICE"


def is_admin(account: UserDoc) -> bool:
    """Admins read and moderate everything, and are the only ones to manage accounts."""
    return ADMIN in account.roles


def service_platform(account: UserDoc) -> str | None:
    """The platform a SERVICE account speaks for; None for every other account."""
    return account.service_platform if SERVICE in account.roles else None


def read_scope(account: UserDoc) -> Scope:
    """What reads by id may see: anything for admins, else the account's own objects (and
    those shared with it, where a collection shares)."""
    return Scope.unrestricted() if is_admin(account) else Scope(owner_id=account.id)


def write_scope(account: UserDoc) -> Scope:
    """What changes may touch: admins moderate anything, everyone else their own."""
    return read_scope(account)


def speaker_scope(account: UserDoc) -> Scope:
    """Where the account may speak (post a message): its own conversations only, admins
    included; readers of a shared conversation only read it."""
    return Scope(owner_id=account.id)


def may_act_for(account: UserDoc, user_id: Any) -> bool:
    """Whether a change to `user_id`'s account (keys, wallets, identities) may be made by
    this account: the user themself, or an admin."""
    return user_id == account.id or is_admin(account)


def may_look_up(account: UserDoc, user_id: Any) -> bool:
    """Whether `user(id:)` looks the account up at all: the user themself, an admin, or a
    SERVICE (which then sees it only as `account_view` allows)."""
    return may_act_for(account, user_id) or service_platform(account) is not None


def account_view(account: UserDoc, doc: UserDoc) -> UserDoc | None:
    """`doc` as this account may see it: whole to itself and to admins; to a SERVICE,
    redacted, when `doc` has a verified identity on the SERVICE's platform; else nothing."""
    if may_act_for(account, doc.id):
        return doc
    platform = service_platform(account)
    if platform is not None and any(
        i.platform == platform and i.verified_at is not None for i in doc.identities
    ):
        return doc.redacted_copy()
    return None


def identity_lookup_refusal(account: UserDoc, platform: str) -> str | None:
    """Why `userByIdentity` on `platform` is refused to this account (None: it may look):
    admins look up any link, a SERVICE verified links of its own platform."""
    if is_admin(account):
        return None
    own = service_platform(account)
    if own is None:
        return "admins and the platform's SERVICE account only"
    if platform != own:
        return "a SERVICE account resolves its own platform only"
    return None


def may_see_trash(account: UserDoc, owner_id: Any) -> bool:
    """Deleted objects are listed for their owner and admins only."""
    return may_act_for(account, owner_id)


def conversations_scope(account: UserDoc, reader_id: Any) -> Scope:
    """Whose conversations a list of `reader_id`'s shows: those they own or that are
    shared with them, to themself and admins; none to anyone else (a SERVICE reading a
    user's account gets none)."""
    return Scope(owner_id=reader_id) if may_act_for(account, reader_id) else Scope.nobody()


def conversation_readers(conversation: ConversationDoc | None) -> frozenset[Any]:
    """The accounts that may read a conversation (besides admins): its owner and those it
    is shared with, while it is live; nobody once it is deleted."""
    if conversation is None or conversation.deleted_at is not None:
        return frozenset()
    return frozenset([conversation.owner_id, *conversation.shared_with])


def reads_conversation(readers: Iterable[Any], account_id: Any, admin: bool) -> bool:
    """Whether an account reads a conversation with these `conversation_readers`: an admin
    reads every live one, anyone else one they own or that is shared with them."""
    readers = frozenset(readers)
    return bool(readers) and (admin or account_id in readers)


def follows_changes(
    scope: ProjectDoc | ConversationDoc | None, account_id: Any, admin: bool
) -> bool:
    """Whether an account follows the changes of a project or conversation (`projectChanges`,
    `conversationChanges`): as it reads the object by id. Its owner and admins, also while it
    is deleted (they see it in the trash, and may restore it); a conversation's readers while
    it is live; nobody once it is gone (None)."""
    if scope is None:
        return False
    if admin or scope.owner_id == account_id:
        return True
    return isinstance(scope, ConversationDoc) and reads_conversation(
        conversation_readers(scope), account_id, admin
    )


RULES: tuple[Callable[..., Any], ...] = (
    is_admin,
    read_scope,
    write_scope,
    speaker_scope,
    may_act_for,
    may_look_up,
    account_view,
    identity_lookup_refusal,
    may_see_trash,
    conversations_scope,
    reads_conversation,
    follows_changes,
)
"""Every rule that decides for a viewer (`service_platform` and `conversation_readers`
are facts the rules read)."""
