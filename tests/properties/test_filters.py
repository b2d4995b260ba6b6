"""Property test: filter text is matched literally by the database, never as an operator or regex."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.utils.graphql import GraphQLClient

# ASCII (whose case-insensitivity is unambiguous), regex and operator metacharacters, and
# caseless non-ASCII (CJK, emoji, a combining mark) so Python's casefold is the reference.
ALPHABET = list(string.ascii_letters + string.digits + " $.{}[]()*+?^|\\/\"':,-") + list(
    "日本語🙂\u0301"
)
TEXT = st.text(st.sampled_from(ALPHABET), min_size=1, max_size=12).filter(lambda t: t.strip())
CREATE = "mutation($n: String!) { createProject(input: {name: $n}) { project { name } } }"
SEARCH = """query($t: String!) {
  projects(first: 100, where: {nameContains: $t}) { edges { node { name } } } }"""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=TEXT, query=TEXT)
@example(name='x{"$ne": ""}', query='{"$ne": ""}')
@example(name="a.b", query=".")
@example(name="plain", query=".*")
@example(name="plain", query="$where")
async def test_name_contains_matches_exactly_the_names_containing_the_text(
    gql: GraphQLClient, name: str, query: str
) -> None:
    await gql.ok(CREATE, {"n": name})
    everything = await gql.ok(SEARCH, {"t": ""})
    names = [edge["node"]["name"] for edge in everything["projects"]["edges"]]
    for text in (query, name.strip()[: len(name) // 2 + 1]):
        found = await gql.ok(SEARCH, {"t": text})
        expected = sorted(n for n in names if text.casefold() in n.casefold())
        assert sorted(e["node"]["name"] for e in found["projects"]["edges"]) == expected
