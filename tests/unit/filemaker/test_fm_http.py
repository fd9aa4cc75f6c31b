"""The choke point's pure parts: reading envelopes and classifying requests' failures."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
import urllib3

from shared.config import FileMakerServer
from shared.errors import Halt, Permanent, Transient, Unavailable
from shared.filemaker import http
from shared.secrets import Secret


def envelope(code: object = "0", response: object = None, message: str = "OK") -> bytes:
    return json.dumps({"response": {} if response is None else response,
                       "messages": [{"code": code, "message": message}]}).encode()


def test_success_returns_the_response_object() -> None:
    body = envelope(response={"recordId": "7", "modId": "0"})
    assert http.interpret(200, "application/json", body) == {"recordId": "7", "modId": "0"}


def test_success_without_response_key_is_an_empty_response() -> None:
    body = json.dumps({"messages": [{"code": "0", "message": "OK"}]}).encode()
    assert http.interpret(200, "application/json", body) == {}


def test_numeric_code_zero_is_success() -> None:
    assert http.interpret(200, "application/json", envelope(code=0)) == {}


@pytest.mark.parametrize("status,code,outcome", [
    (500, "301", Transient), (500, "812", Unavailable), (401, "212", Halt),
    (401, "952", Unavailable), (500, "102", Permanent), (500, "953", Halt),
])
def test_filemaker_codes_raise_their_outcome(status: int, code: str, outcome: type) -> None:
    with pytest.raises(outcome) as info:
        http.interpret(status, "application/json", envelope(code, message="nope"))
    assert info.value.code == code and info.value.http_status == status


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_unavailable_whatever_the_body(status: int) -> None:
    with pytest.raises(Unavailable) as info:
        http.interpret(status, "application/json", envelope("0"))
    assert info.value.code == f"http-{status}"


def test_html_page_is_unavailable() -> None:
    with pytest.raises(Unavailable) as info:
        http.interpret(500, "text/html", b"<html><body>Service down</body></html>")
    assert info.value.code == "html"


def test_html_detected_without_content_type() -> None:
    with pytest.raises(Unavailable) as info:
        http.interpret(200, "", b"  <!DOCTYPE html><p>proxy</p>")
    assert info.value.code == "html"


def test_non_json_error_is_unavailable() -> None:
    with pytest.raises(Unavailable) as info:
        http.interpret(500, "text/plain", b"internal error")
    assert info.value.code == "not-json"


def test_non_json_success_is_transient() -> None:
    with pytest.raises(Transient) as info:
        http.interpret(200, "application/json", b"{truncated")
    assert info.value.code == "bad-envelope"


def test_json_without_messages_is_a_bad_envelope() -> None:
    with pytest.raises(Transient):
        http.interpret(200, "application/json", b'{"response": {}}')


def test_http_error_with_code_zero_falls_back_to_status() -> None:
    with pytest.raises(Permanent) as info:
        http.interpret(404, "application/json", envelope("0"))
    assert info.value.code == "http-404"


def test_json_that_is_not_an_object_is_not_an_envelope() -> None:
    with pytest.raises(Transient):
        http.interpret(200, "application/json", b"[1, 2]")


def _refused() -> requests.ConnectionError:
    conn = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore
    pool = urllib3.exceptions.MaxRetryError(None, "/x", conn)  # type: ignore[arg-type]
    return requests.ConnectionError(pool)


@pytest.mark.parametrize("exc,label", [
    (requests.exceptions.ConnectTimeout("slow"), "connect-timeout"),
    (requests.exceptions.ReadTimeout("slow"), "read-timeout"),
    (requests.exceptions.SSLError("bad cert"), "tls-error"),
    (requests.ConnectionError(ConnectionResetError(104, "reset")), "connection-error"),
    (requests.exceptions.ChunkedEncodingError("cut"), "connection-error"),
])
def test_transport_errors(exc: requests.RequestException, label: str) -> None:
    failure = http.transport_error(exc)
    assert isinstance(failure, Unavailable) and failure.code == label


def test_refused_is_recognised_through_urllib3() -> None:
    assert http.transport_error(_refused()).code == "refused"


def test_refused_is_recognised_from_a_real_closed_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.RequestException) as info:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
    assert http.transport_error(info.value).code == "refused"
    assert http.is_hiccup(info.value, idempotent=False)


@pytest.mark.parametrize("exc,idempotent,expected", [
    (requests.exceptions.ConnectTimeout("x"), False, True),
    (requests.exceptions.ReadTimeout("x"), True, False),
    (requests.exceptions.SSLError("x"), True, False),
    (requests.ConnectionError(ConnectionResetError()), True, True),
    (requests.ConnectionError(ConnectionResetError()), False, False),
])
def test_hiccups(exc: Exception, idempotent: bool, expected: bool) -> None:
    assert http.is_hiccup(exc, idempotent) is expected


def test_refused_is_a_hiccup_even_for_a_post() -> None:
    assert http.is_hiccup(_refused(), idempotent=False)


def test_paths_encode_every_segment() -> None:
    server = FileMakerServer(name="fm", url="https://fm.example", database="My DB",
                             username="u", password=Secret("env:X", "p"))
    transport = http.Transport(server)
    assert transport.base_url == "https://fm.example/fmi/data/vLatest"
    assert transport.database_path("layouts", "A/B", "records", "7") == \
        "/databases/My%20DB/layouts/A%2FB/records/7"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_is_retried_briefly_within_the_call_then_unavailable() -> None:
    seen: list[http.Exchange] = []
    server = FileMakerServer(name="fm", url=f"http://127.0.0.1:{_closed_port()}",
                             database="DB", username="u", password=Secret("env:X", "p"),
                             connect_timeout_s=0.5)
    transport = http.Transport(server, observer=seen.append)
    with pytest.raises(Unavailable) as info:
        transport.request("POST", transport.database_path("sessions"), body={})
    assert info.value.code == "refused"
    [exchange] = seen
    assert exchange.attempts == 3 and exchange.status is None and exchange.code == "refused"
    assert exchange.duration_ms < 2000


def test_tokens_never_reach_the_observer() -> None:
    seen: list[http.Exchange] = []
    server = FileMakerServer(name="fm", url=f"http://127.0.0.1:{_closed_port()}",
                             database="DB", username="u", password=Secret("env:X", "p"))
    transport = http.Transport(server, observer=seen.append, hiccup_attempts=1)
    with pytest.raises(Unavailable):
        transport.request("DELETE", transport.database_path("sessions", "abc123secret"))
    assert "abc123secret" not in seen[0].path and seen[0].attempts == 1


class _Proxy:
    """A one-shot HTTP proxy on loopback: records the request line, answers a Data API OK."""

    BODY = b'{"response": {}, "messages": [{"code": "0", "message": "OK"}]}'

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.request_line = ""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            self.request_line = data.split(b"\r\n", 1)[0].decode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(self.BODY), self.BODY))
        self.sock.close()


def test_the_environment_proxy_settings_are_honoured(monkeypatch) -> None:
    proxy = _Proxy()
    target = f"http://127.0.0.1:{_closed_port()}"
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    server = FileMakerServer(name="fm", url=target, database="DB", username="u",
                             password=Secret("env:X", "p"))
    reply = http.Transport(server, hiccup_attempts=1).request("GET", "/productInfo")
    proxy.thread.join(5)
    assert reply.status == 200
    assert proxy.request_line == f"GET {target}/fmi/data/vLatest/productInfo HTTP/1.1"

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")           # bypassed: straight to the target
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with pytest.raises(Unavailable) as info:
        http.Transport(server, hiccup_attempts=1).request("GET", "/productInfo")
    assert info.value.code == "refused"
