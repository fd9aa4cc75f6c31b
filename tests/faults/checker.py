"""The fault suite's checker: what the senders were told against what FileMaker holds.

Modelled on Jepsen's ``total-queue`` ("what goes in must come out"), over three lists the
harness collects once the pipeline has settled (or a bounded wait ran out):

- the senders' **ledger**: one :class:`Send` per HTTP request (the sender's own event key,
  the ingress's status, the Hookmaker event id it answered with);
- FileMaker's **effects**: one :class:`Effect` per record (its event id, and the sender key
  read back from the record itself, so a record whose 2xx never reached the sender is
  still attributed);
- the event store's **finals**: one :class:`Final` per stored event (state, and for dead
  letters the cause).

Verdicts, per sender key:

- **lost**: acknowledged (some send got a 2xx) but no record in FileMaker and not
  dead-lettered. ``in_flight`` says which of those the store still holds unfinished, and
  ``missing`` which it does not hold at all (the 2xx was not durable);
- **duplicated**: more than one record;
- **dead**: dead-lettered (no record), with the cause (the last attempt's outcome and code);
- **unexpected**: a record whose key nobody sent;
- **unsettled**: acknowledged, and the store still holds it unfinished (received, in
  progress, scheduled) once the run is over, whatever FileMaker holds: a record may have
  landed, but the event was never accounted for (promise 2).

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from shared.eventstore import FINAL_STATES


@dataclass(frozen=True)
class Send:
    """One request a sender made, and what it was told."""

    key: str                       # the sender's own event key (Stripe ``id``)
    status: int | None             # the HTTP status; None: no answer (refused, timed out)
    event_id: str | None = None    # the Hookmaker event id of a 2xx answer

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Effect:
    """One record in FileMaker."""

    key: str                       # the sender key the record carries (payload ``id``)
    event_id: str = ""             # its EventId field


@dataclass(frozen=True)
class Final:
    """One event as the event store holds it at the end."""

    key: str
    event_id: str
    state: str
    cause: str = ""                # dead letters: "<outcome> <code>: message" of the last try


@dataclass(frozen=True)
class Verdict:
    sent: int                                  # distinct sender keys sent
    acknowledged: int                          # ... of which at least one send got a 2xx
    delivered: int                             # acknowledged keys with a record
    lost: tuple[str, ...]
    duplicated: Mapping[str, int]              # key -> number of records (> 1)
    dead: Mapping[str, str]                    # key -> cause
    unexpected: tuple[str, ...]
    in_flight: tuple[str, ...] = ()            # lost keys still unfinished in the store
    missing: tuple[str, ...] = ()              # lost keys the store does not hold at all
    ignored: tuple[str, ...] = ()              # acknowledged, no route wanted them
    effects_by_count: Mapping[int, int] = field(default_factory=dict)   # records -> keys
    unsettled: tuple[str, ...] = ()            # acknowledged keys the store never finished

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing doubled, nothing invented."""
        return not (self.lost or self.duplicated or self.unexpected)

    def dead_causes(self) -> Counter[str]:
        """How many dead letters each outcome kind (``unavailable``, ``permanent``...) made."""
        return Counter((cause.split(":", 1)[0].split() or ["?"])[0]
                       for cause in self.dead.values())

    def summary(self) -> str:
        """One line for test output and reports."""
        causes = ", ".join(f"{c} x{n}" for c, n in sorted(self.dead_causes().items()))
        return (f"sent {self.sent}, acknowledged {self.acknowledged}, delivered "
                f"{self.delivered}, lost {len(self.lost)} (in flight {len(self.in_flight)}, "
                f"missing from the store {len(self.missing)}), duplicated "
                f"{len(self.duplicated)} (extra records "
                f"{sum(n - 1 for n in self.duplicated.values())}), dead {len(self.dead)}"
                f"{' [' + causes + ']' if causes else ''}, unexpected {len(self.unexpected)}, "
                f"unsettled in the store {len(self.unsettled)}")


def check(ledger: Iterable[Send], effects: Iterable[Effect],
          finals: Iterable[Final] = ()) -> Verdict:
    """Compare the ledger with FileMaker's records and the store's final states."""
    sends = list(ledger)
    sent_keys = {s.key for s in sends}
    acked = {s.key for s in sends if s.acknowledged}
    records = Counter(e.key for e in effects)
    by_key: dict[str, list[Final]] = defaultdict(list)
    for final in finals:
        by_key[final.key].append(final)

    dead: dict[str, str] = {}
    ignored, lost, in_flight, missing = [], [], [], []
    unsettled = tuple(key for key in sorted(acked)
                      if any(f.state not in FINAL_STATES for f in by_key.get(key, [])))
    for key in sorted(acked):
        if records[key]:
            continue
        states = by_key.get(key, [])
        dead_here = [f for f in states if f.state == "dead"]
        if dead_here:
            dead[key] = dead_here[0].cause
        elif any(f.state == "ignored" for f in states):
            ignored.append(key)
        else:
            lost.append(key)
            (in_flight if states else missing).append(key)
    return Verdict(
        sent=len(sent_keys), acknowledged=len(acked),
        delivered=sum(1 for k in acked if records[k]), lost=tuple(lost),
        duplicated={k: n for k, n in sorted(records.items()) if n > 1}, dead=dead,
        unexpected=tuple(sorted(k for k in records if k not in sent_keys)),
        in_flight=tuple(in_flight), missing=tuple(missing), ignored=tuple(ignored),
        effects_by_count=dict(sorted(Counter(records[k] for k in acked).items())),
        unsettled=unsettled)
