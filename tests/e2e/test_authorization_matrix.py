"""Every query and mutation of the contract, as anonymous / another user / owner / admin /
SERVICE.

The owner is Alice; "other" is Bob; "service" is the TELEGRAM bot's SERVICE account, and
Alice's TELEGRAM identity is a verified one. Each case runs against a fresh world, so a
mutation's outcome never depends on another role's run. Besides the outcome, nothing
private to Alice (her objects' names, identities, wallets, keys) may appear in a response
to anyone but Alice or an admin; the SERVICE may see her identities, nothing else of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mongraph.auth import make_api_key
from mongraph.datastore import (
    cascade,
    chat,
    economy,
    identity,
    link_codes,
    storyboard,
    wallet_challenges,
)
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import IdentityDoc, WalletChallengeDoc, WalletDoc, utcnow
from mongraph.datastore.repository import Scope
from mongraph.proofs.link_code import code_hash, new_code, normalize_code
from mongraph.proofs.wallet_challenge import challenge_message
from mongraph.schema.ids import encode_global_id
from tests.utils.apps import CURSOR_SECRET
from tests.utils.factories import MadeUser, make_user
from tests.utils.graphql import GraphQLClient
from tests.utils.proofs import EthWallet, make_service

SECRET = "alice-private"
IDENT = "alice-ident"
WALLET = "0x" + "ab" * 20

DATA, NULL, NOT_FOUND, FORBIDDEN, FORBIDDEN_ERROR, UNAUTH = (
    "data", "null", "NOT_FOUND", "FORBIDDEN", "FORBIDDEN_ERROR", "UNAUTHENTICATED",
)  # fmt: skip
Expect = str | Callable[[Any], None]


def count(n: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        assert value["totalCount"] == n, value

    check.__name__ = f"count{n}"
    return check


@dataclass(frozen=True)
class Case:
    name: str
    document: str
    variables: dict[str, Any]
    anon: Expect
    other: Expect
    owner: Expect
    admin: Expect
    service: Expect


def q(name: str, document: str, variables: dict[str, Any] | None = None, **expect: Expect) -> Case:
    """`service` defaults to what `other` gets: a SERVICE is an ordinary user elsewhere."""
    expect.setdefault("service", expect["other"])
    return Case(name, document, variables or {}, **expect)  # type: ignore[arg-type]


def only_alice(value: Any) -> None:
    """`nodes` as the SERVICE sees them: of Alice's objects, only Alice herself."""
    assert [v is not None for v in value] == [False] * 5 + [True], value


OWNED = {"anon": UNAUTH, "other": NOT_FOUND, "owner": DATA, "admin": DATA}
READ = {"anon": UNAUTH, "other": NULL, "owner": DATA, "admin": DATA}
# Admins moderate others' conversations but never speak as another user.
OWNER_SPEAKS = {"anon": UNAUTH, "other": NOT_FOUND, "owner": DATA, "admin": FORBIDDEN}
ADMIN_MUTATION = {"anon": UNAUTH, "other": FORBIDDEN, "owner": FORBIDDEN, "admin": DATA}
FOR_ALICE = {"anon": UNAUTH, "other": FORBIDDEN, "owner": DATA, "admin": DATA}
ADMIN_QUERY = {"anon": UNAUTH, "other": FORBIDDEN_ERROR, "owner": FORBIDDEN_ERROR, "admin": DATA}

# A payload's `query` reads the root as the caller; a cascade's `node` and `parent` show
# Alice's objects (their names) to whoever may change them, and nothing to anyone else.
PAYLOAD = "{ userErrors { code } query { viewer { id } } }"
SHOWN = "id ... on Project { name } ... on Scene { name } ... on Conversation { title }"
CASCADE = (
    f"{{ affectedCount affectedIds node {{ {SHOWN} }} parent {{ {SHOWN} }} userErrors {{ code }} }}"
)

CASES = [
    q("viewer", "{ viewer { id displayName } }", anon=NULL, other=DATA, owner=DATA, admin=DATA),
    q("project", "query($id: ID!) { project(id: $id) { name scenes { edges { node { name } } } } }", {"id": "P"}, **READ),
    *(
        q(f"node-{key}", "query($id: ID!) { node(id: $id) { id } }", {"id": key}, **READ)
        for key in ("P", "S", "C", "K", "T")
    ),
    q("node-U", "query($id: ID!) { node(id: $id) { id } }", {"id": "U"}, **READ, service=DATA),
    q("nodes", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["P", "S", "C", "K", "T", "U"]}, **READ, service=only_alice),
    q("projects", "{ projects { totalCount edges { node { name } } } }", anon=UNAUTH, other=count(0), owner=count(1), admin=count(0)),
    q("viewer-projects", "{ viewer { projects { totalCount edges { node { name } } } } }", anon=NULL, other=DATA, owner=DATA, admin=DATA),
    q("user", "query($id: ID!) { user(id: $id) { identities { externalId } wallets { address } transactions { totalCount } } }", {"id": "U"}, **READ, service=DATA),
    q("users", "{ users { totalCount edges { node { displayName identities { externalId } } } } }", **ADMIN_QUERY),
    q("userByIdentity", f'{{ userByIdentity(platform: TELEGRAM, externalId: "{IDENT}-tg") {{ id }} }}', **ADMIN_QUERY, service=DATA),
    q("userByIdentity-web", f'{{ userByIdentity(platform: WEB, externalId: "{IDENT}-web") {{ id }} }}', **ADMIN_QUERY),
    q("createProject", f'mutation {{ createProject(input: {{name: "new"}}) {PAYLOAD} }}', anon=UNAUTH, other=DATA, owner=DATA, admin=DATA),
    q("updateProject", f'mutation($id: ID!) {{ updateProject(input: {{id: $id, name: "x"}}) {PAYLOAD} }}', {"id": "P"}, **OWNED),
    q("deleteProject", f"mutation($id: ID!) {{ deleteProject(id: $id) {CASCADE} }}", {"id": "P"}, **OWNED),
    q("restoreProject", f"mutation($id: ID!) {{ restoreProject(id: $id) {CASCADE} }}", {"id": "D"}, **OWNED),
    q("purgeProject", f"mutation($id: ID!) {{ purgeProject(id: $id) {CASCADE} }}", {"id": "D"}, **OWNED),
    q("createScene", f'mutation($id: ID!) {{ createScene(input: {{projectId: $id, name: "x"}}) {PAYLOAD} }}', {"id": "P"}, **OWNED),
    q("updateScene", f'mutation($id: ID!) {{ updateScene(input: {{id: $id, name: "x"}}) {PAYLOAD} }}', {"id": "S"}, **OWNED),
    q("deleteScene", f"mutation($id: ID!) {{ deleteScene(id: $id) {CASCADE} }}", {"id": "S"}, **OWNED),
    q("restoreScene", f"mutation($id: ID!) {{ restoreScene(id: $id) {CASCADE} }}", {"id": "SD"}, **OWNED),
    q("createClip", f'mutation($id: ID!) {{ createClip(input: {{sceneId: $id, name: "x"}}) {PAYLOAD} }}', {"id": "S"}, **OWNED),
    q("updateClip", f'mutation($id: ID!) {{ updateClip(input: {{id: $id, name: "x"}}) {PAYLOAD} }}', {"id": "C"}, **OWNED),
    q("deleteClip", f"mutation($id: ID!) {{ deleteClip(id: $id) {CASCADE} }}", {"id": "C"}, **OWNED),
    q("restoreClip", f"mutation($id: ID!) {{ restoreClip(id: $id) {CASCADE} }}", {"id": "CD"}, **OWNED),
    q("addGeneratedMedia", f'mutation($id: ID!) {{ addGeneratedMedia(input: {{clipId: $id, kind: IMAGE, url: "https://x/y.png"}}) {PAYLOAD} }}', {"id": "C"}, **OWNED),
    q("selectMedia", f"mutation($id: ID!) {{ selectMedia(input: {{clipId: $id, kind: IMAGE, mediaId: null}}) {PAYLOAD} }}", {"id": "C"}, **OWNED),
    q("createCharacter", f'mutation($id: ID!) {{ createCharacter(input: {{projectId: $id, name: "x"}}) {PAYLOAD} }}', {"id": "P"}, **OWNED),
    q("updateCharacter", f'mutation($id: ID!) {{ updateCharacter(input: {{id: $id, name: "x"}}) {PAYLOAD} }}', {"id": "K"}, **OWNED),
    q("deleteCharacter", f"mutation($id: ID!) {{ deleteCharacter(id: $id) {CASCADE} }}", {"id": "K"}, **OWNED),
    q("restoreCharacter", f"mutation($id: ID!) {{ restoreCharacter(id: $id) {CASCADE} }}", {"id": "KD"}, **OWNED),
    q("createUser", f'mutation {{ createUser(input: {{displayName: "n"}}) {PAYLOAD} }}', **ADMIN_MUTATION),
    q("setUserStatus", f"mutation($id: ID!) {{ setUserStatus(input: {{userId: $id, status: ACTIVE}}) {PAYLOAD} }}", {"id": "U"}, **ADMIN_MUTATION),
    q("applyCredit", f'mutation($id: ID!) {{ applyCredit(input: {{userId: $id, type: CREDIT, amountUsd: "1", idempotencyKey: "m"}}) {PAYLOAD} }}', {"id": "U"}, **ADMIN_MUTATION),
    q("linkIdentity", f'mutation($id: ID) {{ linkIdentity(input: {{platform: EMAIL, externalId: "e", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **ADMIN_MUTATION),
    q("unlinkIdentity", f'mutation($id: ID) {{ unlinkIdentity(input: {{platform: WEB, externalId: "{IDENT}-web", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **FOR_ALICE),
    q("addWallet", f'mutation($id: ID) {{ addWallet(input: {{chain: SOL, address: "{"1" * 32}", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **ADMIN_MUTATION),
    q("addWallet-signed", f"mutation($a: String!, $s: String) {{ addWallet(input: {{chain: ETH, address: $a, signature: $s}}) {PAYLOAD} }}", {"a": "WA", "s": "WS"}, anon=UNAUTH, other=FORBIDDEN, owner=DATA, admin=FORBIDDEN),
    q("createWalletChallenge", f'mutation {{ createWalletChallenge(input: {{chain: SOL, address: "{"1" * 32}"}}) {PAYLOAD} }}', anon=UNAUTH, other=DATA, owner=DATA, admin=DATA),
    q("createIdentityLinkCode", f"mutation {{ createIdentityLinkCode(input: {{platform: DISCORD}}) {PAYLOAD} }}", anon=UNAUTH, other=DATA, owner=DATA, admin=DATA, service=FORBIDDEN),
    q("createIdentityLinkCode-service", f'mutation {{ createIdentityLinkCode(input: {{platform: TELEGRAM, externalId: "t"}}) {PAYLOAD} }}', anon=UNAUTH, other=FORBIDDEN, owner=FORBIDDEN, admin=FORBIDDEN, service=DATA),
    q("redeemIdentityLinkCode", f'mutation($c: String!) {{ redeemIdentityLinkCode(input: {{code: $c, platform: TELEGRAM, externalId: "t"}}) {PAYLOAD} }}', {"c": "LC"}, anon=UNAUTH, other=FORBIDDEN, owner=FORBIDDEN, admin=FORBIDDEN, service=DATA),
    q("setPrimaryWallet", f'mutation($id: ID) {{ setPrimaryWallet(input: {{address: "{WALLET}", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **FOR_ALICE),
    q("removeWallet", f'mutation($id: ID) {{ removeWallet(input: {{address: "{WALLET}", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **FOR_ALICE),
    q("createApiKey", f'mutation($id: ID) {{ createApiKey(input: {{name: "k", userId: $id}}) {PAYLOAD} }}', {"id": "U"}, **FOR_ALICE),
    q("revokeApiKey", f"mutation($id: ID!) {{ revokeApiKey(id: $id) {PAYLOAD} }}", {"id": "KEY"}, **OWNED),
    q("conversation", "query($id: ID!) { conversation(id: $id) { title messages { edges { node { content { text } } } } } }", {"id": "CV"}, **READ),
    *(q(f"node-{key}", "query($id: ID!) { node(id: $id) { id } }", {"id": key}, **READ) for key in ("CV", "M")),
    q("conversations", "{ conversations { totalCount edges { node { title } } } }", anon=UNAUTH, other=count(0), owner=count(1), admin=count(0)),
    q("viewer-conversations", "{ viewer { conversations { totalCount edges { node { title } } } } }", anon=NULL, other=DATA, owner=DATA, admin=DATA),
    q("createConversation", f'mutation {{ createConversation(input: {{title: "t"}}) {PAYLOAD} }}', anon=UNAUTH, other=DATA, owner=DATA, admin=DATA),
    q("updateConversation", f'mutation($id: ID!) {{ updateConversation(input: {{id: $id, title: "t"}}) {PAYLOAD} }}', {"id": "CV"}, **OWNED),
    q("leaveConversation", f"mutation($id: ID!) {{ leaveConversation(id: $id) {PAYLOAD} }}", {"id": "CV"}, anon=UNAUTH, other=NOT_FOUND, owner=NOT_FOUND, admin=NOT_FOUND),
    q("shareConversation", f"mutation($id: ID!) {{ shareConversation(input: {{id: $id, userIds: []}}) {PAYLOAD} }}", {"id": "CV"}, **OWNED),
    q("deleteConversation", f"mutation($id: ID!) {{ deleteConversation(id: $id) {CASCADE} }}", {"id": "CV"}, **OWNED),
    q("restoreConversation", f"mutation($id: ID!) {{ restoreConversation(id: $id) {CASCADE} }}", {"id": "CVD"}, **OWNED),
    q("postMessage", f'mutation($id: ID!) {{ postMessage(input: {{conversationId: $id, content: [{{type: TEXT, text: "t"}}]}}) {PAYLOAD} }}', {"id": "CV"}, **OWNER_SPEAKS),
    q("editMessage", f'mutation($id: ID!) {{ editMessage(input: {{id: $id, content: [{{type: TEXT, text: "t"}}]}}) {PAYLOAD} }}', {"id": "M"}, **OWNER_SPEAKS),
    q("deleteMessage", f"mutation($id: ID!) {{ deleteMessage(id: $id) {CASCADE} }}", {"id": "M"}, **OWNED),
    q("restoreMessage", f"mutation($id: ID!) {{ restoreMessage(id: $id) {CASCADE} }}", {"id": "MD"}, **OWNED),
]  # fmt: skip


async def build_world(store: Datastore, alice: MadeUser) -> dict[str, str]:
    scope = Scope(owner_id=alice.doc.id)
    named = {"name": f"{SECRET}-thing"}
    project = await storyboard.create_project(store, owner_id=alice.doc.id, fields=named)
    scene = await storyboard.create_scene(
        store, scope=scope, project_id=project.id, parent_scene_id=None, order=None, fields=named
    )
    character = await storyboard.create_character(
        store, scope=scope, project_id=project.id, fields=named
    )
    clip = await storyboard.create_clip(
        store, scope=scope, scene_id=scene.id, character_id=character.id, order=None, fields=named
    )
    extra_scene = await storyboard.create_scene(
        store, scope=scope, project_id=project.id, parent_scene_id=None, order=None, fields=named
    )
    extra_clip = await storyboard.create_clip(
        store, scope=scope, scene_id=scene.id, character_id=None, order=None, fields=named
    )
    extra_character = await storyboard.create_character(
        store, scope=scope, project_id=project.id, fields=named
    )
    deleted = await storyboard.create_project(store, owner_id=alice.doc.id, fields=named)
    for collection, oid in [
        ("scenes", extra_scene.id), ("clips", extra_clip.id),
        ("characters", extra_character.id), ("projects", deleted.id),
    ]:  # fmt: skip
        await cascade.soft_delete(store, collection, oid, scope=scope, actor_id=alice.doc.id)
    for platform, external_id in [("TELEGRAM", f"{IDENT}-tg"), ("WEB", f"{IDENT}-web")]:
        verified = utcnow() if platform == "TELEGRAM" else None
        linked = IdentityDoc(platform=platform, external_id=external_id, verified_at=verified)
        await identity.link_identity(store, alice.doc.id, linked)
    await identity.add_wallet(
        store, alice.doc.id, WalletDoc(chain="ETH", address=WALLET), make_primary=True
    )
    spare_key = make_api_key(f"{SECRET}-key")
    await identity.create_api_key(store, alice.doc.id, spare_key.doc)
    entry = await economy.apply_credit(
        store, user_id=alice.doc.id, type_="CREDIT", amount=Decimal("5"), description=SECRET,
        idempotency_key=f"{SECRET}-idem",
    )  # fmt: skip
    conversation = await chat.create_conversation(
        store, owner_id=alice.doc.id, fields={"title": SECRET}
    )
    deleted_conversation = await chat.create_conversation(
        store, owner_id=alice.doc.id, fields={"title": SECRET}
    )
    text = [{"type": "TEXT", "text": SECRET}]
    message, deleted_message = [
        await chat.post_message(
            store,
            scope=scope,
            conversation_id=conversation.id,
            author_id=alice.doc.id,
            role="USER",
            content=text,
        )
        for _ in range(2)
    ]
    for collection, oid in [
        ("messages", deleted_message.id),
        ("conversations", deleted_conversation.id),
    ]:
        await cascade.soft_delete(store, collection, oid, scope=scope, actor_id=alice.doc.id)
    code = new_code()
    await link_codes.make_code(
        store, code_hash=code_hash(normalize_code(code) or "", CURSOR_SECRET), platform="TELEGRAM",
        made_by=alice.doc.id, redeemer="SERVICE",
    )  # fmt: skip
    wallet = EthWallet()
    now = utcnow()
    to_sign = challenge_message(
        chain="ETH", address=wallet.address.lower(), public_url="http://127.0.0.1:8000",
        nonce="n0nce123", issued_at=now, expires_at=now + timedelta(minutes=10),
    )  # fmt: skip
    await wallet_challenges.save_challenge(
        store,
        WalletChallengeDoc(
            user_id=alice.doc.id, chain="ETH", address=wallet.address.lower(), message=to_sign,
            expires_at=now + timedelta(minutes=10),
        ),
    )  # fmt: skip
    return {
        "LC": code,
        "WA": wallet.address,
        "WS": wallet.sign(to_sign),
        "CV": encode_global_id("Conversation", conversation.id),
        "CVD": encode_global_id("Conversation", deleted_conversation.id),
        "M": encode_global_id("Message", message.id),
        "MD": encode_global_id("Message", deleted_message.id),
        "P": encode_global_id("Project", project.id),
        "S": encode_global_id("Scene", scene.id),
        "C": encode_global_id("Clip", clip.id),
        "K": encode_global_id("Character", character.id),
        "T": encode_global_id("CreditTransaction", entry.id),
        "U": alice.global_id,
        "D": encode_global_id("Project", deleted.id),
        "SD": encode_global_id("Scene", extra_scene.id),
        "CD": encode_global_id("Clip", extra_clip.id),
        "KD": encode_global_id("Character", extra_character.id),
        "KEY": encode_global_id("ApiKey", spare_key.doc.id),
    }


def resolve(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [resolve(v, world) for v in value]
    return world.get(value, value) if isinstance(value, str) else value


def check(expect: Expect, body: dict[str, Any]) -> None:
    errors = body.get("errors") or []
    if expect in (UNAUTH, FORBIDDEN_ERROR):
        code = UNAUTH if expect == UNAUTH else "FORBIDDEN"
        assert [e["extensions"]["code"] for e in errors] == [code], body
        return
    assert errors == [], body
    (value,) = body["data"].values()
    if callable(expect):
        expect(value)
    elif expect == NULL:
        assert value is None or (isinstance(value, list) and all(v is None for v in value)), body
    elif expect == DATA:
        assert value is not None, body
        if isinstance(value, list):
            assert all(v is not None for v in value), body
        if isinstance(value, dict) and "userErrors" in value:
            assert value["userErrors"] == [], body
    else:
        assert [e["code"] for e in value["userErrors"]] == [expect], body


@pytest.mark.parametrize("role", ["anon", "other", "owner", "admin", "service"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_authorization(
    case: Case, role: str, http: httpx.AsyncClient, store: Datastore, alice: MadeUser, bob: MadeUser
) -> None:
    world = await build_world(store, alice)
    keys = {"anon": None, "other": bob.secret, "owner": alice.secret}
    if role == "admin":
        keys["admin"] = (await make_user(store, "Root", admin=True)).secret
    if role == "service":
        keys["service"] = (await make_service(store, "TELEGRAM")).secret
    client = GraphQLClient(http, keys[role])
    variables = {k: resolve(v, world) for k, v in case.variables.items()}
    body = await client.raw(case.document, variables)
    check(getattr(case, role), body)
    text = json.dumps(body)
    if role in ("anon", "other"):
        assert SECRET not in text, body  # zero leaks
        assert IDENT not in text, body
    if role == "service":
        assert SECRET not in text, body
        assert WALLET not in text, body
