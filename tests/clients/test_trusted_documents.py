"""Trusted documents: the manifest clients/typescript generates (GraphQL Code Generator's
client preset, `persistedDocuments`) loaded by a gateway in trusted-only mode; a client
then sends only `documentId`s, and every other document is refused before it is parsed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse
from pydantic import ValidationError

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.persisted import load_manifest
from tests.clients.operations import ROOT, operations, operations_document
from tests.clients.scenario import every_operation
from tests.utils import required
from tests.utils.apps import app_client, on_loopback
from tests.utils.factories import MadeUser
from tests.utils.proofs import make_service
from tests.utils.ws import GraphQLWebSocket

MANIFEST = ROOT / "clients" / "typescript" / "src" / "persisted" / "persisted-documents.json"


def manifest() -> dict[str, str]:
    required.built(MANIFEST, "make client-typescript")
    loaded: dict[str, str] = json.loads(MANIFEST.read_text())
    return loaded


def by_name(documents: dict[str, str]) -> dict[str, tuple[str, OperationType]]:
    """Operation name → (documentId as the client preset writes it, operation type)."""
    found: dict[str, tuple[str, OperationType]] = {}
    for document_id, text in documents.items():
        for definition in parse(text).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                found[definition.name.value] = (document_id, definition.operation)
    return found


def trusted(settings: Settings, only: bool = True) -> Settings:
    return settings.model_copy(
        update={"mongraph_trusted_documents": MANIFEST, "mongraph_trusted_only": only}
    )


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


async def test_every_operation_runs_by_its_document_id_in_trusted_only_mode(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    ids = by_name(manifest())
    assert set(ids) == set(operations(operations_document()))  # the manifest is complete
    bot = await make_service(store, "TELEGRAM")

    async with app_client(store, trusted(settings)) as http:

        async def send(name: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {key or alice.secret}"}
            document_id, kind = ids[name]
            if kind is OperationType.QUERY:  # queries over GET, with the bare hex
                params = {"documentId": document_id.removeprefix("sha256:")}
                if variables:
                    params["variables"] = json.dumps(variables)
                response = await http.get("/graphql", params=params, headers=headers)
            else:
                body = {"documentId": document_id, "variables": variables}
                response = await http.post("/graphql", json=body, headers=headers)
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), (name, response.json())
            data: dict[str, Any] = response.json()["data"]
            return data

        assert await every_operation(send, bot.secret) == set(ids)


async def test_trusted_only_refuses_every_other_document_before_parsing_it(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    documents = manifest()
    known = next(iter(documents.values()))
    unknown = "{ viewer { id } }"
    headers = {"Authorization": f"Bearer {alice.secret}"}
    async with app_client(store, trusted(settings)) as http:
        refused = [
            await http.post("/graphql", json=body, headers=headers)
            for body in (
                {"query": unknown},
                {"query": "{ this does not parse"},  # refused as free-form, not as a syntax error
                {"query": known},  # even a listed text: the list is reached by id
                {"documentId": "sha256:" + "0" * 64},
                {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "1" * 64}}},
                {
                    "query": unknown,
                    "extensions": {
                        "persistedQuery": {
                            "version": 1,
                            "sha256Hash": hashlib.sha256(unknown.encode()).hexdigest(),
                        }
                    },
                },
            )
        ]
        by_get = await http.get("/graphql", params={"query": unknown}, headers=headers)
    assert [codes(r) for r in refused] == [
        ["PERSISTED_QUERY_ID_REQUIRED"],
        ["PERSISTED_QUERY_ID_REQUIRED"],
        ["PERSISTED_QUERY_ID_REQUIRED"],
        ["PERSISTED_QUERY_NOT_IN_LIST"],
        ["PERSISTED_QUERY_NOT_IN_LIST"],
        ["PERSISTED_QUERY_NOT_IN_LIST"],
    ]
    assert codes(by_get) == ["PERSISTED_QUERY_ID_REQUIRED"]


async def test_without_trusted_only_ids_and_free_form_documents_both_run(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    document_id, _ = by_name(manifest())["Viewer"]
    headers = {"Authorization": f"Bearer {alice.secret}"}
    async with app_client(store, trusted(settings, only=False)) as http:
        by_id = await http.post("/graphql", json={"documentId": document_id}, headers=headers)
        free = await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers=headers)
        unknown = await http.post("/graphql", json={"documentId": "f" * 64}, headers=headers)
    assert by_id.json()["data"]["viewer"]["displayName"] == "Alice"
    assert free.json()["data"]["viewer"]["id"]
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_IN_LIST"]


def test_a_manifest_whose_key_is_not_its_documents_hash_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps({"sha256:" + "a" * 64: "{ viewer { id } }"}))
    with pytest.raises(ValueError, match="is not the SHA-256 of its document"):
        load_manifest(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a JSON object"):
        load_manifest(bad)
    with pytest.raises(ValueError, match="cannot read"):
        load_manifest(tmp_path / "missing.json")


def test_trusted_only_needs_a_manifest() -> None:
    with pytest.raises(ValidationError, match="MONGRAPH_TRUSTED_DOCUMENTS"):
        Settings(mongodb_uri="unused", mongraph_trusted_only=True)


async def test_trusted_only_holds_websocket_operations_to_the_list_too(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    documents = manifest()
    viewer = documents[by_name(documents)["Viewer"][0]]
    async with on_loopback(store, trusted(settings)) as (address, _):
        socket = await GraphQLWebSocket.open(address, alice.secret)
        try:
            listed = await socket.execute(viewer)
            ad_hoc = await socket.execute("{ viewer { id } }")
            subscription = await socket.execute(
                'subscription { messageAdded(conversationId: "x") { id } }'
            )
        finally:
            await socket.close()
    assert listed["data"]["viewer"]["displayName"] == "Alice"
    assert [e["extensions"]["code"] for e in ad_hoc["errors"]] == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert [e["extensions"]["code"] for e in subscription["errors"]] == [
        "PERSISTED_QUERY_NOT_IN_LIST"
    ]
