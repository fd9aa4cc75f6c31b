"""What happens next: the outcome tree every stage raises into.

Each branch says what the pipeline does with the event, not what went wrong:

``Invalid``
    Bad input at the ingress (or an event no schema accepts in the worker). Reject it; it
    never reaches FileMaker and is never retried.
``Permanent``
    This event cannot be delivered as it is (a field missing from the layout, a value that
    fails validation). Dead-letter it now, with the reason.
``Transient``
    Try this event again later, with backoff (a locked record, a modification-id race).
    ``delay_s`` may suggest the earliest retry.
``Unavailable``
    FileMaker as a whole is down or overloaded. Pause deliveries to that database; waiting
    does not spend the event's attempts.
``Halt``
    Retrying makes things worse (bad credentials, data-transfer limit exhausted, the Data API
    switched off). Deliveries to that database stop until an operator resumes them.

A duplicate is a normal result, not an error. Stages raise; one place (the task) catches,
decides the next state and the log level.
"""

from __future__ import annotations


class Outcome(Exception):
    """Base of every outcome. ``code`` is a FileMaker error code where one applies."""

    kind = "outcome"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (FileMaker {self.code})" if self.code else self.message


class Invalid(Outcome):
    kind = "invalid"


class Permanent(Outcome):
    kind = "permanent"


class Transient(Outcome):
    kind = "transient"

    def __init__(self, message: str, *, code: str | None = None,
                 delay_s: float | None = None) -> None:
        super().__init__(message, code=code)
        self.delay_s = delay_s


class Unavailable(Outcome):
    kind = "unavailable"

    def __init__(self, message: str, *, code: str | None = None,
                 delay_s: float | None = None) -> None:
        super().__init__(message, code=code)
        self.delay_s = delay_s


class Throttled(Unavailable):
    """The shared FileMaker budget has no free slot right now: wait ``delay_s``, spending
    nothing. Not a sign that FileMaker is unwell (it never opens a circuit)."""

    kind = "throttled"


class Halt(Outcome):
    kind = "halt"


class ConfigError(Exception):
    """The configuration file is wrong. The message names the key (and line, where known)."""
