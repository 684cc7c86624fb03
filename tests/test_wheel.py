"""The wheel ships the risk model: `risk_models/` lands in `planrisk/risk_models/` and loads.

Builds the wheel with `pip wheel --no-deps` (the build backend comes from PyPI through pip's
build isolation), checks its `planrisk/risk_models/` members are exactly the repository's
files, then imports planrisk from the unpacked wheel in a subprocess and loads the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from planrisk.score.risk_model import load_risk_model
from tests.support.paths import REPO

SHIPPED = REPO / "risk_models"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        if "No matching distribution found for hatchling" in result.stderr:
            pytest.skip("cannot fetch the build backend (hatchling) from PyPI")
        pytest.fail(f"pip wheel failed:\n{result.stderr}")
    wheels = list(out.glob("planrisk-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_wheel_ships_exactly_the_risk_model_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        members = {
            name.removeprefix("planrisk/risk_models/")
            for name in archive.namelist()
            if name.startswith("planrisk/risk_models/")
        }
    expected = {p.name for p in SHIPPED.iterdir() if p.suffix in (".toml", ".md", ".json")}
    assert {"aws.toml", "default.toml", "compiled.json"} <= expected
    assert members == expected


@pytest.mark.slow
def test_model_loads_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    script = (
        "import json, planrisk, planrisk.score.risk_model as r\n"
        "import planrisk.score.risk_model_compiled as c\n"
        "m = r.load_risk_model()\n"
        "compiled = c.load_compiled(c.builtin_model_directory())\n"
        "current = [f.name for label, f in r.builtin_model_files()\n"
        "           if c.parsed_builtin(label, f.name, f.read_bytes(), compiled)\n"
        "           is compiled[f.name].parsed]\n"
        "print(json.dumps({'file': planrisk.__file__, 'digest': m.digest, 'compiled': current,\n"
        "                  'entries': len(m.entries()), 'sources': list(m.sources)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert Path(report["file"]).resolve().is_relative_to(site.resolve())
    source_model = load_risk_model()
    assert report["digest"] == source_model.digest
    assert report["entries"] == len(source_model.entries())
    assert "risk_models/aws.toml" in report["sources"]
    assert report["compiled"] == sorted(p.name for p in SHIPPED.glob("*.toml"))
