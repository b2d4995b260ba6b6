"""An account's identities, wallets and API keys are bounded lists (the cost model counts
each at `ENTRIES_PER_ACCOUNT`): past it a write is `CONFLICT` and changes nothing, except
that a new key first drops the account's oldest revoked one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mongraph.auth import make_api_key
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ENTRIES_PER_ACCOUNT, IdentityDoc, WalletDoc
from tests.utils.factories import MadeUser, make_user
from tests.utils.live import LiveServer, live_server

LINK = """mutation($i: LinkIdentityInput!) { linkIdentity(input: $i) {
  user { identities { externalId } } userErrors { code } } }"""
ADD_WALLET = """mutation($i: AddWalletInput!) { addWallet(input: $i) {
  user { wallets { address } } userErrors { code } } }"""
CREATE_KEY = """mutation { createApiKey(input: {name: "one more"}) {
  apiKey { id } secret userErrors { code } } }"""


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


async def fill(store: Datastore, user: MadeUser, field: str, items: list[dict[str, Any]]) -> None:
    await store.db["users"].update_one({"_id": user.doc.id}, {"$push": {field: {"$each": items}}})


async def stored(store: Datastore, user: MadeUser, field: str) -> list[dict[str, Any]]:
    raw = await store.db["users"].find_one({"_id": user.doc.id})
    assert raw is not None
    items: list[dict[str, Any]] = raw.get(field, [])
    return items


async def test_identities_stop_at_the_bound(
    live: LiveServer, store: Datastore, alice: MadeUser
) -> None:
    have = len(await stored(store, alice, "identities"))
    more = [
        IdentityDoc(platform="EMAIL", external_id=f"a{i}@example.com").to_mongo()
        for i in range(ENTRIES_PER_ACCOUNT - have)
    ]
    await fill(store, alice, "identities", more)
    root = await make_user(store, "Root", admin=True)  # only admins link without a code
    data = await live.client(root.secret).ok(
        LINK,
        {"i": {"platform": "DISCORD", "externalId": "one-too-many", "userId": alice.global_id}},
    )
    assert [e["code"] for e in data["linkIdentity"]["userErrors"]] == ["CONFLICT"]
    assert len(await stored(store, alice, "identities")) == ENTRIES_PER_ACCOUNT


async def test_wallets_stop_at_the_bound(
    live: LiveServer, store: Datastore, alice: MadeUser
) -> None:
    wallets = [
        WalletDoc(chain="ETH", address="0x" + f"{i:040x}").to_mongo()
        for i in range(1, ENTRIES_PER_ACCOUNT + 1)
    ]
    await fill(store, alice, "wallets", wallets)
    address = "0x" + "ab" * 20
    root = await make_user(store, "Root", admin=True)  # for another user: no signature
    data = await live.client(root.secret).ok(
        ADD_WALLET, {"i": {"chain": "ETH", "address": address, "userId": alice.global_id}}
    )
    assert [e["code"] for e in data["addWallet"]["userErrors"]] == ["CONFLICT"]
    assert len(await stored(store, alice, "wallets")) == ENTRIES_PER_ACCOUNT


async def test_a_full_account_trades_its_oldest_revoked_key_for_a_new_one(
    live: LiveServer, store: Datastore, alice: MadeUser
) -> None:
    now = datetime.now(UTC)
    revoked = []
    for i in range(ENTRIES_PER_ACCOUNT - 1):  # alice's own live key makes the hundredth
        doc = make_api_key(f"old {i}").doc.model_copy(
            update={"revoked_at": now - timedelta(days=ENTRIES_PER_ACCOUNT - i)}
        )
        revoked.append(doc.to_mongo())
    await fill(store, alice, "apiKeys", revoked)
    gql = live.client(alice.secret)

    payload = await gql.mutate(CREATE_KEY)
    keys = await stored(store, alice, "apiKeys")
    assert len(keys) == ENTRIES_PER_ACCOUNT
    assert "old 0" not in {k["name"] for k in keys}  # the oldest revoked one made room
    assert {"old 1", "one more"} <= {k["name"] for k in keys}
    assert payload["secret"].startswith("mgr_")


async def test_a_full_account_of_live_keys_gets_no_more(
    live: LiveServer, store: Datastore, alice: MadeUser
) -> None:
    live_keys = [make_api_key(f"live {i}").doc.to_mongo() for i in range(ENTRIES_PER_ACCOUNT - 1)]
    await fill(store, alice, "apiKeys", live_keys)
    data = await live.client(alice.secret).ok(CREATE_KEY)
    assert [e["code"] for e in data["createApiKey"]["userErrors"]] == ["CONFLICT"]
    assert data["createApiKey"]["secret"] is None
    assert len(await stored(store, alice, "apiKeys")) == ENTRIES_PER_ACCOUNT
