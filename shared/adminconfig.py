"""The ``[admin]`` table of the config: the console's accounts and tokens, and the DLQ's
retention and requeue pace. Parsed here (``Config.admin`` is the raw table), with errors
that name the key.

Two readers, so that a worker never needs the console's secrets:
:func:`dlq_settings` (workers, CLI, console) and :func:`console_settings` (the console).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from shared.config import Config
from shared.errors import ConfigError
from shared.secrets import Secret, resolve
from shared.tomlread import Table

ROLES = ("viewer", "operator")
HASH_METHODS = ("scrypt:", "pbkdf2:")

DEFAULT_ADMIN_PORT = 8081
DEFAULT_SESSION_TTL_S = 8 * 3600
DEFAULT_DLQ_MAX_AGE_S = 30 * 24 * 3600
DEFAULT_DLQ_MAX_LETTERS = 100_000
DEFAULT_REQUEUE_RATE_PER_S = 20.0
DEFAULT_REQUEUE_MAX_STEP = 200          # at most this many letters per reconcile round
DEFAULT_AUDIT_MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class DlqSettings:
    max_age_s: int = DEFAULT_DLQ_MAX_AGE_S
    max_letters: int = DEFAULT_DLQ_MAX_LETTERS
    requeue_rate_per_s: float = DEFAULT_REQUEUE_RATE_PER_S
    requeue_max_step: int = DEFAULT_REQUEUE_MAX_STEP
    audit_max_entries: int = DEFAULT_AUDIT_MAX_ENTRIES


@dataclass(frozen=True)
class Account:
    name: str
    password_hash: str = field(repr=False)
    role: str


@dataclass(frozen=True)
class ApiToken:
    name: str
    token: Secret
    role: str


@dataclass(frozen=True)
class ConsoleSettings:
    port: int = DEFAULT_ADMIN_PORT
    session_key: Secret | None = None      # None: a random key per process
    session_ttl_s: int = DEFAULT_SESSION_TTL_S
    cookie_secure: bool = True
    accounts: Mapping[str, Account] = field(default_factory=dict)
    tokens: tuple[ApiToken, ...] = ()
    dlq: DlqSettings = DlqSettings()


def _root(config: Config) -> Table:
    try:
        text = config.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    return Table(dict(config.admin), "admin", text)


def dlq_settings(config: Config) -> DlqSettings:
    """Retention and requeue pace from ``[admin.dlq]`` (defaults when absent).

    Raises:
        ConfigError: a key is wrong; the message names it.
    """
    t = _root(config).table("dlq")
    t.only("max_age_s", "max_letters", "requeue_rate_per_s", "requeue_max_step",
           "audit_max_entries")
    return DlqSettings(
        max_age_s=t.int("max_age_s", DEFAULT_DLQ_MAX_AGE_S, minimum=60),
        max_letters=t.int("max_letters", DEFAULT_DLQ_MAX_LETTERS, minimum=1),
        requeue_rate_per_s=t.number("requeue_rate_per_s", DEFAULT_REQUEUE_RATE_PER_S,
                                    minimum=0.1),
        requeue_max_step=t.int("requeue_max_step", DEFAULT_REQUEUE_MAX_STEP, minimum=1),
        audit_max_entries=t.int("audit_max_entries", DEFAULT_AUDIT_MAX_ENTRIES, minimum=100))


def console_settings(config: Config, environ: Mapping[str, str] | None = None
                     ) -> ConsoleSettings:
    """Everything the console needs from ``[admin]``.

    Raises:
        ConfigError: a key is wrong, a secret reference cannot be resolved, or there is no
            account and no token to log in with; the message names the key.
    """
    environ = os.environ if environ is None else environ
    root = _root(config)
    root.only("port", "session_key", "session_ttl_s", "cookie_secure", "accounts", "tokens",
              "dlq")
    base = config.path.resolve().parent
    key_ref = root.str("session_key", None)
    accounts = {n: _account(root.table("accounts").table(n), n)
                for n, _ in root.table("accounts").items()}
    tokens = tuple(_token(root.table("tokens").table(n), n, base, environ)
                   for n, _ in root.table("tokens").items())
    if not accounts and not tokens:
        raise root.fail("accounts", "no account and no token: add [admin.accounts.NAME] with "
                                    "password_hash (make one: hookmaker admin hash-password)")
    return ConsoleSettings(
        port=root.int("port", DEFAULT_ADMIN_PORT, minimum=1),
        session_key=None if key_ref is None else resolve(
            key_ref, key=root.key("session_key"), base_dir=base, environ=environ),
        session_ttl_s=root.int("session_ttl_s", DEFAULT_SESSION_TTL_S, minimum=60),
        cookie_secure=root.bool("cookie_secure", True),
        accounts=MappingProxyType(accounts), tokens=tokens, dlq=dlq_settings(config))


def _account(t: Table, name: str) -> Account:
    t.only("password_hash", "role")
    password_hash = t.str("password_hash")
    if not password_hash.startswith(HASH_METHODS) or password_hash.count("$") != 2:
        raise t.fail("password_hash", "must be a password hash (make one with "
                                      "'hookmaker admin hash-password'), never a password")
    return Account(name=name, password_hash=password_hash, role=t.choice("role", ROLES))


def _token(t: Table, name: str, base, environ: Mapping[str, str]) -> ApiToken:
    t.only("token", "role")
    secret = resolve(t.raw("token"), key=t.key("token"), base_dir=base, environ=environ)
    if len(secret.value) < 24:
        raise ConfigError(f"{t.key('token')}: the token must be at least 24 characters")
    return ApiToken(name=name, token=secret, role=t.choice("role", ROLES))


def describe(settings: ConsoleSettings) -> dict[str, Any]:
    """What the console runs with, secrets left out (for logs and `hookmaker admin`)."""
    return {"port": settings.port, "accounts": {a.name: a.role for a in
                                                settings.accounts.values()},
            "tokens": {t.name: t.role for t in settings.tokens},
            "cookie_secure": settings.cookie_secure, "session_key": bool(settings.session_key)}
