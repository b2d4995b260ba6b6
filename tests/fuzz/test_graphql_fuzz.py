"""schemathesis generates queries and mutations for every root field of the live schema.

Whatever it sends, the gateway answers with `data` or coded `errors`: never a 5xx,
never a response without either, never a stack trace or driver message. The gateway runs
in the differential mode: every generated query also runs on graphql-core's executor, and
the compiled path must have given the same JSON (execution/differential.py).
`MONGRAPH_FUZZ_EXAMPLES` sets the examples per field (`make fuzz` runs a long form).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import MongoClient
from schemathesis.graphql import nodes

from mongraph.errors import ErrorCode
from tests.utils.gateway import gateway_process

EXAMPLES = int(os.environ.get("MONGRAPH_FUZZ_EXAMPLES", "4"))
CODES = {code.value for code in ErrorCode}
SDL = Path(__file__).parents[2] / "schema.graphql"
LEAKS = ("Traceback", 'File "', "pymongo", "bson", "Errno", "127.0.0.1")


@dataclass
class Gateway:
    url: str
    api_key: str
    differences: Path
    """Where the gateway lists the queries whose compiled result differed."""


@pytest.fixture(scope="module")
def gateway(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """`mongraph serve` on a database of its own, with a user made by `mongraph create-user`,
    in the differential mode."""
    db_name = f"fuzz_{uuid.uuid4().hex[:8]}"
    differences = tmp_path_factory.mktemp("differential") / "differences.log"
    env = {
        **os.environ,
        "MONGODB_URI": mongodb_uri,
        "MONGRAPH_DB": db_name,
        "MONGRAPH_MIGRATE_ON_START": "1",
    }
    created = subprocess.run(
        [sys.executable, "-m", "mongraph.cli", "create-user", "--display-name", "Fuzzer"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    api_key = created.stdout.strip().splitlines()[-1]
    differential = {
        "MONGRAPH_EXECUTION": "differential",
        "MONGRAPH_DIFFERENTIAL_LOG": str(differences),
    }
    with gateway_process(mongodb_uri, db_name, **differential) as base:
        yield Gateway(f"{base}/graphql", api_key, differences)
    with MongoClient(mongodb_uri) as client:
        client.drop_database(db_name)


# Custom scalars: well-formed values, near misses and junk alike.
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.sampled_from(["1e400", "-0", "NaN", "0.001", '{"$gt": 0}', ""]),
        st.text(max_size=20),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
        st.datetimes().map(datetime.isoformat),  # no offset: must be refused cleanly
        st.text(max_size=30),
    ).map(nodes.String),
)

# The committed SDL equals the served schema (tests/test_schema.py), so cases are generated
# from it at collection time: one test per root field.
OPERATIONS = [
    result.ok() for result in schemathesis.graphql.from_file(SDL.read_text()).get_all_operations()
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_generated_operation_gets_a_clean_answer(operation: Any, gateway: Gateway) -> None:
    headers = {"Authorization": f"Bearer {gateway.api_key}"}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def answers_cleanly(case: Any) -> None:
        response = case.call(base_url=gateway.url, headers=headers)
        assert response.status_code < 500, response.text
        body = response.json()
        assert "data" in body or "errors" in body, body
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] in CODES, error
            assert not any(leak in error["message"] for leak in LEAKS), error
        assert not gateway.differences.exists(), gateway.differences.read_text()

    answers_cleanly()
