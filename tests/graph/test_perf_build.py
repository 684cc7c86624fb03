"""Graph stage fast paths: module instance strings read without the tokenizer, and `EdgeSet`
filling a dependent's first edges in one call, must give what the general code gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planrisk.graph.assemble import EdgeSet
from planrisk.graph.build import _module_instance
from planrisk.graph.references import ModuleInstance, module_instance
from planrisk.ingest.addresses import format_key, parse_address


def tokenized(module: str) -> ModuleInstance | None:
    """The module instance as the address tokenizer reads it (None when malformed)."""
    try:
        return module_instance(parse_address(module + ".t.n"))
    except ValueError:
        return None


def test_plain_and_escaped_module_strings_match_the_tokenizer() -> None:
    cases = [
        "module.a",
        "module.a[0]",
        "module.a[007]",
        'module.a["x.y"].module.b[3]',
        'module.a["]"]',
        'module.a-b_c["k k"]',
        'module.a["$${x}"]',
        'module.a["%%{x}"]',
        'module.a["x\\"y"]',
        'module.a["\\u00e9"]',
        "module.é",
        "module.a[*]",
        "module.a.",
        "module.a..module.b",
        'module.a["x"]x',
        "modulex.a",
        "module.a[1].module",
    ]
    for case in cases:
        assert _module_instance(case) == tokenized(case), case


_NAMES = st.text(alphabet="ab_-1é", min_size=1, max_size=4)
_KEYS = st.one_of(st.none(), st.integers(0, 30), st.text(alphabet='ab."\\$%{}] é', max_size=5))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAMES, _KEYS), min_size=1, max_size=3), st.sampled_from(["", ".", "x"]))
def test_generated_module_strings_match_the_tokenizer(
    steps: list[tuple[str, int | str | None]], tail: str
) -> None:
    module = ".".join(f"module.{name}{format_key(key)}" for name, key in steps) + tail
    assert _module_instance(module) == tokenized(module)


def test_edge_set_first_edges_skip_self_and_repeats_and_merge_kinds() -> None:
    edges = EdgeSet()
    edges.add("a", ["b", "a", "c", "b"], "reference")
    edges.add("self", ["self"], "reference")
    edges.add("a", ["c", "d"], "state_depends_on")
    edges.add("a", ["c"], "state_depends_on")
    edges.add("e", ["c"], "state_depends_on")
    out = edges.succ["a"]
    assert list(out) == ["b", "c", "d"]
    assert out["b"] == {"kinds": frozenset({"reference"})}
    assert out["c"] == {"kinds": frozenset({"reference", "state_depends_on"})}
    assert out["d"] is edges.succ["e"]["c"]
    assert "self" not in edges.succ
