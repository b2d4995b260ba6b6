"""What a change costs the database and how soon it arrives, for 1 and 50 subscribers.

    uv run --frozen python -m bench.change_feeds [changes per round]

A gateway runs as its own process (`bench.serve`, as `mongraph serve` runs it, with a
command listener), over the embedded database. N WebSocket clients in this process follow
one project with `projectChanges` (selecting the changed clip); a writer in this process
renames a clip through its own client (one UPDATED each), waits until every subscriber has
the change, and goes on. Printed per N: the writer's commands per change, the gateway's
commands per delivered change (change stream, node loads) and the time from the write's
commit to its arrival (median and slowest subscriber). Then one subscriber replays the
whole log from the project's first cursor. Not a test: nothing here is asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

from mongraph.config import DEV_CURSOR_SECRET
from mongraph.datastore import storyboard
from mongraph.datastore.change_log import cursor_of
from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import migrate_up
from mongraph.datastore.repository import Scope
from mongraph.embedded import EmbeddedServer
from mongraph.schema.ids import encode_global_id
from tests.utils.commands import CommandCounter
from tests.utils.factories import make_user
from tests.utils.ws import GraphQLWebSocket

from .processes import Server, free_port

FOLLOW = """subscription($id: ID!, $after: String) { projectChanges(projectId: $id, after: $after) {
  kind nodeId cursor at node { id ... on Clip { name order updatedAt } } } }"""
SUBSCRIBERS = (1, 50)
SOCKETS = 10


@dataclass
class Socket:
    """A client's WebSocket with `subscriptions` subscriptions on it (an account may hold
    20 sockets per process, each with several subscriptions)."""

    ws: GraphQLWebSocket
    subscriptions: int

    async def arrivals(self) -> list[float]:
        """When each of its subscriptions received its next change."""
        return [await arrival(self.ws) for _ in range(self.subscriptions)]


async def subscribers(
    address: str, key: str, project: str, n: int, after: str | None = None
) -> list[Socket]:
    per_socket = -(-n // SOCKETS)
    sockets = []
    while n > 0:
        socket = Socket(await GraphQLWebSocket.open(address, key), min(per_socket, n))
        for _ in range(socket.subscriptions):
            await socket.ws.subscribe(FOLLOW, {"id": project, "after": after})
        sockets.append(socket)
        n -= socket.subscriptions
    return sockets


async def registered(server: Server, n: int) -> None:
    for _ in range(1200):
        if (await asyncio.to_thread(server.get_json, "/readyz")).get("subscriptions") == n:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the gateway never held {n} subscriptions")


async def arrival(ws: GraphQLWebSocket) -> float:
    payload = await ws.next_payload(within=60)
    assert "errors" not in payload, payload
    return time.perf_counter()


def per_change(counts: dict[str, int], changes: int) -> str:
    total = sum(counts.values())
    shown = ", ".join(f"{k.strip()} {v / changes:g}" for k, v in sorted(counts.items()))
    return f"{total / changes:g} ({shown})"


async def round_of(
    server: Server, writer: Datastore, counter: CommandCounter, owner: Any, clip: Any,
    sockets: list[Socket], changes: int,
) -> None:  # fmt: skip
    await asyncio.to_thread(server.get_json, "/__bench/commands")  # resets the tally
    counter.reset()
    latencies: list[list[float]] = []
    for i in range(changes):
        waiting = [asyncio.ensure_future(socket.arrivals()) for socket in sockets]
        await storyboard.update_clip(
            writer, scope=Scope(owner), clip_id=clip, fields={"name": f"take {i}"},
            order=None, scene_id=None,
        )  # fmt: skip
        committed = time.perf_counter()
        arrived = [t for each in await asyncio.gather(*waiting) for t in each]
        latencies.append(sorted(t - committed for t in arrived))
    gateway = await asyncio.to_thread(server.get_json, "/__bench/commands")
    written = {f"{name} {target}": 0 for name, target in counter.commands}
    for name, target in counter.commands:
        written[f"{name} {target}"] += 1
    median = statistics.median(statistics.median(each) for each in latencies)
    slowest = statistics.median(each[-1] for each in latencies)
    count = sum(socket.subscriptions for socket in sockets)
    print(f"{count} subscriber(s) on {len(sockets)} socket(s), {changes} changes:")
    print(f"  writer, commands per change:                 {per_change(written, changes)}")
    print(f"  gateway, commands per change delivered:      {per_change(gateway, changes)}")
    print(
        f"  commit to arrival: median {median * 1000:.1f} ms, slowest subscriber "
        f"{slowest * 1000:.1f} ms (medians over the changes)"
    )


async def main(changes: int) -> None:
    with EmbeddedServer(None) as database:
        name = f"bench_feeds_{uuid.uuid4().hex[:8]}"
        counter = CommandCounter()
        writer = Datastore.connect(
            database.uri, name, cursor_secret=DEV_CURSOR_SECRET, listeners=[counter]
        )
        await migrate_up(writer)
        user = await make_user(writer, "Bench")
        owner = user.doc.id
        project = await storyboard.create_project(writer, owner_id=owner, fields={"name": "P"})
        scene = await storyboard.create_scene(
            writer, scope=Scope(owner), project_id=project.id, parent_scene_id=None,
            order=None, fields={"name": "S"},
        )  # fmt: skip
        clip = await storyboard.create_clip(
            writer, scope=Scope(owner), scene_id=scene.id, character_id=None, order=None,
            fields={"name": "C"},
        )  # fmt: skip
        first = cursor_of(writer, project.id, 1)
        port = free_port()
        command = [sys.executable, "-m", "bench.serve", "gateway", "--port", str(port)]
        env_args = ["--uri", database.uri, "--db", name]
        gateway = Server("gateway", [*command, *env_args], port, stderr=subprocess.DEVNULL)
        with gateway.ready() as server:
            address = f"127.0.0.1:{port}"
            project_id = encode_global_id("Project", project.id)
            for n in SUBSCRIBERS:
                sockets = await subscribers(address, user.secret, project_id, n)
                await registered(server, n)
                await round_of(server, writer, counter, owner, clip.id, sockets, 5)  # warm-up
                await round_of(server, writer, counter, owner, clip.id, sockets, changes)
                for socket in sockets:
                    await socket.ws.close()
                await registered(server, 0)
            total = (await writer.db["changes"].count_documents({"scope": project.id})) - 1
            await asyncio.to_thread(server.get_json, "/__bench/commands")
            started = time.perf_counter()
            (replayer,) = await subscribers(address, user.secret, project_id, 1, after=first)
            for _ in range(total):
                await arrival(replayer.ws)
            seconds = time.perf_counter() - started
            gateway = await asyncio.to_thread(server.get_json, "/__bench/commands")
            print(f"replay of {total} changes from the first cursor: {seconds:.2f} s")
            print(f"  gateway, commands for the whole replay:      {per_change(gateway, 1)}")
            await replayer.ws.close()
        await writer.client.drop_database(name)
        await writer.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
