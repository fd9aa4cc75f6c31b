"""Serving the app: one threaded process, and the "down" fault (the listening socket is
really closed for N seconds, then reopened on the same port with the same data)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from typing import Callable

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger(__name__)


class RequestHandler(WSGIRequestHandler):
    """HTTP/1.0, one request per connection: a "down" fault then leaves no live keep-alive
    connection that could still be served."""

    protocol_version = "HTTP/1.0"


class EmulatorServer:
    """Serves ``app`` on ``host:port`` until stopped; can go down and come back."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._down_until = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:3000``."""
        return f"http://{self.host}:{self.port}"

    def serve(self, ready: Callable[[str], None] | None = None) -> None:
        """Serve until :meth:`stop` (or SIGTERM/SIGINT); ``ready(url)`` once listening."""
        first = True
        while not self._stopping.is_set():
            server = make_server(self.host, self.port, self.app, threaded=True,
                                 request_handler=RequestHandler)
            with self._lock:
                self._server, self.port = server, server.port
            if first and ready is not None:
                ready(self.url)
            first = False
            try:
                server.serve_forever(poll_interval=0.1)
            finally:
                server.server_close()
            self._wait_while_down()

    def go_down(self, seconds: float) -> None:
        """Close the listening socket now (after the current answer) for ``seconds``."""
        self._down_until = time.monotonic() + seconds
        log.warning("going down for %.1f s", seconds)
        threading.Thread(target=self._shutdown_soon, daemon=True).start()

    def stop(self) -> None:
        """Stop serving (from another thread)."""
        self._stopping.set()
        with self._lock:
            if self._server is not None:
                threading.Thread(target=self._server.shutdown, daemon=True).start()

    def _shutdown_soon(self) -> None:
        time.sleep(0.05)
        with self._lock:
            if self._server is not None:
                self._server.shutdown()

    def _wait_while_down(self) -> None:
        remaining = self._down_until - time.monotonic()
        if remaining > 0:
            self._stopping.wait(remaining)
            log.warning("back up on %s", self.url)


def install_signal_handlers() -> None:
    """Exit cleanly on SIGTERM (and SIGINT) so the store is closed."""
    def handler(signum: int, frame: object) -> None:
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def configure_logging(verbose: bool) -> None:
    """Log to stderr; request lines only when verbose."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
