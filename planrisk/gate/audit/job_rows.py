"""Rows of the job queue (audit stage): job states, the claimed `Job`, LIKE escaping.

Input: nothing (definitions). Output: what `job_queue` and both engines' queues share.
"""

from __future__ import annotations

import msgspec

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
DEAD = "dead"
"""Job states: waiting, claimed, finished, given up (its error kept)."""


class Job(msgspec.Struct, frozen=True):
    """One claimed job."""

    id: int
    key: str
    kind: str
    payload: str
    attempts: int
    """Claims so far, this one included."""


def like_prefix(prefix: str) -> str:
    """`prefix` as a LIKE pattern that matches it literally (`\\` escapes)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
