"""The serving process's side of its speech process (server/announce/speaker.py): starts it
when first needed, hands it one job at a time, and ends it.

A speech process that dies or hangs fails the job it had (SpeakerGone) and is started
afresh for the next one. It is always waited for, so none is left a zombie; and it ends by
itself when its stdin closes, also when this process is killed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import loket.server

RENDER_TIMEOUT = 10.0  # s: a segment takes milliseconds; this long means it is stuck
CLOSE_TIMEOUT = 2.0  # s for it to end by itself once stdin closes, before it is killed


class SpeakerGone(Exception):
    """The speech process ended (or was ended) before answering."""


class SpeakerLink:
    def __init__(
        self,
        folder: Path,
        max_bytes: int,
        timeout: float = RENDER_TIMEOUT,
        program: Sequence[str] = (sys.executable, "-m", "loket.server.announce.speaker"),
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.program = tuple(program)  # tests put a process that misbehaves here
        self.started = 0  # speech processes started so far (tests, logs)
        self._process: asyncio.subprocess.Process | None = None
        self._next_id = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def render(self, job: dict[str, Any]) -> str | None:
        """Has the job rendered into the disk cache; the speech process's error, if any."""
        if self._process is not None and self._process.returncode is not None:
            await self._end(self._process)  # died while idle: reaped, and a new one starts
        process = self._process or await self._start()
        assert process.stdin is not None and process.stdout is not None
        self._next_id += 1
        line = json.dumps({**job, "id": self._next_id}) + "\n"
        try:
            process.stdin.write(line.encode())
            await process.stdin.drain()
            answer = await asyncio.wait_for(process.stdout.readline(), self.timeout)
        except (OSError, TimeoutError) as error:
            await self._end(process, kill=True)
            raise SpeakerGone(f"the speech process did not answer ({error!r})") from None
        if not answer:
            await self._end(process)
            raise SpeakerGone(f"the speech process ended (exit {process.returncode})")
        try:
            reply = json.loads(answer)
            if reply["id"] != self._next_id:  # cannot happen with one job at a time
                raise ValueError("an answer to another job")
        except (ValueError, KeyError, TypeError):
            await self._end(process, kill=True)
            raise SpeakerGone(f"the speech process answered {answer[:80]!r}") from None
        failed = reply.get("error")
        return str(failed) if failed is not None else None

    async def start(self) -> None:
        """Starts the speech process now rather than at the first job: its imports take a
        few hundred milliseconds, better spent before the first call than after it."""
        if self._process is None:
            await self._start()

    async def close(self) -> None:
        if self._process is not None:
            await self._end(self._process)

    async def _start(self) -> asyncio.subprocess.Process:
        env = dict(os.environ)
        # the speech process imports this same `loket` package, wherever it came from (not
        # resolved: a bench links a checkout's folders into a `loket` folder of its own)
        here = str(Path(loket.server.__file__).parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        self._process = await asyncio.create_subprocess_exec(
            *self.program,
            str(self.folder),
            str(self.max_bytes),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        self.started += 1
        return self._process

    async def _end(self, process: asyncio.subprocess.Process, kill: bool = False) -> None:
        """Closes its stdin, gives it a moment, kills it if need be, and reaps it."""
        if self._process is process:
            self._process = None
        if kill and process.returncode is None:
            process.kill()
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), CLOSE_TIMEOUT)
        except TimeoutError:
            if process.returncode is None:
                process.kill()
            await process.wait()
