"""Master accounts: identities, wallets, API keys, status (through the HTTP API)."""

from __future__ import annotations

import httpx
import pytest

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import USER_FIELDS, mutate_user
from tests.utils.proofs import CHALLENGE, EthWallet, SolWallet, Wallet, challenge

CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.fixture
def as_admin(http: httpx.AsyncClient, admin: MadeUser) -> GraphQLClient:
    return GraphQLClient(http, admin.secret)


@pytest.fixture
def as_bob(http: httpx.AsyncClient, bob: MadeUser) -> GraphQLClient:
    return GraphQLClient(http, bob.secret)


def codes(payload: dict[str, object]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]  # type: ignore[attr-defined, index]


async def test_viewer_has_every_field_and_a_fresh_economy(
    gql: GraphQLClient, alice: MadeUser
) -> None:
    viewer = (await gql.ok(f"{{ viewer {{ {USER_FIELDS} createdAt updatedAt }} }}"))["viewer"]
    assert viewer["id"] == alice.global_id
    assert (viewer["status"], viewer["roles"], viewer["identities"], viewer["wallets"]) == (
        "ACTIVE",
        ["USER"],
        [],
        [],
    )
    assert viewer["economy"] == {"usdCredit": "0.00", "exp": 0}
    assert viewer["apiKeys"][0]["prefix"] == alice.secret[:12]
    assert alice.secret not in str(viewer)


async def test_create_user_is_admin_only_and_returns_the_secret_once(
    http: httpx.AsyncClient, gql: GraphQLClient, as_admin: GraphQLClient
) -> None:
    mutation = """mutation($i: CreateUserInput!) { createUser(input: $i) {
        user { id displayName roles identities { platform externalId username } economy { usdCredit } }
        apiKeySecret userErrors { code field } } }"""
    variables = {
        "i": {
            "displayName": "Dana",
            "identity": {"platform": "TELEGRAM", "externalId": "42", "username": "dana"},
        }
    }
    refused = (await gql.ok(mutation, variables))["createUser"]
    assert refused == {
        "user": None,
        "apiKeySecret": None,
        "userErrors": [{"code": "FORBIDDEN", "field": None}],
    }
    created = (await as_admin.ok(mutation, variables))["createUser"]
    assert created["userErrors"] == []
    assert created["user"]["identities"] == [
        {"platform": "TELEGRAM", "externalId": "42", "username": "dana"}
    ]
    assert created["user"]["economy"] == {"usdCredit": "0.00"}
    dana = GraphQLClient(http, created["apiKeySecret"])
    assert (await dana.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Dana"}
    again = (await as_admin.ok(mutation, {"i": {**variables["i"], "displayName": "Eve"}}))[
        "createUser"
    ]
    assert codes(again) == ["CONFLICT"]
    users = await as_admin.ok('{ users(where: {displayNameContains: "eve"}) { totalCount } }')
    assert users["users"]["totalCount"] == 0  # nothing half-created


async def test_identities_link_once_across_accounts(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser, bob: MadeUser
) -> None:
    """Only admins link identities directly (support work); they link them verified."""
    telegram = {"platform": "TELEGRAM", "externalId": "1001"}
    for_alice = {"userId": alice.global_id}
    linked = await mutate_user(
        as_admin, "linkIdentity", {**telegram, **for_alice, "username": "al"}
    )
    assert linked["user"]["identities"] == [
        {"platform": "TELEGRAM", "externalId": "1001", "username": "al"}
    ]
    assert codes(await mutate_user(as_admin, "linkIdentity", {**telegram, **for_alice})) == [
        "CONFLICT"
    ]
    for_bob = {"userId": bob.global_id}
    assert codes(await mutate_user(as_admin, "linkIdentity", {**telegram, **for_bob})) == [
        "CONFLICT"
    ]
    other_platform = await mutate_user(
        as_admin, "linkIdentity", {"platform": "DISCORD", "externalId": "1001", **for_bob}
    )
    assert other_platform["userErrors"] == []
    verified = await gql.ok("{ viewer { identities { verifiedAt } } }")
    assert verified["viewer"]["identities"][0]["verifiedAt"] is not None


async def test_unlink_refuses_the_last_identity(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser
) -> None:
    for_alice = {"userId": alice.global_id}
    await mutate_user(
        as_admin, "linkIdentity", {"platform": "WEB", "externalId": "w1", **for_alice}
    )
    await mutate_user(
        as_admin, "linkIdentity", {"platform": "EMAIL", "externalId": "a@example.com", **for_alice}
    )
    unknown = await mutate_user(gql, "unlinkIdentity", {"platform": "WEB", "externalId": "nope"})
    assert codes(unknown) == ["NOT_FOUND"]
    first = await mutate_user(gql, "unlinkIdentity", {"platform": "WEB", "externalId": "w1"})
    assert [i["platform"] for i in first["user"]["identities"]] == ["EMAIL"]
    last = await mutate_user(
        gql, "unlinkIdentity", {"platform": "EMAIL", "externalId": "a@example.com"}
    )
    assert codes(last) == ["CONFLICT"]
    viewer = await gql.ok("{ viewer { identities { platform } } }")
    assert viewer["viewer"]["identities"] == [{"platform": "EMAIL"}]


async def test_operator_looking_external_ids_are_plain_strings(
    as_admin: GraphQLClient, alice: MadeUser, bob: MadeUser
) -> None:
    await mutate_user(
        as_admin,
        "linkIdentity",
        {"platform": "TELEGRAM", "externalId": '{"$ne": null}', "userId": alice.global_id},
    )
    await mutate_user(
        as_admin,
        "linkIdentity",
        {"platform": "TELEGRAM", "externalId": "7", "userId": bob.global_id},
    )
    query = "query($e: String!) { userByIdentity(platform: TELEGRAM, externalId: $e) { id } }"
    assert (await as_admin.ok(query, {"e": '{"$ne": null}'}))["userByIdentity"] == {
        "id": alice.global_id
    }
    assert (await as_admin.ok(query, {"e": "$ne"}))["userByIdentity"] is None
    assert (await as_admin.ok(query, {"e": ".*"}))["userByIdentity"] is None


async def add_signed(
    client: GraphQLClient, wallet: Wallet, address: str | None = None, **extra: object
) -> dict[str, object]:
    message = await challenge(client, wallet, address)
    input_ = {"chain": wallet.chain, "address": address or wallet.address}
    return await mutate_user(
        client, "addWallet", {**input_, "signature": wallet.sign(message), **extra}
    )


async def test_wallets_validate_normalise_and_keep_one_primary(
    gql: GraphQLClient, as_bob: GraphQLClient, as_admin: GraphQLClient, bob: MadeUser
) -> None:
    eth, sol = EthWallet(), SolWallet()
    added = await add_signed(gql, eth)
    assert added["user"]["wallets"] == [  # type: ignore[index]
        {"chain": "ETH", "address": eth.address.lower(), "isPrimary": True}
    ]
    both = await add_signed(gql, sol, makePrimary=True)
    assert [(w["chain"], w["isPrimary"]) for w in both["user"]["wallets"]] == [  # type: ignore[index]
        ("ETH", False),
        ("SOL", True),
    ]
    assert both["user"]["primaryWallet"] == {"address": sol.address}  # type: ignore[index]
    back = await mutate_user(
        gql, "setPrimaryWallet", {"address": eth.address.upper().replace("0X", "0x")}
    )
    assert back["user"]["primaryWallet"] == {"address": eth.address.lower()}
    assert sum(w["isPrimary"] for w in back["user"]["wallets"]) == 1
    # an admin may add a wallet for another user without a signature; it is then taken
    taken = {"chain": "ETH", "address": eth.address.lower(), "userId": bob.global_id}
    assert codes(await mutate_user(as_admin, "addWallet", taken)) == ["CONFLICT"]
    assert codes(await add_signed(as_bob, eth)) == ["CONFLICT"]  # told to the prover only
    removed = await mutate_user(gql, "removeWallet", {"address": sol.address})
    assert [w["address"] for w in removed["user"]["wallets"]] == [eth.address.lower()]
    assert codes(await mutate_user(gql, "removeWallet", {"address": sol.address})) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("chain", "address"),
    [
        ("ETH", CHECKSUMMED.replace("a", "A", 1)),  # breaks the EIP-55 checksum
        ("SOL", "2" * 32),  # base58, but 24 bytes: no ed25519 key
        ("ETH", "0x123"),
        ("ETH", '{"$ne": ""}'),
        ("SOL", "0OIl" * 10),
        ("SOL", "short"),
    ],
)
async def test_invalid_wallets_are_bad_user_input(
    gql: GraphQLClient, chain: str, address: str
) -> None:
    i = {"chain": chain, "address": address}
    if address != "2" * 32:
        payload = await mutate_user(gql, "addWallet", {**i, "signature": "0x" + "1" * 130})
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("BAD_USER_INPUT", ["input", "address"])
        ]
    asked = (await gql.ok(CHALLENGE, {"i": i}))["createWalletChallenge"]
    assert [(e["code"], e["field"]) for e in asked["userErrors"]] == [
        ("BAD_USER_INPUT", ["input", "address"])
    ]
    assert (await gql.ok("{ viewer { wallets { address } } }"))["viewer"]["wallets"] == []


async def test_api_keys_are_shown_once_and_revocation_is_immediate(
    http: httpx.AsyncClient, gql: GraphQLClient, as_bob: GraphQLClient, store: Datastore
) -> None:
    made = (
        await gql.ok(
            """mutation { createApiKey(input: {name: "ci"}) {
                 apiKey { id name prefix revokedAt } secret userErrors { code } } }"""
        )
    )["createApiKey"]
    secret = made["secret"]
    assert secret.startswith(made["apiKey"]["prefix"])
    assert secret not in str(await store.db["users"].find_one({"apiKeys.name": "ci"}))
    new_client = GraphQLClient(http, secret)
    assert (await new_client.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}
    revoke = (
        "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } userErrors { code } } }"
    )
    assert codes((await as_bob.ok(revoke, {"id": made["apiKey"]["id"]}))["revokeApiKey"]) == [
        "NOT_FOUND"
    ]
    assert (await new_client.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}
    revoked = (await gql.ok(revoke, {"id": made["apiKey"]["id"]}))["revokeApiKey"]
    assert revoked["apiKey"]["revokedAt"] is not None
    assert await new_client.error_codes("{ viewer { displayName } }") == ["UNAUTHENTICATED"]
    assert (await gql.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}


async def test_suspension_locks_every_key_out(
    gql: GraphQLClient, as_bob: GraphQLClient, as_admin: GraphQLClient, bob: MadeUser
) -> None:
    mutation = "mutation($i: SetUserStatusInput!) { setUserStatus(input: $i) { user { status } userErrors { code } } }"
    refused = (await gql.ok(mutation, {"i": {"userId": bob.global_id, "status": "SUSPENDED"}}))[
        "setUserStatus"
    ]
    assert codes(refused) == ["FORBIDDEN"]
    assert (await as_bob.ok("{ viewer { status } }"))["viewer"] == {"status": "ACTIVE"}
    done = (await as_admin.ok(mutation, {"i": {"userId": bob.global_id, "status": "SUSPENDED"}}))[
        "setUserStatus"
    ]
    assert done["user"] == {"status": "SUSPENDED"}
    assert await as_bob.error_codes("{ viewer { status } }") == ["FORBIDDEN"]
    assert await as_bob.error_codes(
        'mutation { createProject(input: {name: "x"}) { project { id } } }'
    ) == ["FORBIDDEN"]
    await as_admin.ok(mutation, {"i": {"userId": bob.global_id, "status": "ACTIVE"}})
    assert (await as_bob.ok("{ viewer { status } }"))["viewer"] == {"status": "ACTIVE"}


async def test_user_id_lets_only_admins_act_for_others(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser, bob: MadeUser
) -> None:
    for_bob = {"platform": "DISCORD", "externalId": "d-1", "userId": bob.global_id}
    assert codes(await mutate_user(gql, "linkIdentity", for_bob)) == ["FORBIDDEN"]
    wallet = {"chain": "SOL", "address": SolWallet().address, "userId": bob.global_id}
    assert codes(await mutate_user(gql, "addWallet", wallet)) == ["FORBIDDEN"]
    by_admin = await mutate_user(as_admin, "linkIdentity", for_bob)
    assert by_admin["user"]["id"] == bob.global_id
    key = (
        await gql.ok(
            'mutation($u: ID) { createApiKey(input: {name: "x", userId: $u}) { secret userErrors { code } } }',
            {"u": bob.global_id},
        )
    )["createApiKey"]
    assert key == {"secret": None, "userErrors": [{"code": "FORBIDDEN"}]}


async def test_users_and_user_lookups_are_for_admins_and_self(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser, bob: MadeUser
) -> None:
    assert await gql.error_codes("{ users { totalCount } }") == ["FORBIDDEN"]
    assert await gql.error_codes('{ userByIdentity(platform: WEB, externalId: "x") { id } }') == [
        "FORBIDDEN"
    ]
    listing = await as_admin.ok(
        "{ users(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { displayName } } } }"
    )
    assert listing["users"]["totalCount"] == 3
    assert listing["users"]["pageInfo"]["hasNextPage"] is True
    rest = await as_admin.ok(
        "query($c: String) { users(first: 2, after: $c) { edges { node { displayName } } } }",
        {"c": listing["users"]["pageInfo"]["endCursor"]},
    )
    names = [e["node"]["displayName"] for e in listing["users"]["edges"] + rest["users"]["edges"]]
    assert sorted(names) == ["Alice", "Bob", "Root"]
    query = "query($id: ID!) { user(id: $id) { displayName } }"
    assert (await gql.ok(query, {"id": alice.global_id}))["user"] == {"displayName": "Alice"}
    assert (await gql.ok(query, {"id": bob.global_id}))["user"] is None
    assert (await as_admin.ok(query, {"id": bob.global_id}))["user"] == {"displayName": "Bob"}


async def test_revocation_reaches_another_gateway_instance_at_once(
    gql: GraphQLClient, store: Datastore, mongodb_uri: str, settings: Settings
) -> None:
    """A second app with its own client on the same database: no state is shared in memory."""
    other_store = Datastore.connect(mongodb_uri, store.db.name, cursor_secret="x")

    async def own_store() -> Datastore:
        return other_store

    other_app = create_app(own_store, settings)
    made = (await gql.ok('mutation { createApiKey(input: {name: "b"}) { apiKey { id } secret } }'))[
        "createApiKey"
    ]
    async with other_app.router.lifespan_context(other_app):
        transport = httpx.ASGITransport(app=other_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other_http:
            on_other = GraphQLClient(other_http, made["secret"])
            assert (await on_other.ok("{ viewer { displayName } }"))["viewer"] == {
                "displayName": "Alice"
            }
            await gql.ok(
                "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }",
                {"id": made["apiKey"]["id"]},
            )
            assert await on_other.error_codes("{ viewer { displayName } }") == ["UNAUTHENTICATED"]
