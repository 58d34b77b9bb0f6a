"""A fault-injecting TCP proxy for tests: cut, stall and blackhole the links to a server.

It listens on 127.0.0.1 (a free port) and forwards every connection to the target port.
It runs its own event loop in a thread of its own, so that synchronous tests can drive it:

- `cut()` resets every current connection at once (SO_LINGER 0: an RST to both sides);
- `stall(seconds)` stops forwarding in both directions for a while, keeping the sockets
  open, then lets everything held back through;
- `blackhole(True)` silently swallows every byte of every connection, current and new,
  like a dead network path; `blackhole(False)` ends it for new connections, and the ones
  that lived through it stay dead: they are reset (or, with `drop=False`, kept as zombies
  that swallow everything until their peer gives up);
- `close()` stops it all; every loop of the proxy ends there.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from tests.support.processes import OnLocalPort

T = TypeVar("T")
CHUNK = 65536
CONNECT_TIMEOUT = 5.0


def _reset(writer: asyncio.StreamWriter | None) -> None:
    """Close abruptly: an RST rather than a FIN, and nothing buffered is sent."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Link:
    """One client connection and, unless it was born in a blackhole, its upstream twin."""

    def __init__(self, client: asyncio.StreamWriter, dead: bool) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.dead = dead  # went through a blackhole: swallows everything, for good
        self.tasks: list[asyncio.Task[None]] = []

    def reset(self) -> None:
        _reset(self.client)
        _reset(self.upstream)
        for task in self.tasks:
            task.cancel()


class FaultProxy(OnLocalPort):
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.links: set[_Link] = set()
        self.accepted = 0  # connections accepted since start, for tests to check on
        self._blackholed = False
        self._flowing: asyncio.Event | None = None  # cleared while stalled
        self._stall_ends: asyncio.TimerHandle | None = None
        self._server: asyncio.base_events.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy")
        self._thread.daemon = True

    # -- life -------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._call(self._close(), timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._stall_ends is not None:
            self._stall_ends.cancel()
        for link in list(self.links):
            link.reset()
        self.links.clear()
        # a connection accepted just before the close starts its task after the first
        # sweep: sweep until none is left, so no coroutine outlives the loop
        for _ in range(10):
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if not tasks:
                break
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- faults -------------------------------------------------------------------

    def cut(self) -> int:
        """Reset every current connection; answers how many there were."""
        return self._call(self._cut())

    async def _cut(self) -> int:
        links = list(self.links)
        for link in links:
            link.reset()
        self.links.difference_update(links)
        return len(links)

    def stall(self, seconds: float) -> None:
        """Hold every byte back in both directions for `seconds` (returns at once)."""
        self._call(self._stall(seconds))

    async def _stall(self, seconds: float) -> None:
        assert self._flowing is not None
        self._flowing.clear()
        if self._stall_ends is not None:
            self._stall_ends.cancel()
        self._stall_ends = asyncio.get_running_loop().call_later(seconds, self._flowing.set)

    @property
    def stalled(self) -> bool:
        return self._flowing is not None and not self._flowing.is_set()

    def blackhole(self, on: bool, *, drop: bool = True) -> None:
        """Swallow everything (on), or end the blackhole for new connections (off): the
        ones that lived through it are reset (drop) or stay dead until their peer leaves."""
        self._call(self._blackhole(on, drop))

    async def _blackhole(self, on: bool, drop: bool) -> None:
        self._blackholed = on
        dead = [link for link in self.links if link.dead]
        if on:
            for link in self.links:
                link.dead = True
        elif drop:
            for link in dead:
                link.reset()
            self.links.difference_update(dead)

    @property
    def blackholed(self) -> bool:
        return self._blackholed

    # -- forwarding -----------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        link = _Link(writer, dead=self._blackholed)
        self.links.add(link)
        try:
            if link.dead:  # born in a blackhole: nothing reaches the server
                link.tasks = [asyncio.ensure_future(self._swallow(reader))]
            else:
                try:
                    up_reader, up_writer = await asyncio.wait_for(
                        asyncio.open_connection(*self.target), CONNECT_TIMEOUT
                    )
                except (OSError, TimeoutError):
                    _reset(writer)  # the server is down: refuse, as a closed port would
                    return
                link.upstream = up_writer
                if link not in self.links:  # cut while connecting
                    return
                link.tasks = [
                    asyncio.ensure_future(self._pump(reader, up_writer, link, from_client=True)),
                    asyncio.ensure_future(self._pump(up_reader, writer, link, from_client=False)),
                ]
            # the first pump to end (a peer closed, or a reset) ends the link
            await asyncio.wait(link.tasks, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass
        finally:
            self.links.discard(link)
            for task in link.tasks:
                task.cancel()
            _close_quietly(writer)
            _close_quietly(link.upstream)

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError):
            while await reader.read(CHUNK):
                pass

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        from_client: bool,
    ) -> None:
        assert self._flowing is not None
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await self._flowing.wait()  # a stall holds the bytes here
                if link.dead:
                    continue  # the blackhole: read and forget
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        if link.dead and not from_client:
            # the server left, but a dead path tells the client nothing: wait for a reset
            await asyncio.Future()
        # a peer closed: the link ends, what was written still goes out (a graceful close)

    # -- plumbing -------------------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)


def _close_quietly(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None and not writer.is_closing():
        with contextlib.suppress(Exception):
            writer.close()
