"""The one configuration file, parsed once into frozen, typed objects.

Read it with :func:`load`; pass the result in. Nothing here reads the environment at import.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from shared import defaults as D
from shared.errors import ConfigError
from shared.filemaker.mapping import FieldSpec, parse_field
from shared.secrets import Secret, resolve
from shared.tomlread import Table

ACTIONS = ("inbox", "create", "upsert", "script")
# Deliberately broken behaviours, for the fault suite's known-bad runs only: each one
# removes a protection, so a test can prove it notices the loss or duplicate that follows.
UNSAFE_KNOBS = ("no-reconciler", "early-ack", "unavailable-spends-attempts", "no-budget",
                "no-dedupe-check")


@dataclass(frozen=True)
class RedisSettings:
    url: str | None
    prefix: str = D.DEFAULT_REDIS_PREFIX
    socket_timeout_s: float = D.DEFAULT_REDIS_SOCKET_TIMEOUT_S
    connect_timeout_s: float = D.DEFAULT_REDIS_CONNECT_TIMEOUT_S
    max_connections: int = D.DEFAULT_REDIS_MAX_CONNECTIONS
    # Before the 2xx, wait until this many replicas have the event (Redis WAIT); 0: don't.
    wait_replicas: int = 0
    wait_timeout_ms: int = D.DEFAULT_REDIS_WAIT_TIMEOUT_MS


@dataclass(frozen=True)
class IngressSettings:
    max_body_bytes: int = D.DEFAULT_MAX_BODY_BYTES
    retry_after_s: int = D.DEFAULT_RETRY_AFTER_S
    workers: int = D.DEFAULT_INGRESS_WORKERS
    threads: int = D.DEFAULT_INGRESS_THREADS
    port: int = D.DEFAULT_INGRESS_PORT
    server: str = "gunicorn"                # or "granian" (optional dependency)
    graceful_timeout_s: int = 30            # SIGTERM: in-flight requests get this long
    rate_per_s: float | None = None         # global limit over every source; None: none
    burst: int = 0                          # requests allowed at once; 0: one second's worth


@dataclass(frozen=True)
class WorkerSettings:
    queue: str = D.DEFAULT_QUEUE
    lease_s: float = D.DEFAULT_LEASE_S
    reconcile_interval_s: float = D.DEFAULT_RECONCILE_INTERVAL_S
    reconcile_grace_s: float = D.DEFAULT_RECONCILE_GRACE_S
    retention_s: int = D.DEFAULT_RETENTION_S
    backoff_base_s: float = D.DEFAULT_BACKOFF_BASE_S
    backoff_cap_s: float = D.DEFAULT_BACKOFF_CAP_S
    visibility_timeout_s: int = D.DEFAULT_VISIBILITY_TIMEOUT_S
    unsafe: tuple[str, ...] = ()

    def broken(self, knob: str) -> bool:
        """Is this protection switched off (fault-suite known-bad runs only)?"""
        return knob in self.unsafe


@dataclass(frozen=True)
class FileMakerServer:
    name: str
    url: str
    database: str
    username: str
    password: Secret
    version: str = D.DEFAULT_FM_VERSION
    max_sessions: int = D.DEFAULT_FM_MAX_SESSIONS
    rate_per_s: float = D.DEFAULT_FM_RATE_PER_S
    max_in_flight: int = D.DEFAULT_FM_MAX_IN_FLIGHT
    connect_timeout_s: float = D.DEFAULT_FM_CONNECT_TIMEOUT_S
    read_timeout_s: float = D.DEFAULT_FM_READ_TIMEOUT_S
    verify_tls: bool = True


@dataclass(frozen=True)
class Source:
    name: str
    verifier: str
    secrets: tuple[Secret, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    dedupe: Any = None                     # a preset name or a rule table; None: the verifier's
    allowlist: tuple[str, ...] = ()
    trusted_proxies: int = 0
    rate_per_s: float | None = None
    burst: int = 0
    max_body_bytes: int = D.DEFAULT_MAX_BODY_BYTES
    # a static answer to accepted deliveries instead of 202 {"id"}: status, body, content_type
    reply: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    name: str
    source: str
    filemaker: str
    layout: str
    action: str = "inbox"
    events: tuple[str, ...] = ()           # glob patterns; empty means every event
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    key_field: str | None = None           # upsert: the field that identifies the record
    script: str | None = None              # script action, or a script run after inbox
    event_id_field: str | None = None      # where the event id lands: the idempotency key
    schema: Mapping[str, Any] | None = None  # JSON Schema the payload must meet
    max_attempts: int = D.DEFAULT_MAX_ATTEMPTS
    max_age_s: float = D.DEFAULT_MAX_AGE_S

    def wants(self, source: str, event_type: str | None) -> bool:
        if source != self.source:
            return False
        return not self.events or any(fnmatchcase(event_type or "", p) for p in self.events)


@dataclass(frozen=True)
class Config:
    path: Path
    redis: RedisSettings
    ingress: IngressSettings
    worker: WorkerSettings
    filemaker: Mapping[str, FileMakerServer]
    sources: Mapping[str, Source]
    routes: tuple[Route, ...]
    admin: Mapping[str, Any] = field(default_factory=dict)   # parsed by the admin console

    def route_for(self, source: str, event_type: str | None) -> Route | None:
        """The first route, in file order, that wants this event; None if none does."""
        return next((r for r in self.routes if r.wants(source, event_type)), None)

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)


def config_path(environ: Mapping[str, str], cwd: Path | None = None) -> Path:
    """Where the config lives: ``HOOKMAKER_CONFIG``, else the first default that exists."""
    if environ.get(D.DEFAULT_CONFIG_ENV):
        return Path(environ[D.DEFAULT_CONFIG_ENV])
    base = cwd or Path.cwd()
    for candidate in D.DEFAULT_CONFIG_PATHS:
        if (base / candidate).is_file():
            return base / candidate
    raise ConfigError(f"no configuration: set {D.DEFAULT_CONFIG_ENV} or create "
                      f"{' or '.join(D.DEFAULT_CONFIG_PATHS)}")


def load(path: Path | str, environ: Mapping[str, str] | None = None) -> Config:
    """Parse and validate the configuration file.

    ``REDIS_URL`` in ``environ`` overrides ``[redis] url``.

    Raises:
        ConfigError: the file is missing, not TOML, or a key is wrong; the message names it.
    """
    path = Path(path)
    environ = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    root = Table(data, "", text)
    root.only("redis", "ingress", "worker", "filemaker", "sources", "routes", "admin")
    base = path.resolve().parent
    ingress = _ingress(root.table("ingress"))
    servers = {n: _server(t, n, base, environ) for n, t in _named(root.table("filemaker"))}
    sources = {n: _source(t, n, base, environ, ingress) for n, t in _named(root.table("sources"))}
    routes = tuple(_route(t, servers, sources, base) for t in root.tables("routes"))
    _unique_route_names(root, routes)
    return Config(path=path, redis=_redis(root.table("redis"), environ), ingress=ingress,
                  worker=_worker(root.table("worker")),
                  filemaker=MappingProxyType(servers), sources=MappingProxyType(sources),
                  routes=routes, admin=MappingProxyType(dict(root.table("admin").items())))


def _named(table: Table) -> list[tuple[str, Table]]:
    out = []
    for name, _ in table.items():
        out.append((name, table.table(name)))
    return out


def _redis(t: Table, environ: Mapping[str, str]) -> RedisSettings:
    t.only("url", "prefix", "socket_timeout_s", "connect_timeout_s", "max_connections",
           "wait_replicas", "wait_timeout_ms")
    url = environ.get("REDIS_URL") or t.str("url", "") or None
    socket_timeout_s = t.number("socket_timeout_s", D.DEFAULT_REDIS_SOCKET_TIMEOUT_S)
    wait_replicas = t.int("wait_replicas", 0, minimum=0)
    wait_timeout_ms = t.int("wait_timeout_ms", D.DEFAULT_REDIS_WAIT_TIMEOUT_MS, minimum=1)
    if wait_replicas and wait_timeout_ms >= socket_timeout_s * 1000:
        raise t.fail("wait_timeout_ms", f"must be shorter than socket_timeout_s "
                                        f"({socket_timeout_s * 1000:.0f} ms), or the WAIT "
                                        f"reply would time the socket out")
    return RedisSettings(
        url=url, prefix=t.str("prefix", D.DEFAULT_REDIS_PREFIX),
        socket_timeout_s=socket_timeout_s,
        connect_timeout_s=t.number("connect_timeout_s", D.DEFAULT_REDIS_CONNECT_TIMEOUT_S),
        max_connections=t.int("max_connections", D.DEFAULT_REDIS_MAX_CONNECTIONS, minimum=1),
        wait_replicas=wait_replicas, wait_timeout_ms=wait_timeout_ms)


def _ingress(t: Table) -> IngressSettings:
    t.only("max_body_bytes", "retry_after_s", "workers", "threads", "port", "server",
           "graceful_timeout_s", "rate_per_s", "burst")
    return IngressSettings(
        max_body_bytes=t.int("max_body_bytes", D.DEFAULT_MAX_BODY_BYTES, minimum=1),
        retry_after_s=t.int("retry_after_s", D.DEFAULT_RETRY_AFTER_S, minimum=1),
        workers=t.int("workers", D.DEFAULT_INGRESS_WORKERS, minimum=1),
        threads=t.int("threads", D.DEFAULT_INGRESS_THREADS, minimum=1),
        port=t.int("port", D.DEFAULT_INGRESS_PORT, minimum=1),
        server=t.choice("server", ("gunicorn", "granian"), "gunicorn"),
        graceful_timeout_s=t.int("graceful_timeout_s", 30, minimum=1),
        rate_per_s=t.number("rate_per_s", None, minimum=0.001),
        burst=t.int("burst", 0))


def _worker(t: Table) -> WorkerSettings:
    t.only("queue", "lease_s", "reconcile_interval_s", "reconcile_grace_s", "retention_s",
           "backoff_base_s", "backoff_cap_s", "visibility_timeout_s", "unsafe")
    unsafe = t.strings("unsafe", ())
    for knob in unsafe:
        if knob not in UNSAFE_KNOBS:
            raise t.fail("unsafe", f"unknown knob {knob!r}; known: {', '.join(UNSAFE_KNOBS)}")
    return WorkerSettings(
        queue=t.str("queue", D.DEFAULT_QUEUE),
        lease_s=t.number("lease_s", D.DEFAULT_LEASE_S, minimum=1),
        reconcile_interval_s=t.number("reconcile_interval_s", D.DEFAULT_RECONCILE_INTERVAL_S,
                                      minimum=0.05),
        reconcile_grace_s=t.number("reconcile_grace_s", D.DEFAULT_RECONCILE_GRACE_S),
        retention_s=t.int("retention_s", D.DEFAULT_RETENTION_S, minimum=60),
        backoff_base_s=t.number("backoff_base_s", D.DEFAULT_BACKOFF_BASE_S),
        backoff_cap_s=t.number("backoff_cap_s", D.DEFAULT_BACKOFF_CAP_S),
        visibility_timeout_s=t.int("visibility_timeout_s", D.DEFAULT_VISIBILITY_TIMEOUT_S,
                                   minimum=1),
        unsafe=unsafe)


def _server(t: Table, name: str, base: Path, environ: Mapping[str, str]) -> FileMakerServer:
    t.only("url", "database", "username", "password", "version", "max_sessions", "rate_per_s",
           "max_in_flight", "connect_timeout_s", "read_timeout_s", "verify_tls")
    url = t.str("url")
    if not url.startswith(("http://", "https://")):
        raise t.fail("url", "must start with http:// or https://")
    return FileMakerServer(
        name=name, url=url.rstrip("/"), database=t.str("database"),
        username=t.str("username"),
        password=resolve(t.raw("password"), key=t.key("password"), base_dir=base,
                         environ=environ),
        version=t.choice("version", ("v1", "v2", "vLatest"), D.DEFAULT_FM_VERSION),
        max_sessions=t.int("max_sessions", D.DEFAULT_FM_MAX_SESSIONS, minimum=1),
        rate_per_s=t.number("rate_per_s", D.DEFAULT_FM_RATE_PER_S, minimum=0.01),
        max_in_flight=t.int("max_in_flight", D.DEFAULT_FM_MAX_IN_FLIGHT, minimum=1),
        connect_timeout_s=t.number("connect_timeout_s", D.DEFAULT_FM_CONNECT_TIMEOUT_S),
        read_timeout_s=t.number("read_timeout_s", D.DEFAULT_FM_READ_TIMEOUT_S),
        verify_tls=t.bool("verify_tls", True))


def _source(t: Table, name: str, base: Path, environ: Mapping[str, str],
            ingress: IngressSettings) -> Source:
    t.only("verifier", "secret", "secrets", "options", "dedupe", "allowlist",
           "trusted_proxies", "rate_per_s", "burst", "max_body_bytes", "reply")
    refs = t.strings("secrets", ()) + t.strings("secret", ())
    secrets = tuple(resolve(r, key=t.key("secrets"), base_dir=base, environ=environ)
                    for r in refs)
    verifier = t.str("verifier")
    allowlist = t.strings("allowlist", ())
    for cidr in allowlist:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise t.fail("allowlist", f"{cidr!r} is not an IP address or CIDR") from None
    if verifier == "none" and not allowlist:
        raise t.fail("verifier", "'none' is allowed only together with an allowlist")
    if verifier != "none" and not secrets:
        raise t.fail("secrets", "is required (a list of env:NAME or file:PATH references)")
    dedupe = t.raw("dedupe", None)
    if dedupe is not None and not isinstance(dedupe, (str, dict)):
        raise t.fail("dedupe", "must be a preset name or a table")
    return Source(
        name=name, verifier=verifier, secrets=secrets,
        options=MappingProxyType(dict(t.table("options").items())), dedupe=dedupe,
        allowlist=allowlist, trusted_proxies=t.int("trusted_proxies", 0),
        rate_per_s=t.number("rate_per_s", None, minimum=0.001), burst=t.int("burst", 0),
        max_body_bytes=t.int("max_body_bytes", ingress.max_body_bytes, minimum=1),
        reply=_reply(t.table("reply")) if t.has("reply") else MappingProxyType({}))


def _reply(t: Table) -> Mapping[str, Any]:
    """A source's static reply: ``status`` (2xx, default 200), ``body``, ``content_type``."""
    t.only("status", "body", "content_type")
    status = t.int("status", 200, minimum=200)
    if status > 299:
        raise t.fail("status", "must be a 2xx status: the delivery was accepted")
    body = t.str("body", "")
    if len(body) > 64 * 1024:
        raise t.fail("body", "must be at most 64 KiB")
    content_type = t.str("content_type", "text/plain; charset=utf-8")
    if not content_type or any(c in content_type for c in "\r\n"):
        raise t.fail("content_type", "must be a media type on one line")
    return MappingProxyType({"status": status, "body": body, "content_type": content_type})


def _json_schema(t: Table, base: Path) -> Mapping[str, Any]:
    """Load and check a route's JSON Schema file (path relative to the config)."""
    import json  # noqa: PLC0415
    from jsonschema import SchemaError, validators  # noqa: PLC0415 - only routes with schemas
    path = base / t.str("schema")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        validators.validator_for(schema).check_schema(schema)
    except OSError as exc:
        raise t.fail("schema", f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise t.fail("schema", f"{path} is not JSON: {exc}") from exc
    except SchemaError as exc:
        raise t.fail("schema", f"{path} is not a valid JSON Schema: {exc.message}") from exc
    return MappingProxyType(schema)


def _route(t: Table, servers: Mapping[str, FileMakerServer],
           sources: Mapping[str, Source], base: Path) -> Route:
    t.only("name", "source", "events", "filemaker", "layout", "action", "fields", "key_field",
           "script", "event_id_field", "max_attempts", "max_age_s", "schema")
    source, server = t.str("source"), t.str("filemaker", next(iter(servers), ""))
    if source not in sources:
        raise t.fail("source", f"unknown source {source!r}; declared: {', '.join(sources)}")
    if server not in servers:
        raise t.fail("filemaker", f"unknown FileMaker server {server!r}; "
                                  f"declared: {', '.join(servers) or 'none'}")
    action = t.choice("action", ACTIONS, "inbox")
    fields_table = t.table("fields")
    fields = {k: parse_field(fields_table.key(k), v) for k, v in fields_table.items()}
    route = Route(
        name=t.str("name"), source=source, filemaker=server, layout=t.str("layout"),
        action=action, events=t.strings("events", ()), fields=MappingProxyType(fields),
        key_field=t.str("key_field", None), script=t.str("script", None),
        event_id_field=t.str("event_id_field", None),
        schema=_json_schema(t, base) if t.has("schema") else None,
        max_attempts=t.int("max_attempts", D.DEFAULT_MAX_ATTEMPTS, minimum=1),
        max_age_s=t.number("max_age_s", D.DEFAULT_MAX_AGE_S, minimum=1))
    if action == "upsert" and not route.key_field:
        raise t.fail("key_field", "is required for action 'upsert'")
    if action == "script" and not route.script:
        raise t.fail("script", "is required for action 'script'")
    if action in ("create", "upsert") and not fields:
        raise t.fail("fields", f"action {action!r} needs a field mapping")
    return route


def _unique_route_names(root: Table, routes: tuple[Route, ...]) -> None:
    seen: set[str] = set()
    for i, route in enumerate(routes):
        if route.name in seen:
            raise root.fail(f"routes[{i}].name", f"duplicate route name {route.name!r}")
        seen.add(route.name)
