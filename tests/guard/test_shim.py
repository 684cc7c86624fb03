"""`planrisk shim install|uninstall` and the shims themselves, in front of fake tools."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planrisk.guard.commands import Effect, effect_of, parse_invocation
from planrisk.guard.shim import MARKER, ShimGate, install_shims, is_shim, uninstall_shims
from tests.guard.fakes import DEV_TAG_UPDATE, PROD_DB_DELETE, FakeWorld, make_world
from tests.support.paths import REPO

MUTATING = [
    ["terraform", "apply", "-auto-approve"],
    ["terraform", "-chdir=.", "destroy"],
    ["terraform", "import", "aws_s3_bucket.a", "a"],
    ["terraform", "state", "rm", "aws_db_instance.orders"],
    ["terraform", "state", "mv", "a.b", "a.c"],
    ["terraform", "state", "push", "x.tfstate"],
    ["terraform", "taint", "aws_db_instance.orders"],
    ["terraform", "untaint", "aws_db_instance.orders"],
    ["terraform", "force-unlock", "-force", "1234"],
    ["terraform", "workspace", "delete", "prod"],
    ["tofu", "apply"],
    ["pulumi", "up", "--yes"],
    ["pulumi", "-C", "infra", "destroy", "-y"],
    ["pulumi", "refresh", "--yes"],
    ["pulumi", "import", "aws:s3/bucket:Bucket", "b", "b"],
    ["pulumi", "state", "delete", "urn:pulumi:prod::p::t::n"],
    ["pulumi", "--stack", "prod", "cancel"],
]
READ_ONLY = [
    ["terraform", "plan", "-out=x.tfplan"],
    ["terraform", "-chdir=.", "validate"],
    ["terraform", "show", "-json", "x.tfplan"],
    ["terraform", "state", "list"],
    ["terraform", "workspace", "select", "prod"],
    ["terraform", "apply", "-help"],
    ["tofu", "fmt", "-check"],
    ["pulumi", "preview", "--json"],
    ["pulumi", "--cwd", ".", "stack", "ls"],
    ["pulumi", "destroy", "--preview-only"],
    ["pulumi", "state", "--help"],
    ["pulumi", "stack", "output"],
]


def _shimmed(tmp_path: Path, plan: Path, *, agent: bool) -> tuple[FakeWorld, Path]:
    world = make_world(tmp_path, plan, agent=agent)
    shims = tmp_path / "shims"
    install_shims(shims)
    world.env["PATH"] = f"{shims}{os.pathsep}{world.env['PATH']}"
    return world, shims


def _run(world: FakeWorld, argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=world.root, env=world.env, capture_output=True, text=True, timeout=60
    )


def test_install_writes_marked_executables_and_uninstall_removes_only_them(
    tmp_path: Path,
) -> None:
    shims = tmp_path / "shims"
    written = install_shims(shims)
    assert sorted(p.name for p in written) == ["pulumi", "terraform", "tofu"]
    for path in written:
        assert os.access(path, os.X_OK)
        assert path.read_text().splitlines()[1] == f"# {MARKER}: {path.name}"
    (shims / "kubectl").write_text("#!/bin/sh\n")
    assert sorted(p.name for p in uninstall_shims(shims)) == ["pulumi", "terraform", "tofu"]
    assert [p.name for p in shims.iterdir()] == ["kubectl"]


def test_install_refuses_to_overwrite_a_foreign_file(tmp_path: Path) -> None:
    from planrisk.cli import main

    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "terraform").write_text("#!/bin/sh\necho real\n")
    with pytest.raises(SystemExit) as exc:
        main(["shim", "install", str(shims)])
    assert exc.value.code == 3
    assert not is_shim(shims / "terraform")
    with pytest.raises(SystemExit) as exc:
        main(["shim", "uninstall", str(shims)])
    assert exc.value.code == 0
    assert (shims / "terraform").read_text() == "#!/bin/sh\necho real\n"


@pytest.mark.slow
def test_agent_apply_that_deletes_prod_database_never_reaches_terraform(tmp_path: Path) -> None:
    world, _ = _shimmed(tmp_path, PROD_DB_DELETE, agent=True)
    result = _run(world, ["terraform", "apply", "-auto-approve"])
    assert result.returncode == 1
    assert "DENY" in result.stderr
    assert [a[0] for a in world.argvs()] == ["plan", "show"]


@pytest.mark.slow
def test_human_allowed_apply_runs_unchanged(tmp_path: Path) -> None:
    world, _ = _shimmed(tmp_path, DEV_TAG_UPDATE, agent=False)
    (world.root / "dev.tfplan").write_text("saved plan")
    world.env["FAKE_EXIT"] = "6"
    result = _run(world, ["terraform", "apply", "dev.tfplan"])
    assert result.returncode == 6, result.stderr
    (show, apply) = world.argvs()
    assert show[:2] == ["show", "-json"] and apply == ["apply", show[2]]
    assert [c["read"] for c in world.calls()] == ["saved plan", "saved plan"]


@pytest.mark.slow
def test_mutating_commands_of_an_agent_never_reach_the_binary(tmp_path: Path) -> None:
    world, _ = _shimmed(tmp_path, PROD_DB_DELETE, agent=True)
    for argv in MUTATING:
        if effect_of(parse_invocation(argv, world.root)) is Effect.STATE:
            result = _run(world, argv)
            assert result.returncode == 1, (argv, result.stderr)
    assert world.argvs() == []


@pytest.mark.slow
def test_read_only_commands_pass_straight_through(tmp_path: Path) -> None:
    world, _ = _shimmed(tmp_path, PROD_DB_DELETE, agent=True)
    world.env["FAKE_EXIT"] = "4"
    world.env["FAKE_PLAN_EXIT"] = "4"
    for argv in READ_ONLY:
        result = _run(world, argv)
        prints_plan = {"show", "preview", "--preview-only"} & set(argv)
        assert result.returncode == (0 if prints_plan else 4), (argv, result.stderr)
    assert world.argvs() == [argv[1:] for argv in READ_ONLY]
    assert not world.audit_db.exists()


DIRECT = [
    ["terraform", "plan", "-out=x.tfplan"],
    ["terraform", "show", "-json", "x.tfplan"],
    ["terraform", "state", "list"],
    ["tofu", "fmt", "-check"],
    ["pulumi", "preview", "--json"],
    ["pulumi", "stack", "output"],
    ["pulumi", "stack"],
]
"""Read-only from their first words: the shim runs the real binary itself."""
UNSURE = [
    ["terraform", "test"],
    ["terraform", "init", "-migrate-state"],
    ["terraform", "workspace", "select", "-or-create", "prod"],
    ["pulumi", "watch"],
    ["pulumi", "stack", "-s", "prod", "rm"],
    ["pulumi", "config", "refresh"],
    ["pulumi", "destroy", "--yes", "-m", "--preview-only"],
    ["pulumi", "up", "--yes", "-m", "--help"],
]
"""Anything else, however harmless it looks: the shim sends it to the guard, which decides."""


def _through_recording_shim(tmp_path: Path, argv: list[str], gate: ShimGate | None = None) -> Path:
    """Run `argv` through a shim whose planrisk is a script that records its argv and env."""
    shims = tmp_path / "shims"
    recorder = tmp_path / "record.sh"
    marker = tmp_path / "guarded"
    recorder.write_text(f'#!/bin/sh\necho "$@" > {marker}\nenv > {marker}.env\n')
    recorder.chmod(0o755)
    install_shims(shims, (str(recorder),), gate)
    real = tmp_path / "real"
    real.mkdir()
    (real / argv[0]).write_text("#!/bin/sh\nexit 0\n")
    (real / argv[0]).chmod(0o755)
    env = {
        "PATH": f"{shims}{os.pathsep}{real}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PLANRISK_SYSTEM_CONFIG": "/tmp/agent-wrote-this.toml",
        "PLANRISK_BASE_REF": "agent-branch",
    }
    subprocess.run(argv, env=env, cwd=tmp_path, check=True, timeout=30)
    return marker


@pytest.mark.parametrize("argv", MUTATING + READ_ONLY + DIRECT[-1:] + UNSURE, ids=" ".join)
def test_shim_runs_directly_only_what_the_guard_runs_directly(
    argv: list[str], tmp_path: Path
) -> None:
    """Shim (under sh, with a recording planrisk) and guard tables agree; unsure means guard."""
    marker = _through_recording_shim(tmp_path, argv)
    effect = effect_of(parse_invocation(argv, tmp_path))
    if not marker.exists():
        assert effect is Effect.READ_ONLY
    assert marker.exists() == (argv not in DIRECT)
    if effect is not Effect.READ_ONLY or argv in UNSURE:
        assert marker.exists()
    if marker.exists():
        real = str(tmp_path / "real" / argv[0])
        assert marker.read_text().split() == ["guard", "--", real, *argv[1:]]
        assert "PLANRISK_SYSTEM_CONFIG=" in (tmp_path / "guarded.env").read_text()


def test_shim_with_an_actor_passes_it_and_the_config_and_drops_agent_controlled_env(
    tmp_path: Path,
) -> None:
    config = tmp_path / "agent.toml"
    marker = _through_recording_shim(
        tmp_path, ["terraform", "apply"], ShimGate(actor="agent", config=config)
    )
    real = str(tmp_path / "real" / "terraform")
    args = ["guard", "--actor", "agent", "--config", str(config), "--", real, "apply"]
    assert marker.read_text().split() == args
    env = (tmp_path / "guarded.env").read_text()
    assert "PLANRISK_SYSTEM_CONFIG" not in env and "PLANRISK_BASE_REF" not in env


def _install(directory: Path, *options: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "planrisk", "shim", "install", str(directory), *options],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_agent_shims_gate_as_agent_without_any_agent_marker(tmp_path: Path) -> None:
    world = make_world(tmp_path, PROD_DB_DELETE, agent=False)
    assert "CLAUDECODE" not in world.env
    policy = tmp_path / "etc" / "agent.toml"
    policy.parent.mkdir()
    policy.write_text("")
    shims = tmp_path / "agent-shims"
    installed = _install(shims, "--actor", "agent", "--config", "etc/agent.toml", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert f"--config {policy}" in (shims / "terraform").read_text()
    world.env["PATH"] = f"{shims}{os.pathsep}{world.env['PATH']}"
    result = _run(world, ["terraform", "apply", "-auto-approve"])
    assert result.returncode == 1
    assert "DENY" in result.stderr and "--actor agent" in result.stderr
    assert [a[0] for a in world.argvs()] == ["plan", "show"]
    result = _run(world, ["terraform", "state", "rm", "aws_db_instance.orders"])
    assert result.returncode == 1 and "only a human may run it" in result.stderr
    assert [a[0] for a in world.argvs()] == ["plan", "show"]


def test_install_refuses_a_missing_config_and_warns_about_one_in_a_work_tree(
    tmp_path: Path,
) -> None:
    result = _install(tmp_path / "s1", "--actor", "agent", "--config", "nope.toml", cwd=tmp_path)
    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert str(tmp_path / "nope.toml") in line and "does not exist" in line
    assert not (tmp_path / "s1" / "terraform").exists()
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".planrisk.toml").write_text("")
    result = _install(tmp_path / "s2", "--config", ".planrisk.toml", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert f"inside the git working tree {repo}" in result.stderr
    result = _install(tmp_path / "s3", "--actor", "robot", cwd=tmp_path)
    assert result.returncode == 2


def test_missing_real_binary_exits_127(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    install_shims(shims)
    other = tmp_path / "other-shims"
    install_shims(other)
    env = {"PATH": f"{shims}{os.pathsep}{other}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    result = subprocess.run(
        ["terraform", "version"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 127
    assert "no terraform on PATH" in result.stderr


def test_shims_run_this_interpreter(tmp_path: Path) -> None:
    install_shims(tmp_path)
    assert (
        f"{os.path.abspath(sys.executable)} -m planrisk guard --"
        in (tmp_path / "pulumi").read_text()
    )


def test_a_pinned_store_reaches_the_guard_and_a_password_is_refused(tmp_path: Path) -> None:
    gate = ShimGate(
        actor="agent", store="postgresql://planrisk_gate@db:5432/planrisk", stream="a/b"
    )
    marker = _through_recording_shim(tmp_path, ["terraform", "apply"], gate)
    real = str(tmp_path / "real" / "terraform")
    assert marker.read_text().split() == [
        "guard", "--actor", "agent", "--store", "postgresql://planrisk_gate@db:5432/planrisk",
        "--stream", "a/b", "--", real, "apply",
    ]  # fmt: skip
    for url in (
        "postgresql://gate:s3cret-pw@db/planrisk",
        "postgres://db/planrisk?password=s3cret-pw",
    ):
        result = _install(tmp_path / "pw", "--actor", "agent", "--store", url, cwd=tmp_path)
        assert result.returncode == 3
        [line] = result.stderr.splitlines()
        assert "holds a password" in line and "PGPASSWORD" in line and "s3cret" not in line
        assert not (tmp_path / "pw" / "terraform").exists()
    result = _install(tmp_path / "st", "--stream", "a/b", cwd=tmp_path)
    assert result.returncode == 3 and "--stream needs --store" in result.stderr


@pytest.mark.slow
def test_an_agent_cannot_move_the_audit_record_of_a_pinned_shim(tmp_path: Path) -> None:
    world = make_world(tmp_path, DEV_TAG_UPDATE, agent=True)
    pinned = tmp_path / "central" / "audit.db"
    shims = tmp_path / "agent-shims"
    installed = _install(shims, "--actor", "agent", "--store", "central/audit.db", cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert f"--store {pinned}" in (shims / "terraform").read_text()
    world.env["PATH"] = f"{shims}{os.pathsep}{world.env['PATH']}"
    decoy = tmp_path / "decoy.db"
    world.env["PLANRISK_STORE"] = str(decoy)  # what the agent sets to hide its record
    _run(world, ["terraform", "apply", "-auto-approve"])
    assert pinned.exists() and not decoy.exists() and not world.audit_db.exists()
    log = subprocess.run(
        [sys.executable, "-m", "planrisk", "audit", "log", "--audit-db", str(pinned)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60,
    )  # fmt: skip
    assert log.returncode == 0 and "agent" in log.stdout
