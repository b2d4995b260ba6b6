"""Credit and its ledger: exact amounts, no overdraft, idempotency, concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mongraph.datastore.client import Datastore
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import APPLY_CREDIT, apply_credit, balance


@pytest.fixture
def as_admin(http: httpx.AsyncClient, admin: MadeUser) -> GraphQLClient:
    return GraphQLClient(http, admin.secret)


async def ledger(client: GraphQLClient, first: int = 100) -> list[dict[str, Any]]:
    data = await client.ok(
        f"{{ viewer {{ transactions(first: {first}) {{ totalCount edges {{ node {{ type amountUsd balanceAfter idempotencyKey }} }} }} }} }}"
    )
    edges: list[dict[str, Any]] = [e["node"] for e in data["viewer"]["transactions"]["edges"]]
    assert data["viewer"]["transactions"]["totalCount"] == len(edges)
    return edges


async def test_credit_then_debit_moves_the_balance_and_records_both(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser
) -> None:
    credit = await apply_credit(as_admin, alice.global_id, "CREDIT", "20", "k1")
    assert credit["transaction"]["amountUsd"] == "20.00"
    assert credit["transaction"]["balanceAfter"] == "20.00"
    assert credit["transaction"]["user"] == {"id": alice.global_id}
    debit = await apply_credit(as_admin, alice.global_id, "DEBIT", "7.25", "k2")
    assert debit["transaction"]["balanceAfter"] == "12.75"
    await apply_credit(as_admin, alice.global_id, "BONUS", "0.01", "k3")
    assert await balance(gql) == "12.76"
    assert [(t["type"], t["balanceAfter"]) for t in await ledger(gql)] == [
        ("BONUS", "12.76"),
        ("DEBIT", "12.75"),
        ("CREDIT", "20.00"),
    ]


async def test_overdraft_is_insufficient_credit_and_changes_nothing(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser
) -> None:
    await apply_credit(as_admin, alice.global_id, "CREDIT", "5.00", "c")
    refused = await apply_credit(as_admin, alice.global_id, "DEBIT", "5.01", "d")
    assert refused["transaction"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_CREDIT"]
    assert await balance(gql) == "5.00"
    assert len(await ledger(gql)) == 1
    exact = await apply_credit(as_admin, alice.global_id, "DEBIT", "5.00", "d2")
    assert exact["transaction"]["balanceAfter"] == "0.00"


async def test_repeated_idempotency_key_returns_the_first_transaction(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser
) -> None:
    first = await apply_credit(as_admin, alice.global_id, "CREDIT", "3.00", "same")
    again = await apply_credit(as_admin, alice.global_id, "CREDIT", "999.00", "same")
    assert again["transaction"] == first["transaction"]
    assert await balance(gql) == "3.00"


async def test_only_admins_apply_credit(gql: GraphQLClient, alice: MadeUser) -> None:
    refused = await apply_credit(gql, alice.global_id, "CREDIT", "100", "self-service")
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert await balance(gql) == "0.00"


@pytest.mark.parametrize(
    "amount",
    [
        *("1.001", "0", "0.00", "-1", "abc", "NaN", "Infinity", "1e12", "1000000000.01", ""),
        # Python's Decimal reads each of these as a number; none is an amount of money.
        *("12_3", "\u0661\u0662", "\uff11\uff12", "1E+2", "+5", " 12.50 ", "12.", ".5"),
    ],
)
async def test_bad_amounts_are_bad_user_input_and_write_nothing(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser, amount: str
) -> None:
    body = await as_admin.raw(
        APPLY_CREDIT,
        {
            "i": {
                "userId": alice.global_id,
                "type": "CREDIT",
                "amountUsd": amount,
                "idempotencyKey": "x",
            }
        },
    )
    if body.get("errors"):  # refused while coercing the Decimal scalar
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    else:
        errors = body["data"]["applyCredit"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [
            ("BAD_USER_INPUT", ["input", "amountUsd"])
        ]
    assert await balance(gql) == "0.00"
    assert await ledger(gql) == []


async def test_float_amounts_are_refused(as_admin: GraphQLClient, alice: MadeUser) -> None:
    body = await as_admin.raw(
        APPLY_CREDIT,
        {
            "i": {
                "userId": alice.global_id,
                "type": "CREDIT",
                "amountUsd": 0.1,
                "idempotencyKey": "f",
            }
        },
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_fifty_concurrent_debits_against_twenty_dollars(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser, store: Datastore
) -> None:
    await apply_credit(as_admin, alice.global_id, "CREDIT", "20.00", "seed")
    results = await asyncio.gather(
        *(apply_credit(as_admin, alice.global_id, "DEBIT", "1.00", f"debit-{i}") for i in range(50))
    )
    ok = [r["transaction"] for r in results if r["transaction"]]
    refused = [r["userErrors"] for r in results if not r["transaction"]]
    assert len(ok) == 20
    assert len(refused) == 30
    assert all([e["code"] for e in errors] == ["INSUFFICIENT_CREDIT"] for errors in refused)
    assert await balance(gql) == "0.00"
    debits = [t for t in await ledger(gql) if t["type"] == "DEBIT"]
    assert len(debits) == 20
    assert sorted(t["balanceAfter"] for t in debits) == sorted(f"{n}.00" for n in range(20))


async def test_twenty_concurrent_repeats_of_one_key_make_one_transaction(
    gql: GraphQLClient, as_admin: GraphQLClient, alice: MadeUser
) -> None:
    results = await asyncio.gather(
        *(apply_credit(as_admin, alice.global_id, "CREDIT", "2.50", "once") for _ in range(20))
    )
    ids = {r["transaction"]["id"] for r in results}
    assert len(ids) == 1
    assert all(r["userErrors"] == [] for r in results)
    assert await balance(gql) == "2.50"
    assert len(await ledger(gql)) == 1
