"""The ASGI app of `planrisk serve` (serve layer): HTTP requests → verified, queued, answered.

Input: requests to the endpoints below; the `ServeContext`. Output: each request's answer and
one log line (method, path, status, time, and the reason of a refusal; never a header, a body
or a token), and the workers' lifecycle (started and stopped with the app).

    POST /hooks/terraform/run-task  HCP Terraform run task (X-TFC-Task-Signature)
    POST /hooks/github              GitHub App webhook (X-Hub-Signature-256)
    POST /v1/plans                  a CI job's plan, with its OIDC token
    GET  /v1/decisions/{digest}     the decision JSON of a plan
    GET  /healthz, GET /metrics     liveness (the store answers), Prometheus text

Webhooks are verified on the raw body, checked, queued in the store and answered at once: the
gate and the callbacks run in the workers. A bad signature is 401, a malformed payload 400, a
body over the cap 413, an event the server does not act on 204, a store that does not answer
503, anything unexpected 500 — each one line in the log, none a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from planrisk.errors import PlanriskError
from planrisk.serve.context import ServeContext
from planrisk.serve.limits import BadRequest, decode_object
from planrisk.serve.signatures import github_signed, terraform_signed

_log = logging.getLogger("planrisk.serve")
Endpoint = Callable[[Request, ServeContext], Awaitable[Response]]


def create_app(ctx: ServeContext, *, workers: bool = True) -> Starlette:
    """The app; `workers` False serves requests only (tests of the endpoints alone)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from planrisk.serve.worker import Workers

        pool = Workers(ctx)
        if workers:
            pool.start()
        try:
            yield
        finally:
            await run_in_threadpool(pool.stop)
            ctx.close()

    routes = [
        Route(
            "/hooks/terraform/run-task", _wrap(ctx, "terraform", terraform_hook), methods=["POST"]
        ),
        Route("/hooks/github", _wrap(ctx, "github", github_hook), methods=["POST"]),
        Route("/v1/plans", _wrap(ctx, "plans", submit_plan_endpoint), methods=["POST"]),
        Route(
            "/v1/decisions/{digest}", _wrap(ctx, "decisions", decision_endpoint), methods=["GET"]
        ),
        Route("/healthz", _wrap(ctx, "healthz", health_endpoint), methods=["GET"]),
        Route("/metrics", _wrap(ctx, "metrics", metrics_endpoint), methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _wrap(
    ctx: ServeContext, name: str, endpoint: Endpoint
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint with its refusals mapped to statuses, its one log line and its count."""

    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        reason = ""
        try:
            response = await endpoint(request, ctx)
        except BadRequest as exc:
            reason = exc.reason
            response = JSONResponse({"error": exc.reason}, status_code=exc.status)
        except PlanriskError as exc:
            reason = exc.one_line()[:300]
            status = 503 if exc.exit_code == 4 else 400
            response = JSONResponse({"error": reason}, status_code=status)
        except Exception as exc:  # one line, never a traceback
            reason = f"internal error ({type(exc).__name__})"
            response = JSONResponse({"error": reason}, status_code=500)
        elapsed = (time.perf_counter() - started) * 1000
        ctx.metrics.count("planrisk_requests_total", route=name, status=str(response.status_code))
        tail = f" {reason}" if reason else ""
        _log.info(
            "%s %s %d %.1fms%s",
            request.method,
            request.url.path,
            response.status_code,
            elapsed,
            tail,
        )
        return response

    return handle


async def read_body(request: Request, cap: int) -> bytes:
    """The raw body, refused with 413 past `cap` bytes (before reading it, when declared)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > cap):
        raise BadRequest(413, f"body larger than {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BadRequest(413, f"body larger than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def terraform_hook(request: Request, ctx: ServeContext) -> Response:
    """A run task: verify, answer 200, queue (once per task_result_id)."""
    from planrisk.serve.terraform_job import enqueue_run_task
    from planrisk.serve.terraform_payload import is_validation, parse_run_task

    section = ctx.settings.section
    if section.terraform is None or ctx.settings.terraform_key is None:
        raise BadRequest(404, "run tasks are not enabled")
    body = await read_body(request, section.max_body_bytes)
    header = request.headers.get("x-tfc-task-signature")
    signed = terraform_signed(body, header, ctx.settings.terraform_key.reveal())
    if not signed and header:
        raise BadRequest(401, "bad X-TFC-Task-Signature")
    payload = decode_object(body, section.max_json_depth)
    if (
        not signed
        and payload.get("organization_name") not in section.terraform.unsigned_organizations
    ):
        raise BadRequest(401, "missing X-TFC-Task-Signature")
    if is_validation(payload):
        return JSONResponse({"ok": True})
    task = parse_run_task(payload, section.terraform.api_url)
    new = await run_in_threadpool(enqueue_run_task, ctx, task)
    return JSONResponse({"accepted": True, "new": new})


async def github_hook(request: Request, ctx: ServeContext) -> Response:
    """A GitHub App delivery: verify, queue once per delivery id, answer at once."""
    from planrisk.serve.github_events import enqueue_delivery

    section = ctx.settings.section
    if section.github is None or ctx.settings.github_secret is None:
        raise BadRequest(404, "the GitHub App is not enabled")
    body = await read_body(request, section.max_body_bytes)
    header = request.headers.get("x-hub-signature-256")
    if not github_signed(body, header, ctx.settings.github_secret.reveal()):
        raise BadRequest(401, "bad or missing X-Hub-Signature-256")
    event = request.headers.get("x-github-event", "")
    delivery = request.headers.get("x-github-delivery", "")
    if not event or not delivery or len(delivery) > 100:
        raise BadRequest(400, "X-GitHub-Event or X-GitHub-Delivery is missing")
    payload = decode_object(body, section.max_json_depth)
    if event == "ping":
        return JSONResponse({"ok": True})
    queued = await run_in_threadpool(enqueue_delivery, ctx, event, delivery, payload)
    if queued is None:
        return Response(status_code=204)
    return JSONResponse({"accepted": True, "new": queued}, status_code=202)


async def submit_plan_endpoint(request: Request, ctx: ServeContext) -> Response:
    """A plan from CI: verify the OIDC token, gate, answer with the decision JSON."""
    from planrisk.serve.plans import submit_plan

    section = ctx.settings.section
    if section.oidc is None:
        raise BadRequest(404, "plan submission is not enabled")
    claims = await run_in_threadpool(ctx.oidc().verify, request.headers.get("authorization"))
    body = await read_body(request, section.max_plan_bytes)
    document: dict[str, Any] = await run_in_threadpool(submit_plan, ctx, claims, body)
    return JSONResponse(document)


async def decision_endpoint(request: Request, ctx: ServeContext) -> Response:
    """The latest decision about a plan digest (`sha256:HEX` or `HEX`)."""
    from planrisk.serve.github_rule_job import DECISION_DOCUMENT

    digest = str(request.path_params["digest"]).lower().removeprefix("sha256:")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise BadRequest(400, "not a plan digest")
    body = await run_in_threadpool(ctx.queue().get_document, DECISION_DOCUMENT, f"sha256:{digest}")
    if body is None:
        raise BadRequest(404, "no decision for that plan")
    return Response(body, media_type="application/json")


async def health_endpoint(request: Request, ctx: ServeContext) -> Response:
    """200 while the store answers."""
    depth = await run_in_threadpool(ctx.queue().depth)
    return JSONResponse({"ok": True, "queue_depth": depth})


async def metrics_endpoint(request: Request, ctx: ServeContext) -> Response:
    """Prometheus text."""
    try:
        depth: int | None = await run_in_threadpool(ctx.queue().depth)
    except PlanriskError:
        depth = None
    return PlainTextResponse(ctx.metrics.render(depth), media_type="text/plain; version=0.0.4")
