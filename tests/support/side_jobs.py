"""A `SideJob` for tests that must get their result from the forked child, never a fallback."""

from __future__ import annotations

from collections.abc import Callable

from planrisk._runtime.forked import SideJob


class ChildOnly(SideJob):
    """Fails the test if the child was not started or its result was recomputed here."""

    def __init__(self, work: Callable[[], bytes], *, worth_a_process: bool) -> None:
        super().__init__(work, worth_a_process=worth_a_process)
        if worth_a_process:
            assert self._pid is not None, "no child was forked"

            def not_here() -> bytes:
                raise AssertionError("the child failed; the result was recomputed here")

            self._work = not_here  # the child has already taken the real work
