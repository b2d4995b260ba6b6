"""Every rule of the authorization policy (`mongraph.policy.RULES`), asked for each role about
Alice's objects, agrees with what the authorization matrix expects of the gateway for that
role (tests/e2e/test_authorization_matrix.py drives the same cases through HTTP).

A rule added to the policy without a row here fails `test_every_rule_is_held_against_the_matrix`,
so no rule goes unchecked; a matrix case renamed or removed fails the lookup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from mongraph import policy
from mongraph.datastore.documents import ConversationDoc, IdentityDoc, ProjectDoc, UserDoc
from tests.e2e.test_authorization_matrix import CASES, DATA, Case

ROLES = ("other", "owner", "admin", "service")

ALICE = UserDoc(
    display_name="Alice",
    identities=[IdentityDoc(platform="TELEGRAM", external_id="t", verified_at=datetime.now(UTC))],
)
ACCOUNTS = {
    "owner": ALICE,
    "other": UserDoc(display_name="Bob"),
    "admin": UserDoc(display_name="Root", roles=["USER", "ADMIN"]),
    "service": UserDoc(display_name="Bot", roles=["USER", "SERVICE"], service_platform="TELEGRAM"),
}
CONVERSATION = ConversationDoc(owner_id=ALICE.id, title="t")
PROJECT = ProjectDoc(owner_id=ALICE.id, name="p")


def _sees_alices(scope: Any) -> bool:
    return scope.owner_id in (None, ALICE.id)


Verdict = Callable[[UserDoc], bool]
HELD: dict[Callable[..., Any], tuple[Verdict, tuple[str, ...]]] = {
    policy.is_admin: (policy.is_admin, ("createUser", "setUserStatus", "users", "applyCredit")),
    policy.read_scope: (
        lambda a: _sees_alices(policy.read_scope(a)),
        ("project", "node-P", "node-S", "node-C", "node-K", "node-T", "conversation"),
    ),
    policy.write_scope: (
        lambda a: _sees_alices(policy.write_scope(a)),
        ("updateProject", "deleteScene", "restoreClip", "updateCharacter", "deleteMessage"),
    ),
    policy.speaker_scope: (
        lambda a: _sees_alices(policy.speaker_scope(a)),
        ("postMessage", "editMessage"),
    ),
    policy.may_act_for: (
        lambda a: policy.may_act_for(a, ALICE.id),
        ("createApiKey", "setPrimaryWallet", "removeWallet", "unlinkIdentity"),
    ),
    policy.may_look_up: (
        lambda a: policy.may_look_up(a, ALICE.id) and policy.account_view(a, ALICE) is not None,
        ("user", "node-U"),
    ),
    policy.account_view: (lambda a: policy.account_view(a, ALICE) is not None, ("user",)),
    policy.identity_lookup_refusal: (
        lambda a: policy.identity_lookup_refusal(a, "TELEGRAM") is None,
        ("userByIdentity",),
    ),
    policy.may_see_trash: (
        lambda a: policy.may_see_trash(a, ALICE.id),
        ("restoreMessage", "restoreConversation"),
    ),
    policy.conversations_scope: (
        lambda a: _sees_alices(policy.conversations_scope(a, ALICE.id)),
        ("conversation", "deleteConversation"),
    ),
    policy.reads_conversation: (
        lambda a: policy.reads_conversation(
            policy.conversation_readers(CONVERSATION), a.id, policy.is_admin(a)
        ),
        ("conversation", "node-CV", "node-M"),
    ),
    # `projectChanges` / `conversationChanges` are authorized as a read of the object
    policy.follows_changes: (
        lambda a: (
            policy.follows_changes(PROJECT, a.id, policy.is_admin(a))
            and policy.follows_changes(CONVERSATION, a.id, policy.is_admin(a))
        ),
        ("project", "node-P", "conversation", "node-CV"),
    ),
}
"""Rule → (its verdict for an account, about Alice's objects; the matrix cases it decides)."""


def _allowed(case: Case, role: str) -> bool:
    expected = getattr(case, role)
    return expected == DATA or callable(expected)


def test_every_rule_is_held_against_the_matrix() -> None:
    assert set(HELD) == set(policy.RULES)


@pytest.mark.parametrize("rule", policy.RULES, ids=lambda r: r.__name__)
def test_the_rule_agrees_with_the_matrix(rule: Callable[..., Any]) -> None:
    verdict, names = HELD[rule]
    by_name = {c.name: c for c in CASES}
    for name in names:
        case = by_name[name]
        expected = {role: _allowed(case, role) for role in ROLES}
        assert {role: verdict(ACCOUNTS[role]) for role in ROLES} == expected, name


def test_the_rules_tell_roles_apart() -> None:
    """The comparison above can fail: a rule that allows everyone disagrees with the
    matrix on an owner-only case."""
    case = {c.name: c for c in CASES}["updateProject"]
    assert {role: True for role in ROLES} != {role: _allowed(case, role) for role in ROLES}


def test_a_deleted_conversation_has_no_readers() -> None:
    deleted = CONVERSATION.model_copy(update={"deleted_at": datetime.now(UTC)})
    assert policy.conversation_readers(deleted) == frozenset()
    assert not policy.reads_conversation(frozenset(), ALICE.id, admin=True)


def test_a_shared_reader_reads_but_does_not_speak() -> None:
    bob = ACCOUNTS["other"]
    shared = CONVERSATION.model_copy(update={"shared_with": [bob.id]})
    assert policy.reads_conversation(policy.conversation_readers(shared), bob.id, admin=False)
    assert policy.speaker_scope(bob).owner_id == bob.id != shared.owner_id
    assert isinstance(bob.id, ObjectId)


def test_changes_are_followed_in_the_trash_by_those_who_see_it_only() -> None:
    bob, root = ACCOUNTS["other"], ACCOUNTS["admin"]
    now = datetime.now(UTC)
    shared = CONVERSATION.model_copy(update={"shared_with": [bob.id]})
    assert policy.follows_changes(shared, bob.id, admin=False)
    deleted = shared.model_copy(update={"deleted_at": now})
    assert not policy.follows_changes(deleted, bob.id, admin=False)
    assert policy.follows_changes(deleted, ALICE.id, admin=False)
    trashed = PROJECT.model_copy(update={"deleted_at": now})
    assert policy.follows_changes(trashed, root.id, admin=True)
    assert not policy.follows_changes(None, ALICE.id, admin=True)  # purged
