"""The floor: the least a Python WebSocket fan-out can cost on this machine.

A minimal `websockets` server (asyncio API, compression off, the same keep-alive and
size limits as `loket serve`). Any path but /control is a display: it gets a small
snapshot on connect, and a `pong` for every `{"type": "ping", "t": ...}` it sends.
The /control socket triggers a broadcast: `{"type": "trigger", "seq": S, "size": L}`
makes the server encode one ticket.issued-shaped envelope of L bytes (seq S) and hand
it to `websockets.broadcast()` for every display — the same one-encode-many-writes shape
as Loket's hub.

Run: python bench/_floor_server.py --port 0   (prints "floor ready on port N")
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, broadcast, serve

DISPLAYS: set[ServerConnection] = set()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _ts() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


SNAPSHOT = _dumps(
    {
        "v": 1,
        "type": "snapshot",
        "epoch": "floor",
        "seq": 0,
        "ts": _ts(),
        "data": {"now_serving": [], "recent": [], "waiting": {"A": 0, "B": 0, "C": 0}},
    }
)


def issued(seq: int, size: int) -> str:
    """A ticket.issued-shaped envelope, padded to `size` bytes."""
    message = {
        "v": 1,
        "type": "ticket.issued",
        "epoch": "floor",
        "seq": seq,
        "ts": _ts(),
        "data": {"ticket": {"id": "x", "number": f"A{seq:03d}", "pad": ""}, "waiting": {"A": 1}},
    }
    short = len(_dumps(message).encode())
    message["data"]["ticket"]["pad"] = "x" * max(0, size - short)  # type: ignore[index]
    return _dumps(message)


async def handler(ws: ServerConnection) -> None:
    path = ws.request.path if ws.request is not None else "/"
    if path.startswith("/control"):
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "trigger":
                broadcast(tuple(DISPLAYS), issued(int(message["seq"]), int(message["size"])))
        return
    await ws.send(SNAPSHOT)
    DISPLAYS.add(ws)
    try:
        async for raw in ws:
            message = json.loads(raw)
            if isinstance(message, dict) and message.get("type") == "ping":
                now = datetime.now(UTC)
                await ws.send(
                    _dumps(
                        {
                            "v": 1,
                            "type": "pong",
                            "epoch": "floor",
                            "seq": None,
                            "ts": _ts(),
                            "data": {
                                "client": message.get("t"),
                                "server": int(now.timestamp() * 1000),
                            },
                        }
                    )
                )
    finally:
        DISPLAYS.discard(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.cancel)
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        ping_interval=20.0,
        ping_timeout=30.0,
        max_size=64 * 1024,
        backlog=2048,
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"floor ready on port {bound}", flush=True)
        try:
            await stop
        except asyncio.CancelledError:
            pass


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
