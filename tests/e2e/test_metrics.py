"""/metrics: request, error, command, batch and pool metrics move as the requests say."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import METRICS_TOKEN, app_client, loopback_client
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.metrics import delta, scrape, series, value
from tests.utils.storyboard import build_tree

TREE = """query StoryboardTree { projects(first: 10) { edges { node { name
  characters { name }
  scenes(first: 10) { edges { node { name
    clips(first: 10) { edges { node { name character { name } } } } } } } } } } }"""


@pytest.mark.counts_execution
async def test_a_storyboard_query_is_counted_with_its_commands_and_batches(
    http: httpx.AsyncClient, gql: GraphQLClient, commands: CommandCounter
) -> None:
    await build_tree(gql, scenes=2, clips=3)
    before = await scrape(http)
    commands.reset()
    data = await gql.ok(TREE)
    sent = Counter(commands.commands)
    after = await scrape(http)

    assert len(data["projects"]["edges"]) == 1
    assert (
        delta(before, after, "mongraph_requests_total", operation="StoryboardTree", outcome="ok")
        == 1
    )
    assert (
        delta(before, after, "mongraph_request_duration_seconds_count", operation="StoryboardTree")
        == 1
    )
    assert (
        delta(before, after, "mongraph_request_duration_seconds_sum", operation="StoryboardTree")
        > 0
    )

    # Every command the driver reported, under its collection and command name; nothing else.
    assert {collection for _, collection in sent} == {
        "users",
        "projects",
        "scenes",
        "clips",
        "characters",
    }
    for (command, collection), count in sent.items():
        moved = delta(
            before, after, "mongraph_db_commands_total", collection=collection, command=command
        )
        assert moved == count, (command, collection)
    total = "mongraph_db_commands_total"
    assert sum(series(after, total).values()) - sum(series(before, total).values()) == sum(
        sent.values()
    )

    # One batch per relation level; its size is the number of parents (or distinct ids).
    batches = {
        (collection, kind): (
            delta(
                before,
                after,
                "mongraph_dataloader_batch_size_count",
                collection=collection,
                kind=kind,
            ),
            delta(
                before,
                after,
                "mongraph_dataloader_batch_size_sum",
                collection=collection,
                kind=kind,
            ),
        )
        for collection, kind in [
            ("characters", "page"),
            ("scenes", "page"),
            ("clips", "page"),
            ("characters", "by_id"),
        ]
    }
    assert batches == {
        ("characters", "page"): (1, 1),  # one project's characters
        ("scenes", "page"): (1, 1),  # one project's scenes
        ("clips", "page"): (1, 2),  # two scenes' clips
        ("characters", "by_id"): (1, 1),  # six clips, one character
    }

    # At rest the pool has connections open and none checked out or awaited.
    assert value(after, "mongraph_db_pool_connections_open") >= 1
    assert value(after, "mongraph_db_pool_connections_checked_out") == 0
    assert value(after, "mongraph_db_pool_checkouts_waiting") == 0
    assert value(after, "mongraph_subscriptions_open") == 0


async def test_errors_are_counted_by_code_and_the_outcome_by_kind(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    before = await scrape(http)
    await gql.ok("{ viewer { id } }")
    assert await gql.error_codes("query Broken { nope }") == ["BAD_USER_INPUT"]
    assert await gql.as_user("mgr_" + "x" * 43).error_codes("{ viewer { id } }") == [
        "UNAUTHENTICATED"
    ]
    malformed = await http.post(
        "/graphql", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    # An operationName that names no operation of the document is not a label.
    unknown = await http.post(
        "/graphql", json={"query": "query Real { viewer { id } }", "operationName": "Invented"}
    )
    assert unknown.status_code == 400
    after = await scrape(http)

    def requests(operation: str, outcome: str) -> float:
        return delta(before, after, "mongraph_requests_total", operation=operation, outcome=outcome)

    assert requests("anonymous", "ok") == 1
    # Refused at validation, before its key was looked at: it may not claim a label.
    assert requests("other", "client_error") == 1
    assert requests("anonymous", "client_error") == 3  # bad key, malformed body, unknown name
    assert (
        value(after, "mongraph_requests_total", operation="Invented", outcome="client_error") == 0
    )
    # Broken, the malformed body and the unknown operation name (now a coded JSON error).
    assert delta(before, after, "mongraph_graphql_errors_total", code="BAD_USER_INPUT") == 3
    assert delta(before, after, "mongraph_graphql_errors_total", code="UNAUTHENTICATED") == 1
    assert (
        sum(series(after, "mongraph_graphql_errors_total").values())
        - sum(series(before, "mongraph_graphql_errors_total").values())
        == 4
    )


async def test_distinct_operation_names_are_capped(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    capped = settings.model_copy(update={"mongraph_metrics_max_operations": 2})
    async with app_client(store, capped) as http:
        client = GraphQLClient(http, alice.secret)
        for name in ["A", "B", "C", "A", "D" * 300]:
            await client.ok(f"query {name} {{ viewer {{ id }} }}")
        samples = await scrape(http)
    by_operation = {
        dict(labels)["operation"]: v
        for labels, v in series(samples, "mongraph_requests_total").items()
    }
    assert by_operation == {"A": 2, "B": 1, "other": 2}


async def test_metrics_can_be_switched_off(store: Datastore, settings: Settings) -> None:
    off = settings.model_copy(update={"mongraph_metrics": False})
    async with app_client(store, off) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (await GraphQLClient(http).ok("{ viewer { id } }")) == {"viewer": None}


async def test_anonymous_callers_cannot_fill_the_operation_labels(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    """120 invented names from anonymous callers first, then the app's own operations:
    those still get their labels, and an anonymous call of a known name shares it."""
    async with loopback_client(store, settings) as http:
        anonymous, app = GraphQLClient(http), GraphQLClient(http, alice.secret)
        for i in range(120):
            await anonymous.ok(f"query junk{i} {{ viewer {{ id }} }}")
        await app.ok("query Dashboard { viewer { id } }")
        await anonymous.ok("query Dashboard { viewer { id } }")
        samples = await scrape(http)
    by_operation = {
        dict(labels)["operation"]: v
        for labels, v in series(samples, "mongraph_requests_total").items()
    }
    assert by_operation == {"other": 120, "Dashboard": 2}


async def test_metrics_need_the_token(store: Datastore, settings: Settings) -> None:
    async with loopback_client(store, settings) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"].startswith("Bearer")
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert "mongraph_requests_total" in right.text


@pytest.mark.parametrize(("dev", "status"), [(False, 404), (True, 200)])
async def test_without_a_token_metrics_are_served_in_development_only(
    store: Datastore, settings: Settings, dev: bool, status: int
) -> None:
    open_ = settings.model_copy(update={"mongraph_metrics_token": None, "mongraph_dev": dev})
    async with loopback_client(store, open_) as http:
        assert (await http.get("/metrics")).status_code == status
