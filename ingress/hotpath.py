"""``POST /hooks/<source>`` served in front of Flask.

Every webhook takes this path. It gives the request what the Flask app would: a request id,
the same checks and answers (``ingress/receive.py``), problem+json for every refusal and for
a bug, the ``X-Request-Id`` header and the metrics. It leaves out what a webhook does not
use: Flask's application and request contexts, URL routing, sessions, signals and
hooks. Those cost about 170 µs of machine time per request, which is more than the
whole event store step (see ``docs/benchmarks.md``, "Ingress").

Anything else (another method, another path, a name with a slash in it) goes to Flask
unchanged, so 404, 405, ``/healthz``, ``/readyz``, ``/openapi.json`` and ``/metrics``
keep their one implementation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ingress import observe
from ingress.problems import (Rejected, from_rejected, http_problem, request_id_for,
                              unexpected_problem)
from ingress.receive import receive

if TYPE_CHECKING:
    from ingress.app import IngressState

PREFIX = "/hooks/"
WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


class WebhookPath:
    """WSGI middleware: serves webhooks itself and passes everything else to ``app``."""

    def __init__(self, app: WSGIApp, state: "IngressState") -> None:
        self.app = app
        self.state = state

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        name = _webhook_source(environ)
        if name is None:
            return self.app(environ, start_response)
        return self.answer(Request(environ), name)(environ, start_response)

    def answer(self, request: Request, source_name: str) -> Response:
        """The response to one webhook, never an exception."""
        started = time.perf_counter()
        request_id = request_id_for(request.headers.get("X-Request-Id", ""))
        try:
            response = receive(self.state, request, source_name)
        except Rejected as rejected:
            response = from_rejected(rejected, request_id)
        except HTTPException as exc:
            response = http_problem(exc, request_id)
        except Exception:          # noqa: BLE001 - a bug answers 500, never a stack trace
            response = unexpected_problem(request_id)
        response.headers["X-Request-Id"] = request_id
        observe.count(self.state.sources, source_name, response, started)
        return response


def _webhook_source(environ: dict) -> str | None:
    """The source name of a ``POST /hooks/<name>``, or None for anything else."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    path = environ.get("PATH_INFO", "")
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX):]
    return name if name and "/" not in name else None
