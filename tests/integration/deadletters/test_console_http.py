"""The console over real HTTP: login, sessions, CSRF, roles, the JSON API's verbs."""

from __future__ import annotations

import json

import pytest
import requests

from admin.testing import csrf_of

pytestmark = pytest.mark.integration


def test_every_page_and_api_call_needs_a_login(console):
    for path in ("/", "/events", "/dead", "/jobs", "/audit", "/dead/preview"):
        answer = requests.get(console.url + path, allow_redirects=False, timeout=5)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    for method, path in (("GET", "/api/v1/dead-letters"), ("GET", "/api/openapi.json"),
                         ("POST", "/api/v1/dead-letters/requeue"), ("GET", "/api/v1/events")):
        answer = requests.request(method, console.url + path, json={}, timeout=5)
        assert answer.status_code == 401, path
        assert answer.headers["Content-Type"] == "application/problem+json"
    bad = requests.get(console.url + "/api/v1/dead-letters", timeout=5,
                       headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_wrong_password_gives_no_session(console):
    http = requests.Session()
    page = http.get(console.url + "/login", timeout=5)
    answer = http.post(console.url + "/login", timeout=5, allow_redirects=False,
                       data={"username": "olivia", "password": "guess",
                             "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 401
    assert http.get(console.url + "/", allow_redirects=False, timeout=5).status_code == 302


def test_login_itself_needs_the_csrf_token(console):
    answer = requests.post(console.url + "/login", timeout=5, allow_redirects=False,
                           data={"username": "olivia", "password": "olivia-operates"})
    assert answer.status_code == 403


def test_session_cookie_flags(console):
    http = requests.Session()
    page = http.get(console.url + "/login", timeout=5)
    answer = http.post(console.url + "/login", timeout=5, allow_redirects=False,
                       data={"username": "vera", "password": "vera-views",
                             "csrf_token": csrf_of(page.text)})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


def test_state_changes_without_csrf_are_refused(console):
    event_id = console.letters.make()
    http = console.login("olivia")
    for data in ({"ids": event_id}, {"ids": event_id, "csrf_token": "forged"}):
        answer = http.post(console.url + "/dead/requeue", data=data, timeout=5,
                           allow_redirects=False)
        assert answer.status_code == 403
    api = http.post(console.url + "/api/v1/dead-letters/requeue", json={"ids": [event_id]},
                    timeout=5)
    assert api.status_code == 403
    evil = http.post(console.url + "/dead/requeue", timeout=5, allow_redirects=False,
                     data={"ids": event_id, "csrf_token": http.csrf},
                     headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert console.letters.dlq.get(event_id)["state"] == "dead"
    ok = http.post(console.url + "/dead/requeue", timeout=5, allow_redirects=False,
                   data={"ids": event_id, "csrf_token": http.csrf})
    assert ok.status_code == 302
    assert console.letters.dlq.get(event_id)["state"] == "received"


def test_a_viewer_reads_but_cannot_requeue(console):
    event_id = console.letters.make()
    http = console.login("vera")
    page = http.get(console.url + "/dead", timeout=5)
    assert page.status_code == 200 and event_id in page.text
    assert "requeue-selected" not in page.text
    for path, data in (("/dead/requeue", {"ids": event_id}), ("/dead/delete", {"ids": event_id}),
                       ("/dead/jobs", {}), ("/dead/purge", {"confirm": "yes"})):
        answer = http.post(console.url + path, data={**data, "csrf_token": http.csrf},
                           timeout=5, allow_redirects=False)
        assert answer.status_code == 403, path
    api = requests.post(console.url + "/api/v1/dead-letters/requeue", timeout=5,
                        json={"ids": [event_id]}, headers=console.bearer("reader"))
    assert api.status_code == 403
    assert console.letters.dlq.get(event_id)["state"] == "dead"
    assert console.letters.dlq.audit.entries() == []


def test_api_verbs_with_a_token(console):
    auth = console.bearer("robot")
    api = console.url + "/api/v1"
    a = console.letters.make({"name": "Ada"}, code="511")
    b = console.letters.make({"name": "Bob"}, code="102")
    c = console.letters.make({"name": "Cy"}, code="102")
    assert requests.get(api + "/whoami", headers=auth, timeout=5).json()["role"] == "operator"
    page = requests.get(api + "/dead-letters", params={"code": "102"}, headers=auth,
                        timeout=5).json()
    assert [r["id"] for r in page["rows"]] == [c, b] and page["reasons"]["code"]["102"] == 2
    assert requests.get(api + "/dead-letters", params={"text": "ada"}, headers=auth,
                        timeout=5).json()["rows"][0]["id"] == a
    bad = requests.get(api + "/dead-letters", params={"since": "yesterday"}, headers=auth,
                       timeout=5)
    assert bad.status_code == 400 and "since" in bad.json()["detail"]
    dry = requests.post(api + "/dead-letters/requeue", headers=auth, timeout=5,
                        json={"filter": {"code": "102"}, "dry_run": True}).json()
    assert dry["count"] == 2
    done = requests.post(api + "/dead-letters/requeue", json={"ids": [a]}, headers=auth,
                         timeout=5).json()
    assert done == {"requeued": [a], "skipped": []}
    exported = requests.get(api + "/dead-letters/export", params={"code": "102"},
                            headers=auth, timeout=5)
    lines = [json.loads(x) for x in exported.text.splitlines()]
    assert [x["id"] for x in lines] == [c, b]
    purged = requests.post(api + "/dead-letters/purge", json={"filter": {"code": "102"}},
                           headers=auth, timeout=5).json()
    assert purged == {"purged": 2}
    imported = requests.post(api + "/dead-letters/import", data=exported.content,
                             headers=auth, timeout=5).json()
    assert imported == {"imported": 2, "skipped": 0}
    job = requests.post(api + "/dead-letters/requeue", json={"filter": {"code": "102"}},
                        headers=auth, timeout=5)
    assert job.status_code == 202 and job.json()["total"] == 2
    edited = requests.post(api + f"/dead-letters/{a}/edit", json={"body": "{}"},
                           headers=auth, timeout=5)
    assert edited.status_code == 409                         # it is no longer dead
    events = requests.get(api + "/events", params={"state": "received"}, headers=auth,
                          timeout=5).json()
    assert a in [r["id"] for r in events["rows"]]
    audit = requests.get(api + "/audit", headers=auth, timeout=5).json()["entries"]
    assert [e["action"] for e in audit][:4] == ["requeue-job", "import", "purge", "requeue"]
    assert audit[0]["who"] == "token:robot" and audit[0]["filter"] == {"code": "102"}
    spec = requests.get(console.url + "/api/openapi.json", headers=auth, timeout=5).json()
    assert "/v1/dead-letters/requeue" in spec["paths"]


def test_pages_render_for_an_operator(console):
    event_id = console.letters.make({"currency": "euro-dollars"}, code="511")
    http = console.login("olivia")
    for path in ("/", "/events", f"/events/{event_id}", "/dead?code=511", "/jobs", "/audit",
                 "/dead/preview?action=requeue&code=511", f"/dead/{event_id}/edit",
                 f"/events?event_id={event_id}", "/events?state=dead&text=euro"):
        page = http.get(console.url + path, timeout=5)
        assert page.status_code == 200, (path, page.text[:500])
    assert "euro-dollars" in http.get(console.url + f"/events/{event_id}", timeout=5).text
    assert http.get(console.url + "/events/nope", timeout=5).status_code == 404
