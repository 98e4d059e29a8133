"""The templates place figures; they never compute one (no arithmetic, no counting filters)."""

from __future__ import annotations

import re

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


def test_the_figures_written_out_in_the_per_unit_loops_are_the_macros_word_for_word():
    # digest.html.j2 writes fig() and bar() out in the loops that run once per unit (a
    # macro call per figure was a third of the render at 2,500 units); the copies must not
    # drift from the macros the rest of the template calls.
    env = _environment(autoescape=True)
    source = env.loader.get_source(env, "digest.html.j2")[0]
    fig = re.search(r"\{%- macro fig\(f\) -%\}(.*?)\{%- endmacro -%\}", source, re.S)
    bar = re.search(r"\{%- macro bar\(b, tone\) -%\}\n(.*?)\n\{%- endmacro -%\}", source, re.S)
    assert fig
    assert bar
    bar_for_f = (
        bar.group(1).replace("\n", "").replace("b.", "f.bar.").replace("{{ tone }}", "{{ f.tone }}")
    )
    assert source.count(fig.group(1)) == 4  # the macro and three loops
    assert source.count("{% if f.bar %}" + bar_for_f + "{% endif %}") == 1
