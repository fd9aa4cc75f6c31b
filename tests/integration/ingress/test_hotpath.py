"""Webhooks take the hot path in front of Flask; everything else is still Flask's."""

from __future__ import annotations

import json
import uuid

import flask
import pytest
from ingress_helpers import SECRETS, accepted
from prometheus_client import REGISTRY

from ingress import hotpath

BEARER = {"Authorization": f"Bearer {SECRETS['bearer']}"}


@pytest.fixture
def flask_requests(client):
    """The paths Flask's own request machinery served during the test."""
    seen: list[str] = []

    def started(sender, **_):
        seen.append(flask.request.path)

    flask.request_started.connect(started)
    yield seen
    flask.request_started.disconnect(started)


def _body() -> bytes:
    return json.dumps({"id": uuid.uuid4().hex}).encode()


def test_a_webhook_is_stored_without_flask_and_a_health_check_is_flask(
        client, redis_client, flask_requests):
    answer = client.post("/hooks/bearer", data=_body(), content_type="application/json",
                         headers={**BEARER, "X-Request-Id": "req-1"})
    assert answer.status_code == 202 and answer.headers["X-Request-Id"] == "req-1"
    assert accepted(redis_client) == 1
    assert client.get("/healthz").status_code == 200
    assert flask_requests == ["/healthz"]


def test_refusals_are_problems_with_a_request_id_and_counted(client, flask_requests):
    def rejections() -> float:
        return REGISTRY.get_sample_value("hookmaker_ingress_rejections_total",
                                         {"source": "bearer", "reason": "bad-credentials"}) or 0

    before = rejections()
    answer = client.post("/hooks/bearer", data=_body(), content_type="application/json",
                         headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401 and answer.content_type == "application/problem+json"
    problem = answer.get_json()
    assert problem["type"].endswith("/bad-credentials")
    assert problem["request_id"] == answer.headers["X-Request-Id"]
    assert rejections() == before + 1
    assert flask_requests == []


def test_a_bug_on_the_hot_path_is_a_500_problem_and_nothing_stored(
        client, redis_client, monkeypatch, flask_requests):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(hotpath, "receive", broken)
    answer = client.post("/hooks/bearer", data=_body(), content_type="application/json",
                         headers=BEARER)
    assert answer.status_code == 500 and answer.get_json()["type"].endswith("/internal")
    assert answer.headers["Retry-After"] and "a bug" not in answer.get_data(as_text=True)
    assert accepted(redis_client) == 0


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/hooks/bearer", 405), ("PUT", "/hooks/bearer", 405),
    ("POST", "/hooks/", 404), ("POST", "/hooks/bearer/extra", 404), ("POST", "/hooks", 404),
])
def test_other_methods_and_paths_are_flask_answers(client, flask_requests, method, path,
                                                   status):
    answer = client.open(path, method=method, data=_body(), content_type="application/json",
                         headers=BEARER)
    assert answer.status_code == status
    assert answer.content_type == "application/problem+json"
    assert flask_requests == [path]
    if status == 405:
        assert answer.headers["Allow"] == "POST"
