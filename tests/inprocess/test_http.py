"""HTTP answers a client gets that the subprocess tests do not reach: a kept refusal
given again under its Idempotency-Key, the audio routes when speech fails or a chime file
is gone, an unexpected error (test_browser_hardening.py has that one)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from loket.server.announce.pcm import Pcm
from loket.server.config import parse_sites
from tests.inprocess.running import Loket, running_loket
from tests.support.sites import small_site


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


async def test_a_refusal_is_kept_under_its_idempotency_key(loket: Loket) -> None:
    """A retry of a call-next that found nobody hears the same refusal, even once
    somebody waits: the first attempt's answer is the answer."""
    key = {"Idempotency-Key": "press-1"}
    assert code(await loket.act("1", headers=key), 409) == "queue_empty"
    ticket = await loket.issue()
    assert code(await loket.act("1", headers=key), 409) == "queue_empty"
    called = await loket.act("1", headers={"Idempotency-Key": "press-2"})
    assert called.status_code == 200
    assert called.json()["ticket"]["number"] == ticket["ticket"]["number"]
    again = await loket.act("1", headers={"Idempotency-Key": "press-2"})
    assert again.json() == called.json()


@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_an_idempotency_key_has_1_to_200_characters(loket: Loket, key: str) -> None:
    await loket.issue()
    answer = await loket.act("1", headers={"Idempotency-Key": key})
    assert code(answer, 422) == "invalid_header"


async def test_a_method_not_allowed_is_a_json_405(loket: Loket) -> None:
    assert code(await loket.http.delete("/api/v1/sites"), 405) == "method_not_allowed"


async def called(loket: Loket) -> list[str]:
    """A call as a display hears it: its announcement's segment URLs."""
    await loket.issue()
    async with loket.display() as ws:
        await ws.receive()
        await loket.call("1")
        while (message := await ws.event())["type"] != "ticket.called":
            pass
    return [segment["url"] for segment in message["data"]["announcement"]["segments"]]


async def test_a_segment_answers_its_wav_once_spoken(loket: Loket) -> None:
    urls = await called(loket)
    assert len(urls) == 3  # one per language of the demo site
    for url in urls:
        answer = await loket.http.get(url)
        assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
        assert "immutable" in answer.headers["cache-control"]
        assert Pcm.from_wav(answer.content).seconds > 0
    spoken = {job["key"] for job in loket.speech.jobs}
    assert {url.removeprefix("/audio/").removesuffix(".wav") for url in urls} <= spoken


async def test_a_segment_whose_speech_failed_is_a_503(loket: Loket) -> None:
    loket.speech.failing = "espeak-ng: no such voice"
    (url, *_) = await called(loket)
    assert code(await loket.http.get(url), 503) == "speech_failed"


CHIMED = small_site("chimed", "Chimed office", '[sites.announcements]\nchime = "ding.wav"')


async def test_the_offices_chime_and_a_chime_file_that_went_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ding = tmp_path / "ding.wav"
    ding.write_bytes(Pcm.silence(200, 16000).wav())
    sites = parse_sites(CHIMED, "chimed.toml", tmp_path)
    async with running_loket(tmp_path / "run", monkeypatch, sites=sites) as loket:
        ok = await loket.http.get("/audio/chime/chimed.wav")
        assert ok.status_code == 200 and ok.headers["content-type"] == "audio/wav"
        assert code(await loket.http.get("/audio/chime/elsewhere.wav"), 404) == "unknown_chime"
    ding.write_bytes(b"not a wav file at all")  # replaced by something unreadable
    async with running_loket(tmp_path / "run", monkeypatch, sites=sites) as loket:
        assert code(await loket.http.get("/audio/chime/chimed.wav"), 503) == "chime_unreadable"
