"""Generates a dataset of one `Size` and loads it through the datastore's bulk path."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from mongraph.auth import make_api_key
from mongraph.datastore import users
from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import (
    CharacterDoc,
    ClipDoc,
    ContentDoc,
    ConversationDoc,
    Document,
    MessageDoc,
    ProjectDoc,
    SceneDoc,
    utcnow,
)
from mongraph.datastore.indexes import ensure_indexes
from mongraph.schema.ids import encode_global_id

from .sizes import Size

__all__ = ["Dataset", "load_dataset"]


@dataclass
class Dataset:
    """What the scenarios need to know about the loaded data."""

    size: str
    user_id: str
    api_key: str
    big_project: str
    """Global id of the big project (scenario 4)."""
    write_scenes: list[str] = field(default_factory=list)
    write_conversations: list[str] = field(default_factory=list)
    mixed_ids: list[str] = field(default_factory=list)
    """100 global ids of every node type (scenario 6)."""
    documents: int = 0
    load_seconds: float = 0.0

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.load_seconds if self.load_seconds else 0.0


class _Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done, self._last = total, label, 0, 0.0

    def tick(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last > 0.5 or self.done >= self.total:
            self._last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "." * (width - filled)
            sys.stderr.write(f"\r  {self.label} [{bar}] {self.done}/{self.total}")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _total(size: Size) -> int:
    per_project = 1 + size.characters + size.scenes * (1 + size.clips)
    big = 1 + 1 + size.big_scenes * (1 + size.big_clips)
    writes = 1 + size.write_targets * 2
    return size.projects * per_project + big + writes + size.conversations * (1 + size.messages)


def _clip(owner: object, project: ProjectDoc, scene: SceneDoc, order: int, char: object) -> ClipDoc:
    return ClipDoc(
        owner_id=project.owner_id,
        project_id=project.id,
        scene_id=scene.id,
        name=f"Clip {order}",
        order=order,
        lyrics="la la la, under the neon rain",
        length=4.0 + order % 3,
        timeline_position=float(order * 4),
        image_prompt="a wide shot of a city at night, neon, rain",
        video_prompt="slow dolly in, rain drops on the lens",
        character_id=char,
    )


def _documents(size: Size, owner: object, picks: dict[str, list[str]]) -> Iterator[Document]:
    rng = random.Random(6)

    def pick(type_name: str, doc: Document) -> None:
        bucket = picks.setdefault(type_name, [])
        if len(bucket) < 20 and rng.random() < 0.5:
            bucket.append(encode_global_id(type_name, doc.id))

    for p in range(size.projects):
        project = ProjectDoc(owner_id=owner, name=f"Project {p}", description="A music video")
        yield project
        pick("Project", project)
        characters = [
            CharacterDoc(owner_id=owner, project_id=project.id, name=f"Character {c}")
            for c in range(size.characters)
        ]
        yield from characters
        pick("Character", characters[0])
        for s in range(size.scenes):
            scene = SceneDoc(owner_id=owner, project_id=project.id, name=f"Scene {s}", order=s)
            yield scene
            pick("Scene", scene)
            for c in range(size.clips):
                clip = _clip(owner, project, scene, c, characters[(s + c) % len(characters)].id)
                yield clip
                if c == 0:
                    pick("Clip", clip)
    # Oldest of all, so `projects(first: 20)` (newest first) never reaches it.
    big = ProjectDoc(owner_id=owner, name="The big one", created_at=utcnow() - timedelta(days=1))
    yield big
    picks["big"] = [encode_global_id("Project", big.id)]
    hero = CharacterDoc(owner_id=owner, project_id=big.id, name="Hero")
    yield hero
    for s in range(size.big_scenes):
        scene = SceneDoc(owner_id=owner, project_id=big.id, name=f"Big scene {s}", order=s)
        yield scene
        for c in range(size.big_clips):
            yield _clip(owner, big, scene, c, hero.id)
    writes = ProjectDoc(owner_id=owner, name="Writes", created_at=utcnow() - timedelta(days=2))
    yield writes
    start = utcnow() - timedelta(days=30)
    for w in range(size.write_targets):
        scene = SceneDoc(owner_id=owner, project_id=writes.id, name=f"Write scene {w}", order=w)
        yield scene
        picks.setdefault("write_scenes", []).append(encode_global_id("Scene", scene.id))
        # Old conversations: posting to them does not reorder the first page of the inbox.
        old = start - timedelta(days=1 + w)
        conversation = ConversationDoc(
            owner_id=owner, title=f"Writes {w}", created_at=old, updated_at=old
        )
        yield conversation
        picks.setdefault("write_conversations", []).append(
            encode_global_id("Conversation", conversation.id)
        )
    for v in range(size.conversations):
        conversation_id = ConversationDoc(owner_id=owner, title="").id  # id first, doc last
        at = start + timedelta(minutes=v)
        for m in range(size.messages):
            message = MessageDoc(
                owner_id=owner,
                conversation_id=conversation_id,
                author_id=owner,
                role="USER" if m % 2 == 0 else "ASSISTANT",
                content=[ContentDoc(type="TEXT", text=f"Message {m}: shall we shoot at dusk?")],
                created_at=at + timedelta(seconds=m),
                updated_at=at + timedelta(seconds=m),
            )
            yield message
            if m == size.messages - 1:
                pick("Message", message)
        last = at + timedelta(seconds=size.messages - 1)
        conversation = ConversationDoc(
            _id=conversation_id,
            owner_id=owner,
            title=f"Conversation {v}",
            created_at=at,
            updated_at=last,
            last_message_at=last,
            last_message_sort=last,
        )
        yield conversation
        pick("Conversation", conversation)


def _mixed(picks: dict[str, list[str]]) -> list[str]:
    """100 ids cycling through the node types (fewer when the dataset is small: `nodes`
    refuses a repeated id)."""
    types = ["Project", "Scene", "Clip", "Character", "Conversation", "Message"]
    pools = [picks[t] for t in types if picks.get(t)]
    cycled = (
        pools[i % len(pools)][(i // len(pools)) % len(pools[i % len(pools)])] for i in range(100)
    )
    return list(dict.fromkeys(cycled))


async def load_dataset(store: Datastore, size: Size, *, progress: bool = True) -> Dataset:
    await ensure_indexes(store)
    key = make_api_key("bench")
    user = await users.create_user(store, display_name="Bench User", roles=["USER"], key=key.doc)
    picks: dict[str, list[str]] = {}
    bar = _Progress(_total(size), f"loading {size.name}") if progress else None

    def counted() -> Iterator[Document]:
        for doc in _documents(size, user.id, picks):
            if bar is not None:
                bar.tick()
            yield doc

    started = time.perf_counter()
    written = await insert_documents(store, counted())
    elapsed = time.perf_counter() - started
    return Dataset(
        size=size.name,
        user_id=encode_global_id("User", user.id),
        api_key=key.secret,
        big_project=picks["big"][0],
        write_scenes=picks["write_scenes"],
        write_conversations=picks["write_conversations"],
        mixed_ids=_mixed(picks),
        documents=written,
        load_seconds=elapsed,
    )
