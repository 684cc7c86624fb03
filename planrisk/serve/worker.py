"""Job workers (serve layer): the store's job table → handlers → the platforms called back.

Input: the `ServeContext`. Output: worker threads that claim due jobs (any replica's), run the
handler of their kind and put the result back — finished, given up (its error logged), or due
again later. A handler that raises is retried with backoff like a failed callback; a job of a
kind this version does not know is given up. Threads, not the event loop: the gate is
synchronous and CPU-bound, and so is the store's driver.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from planrisk.gate.audit.job_queue import DONE, Job
from planrisk.serve.context import ServeContext
from planrisk.serve.steps import Later, Step, backoff, given_up

Handler = Callable[[ServeContext, Job], Step]
MAX_ATTEMPTS = 50
"""Claims of one job before a handler that keeps raising is given up."""
_log = logging.getLogger("planrisk.serve")


def handlers() -> dict[str, Handler]:
    """Job kind → its handler."""
    from planrisk.serve import github_events, github_rule_job, terraform_job

    return {
        terraform_job.KIND: terraform_job.run_task_job,
        github_events.RULE_KIND: github_rule_job.rule_job,
        github_events.APPROVAL_KIND: github_rule_job.approval_job,
    }


class Workers:
    """The worker threads of one process."""

    def __init__(self, ctx: ServeContext) -> None:
        self.ctx = ctx
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handlers = handlers()

    def start(self) -> None:
        for index in range(self.ctx.settings.section.workers):
            thread = threading.Thread(
                target=self._loop, args=(f"{self.name}:{index}",), daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; wait for the jobs in hand (an unfinished one is taken again by
        another replica or after a restart, once its lease expires)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, worker: str) -> None:
        poll = self.ctx.settings.section.poll_seconds
        while not self._stop.is_set():
            try:
                worked = self.run_one(worker)
            except Exception as exc:  # the store is down: wait and try again
                _log.error("worker %s: %s", worker, _one_line(exc))
                worked = False
            if not worked:
                self._stop.wait(poll)

    def run_one(self, worker: str) -> bool:
        """Claim and run one due job; whether there was one."""
        ctx = self.ctx
        queue = ctx.queue()
        job = queue.claim(worker, ctx.clock(), ctx.settings.section.lease_seconds)
        if job is None:
            return False
        step = self._run(job)
        if isinstance(step, Later):
            kept = queue.reschedule(job, worker, ctx.clock() + step.delay, step.payload, step.error)
        else:
            kept = queue.finish(job, worker, step.state, step.error)
            ctx.metrics.count("planrisk_jobs_total", kind=job.kind, state=step.state)
            if step.state != DONE:
                _log.error("job %s given up: %s", job.key, step.error)
        if not kept:
            _log.warning("job %s: lease expired before it finished", job.key)
        return True

    def _run(self, job: Job) -> Step:
        handler = self._handlers.get(job.kind)
        if handler is None:
            return given_up(f"unknown job kind {job.kind!r}")
        try:
            return handler(self.ctx, job)
        except Exception as exc:
            _log.error("job %s failed: %s", job.key, _one_line(exc))
            if job.attempts >= MAX_ATTEMPTS:
                return given_up(_one_line(exc))
            delay = backoff(job.attempts, self.ctx.settings.section.poll_seconds)
            return Later(delay, job.payload, _one_line(exc))


def _one_line(exc: BaseException) -> str:
    """A failure as one line without secrets: planrisk errors are written to be shown;
    anything else is named by its type only (its text may quote a payload)."""
    from planrisk.errors import PlanriskError

    if isinstance(exc, PlanriskError):
        return exc.one_line()[:300]
    return type(exc).__name__
