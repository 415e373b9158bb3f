"""Chinese word segmentation: a thin, thread-safe wrapper around a private jieba tokenizer.

Why a private ``jieba.Tokenizer`` and not the ``jieba`` module functions:

* the module-level tokenizer keeps its 9 MB prefix-dictionary cache in the shared system temp
  folder (``/tmp/jieba.cache``), which other users and programs can replace or break. Ours lives
  in :func:`cstrainer.paths.cache_dir`, named after the jieba version so an upgrade rebuilds it;
* user words added for our content (product, brand and scene terms) must not leak into, or be
  changed by, other code in the process that uses jieba.

Loading the dictionary takes about 2 s the first time (jieba builds it, we put it in a trie:
:mod:`cstrainer.text.jieba_trie`) and a few milliseconds from our cache after that. Nothing is
loaded when this module is imported (``jieba`` itself is imported lazily,
which also keeps ``import cstrainer.text`` cheap). A GUI calls
:func:`warm_up_in_background` at start-up; every segmentation call waits for the dictionary if
it is not ready yet.

jieba writes progress messages to stderr through its own logging handler; the first import
removes that handler so they go to the application's logging configuration instead (at level
WARNING and above only).
"""

from __future__ import annotations

import logging
import sys
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cstrainer import paths
from cstrainer.text.normalize import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import ModuleType

__all__ = [
    "Segmenter",
    "Token",
    "add_terms",
    "default_segmenter",
    "ensure_ready",
    "is_ready",
    "search_terms",
    "tokens",
    "warm_up_in_background",
    "words",
]

log = logging.getLogger(__name__)

_jieba_lock = threading.Lock()
_jieba_module: ModuleType | None = None


def _import_jieba() -> ModuleType:
    """Import jieba once and stop it from writing to stderr."""
    global _jieba_module
    with _jieba_lock:
        if _jieba_module is None:
            # jieba 0.42 imports pkg_resources, which newer setuptools versions deprecate with a
            # warning printed at import time; it is noise for our users.
            # ... and it imports pkg_resources only to find its own data files, which costs a
            # fifth of a second (it scans every installed package); without it jieba opens them
            # by path. So pkg_resources is hidden while jieba is imported, unless already loaded.
            hide = "pkg_resources" not in sys.modules
            if hide:
                sys.modules["pkg_resources"] = None  # type: ignore[assignment]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    import jieba
            finally:
                if hide:
                    sys.modules.pop("pkg_resources", None)

            jieba_logger = logging.getLogger("jieba")
            console = getattr(jieba, "log_console", None)
            if console is not None:
                jieba_logger.removeHandler(console)
            jieba_logger.addHandler(logging.NullHandler())
            jieba.setLogLevel(logging.WARNING)
            _jieba_module = jieba
        return _jieba_module


# The prefix dictionary (about 500,000 entries) is kept in a marisa trie (text/jieba_trie.py):
# 5 MB instead of jieba's 70 MB dict, loaded from our cache file in milliseconds. The file is
# built once from jieba's own dictionary (and jieba's cache, written next to it).
_TRIE_SUFFIX = ".trie"


def _load_trie(path: Path, version: str) -> tuple[Any, int] | None:
    """The trie dictionary and jieba's total from our cache, or None (missing, other jieba,
    damaged: then it is rebuilt)."""
    from cstrainer.text.jieba_trie import TrieFreq

    try:
        return TrieFreq.load(path, version)
    except (OSError, ValueError) as exc:
        log.debug("jieba trie cache %s unusable (%s); rebuilding it", path, exc)
        return None


def _save_trie(path: Path, version: str, freq: Any, total: int) -> None:
    try:
        freq.save(path, version, total)
    except OSError as exc:  # a read-only cache folder: the dictionary is rebuilt at each start
        log.warning("could not write the jieba cache %s: %s", path, exc)


@dataclass(frozen=True, slots=True)
class Token:
    """One segmented word with its character offsets: ``text[start:end] == word``."""

    word: str
    start: int
    end: int


class Segmenter:
    """A lazily initialised jieba tokenizer with its own cache file and user dictionary.

    All methods are thread-safe. Segmentation methods block until the dictionary is loaded.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        """Create a segmenter; nothing is loaded until first use or :meth:`warm_up_in_background`.

        ``cache_dir`` defaults to :func:`cstrainer.paths.cache_dir`, resolved when the dictionary
        is loaded (so ``CSTRAINER_HOME`` set before that moment is honoured).
        """
        self._cache_dir = cache_dir
        self._state_lock = threading.Lock()  # guards the fields below
        self._init_lock = threading.Lock()  # serialises dictionary loading
        self._ready = threading.Event()
        self._tokenizer: Any = None
        self._pending_terms: list[tuple[str, int | None]] = []
        # every add_terms call's cleaned terms, in order: another process replays them to
        # segment exactly as this segmenter does (see cstrainer/text/search_cache.py)
        self._terms_log: list[tuple[str, int | None]] = []
        self._warm_future: Future[None] | None = None
        self._cache_file: Path | None = None
        # user term -> offsets inside it where the dictionary split it before it was added
        self._term_splits: dict[str, tuple[int, ...]] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def is_ready(self) -> bool:
        """True once the dictionary is loaded and segmentation will not block."""
        return self._ready.is_set()

    def warm_up_in_background(self) -> Future[None]:
        """Load the dictionary on a daemon thread; return a future that completes when ready.

        Calling it again returns the same future unless the previous attempt failed, in which
        case a new attempt starts. ``future.result()`` re-raises a loading error.
        """
        with self._state_lock:
            current = self._warm_future
            if current is not None and not (current.done() and current.exception() is not None):
                return current
            future: Future[None] = Future()
            future.set_running_or_notify_cancel()
            self._warm_future = future

        def run() -> None:
            try:
                self._initialise()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(None)

        if self._ready.is_set():
            future.set_result(None)
        else:
            threading.Thread(target=run, name="cstrainer-jieba-warmup", daemon=True).start()
        return future

    def ensure_ready(self) -> None:
        """Block until the dictionary is loaded, loading it in this thread if nobody else is."""
        if not self._ready.is_set():
            self._initialise()

    @property
    def cache_file(self) -> Path | None:
        """The dictionary cache file in use (None before initialisation)."""
        return self._cache_file

    def _initialise(self) -> None:
        with self._init_lock:
            if self._ready.is_set():
                return
            jieba = _import_jieba()
            cache_dir = self._cache_dir if self._cache_dir is not None else paths.cache_dir()
            cache_dir.mkdir(parents=True, exist_ok=True)
            version = getattr(jieba, "__version__", "unknown")
            cache_name = f"jieba-{version}.cache"
            from cstrainer.text.jieba_trie import TrieFreq, TrieTokenizer

            tokenizer = TrieTokenizer()
            trie_file = cache_dir / f"jieba-{version}{_TRIE_SUFFIX}"
            loaded = _load_trie(trie_file, version)
            if loaded is None:
                # once per installation: jieba builds its dictionary (from its own cache if it
                # has one), and the trie is made from it
                stock = jieba.Tokenizer()
                # jieba joins tmp_dir and cache_file itself, and writes the cache through a
                # temporary file in the same folder that it then renames (atomic on one file system).
                stock.tmp_dir = str(cache_dir)
                stock.cache_file = cache_name
                stock.initialize()
                loaded = (TrieFreq.from_dict(stock.FREQ), stock.total)
                del stock
                _save_trie(trie_file, version, *loaded)
            tokenizer.FREQ, tokenizer.total = loaded
            tokenizer.initialized = True
            with self._state_lock:
                pending, self._pending_terms = self._pending_terms, []
                for word, freq in pending:
                    self._add_word_locked(tokenizer, word, freq)
                self._tokenizer = tokenizer
                self._cache_file = trie_file
                self._ready.set()
            log.debug("jieba dictionary ready (cache %s, %d user terms)", self._cache_file, len(pending))

    def _ready_tokenizer(self) -> Any:
        if not self._ready.is_set():
            self._initialise()
        return self._tokenizer

    # -- user dictionary -------------------------------------------------------------------------

    def add_terms(self, terms: Iterable[str], freq: int | None = None) -> None:
        """Add words (product, brand, scene terms) that must stay whole when segmenting.

        Works before the dictionary is loaded (terms are queued and applied when it loads) and
        after. With ``freq=None`` jieba computes a frequency just high enough for the term to win
        over its parts. Blank terms are ignored; surrounding whitespace is stripped.
        """
        cleaned = [t.strip() for t in terms if t and t.strip()]
        if not cleaned:
            return
        with self._state_lock:
            self._terms_log.extend((t, freq) for t in cleaned)
            if self._tokenizer is None:
                self._pending_terms.extend((t, freq) for t in cleaned)
                return
            for term in cleaned:
                self._add_word_locked(self._tokenizer, term, freq)

    def _add_word_locked(self, tokenizer: Any, term: str, freq: int | None) -> None:
        # The folded form (full-width -> ASCII, lower case) is added too: the keyword matcher
        # segments folded text, and jieba's dictionary is case-sensitive.
        for variant in dict.fromkeys((term, fold(term))):
            if variant not in self._term_splits:
                offsets: list[int] = []
                position = 0
                for part in tokenizer.lcut(variant, HMM=False)[:-1]:
                    position += len(part)
                    offsets.append(position)
                self._term_splits[variant] = tuple(offsets)
            tokenizer.add_word(variant, freq)

    def user_terms(self) -> list[tuple[str, int | None]]:
        """Every user term added so far with its frequency, in the order added (a copy).

        Adding the same terms in the same order to a fresh segmenter makes it segment exactly as
        this one does; the list only grows, so its length tells whether terms were added since.
        """
        with self._state_lock:
            return list(self._terms_log)

    def user_terms_count(self) -> int:
        """How many user terms were added so far (``len(self.user_terms())``, without the copy)."""
        with self._state_lock:
            return len(self._terms_log)

    def term_splits(self, word: str) -> tuple[int, ...]:
        """Offsets inside a user term where segmentation split it before the term was added.

        ``"七天无理由退换"`` -> ``(2, 3, 5)`` (七天|无|理由|退换). Empty for words that are not user
        terms. The keyword matcher uses these as extra word boundaries, so a synonym such as
        ``七天无理由`` is still found after a trainer added the longer scene term.
        """
        return self._term_splits.get(word, ())

    # -- segmentation ----------------------------------------------------------------------------

    def tokens(self, text: str, *, hmm: bool = True) -> list[Token]:
        """Segment ``text`` (jieba default mode) into tokens with character offsets.

        ``hmm=True`` (the default) lets jieba's HMM glue unknown characters into new words, which
        suits display and indexing. Boundary checks should pass ``hmm=False``: the HMM also
        produces non-words such as ``码有`` in ``s码有货`` or ``险是`` in ``运费险是``.
        """
        if not text:
            return []
        tokenizer = self._ready_tokenizer()
        return [Token(w, s, e) for w, s, e in tokenizer.tokenize(text, mode="default", HMM=hmm)]

    def words(self, text: str) -> list[str]:
        """Segment ``text`` into words (same segmentation as :meth:`tokens`, without offsets)."""
        if not text:
            return []
        return list(self._ready_tokenizer().lcut(text, HMM=True))

    def search_terms(self, text: str) -> list[str]:
        """Terms for a full-text index: jieba search mode, punctuation and spaces dropped.

        The text is NFKC-normalised first (full-width letters and digits become ASCII) and latin
        letters are lower-cased. Long words also yield their shorter dictionary parts
        (``柔顺剂`` -> ``柔顺``, ``柔顺剂``). Order is kept and duplicates are not removed (term
        frequency matters to some indexes); callers that need a set can dedupe.
        """
        if not text:
            return []
        normal = unicodedata.normalize("NFKC", text)
        result: list[str] = []
        for term in self._ready_tokenizer().lcut_for_search(normal, HMM=True):
            term = term.strip()
            if term and any(ch.isalnum() for ch in term):
                result.append(term.lower())
        return result


_default_lock = threading.Lock()
_default: Segmenter | None = None


def default_segmenter() -> Segmenter:
    """The process-wide segmenter used by the module functions and the keyword matcher."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Segmenter()
        return _default


def tokens(text: str, *, hmm: bool = True) -> list[Token]:
    """Segment ``text`` with the default segmenter; see :meth:`Segmenter.tokens`."""
    return default_segmenter().tokens(text, hmm=hmm)


def words(text: str) -> list[str]:
    """Segment ``text`` into words with the default segmenter."""
    return default_segmenter().words(text)


def search_terms(text: str) -> list[str]:
    """Full-text index terms from the default segmenter; see :meth:`Segmenter.search_terms`."""
    return default_segmenter().search_terms(text)


def add_terms(terms: Iterable[str], freq: int | None = None) -> None:
    """Add user terms to the default segmenter; see :meth:`Segmenter.add_terms`."""
    default_segmenter().add_terms(terms, freq)


def warm_up_in_background() -> Future[None]:
    """Start loading the default segmenter's dictionary on a daemon thread."""
    return default_segmenter().warm_up_in_background()


def ensure_ready() -> None:
    """Block until the default segmenter's dictionary is loaded."""
    default_segmenter().ensure_ready()


def is_ready() -> bool:
    """True once the default segmenter's dictionary is loaded."""
    return default_segmenter().is_ready()
