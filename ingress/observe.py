"""What the ingress tells operators: ``/metrics`` and a count of every answer.

Labels stay bounded whatever senders send: a source label is a configured source's name
or ``unknown``; a rejection reason is one of the problem table's.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request

from shared import metrics
from shared.stats import snapshot


def install(app: Flask) -> None:
    """Time and count every request; serve ``/metrics``."""
    app.before_request(_start)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", _metrics, provide_automatic_options=False)


def _start() -> None:
    g.started = time.perf_counter()


def _source_label() -> str:
    name = (request.view_args or {}).get("source_name")
    if name is None:
        return ""
    return name if name in current_app.extensions["hookmaker"].sources else "unknown"


def _count(response: Response) -> Response:
    source = _source_label()
    if not source:
        return response                     # health checks and scrapes are not webhooks
    metrics.INGRESS_REQUESTS.labels(source, str(response.status_code)).inc()
    if 200 <= response.status_code < 300:
        metrics.INGRESS_ACK_SECONDS.observe(time.perf_counter() - g.get("started", 0.0))
    elif response.mimetype == "application/problem+json":
        reason = g.get("problem_reason") or f"http-{response.status_code}"
        metrics.INGRESS_REJECTIONS.labels(source, reason).inc()
    return response


def _metrics() -> Response:
    state = current_app.extensions["hookmaker"]
    if "metrics_registry" not in state.cache:
        store = state.acceptor.store
        state.cache["metrics_registry"] = metrics.registry(
            metrics.StoreCollector(lambda: snapshot(store, state.config)))
    body, content_type = metrics.exposition(state.cache["metrics_registry"])
    return Response(body, content_type=content_type)
