"""SERVICE accounts: one platform each; what they may do there, and nothing beyond it."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from mongraph.datastore import economy, identity, storyboard
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import IdentityDoc, WalletDoc, utcnow
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import codes
from tests.utils.proofs import make_service

CREATE = """mutation($i: CreateUserInput!) { createUser(input: $i) {
  user { id roles identities { platform externalId verifiedAt } } apiKeySecret
  userErrors { code field } } }"""
READ_USER = """query($id: ID!) { user(id: $id) { id displayName status roles
  identities { platform externalId } economy { usdCredit }
  wallets { address } primaryWallet { address } apiKeys { id }
  transactions { totalCount } projects { totalCount } conversations { totalCount } } }"""


@pytest.fixture
async def bot_user(store: Datastore) -> MadeUser:
    return await make_service(store, "TELEGRAM", "TgBot")


@pytest.fixture
def bot(http: httpx.AsyncClient, bot_user: MadeUser) -> GraphQLClient:
    return GraphQLClient(http, bot_user.secret)


async def link(
    store: Datastore, user: MadeUser, platform: str, ext: str, *, verified: bool
) -> None:
    when = utcnow() if verified else None
    doc = IdentityDoc(platform=platform, external_id=ext, verified_at=when)
    await identity.link_identity(store, user.doc.id, doc)


async def test_admins_make_service_accounts_for_one_platform(
    http: httpx.AsyncClient, admin: MadeUser, gql: GraphQLClient
) -> None:
    as_admin = GraphQLClient(http, admin.secret)
    made = (await as_admin.ok(CREATE, {"i": {"displayName": "Bot", "roles": ["SERVICE"],
                                             "servicePlatform": "DISCORD"}}))["createUser"]  # fmt: skip
    assert made["user"]["roles"] == ["USER", "SERVICE"]
    bad = [
        {"displayName": "B", "roles": ["SERVICE"]},
        {"displayName": "B", "servicePlatform": "DISCORD"},
        {"displayName": "B", "roles": ["SERVICE", "ADMIN"], "servicePlatform": "DISCORD"},
    ]
    for i in bad:
        assert codes((await as_admin.ok(CREATE, {"i": i}))["createUser"]) == ["BAD_USER_INPUT"]
    refused = await gql.ok(CREATE, {"i": {"displayName": "B", "roles": ["SERVICE"],
                                          "servicePlatform": "DISCORD"}})  # fmt: skip
    assert codes(refused["createUser"]) == ["FORBIDDEN"]
    assert (await as_admin.ok("{ users { totalCount } }"))["users"][
        "totalCount"
    ] == 3  # Root, Alice, Bot


async def test_a_bot_registers_a_person_of_its_platform_without_roles(
    bot: GraphQLClient, store: Datastore
) -> None:
    tg = {"platform": "TELEGRAM", "externalId": "9001"}
    made = (await bot.ok(CREATE, {"i": {"displayName": "Pat", "identity": tg}}))["createUser"]
    assert made["userErrors"] == []
    assert made["user"]["roles"] == ["USER"]
    assert made["user"]["identities"][0]["verifiedAt"] is not None
    refusals = [
        {"displayName": "X", "identity": {"platform": "DISCORD", "externalId": "1"}},
        {"displayName": "X"},
        {"displayName": "X", "identity": {**tg, "externalId": "2"}, "roles": ["ADMIN"]},
        {"displayName": "X", "identity": {**tg, "externalId": "3"}, "roles": ["SERVICE"],
         "servicePlatform": "TELEGRAM"},
    ]  # fmt: skip
    for i in refusals:
        assert codes((await bot.ok(CREATE, {"i": i}))["createUser"]) == ["FORBIDDEN"]
    taken = (await bot.ok(CREATE, {"i": {"displayName": "Y", "identity": tg}}))["createUser"]
    assert codes(taken) == ["CONFLICT"]
    assert await store.db["users"].count_documents({}) == 2  # the bot and Pat


async def test_a_bot_reads_only_verified_users_of_its_platform_and_only_some_fields(
    bot: GraphQLClient, store: Datastore, alice: MadeUser, bob: MadeUser, admin: MadeUser,
    http: httpx.AsyncClient,
) -> None:  # fmt: skip
    await link(store, alice, "TELEGRAM", "a-tg", verified=True)
    await link(store, bob, "TELEGRAM", "b-tg", verified=False)  # linked before proofs
    await link(store, bob, "DISCORD", "b-dc", verified=True)
    await identity.add_wallet(
        store, alice.doc.id, WalletDoc(chain="SOL", address="1" * 32), make_primary=True
    )
    await economy.apply_credit(
        store, user_id=alice.doc.id, type_="CREDIT", amount=Decimal("5"), description="x",
        idempotency_key="k",
    )  # fmt: skip
    await storyboard.create_project(store, owner_id=alice.doc.id, fields={"name": "secret"})

    seen = (await bot.ok(READ_USER, {"id": alice.global_id}))["user"]
    assert seen == {
        "id": alice.global_id, "displayName": "Alice", "status": "ACTIVE", "roles": ["USER"],
        "identities": [{"platform": "TELEGRAM", "externalId": "a-tg"}],
        "economy": {"usdCredit": "5.00"},
        "wallets": [], "primaryWallet": None, "apiKeys": [],
        "transactions": {"totalCount": 0}, "projects": {"totalCount": 0},
        "conversations": {"totalCount": 0},
    }  # fmt: skip
    assert (await bot.ok(READ_USER, {"id": bob.global_id}))["user"] is None
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await bot.ok(node, {"id": bob.global_id}))["node"] is None
    assert (await bot.ok(node, {"id": alice.global_id}))["node"] == {"id": alice.global_id}
    by = "query($e: String!) { userByIdentity(platform: TELEGRAM, externalId: $e) { id } }"
    assert (await bot.ok(by, {"e": "a-tg"}))["userByIdentity"] == {"id": alice.global_id}
    assert (await bot.ok(by, {"e": "b-tg"}))["userByIdentity"] is None  # not proven
    as_admin = GraphQLClient(http, admin.secret)
    assert (await as_admin.ok(by, {"e": "b-tg"}))["userByIdentity"] == {"id": bob.global_id}


async def test_a_bot_is_refused_everything_outside_its_platform_and_role(
    bot: GraphQLClient, store: Datastore, alice: MadeUser
) -> None:
    await link(store, alice, "DISCORD", "a-dc", verified=True)
    query_refusals = [
        '{ userByIdentity(platform: DISCORD, externalId: "a-dc") { id } }',
        "{ users { totalCount } }",
    ]
    for query in query_refusals:
        assert await bot.error_codes(query) == ["FORBIDDEN"], query
    uid = alice.global_id
    mutations = [
        'createIdentityLinkCode(input: {platform: DISCORD, externalId: "a-dc"}) { userErrors { code } }',
        'redeemIdentityLinkCode(input: {code: "ZZZZZ-ZZZZZ", platform: DISCORD, externalId: "a-dc"}) { userErrors { code } }',
        f'linkIdentity(input: {{platform: TELEGRAM, externalId: "t", userId: "{uid}"}}) {{ userErrors {{ code }} }}',
        'linkIdentity(input: {platform: TELEGRAM, externalId: "t"}) { userErrors { code } }',
        f'setUserStatus(input: {{userId: "{uid}", status: SUSPENDED}}) {{ userErrors {{ code }} }}',
        f'applyCredit(input: {{userId: "{uid}", type: CREDIT, amountUsd: "1", idempotencyKey: "i"}}) {{ userErrors {{ code }} }}',
        f'addWallet(input: {{chain: SOL, address: "{"1" * 32}", userId: "{uid}"}}) {{ userErrors {{ code }} }}',
        f'createApiKey(input: {{name: "k", userId: "{uid}"}}) {{ userErrors {{ code }} }}',
    ]
    for mutation in mutations:
        data = await bot.ok(f"mutation {{ {mutation} }}")
        (payload,) = data.values()
        assert codes(payload) == ["FORBIDDEN"], mutation
    raw = await store.db["users"].find_one({"_id": alice.doc.id})
    assert raw is not None
    assert [i["platform"] for i in raw["identities"]] == ["DISCORD"]
    assert (raw["status"], raw["wallets"], len(raw["apiKeys"])) == ("ACTIVE", [], 1)
    assert await store.db["transactions"].count_documents({}) == 0
    assert await store.db["linkCodes"].count_documents({}) == 0
