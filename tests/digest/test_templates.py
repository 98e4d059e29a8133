"""The templates place figures; they never compute one (no arithmetic, no counting filters)."""

from __future__ import annotations

import pytest
from jinja2 import nodes

from digest.render import _environment

TEMPLATES = ["digest.html.j2", "digest.txt.j2"]
COMPUTING_FILTERS = {
    "sum",
    "length",
    "count",
    "round",
    "int",
    "float",
    "abs",
    "max",
    "min",
    "format",
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_number_is_computed_in_a_template(name):
    env = _environment(autoescape=name.endswith(".html.j2"))
    source = env.loader.get_source(env, name)[0]
    tree = env.parse(source)
    arithmetic = list(tree.find_all((nodes.BinExpr, nodes.UnaryExpr)))
    arithmetic = [n for n in arithmetic if not isinstance(n, (nodes.And, nodes.Or, nodes.Not))]
    assert arithmetic == []
    filters = {f.name for f in tree.find_all(nodes.Filter)} & COMPUTING_FILTERS
    assert filters == set()
    # Only loop.last / loop.index0 (to pick a heading) are used from the loop.
    loop_uses = {
        n.attr for n in tree.find_all(nodes.Getattr) if getattr(n.node, "name", "") == "loop"
    }
    assert loop_uses <= {"last", "index0"}
