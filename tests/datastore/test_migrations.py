"""The migration runner (against `tests/migration_steps`) and the gateway's migration 1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.errors import WriteError

from mongraph.datastore import migrations as gateway_migrations
from mongraph.datastore.client import Datastore
from mongraph.datastore.dbschema import schema_fingerprint
from mongraph.datastore.documents import LinkCodeDoc, ProjectDoc, UserDoc, utcnow
from mongraph.datastore.indexes import ensure_indexes
from mongraph.datastore.migrate import (
    DatabaseVersionError,
    MigrationError,
    _locked,
    load_migrations,
    migrate_down,
    migrate_up,
    migration_status,
)
from mongraph.datastore.migrations import m0002_identity_proofs as m0002
from mongraph.datastore.migrations import m0003_change_log as m0003
from mongraph.datastore.relations import COLLECTIONS
from mongraph.datastore.validators import validator_for

STEPS = "tests.migration_steps"


def connect(uri: str, name: str) -> Datastore:
    return Datastore.connect(uri, name, cursor_secret="s")


@pytest.fixture
async def bare(mongodb_uri: str) -> AsyncIterator[Datastore]:
    """A database nothing has migrated."""
    name = f"test_bare_{uuid.uuid4().hex[:12]}"
    store = connect(mongodb_uri, name)
    yield store
    await store.client.drop_database(name)
    await store.close()


async def runs(store: Datastore) -> dict[str, int]:
    return {d["_id"]: d["n"] async for d in store.db["runs"].find()}


async def test_up_applies_in_order_and_down_undoes_the_newest_first(bare: Datastore) -> None:
    await bare.db["things"].insert_many([{"kind": "a"}, {"kind": "b"}])
    status = await migration_status(bare, STEPS)
    assert (status.current, status.latest, [m.name for m in status.pending]) == (
        0,
        3,
        ["things", "backfill", "rename"],
    )
    applied = await migrate_up(bare, package=STEPS)
    assert [m.version for m in applied] == [1, 2, 3]
    assert [d async for d in bare.db["things"].find({}, {"_id": 0})] == [
        {"size": 0, "category": "a"},
        {"size": 0, "category": "b"},
    ]
    records = [r async for r in bare.db["migrations"].find()]
    assert [(r["_id"], r["name"]) for r in records] == [
        (1, "things"),
        (2, "backfill"),
        (3, "rename"),
    ]
    assert await migrate_up(bare, package=STEPS) == []  # nothing pending: nothing runs again

    undone = await migrate_down(bare, 2, package=STEPS)
    assert [m.version for m in undone] == [3, 2]
    assert [d async for d in bare.db["things"].find({}, {"_id": 0})] == [
        {"kind": "a"},
        {"kind": "b"},
    ]
    status = await migration_status(bare, STEPS)
    assert (status.current, [m.version for m in status.pending]) == (1, [2, 3])
    assert await runs(bare) == {"1-up": 1, "2-up": 1, "3-up": 1, "3-down": 1, "2-down": 1}
    assert await bare.db["migrations"].find_one({"_id": "lock"}) is None  # released


async def test_a_long_migration_reports_documents_processed_over_total(bare: Datastore) -> None:
    await bare.db["things"].insert_many([{"kind": "k", "n": i} for i in range(120)])
    await bare.db["things"].insert_one({"kind": "k", "size": 7})  # already has one: not counted
    reports: list[tuple[str, int, int]] = []
    await migrate_up(bare, package=STEPS, progress=lambda *r: reports.append(r))
    backfill = [(done, total) for label, done, total in reports if label == "0002 backfill"]
    assert backfill == [(0, 120), (50, 120), (100, 120), (120, 120)]
    assert await bare.db["things"].count_documents({"size": 0}) == 120


async def test_two_clients_racing_apply_each_migration_once(
    bare: Datastore, mongodb_uri: str
) -> None:
    other = connect(mongodb_uri, bare.db.name)
    try:
        first, second = await asyncio.gather(
            migrate_up(bare, package=STEPS), migrate_up(other, package=STEPS)
        )
    finally:
        await other.close()
    # one runner applied all three; the other waited for the lock, then found none pending
    assert sorted([len(first), len(second)]) == [0, 3]
    assert await runs(bare) == {"1-up": 1, "2-up": 1, "3-up": 1}
    assert await bare.db["migrations"].count_documents({}) == 3


async def test_an_expired_lock_is_taken_over_and_a_live_one_waited_for(bare: Datastore) -> None:
    live = {"_id": "lock", "owner": "elsewhere", "expiresAt": utcnow() + timedelta(minutes=5)}
    await bare.db["migrations"].insert_one(live)
    with pytest.raises(MigrationError, match="held by elsewhere"):
        await migrate_up(bare, package=STEPS, wait=timedelta(seconds=0.3))
    assert await runs(bare) == {}
    await bare.db["migrations"].update_one(
        {"_id": "lock"}, {"$set": {"expiresAt": utcnow() - timedelta(seconds=1)}}
    )  # its holder died: the lease ran out
    assert len(await migrate_up(bare, package=STEPS)) == 3


async def test_a_runner_that_lost_its_lock_stops_before_recording(bare: Datastore) -> None:
    async with _locked(bare, timedelta(minutes=1), timedelta(seconds=1)) as held:
        held.check()
        await held.renew_once()
        held.check()  # still ours
        await bare.db["migrations"].update_one({"_id": "lock"}, {"$set": {"owner": "thief"}})
        await held.renew_once()  # finds it taken over (it had expired, say)
        with pytest.raises(MigrationError, match="lost the migration lock"):
            held.check()
    assert (await bare.db["migrations"].find_one({"_id": "lock"}) or {}).get("owner") == "thief"


async def test_a_database_newer_than_the_code_is_refused(bare: Datastore) -> None:
    await migrate_up(bare, package=STEPS)
    await bare.db["migrations"].insert_one({"_id": 4, "name": "future", "appliedAt": utcnow()})
    status = await migration_status(bare, STEPS)
    with pytest.raises(DatabaseVersionError, match="version 4, newer than this code knows \\(3\\)"):
        status.check()
    with pytest.raises(DatabaseVersionError, match="newer"):
        await migrate_up(bare, package=STEPS)
    with pytest.raises(DatabaseVersionError, match="newer"):
        await migrate_down(bare, 1, package=STEPS)
    assert await runs(bare) == {"1-up": 1, "2-up": 1, "3-up": 1}


async def test_the_test_fixture_database_is_fully_migrated(store: Datastore) -> None:
    status = await migration_status(store)
    assert status.current == status.latest == len(load_migrations()) >= 1
    status.check()
    options = {c["name"]: c["options"] async for c in await store.db.list_collections()}
    for name in COLLECTIONS:
        assert options[name]["validator"] == validator_for(name)
        assert options[name]["validationLevel"] == "strict"


def test_the_newest_schema_migration_matches_documents_and_relations() -> None:
    """Changing a document model or an index declaration needs a migration that applies it."""
    newest = [m for m in load_migrations() if hasattr(m.module, "SCHEMA")][-1]
    assert schema_fingerprint() == newest.module.SCHEMA, (
        f"documents.py or relations.py changed: add a migration to {gateway_migrations.__name__} "
        f"that calls apply_schema() and sets SCHEMA = {schema_fingerprint()!r}"
    )


MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("projects", {"name": "no owner"}),
    ("projects", {"ownerId": "not-an-object-id", "name": "x"}),
    ("scenes", {"ownerId": ObjectId(), "projectId": ObjectId(), "name": "s", "order": "first"}),
    ("users", {"displayName": "K", "apiKeys": [{"name": "k", "prefix": "mgr_"}]}),
    ("economy", {"userId": ObjectId(), "usdCredit": 12.5}),
    ("messages", {"ownerId": ObjectId(), "conversationId": ObjectId(), "content": [{}]}),
]


@pytest.mark.parametrize(("collection", "document"), MALFORMED)
async def test_the_validator_rejects_a_malformed_write_made_with_the_driver(
    store: Datastore, collection: str, document: dict[str, Any]
) -> None:
    with pytest.raises(WriteError) as raised:
        await store.db[collection].insert_one(document)
    assert raised.value.code == 121  # DocumentValidationFailure
    assert await store.db[collection].count_documents({}) == 0


async def test_the_validator_checks_updates_and_accepts_what_the_models_write(
    store: Datastore,
) -> None:
    owner = UserDoc(display_name="Owner")
    await store.db["users"].insert_one(owner.to_mongo())
    project = ProjectDoc(owner_id=owner.id, name="P", music_duration=180)
    await store.db["projects"].insert_one(project.to_mongo())
    with pytest.raises(WriteError):
        await store.db["projects"].update_one({"_id": project.id}, {"$set": {"name": 42}})
    with pytest.raises(WriteError):
        await store.db["projects"].update_one({"_id": project.id}, {"$unset": {"ownerId": ""}})
    stored = await store.db["projects"].find_one({"_id": project.id})
    assert ProjectDoc.model_validate(stored) == project


async def test_migration_1_is_idempotent_adopts_an_older_database_and_down_keeps_data(
    bare: Datastore,
) -> None:
    await ensure_indexes(bare)  # how databases were set up before migrations existed
    await bare.db["projects"].insert_one({"name": "legacy, no owner"})
    assert [m.version for m in await migrate_up(bare)] == [1, 2, 3]
    with pytest.raises(WriteError):
        await bare.db["projects"].insert_one({"name": "new, no owner"})
    migration = load_migrations()[0]
    await migration.module.up(_context(bare, migration))  # once more: no error, same state
    indexes = {i["name"] async for i in await bare.db["clips"].list_indexes()}
    assert "sceneId_1_order_1__id_1" in indexes

    assert [m.version for m in await migrate_down(bare, 3)] == [3, 2, 1]
    await bare.db["projects"].insert_one({"name": "accepted again"})
    assert await bare.db["projects"].count_documents({}) == 2  # the data stayed
    indexes = {i["name"] async for i in await bare.db["clips"].list_indexes()}
    assert indexes == {"_id_"}
    assert (await migration_status(bare)).current == 0


def _context(store: Datastore, migration: Any) -> Any:
    from mongraph.datastore.migrate import MigrationContext

    return MigrationContext(store, migration, lambda *_: None)


async def test_migration_2_keeps_identities_and_wallets_unverified_and_down_undoes_it(
    bare: Datastore,
) -> None:
    await migrate_up(bare)
    await migrate_down(bare, 2)  # the database as it was before identity proofs
    users = bare.db["users"]
    options = {c["name"]: c["options"] async for c in await bare.db.list_collections()}
    assert "verifiedAt" not in str(options["users"]["validator"])
    assert "linkCodes" not in options
    legacy = UserDoc(display_name="Old").to_mongo()
    legacy["identities"] = [{"platform": "TELEGRAM", "externalId": "1", "linkedAt": utcnow()}]
    legacy["wallets"] = [
        {"chain": "ETH", "address": "0x" + "ab" * 20, "isPrimary": True, "addedAt": utcnow()}
    ]
    await users.insert_one(legacy)

    assert [m.version for m in await migrate_up(bare)] == [2, 3]
    kept = UserDoc.model_validate(await users.find_one({"_id": legacy["_id"]}))
    assert [(i.external_id, i.verified_at) for i in kept.identities] == [("1", None)]
    assert [(w.address, w.verified_at) for w in kept.wallets] == [("0x" + "ab" * 20, None)]
    for name in ("linkCodes", "linkCodeFailures", "walletChallenges"):
        ttl = [i async for i in await bare.db[name].list_indexes() if "expireAfterSeconds" in i]
        assert [(i["key"], i["expireAfterSeconds"]) for i in ttl] == [({"expiresAt": 1}, 0)]
    with pytest.raises(WriteError):  # the validator knows the new field's type
        await users.update_one(
            {"_id": legacy["_id"]}, {"$set": {"identities.0.verifiedAt": "yesterday"}}
        )
    now = utcnow()
    await users.update_one(
        {"_id": legacy["_id"]},
        {"$set": {"identities.0.verifiedAt": now, "wallets.0.verifiedAt": now}},
    )
    bot = UserDoc(display_name="Bot", roles=["USER", "SERVICE"], service_platform="TELEGRAM")
    await users.insert_one(bot.to_mongo())
    code = LinkCodeDoc(
        code_hash="h", platform="TELEGRAM", made_by=bot.id, redeemer="SERVICE", expires_at=now
    )
    await bare.db["linkCodes"].insert_one(code.to_mongo())

    assert [m.version for m in await migrate_down(bare, 2)] == [3, 2]
    names = set(await bare.db.list_collection_names())
    assert not {"linkCodes", "linkCodeFailures", "walletChallenges"} & names
    old = await users.find_one({"_id": legacy["_id"]})
    assert old is not None
    assert "verifiedAt" not in str(old)
    assert (len(old["identities"]), len(old["wallets"])) == (1, 1)  # kept
    former_bot = await users.find_one({"_id": bot.id})
    assert former_bot is not None
    assert (former_bot["roles"], former_bot["status"]) == (["USER"], "SUSPENDED")
    assert "servicePlatform" not in former_bot
    options = {c["name"]: c["options"] async for c in await bare.db.list_collections()}
    assert options["users"]["validator"] == m0002.previous_users_validator()
    assert "verifiedAt" not in str(options["users"]["validator"])
    assert [m.version for m in await migrate_up(bare)] == [2, 3]  # and up again


async def test_migration_3_starts_existing_projects_at_position_0_and_down_undoes_it(
    bare: Datastore,
) -> None:
    await migrate_up(bare)
    await migrate_down(bare, 1)  # the database as it was before the change log
    options = {c["name"]: c["options"] async for c in await bare.db.list_collections()}
    assert "changes" not in options
    assert "changeSeq" not in str(options["projects"]["validator"])
    legacy = ProjectDoc(owner_id=ObjectId(), name="old").to_mongo()
    del legacy["changeSeq"]
    await bare.db["projects"].insert_one(legacy)

    assert [m.version for m in await migrate_up(bare)] == [3]
    kept = ProjectDoc.model_validate(await bare.db["projects"].find_one({"_id": legacy["_id"]}))
    assert kept.change_seq == 0
    indexes = [i async for i in await bare.db["changes"].list_indexes()]
    assert [i["key"] for i in indexes if i.get("unique")] == [{"scope": 1, "seq": 1}]
    assert [(i["key"], i["expireAfterSeconds"]) for i in indexes if "expireAfterSeconds" in i] == [
        ({"expiresAt": 1}, 0)
    ]
    with pytest.raises(WriteError):  # the validator knows the new field's type
        await bare.db["projects"].update_one({"_id": legacy["_id"]}, {"$set": {"changeSeq": "1"}})
    await bare.db["projects"].update_one({"_id": legacy["_id"]}, {"$inc": {"changeSeq": 1}})

    assert [m.version for m in await migrate_down(bare, 1)] == [3]
    assert "changes" not in set(await bare.db.list_collection_names())
    old = await bare.db["projects"].find_one({"_id": legacy["_id"]})
    assert old is not None
    assert "changeSeq" not in old
    options = {c["name"]: c["options"] async for c in await bare.db.list_collections()}
    for name in m0003.SCOPES:
        assert options[name]["validator"] == m0003.previous_validator(name)
