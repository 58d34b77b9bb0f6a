"""Voice packs end to end: `loket voicepack build`, then a real server speaking from it."""

from __future__ import annotations

import io
import subprocess
import wave
from importlib import resources
from pathlib import Path

import httpx
from websockets.sync.client import connect

from loket.server.announce.keys import segment_key
from loket.server.announce.voicepack import VoicePack
from loket.server.domain.announcements import Voice
from tests.integration.conftest import login
from tests.support.server import LoketServer, loket_command
from tests.support.waiting import receive


def run_loket(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [loket_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def site_with_packs(folder: Path, packs: str) -> Path:
    demo = resources.files("loket.server").joinpath("demo.toml").read_text(encoding="utf-8")
    config = folder / "office.toml"
    config.write_text(demo + f'\n[sites.announcements]\nvoice_packs = "{packs}"\n', "utf-8")
    return config


def called_segments(server: LoketServer) -> list[dict[str, str]]:
    with (
        httpx.Client(base_url=server.url, timeout=10) as http,
        connect(f"{server.ws_url}/ws/display/demo", compression=None, open_timeout=5) as ws,
    ):
        assert receive(ws)["type"] == "snapshot"
        auth = {"Authorization": f"Bearer {login(http)}"}
        http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).raise_for_status()
        http.post("/api/v1/sites/demo/counters/2/call-next", headers=auth).raise_for_status()
        while True:
            event = receive(ws)
            if event["type"] == "ticket.called":
                segments: list[dict[str, str]] = event["data"]["announcement"]["segments"]
                return segments


def test_a_built_pack_speaks_the_calls_it_covers(tmp_path: Path) -> None:
    built = run_loket("voicepack", "build", "--lang", "id", "--out", "packs", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "packs/id/manifest.toml" in built.stdout and "voice_packs =" in built.stdout
    assert (tmp_path / "packs" / "id" / "lima-belas.wav").is_file()
    again = run_loket("voicepack", "build", "--lang", "id", "--out", "packs", cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr

    config = site_with_packs(tmp_path, "packs")
    with LoketServer(tmp_path, "--config", str(config)).running() as server:
        by_lang = {segment["lang"]: segment for segment in called_segments(server)}
        spoken = {
            lang: segment_key(lang, segment["text"], f"espeak:{Voice(lang).signature()}")
            for lang, segment in by_lang.items()
        }
        assert by_lang["id"]["text"] == "Nomor antrian A satu, silakan menuju loket dua"
        assert by_lang["id"]["url"] != f"/audio/{spoken['id']}.wav"  # the pack, not espeak
        assert by_lang["en"]["url"] == f"/audio/{spoken['en']}.wav"  # no en pack: espeak
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for lang in ("id", "en"):
                answer = http.get(by_lang[lang]["url"])
                assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
                with wave.open(io.BytesIO(answer.content)) as w:
                    assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
                    assert w.getnframes() / w.getframerate() > 1.5
                if lang == "id":  # the very clips of the pack, joined
                    pack = VoicePack.load(tmp_path / "packs" / "id", "id")
                    assert answer.content == pack.render(by_lang["id"]["text"]).leveled().wav()


def test_a_broken_pack_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    built = run_loket("voicepack", "build", "--lang", "az", "--out", "packs", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    clip = tmp_path / "packs" / "az" / "on-bes.wav"
    clip.write_bytes(b"ID3\x04" + bytes(500))  # someone dropped in an MP3
    config = site_with_packs(tmp_path, "packs")
    done = run_loket("serve", "--config", str(config), "--port", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "configuration error" in done.stderr and str(clip) in done.stderr
    assert "MP3 is refused" in done.stderr
