"""Apollo Client 4's InMemoryCache (npm @apollo/client, pinned in clients/typescript's
package-lock.json) follows every mutation of a storyboard and a chat session through the
payloads alone: after each step, what the cache answers for each open screen equals what
the gateway answers now (clients/typescript/cache-check.mjs, apollo-cache.mjs). Against
uvicorn on loopback."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.clients.operations import ROOT
from tests.utils import required
from tests.utils.apps import on_loopback
from tests.utils.factories import MadeUser

CLIENT = ROOT / "clients" / "typescript"
STORYBOARD = [
    "open the project lists",
    "create a project",
    "create another project",
    "open the project",
    "create scene Intro",
    "create scene Verse",
    "create scene Outro",
    "create clip a",
    "create clip b",
    "create clip c",
    "create clip d",
    "create clip e first",
    "reorder a clip within its scene",
    "move a clip to another scene",
    "rename a clip",
    "move a scene first",
    "delete a clip",
    "restore the clip",
    "delete a scene",
    "restore the scene",
    "delete the project",
    "restore the project",
    "delete the project again",
    "purge the project",
]
CHAT = [
    "open the inbox",
    "create conversation Ideas",
    "create conversation Team",
    "open both histories",
    "post one",
    "post two",
    "post three",
    "edit a message",
    "delete the last message",
    "restore it",
    "delete an earlier message",
]


async def cache_check(
    store: Datastore, settings: Settings, api_key: str, *options: str
) -> dict[str, Any]:
    node = required.node()
    required.built(CLIENT / "node_modules" / "@apollo" / "client", "make client-typescript")
    async with on_loopback(store, settings) as (address, _):
        process = await asyncio.create_subprocess_exec(
            node,
            str(CLIENT / "cache-check.mjs"),
            f"http://{address}/graphql",
            api_key,
            *options,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    report: dict[str, Any] = json.loads(stdout)
    return report


def where(report: dict[str, Any], key: str) -> list[tuple[str, str]]:
    return [(m["step"], m["screen"]) for m in report[key]]


async def test_the_apollo_cache_follows_every_mutation_through_its_payload(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    report = await cache_check(store, settings, alice.secret)
    assert report["steps"] == STORYBOARD + CHAT
    assert report["mismatches"] == []
    # one request per screen opened and per mutation: the cache answered every other read
    assert report["requests"] == report["screens"] + report["mutations"] == 6 + 31
    # the tree of the deleted, then purged, project reads as null from the cache, as the
    # gateway answers it: and only that screen at those steps
    after_delete = ["delete the project", "delete the project again", "purge the project"]
    assert where(report, "unanswered") == [(step, "StoryboardTree") for step in after_delete + CHAT]
    # the project, its three scenes and five clips, evicted from the cache after the purge
    assert len(report["purged"]) == 9
    assert report["purgedLeft"] == []


async def test_the_check_finds_a_cache_that_a_payload_did_not_update(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    """The same session with `query` left out of the client's documents: the lists the
    payloads re-read through the root go stale at the first mutation, and the check says so."""
    report = await cache_check(store, settings, alice.secret, "--without", "query")
    stale = where(report, "mismatches")
    assert stale[:2] == [("create a project", "MyProjects"), ("create a project", "Trash")]
    assert ("post one", "Inbox") in stale


def test_the_readme_shows_the_cache_that_is_tested() -> None:
    """README's Apollo setup is apollo-cache.mjs's: its type policy, line for line."""
    readme = (ROOT / "README.md").read_text()
    (setup,) = re.findall(r"^```js\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    policy = setup[setup.index("UserProfile") : setup.index("const client")]
    tested = (CLIENT / "apollo-cache.mjs").read_text()
    lines = [line.strip() for line in policy.splitlines() if line.strip() not in ("", "},", "});")]
    assert len(lines) > 5
    assert [line for line in lines if line not in tested] == []
