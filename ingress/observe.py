"""What the ingress tells operators: ``/metrics`` and a count of every answer.

Labels stay bounded whatever senders send: a source label is a configured source's name
or ``unknown``; a rejection reason is one of the problem table's.
"""

from __future__ import annotations

import time
from typing import Container

from flask import Flask, Response, current_app, g, request

from ingress.problems import ProblemResponse
from shared import metrics
from shared.stats import snapshot


def install(app: Flask) -> None:
    """Time and count every request Flask serves; serve ``/metrics``. (Webhooks on the hot
    path are counted by :mod:`ingress.hotpath`, with :func:`count`.)"""
    app.before_request(_start)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", _metrics, provide_automatic_options=False)


def count(sources: Container[str], source_name: str, response: Response,
          started: float) -> None:
    """Count one answer to ``POST /hooks/<source_name>``; time it when it is a 2xx."""
    source = source_name if source_name in sources else "unknown"
    metrics.INGRESS_REQUESTS.labels(source, str(response.status_code)).inc()
    if 200 <= response.status_code < 300:
        metrics.INGRESS_ACK_SECONDS.observe(time.perf_counter() - started)
    elif isinstance(response, ProblemResponse):
        metrics.INGRESS_REJECTIONS.labels(source, response.reason).inc()


def _start() -> None:
    g.started = time.perf_counter()


def _count(response: Response) -> Response:
    name = (request.view_args or {}).get("source_name")
    if name is None:
        return response                     # health checks and scrapes are not webhooks
    count(current_app.extensions["hookmaker"].sources, name, response,
          g.get("started", 0.0))
    return response


def _metrics() -> Response:
    state = current_app.extensions["hookmaker"]
    if "metrics_registry" not in state.cache:
        store = state.acceptor.store
        state.cache["metrics_registry"] = metrics.registry(
            metrics.StoreCollector(lambda: snapshot(store, state.config)))
    body, content_type = metrics.exposition(state.cache["metrics_registry"])
    return Response(body, content_type=content_type)
