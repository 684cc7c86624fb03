"""Reading .tf sources (`--source-dir`): declarations, lifecycle, locals, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from planrisk.errors import InputError
from planrisk.graph import build_graph
from planrisk.graph.sources import parse_sources, references_in
from planrisk.ingest import load_plan
from tests.support.paths import FIXTURES

FIXTURE = FIXTURES / "terraform" / "local-references"


def test_blocks_record_file_line_and_lifecycle() -> None:
    index = parse_sources(FIXTURE)
    vpc = index.blocks["aws_vpc.main"]
    assert (vpc.file, vpc.line, vpc.prevent_destroy, vpc.create_before_destroy) == (
        "main.tf",
        11,
        True,
        None,
    )
    group = index.blocks["aws_db_subnet_group.db"]
    assert group.create_before_destroy is True
    assert group.ignore_changes == ("tags",)
    assert group.replace_triggered_by == ("aws_vpc.main.id",)
    web = index.blocks["module.app.aws_instance.web"]
    assert (web.file, web.line) == ("modules/app/main.tf", 9)
    assert index.blocks["module.app"].line == 36


def test_locals_keyed_by_module_path() -> None:
    index = parse_sources(FIXTURE)
    assert index.locals[()]["subnet_ids"] == ["aws_subnet.private[*].id"]
    assert index.locals[()]["name"] == ["var.env"]
    assert index.locals[("app",)]["first"] == ["var.subnets[0]"]


def test_local_edges_need_the_sources() -> None:
    plan = load_plan(FIXTURE / "plan.json")
    without = build_graph(plan)
    assert without.dependencies("module.app.aws_instance.web") == set()
    assert "module.app.local.first" in without.unresolved_locals
    graph = build_graph(plan, source_dir=FIXTURE)
    assert graph.graph.edges["aws_db_subnet_group.db", "aws_subnet.private[1]"]["kinds"] == {
        "local"
    }
    assert graph.dependencies("module.app.aws_instance.web") == {
        "aws_subnet.private[0]",
        "aws_subnet.private[1]",
        "aws_vpc.main",
    }
    assert graph.sources["aws_vpc.main"].prevent_destroy is True
    assert graph.unresolved_locals == ()


def test_references_in_scans_expressions_and_interpolations_only() -> None:
    value = [
        '"literal.text ${var.a}-${upper(local.b)}"',
        '${aws_x.y["k.1"].id}',
        {"k": "${module.m.o}"},
    ]
    assert references_in(value) == ["var.a", "local.b", 'aws_x.y["k.1"].id', "module.m.o"]


def test_invalid_hcl_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "ok.tf").write_text('resource "a_b" "c" {}\n')
    (tmp_path / "broken.tf").write_text('resource "a_b" "d" {\n')
    with pytest.raises(InputError) as info:
        parse_sources(tmp_path)
    assert info.value.source == "broken.tf"
    assert "invalid HCL" in info.value.message


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        parse_sources(tmp_path / "nope")
    with pytest.raises(InputError, match=r"no \.tf files"):
        parse_sources(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "latin.tf").write_bytes(b'resource "a_b" "c" { x = "\xe9" }\n')
    with pytest.raises(InputError, match="not UTF-8"):
        parse_sources(tmp_path)
