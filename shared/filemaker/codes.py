"""FileMaker error codes and transport failures mapped to outcomes: the one table. Pure.

Every code in the research notes (``DATA_API.md`` section 2) has a row: the outcome it means
for one webhook event, a suggested delay, and a short piece of advice for the operator.

* ``Transient`` - retry this event later (a locked record, a modification-id race).
* ``Permanent`` - this event cannot be delivered as it is (a field missing from the layout, a
  value failing validation, a configuration or client bug): dead-letter it with the reason.
* ``Unavailable`` - the server as a whole is down or overloaded: pause deliveries to that
  database without spending the event's attempts.
* ``Halt`` - retrying makes it worse (bad credentials, the data-transfer limit, the Data API
  switched off): deliveries to that database stop and an operator is told.

A code not in the table is ``Transient``: like ``-1`` "Unknown error", it is retried a few times
(the pipeline caps attempts) and then dead-lettered, rather than lost on a guess.

The exceptions raised here carry the FileMaker code (or a transport label such as
``http-502``) and subclass the outcome they mean, so the task catches outcomes, not FileMaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from shared.errors import Halt, Outcome, Permanent, Transient, Unavailable

SUCCESS = "0"
NO_MATCH = "401"             # a find with no hits: an empty list, not an error
NOT_UNIQUE = "504"           # unique validation: on the event-id field, "already there"
TOKEN_INVALID = "952"        # expired or revoked token: drop it, log in once more
UNKNOWN_DELAY_S = 5.0


@dataclass(frozen=True)
class Rule:
    """What one code means: the outcome class, a suggested delay, advice for the operator."""

    outcome: type[Outcome]
    advice: str
    delay_s: float | None = None


def _t(advice: str, delay_s: float = 2.0) -> Rule:
    return Rule(Transient, advice, delay_s)


def _p(advice: str) -> Rule:
    return Rule(Permanent, advice)


def _u(advice: str, delay_s: float = 10.0) -> Rule:
    return Rule(Unavailable, advice, delay_s)


def _h(advice: str) -> Rule:
    return Rule(Halt, advice)


_CALC = _p("calculation error inside a script; fix the script")

CODES: Mapping[str, Rule] = MappingProxyType({
    "-1": _t("unknown error; retried a few times, then dead-lettered"),
    "1": _p("user canceled action: script logic (Halt Script); not transient"),
    "3": _p("command unavailable: a script step the Data API cannot run"),
    "4": _p("command is unknown"),
    "5": _p("command is invalid: fix the script"),
    "8": _p("empty result"),
    "9": _p("insufficient privileges: check the account's privilege set and fmrest"),
    "10": _p("requested data is missing (or no Authorization header): a client bug"),
    "16": _t("operation failed; FileMaker asks for a retry"),
    "100": _p("file is missing: check the database name"),
    "101": _p("record is missing"),
    "102": _p("field is missing: the mapped field is not on the layout"),
    "103": _p("relationship is missing"),
    "104": _p("script is missing: check the route's script name"),
    "105": _p("layout is missing: check the route's layout name"),
    "106": _p("table is missing"),
    "111": _p("field repetition is invalid"),
    "200": _p("record access is denied: privileges"),
    "201": _p("field cannot be modified: calculation or prohibited field in the mapping"),
    "202": _p("field access is denied: privileges"),
    "211": _h("password has expired: an operator must set a new one"),
    "212": _h("invalid account or password: retrying risks a 214 lockout"),
    "214": _h("too many login attempts: wait for the lockout to clear"),
    "300": _t("file is locked or in use"),
    "301": _t("record is in use by another user"),
    "302": _t("table is in use by another user"),
    "303": _t("database schema is in use by another user", 10.0),
    "304": _t("layout is in use by another user"),
    "306": _t("record modification id does not match; re-read and retry"),
    "307": _t("transaction could not be locked (communication error with the host)"),
    "400": _p("find criteria are empty: a client bug"),
    "401": _p("no records match the request"),
    "500": _p("date value fails validation"),
    "501": _p("time value fails validation"),
    "502": _p("number value fails validation"),
    "503": _p("value is out of the validation range"),
    "504": _p("value is not unique; on the event-id field it means already delivered"),
    "505": _p("value is not an existing value in the file"),
    "506": _p("value is not in the validation value list"),
    "507": _p("value fails the validation calculation"),
    "508": _p("invalid value entered in find mode"),
    "509": _p("field requires a valid value"),
    "510": _t("related value is empty: the parent record may arrive later", 10.0),
    "511": _p("value exceeds the field's maximum size"),
    "512": _t("record was already modified by another user"),
    "513": _p("data cannot fit into the field"),
    "802": _u("unable to open file: closed for maintenance or backup", 30.0),
    "803": _u("file is single-user, or the host cannot be found", 30.0),
    "812": _u("host's capacity exceeded: fewer sessions, slower", 10.0),
    "813": _t("record synchronization error on network"),
    "820": _u("file is being closed", 30.0),
    "821": _u("host forced a disconnect", 5.0),
    "951": _t("unexpected Data API error"),
    "952": _u("token invalid even after a fresh login: the server is restarting?", 5.0),
    "953": _h("annual Data API/OData transfer limit exhausted: raise the limit"),
    "954": _p("unsupported XML grammar"),
    "955": _p("no database name: a client bug"),
    "956": _u("maximum number of Data API sessions exceeded: lower max_sessions", 10.0),
    "957": _p("conflicting commands: a client bug"),
    "958": _p("parameter missing: a client bug"),
    "959": _h("the Data API (Custom Web Publishing) is disabled on the server"),
    "960": _p("parameter is invalid"),
    **{str(c): _CALC for c in range(1200, 1226)},
    "1630": _p("URL format is incorrect (Insert From URL in a script)"),
    "1631": _t("connection failed (Insert From URL in a script)"),
    "1638": _u("the host is not allowing new connections", 30.0),
    "1700": _p("resource doesn't exist"),
    "1701": _u("host is currently unable to receive requests", 30.0),
    "1702": _p("Authorization header in the wrong format: a client bug"),
    "1703": _h("invalid username, password or token"),
    "1708": _p("parameter value is invalid"),
    "1709": _t("operation invalid for the resource's current status"),
    "1710": _p("JSON input isn't syntactically valid: a client bug"),
    "1711": _h("the host's licence has expired"),
})

UNKNOWN = Rule(Transient, "unknown FileMaker code; retried, then dead-lettered", UNKNOWN_DELAY_S)

# Conditions with no FileMaker code. Labels double as the ``code`` on the exception.
TRANSPORT: Mapping[str, Rule] = MappingProxyType({
    "refused": _u("connection refused: the server or its web server is down", 5.0),
    "connect-timeout": _u("connect timed out: the server is unreachable", 5.0),
    "read-timeout": _u("no answer within read_timeout_s: overloaded?", 10.0),
    "connection-error": _u("connection reset or dropped", 5.0),
    "tls-error": _u("TLS handshake or certificate check failed: fix the certificate", 60.0),
    "http-400": _p("bad request: a client bug"),
    "http-404": _p("no such URL: check url and version (or a client bug)"),
    "http-405": _p("wrong HTTP method: a client bug"),
    "http-415": _p("wrong Content-Type: a client bug"),
    "http-429": _u("too many requests", 10.0),
    "http-502": _u("bad gateway: the Data API is not running or not enabled", 15.0),
    "http-503": _u("service unavailable", 15.0),
    "http-504": _u("gateway timeout", 15.0),
    "http-5xx": _u("server error without a FileMaker code", 15.0),
    "html": _u("an HTML page instead of JSON: a proxy or web server answered", 15.0),
    "not-json": _u("an error response that is not JSON", 15.0),
    "bad-envelope": _t("a 2xx answer that is not a Data API envelope; retried once or twice"),
})


class FileMakerFault:
    """Mixin of every FileMaker exception: the HTTP status and advice besides the code."""

    http_status: int | None = None
    advice: str = ""
    script: str | None = None            # set when a script's scriptError raised it
    script_result: str | None = None


class FileMakerTransient(FileMakerFault, Transient):
    pass


class FileMakerPermanent(FileMakerFault, Permanent):
    pass


class FileMakerUnavailable(FileMakerFault, Unavailable):
    pass


class FileMakerHalt(FileMakerFault, Halt):
    pass


_EXCEPTIONS: Mapping[type[Outcome], type[Outcome]] = MappingProxyType({
    Transient: FileMakerTransient, Permanent: FileMakerPermanent,
    Unavailable: FileMakerUnavailable, Halt: FileMakerHalt,
})


def rule_for(code: str | int) -> Rule:
    """The table row for a FileMaker code; ``UNKNOWN`` when the code has none."""
    return CODES.get(str(code).strip(), UNKNOWN)


def error_for(code: str | int, message: str, http_status: int | None = None) -> Outcome:
    """The outcome exception for a FileMaker error code (not raised; the caller raises it).

    The exception is an instance of the outcome class in the table, with ``code`` set to the
    FileMaker code, ``http_status``, ``advice`` and, for retryable classes, ``delay_s``.
    """
    code = str(code).strip()
    return _build(rule_for(code), code, message, http_status)


def classify_transport(condition: str, detail: str = "",
                       http_status: int | None = None) -> Outcome:
    """The outcome exception for a failure with no FileMaker code.

    ``condition`` is a key of ``TRANSPORT`` (``http-5xx`` stands for any other 5xx).
    """
    rule = TRANSPORT.get(condition) or TRANSPORT["http-5xx"]
    text = f"{rule.advice}: {detail}" if detail else rule.advice
    return _build(rule, condition, text, http_status)


def script_error_for(script: str, code: str | int, result: str | None = None) -> Outcome:
    """The outcome for a script that ran but returned ``scriptError`` other than ``"0"``.

    Classified by the same table as the request's own codes (a 301 inside a script is still
    a lock); ``script`` and ``script_result`` are set on the exception.
    """
    code = str(code).strip()
    text = f"script {script!r} failed with error {code}"
    if result:
        text += f" (result: {result[:200]})"
    exc = error_for(code, text)
    exc.script = script  # type: ignore[attr-defined]
    exc.script_result = result  # type: ignore[attr-defined]
    return exc


def condition_for_status(http_status: int) -> str | None:
    """The ``TRANSPORT`` label for an HTTP status with no FileMaker code; None below 400."""
    if http_status < 400:
        return None
    label = f"http-{http_status}"
    if label in TRANSPORT:
        return label
    return "http-5xx" if http_status >= 500 else "http-400"


def _build(rule: Rule, code: str, message: str, http_status: int | None) -> Outcome:
    cls = _EXCEPTIONS[rule.outcome]
    if rule.outcome in (Transient, Unavailable):
        exc = cls(message, code=code, delay_s=rule.delay_s)  # type: ignore[call-arg]
    else:
        exc = cls(message, code=code)
    exc.http_status = http_status  # type: ignore[attr-defined]
    exc.advice = rule.advice  # type: ignore[attr-defined]
    return exc
