"""Platform identities proven by one-time link codes, both ways, between a user and a SERVICE."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import utcnow
from mongraph.datastore.link_codes import FAILED_REDEMPTIONS, LIVE_CODES
from mongraph.proofs.link_code import code_hash, normalize_code
from tests.utils.apps import CURSOR_SECRET
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import codes, mutate_user, stored
from tests.utils.proofs import make_code, make_service, redeem

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")


@pytest.fixture
async def bot(http: httpx.AsyncClient, store: Datastore) -> GraphQLClient:
    return GraphQLClient(http, (await make_service(store, "TELEGRAM", "TgBot")).secret)


@pytest.fixture
async def mailer(http: httpx.AsyncClient, store: Datastore) -> GraphQLClient:
    return GraphQLClient(http, (await make_service(store, "EMAIL", "Mailer")).secret)


async def test_user_to_bot_links_the_sender_verified(
    gql: GraphQLClient, bot: GraphQLClient, store: Datastore, alice: MadeUser
) -> None:
    made = await make_code(gql, platform="TELEGRAM")
    assert made["userErrors"] == []
    link = made["linkCode"]
    assert CODE.fullmatch(link["code"]), link
    assert (link["platform"], link["externalId"]) == ("TELEGRAM", None)
    kept = await store.db["linkCodes"].find_one({})
    assert kept is not None
    assert link["code"] not in str(kept)  # only its keyed hash
    symbols = normalize_code(link["code"]) or ""
    # Not a plain hash, which a reader of the database could brute-force offline.
    assert kept["codeHash"] != hashlib.sha256(symbols.encode()).hexdigest()
    assert kept["codeHash"] == code_hash(symbols, CURSOR_SECRET)

    typed = link["code"].lower().replace("-", " ")  # as a person may type it
    linked = await redeem(bot, code=typed, platform="TELEGRAM", externalId="777", username="al")
    assert linked["userErrors"] == []
    user = linked["user"]
    assert user["id"] == alice.global_id
    assert [(i["externalId"], i["verifiedAt"] is not None) for i in user["identities"]] == [
        ("777", True)
    ]
    assert (user["wallets"], user["apiKeys"]) == ([], [])  # what a SERVICE sees of a user
    assert await store.db["linkCodes"].count_documents({}) == 0  # used up

    again = await redeem(bot, code=link["code"], platform="TELEGRAM", externalId="778")
    assert codes(again) == ["NOT_FOUND"]
    assert [i["externalId"] for i in await stored(store, alice, "identities")] == ["777"]
    found = await bot.ok('{ userByIdentity(platform: TELEGRAM, externalId: "777") { id } }')
    assert found["userByIdentity"] == {"id": alice.global_id}


async def test_bot_to_user_links_the_mailed_address(
    gql: GraphQLClient, mailer: GraphQLClient, store: Datastore, alice: MadeUser
) -> None:
    made = await make_code(mailer, platform="EMAIL", externalId="a@b.example")
    assert made["linkCode"]["externalId"] == "a@b.example"
    # the mailer cannot redeem its own code; the user can
    own = await redeem(mailer, code=made["linkCode"]["code"], platform="EMAIL", externalId="x@y")
    assert codes(own) == ["NOT_FOUND"]
    linked = await redeem(gql, code=made["linkCode"]["code"], platform="EMAIL")
    assert linked["userErrors"] == []
    assert [(i["platform"], i["externalId"]) for i in linked["user"]["identities"]] == [
        ("EMAIL", "a@b.example")
    ]
    assert linked["user"]["apiKeys"] != []  # the user sees their whole account
    assert (await stored(store, alice, "identities"))[0]["verifiedAt"] is not None


async def test_expired_unknown_and_wrong_platform_codes_are_the_same_not_found(
    http: httpx.AsyncClient, gql: GraphQLClient, bot: GraphQLClient, store: Datastore,
    alice: MadeUser,
) -> None:  # fmt: skip
    discord_bot = GraphQLClient(http, (await make_service(store, "DISCORD")).secret)
    fresh = (await make_code(gql, platform="TELEGRAM"))["linkCode"]["code"]
    stale = (await make_code(gql, platform="TELEGRAM"))["linkCode"]["code"]
    await store.db["linkCodes"].update_one(
        {"codeHash": code_hash(normalize_code(stale) or "", CURSOR_SECRET)},
        {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}},
    )
    answers = [
        await redeem(bot, code=stale, platform="TELEGRAM", externalId="1"),
        await redeem(bot, code="ZZZZZ-ZZZZZ", platform="TELEGRAM", externalId="1"),
        await redeem(bot, code="not a code", platform="TELEGRAM", externalId="1"),
        await redeem(discord_bot, code=fresh, platform="DISCORD", externalId="1"),
        await redeem(gql, code=fresh, platform="TELEGRAM"),  # a user's code is for the bot
    ]
    assert [(codes(a), a["userErrors"][0]["message"]) for a in answers] == [
        (["NOT_FOUND"], answers[0]["userErrors"][0]["message"])
    ] * 5
    assert await stored(store, alice, "identities") == []
    assert await store.db["linkCodes"].count_documents({}) == 2  # the fresh one still works
    ok = await redeem(bot, code=fresh, platform="TELEGRAM", externalId="1")
    assert ok["userErrors"] == []


async def test_an_identity_of_another_account_is_a_conflict_for_the_prover_only(
    gql: GraphQLClient, bot: GraphQLClient, store: Datastore, alice: MadeUser, bob: MadeUser,
    http: httpx.AsyncClient,
) -> None:  # fmt: skip
    as_bob = GraphQLClient(http, bob.secret)
    first = (await make_code(as_bob, platform="TELEGRAM"))["linkCode"]["code"]
    await redeem(bot, code=first, platform="TELEGRAM", externalId="555")
    code = (await make_code(gql, platform="TELEGRAM"))["linkCode"]["code"]
    clash = await redeem(bot, code=code, platform="TELEGRAM", externalId="555")
    assert codes(clash) == ["CONFLICT"]
    assert clash["user"] is None
    assert await stored(store, alice, "identities") == []
    assert await store.db["linkCodes"].count_documents({}) == 1  # nothing used up
    viewer = await gql.ok("{ viewer { identities { externalId } } }")
    assert viewer["viewer"]["identities"] == []


async def test_failed_redemptions_are_limited_per_key_and_sender(
    gql: GraphQLClient, bot: GraphQLClient, store: Datastore
) -> None:
    code = (await make_code(gql, platform="TELEGRAM"))["linkCode"]["code"]
    for _ in range(FAILED_REDEMPTIONS):
        wrong = await redeem(bot, code="ZZZZZ-ZZZZZ", platform="TELEGRAM", externalId="guesser")
        assert codes(wrong) == ["NOT_FOUND"]
    limited = await bot.raw(
        "mutation($i: RedeemIdentityLinkCodeInput!) { redeemIdentityLinkCode(input: $i) { user { id } } }",
        {"i": {"code": code, "platform": "TELEGRAM", "externalId": "guesser"}},
    )
    assert [e["extensions"]["code"] for e in limited["errors"]] == ["FORBIDDEN"]
    assert await store.db["linkCodes"].count_documents({}) == 1  # even a right code waits
    # another chat user of the same bot is not locked out by the guesser
    other = await redeem(bot, code=code, platform="TELEGRAM", externalId="honest")
    assert other["userErrors"] == []


async def test_codes_are_capped_per_maker_and_only_services_name_identities(
    gql: GraphQLClient, mailer: GraphQLClient, store: Datastore
) -> None:
    for _ in range(LIVE_CODES):
        assert (await make_code(gql, platform="DISCORD"))["userErrors"] == []
    assert codes(await make_code(gql, platform="DISCORD")) == ["CONFLICT"]
    named = await make_code(gql, platform="TELEGRAM", externalId="someone")
    assert [(e["code"], e["field"]) for e in named["userErrors"]] == [
        ("FORBIDDEN", ["input", "externalId"])
    ]
    assert codes(await make_code(gql, platform="EMAIL")) == ["BAD_USER_INPUT"]
    assert codes(await make_code(mailer, platform="EMAIL")) == ["BAD_USER_INPUT"]  # for whom?
    assert await store.db["linkCodes"].count_documents({}) == LIVE_CODES


@pytest.mark.parametrize("platform", ["TELEGRAM", "DISCORD", "WEB", "EMAIL"])
async def test_link_identity_is_forbidden_to_users_on_every_platform(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, platform: str
) -> None:
    payload = await mutate_user(gql, "linkIdentity", {"platform": platform, "externalId": "x"})
    assert codes(payload) == ["FORBIDDEN"]
    assert await stored(store, alice, "identities") == []
