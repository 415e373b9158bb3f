"""Answer normalisation: when do two typed answers count as the same answer?

Used to compare fill-in blanks and short "accepted" answers with the answer key (both sides go
through the same function), and by the question bank to spot duplicate stems.

:func:`normalize_answer` decisions, each with its reason:

* **Width** (``width=True``): NFKC, so full-width letters, digits and punctuation typed with a
  Chinese input method (``ＶＩＰ``, ``１２``, ``，``) equal their ASCII forms.
* **Case** (``case=False``): letters are case-folded (``str.casefold``: ß = ss, Σ = σ); ``case=True`` keeps them (a case-sensitive
  comparison).
* **Whitespace** (``spaces=True``): *all* whitespace is removed, also between latin words. Chinese
  answers have no meaningful spaces, and in the latin words that occur in this domain (product
  codes, ``iPhone 15``, ``S 码``) a space is a typing variant, not a different answer; keeping
  single spaces between latin words would only reject ``iPhone15`` for ``iPhone 15``.
* **Punctuation and symbols** (``punctuation=True``): every Unicode punctuation and symbol
  character is removed - Chinese (，。！？、；：“”‘’（）【】《》…—·～) and ASCII ones, currency signs,
  emoji, and invisible format characters (zero-width joiner, variation selectors). The one
  exception is a decimal point between two digits (``12.5`` must not become ``125``); runs of
  dots there collapse to one. Thousands separators are commas, so ``1,299`` becomes ``1299``.

The result is idempotent (normalising twice changes nothing), which the tests check with
Hypothesis together with: full-width and half-width variants are equal, inserting whitespace or
punctuation anywhere (other than a ``.`` between two digits) changes nothing, and case variants are
equal.

:func:`parse_number` reads what people type into numeric answers: full-width digits (``１２．５``),
thousands separators (``1,299``), a currency sign in front (``¥``, ``$``), a short unit after the
number (``元``, ``ml``, ``克``, ``%``, ``天``, ``个工作日``), multipliers (``1.5万``, ``3千``, ``2w``,
``5k``), simple fractions (``1/2``) and Chinese numerals (``十二``, ``一百零五``, ``两千三百``,
``三点五``, ``二〇二四``, ``百分之五十``, ``负三``). A percentage is returned as written
(``12.5%`` -> ``12.5``), not divided by 100: numeric questions state their answer in the unit
the stem asks for.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_answer", "parse_number"]


def _removable(ch: str, *, spaces: bool, punctuation: bool) -> bool:
    if spaces and ch.isspace():
        return True
    if not punctuation or ch == ".":
        return False  # the decimal point is decided on afterwards, with its neighbours
    category = unicodedata.category(ch)
    if category[0] in "PS" or category == "Cf":
        return True
    # Variation selectors (emoji presentation) are combining marks of their own.
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


class _RemovalTable(dict[int, str | None]):
    """A ``str.translate`` table that decides (and remembers) per character whether it goes."""

    def __init__(self, *, spaces: bool, punctuation: bool) -> None:
        super().__init__()
        self._spaces = spaces
        self._punctuation = punctuation

    def __missing__(self, key: int) -> str | None:
        ch = chr(key)
        value = None if _removable(ch, spaces=self._spaces, punctuation=self._punctuation) else ch
        self[key] = value
        return value


_TABLES: dict[tuple[bool, bool], _RemovalTable] = {}


def _table(spaces: bool, punctuation: bool) -> _RemovalTable:
    table = _TABLES.get((spaces, punctuation))
    if table is None:
        table = _TABLES.setdefault(
            (spaces, punctuation), _RemovalTable(spaces=spaces, punctuation=punctuation)
        )
    return table


_DOT_RUN = re.compile(r"\.+")


def _decimal_points(text: str) -> str:
    """Keep one ``.`` where a run of dots sits between two digits, drop every other dot."""
    if "." not in text:
        return text

    def keep(m: re.Match[str]) -> str:
        start, end = m.span()
        between_digits = (
            start > 0 and end < len(text) and text[start - 1].isdecimal() and text[end].isdecimal()
        )
        return "." if between_digits else ""

    return _DOT_RUN.sub(keep, text)


def _one_pass(text: str, case: bool, width: bool, spaces: bool, punctuation: bool) -> str:
    if width:
        text = unicodedata.normalize("NFKC", text)
    if not case:
        text = text.casefold()  # not lower(): it turns a final Σ into ς depending on neighbours
    if spaces or punctuation:
        text = text.translate(_table(spaces, punctuation))
    if punctuation:
        text = _decimal_points(text)
    return text


def normalize_answer(
    text: str, *, case: bool = False, width: bool = True, spaces: bool = True, punctuation: bool = True
) -> str:
    """Return ``text`` in the form answers are compared in (see the module docstring).

    ``case=True`` keeps letter case; ``width=False`` skips NFKC; ``spaces=False`` keeps whitespace;
    ``punctuation=False`` keeps punctuation and symbols. Non-strings give ``""``.
    """
    if not isinstance(text, str) or not text:
        return ""
    result = _one_pass(text, case, width, spaces, punctuation)
    # Removing a character can bring together two that NFKC composes or lower-cases differently
    # (a letter and a combining accent separated by a zero-width joiner); repeat until stable so
    # the function is idempotent. One extra pass is the norm; pure ASCII needs none.
    if not result.isascii():
        for _ in range(3):
            again = _one_pass(result, case, width, spaces, punctuation)
            if again == result:
                break
            result = again
    return result


# -- numbers ---------------------------------------------------------------------------------------

_CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)

# Units that begin with a character that is also a numeral: strip them before reading numerals,
# so 5千克 is 5 (kilograms), not 5000.
_NUMERAL_UNITS = ("千克", "千米", "千瓦", "千卡", "千焦", "百米", "千兆", "万元")
_PREFIXES = ("大约", "大概", "约", "共计", "一共", "合计", "总共", "rmb", "¥", "$", "￥")
_MAX_UNIT_CHARS = 6

# A number in arabic digits, with thousands separators only in groups of three.
_ARABIC = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_NUMBER_RUN = re.compile(rf"(?:{_ARABIC}|[{_CN_CHARS}点])+")
_FRACTION = re.compile(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)")
_SPLIT_DIGITS = re.compile(r"\d\s+\d")
_LATIN_MULTIPLIERS = {"k": 1_000.0, "w": 10_000.0}
_UNIT_OK = re.compile(r"[^\d\s" + _CN_CHARS + r"点]*")


def _cn_digit_string(run: str) -> float | None:
    """``二〇二四`` -> 2024: a run of plain digits, read digit by digit."""
    if len(run) >= 2 and all(ch in _CN_DIGITS for ch in run):
        return float("".join(str(_CN_DIGITS[ch]) for ch in run))
    return None


def _integer_part(run: str) -> float | None:
    """Read numerals mixing arabic numbers and Chinese digits and units (十二, 3万5千, 1.5万)."""
    if not run:
        return None
    as_digits = _cn_digit_string(run)
    if as_digits is not None:
        return as_digits
    parts = re.findall(rf"{_ARABIC}|.", run)
    total = 0.0  # completed sections above 万
    section = 0.0  # below the current 万/亿
    pending: float | None = None
    saw_any = False
    for part in parts:
        if part[0].isdecimal() or part[0] == ".":
            if pending is not None:
                return None  # two numbers in a row: "3 5"
            pending = float(part.replace(",", ""))
            saw_any = True
        elif part in _CN_DIGITS:
            value = _CN_DIGITS[part]
            if part in "零〇○":
                pending = None  # a placeholder: 一百零五
                saw_any = True
                continue
            if pending is not None:
                return None
            pending = float(value)
            saw_any = True
        elif part in _CN_SMALL_UNITS:
            section += (pending if pending is not None else 1.0) * _CN_SMALL_UNITS[part]
            pending = None
            saw_any = True
        elif part in _CN_BIG_UNITS:
            if not saw_any:
                return None
            amount = section + (pending or 0.0)
            big = _CN_BIG_UNITS[part]
            if big > 10_000:
                total = (total + amount) * big
            else:
                total += amount * big
            section, pending = 0.0, None
        else:
            return None
    if not saw_any:
        return None
    return total + section + (pending or 0.0)


def _numeral(run: str) -> float | None:
    """A run of digits/numerals with an optional 点 decimal part (三点五, 十二点零五)."""
    if "点" in run:
        whole, _, fraction = run.partition("点")
        if not fraction or "点" in fraction:
            return None
        if all(ch in _CN_DIGITS for ch in fraction):
            fraction_digits = "".join(str(_CN_DIGITS[ch]) for ch in fraction)
        elif fraction.isdecimal():
            fraction_digits = fraction
        else:
            return None
        head = _integer_part(whole) if whole else None
        if head is None or head != int(head):
            return None
        return float(f"{int(head)}.{fraction_digits}")
    return _integer_part(run)


@lru_cache(maxsize=4096)
def parse_number(text: str) -> float | None:
    """The number in a typed numeric answer, or ``None`` when it is not one number.

    See the module docstring for what is understood. Anything but a single number with an
    optional short unit (``3到5``, ``第一``, ``12 15``) gives ``None``; so do NaN and infinity.
    """
    if not isinstance(text, str):
        return None
    s = unicodedata.normalize("NFKC", text).lower()
    if _SPLIT_DIGITS.search(s):
        return None  # "12 15": two numbers, or a space used as a separator nobody can be sure of
    s = "".join(s.split())
    s = s.replace("\u2212", "-").replace("－", "-")
    if not s:
        return None
    for prefix in _PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
            break
    sign = 1.0
    if s[:1] in ("-", "+"):
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    elif s.startswith("负"):
        sign, s = -1.0, s[1:]
    for prefix in ("¥", "$", "￥"):  # "-¥5"
        if s.startswith(prefix):
            s = s[len(prefix) :]
    if s.startswith("百分之"):
        s = s[3:]
    for unit in _NUMERAL_UNITS:
        if s.endswith(unit) and len(s) > len(unit):
            s = s[: -len(unit)]
            break
    fraction = _FRACTION.match(s)
    if fraction:
        denominator = float(fraction.group(2))
        if denominator == 0:
            return None
        value = float(fraction.group(1)) / denominator
        rest = s[fraction.end() :]
    else:
        m = _NUMBER_RUN.match(s)
        if m is None:
            return None
        run, rest = m.group(0), s[m.end() :]
        parsed = float(run.replace(",", "")) if re.fullmatch(_ARABIC, run) else _numeral(run)
        if parsed is None:
            return None
        value = parsed
        # 2w, 5k: a latin multiplier, unless a unit word starts there (5kg)
        if rest[:1] in _LATIN_MULTIPLIERS and not rest[1:2].isalpha():
            value *= _LATIN_MULTIPLIERS[rest[0]]
            rest = rest[1:]
    if len(rest) > _MAX_UNIT_CHARS or not _UNIT_OK.fullmatch(rest):
        return None
    value *= sign
    if not math.isfinite(value):
        return None
    return value
