"""The one choke point for HTTP to a FileMaker server.

A pooled ``requests.Session`` with connect and read timeouts from the server config. Tenacity
retries only connection hiccups, a few times within the call and for well under a second: a
request that never reached the server (refused, connect timeout) or, for idempotent requests,
a dropped connection. A read timeout is never retried here; long waits belong to the
pipeline's scheduled retries. Every answer is read as a Data API envelope; anything else
raises the outcome from :mod:`shared.filemaker.codes`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import quote

import requests
import tenacity
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from shared import defaults as D
from shared.config import FileMakerServer
from shared.errors import Outcome
from shared.filemaker import codes

log = logging.getLogger(__name__)

_TOKEN_IN_PATH = re.compile(r"/sessions/[^/?]+")
_IDEMPOTENT = frozenset({"GET", "DELETE", "PATCH", "PUT", "HEAD"})


@dataclass(frozen=True)
class Reply:
    """A successful Data API answer: ``response`` is the envelope's ``response`` object."""

    status: int
    response: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    duration_ms: float = 0.0


@dataclass(frozen=True)
class Exchange:
    """What one request did, reported to the observer (the token never appears)."""

    server: str
    method: str
    path: str
    status: int | None
    code: str | None
    duration_ms: float
    attempts: int


def segment(value: str) -> str:
    """One URL path segment, fully encoded (a slash in a layout name becomes %2F)."""
    return quote(str(value), safe="")


def interpret(status: int, content_type: str, body: bytes) -> Mapping[str, Any]:
    """Read one HTTP answer as a Data API envelope. Pure.

    Returns:
        The envelope's ``response`` object when ``messages[0].code`` is ``"0"``.

    Raises:
        Outcome: a FileMaker code other than 0 (classified by the table), or a transport
            condition: 502/503/504, an HTML page, a body that is not a JSON envelope.
    """
    if status in (502, 503, 504):
        raise codes.classify_transport(f"http-{status}", _snippet(body), status)
    envelope = _json(body)
    if envelope is None:
        label = "html" if _is_html(content_type, body) else (
            "not-json" if status >= 400 else "bad-envelope")
        raise codes.classify_transport(label, f"HTTP {status}: {_snippet(body)}", status)
    code, message = _first_message(envelope)
    if code is not None and code != codes.SUCCESS:
        raise codes.error_for(code, message or "FileMaker error", status)
    condition = codes.condition_for_status(status)
    if condition is not None:
        raise codes.classify_transport(condition, f"HTTP {status}: {message or ''}", status)
    if code is None:
        raise codes.classify_transport("bad-envelope", f"HTTP {status}: no messages", status)
    response = envelope.get("response")
    return response if isinstance(response, dict) else {}


def _json(body: bytes) -> dict | None:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _first_message(envelope: Mapping[str, Any]) -> tuple[str | None, str | None]:
    messages = envelope.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None, None
    first = messages[0]
    code = first.get("code")
    text = first.get("message", first.get("text"))
    return (None if code is None else str(code).strip()), (None if text is None else str(text))


def _is_html(content_type: str, body: bytes) -> bool:
    return "html" in content_type.lower() or body.lstrip()[:1] == b"<"


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")


def transport_error(exc: requests.RequestException) -> Exception:
    """The outcome for a ``requests`` failure. Pure."""
    if isinstance(exc, requests.exceptions.SSLError):
        label = "tls-error"
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        label = "connect-timeout"
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        label = "read-timeout"
    elif _refused(exc):
        label = "refused"
    else:
        label = "connection-error"
    return codes.classify_transport(label, type(exc).__name__)


def is_hiccup(exc: BaseException, idempotent: bool) -> bool:
    """Worth a quick retry within the call: the request never left, or may be repeated."""
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ReadTimeout)):
        return False
    if isinstance(exc, requests.exceptions.ConnectTimeout) or _refused(exc):
        return True
    return idempotent and isinstance(exc, requests.exceptions.ConnectionError)


def _refused(exc: BaseException) -> bool:
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, ConnectionRefusedError) or "NewConnectionError" in type(node).__name__:
            return True
        nested = getattr(node, "reason", None)
        if isinstance(nested, BaseException):
            node = nested
            continue
        args = getattr(node, "args", ())
        node = next((a for a in args if isinstance(a, BaseException)), None) \
            or node.__cause__ or node.__context__
    return False


class Transport:
    """HTTP to one FileMaker server. Thread-safe enough for one process; recreated on fork."""

    def __init__(self, server: FileMakerServer, *,
                 observer: Callable[[Exchange], None] | None = None,
                 hiccup_attempts: int = D.DEFAULT_FM_HICCUP_ATTEMPTS) -> None:
        self.server = server
        self.base_url = f"{server.url}/fmi/data/{server.version}"
        self._observer = observer
        self._hiccup_attempts = hiccup_attempts
        self._pid = -1
        self._session: requests.Session | None = None

    def database_path(self, *segments: str) -> str:
        """``/databases/{db}/...`` with every segment URL-encoded."""
        return "/" + "/".join(segment(s) for s in ("databases", self.server.database, *segments))

    def request(self, method: str, path: str, *, token: str | None = None,
                basic: tuple[str, str] | None = None, body: Any = None,
                params: Mapping[str, str] | None = None, idempotent: bool | None = None,
                read_timeout_s: float | None = None) -> Reply:
        """Send one request and read the envelope.

        Raises:
            Outcome: classified FileMaker codes and transport failures (see ``interpret``).
        """
        idempotent = method.upper() in _IDEMPOTENT if idempotent is None else idempotent
        started = time.monotonic()
        tally = {"attempts": 0, "status": None, "code": None}
        try:
            response = self._send_retrying(tally, idempotent, method, path, token, basic,
                                           body, params, read_timeout_s)
            tally["status"] = response.status_code
            data = interpret(response.status_code, response.headers.get("Content-Type", ""),
                             response.content)
            tally["code"] = codes.SUCCESS
            return Reply(response.status_code, data, CaseInsensitiveDict(response.headers),
                         _ms(started))
        except requests.RequestException as exc:
            failure = transport_error(exc)
            tally["code"] = getattr(failure, "code", None)
            raise failure from exc
        except Outcome as exc:
            tally["code"] = exc.code
            raise
        finally:
            self._report(method, path, tally, _ms(started))

    def _send_retrying(self, tally: dict, idempotent: bool, *args: Any) -> requests.Response:
        for attempt in self._retrying(idempotent):
            with attempt:
                tally["attempts"] += 1
                return self._send(*args)
        raise RuntimeError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _retrying(self, idempotent: bool) -> tenacity.Retrying:
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._hiccup_attempts),
            wait=tenacity.wait_exponential(multiplier=0.05, max=0.4)
            + tenacity.wait_random(0, 0.05),
            retry=tenacity.retry_if_exception(lambda e: is_hiccup(e, idempotent)),
            reraise=True)

    def _send(self, method: str, path: str, token: str | None, basic: tuple[str, str] | None,
              body: Any, params: Mapping[str, str] | None,
              read_timeout_s: float | None) -> requests.Response:
        headers = {"Accept": "application/json"}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timeout = (self.server.connect_timeout_s, read_timeout_s or self.server.read_timeout_s)
        return self._http().request(method, self.base_url + path, headers=headers, data=data,
                                    params=params, auth=basic, timeout=timeout,
                                    allow_redirects=False)

    def _http(self) -> requests.Session:
        if self._session is None or self._pid != os.getpid():
            session = requests.Session()
            size = max(4, self.server.max_sessions * 2)
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            # The environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) and ``verify_tls`` are
            # settled once here: by default requests scans os.environ on every request.
            env = session.merge_environment_settings(self.base_url, {}, None,
                                                     self.server.verify_tls, None)
            session.proxies, session.verify = env["proxies"], env["verify"]
            session.trust_env = False
            self._session, self._pid = session, os.getpid()
        return self._session

    def _report(self, method: str, path: str, tally: Mapping[str, Any],
                duration_ms: float) -> None:
        shown = _TOKEN_IN_PATH.sub("/sessions/-", path)
        log.debug("FileMaker %s %s %s -> HTTP %s code %s in %.0f ms (%d attempt(s))",
                  self.server.name, method, shown, tally["status"], tally["code"], duration_ms,
                  tally["attempts"])
        if self._observer is not None:
            self._observer(Exchange(self.server.name, method, shown, tally["status"],
                                    tally["code"], duration_ms, tally["attempts"]))

    def close(self) -> None:
        """Close the pooled connections of this process."""
        if self._session is not None and self._pid == os.getpid():
            self._session.close()
        self._session = None


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000.0
