"""Search terms of many texts at once (an import of thousands of questions), each distinct block
of text segmented once, optionally in another process.

jieba cuts a text block by block: a block is a run of Chinese characters, latin letters, digits
and ``+#&._%-`` (jieba's ``re_han_default``), everything between is handled a character at a
time, and no word spans two blocks. So the search terms of a text are the terms of its blocks
and of the pieces between them, in order, and a block met again ("顾客问", "七天无理由退货",
"请问") need not be cut again. :class:`SearchTermCache` gives exactly what
:func:`cstrainer.text.search_terms` gives (a test compares them on the shipped content and on
random text); it is meant to live as long as one batch, as adding user terms to the segmenter
changes how a block is cut.

:class:`BlockTermsWorker` segments the blocks of a file's texts in a separate process (started
with ``spawn``: the GUI has threads, so never a plain fork) while this process reads and checks
the file; the worker is a fresh segmenter given the same user terms in the same order, so its
terms are the ones this process would find. Its answer is only a head start for a
:class:`SearchTermCache`: it is taken only when it has arrived and the segmenter got no new
terms since the worker started; a block it does not have, a worker that failed or could not be
started all mean the block is cut here, as without a worker.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstrainer.text.segment import Segmenter, _import_jieba, default_segmenter

__all__ = [
    "BlockTermsWorker",
    "SearchTermCache",
    "WorkerAnswer",
    "block_terms",
    "decode_terms",
    "distinct_lower",
    "encode_terms",
]

log = logging.getLogger(__name__)


class SearchTermCache:
    """``cache(text)`` == ``segmenter.search_terms(text)``, remembering every block's terms."""

    def __init__(self, segmenter: Segmenter | None = None) -> None:
        self._segmenter = segmenter or default_segmenter()
        self._split = _import_jieba().re_han_default.split
        self._seen: dict[str, list[str]] = {}
        self._learned: dict[str, str] = {}  # pieces cut elsewhere, terms encoded (encode_terms)

    def __call__(self, text: str) -> list[str]:
        if not text:
            return []
        seen, search_terms = self._seen, self._segmenter.search_terms
        out: list[str] = []
        # NFKC first, as search_terms does (it is idempotent, so the pieces' own NFKC is a no-op)
        for piece in self._split(unicodedata.normalize("NFKC", text)):
            if not piece:
                continue
            found = seen.get(piece)
            if found is None:
                learned = self._learned.get(piece)
                found = seen[piece] = decode_terms(learned) if learned is not None else search_terms(piece)
            out.extend(found)
        return out

    @property
    def segmenter(self) -> Segmenter:
        return self._segmenter

    def learn(self, pieces: dict[str, str]) -> None:
        """Take the terms of pieces cut elsewhere: ``{piece: encode_terms(terms)}``, the terms
        as :func:`block_terms` of an identical segmenter gives them."""
        self._learned.update(pieces)


#: Joins the terms of one text in a worker's answer (one string pickles far faster than a list
#: of many); a term holding it (never seen: terms are words) is not sent at all.
_SEPARATOR = "\x1f"


def encode_terms(terms: Iterable[str]) -> str | None:
    """The terms as one string for :func:`decode_terms`; None if a term holds the separator."""
    terms = list(terms)
    if any(_SEPARATOR in t for t in terms):
        return None
    return _SEPARATOR.join(terms)


def decode_terms(encoded: str) -> list[str]:
    """The terms :func:`encode_terms` joined (terms are never empty, so "" is no terms)."""
    return encoded.split(_SEPARATOR) if encoded else []


def distinct_lower(terms: Iterable[str]) -> tuple[str, ...]:
    """The terms lower-cased, each once (where it first occurs)."""
    return tuple(dict.fromkeys(t.lower() for t in terms))


@dataclass(frozen=True)
class WorkerAnswer:
    """What a :class:`BlockTermsWorker` found, terms encoded with :func:`encode_terms`:
    ``pieces``, the pieces' terms as :func:`block_terms` gives them, and ``texts``, each given
    text's ``distinct_lower(segmenter.search_terms(text))``."""

    pieces: dict[str, str]
    texts: dict[str, str]


def block_terms(
    segmenter: Segmenter, texts: Iterable[str], out: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """``{piece: segmenter.search_terms(piece)}`` for every piece :class:`SearchTermCache` cuts
    ``texts`` into (added to ``out`` if given)."""
    split = _import_jieba().re_han_default.split
    search_terms = segmenter.search_terms
    if out is None:
        out = {}
    for text in texts:
        if not text:
            continue
        for piece in split(unicodedata.normalize("NFKC", text)):
            if piece and piece not in out:
                out[piece] = search_terms(piece)
    return out


_WORKER_CODE = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from cstrainer.text.search_cache import _worker_main; _worker_main()"
)


def _worker_main() -> None:
    """The worker process (``python -c _WORKER_CODE``). Reads, as pickles on stdin: the cache
    folder and user terms, then lists of texts up to a None; loads jieba, cuts each list as it
    comes; writes ``("ok", (pieces, texts))`` on stdout (see :class:`WorkerAnswer`; ``texts``
    a list in the order given, None where a text's terms cannot be encoded)."""
    import pickle
    import sys

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to stderr, never into the answer
    try:
        cache_dir, terms = pickle.load(source)
        segmenter = Segmenter(Path(cache_dir) if cache_dir else None)
        for term, freq in terms:  # queued, then added in this order once the dictionary is loaded
            segmenter.add_terms([term], freq)
        segmenter.ensure_ready()
        cache = SearchTermCache(segmenter)
        pieces = cache._seen  # what block_terms gives for the texts, once they are all cut
        texts: list[str | None] = []
        while (chunk := pickle.load(source)) is not None:
            texts.extend(encode_terms(distinct_lower(cache(t))) for t in chunk)
        encoded = {piece: e for piece, found in pieces.items() if (e := encode_terms(found)) is not None}
        answer: tuple[str, Any] = ("ok", (encoded, texts))
    except EOFError:  # the parent gave up
        return
    except BaseException as exc:  # reported to the parent, which then segments itself
        answer = ("error", f"{type(exc).__name__}: {exc}")
    try:
        pickle.dump(answer, sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()
    except OSError:
        pass


class BlockTermsWorker:
    """A process that segments the texts of a file for a :class:`SearchTermCache` while the
    file is still being read and checked.

    ``BlockTermsWorker.start()`` starts it (``python -I -c``: no fork, no import of the
    program's main module; it loads jieba meanwhile) and gives None when that fails;
    :meth:`submit` hands it texts (as often as wanted, each text once); :meth:`finish` says
    there are no more; :meth:`result` gives its answer when it has arrived (never blocking
    unless a timeout is given), None while it has not, when it failed or when it is stale;
    :meth:`close` stops the process. It answers once and then exits. All pipe traffic is done
    by a daemon thread, so no call here waits for the worker.
    """

    def __init__(self, segmenter: Segmenter, process: Any, setup: tuple[Any, ...]) -> None:
        self._segmenter = segmenter
        self._process = process
        self._terms_count = len(setup[2])
        self._queue: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self._sent: list[str] = []
        self._sent_set: set[str] = set()
        self._finished = False
        self._closed = False
        self._done = threading.Event()
        self._answer: WorkerAnswer | None = None
        thread = threading.Thread(
            target=self._talk, args=(setup,), name="cstrainer-segment-worker", daemon=True
        )
        thread.start()

    @classmethod
    def start(cls, segmenter: Segmenter | None = None) -> BlockTermsWorker | None:
        import pickle
        import subprocess
        import sys

        segmenter = segmenter or default_segmenter()
        terms = segmenter.user_terms()
        cache_file = segmenter.cache_file
        cache_dir = cache_file.parent if cache_file is not None else segmenter._cache_dir
        if getattr(sys, "frozen", False) or not sys.executable:
            return None  # no Python to run: segment in this process
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _WORKER_CODE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                creationflags=flags,
            )
        except (OSError, ValueError) as exc:
            log.info("no segmentation worker (%s); segmenting in this process", exc)
            return None
        path = [p for p in sys.path if isinstance(p, str)]
        setup = (pickle.dumps(path), str(cache_dir) if cache_dir is not None else None, terms)
        return cls(segmenter, process, setup)

    @property
    def segmenter(self) -> Segmenter:
        return self._segmenter

    def submit(self, texts: Iterable[str]) -> None:
        """Hand the worker more texts (ignored after :meth:`finish`)."""
        if self._finished:
            return
        sent = self._sent_set
        new = [t for t in dict.fromkeys(texts) if t and t not in sent]
        if new:
            sent.update(new)
            self._sent.extend(new)
            self._queue.put(new)

    def finish(self) -> None:
        """No more texts: the worker answers once it has cut those it has."""
        if not self._finished:
            self._finished = True
            self._queue.put(None)

    def _talk(self, setup: tuple[Any, ...]) -> None:
        import pickle

        process = self._process
        try:
            stdin, stdout = process.stdin, process.stdout
            stdin.write(setup[0])
            pickle.dump((setup[1], setup[2]), stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            while True:
                chunk = self._queue.get()
                if self._closed:
                    return
                pickle.dump(chunk, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
                if chunk is None:
                    break
            stdin.close()
            status, value = pickle.load(stdout)
            sent = self._sent
            if status == "ok" and len(value) == 2 and len(value[1]) == len(sent):
                texts = {t: e for t, e in zip(sent, value[1], strict=True) if e is not None}
                self._answer = WorkerAnswer(value[0], texts)
            else:
                log.info("segmentation worker failed: %s", value)
        except Exception as exc:  # it died or was stopped: the caller segments in-process
            if not self._closed:
                log.info("segmentation worker gone (%s)", exc)
        finally:
            self._done.set()
            self._stop()

    def result(self, timeout: float = 0.0) -> WorkerAnswer | None:
        """Its answer, if the worker has answered (waiting up to ``timeout`` seconds after
        :meth:`finish`) and the segmenter has had no terms added since it started; else None."""
        if not self._finished or not self._done.wait(timeout):
            return None
        answer = self._answer
        if answer is None or self._segmenter.user_terms_count() != self._terms_count:
            return None
        return answer

    def close(self) -> None:
        """Stop the worker (its answer, if any, is dropped)."""
        self._closed = True
        self._finished = True
        self._answer = None
        self._queue.put(None)
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(OSError):  # already gone
                process.kill()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(Exception):
            process.wait(timeout=5)
