"""What the stages share about the one event being worked on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from shared.config import Route
from shared.eventstore import Claim, EventRecord


@dataclass
class Delivery:
    """The stages' notes as they go; ``result`` set means the pipeline stops there."""

    record: EventRecord
    claim: Claim
    route: Route | None = None
    result: str | None = None          # "delivered" | "duplicate" | "ignored"
    message: str = ""
    record_id: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def event_id(self) -> str:
        return self.record.envelope.id

    def done(self, result: str, message: str = "", record_id: str | None = None) -> None:
        self.result, self.message, self.record_id = result, message, record_id
