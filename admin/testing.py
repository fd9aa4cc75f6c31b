"""The console as a real process, for tests and benchmarks.

``add_admin_section(config_path)`` appends an ``[admin]`` table (an operator, a viewer, two
API tokens, a fast bulk-requeue pace) to a config such as ``hookmaker.testing.Pipeline``
writes; ``Console(config_path, workdir).start()`` runs ``hookmaker admin`` on a free port;
``console.login(name)`` gives a logged-in ``requests.Session`` with its CSRF token.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import requests
from werkzeug.security import generate_password_hash

from hookmaker.processes import free_port, spawn, stop, wait_until

PASSWORDS = {"olivia": "olivia-operates", "vera": "vera-views"}
ROLES = {"olivia": "operator", "vera": "viewer"}
TOKENS = {"robot": ("robot-token-0123456789abcdef", "operator"),
          "reader": ("reader-token-0123456789abcdef", "viewer")}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_admin_section(config_path: Path, *, rate_per_s: float = 50.0,
                      max_step: int = 200) -> None:
    """Append ``[admin]`` to the config (its secrets go beside it, under ``secrets/``)."""
    secrets = config_path.parent / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "admin-session").write_text("test-session-key-" + "x" * 32)
    lines = ["", "[admin]", "cookie_secure = false",
             'session_key = "file:secrets/admin-session"']
    for name, password in PASSWORDS.items():
        # pbkdf2 with few rounds: fast to check in tests; real accounts use hash-password
        digest = generate_password_hash(password, method="pbkdf2:sha256:1000")
        lines += [f"[admin.accounts.{name}]", f'password_hash = "{digest}"',
                  f'role = "{ROLES[name]}"']
    for name, (token, role) in TOKENS.items():
        (secrets / f"admin-token-{name}").write_text(token)
        lines += [f"[admin.tokens.{name}]", f'token = "file:secrets/admin-token-{name}"',
                  f'role = "{role}"']
    lines += ["[admin.dlq]", f"requeue_rate_per_s = {rate_per_s}",
              f"requeue_max_step = {max_step}", ""]
    with config_path.open("a") as out:
        out.write("\n".join(lines))


class Console:
    """``hookmaker admin`` as a subprocess on 127.0.0.1."""

    def __init__(self, config_path: Path, workdir: Path) -> None:
        self.config_path = config_path
        self.workdir = workdir
        self.url = ""
        self.proc = None

    def start(self) -> "Console":
        port = free_port()
        log = self.workdir / "admin.log"
        self.proc = spawn([sys.executable, "-m", "hookmaker", "--config", str(self.config_path),
                           "admin", "--bind", f"127.0.0.1:{port}"], log=log)
        self.url = f"http://127.0.0.1:{port}"
        wait_until(self._up, timeout_s=30, what="admin console", proc=self.proc, log=log)
        return self

    def _up(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout_s=10)
            self.proc = None

    def login(self, name: str) -> requests.Session:
        """A session logged in as ``name``; ``session.csrf`` is its CSRF token."""
        http = requests.Session()
        page = http.get(self.url + "/login", timeout=10)
        answer = http.post(self.url + "/login", timeout=10, allow_redirects=False,
                           data={"username": name, "password": PASSWORDS[name],
                                 "csrf_token": csrf_of(page.text)})
        if answer.status_code != 302:
            raise RuntimeError(f"login as {name} failed: {answer.status_code}")
        http.csrf = csrf_of(http.get(self.url + "/", timeout=10).text)  # type: ignore[attr-defined]
        return http

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found[1]
