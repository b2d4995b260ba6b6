"""Demo data: a user with a storyboard project (idempotent)."""

from __future__ import annotations

from pathlib import Path

from .auth import hash_secret, make_api_key
from .datastore import storyboard, users
from .datastore.client import Datastore
from .datastore.repository import Repository, Scope, to_object_id

__all__ = ["DEMO_USER_ID", "ensure_dev_key", "seed_demo_data"]

DEMO_USER_ID = "64d3a0000000000000000001"

_SCENES = {
    "Intro: city at night": ["Skyline pan", "Neon sign flickers"],
    "Verse 1": ["Singer walks", "Rain on glass", "Close-up"],
    "Chorus": ["Crowd jumps", "Lights burst"],
}


async def seed_demo_data(store: Datastore) -> bool:
    """Creates the demo user and project unless they exist; True when it created them."""
    owner = to_object_id(DEMO_USER_ID)
    assert owner is not None
    created = await users.ensure_user(store, user_id=owner, display_name="Demo User")
    scope = Scope(owner_id=owner)
    if await Repository(store, "projects", scope).count({"ownerId": owner}) > 0:
        return created
    project = await storyboard.create_project(
        store,
        owner_id=owner,
        fields={"name": "Neon Nights", "description": "Demo music video", "musicDuration": 212.5},
    )
    singer = await storyboard.create_character(
        store,
        scope=scope,
        project_id=project.id,
        fields={"name": "The Singer", "triggerWords": ["sgr"]},
    )
    for scene_name, clip_names in _SCENES.items():
        scene = await storyboard.create_scene(
            store, scope=scope, project_id=project.id, parent_scene_id=None, order=None,
            fields={"name": scene_name},
        )  # fmt: skip
        for i, clip_name in enumerate(clip_names):
            await storyboard.create_clip(
                store, scope=scope, scene_id=scene.id, order=None,
                character_id=singer.id if i % 2 == 0 else None,
                fields={"name": clip_name, "length": 4.0 + i},
            )  # fmt: skip
    return True


async def ensure_dev_key(store: Datastore, data_dir: Path) -> str:
    """A dev API key for the demo user, kept in the (embedded, local) data directory."""
    owner = to_object_id(DEMO_USER_ID)
    assert owner is not None
    key_file = data_dir / "dev-api-key"
    secret = _read_key(key_file)
    if secret and await users.find_by_key_hash(store, hash_secret(secret)) is not None:
        return secret
    key = make_api_key("dev key")
    await users.add_key(store, owner, key.doc)
    _write_key(key_file, key.secret)
    return key.secret


def _read_key(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


def _write_key(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
