"""A ticket's number of the day: its service's prefix, then a zero-padded count (A001).

The one definition: the queue, the stores (the Redis script gets DIGITS), the spoken
words and the voice packs all build and read numbers here (CONTRACT section 3).
"""

from __future__ import annotations

DIGITS = 3


def format_number(service: str, count: int) -> str:
    return f"{service}{count:0{DIGITS}d}"


def figures(number: str, service: str) -> str | None:
    """The count as written ('A015' → '015'), or None if `number` is not one of `service`'s."""
    if not number.startswith(service):
        return None
    written = number[len(service) :]
    return written if written.isascii() and written.isdigit() else None


def spoken_parts(number: str, service: str) -> tuple[str, str] | None:
    """(letters, count as written) to read out: 'A015' → ('A', '015'). A transferred ticket
    keeps the number of the service it was issued in, so when `number` is not one of
    `service`'s its letters are what comes before its last digits ('A002' in C → 'A')."""
    written = figures(number, service)
    if written is not None:
        return service, written
    letters = number.rstrip("0123456789")
    written = number[len(letters) :]
    return (letters, written) if letters and written else None


def parse_number(number: str, service: str) -> int | None:
    written = figures(number, service)
    return None if written is None else int(written)


def following_number(number: str, service: str) -> str | None:
    """The number issued after this one: 'A015' → 'A016'."""
    count = parse_number(number, service)
    return None if count is None else format_number(service, count + 1)
