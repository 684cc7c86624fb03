"""Counters of one server process (serve layer): events → Prometheus text.

Input: what the handlers and workers count (requests by route and status, decisions by
outcome, callback retries) and the queue depth read from the store. Output: the Prometheus
text exposition format for `GET /metrics`, lines sorted so the output is deterministic.
"""

from __future__ import annotations

import threading
from collections import Counter

_HELP = {
    "planrisk_requests_total": "HTTP requests answered, by route and status.",
    "planrisk_decisions_total": "Gate decisions made, by platform and outcome.",
    "planrisk_callback_retries_total": "Callbacks to a platform that failed and were retried.",
    "planrisk_callbacks_total": "Final answers delivered to a platform, by platform and status.",
    "planrisk_jobs_total": "Jobs finished, by kind and final state.",
    "planrisk_queue_depth": "Jobs queued or running in the store (all replicas).",
}


class Metrics:
    """Thread-safe counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()

    def count(self, name: str, **labels: str) -> None:
        """Add one to `name` with these labels."""
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counts[key] += 1

    def value(self, name: str, **labels: str) -> int:
        """The current count (for tests and the benchmark)."""
        with self._lock:
            return self._counts[(name, tuple(sorted(labels.items())))]

    def render(self, queue_depth: int | None) -> str:
        """The exposition text; `queue_depth` None when the store could not be read."""
        with self._lock:
            counts = dict(self._counts)
        lines: list[str] = []
        for name in sorted(_HELP):
            kind = "gauge" if name == "planrisk_queue_depth" else "counter"
            lines += [f"# HELP {name} {_HELP[name]}", f"# TYPE {name} {kind}"]
            if name == "planrisk_queue_depth":
                if queue_depth is not None:
                    lines.append(f"{name} {queue_depth}")
                continue
            for (metric, labels), value in sorted(counts.items()):
                if metric == name:
                    lines.append(f"{name}{_labels(labels)} {value}")
        return "\n".join(lines) + "\n"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
