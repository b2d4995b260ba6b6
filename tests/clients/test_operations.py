"""clients/operations/*.graphql: valid against the exported schema, inside the request
limits with their default variables, and each one answers without errors when run."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse, print_ast, validate

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.schema.cost import Limits, measure
from mongraph.schema.cost_sizes import costs_of
from tests.clients.operations import (
    SCHEMA_FILE,
    all_operations_source,
    fragments,
    operation_files,
    operations,
    operations_document,
)
from tests.utils.chat import create_conversation
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.proofs import make_service

DOCUMENT = operations_document()
OPERATIONS = operations(DOCUMENT)
FRAGMENTS = fragments(DOCUMENT)
# What the issue asks the operations to cover, by the names the clients use.
REQUIRED = {
    "StoryboardTree",
    "Inbox",
    "PostMessage",
    "DeleteProject",
    "RestoreProject",
    "CreateApiKey",
    "CreateProject",
    "CreateScene",
    "CreateClip",
}


def test_the_operations_validate_against_the_committed_schema() -> None:
    assert len(operation_files()) >= 3
    schema = build_schema(SCHEMA_FILE.read_text())
    assert [e.message for e in validate(schema, DOCUMENT)] == []
    assert set(OPERATIONS) >= REQUIRED


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_is_inside_the_default_limits(name: str) -> None:
    settings = Settings(mongodb_uri="unused")
    schema = build_schema(SCHEMA_FILE.read_text())
    shape = measure(costs_of(schema), OPERATIONS[name], FRAGMENTS, {}, Limits.of(settings))
    assert shape.exceeded is None, shape
    assert shape.cost <= settings.mongraph_max_cost, shape
    assert shape.depth <= settings.mongraph_max_depth, shape
    assert shape.aliases <= settings.mongraph_max_aliases, shape
    assert shape.directives <= settings.mongraph_max_directives, shape


def test_the_documents_clients_send_are_inside_the_token_limit() -> None:
    """A client sends the whole file (with its fragments) at most: that must parse."""
    limit = Settings(mongodb_uri="unused").mongraph_max_tokens
    parse(all_operations_source(), max_tokens=limit)


def request(name: str) -> str:
    """The operation and the fragments it uses, as a client sends it."""
    printed = print_ast(OPERATIONS[name])
    used = {f for f in FRAGMENTS if f"...{f}" in printed}
    while True:
        more = {g for f in used for g in FRAGMENTS if f"...{g}" in print_ast(FRAGMENTS[f])} - used
        if not more:
            break
        used |= more
    return "\n".join([printed, *(print_ast(FRAGMENTS[f]) for f in sorted(used))])


async def run(gql: GraphQLClient, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await gql.raw(request(name), variables)
    assert "errors" not in body, (name, body["errors"])
    assert body["extensions"]["cost"] <= Settings(mongodb_uri="unused").mongraph_max_cost
    data: dict[str, Any] = body["data"]
    for payload in data.values():
        if isinstance(payload, dict) and "userErrors" in payload:
            assert payload["userErrors"] == [], (name, payload)
    return data


async def test_every_operation_runs_against_the_gateway(
    gql: GraphQLClient, store: Datastore, alice: MadeUser
) -> None:
    done: set[str] = set()
    bot = gql.as_user((await make_service(store, "TELEGRAM")).secret)

    async def op(
        name: str, variables: dict[str, Any] | None = None, client: GraphQLClient = gql
    ) -> dict[str, Any]:
        done.add(name)
        return await run(client, name, variables or {})

    project = (await op("CreateProject", {"input": {"name": "Clip show", "musicDuration": 90}}))[
        "createProject"
    ]["project"]["id"]
    scene = (await op("CreateScene", {"input": {"projectId": project, "name": "Intro"}}))[
        "createScene"
    ]["scene"]["id"]
    await op("CreateClip", {"input": {"sceneId": scene, "name": "Wide shot", "length": 4.5}})
    tree = (await op("StoryboardTree", {"id": project}))["project"]
    assert tree["scenes"]["edges"][0]["node"]["clips"]["edges"][0]["node"]["length"] == 4.5
    assert (await op("MyProjects"))["projects"]["totalCount"] == 1
    conversation = await create_conversation(gql, "Ideas")
    content = [{"type": "TEXT", "text": "hello"}]
    await op("PostMessage", {"input": {"conversationId": conversation, "content": content}})
    inbox = (await op("Inbox"))["conversations"]["edges"]
    assert inbox[0]["node"]["messages"]["edges"][0]["node"]["content"][0]["text"] == "hello"
    history = (await op("ConversationHistory", {"id": conversation}))["conversation"]
    assert len(history["messages"]["edges"]) == 1
    key = (await op("CreateApiKey", {"name": "frontend"}))["createApiKey"]
    assert key["secret"].startswith("mgr_")
    assert len((await op("Viewer"))["viewer"]["apiKeys"]) == 2
    assert (await op("DeleteProject", {"id": project}))["deleteProject"]["affectedCount"] == 3
    assert (await op("RestoreProject", {"id": project}))["restoreProject"]["affectedCount"] == 3
    code = (await op("CreateLinkCode", {"platform": "TELEGRAM"}))["createIdentityLinkCode"]
    sender = {"externalId": "4242", "username": "alice_tg"}
    linked = await op("RedeemLinkCode", {"code": code["linkCode"]["code"], **sender}, bot)
    assert linked["redeemIdentityLinkCode"]["user"]["id"] == alice.global_id
    found = (await op("UserByTelegramId", {"externalId": "4242"}, bot))["userByIdentity"]
    assert found["economy"] == {"usdCredit": "0.00"}
    assert done == set(OPERATIONS)
