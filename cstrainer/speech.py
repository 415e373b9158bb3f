"""Text-to-speech for simulated customers: pyttsx3 behind a small protocol.

Three implementations of :class:`Speaker`:

* :class:`Pyttsx3Speaker` - the real thing. On Linux pyttsx3 drives espeak-ng, whose Mandarin
  voice ``sit/cmn-Latn-pinyin`` is chosen (the plain ``sit/cmn`` voice reads latin letters as
  English; any other zh/cmn voice is a fallback, noted in :attr:`Pyttsx3Speaker.voice_note`).
* :class:`SilentSpeaker` - what :func:`create_speaker` returns when no engine can start; the GUI
  shows :attr:`~SilentSpeaker.unavailable_reason` and disables its speech buttons.
* :class:`FakeSpeaker` - for tests: records texts and writes a tiny valid WAV file.

Threading: pyttsx3 engines are not thread-safe, and on Windows (SAPI5, COM) an engine must be
used on the thread that created it. The GUI therefore creates the speaker and makes every call on
one dedicated worker thread (a single-thread executor), never on the UI thread, because
:meth:`Speaker.speak` and :meth:`Speaker.render_wav` block. :class:`Pyttsx3Speaker` additionally
serialises its calls with a process-wide lock (espeak-ng is a process-wide singleton).
:meth:`Speaker.stop` is the one call meant to come from another thread: it cancels a running
``speak``/``render_wav``.

What we observed with pyttsx3 2.99 + espeak-ng on Linux, and why the code below waits the way it
does:

* ``runAndWait()`` returns as soon as synthesis has *started*: espeak-ng synthesises on its own
  thread. For a 220-character text it returned after ~20 ms while the WAV file appeared ~150 ms
  later. We wait for the ``finished-utterance`` event (it is emitted from espeak's thread after the
  file is written) and then for the file size to stop changing.
* The driver never clears its "save to file" target: after ``save_to_file`` a later ``say()``
  overwrites the previous file instead of playing. We reset that state after every call.
* Playback on Linux shells out to ``aplay``; without it nothing can be played, so
  :attr:`Pyttsx3Speaker.can_play` is False and ``speak`` raises :class:`SpeechUnavailable`
  (``render_wav`` still works).
* The driver prints ``Audio saved to <file>`` on stdout for every rendered file.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
import uuid
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_RATE",
    "FakeSpeaker",
    "Pyttsx3Speaker",
    "SilentSpeaker",
    "Speaker",
    "SpeechCancelled",
    "SpeechError",
    "SpeechUnavailable",
    "choose_chinese_voice",
    "create_speaker",
]

log = logging.getLogger(__name__)

#: Words per minute. espeak-ng's Mandarin voice at pyttsx3's default of 200 is hard to follow.
DEFAULT_RATE = 170

REASON_NO_ENGINE_LINUX = "语音不可用：未安装 espeak-ng 语音引擎"
REASON_NO_ENGINE_OTHER = "语音不可用：系统语音引擎无法启动"
REASON_NO_PYTTSX3 = "语音不可用：未安装 pyttsx3 语音组件"
REASON_NO_CHINESE_VOICE = "语音不可用：未找到中文（普通话）语音"
REASON_NO_PLAYER = "无法直接播放语音：未找到 aplay 播放程序（alsa-utils）"


class SpeechError(RuntimeError):
    """Speech synthesis failed (timeout, no output file, engine error)."""


class SpeechUnavailable(SpeechError):
    """No usable speech engine (or no audio player); the message is shown to users."""


class SpeechCancelled(SpeechError):
    """:meth:`Speaker.stop` was called while rendering."""


@runtime_checkable
class Speaker(Protocol):
    """What the rest of the app needs from a text-to-speech engine."""

    @property
    def available(self) -> bool:
        """True when speech works; otherwise see :attr:`unavailable_reason`."""
        ...

    @property
    def unavailable_reason(self) -> str | None:
        """A Chinese sentence for the UI explaining why speech is off (None when available)."""
        ...

    def speak(self, text: str) -> None:
        """Say ``text`` aloud and return when done (blocking)."""
        ...

    def render_wav(self, text: str, path: Path | str) -> Path:
        """Write ``text`` as speech to the WAV file ``path`` and return the path (blocking)."""
        ...

    def stop(self) -> None:
        """Cancel the current ``speak``/``render_wav`` (may be called from another thread)."""
        ...


def _unavailable_reason_for_platform() -> str:
    return REASON_NO_ENGINE_LINUX if sys.platform.startswith("linux") else REASON_NO_ENGINE_OTHER


# -- silent and fake speakers ----------------------------------------------------------------------


class SilentSpeaker:
    """The speaker used when no engine is available: ``speak`` does nothing, rendering raises."""

    def __init__(self, reason: str | None = None, detail: str | None = None) -> None:
        """``reason`` is shown to users; ``detail`` (the underlying error) is for logs."""
        self._reason = reason or _unavailable_reason_for_platform()
        self.detail = detail

    @property
    def available(self) -> bool:
        """Always False."""
        return False

    @property
    def unavailable_reason(self) -> str | None:
        """Why speech is off (Chinese, for the UI)."""
        return self._reason

    def speak(self, text: str) -> None:
        """Do nothing: silence is the graceful fallback."""

    def render_wav(self, text: str, path: Path | str) -> Path:
        """Raise :class:`SpeechUnavailable`: there is no audio to write."""
        raise SpeechUnavailable(self._reason)

    def stop(self) -> None:
        """Do nothing."""


def write_silent_wav(path: Path, seconds: float = 0.1, rate: int = 16000) -> Path:
    """Write a valid mono 16-bit WAV file of silence (used by :class:`FakeSpeaker`)."""
    frames = max(1, int(seconds * rate))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * frames)
    return path


class FakeSpeaker:
    """A speaker for tests: remembers what it was asked to say and writes tiny silent WAVs."""

    def __init__(self) -> None:
        """Start with empty records."""
        self.spoken: list[str] = []
        self.rendered: list[tuple[str, Path]] = []
        self.stop_calls = 0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Always True."""
        return True

    @property
    def unavailable_reason(self) -> str | None:
        """Always None."""
        return None

    def speak(self, text: str) -> None:
        """Record ``text``."""
        with self._lock:
            self.spoken.append(text)

    def render_wav(self, text: str, path: Path | str) -> Path:
        """Record ``text`` and write 0.1 s of silence to ``path``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            write_silent_wav(target)
            self.rendered.append((text, target))
        return target

    def stop(self) -> None:
        """Count the call."""
        with self._lock:
            self.stop_calls += 1


# -- pyttsx3 ---------------------------------------------------------------------------------------

# espeak-ng can be initialised only once per process and pyttsx3 hands out one engine per driver,
# so every Pyttsx3Speaker shares this lock.
_ENGINE_LOCK = threading.RLock()

_CHINESE_NAME_HINTS = ("chinese", "mandarin", "zh-cn", "zh_cn", "huihui", "yaoyao", "kangkang", "tingting")


def _voice_languages(voice: Any) -> list[str]:
    result: list[str] = []
    for lang in getattr(voice, "languages", None) or []:
        if isinstance(lang, bytes):
            lang = lang.decode("utf-8", "ignore")
        result.append(str(lang).strip("\x00\x05 ").lower().replace("_", "-"))
    return result


def choose_chinese_voice(voices: Sequence[Any]) -> tuple[str | None, str | None]:
    """Pick the best Mandarin voice: ``(voice_id, note)``; ``(None, None)`` when there is none.

    Preference: espeak-ng's ``cmn-latn-pinyin``; then any voice whose languages are zh/cmn; then a
    voice whose name says Chinese (Windows and macOS voices). ``note`` (Chinese) explains a
    fallback choice and is None for the preferred voice.
    """
    for voice in voices:
        ident = f"{getattr(voice, 'id', '')} {getattr(voice, 'name', '')}".lower()
        if "cmn-latn-pinyin" in ident:
            return str(voice.id), None
    for voice in voices:
        if any(lang.startswith(("zh", "cmn")) for lang in _voice_languages(voice)):
            return str(voice.id), f"未找到 cmn-latn-pinyin 语音，已改用“{getattr(voice, 'name', voice.id)}”"
    for voice in voices:
        ident = f"{getattr(voice, 'id', '')} {getattr(voice, 'name', '')}".lower()
        if any(hint in ident for hint in _CHINESE_NAME_HINTS):
            return str(voice.id), f"已使用系统语音“{getattr(voice, 'name', voice.id)}”"
    return None, None


class Pyttsx3Speaker:
    """A :class:`Speaker` over a pyttsx3 engine, with a Mandarin voice and robust waiting."""

    #: How long to wait for the rendered file to settle after the engine reports completion.
    SETTLE_SECONDS = 2.0
    #: Poll interval while waiting for the file size to stop changing.
    POLL_SECONDS = 0.01

    def __init__(self, engine: Any = None, *, rate: int | None = DEFAULT_RATE, timeout: float = 30.0) -> None:
        """Wrap ``engine`` (default: ``pyttsx3.init()``, which may raise - see :func:`create_speaker`).

        ``rate`` is in words per minute (None keeps the engine's default); ``timeout`` is the
        minimum time allowed for one call, extended for long texts.
        """
        if engine is None:
            import pyttsx3

            engine = pyttsx3.init()
        self._engine = engine
        self._timeout = timeout
        self._cancel = threading.Event()
        self._rate: int | None = None
        self._reason: str | None = None
        try:
            voices = list(engine.getProperty("voices") or [])
        except Exception as exc:  # a broken driver must not crash the app
            log.warning("could not list TTS voices: %r", exc)
            voices = []
        self.voice_id, self.voice_note = choose_chinese_voice(voices)
        if self.voice_id is None:
            self._reason = REASON_NO_CHINESE_VOICE
        else:
            engine.setProperty("voice", self.voice_id)
            if self.voice_note:
                log.info("TTS voice fallback: %s", self.voice_note)
        if rate is not None:
            self.set_rate(rate)

    # -- properties --------------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """True when a Mandarin voice was found."""
        return self._reason is None

    @property
    def unavailable_reason(self) -> str | None:
        """Why speech is off (Chinese), or None."""
        return self._reason

    @property
    def driver_name(self) -> str:
        """pyttsx3's driver name (``espeak``, ``sapi5``, ``nsss`` ...)."""
        return str(getattr(self._engine, "driver_name", "") or "")

    @property
    def can_play(self) -> bool:
        """False when audio cannot be played here (espeak on Linux needs ``aplay``)."""
        if self.driver_name == "espeak" and sys.platform.startswith("linux"):
            return shutil.which("aplay") is not None
        return True

    @property
    def rate(self) -> int | None:
        """Speech rate in words per minute (None: engine default)."""
        return self._rate

    def set_rate(self, rate: int) -> None:
        """Change the speech rate (words per minute, clamped to 80..400)."""
        rate = max(80, min(400, int(rate)))
        with _ENGINE_LOCK:
            self._engine.setProperty("rate", rate)
            self._rate = rate

    # -- speaking ----------------------------------------------------------------------------------

    def _time_budget(self, text: str, per_char: float) -> float:
        return self._timeout + per_char * len(text)

    def _require_available(self) -> None:
        if self._reason is not None:
            raise SpeechUnavailable(self._reason)

    def _reset_driver_state(self) -> None:
        # pyttsx3's espeak driver keeps the last save target and text; the next say() would
        # overwrite that file, and a run loop without a new text would synthesise the old one.
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        for attribute in ("_save_file", "_text_to_say"):
            if driver is not None and getattr(driver, attribute, None) is not None:
                setattr(driver, attribute, None)

    def _run(self, queue: Callable[[], None], budget: float) -> bool | None:
        """Queue one utterance, run the engine, wait for ``finished-utterance``.

        Returns the event's ``completed`` flag, or None when no event came within ``budget``.
        Raises :class:`SpeechCancelled` when :meth:`stop` was called meanwhile.
        """
        finished = threading.Event()
        outcome: dict[str, bool] = {}

        def on_finished(name: object = None, completed: bool = True, **_: object) -> None:
            outcome["completed"] = bool(completed)
            finished.set()

        token = self._engine.connect("finished-utterance", on_finished)
        try:
            # A stop() that arrived while espeak was idle leaves the driver's "stopping" flag set,
            # and the next run loop would end at once with completed=False: clear it first.
            driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
            if driver is not None and getattr(driver, "_stopping", False) is True:
                driver._stopping = False
            queue()
            try:
                self._engine.runAndWait()
            except RuntimeError as exc:
                raise SpeechError(f"语音引擎运行失败：{exc}") from exc
            deadline = time.monotonic() + budget
            while not finished.wait(self.POLL_SECONDS * 2):
                if self._cancel.is_set():
                    raise SpeechCancelled("已停止")
                if time.monotonic() >= deadline:
                    return None
            if self._cancel.is_set() and not outcome.get("completed", True):
                raise SpeechCancelled("已停止")
            return outcome.get("completed", True)
        finally:
            try:
                self._engine.disconnect(token)
            except Exception:  # pragma: no cover - disconnect of a known token cannot fail
                log.debug("disconnect failed", exc_info=True)
            self._reset_driver_state()

    def speak(self, text: str) -> None:
        """Say ``text`` and return when playback ended (or :meth:`stop` was called).

        Raises :class:`SpeechUnavailable` when there is no voice or no audio player, and
        :class:`SpeechError` when playback does not finish in time.
        """
        text = text.strip()
        if not text:
            return
        with _ENGINE_LOCK:
            self._require_available()
            if not self.can_play:
                raise SpeechUnavailable(REASON_NO_PLAYER)
            self._cancel.clear()
            try:
                completed = self._run(lambda: self._engine.say(text), self._time_budget(text, 0.6))
            except SpeechCancelled:
                return
            if completed is None:
                self._safe_engine_stop()
                raise SpeechError("语音播放超时")

    def render_wav(self, text: str, path: Path | str) -> Path:
        """Synthesise ``text`` into the WAV file ``path`` (parent folders are created).

        The audio is written to a temporary file next to ``path`` and moved into place once the
        engine reported completion and the file size stopped changing, so ``path`` never holds a
        half-written file. Raises :class:`SpeechError` when no non-empty file appears in time,
        :class:`SpeechCancelled` after :meth:`stop`, ``ValueError`` for blank text.
        """
        text = text.strip()
        if not text:
            raise ValueError("nothing to say: text is blank")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.part{target.suffix or '.wav'}")
        with _ENGINE_LOCK:
            self._require_available()
            self._cancel.clear()
            try:
                completed = self._run(
                    lambda: self._engine.save_to_file(text, str(partial)), self._time_budget(text, 0.2)
                )
                if completed is False and not self._cancel.is_set():
                    # the engine reported an interruption nobody asked for: try once more
                    log.info("speech engine interrupted without a stop request; rendering again")
                    partial.unlink(missing_ok=True)
                    completed = self._run(
                        lambda: self._engine.save_to_file(text, str(partial)), self._time_budget(text, 0.2)
                    )
                if completed is False:
                    raise SpeechError("语音合成被中断")
                if completed is None:
                    log.warning("no finished-utterance event for %s; checking the file anyway", target)
                self._wait_for_stable_file(partial, time.monotonic() + self.SETTLE_SECONDS)
                os.replace(partial, target)
            except BaseException:
                # The engine may still be busy with this utterance: stop it so it cannot write
                # into the next call's output, and leave no partial file behind.
                self._safe_engine_stop()
                partial.unlink(missing_ok=True)
                raise
        return target

    def _wait_for_stable_file(self, path: Path, deadline: float) -> None:
        last_size = -1
        while True:
            if self._cancel.is_set():
                raise SpeechCancelled("已停止")
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = -1
            if size > 0 and size == last_size:
                return
            last_size = size
            if time.monotonic() >= deadline:
                if size <= 0:
                    raise SpeechError(f"语音文件没有生成：{path.name}")
                return  # still growing at the deadline: accept what the engine wrote
            time.sleep(self.POLL_SECONDS)

    def _safe_engine_stop(self) -> None:
        try:
            self._engine.stop()
        except Exception:
            log.debug("engine.stop() failed", exc_info=True)

    def stop(self) -> None:
        """Cancel a running ``speak``/``render_wav``; safe to call from any thread."""
        self._cancel.set()
        self._safe_engine_stop()


def create_speaker(*, rate: int | None = DEFAULT_RATE) -> Speaker:
    """The best available speaker: :class:`Pyttsx3Speaker`, or :class:`SilentSpeaker` with a reason.

    Never raises: any failure to start a TTS engine (``RuntimeError`` when espeak-ng is missing,
    ``OSError``/``ImportError`` from driver libraries, ...) degrades to silence and is logged.
    Call it on the thread that will use the speaker (see the module docstring).
    """
    try:
        import pyttsx3
    except Exception as exc:
        log.warning("pyttsx3 not importable: %r", exc)
        return SilentSpeaker(REASON_NO_PYTTSX3, detail=repr(exc))
    try:
        with _ENGINE_LOCK:
            engine = pyttsx3.init()
            speaker = Pyttsx3Speaker(engine, rate=rate)
    except Exception as exc:
        log.warning("no text-to-speech engine: %r", exc)
        return SilentSpeaker(_unavailable_reason_for_platform(), detail=repr(exc))
    if not speaker.available:
        return SilentSpeaker(
            speaker.unavailable_reason, detail=f"voices without Mandarin ({speaker.driver_name})"
        )
    return speaker
