"""The server's shared state (serve layer): settings, store, counters, credentials → one object.

Input: the `ServeSettings` and the store's `StoreSpec`. Output: a `ServeContext` that request
handlers and job workers share: the job queue of the calling thread (a PostgreSQL connection
is never shared between threads), the metrics, the GitHub App's installation tokens and the
OIDC verifier, each made once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planrisk.gate.audit.job_queue import JobQueue, connect_job_queue
from planrisk.gate.audit.locations import StoreSpec
from planrisk.serve.metrics import Metrics
from planrisk.serve.settings import ServeSettings

if TYPE_CHECKING:
    from planrisk.serve.github_app import InstallationTokens
    from planrisk.serve.oidc import OidcVerifier


@dataclass
class ServeContext:
    """What every part of one server process shares."""

    settings: ServeSettings
    store: StoreSpec
    metrics: Metrics = field(default_factory=Metrics)
    clock: Callable[[], float] = time.time
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tokens: InstallationTokens | None = field(default=None, repr=False)
    _oidc: OidcVerifier | None = field(default=None, repr=False)
    _opened: list[JobQueue] = field(default_factory=list, repr=False)

    def queue(self) -> JobQueue:
        """This thread's job queue (opened on first use, closed by `close`)."""
        queue: JobQueue | None = getattr(self._local, "queue", None)
        if queue is None:
            queue = connect_job_queue(self.store)
            self._local.queue = queue
            with self._lock:
                self._opened.append(queue)
        return queue

    def tokens(self) -> InstallationTokens:
        """The GitHub App's installation tokens (cached until they expire)."""
        with self._lock:
            if self._tokens is None:
                from planrisk.serve.github_app import InstallationTokens

                self._tokens = InstallationTokens(self.settings, self.clock)
            return self._tokens

    def oidc(self) -> OidcVerifier:
        """The verifier of submitted plans' OIDC tokens (the issuer's keys cached)."""
        with self._lock:
            if self._oidc is None:
                from planrisk.serve.oidc import OidcVerifier

                self._oidc = OidcVerifier(self.settings)
            return self._oidc

    def decision_url(self, digest: str) -> str | None:
        """The public link to a decision, when `[serve] public_url` is set."""
        base = self.settings.section.public_url
        if not base:
            return None
        return f"{base.rstrip('/')}/v1/decisions/{digest.removeprefix('sha256:')}"

    def close(self) -> None:
        """Close every queue any thread opened."""
        with self._lock:
            opened, self._opened = self._opened, []
        for queue in opened:
            queue.close()
