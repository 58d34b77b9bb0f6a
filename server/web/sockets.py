"""The display socket, /ws/display/{site} (CONTRACT section 4).

First a snapshot, then every event of the site as it happens. Two tasks per socket:
one forwards the hub's messages, one answers what the display sends (resume, ping).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from server.domain.errors import NotFound
from server.hub import Subscription
from server.protocol import Event, control, dumps, envelope, error_message
from server.service import LoketService
from server.store import Snapshot

CLOSE_UNKNOWN_SITE = 4404
CLOSE_TOO_SLOW = 1013  # "try again later": the display reconnects and resyncs


class DisplayConnection:
    def __init__(
        self, ws: WebSocket, service: LoketService, site: str, subscription: Subscription
    ) -> None:
        self.ws = ws
        self.service = service
        self.site = site
        self.subscription = subscription
        self.snapshot_seq = 0

    async def send_snapshot(self) -> None:
        snapshot: Snapshot = await self.service.snapshot(self.site)
        self.snapshot_seq = max(self.snapshot_seq, snapshot.seq)
        await self.ws.send_text(
            dumps(
                envelope(
                    "snapshot",
                    self.service.epoch,
                    snapshot.seq,
                    self.service.clock(),
                    snapshot.data,
                )
            )
        )

    async def forward(self) -> None:
        while True:
            message = await self.subscription.next()
            if message is None:
                await self.ws.close(CLOSE_TOO_SLOW, "too slow: reconnect and resync")
                return
            seq, wire = message
            if seq > self.snapshot_seq:  # older ones are already in the snapshot sent
                await self.ws.send_text(wire)

    async def listen(self) -> None:
        while True:
            raw = await self.ws.receive()
            if raw["type"] == "websocket.disconnect":
                return
            text = raw.get("text")
            if text is None:
                await self.refuse("invalid_message", "Send JSON text messages.")
                continue
            try:
                message = json.loads(text)
            except ValueError:
                await self.refuse("invalid_json", "The message is not valid JSON.")
                continue
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                await self.refuse("invalid_message", "A message is an object with a 'type'.")
                continue
            await self.answer(message)

    async def answer(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "resume":
            await self.resume(message.get("epoch"), message.get("seq"))
        elif kind == "ping":
            now = self.service.clock()
            await self.ws.send_text(
                control(
                    "pong",
                    self.service.epoch,
                    now,
                    {"client": message.get("t"), "server": int(now.timestamp() * 1000)},
                )
            )
        elif kind == "hello":
            pass  # display health reports: accepted, recorded by a later version
        else:
            await self.refuse("unknown_message", f"Unknown message type {kind!r}.")

    async def resume(self, epoch: object, seq: object) -> None:
        if not isinstance(epoch, str) or not isinstance(seq, int) or isinstance(seq, bool):
            await self.refuse("invalid_resume", "resume needs 'epoch' (string) and 'seq' (int).")
            return
        events: list[Event] | None = None
        if epoch == self.service.epoch:
            events = await self.service.events_after(self.site, seq)
        if events is None:
            await self.send_snapshot()
            return
        for event in events:
            if event.seq > self.snapshot_seq:
                break  # live ones come through the subscription
            await self.ws.send_text(event.wire(self.service.epoch, replayed=True))

    async def refuse(self, code: str, message: str) -> None:
        await self.ws.send_text(
            error_message(self.service.epoch, self.service.clock(), code, message)
        )


async def display_socket(ws: WebSocket) -> None:
    service: LoketService = ws.app.state.service
    await ws.accept()
    site_id = ws.path_params["site"]
    try:
        site = service.site(site_id)
    except NotFound as unknown:
        await ws.send_text(
            error_message(service.epoch, service.clock(), unknown.code, unknown.message)
        )
        await ws.close(CLOSE_UNKNOWN_SITE, "unknown site")
        return
    with service.subscribe(site.id) as subscription:
        connection = DisplayConnection(ws, service, site.id, subscription)
        try:
            await connection.send_snapshot()
            tasks = {
                asyncio.create_task(connection.forward()),
                asyncio.create_task(connection.listen()),
            }
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                error = task.exception()
                if error is not None and not isinstance(error, WebSocketDisconnect | RuntimeError):
                    raise error
        except (WebSocketDisconnect, RuntimeError):
            return  # the display went away mid-send; it will reconnect
