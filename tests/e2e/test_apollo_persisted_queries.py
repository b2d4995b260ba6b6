"""Apollo Client's PersistedQueryLink (npm @apollo/client, pinned in clients/typescript's
package-lock.json) against a live gateway: the first request misses and is retried with
the document, later ones hit, over POST and over GET (clients/typescript/apq-check.mjs)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.clients.operations import ROOT
from tests.utils import required
from tests.utils.apps import on_loopback
from tests.utils.factories import MadeUser

CLIENT = ROOT / "clients" / "typescript"


async def apollo(url: str, api_key: str) -> dict[str, Any]:
    node = required.node()
    required.built(CLIENT / "node_modules" / "@apollo" / "client", "make client-typescript")
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENT / "apq-check.mjs"),
        url,
        api_key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    report: dict[str, Any] = json.loads(stdout)
    return report


async def test_apollo_persisted_query_link_misses_retries_then_hits(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    async with on_loopback(store, settings) as (address, _):
        report = await apollo(f"http://{address}/graphql", alice.secret)
    assert report["names"] == ["Alice", "Alice", "Alice"]
    requests = report["requests"]
    (sent_hash,) = {r["sentHash"] for r in requests}  # one document, always with its hash
    assert sent_hash is not None
    assert [(r["method"], r["sentQuery"], r["codes"]) for r in requests] == [
        ("POST", False, ["PERSISTED_QUERY_NOT_FOUND"]),  # the miss
        ("POST", True, []),  # the retry with the document registers it
        ("POST", False, []),  # a new client: the hash alone hits
        ("GET", False, []),  # and over GET, as a CDN would cache it
    ]
