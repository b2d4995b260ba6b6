"""graphene-mongo over mongraph's database: scenarios 1, 3 and 4 as a user of it would write them.

MongoEngine documents map the same collections and fields; relations are
graphene-mongo connection fields with resolvers returning QuerySets (its
documented way). Run: `uv run --project bench/peers/graphene python -m peer --port P --uri U
--db D` (from this folder).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
from typing import Any

import graphene
import mongoengine as me
import uvicorn
from graphene import relay
from graphene_mongo import MongoengineConnectionField, MongoengineObjectType
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_LOOSE = {"strict": False}


class User(me.Document):
    meta = {"collection": "users", **_LOOSE}
    display_name = me.StringField(db_field="displayName")


class Project(me.Document):
    meta = {"collection": "projects", **_LOOSE}
    owner = me.ObjectIdField(db_field="ownerId")
    name = me.StringField()
    description = me.StringField()
    created_at = me.DateTimeField(db_field="createdAt")
    deleted_at = me.DateTimeField(db_field="deletedAt")


class Character(me.Document):
    meta = {"collection": "characters", **_LOOSE}
    project = me.ReferenceField(Project, db_field="projectId")
    name = me.StringField()
    deleted_at = me.DateTimeField(db_field="deletedAt")


class Scene(me.Document):
    meta = {"collection": "scenes", **_LOOSE}
    project = me.ReferenceField(Project, db_field="projectId")
    parent_scene = me.ObjectIdField(db_field="parentSceneId")
    name = me.StringField()
    order = me.IntField()
    deleted_at = me.DateTimeField(db_field="deletedAt")


class Clip(me.Document):
    meta = {"collection": "clips", **_LOOSE}
    scene = me.ReferenceField(Scene, db_field="sceneId")
    character = me.ReferenceField(Character, db_field="characterId")
    name = me.StringField()
    lyrics = me.StringField()
    length = me.FloatField()
    timeline_position = me.FloatField(db_field="timelinePosition")
    order = me.IntField()
    image_prompt = me.StringField(db_field="imagePrompt")
    video_prompt = me.StringField(db_field="videoPrompt")
    deleted_at = me.DateTimeField(db_field="deletedAt")


class Context:
    """graphene-mongo stores its queryset on the context, so it must be an object."""

    def __init__(self, request: Request) -> None:
        self.request = request


def viewer_of(info: Any) -> User | None:
    header = info.context.request.headers.get("authorization", "")
    secret = header.removeprefix("Bearer ").strip()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return User.objects(__raw__={"apiKeys.secretHash": digest}).first()


class UserType(MongoengineObjectType):
    class Meta:
        model = User
        interfaces = (relay.Node,)


class CharacterType(MongoengineObjectType):
    class Meta:
        model = Character
        interfaces = (relay.Node,)
        exclude_fields = ("project",)


class ClipType(MongoengineObjectType):
    class Meta:
        model = Clip
        interfaces = (relay.Node,)
        exclude_fields = ("scene",)


class SceneType(MongoengineObjectType):
    class Meta:
        model = Scene
        interfaces = (relay.Node,)
        exclude_fields = ("project",)

    clips = MongoengineConnectionField(ClipType)

    def resolve_clips(self, info: Any, **kwargs: Any) -> Any:
        return Clip.objects(scene=self.id, deleted_at=None).order_by("order", "id")


class ProjectType(MongoengineObjectType):
    class Meta:
        model = Project
        interfaces = (relay.Node,)

    scenes = MongoengineConnectionField(SceneType)

    def resolve_scenes(self, info: Any, **kwargs: Any) -> Any:
        return Scene.objects(project=self.id, deleted_at=None, parent_scene=None).order_by(
            "order", "id"
        )


class Query(graphene.ObjectType):
    node = relay.Node.Field()
    viewer = graphene.Field(UserType)
    projects = MongoengineConnectionField(ProjectType)
    project = graphene.Field(ProjectType, id=graphene.ID(required=True))

    def resolve_viewer(self, info: Any) -> User | None:
        return viewer_of(info)

    def resolve_projects(self, info: Any, **kwargs: Any) -> Any:
        user = viewer_of(info)
        owner = user.id if user else None
        return Project.objects(owner=owner, deleted_at=None).order_by("-created_at", "-id")

    def resolve_project(self, info: Any, id: str) -> Project | None:
        user = viewer_of(info)
        hex_id = base64.b64decode(id).decode().split(":", 1)[1]  # mongraph's global id
        return Project.objects(id=hex_id, owner=user.id if user else None).first()


schema = graphene.Schema(query=Query)


def _in_stack_room(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


# The room mongraph's servers run in (src/mongraph/stack_room.py, copied: this environment
# does not install mongraph), so that the comparison does not hinge on where either
# process's frame stack crosses a CPython chunk boundary.
_in_stack_room.__code__ = _in_stack_room.__code__.replace(co_stacksize=64 * 1024 + 64)


async def graphql(request: Request) -> JSONResponse:
    body = await request.json()
    result = await run_in_threadpool(
        _in_stack_room,
        schema.execute,
        body["query"],
        variable_values=body.get("variables"),
        context_value=Context(request),
    )
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [{"message": str(e)} for e in result.errors]
    return JSONResponse(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uri", required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    me.connect(db=args.db, host=args.uri, tz_aware=True)
    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
