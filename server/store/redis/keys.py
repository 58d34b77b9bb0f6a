"""Where Loket keeps things in Redis, and for how long. Every name starts with `loket:`.

loket:epoch                      the epoch of the history Redis holds
loket:users                      hash: username → {"role", "counters", "hash", "disabled",
                                 "stamp"} (users.py)
loket:users-changed              the pub/sub channel: a user was changed (the username)
loket:session:<token hash>       {"username", "csrf", "expires", "stamp"}, expiring with it
loket:idem:<username>:<key>      an idempotent answer; loket:idempotency indexes them
loket:ticket:<id>                a ticket's record (a closed one expires, KEEP_TICKETS)
loket:site:<site>:seq            the seq of the site's last event
loket:site:<site>:epoch          the epoch its seq and history belong to
loket:site:<site>:events         stream of its events, entry id <seq>-0
loket:site:<site>:waiting:<line> sorted set of waiting tickets, by member (see records);
                                 a line is a service's, or "@<counter>" for a counter's own
loket:site:<site>:current        hash: counter → the id of its current ticket
loket:site:<site>:held:<counter> sorted set of the ids of the tickets it holds, by seq
loket:site:<site>:refs:<day>     hash: number → the id of that day's ticket (to call it
                                 by name: tickets issued before it existed are not in it)
loket:site:<site>:ratings:<day>  hash: number → the rating (JSON) of that day's ticket, kept
                                 for good (its ticket's record expires; CONTRACT 6.4)
loket:site:<site>:rated          stream of the ratings kept, {"epoch", "rating" (JSON)}, for
                                 the archive (server/archive/ratings.py), which deletes
                                 each once PostgreSQL has it; capped at RATED_CAP
loket:site:<site>:recent         list of the recent calls, "id counter recall"
loket:site:<site>:number:<svc>:<day>  the last number given that day
loket:site:<site>:kiosks         hash: kiosk id → {"name", "hash" (of its key), "created",
                                 "counter" (only for a desk's rating device)}
loket:site:<site>:kiosks:used    hash: kiosk id → when it was last used (ISO 8601)
loket:site:<site>:screens        hash: screen id → the name an admin gave it
loket:site:<site>:screens:removed  hash: screen id → when an admin removed it (ms since 1970)
loket:allowance:<key>            list of the times (ms) of a key's recent uses, expiring
loket:events:<site>              the pub/sub channel of the site's events
loket:site:<site>:ticker         hash: language → the running text an admin set (server/hall.py)
loket:sites-file                 the text of the site file a process took last (a reload)
loket:sites-changed              the pub/sub channel: a site file was taken, a running text set
"""

from __future__ import annotations

from datetime import timedelta

PREFIX = "loket:"

# a closed ticket stays readable (a visitor's page) this long; numbers restart daily
KEEP_TICKETS = timedelta(days=30)
NUMBER_TTL = timedelta(days=3)
# the history stream's cap, a safety net if nobody prunes: well above a day of a busy
# site's events (pruning keeps KEEP_EVENTS and KEEP_HISTORY, and what the archive has
# yet to take, trim.lua: then this is the bound; trimming is approximate)
STREAM_CAP = 100_000
# ratings waiting for the archive: more than a week of a large hall's (3,150 tickets a
# day, every one rated), as the events' cap is; without an archive, the last ones (~9 MB)
RATED_CAP = 30_000


def users() -> str:
    return PREFIX + "users"


def users_channel() -> str:
    return PREFIX + "users-changed"


def session(token_hash: str) -> str:
    return f"{PREFIX}session:{token_hash}"


def idempotency(username: str, key: str) -> str:
    return f"{PREFIX}idem:{username}:{key}"


def ticket(ticket_id: str) -> str:
    return f"{PREFIX}ticket:{ticket_id}"


def site(site_id: str, part: str) -> str:
    return f"{PREFIX}site:{site_id}:{part}"


def waiting(site_id: str, service: str) -> str:
    return site(site_id, f"waiting:{service}")


def events(site_id: str) -> str:
    return site(site_id, "events")


def ratings(site_id: str, day: str) -> str:
    """The ratings of the tickets of the site's local `day` (ISO), by number."""
    return site(site_id, f"ratings:{day}")


def rated(site_id: str) -> str:
    """The stream of the site's ratings, for the archive."""
    return site(site_id, "rated")


def kiosks(site_id: str) -> str:
    return site(site_id, "kiosks")


def kiosks_used(site_id: str) -> str:
    return site(site_id, "kiosks:used")


def screen_names(site_id: str) -> str:
    return site(site_id, "screens")


def screen_removals(site_id: str) -> str:
    return site(site_id, "screens:removed")


def allowance(key: str) -> str:
    return f"{PREFIX}allowance:{key}"


def channel(site_id: str) -> str:
    return f"{PREFIX}events:{site_id}"


def ticker(site_id: str) -> str:
    return site(site_id, "ticker")


def sites_file() -> str:
    return PREFIX + "sites-file"


def sites_channel() -> str:
    return PREFIX + "sites-changed"
