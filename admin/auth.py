"""Who is asking, and may they: logins, API tokens, CSRF, roles.

- Pages: a login with an account from ``[admin.accounts]`` (a werkzeug password hash) gives a
  signed session cookie (HttpOnly, SameSite=Strict, Secure unless ``cookie_secure = false``,
  ``__Host-`` prefixed when Secure) that lasts ``session_ttl_s``. The account and its role
  are looked up again on every request, so removing an account ends its sessions.
- API: ``Authorization: Bearer <token>`` with a token from ``[admin.tokens]``, or the same
  session as the pages.
- CSRF: every POST made with a session carries the session's token (form field
  ``csrf_token`` or header ``X-CSRF-Token``) and, when the browser sends one, an ``Origin`` of
  this host. Bearer-token calls carry no ambient credentials and need none. The login form
  has a token too, and logging in issues a new one.
- Roles: ``viewer`` reads; ``operator`` also requeues, edits, deletes, purges, imports and
  cancels jobs (:func:`requires`).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, g, redirect, render_template, request,
                   session, url_for)
from werkzeug.security import check_password_hash, generate_password_hash

blueprint = Blueprint("auth", __name__)

PUBLIC = ("auth.login", "static", "healthz")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    via: str                 # session | token

    @property
    def can_operate(self) -> bool:
        return self.role == "operator"


def _state():
    return current_app.extensions["hookmaker-admin"]


def authenticate():
    """Before every request: find the user, refuse the anonymous, check CSRF."""
    g.user = _token_user() or _session_user()
    if request.endpoint in PUBLIC:
        _check_csrf(required=request.method in UNSAFE)
        return None
    if g.user is None:
        if request.path.startswith("/api/"):
            from admin.api import problem  # noqa: PLC0415 - api imports this module
            return problem(401, "log in, or send Authorization: Bearer <token>",
                           headers={"WWW-Authenticate": 'Bearer realm="hookmaker"'})
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if g.user.via == "session" and request.method in UNSAFE:
        _check_csrf(required=True)
    return None


def _token_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    offered = header[len("Bearer "):].strip().encode()
    for token in _state().settings.tokens:
        if hmac.compare_digest(offered, token.token.value.encode()):
            return User(f"token:{token.name}", token.role, "token")
    abort(401, "unknown API token")
    return None


def _session_user() -> User | None:
    name, issued = session.get("user"), session.get("at", 0)
    account = _state().settings.accounts.get(name) if name else None
    if account is None or time.time() - issued > _state().settings.session_ttl_s:
        return None
    return User(account.name, account.role, "session")


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf(*, required: bool) -> None:
    if not required:
        return
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        abort(403, "cross-origin request refused")
    offered = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(offered.encode(), expected.encode()):
        abort(403, "missing or wrong CSRF token: reload the page and try again")


def requires(role: str):
    """Refuse (403) users whose role is not ``role`` (only "operator" is ever asked)."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if g.user is None or (role == "operator" and not g.user.can_operate):
                abort(403, f"this needs the {role} role")
            return view(*args, **kwargs)
        return inner
    return wrap


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error = ""
    if request.method == "POST":
        name = request.form.get("username", "")
        account = _state().settings.accounts.get(name)
        password = request.form.get("password", "")
        ok = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
        if account is not None and ok:
            session.clear()
            session.permanent = True
            session.update(user=account.name, at=time.time(), csrf=secrets.token_urlsafe(32))
            return redirect(safe_next(request.args.get("next")))
        error = "Wrong user name or password."
    return render_template("login.html", error=error, csrf=csrf_token()), \
        (401 if error else 200)


@blueprint.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url_for("views.overview")


def hash_password(password: str) -> str:
    """The hash to put in ``[admin.accounts.NAME] password_hash``."""
    return generate_password_hash(password, method="scrypt")
