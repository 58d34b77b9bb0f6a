"""A hall's log says what an operator needs — starts, stops, errors — not a line per socket."""

from __future__ import annotations

import asyncio
import logging
import logging.config
from pathlib import Path

from websockets.asyncio.client import connect

from loket.server.logs import log_config
from tests.support.server import LoketServer


async def _open_and_drop(url: str, count: int) -> None:
    for _ in range(count):
        async with connect(f"{url}/ws/display/demo") as ws:
            await ws.recv()  # its snapshot


def test_sockets_coming_and_going_log_nothing(tmp_path: Path) -> None:
    server = LoketServer(tmp_path)
    with server.running():
        asyncio.run(_open_and_drop(server.ws_url, 30))
    log = "".join(server.output)
    assert "Loket is ready" in log and "Application startup complete" in log
    assert "Shutting down" in log
    for routine in ("connection open", "connection closed", '"WebSocket /ws', "socket.send()"):
        assert routine not in log, routine


def test_the_filter_keeps_warnings_and_errors_and_drops_routine_lines(
    capsys: object, tmp_path: Path
) -> None:
    logging.config.dictConfig(log_config())
    try:
        logging.getLogger("asyncio").warning("socket.send() raised exception.")
        logging.getLogger("uvicorn.error").info("connection open")
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "1.2.3.4:5", "/ws/display/demo"
        )
        logging.getLogger("loket").warning("the store %s is away", "redis://x")
        logging.getLogger("asyncio").error("Task exception was never retrieved")
        # a path cannot disguise a line as routine
        logging.getLogger("uvicorn.error").info("%s", "connection open")
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err.count("\n") == 3, err
    assert "the store redis://x is away" in err
    assert "Task exception was never retrieved" in err
    assert "socket.send()" not in err and "[accepted]" not in err


def test_no_visitors_ticket_id_reaches_the_log(capsys: object) -> None:
    """A ticket's id is its holder's secret (issue 14, attack 11): the paths that carry
    one are logged with `…` in its place."""
    secret = "vi_GW5MPubf4unzpyFq_NQ"
    logging.config.dictConfig(log_config())
    try:
        access = logging.getLogger("uvicorn.access")
        for path in (f"/t/{secret}", f"/api/v1/tickets/{secret}", f"/t/{secret}/qr.svg?lang=id"):
            access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.5:4000", "GET", path, "1.1", 200)
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" %s', "10.0.0.5:4000", f"/ws/ticket/{secret}", "403"
        )
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    out = capsys.readouterr()  # type: ignore[attr-defined]
    lines = out.out + out.err
    assert lines.count("\n") == 4, lines
    assert secret not in lines
    assert "/t/… " in lines and "/api/v1/tickets/… " in lines and "/t/…/qr.svg" in lines
