"""The source's import structure: layers import downwards only, and nothing imports itself
back through another module."""

from __future__ import annotations

from tests.architecture.imports import cycles, import_graph, modules, package_graph


def test_no_module_is_part_of_an_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_no_two_packages_import_each_other() -> None:
    assert cycles(package_graph(import_graph())) == []


def test_the_graph_reader_sees_a_circle() -> None:
    """The check above can fail: a made-up graph with a circle of three is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_execution_machinery_knows_no_domain_type() -> None:
    graph = import_graph()
    below = {m: t for m, t in graph.items() if m.startswith("mongraph.execution")}
    assert below
    upward = {
        (m, t)
        for m, targets in below.items()
        for t in targets
        if t.startswith(("mongraph.schema", "mongraph.resolvers", "mongraph.api"))
    }
    assert upward == set()


def test_every_module_is_small() -> None:
    """One job per module: none grows past 400 lines."""
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules().items()}
    assert {name: size for name, size in sizes.items() if size > 400} == {}
