"""Property (ingest through the real gate): whatever is done to a real plan, the gate exits 0, 1
or 3, and never allows (0) a plan that an independent reader still finds destroying an
unguarded data-bearing resource.

The mutations are those of the fuzz command (`tests.support.mutations`, run at scale by
`python -m tests.support.fuzz_plans`); the reader is `tests.support.independent_reader`, which
shares no code with planrisk's ingest.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planrisk.cli import main
from tests.support import independent_reader
from tests.support.independent_reader import destroys_data
from tests.support.mutations import mutate
from tests.support.paths import FIXTURES

SEEDS = sorted(
    p
    for p in (*FIXTURES.glob("terraform/*/plan.json"), *FIXTURES.glob("pulumi/*/*"))
    if p.suffix in (".json", ".ndjson")
)
SEED_BYTES = {p.relative_to(FIXTURES).as_posix(): p.read_bytes() for p in SEEDS}
ACTORS = (("--actor", "agent"), ("--actor", "human", "--initiator", "prop-human"))


def gate(plan: Path, actor: tuple[str, ...], audit: Path) -> tuple[int, str]:
    err = io.StringIO()
    code: object = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(
                [
                    "gate",
                    str(plan),
                    *actor,
                    "--env",
                    "prod",
                    "--audit-db",
                    str(audit),
                    "-o",
                    os.devnull,
                ]
            )
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else -1), err.getvalue()


def test_the_reader_is_not_planrisk_and_finds_destroys() -> None:
    # The property is only as good as the reader: it must see the fixtures' known destroys.
    assert destroys_data(SEED_BYTES["pulumi/prod-db-delete/preview.json"]) is True
    assert destroys_data(SEED_BYTES["pulumi/retain-on-delete/preview.json"]) is False
    assert destroys_data(SEED_BYTES["terraform/prod-db-delete-no-snapshot/plan.json"]) is True
    assert destroys_data(SEED_BYTES["terraform/db-delete-protected/plan.json"]) is False
    source = Path(independent_reader.__file__).read_text()
    assert "planrisk" not in source.replace("planrisk's", "").split('"""', 2)[2]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(sorted(SEED_BYTES)), seed=st.integers(0, 2**32 - 1))
def test_a_mutated_plan_is_refused_or_judged_never_allowed_while_it_destroys_data(
    tmp_path: Path, name: str, seed: int
) -> None:
    mutation, data = mutate(SEED_BYTES[name], random.Random(seed))
    plan = tmp_path / f"plan-{seed}{Path(name).suffix}"
    plan.write_bytes(data)
    destroys = destroys_data(data)
    for actor in ACTORS:
        code, err = gate(plan, actor, tmp_path / "audit.db")
        assert code in (0, 1, 3), (name, mutation, actor, err)
        assert "Traceback" not in err
        assert not (code == 0 and destroys is True), (name, mutation, actor)
