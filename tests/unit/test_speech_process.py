"""Speech in its own process, the parts that run in this one: the order of jobs
(server/announce/backlog.py), the renderer that feeds the speech process one job at a time
(renderer.py) with a stand-in for the process, and what a display is answered. The real
speech process: tests/integration/test_speech_process.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from loket.server.announce.backlog import Backlog
from loket.server.announce.renderer import Renderer
from loket.server.announce.speaker_link import SpeakerLink
from loket.server.announce.speech_errors import SpeechBusy, SpeechLate, SpeechUnavailable
from tests.support.waiting import wait_until_async

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def job(key: str) -> dict[str, Any]:
    return {"key": key}


# -- the order (pure) ------------------------------------------------------------------------


async def test_calls_go_before_speculation_and_the_newest_call_first() -> None:
    backlog = Backlog(clock=Clock())
    backlog.add("ahead", job("ahead"), False, NOW + 5, NOW + 60)
    backlog.add("older", job("older"), True, NOW - 2, NOW + 4)
    backlog.add("newest", job("newest"), True, NOW, NOW + 4)
    backlog.add("old", job("old"), True, NOW - 1, NOW + 4)
    taken = [backlog.take() for _ in range(5)]
    assert [j.key if j else None for j in taken] == ["newest", "old", "older", "ahead", None]


async def test_asking_again_raises_a_job_instead_of_queueing_it_twice() -> None:
    backlog = Backlog(clock=Clock())
    first = backlog.add("next", job("next"), False, NOW - 10, NOW + 60)
    backlog.add("call", job("call"), True, NOW - 1, NOW + 4)
    again = backlog.add("next", job("next"), True, NOW, NOW + 4)
    assert again is first and len(backlog) == 2
    taken = backlog.take()
    assert taken is not None and taken.key == "next"
    assert taken.urgent and taken.moment == NOW and taken.deadline == NOW + 60


async def test_stale_calls_are_dropped_with_a_clear_error() -> None:
    clock = Clock()
    backlog = Backlog(clock=clock)
    stale = backlog.add("stale", job("stale"), True, NOW, NOW + 4)
    fresh = backlog.add("fresh", job("fresh"), True, NOW - 1, NOW + 10)
    clock.now = NOW + 5
    taken = backlog.take()
    assert taken is not None and taken.key == "fresh" and taken.future is fresh
    with pytest.raises(SpeechLate):
        stale.result()
    assert backlog.take() is None


async def test_a_full_backlog_drops_its_lowest_job() -> None:
    backlog = Backlog(limit=3, clock=Clock())
    ahead = backlog.add("ahead", job("ahead"), False, NOW + 1, NOW + 60)
    oldest = backlog.add("oldest", job("oldest"), True, NOW - 3, NOW + 4)
    backlog.add("old", job("old"), True, NOW - 2, NOW + 4)
    backlog.add("new", job("new"), True, NOW - 1, NOW + 4)
    with pytest.raises(SpeechBusy):
        ahead.result()  # speculation goes first, even when newer
    backlog.add("newest", job("newest"), True, NOW, NOW + 4)
    with pytest.raises(SpeechBusy):
        oldest.result()
    late = backlog.add("late", job("late"), True, NOW - 9, NOW + 4)
    with pytest.raises(SpeechBusy):
        late.result()  # older than all it would push out: refused at once
    assert len(backlog) == 3
    assert [j.key for j in iter(backlog.take, None)] == ["newest", "new", "old"]


# -- the renderer, with a speech process that does what the test says ----------------------


class HeldLink(SpeakerLink):
    """Renders nothing: records the order of jobs, each held until the test releases it."""

    def __init__(self) -> None:
        super().__init__(Path("/nonexistent"), 0)
        self.order: list[str] = []
        self.release = asyncio.Event()
        self.closed = False

    async def render(self, job: dict[str, Any]) -> str | None:
        self.order.append(job["key"])
        await self.release.wait()
        return None

    async def close(self) -> None:
        self.closed = True


async def test_the_order_is_decided_when_the_speech_process_is_free() -> None:
    link = HeldLink()
    renderer = Renderer(link, lambda key: f"wav of {key}".encode(), clock=Clock())
    first = renderer.submit("first", job("first"), True, NOW - 5, NOW + 60)
    await wait_until_async(lambda: link.order == ["first"], 5, "the first job is being spoken")
    futures = [
        renderer.submit("ahead", job("ahead"), False, NOW, NOW + 60),
        renderer.submit("old call", job("old call"), True, NOW - 1, NOW + 60),
        renderer.submit("new call", job("new call"), True, NOW, NOW + 60),
    ]
    assert renderer.submit("first", job("first"), True, NOW, NOW + 60) is first
    link.release.set()
    assert await asyncio.wait_for(first, 10) == b"wav of first"
    await asyncio.wait_for(asyncio.gather(*futures), 10)
    assert link.order == ["first", "new call", "old call", "ahead"]
    await renderer.close()
    assert link.closed


async def test_closing_fails_whoever_still_waits_or_comes_later() -> None:
    link = HeldLink()
    renderer = Renderer(link, lambda key: b"", clock=Clock())
    busy = renderer.submit("busy", job("busy"), True, NOW, NOW + 60)
    waiting = renderer.submit("waiting", job("waiting"), True, NOW, NOW + 60)
    await wait_until_async(lambda: link.order == ["busy"], 5, "the busy job is being spoken")
    await renderer.close()
    late = renderer.submit("late", job("late"), True, NOW, NOW + 60)
    for future in (busy, waiting, late):
        with pytest.raises(SpeechUnavailable):
            future.result()
    assert link.order == ["busy"]  # nothing more reached the speech process


# -- what a display is answered ------------------------------------------------------------


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def wav(self, key: str) -> bytes | None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SpeechLate("shed"), "speech_late"),
        (SpeechBusy("full"), "speech_busy"),
        (SpeechUnavailable("the speech process ended"), "speech_failed"),
    ],
)
async def test_speech_that_cannot_be_had_is_a_503_with_its_reason(
    error: Exception, code: str
) -> None:
    import httpx
    from starlette.applications import Starlette

    from loket.server.web import audio
    from loket.server.web.errors import HANDLERS

    app = Starlette(routes=audio.ROUTES, exception_handlers=HANDLERS)
    app.state.service = SimpleNamespace(audio=Refusing(error))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket") as client:
        answer = await client.get(f"/audio/id/{'0' * 32}.wav")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == code
