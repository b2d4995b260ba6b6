"""Wallets proven by signing a server-issued challenge (EIP-4361 for ETH, ed25519 for SOL)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import utcnow
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import codes, mutate_user, stored
from tests.utils.proofs import EthWallet, SolWallet, Wallet, challenge

ADD = "addWallet"


def signed(wallet: Wallet, message: str, **extra: object) -> dict[str, object]:
    return {"chain": wallet.chain, "address": wallet.address, "signature": wallet.sign(message),
            **extra}  # fmt: skip


async def test_the_eth_challenge_is_eip_4361_for_the_public_origin(gql: GraphQLClient) -> None:
    wallet = EthWallet()
    message = await challenge(gql, wallet, wallet.address.lower())
    lines = message.split("\n")
    assert lines[0] == "127.0.0.1:8000 wants you to sign in with your Ethereum account:"
    assert lines[1] == wallet.address  # EIP-55, whatever case was sent
    assert (lines[2], lines[3], lines[4]) == ("", "Add this wallet to your mongraph account.", "")
    facts = dict(line.split(": ", 1) for line in lines[5:])
    assert list(facts) == ["URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time"]
    assert (facts["URI"], facts["Version"], facts["Chain ID"]) == (
        "http://127.0.0.1:8000",
        "1",
        "1",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", facts["Nonce"])
    assert facts["Issued At"] < facts["Expiration Time"]
    again = await challenge(gql, wallet)
    assert again != message  # a new nonce each time


@pytest.mark.parametrize("wallet", [EthWallet(), SolWallet()], ids=["ETH", "SOL"])
async def test_a_signed_challenge_adds_the_wallet_verified_once(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, wallet: Wallet
) -> None:
    message = await challenge(gql, wallet)
    added = await mutate_user(gql, ADD, signed(wallet, message))
    assert added["userErrors"] == []
    assert [w["chain"] for w in added["user"]["wallets"]] == [wallet.chain]
    kept = await stored(store, alice, "wallets")
    assert kept[0]["verifiedAt"] is not None
    assert await store.db["walletChallenges"].count_documents({}) == 0  # used up

    await mutate_user(gql, "removeWallet", {"address": wallet.address})
    replayed = await mutate_user(gql, ADD, signed(wallet, message))  # the same signature
    assert [(e["code"], e["field"]) for e in replayed["userErrors"]] == [
        ("FORBIDDEN", ["input", "signature"])
    ]
    assert await stored(store, alice, "wallets") == []


@pytest.mark.parametrize("chain", ["ETH", "SOL"])
async def test_wrong_signatures_are_forbidden_and_change_nothing(
    http: httpx.AsyncClient, gql: GraphQLClient, store: Datastore, alice: MadeUser,
    bob: MadeUser, chain: str,
) -> None:  # fmt: skip
    make = EthWallet if chain == "ETH" else SolWallet
    mine, other = make(), make()
    message = await challenge(gql, mine)
    other_message = await challenge(gql, other)
    as_bob = GraphQLClient(http, bob.secret)
    bobs_message = await challenge(as_bob, mine)
    attempts = {
        "another key's signature": {**signed(mine, message), "signature": other.sign(message)},
        "another address's signature": {**signed(mine, message), "signature": other.sign(other_message)},
        "a signature of another text": {**signed(mine, message), "signature": mine.sign(message + ".")},
        "another account's challenge": signed(mine, bobs_message),
        "no signature": {"chain": chain, "address": mine.address},
    }  # fmt: skip
    for what, attempt in attempts.items():
        refused = await mutate_user(gql, ADD, attempt)
        assert codes(refused) == ["FORBIDDEN"], what
    assert await stored(store, alice, "wallets") == []
    assert await store.db["walletChallenges"].count_documents({}) == 3  # none used up
    malformed = await mutate_user(gql, ADD, {**signed(mine, message), "signature": "0xnothex"})
    assert codes(malformed) == ["BAD_USER_INPUT"]
    assert codes(await mutate_user(gql, ADD, signed(mine, message))) == []


async def test_an_expired_challenge_is_forbidden(
    gql: GraphQLClient, store: Datastore, alice: MadeUser
) -> None:
    wallet = EthWallet()
    message = await challenge(gql, wallet)
    await store.db["walletChallenges"].update_many(
        {}, {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}}
    )
    assert codes(await mutate_user(gql, ADD, signed(wallet, message))) == ["FORBIDDEN"]
    assert await stored(store, alice, "wallets") == []


async def test_a_newer_challenge_replaces_the_older_one(
    gql: GraphQLClient, store: Datastore
) -> None:
    wallet = SolWallet()
    first = await challenge(gql, wallet)
    second = await challenge(gql, wallet)
    assert codes(await mutate_user(gql, ADD, signed(wallet, first))) == ["FORBIDDEN"]
    assert codes(await mutate_user(gql, ADD, signed(wallet, second))) == []


async def test_admins_acting_for_another_user_may_skip_the_signature(
    http: httpx.AsyncClient, gql: GraphQLClient, admin: MadeUser, alice: MadeUser,
    store: Datastore,
) -> None:  # fmt: skip
    as_admin = GraphQLClient(http, admin.secret)
    wallet = EthWallet()
    own = await mutate_user(as_admin, ADD, {"chain": "ETH", "address": wallet.address})
    assert codes(own) == ["FORBIDDEN"]  # for themself, an admin signs like anyone
    added = await mutate_user(
        as_admin, ADD, {"chain": "ETH", "address": wallet.address, "userId": alice.global_id}
    )
    assert added["userErrors"] == []
    assert (await stored(store, alice, "wallets"))[0]["verifiedAt"] is not None
