"""A new version of the site file, taken while the server runs: what it changes, and what
it may not change.

Names, services, counters (and which services each serves), the running text and the
display's settings may change. A site's id, time zone, languages and announcements may not
(numbers, days, audio and voice packs were made for them: a restart takes those), and no
site may be added or removed: a site has its history, its displays and its kiosks.
A service may go only while nobody waits for it, a counter only while it serves nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError
from loket.server.domain.site import Counter, Service, Site


class ChangeRefused(DomainError):
    """The new file asks for a change that needs a restart."""

    code = ErrorCode.RELOAD_REFUSED


class InUse(DomainError):
    """A service with people waiting, or a counter serving someone, is not in the new file."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.code = code


FIXED = ("timezone", "languages", "announcements")


def check_fixed(old: Sequence[Site], new: Sequence[Site]) -> None:
    """Refuses a new file that adds or removes a site or changes what only a restart takes."""
    before, after = {s.id for s in old}, {s.id for s in new}
    if before != after:
        added, removed = sorted(after - before), sorted(before - after)
        what = "; ".join(
            f"{verb} {', '.join(ids)}"
            for verb, ids in (("adds", added), ("removes", removed))
            if ids
        )
        raise ChangeRefused(
            f"The new file {what}: sites are added or removed by a restart. Nothing was changed."
        )
    by_id = {s.id: s for s in old}
    for site in new:
        for name in FIXED:
            if getattr(site, name) != getattr(by_id[site.id], name):
                raise ChangeRefused(
                    f"The new file changes the {name} of site {site.id}: that takes a restart. "
                    "Nothing was changed."
                )


def removes_any(old: Site, new: Site) -> bool:
    """Whether the new version of a site leaves out any of its services or counters."""
    return bool(
        {s.id for s in old.services} - {s.id for s in new.services}
        or {c.id for c in old.counters} - {c.id for c in new.counters}
    )


def check_removals(
    old: Site, new: Site, waiting: Mapping[str, int], serving: Iterable[str]
) -> None:
    """Refuses removing a service that people wait for, or a counter serving a ticket.
    `waiting`: the live tickets of each service (waiting in any line, held, or at a
    counter: a held one is called back as its service's); `serving`: the counters with a
    ticket (current, held, or sent to its own line: SiteQueue.usage)."""
    kept_services = {s.id for s in new.services}
    for service in old.services:
        count = waiting.get(service.id, 0)
        if service.id not in kept_services and count:
            raise InUse(
                f"Service {service.id} of site {old.id} has {count} waiting (or held): it "
                "cannot be removed until they are served (or transferred). Nothing was changed.",
                ErrorCode.SERVICE_IN_USE,
            )
    kept_counters = {c.id for c in new.counters}
    for counter in serving:
        if counter not in kept_counters:
            raise InUse(
                f"Counter {counter} of site {old.id} is serving, holding or expecting a ticket: "
                "it cannot be removed until it is done. Nothing was changed.",
                ErrorCode.COUNTER_IN_USE,
            )


def _items(
    kind: str,
    old: Sequence[Service] | Sequence[Counter],
    new: Sequence[Service] | Sequence[Counter],
) -> list[str]:
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    lines = [f"{kind} {key} added" for key in after if key not in before]
    lines += [f"{kind} {key} removed" for key in before if key not in after]
    for key, item in after.items():
        was = before.get(key)
        if was is None:
            continue
        if was.name != item.name:
            lines.append(f"{kind} {key} renamed")
        if isinstance(item, Counter) and isinstance(was, Counter):
            if was.services != item.services:
                lines.append(f"{kind} {key} now serves {', '.join(item.services)}")
        elif isinstance(item, Service) and isinstance(was, Service):
            if was.max_waiting != item.max_waiting:
                lines.append(f"{kind} {key} takes at most {item.max_waiting or 'any number'}")
    if [i for i in before if i in after] != [i for i in after if i in before]:
        lines.append(f"{kind}s reordered")
    return lines


def describe(old: Sequence[Site], new: Sequence[Site]) -> list[str]:
    """What changed, one line each ("demo: counter 4 added"); empty when nothing did."""
    by_id = {s.id: s for s in old}
    lines: list[str] = []
    for site in new:
        was = by_id[site.id]
        changes = []
        if was.name != site.name:
            changes.append("site renamed")
        changes += _items("service", was.services, site.services)
        changes += _items("counter", was.counters, site.counters)
        if was.ticker != site.ticker:
            changes.append("running text changed")
        if was.display != site.display:
            changes.append("display labels changed")
        if was.remote_tickets != site.remote_tickets:
            changes.append(f"remote tickets {'on' if site.remote_tickets else 'off'}")
        lines += [f"{site.id}: {change}" for change in changes]
    return lines
