"""Serving the app: one process, HTTP/1.1 with keep-alive (cheroot, CherryPy's WSGI
server), and the "down" fault.

Keep-alive matters because FileMaker Server keeps connections alive too: a client tested
here pays for a TCP connection once, not per request, and the emulator does not spend a
thread start and an ``accept`` on every Data API call. "Down" really closes the listening
socket *and* every open connection (cheroot's ``stop``), so no live keep-alive connection
can still be served; after N seconds the same port is bound again, with the same data.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from typing import Callable

from cheroot import wsgi
from flask import Flask, Response, request

log = logging.getLogger(__name__)

THREADS = 32                # requests served at once (a latency fault sleeps outside the lock)
IDLE_TIMEOUT_S = 30         # an idle keep-alive connection is closed after this
STOP_TIMEOUT_S = 5          # in-flight requests get this long when the server stops
STOP_NOTICE_S = 0.1         # how soon the serving loop notices a stop (its select timeout)


class EmulatorServer:
    """Serves ``app`` on ``host:port`` until stopped; can go down and come back."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: wsgi.Server | None = None
        self._stopped = threading.Event()
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
            server = _bind(self.app, self.host, self.port)
            stopped = threading.Event()
            with self._lock:
                self._server, self._stopped, self.port = server, stopped, server.bind_addr[1]
            if first and ready is not None:
                ready(self.url)
            first = False
            try:
                server.serve()
            finally:
                if server.ready:                 # a signal or an error, not stop/go_down
                    server.stop()
                else:                            # another thread is stopping it: let it end
                    stopped.wait(STOP_TIMEOUT_S + 1)
            self._wait_while_down()

    def go_down(self, seconds: float) -> None:
        """Close the listening socket and every connection now (after the current answer)
        for ``seconds``."""
        self._down_until = time.monotonic() + seconds
        log.warning("going down for %.1f s", seconds)
        threading.Thread(target=self._stop_serving, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        """Stop serving (from another thread)."""
        self._stopping.set()
        threading.Thread(target=self._stop_serving, args=(0.0,), daemon=True).start()

    def _stop_serving(self, after_s: float) -> None:
        time.sleep(after_s)
        with self._lock:
            server, stopped = self._server, self._stopped
        if server is not None:
            server.stop()                    # closes the socket and every connection
        stopped.set()

    def _wait_while_down(self) -> None:
        remaining = self._down_until - time.monotonic()
        if remaining > 0:
            self._stopping.wait(remaining)
            log.warning("back up on %s", self.url)


def _bind(app: Flask, host: str, port: int) -> wsgi.Server:
    """A cheroot server listening on ``host:port`` (0: a free port), not yet serving."""
    server = wsgi.Server((host, port), app, numthreads=THREADS, timeout=IDLE_TIMEOUT_S,
                         shutdown_timeout=STOP_TIMEOUT_S, server_name="fmemulator")
    server.keep_alive_conn_limit = None      # every worker process may keep its connections
    server.expiration_interval = STOP_NOTICE_S
    server.prepare()
    # cheroot leaves SO_REUSEADDR off on a port-0 bind; connections accepted without it
    # would keep the port taken (TIME_WAIT) when "down" binds it again.
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return server


def install_signal_handlers() -> None:
    """Exit cleanly on SIGTERM (and SIGINT) so the store is closed. A second signal while
    stopping is ignored: it would cut the stop short and leave the server's threads running."""
    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def configure_logging(verbose: bool) -> None:
    """Log to stderr; one line per request only when verbose (see :func:`log_requests`)."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("cheroot").setLevel(logging.WARNING)


def log_requests(app: Flask) -> None:
    """Log ``client "METHOD path" status bytes`` for every request (``--verbose``)."""
    requests_log = logging.getLogger("emulator.requests")

    @app.after_request
    def _line(response: Response) -> Response:
        requests_log.info('%s "%s %s" %s %s', request.remote_addr, request.method,
                          request.full_path.rstrip("?"), response.status_code,
                          response.calculate_content_length() or "-")
        return response
