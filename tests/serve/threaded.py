"""What the fake platforms of the serve tests share: an HTTP server in a thread, a reply.

`ThreadedServer` serves a handler class on 127.0.0.1 (a free port) in a daemon thread until
`close()`; `reply` writes one answer (no body for 204, as HTTP wants).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ThreadedServer:
    """A handler served on 127.0.0.1 until `close()`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    data: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one answer (JSON unless `headers` says otherwise)."""
    handler.send_response(status)
    for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
        handler.send_header(name, value)
    if status != 204:
        handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if status != 204:
        handler.wfile.write(data)
