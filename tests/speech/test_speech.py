from __future__ import annotations

import shutil
import sys
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cstrainer import speech
from cstrainer.speech import (
    FakeSpeaker,
    Pyttsx3Speaker,
    SilentSpeaker,
    Speaker,
    SpeechCancelled,
    SpeechError,
    SpeechUnavailable,
    choose_chinese_voice,
    create_speaker,
)

HAS_ESPEAK = shutil.which("espeak-ng") is not None
needs_espeak = pytest.mark.skipif(not HAS_ESPEAK, reason="espeak-ng is not installed (apt install espeak-ng)")


def assert_wav(path: Path, min_seconds: float) -> None:
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(str(path)) as wav:
        frames = wav.getnframes()
        assert frames / wav.getframerate() >= min_seconds
        # header and data agree: the file was complete when we got it
        assert len(data) == 44 + frames * wav.getsampwidth() * wav.getnchannels()


# -- fallbacks and the fake -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "error", [RuntimeError("could not initialize espeak"), OSError("no lib"), ImportError("x")]
)
def test_create_speaker_falls_back_to_silence(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    import pyttsx3

    def broken_init(*args: object, **kwargs: object) -> object:
        raise error

    monkeypatch.setattr(pyttsx3, "init", broken_init)

    speaker = create_speaker()

    assert isinstance(speaker, SilentSpeaker)
    assert not speaker.available
    assert speaker.unavailable_reason is not None and speaker.unavailable_reason.startswith("语音不可用")
    assert speaker.detail is not None and type(error).__name__ in speaker.detail


def test_silent_speaker() -> None:
    speaker = SilentSpeaker()
    assert isinstance(speaker, Speaker)
    speaker.speak("你好")  # no-op
    speaker.stop()
    with pytest.raises(SpeechUnavailable, match="语音不可用"):
        speaker.render_wav("你好", "x.wav")
    if sys.platform.startswith("linux"):
        assert "espeak-ng" in (speaker.unavailable_reason or "")


def test_fake_speaker_records_and_writes_a_valid_wav(tmp_path: Path) -> None:
    speaker = FakeSpeaker()
    assert isinstance(speaker, Speaker)
    assert speaker.available and speaker.unavailable_reason is None

    speaker.speak("亲，在的")
    out = speaker.render_wav("您好", tmp_path / "sub" / "a.wav")
    speaker.stop()

    assert speaker.spoken == ["亲，在的"]
    assert speaker.rendered == [("您好", out)]
    assert speaker.stop_calls == 1
    assert_wav(out, min_seconds=0.05)


# -- Pyttsx3Speaker against a scripted engine ----------------------------------------------------


@dataclass
class FakeVoice:
    id: str
    name: str
    languages: list[Any] = field(default_factory=list)


ESPEAK_VOICES = [
    FakeVoice("gmw/en", "English", ["en"]),
    FakeVoice("sit/cmn", "Chinese (Mandarin, latin as English)", ["cmn"]),
    FakeVoice("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ["cmn-latn-pinyin"]),
]


class ScriptedEngine:
    """Behaves like pyttsx3's espeak engine: runAndWait returns before the work is done."""

    driver_name = "scripted"

    def __init__(
        self,
        voices: list[FakeVoice] | None = None,
        *,
        delay: float = 0.15,
        chunks: int = 5,
        fire_event: bool = True,
        write_file: bool = True,
    ) -> None:
        self.voices = ESPEAK_VOICES if voices is None else voices
        self.delay, self.chunks = delay, chunks
        self.fire_event, self.write_file = fire_event, write_file
        self.properties: dict[str, object] = {}
        self.callbacks: dict[str, list[Callable[..., None]]] = {}
        self.pending: tuple[str, str | None] | None = None
        self.said: list[str] = []
        self.stopped = threading.Event()
        self.workers: list[threading.Thread] = []

    def getProperty(self, name: str) -> object:
        return self.voices if name == "voices" else self.properties.get(name)

    def setProperty(self, name: str, value: object) -> None:
        self.properties[name] = value

    def connect(self, topic: str, cb: Callable[..., None]) -> dict[str, object]:
        self.callbacks.setdefault(topic, []).append(cb)
        return {"topic": topic, "cb": cb}

    def disconnect(self, token: dict[str, Any]) -> None:
        self.callbacks[token["topic"]].remove(token["cb"])

    def save_to_file(self, text: str, filename: str) -> None:
        self.pending = (text, filename)

    def say(self, text: str) -> None:
        self.pending = (text, None)
        self.said.append(text)

    def stop(self) -> None:
        self.stopped.set()

    def runAndWait(self) -> None:
        assert self.pending is not None
        _text, filename = self.pending
        self.pending = None
        callbacks = list(self.callbacks.get("finished-utterance", []))

        def work() -> None:
            if filename is not None and self.write_file:
                # the file appears late and grows in chunks
                time.sleep(self.delay)
                with open(filename, "wb") as out:
                    out.write(b"RIFF")
                    for _ in range(self.chunks):
                        out.write(b"\x00" * 1000)
                        out.flush()
                        time.sleep(0.005)
            elif self.stopped.wait(self.delay):
                return
            if self.fire_event:
                for cb in callbacks:
                    cb(name=None, completed=True)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        self.workers.append(worker)


def test_picks_the_pinyin_voice_and_sets_rate() -> None:
    engine = ScriptedEngine()
    speaker = Pyttsx3Speaker(engine, rate=150)
    assert speaker.available
    assert speaker.voice_id == "sit/cmn-latn-pinyin" and speaker.voice_note is None
    assert engine.properties == {"voice": "sit/cmn-latn-pinyin", "rate": 150}
    speaker.set_rate(1000)
    assert speaker.rate == 400


def test_voice_fallbacks() -> None:
    assert choose_chinese_voice([FakeVoice("x", "Mandarin", [b"\x05zh"])])[0] == "x"
    voice_id, note = choose_chinese_voice(
        [FakeVoice("en", "English", ["en"]), FakeVoice("sit/cmn", "Chinese", ["cmn"])]
    )
    assert voice_id == "sit/cmn" and note is not None and "cmn-latn-pinyin" in note
    voice_id, note = choose_chinese_voice(
        [FakeVoice("HKLM\\TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop")]
    )
    assert voice_id is not None and note is not None
    assert choose_chinese_voice([FakeVoice("en", "English", ["en"])]) == (None, None)


def test_no_chinese_voice_means_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    engine = ScriptedEngine(voices=[FakeVoice("en", "English", ["en"])])
    speaker = Pyttsx3Speaker(engine)
    assert not speaker.available
    with pytest.raises(SpeechUnavailable, match="中文"):
        speaker.render_wav("你好", tmp_path / "a.wav")

    import pyttsx3

    monkeypatch.setattr(
        pyttsx3, "init", lambda *a, **k: ScriptedEngine(voices=[FakeVoice("en", "English", ["en"])])
    )
    fallback = create_speaker()
    assert isinstance(fallback, SilentSpeaker) and "中文" in (fallback.unavailable_reason or "")


def test_render_waits_for_the_event_and_a_stable_file(tmp_path: Path) -> None:
    # GIVEN an engine whose runAndWait returns before the file even exists
    engine = ScriptedEngine(delay=0.2, chunks=8)
    speaker = Pyttsx3Speaker(engine)

    # WHEN we render
    out = speaker.render_wav("亲，您好", tmp_path / "deep" / "out.wav")

    # THEN the complete file is there under its final name, and nothing else is left behind
    assert out == tmp_path / "deep" / "out.wav"
    assert out.stat().st_size == 4 + 8 * 1000
    assert [p.name for p in out.parent.iterdir()] == ["out.wav"]
    assert engine.callbacks["finished-utterance"] == []  # our callback was disconnected


def test_render_without_finished_event_still_accepts_the_file(tmp_path: Path) -> None:
    engine = ScriptedEngine(delay=0.05, fire_event=False)
    speaker = Pyttsx3Speaker(engine, timeout=0.05)
    out = speaker.render_wav("你好", tmp_path / "a.wav")
    assert out.stat().st_size == 4 + 5 * 1000


def test_render_times_out_when_nothing_is_written(tmp_path: Path) -> None:
    engine = ScriptedEngine(fire_event=False, write_file=False)
    speaker = Pyttsx3Speaker(engine, timeout=0.05)
    speaker.SETTLE_SECONDS = 0.1
    with pytest.raises(SpeechError):
        speaker.render_wav("你好", tmp_path / "a.wav")
    assert list(tmp_path.iterdir()) == []
    assert engine.stopped.is_set()


def test_blank_text(tmp_path: Path) -> None:
    speaker = Pyttsx3Speaker(ScriptedEngine())
    with pytest.raises(ValueError):
        speaker.render_wav("   ", tmp_path / "a.wav")
    speaker.speak("  ")  # nothing to say, returns at once


def test_speak_blocks_until_finished_and_stop_cancels() -> None:
    engine = ScriptedEngine(delay=0.1)
    speaker = Pyttsx3Speaker(engine)
    started = time.monotonic()
    speaker.speak("你好")
    assert time.monotonic() - started >= 0.09
    assert engine.said == ["你好"]

    # a speak that would take 30 s returns as soon as another thread calls stop()
    slow = Pyttsx3Speaker(ScriptedEngine(delay=30, fire_event=False))
    timer = threading.Timer(0.1, slow.stop)
    timer.start()
    started = time.monotonic()
    slow.speak("很长的一段话")
    assert time.monotonic() - started < 5


def test_stop_cancels_render(tmp_path: Path) -> None:
    speaker = Pyttsx3Speaker(ScriptedEngine(delay=30, fire_event=False, write_file=False))
    threading.Timer(0.1, speaker.stop).start()
    with pytest.raises(SpeechCancelled):
        speaker.render_wav("你好", tmp_path / "a.wav")


def test_speak_without_an_audio_player(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = ScriptedEngine()
    engine.driver_name = "espeak"
    speaker = Pyttsx3Speaker(engine)
    monkeypatch.setattr(speech.sys, "platform", "linux")
    monkeypatch.setattr(speech.shutil, "which", lambda name: None)
    assert not speaker.can_play
    with pytest.raises(SpeechUnavailable, match="aplay"):
        speaker.speak("你好")


# -- the real engine ------------------------------------------------------------------------------


@needs_espeak
def test_espeak_renders_chinese_to_wav(tmp_path: Path) -> None:
    speaker = create_speaker()
    assert isinstance(speaker, Pyttsx3Speaker), speaker.unavailable_reason
    assert speaker.available
    assert "cmn-latn-pinyin" in (speaker.voice_id or "")

    out = speaker.render_wav("亲，您好，欢迎光临，请问有什么可以帮您？", tmp_path / "hello.wav")

    assert out.is_file() and out.stat().st_size > 44
    assert_wav(out, min_seconds=1.0)


@needs_espeak
def test_espeak_long_text_is_complete_and_next_render_does_not_clobber_it(tmp_path: Path) -> None:
    # runAndWait returns long before espeak has finished a text this long
    speaker = create_speaker()
    assert isinstance(speaker, Pyttsx3Speaker)
    long_text = "亲，这款柔顺剂是薰衣草香型的，留香时间大概三到五天，敏感肌的亲建议先小面积试用。" * 4

    first = speaker.render_wav(long_text, tmp_path / "long.wav")
    size = first.stat().st_size
    assert_wav(first, min_seconds=10)

    second = speaker.render_wav("好的", tmp_path / "short.wav")
    assert_wav(second, min_seconds=0.2)
    assert second.stat().st_size < size
    assert first.stat().st_size == size  # pyttsx3 would otherwise write the next audio into it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav", "short.wav"]
