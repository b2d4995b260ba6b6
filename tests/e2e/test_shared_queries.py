"""A relation field asks the same of its loader for every parent (no cursor): the query is
made once per request and arguments (`ChildPage._shared`), not once per parent."""

from __future__ import annotations

from typing import Any

import pytest

from mongraph.datastore.client import Datastore
from mongraph.execution import relation_kinds
from tests.e2e.test_loaders import seed
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

TREE = """query ($after: String) { projects(first: 5) { edges { node {
    scenes(first: 5) { edges { node { clips(first: 2, after: $after) { edges { node { name } } } } } }
} } } }"""


@pytest.fixture
def page_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The relation of each child page query made (our own function, counted)."""
    made: list[str] = []
    real = relation_kinds.page_query

    def counted(ctx: Any, parent_id: Any, relation: str, *args: Any, **kw: Any) -> Any:
        made.append(relation)
        return real(ctx, parent_id, relation, *args, **kw)

    monkeypatch.setattr(relation_kinds, "page_query", counted)
    return made


@pytest.mark.counts_execution  # graphql-core's resolvers make their arguments per parent
async def test_one_page_query_serves_every_parent(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, page_queries: list[str]
) -> None:
    await seed(store, alice, 3, 4, 3)
    data = await gql.ok(TREE)
    scenes = [s for p in data["projects"]["edges"] for s in p["node"]["scenes"]["edges"]]
    assert len(scenes) == 12
    assert all(len(s["node"]["clips"]["edges"]) == 2 for s in scenes)
    # once for the prefetch's arguments, once for the compiled path's: not once per scene
    assert 1 <= page_queries.count("scene.clips") <= 2, page_queries


async def test_a_cursor_is_still_checked_against_each_parents_list(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, page_queries: list[str]
) -> None:
    await seed(store, alice, 1, 2, 3)
    first = await gql.ok(TREE)
    scene = first["projects"]["edges"][0]["node"]["scenes"]["edges"][0]["node"]
    cursor = (
        await gql.ok(
            "{ projects { edges { node { scenes(first: 1) { edges { node { "
            "clips(first: 1) { edges { cursor } } } } } } } } }"
        )
    )["projects"]["edges"][0]["node"]["scenes"]["edges"][0]["node"]["clips"]["edges"][0]["cursor"]
    assert scene["clips"]["edges"][0]["node"]["name"] == "K0"
    page_queries.clear()
    body = await gql.raw(TREE, {"after": cursor})
    # the first scene's cursor pages its own list and is refused on the second's
    assert body["data"] is None or body.get("errors"), body
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert page_queries.count("scene.clips") >= 2  # per parent: the cursor names one list
