"""`planrisk serve`: run the gate as a server the platforms call (HCP run tasks, GitHub App).

Input: the system configuration file with its `[serve]` section (`--config`, else
/etc/planrisk/planrisk.toml, else PLANRISK_SYSTEM_CONFIG), the store (`--store`, else
PLANRISK_STORE), and where to listen. Output: the server, until SIGINT or SIGTERM; one log line
per request on stderr. It refuses to start (exit 3) without the signing secrets of the
endpoints the configuration enables, or without a store it can write. Starlette and uvicorn
are imported only here, when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planrisk.cli.app import app
from planrisk.cli.store_options import StoreOption


@app.command("serve")
def serve_command(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="System configuration with a [serve] section (default: "
            "/etc/planrisk/planrisk.toml, else $PLANRISK_SYSTEM_CONFIG).",
        ),
    ] = None,
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
) -> None:
    """Serve run tasks, the GitHub App's protection rules and plan submission."""
    import logging
    import os
    import sys

    from planrisk.errors import InputError
    from planrisk.gate.audit.job_queue import open_job_queue
    from planrisk.gate.audit.locations import resolve_store
    from planrisk.serve.settings import config_file, load_settings

    settings = load_settings(config_file(config, os.environ))
    spec = resolve_store(store=store, environ=os.environ, cwd=Path.cwd())
    with open_job_queue(spec) as queue:  # the tables exist and this role may use them
        queue.depth()
    try:
        import uvicorn

        from planrisk.serve.app import create_app
    except ImportError:
        raise InputError(
            "`planrisk serve` needs Starlette, uvicorn and PyJWT, which are not installed",
            hint="install the extra: pip install 'planrisk[serve]'",
        ) from None
    from planrisk.serve.context import ServeContext

    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="planrisk serve: %(levelname)s %(message)s"
    )
    logging.getLogger("planrisk.serve").info(
        "store %s; endpoints:%s%s%s",
        spec.label,
        " run-tasks" if settings.terraform_enabled else "",
        " github" if settings.github_enabled else "",
        " plans" if settings.plans_enabled else "",
    )
    uvicorn.run(
        create_app(ServeContext(settings, spec)),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
