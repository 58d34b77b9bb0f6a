"""What `loket serve` logs: starts, stops, warnings and errors with their cause — one line
per event worth an operator's attention, never one per socket.

A hall's TVs and phones open thousands of sockets a day; uvicorn (and the websockets
protocol it runs) logs two lines for each ("… "WebSocket /ws/…" [accepted]", "connection
open"), and asyncio logs "socket.send() raised exception." when a fan-out writes to a
socket whose peer vanished before its loss was noticed (the socket's close follows on
the next loop turn, and its display reconnects). Those are the life of a hall, not news.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import uvicorn.config

ROUTINE = (
    "connection open",
    "connection closed",
    '%s - "WebSocket %s" [accepted]',
    "socket.send() raised exception.",
)


# a visitor's ticket id is the secret of its holder (CONTRACT 6.1): never in a log line
SECRET_PATH = re.compile(r"(/t/|/api/v1/tickets/|/ws/ticket/)[A-Za-z0-9_-]+")


class Secrets(logging.Filter):
    """Writes the ticket ids in a line's arguments (the paths of uvicorn's access and
    WebSocket lines) as `…`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                SECRET_PATH.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class Routine(logging.Filter):
    """Drops the routine per-socket lines (matched on the unformatted message, so a
    request path cannot make a line look routine)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in ROUTINE


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration, with Loket's own loggers on the same handler and
    the routine per-socket lines filtered out."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {
        "routine": {"()": f"{__name__}.Routine"},
        "secrets": {"()": f"{__name__}.Secrets"},
    }
    config["handlers"]["default"]["filters"] = ["routine", "secrets"]
    config["handlers"]["access"]["filters"] = ["secrets"]
    for name, least in (("loket", level.upper()), ("asyncio", "WARNING")):
        config["loggers"][name] = {"handlers": ["default"], "level": least, "propagate": False}
    return config
