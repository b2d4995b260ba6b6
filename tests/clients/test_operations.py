"""clients/operations/*.graphql: valid against the exported schema, inside the request
limits with their default variables, and each one answers without errors when run."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse, print_ast, validate

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.execution.cost import Limits, measure
from mongraph.execution.cost_sizes import costs_of
from tests.clients.operations import (
    SCHEMA_FILE,
    all_operations_source,
    fragments,
    operation_files,
    operations,
    operations_document,
)
from tests.clients.scenario import every_operation
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


async def test_every_operation_runs_against_the_gateway(
    gql: GraphQLClient, store: Datastore
) -> None:
    bot = await make_service(store, "TELEGRAM")

    async def send(name: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
        body = await (gql.as_user(key) if key else gql).raw(request(name), variables)
        assert "errors" not in body, (name, body["errors"])
        assert body["extensions"]["cost"] <= Settings(mongodb_uri="unused").mongraph_max_cost
        data: dict[str, Any] = body["data"]
        return data

    assert await every_operation(send, bot.secret) == set(OPERATIONS)
