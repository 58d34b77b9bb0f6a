"""Commands turned into calls of the command script.

The domain decides, here in Python, on what the command read (a `View`): its moves come
back as Changes, each becoming one step for the script — the ticket's new record, how
the site's indexes change (as SiteQueue.apply would change them) and its event's data
serialised with holes for what only the script knows. The script checks that what was
read still holds before it writes anything.

A call needs the announcement of the ticket it calls, which only Python can make. So a
call plan carries one option per ticket that might be first in line when the script
runs (the first `k` the read saw), plus one for "nobody waits"; the script takes the
option of the ticket first in line then, or answers 'stale' when it has none for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from loket.server.domain import commands
from loket.server.domain.commands import Change, CounterChange, Destination, Outcome, StatusChange
from loket.server.domain.counter_state import CounterState
from loket.server.domain.events import EventType
from loket.server.domain.queue import SiteQueue
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket, desk_line, make_ref
from loket.server.protocol import dumps
from loket.server.store.answers import answer_body
from loket.server.store.base import Announce, Result, Stamp
from loket.server.store.redis.records import (
    NUMBER,
    REF,
    SEQ,
    WAITING,
    member,
    new_record,
    order,
    record,
    with_holes,
)

_CLOSED = (Status.DONE, Status.NO_SHOW)


@dataclass(frozen=True, slots=True)
class View:
    """What a counter command read: the counter's current ticket (and its record as
    stored), the first waiting tickets of its lines, in its call order, and for a call
    by name the ticket named (and its record)."""

    site: Site
    counter: str
    current: Ticket | None
    current_record: str
    waiting: list[Ticket]
    chosen: Ticket | None = None
    chosen_record: str = ""
    kept: CounterState | None = None  # the counter's status as kept ("": none kept)
    kept_record: str = ""

    def queue(self, skip: int = 0) -> SiteQueue:
        """The part of the site's queue that was read, without the first `skip` waiting."""
        queue = SiteQueue(self.site)
        if self.kept is not None:
            queue.set_counter(self.kept)
        if self.current is not None:
            queue.apply(self.current)
        for ticket in self.waiting[skip:]:
            queue.apply(ticket)
        if self.chosen is not None and self.chosen.id not in {t.id for t in self.waiting}:
            queue.apply(self.chosen)
        return queue

    def expect(self) -> dict[str, Any]:
        ticket = "" if self.current is None else self.current.id
        expect: dict[str, Any] = {
            "counter": self.counter,
            "ticket": ticket,
            "record": self.current_record,
            "state": self.kept_record,
        }
        if self.chosen is not None:
            expect["chosen"] = {"id": self.chosen.id, "record": self.chosen_record}
        return expect


@dataclass(slots=True)
class Plan:
    """The script's call, and the domain's outcome of each of its options (or its one)."""

    call: dict[str, Any]
    outcomes: list[Outcome] = field(default_factory=list)

    def outcome(self, option: int) -> Outcome:
        return self.outcomes[max(option, 1) - 1]


def issue(
    site: Site,
    ticket_id: str,
    service: str,
    stamp: Stamp,
    *,
    priority: bool,
    lang: str | None,
) -> Plan:
    # the domain makes the ticket on an empty queue: its number and serial are the script's
    outcome = commands.issue(
        SiteQueue(site), ticket_id, service, priority=priority, lang=lang, now=stamp.at
    )
    call: dict[str, Any] = {"steps": _steps(site, outcome, {}, stamp.at, None), **_by(stamp)}
    limit = site.service(service).max_waiting
    if limit is not None:  # checked by the script, where it is atomic
        call["limit"] = {"service": service, "max": limit}
    return Plan(call, [outcome])


def call_next(view: View, stamp: Stamp, announce: Announce, idempotency: str | None = None) -> Plan:
    now = stamp.at
    plan = Plan({"expect": view.expect(), **_by(stamp)})
    before = _known(view)
    options = []
    for skip in range(len(view.waiting) + 1):
        outcome = commands.call_next(view.queue(skip), view.counter, now, by=stamp.by)
        called = outcome.ticket if outcome.error is None else None
        options.append(
            {
                "member": "" if called is None else member(before[called.id]),
                "steps": _steps(view.site, outcome, before, now, announce),
                "refused": outcome.error is not None,
                **_answer(outcome, idempotency),
            }
        )
        plan.outcomes.append(outcome)
    # the lines of the services it serves once open (CONTRACT 6.2)
    services = view.queue().counter_state(view.counter, now).services
    plan.call["choose"] = {
        "desk": desk_line(view.counter),
        "services": list(services),
        "options": options,
    }
    return plan


def call(view: View, name: str, stamp: Stamp, announce: Announce) -> Plan:
    outcome = commands.call(view.queue(), view.counter, view.chosen, name, stamp.at, by=stamp.by)
    return _counter_move(view, outcome, stamp, announce)


def hold(view: View, stamp: Stamp) -> Plan:
    return _counter_move(view, commands.hold(view.queue(), view.counter), stamp)


def recall(view: View, stamp: Stamp, announce: Announce) -> Plan:
    return _counter_move(view, commands.recall(view.queue(), view.counter), stamp, announce)


def finish(view: View, status: Status, stamp: Stamp) -> Plan:
    outcome = commands.finish(view.queue(), view.counter, status, stamp.at)
    return _counter_move(view, outcome, stamp)


def transfer(view: View, to: Destination, stamp: Stamp, announce: Announce | None) -> Plan:
    outcome = commands.transfer(view.queue(), view.counter, to, stamp.at)
    return _counter_move(view, outcome, stamp, announce)


def set_status(view: View, change: StatusChange, stamp: Stamp) -> Plan:
    outcome = commands.set_status(view.queue(), view.counter, change, stamp.at, by=stamp.by)
    return _counter_move(view, outcome, stamp)


def state_record(site: Site, state: CounterState) -> str:
    """A counter's status as kept, with its local day for the scripts to compare."""
    return dumps({**state.record(), "day": site.local_day(state.since).isoformat()})


def _counter_move(
    view: View, outcome: Outcome, stamp: Stamp, announce: Announce | None = None
) -> Plan:
    steps = _steps(view.site, outcome, _known(view), stamp.at, announce)
    return Plan({"expect": view.expect(), "steps": steps, **_by(stamp)}, [outcome])


def _by(stamp: Stamp) -> dict[str, str]:
    """Who made the command, for the script to keep with its events ('': a visitor)."""
    return {"actor": stamp.by or ""}


def _known(view: View) -> dict[str, Ticket]:
    known = {ticket.id: ticket for ticket in view.waiting}
    for ticket in (view.current, view.chosen):
        if ticket is not None:
            known[ticket.id] = ticket
    return known


def _answer(outcome: Outcome, idempotency: str | None) -> dict[str, str]:
    """The answer kept under an Idempotency-Key; the script fills in the seq."""
    if idempotency is None:
        return {}
    if outcome.error is not None:
        return {"answer": dumps(answer_body(None, outcome.error))}
    body = answer_body(Result(outcome.ticket.to_json(), 0), None)
    body["seq"] = SEQ
    return {"answer": with_holes(body, "seq")}


def _steps(
    site: Site,
    outcome: Outcome,
    before: dict[str, Ticket],
    now: datetime,
    announce: Announce | None,
) -> list[dict[str, Any]]:
    steps = []
    known = dict(before)
    for change in outcome.changes:
        if isinstance(change, CounterChange):
            record = state_record(site, change.state)
            counter = {"id": change.state.counter, "record": record}
            steps.append(
                {
                    "event": change.event,
                    "counter": counter,
                    "data": dumps(change.payload().to_json()),
                }
            )
            continue
        steps.append(_step(site, change, known.get(change.ticket.id), now, announce))
        known[change.ticket.id] = change.ticket
    return steps


def _step(
    site: Site, change: Change, old: Ticket | None, now: datetime, announce: Announce | None
) -> dict[str, Any]:
    """One change: the ticket's new record, the indexes it moves in, its event."""
    ticket = change.ticket
    step: dict[str, Any] = {"id": ticket.id, "event": change.event}
    holes = ["waiting"]
    if old is None:  # issued: the script numbers it and places it
        day = ticket.day.isoformat()
        step["new"] = {
            "service": ticket.service,
            "day": day,
            "order": order(ticket),
            "ref": make_ref(ticket.day, ""),  # the script adds the number
        }
        step["record"] = new_record(ticket)
        change = replace(change, ticket=replace(ticket, number=NUMBER))
        holes += ["number", "ref"]
    else:
        step["record"] = record(ticket)
        if old.status is Status.WAITING:
            step["unwait"] = {"service": old.line, "member": member(old)}
        elif old.status is Status.CALLED and old.counter is not None:
            step["leave"] = old.counter
        elif old.status is Status.HELD and old.counter is not None:
            step["unheld"] = old.counter
        if ticket.status is Status.WAITING:
            step["wait"] = {"service": ticket.line, "member": member(ticket)}
    if ticket.status is Status.CALLED:
        step["take"] = ticket.counter
    if ticket.status is Status.HELD:
        step["hold"] = ticket.counter
    if ticket.status in _CLOSED:
        step["closed"] = True
    if change.event is EventType.CALLED:
        step["recent"] = f"{change.counter} {change.recall}"
    data = change.payload(change.announcement(site, announce, now)).to_json()
    data["waiting"] = WAITING
    if old is None:
        data["ticket"]["ref"] = REF
    step["data"] = with_holes(data, *holes)
    return step
