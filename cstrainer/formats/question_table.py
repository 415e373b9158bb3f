"""One question per row: the table layout shared by the CSV and xlsx formats.

Trainers keep question banks in Excel with Chinese headings; these are the columns (in the order
written; on reading the order does not matter, headings are matched after trimming, full-width
to half-width and ignoring case, and a few common synonyms are understood):

======== ========== ==================================================================
列        必填        内容
======== ========== ==================================================================
编号      否          the key; lower-case letters, digits and ``_ . -``. Left empty, a
                     stable key is made from the question (``q-`` + 10 hex digits)
题型      是          单选 多选 判断 填空 数值 简答 回复顾客 匹配 问答 说明 (also 单选题 …,
                     and the English ids single, multiple, truefalse, ...)
题干      是          the question (line breaks allowed)
选项A-H   选择题       one option per column; more columns 选项I … are read and written
                     when needed
答案      是          see below
解析      否          the explanation shown after answering
分类      否          产品知识 平台规则 服务技巧-售前 服务技巧-售中 服务技巧-售后 竞品知识 企业文化
品牌      否          a brand key or name; empty: for all brands
难度      否          1-3 or 易/中/难 (default 1)
标签      否          separated by 、 or commas
部分得分   否          是/否: multiple choice gives partial credit
关联手册   否          a handbook entry key
关联产品   否          product keys, separated by 、 or commas
作者      否          free text
标题      否          a short title (written only when a question has one)
题干格式   否          plain / markdown / html / moodle (written only when not plain)
======== ========== ==================================================================

The 答案 column per type:

* 单选 ``B``; 多选 ``ACD`` or ``A,C,D`` (、 and spaces work too); 判断 对/错, 正确/错误, √/×,
  T/F (Excel's TRUE/FALSE too);
* 填空: blanks separated by ``|``, accepted alternatives of one blank by ``/``:
  ``冷/冷水|蛋白质/蛋白`` (the stem marks each blank with ``____``, three or more underscores;
  a stem without any has one answer box after it);
* 数值 ``12``, ``12±0.5``, ``10-15`` or ``10~15``; several answers with ``|``, a partial credit
  as ``*50%`` (``12|12±2*50%``), ``其他`` for "any other number";
* 简答, 回复顾客, 问答: key points separated by ``|``, synonyms of one point by ``/``, a weight
  after ``*``: ``退换/退货*2|运费``; a 简答 item starting with ``原文：`` is an answer accepted as
  written, optionally with a credit: ``原文：七天无理由退货|原文：7天无理由*50%``;
* 匹配: ``左1=右1|左2=右2`` (``=右3`` with nothing on the left adds a wrong choice);
* 说明: empty.

Full-width ``｜ ／ ＝ ＊`` work like their ASCII forms. In these answers a backslash makes the
next character plain text: ``1\\/2`` is the answer "1/2", ``\\\\`` a backslash.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cstrainer.domain.questions import (
    CATEGORIES,
    TYPE_LABELS,
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
    count_blanks,
)
from cstrainer.formats.content_pack import format_field
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.limits import MAX_ROWS, NUL_MESSAGE
from cstrainer.formats.question_pack import (
    FIELD_LABELS,
    any_number,
    generate_key,
    is_catch_all,
    is_slug,
    pack_problems,
)

__all__ = [
    "ANSWER_HELP",
    "COLUMNS",
    "DIFFICULTY_NAMES",
    "OPTION_LETTERS",
    "TYPE_NAMES",
    "Column",
    "cell_text",
    "column_letter",
    "fields_for",
    "header_of",
    "question_to_row",
    "read_rows",
]


@dataclass(frozen=True)
class Column:
    """A column: ``field`` is its English id, ``header`` the heading written, ``aliases`` other
    headings understood on reading."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: float = 12
    help: str = ""
    example: str = ""


#: Option columns written by default; more letters (up to Z) are read and written when needed.
OPTION_LETTERS = "ABCDEFGH"
_ALL_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _option_column(letter: str) -> Column:
    return Column(
        f"option_{letter.lower()}",
        f"选项{letter}",
        (f"option{letter}", f"{letter}选项", f"选项{letter.lower()}"),
        width=18,
        help="选择题的一个选项；选项要从 A 开始连续填写" if letter == "A" else "",
        example="约 30ml（瓶盖 30ml 刻度线）" if letter == "B" else "",
    )


COLUMNS: tuple[Column, ...] = (
    Column(
        "key",
        "编号",
        ("题号", "key", "id", "题目编号"),
        width=16,
        help="题目的编号，只能用小写字母、数字和 _ . -；不填则按题目内容自动生成。导入时编号相同的题目会被更新",
        example="qinyu-liquid-dose",
    ),
    Column(
        "type",
        "题型",
        ("题目类型", "类型", "type"),
        required=True,
        width=10,
        help="单选、多选、判断、填空、数值、简答、回复顾客、匹配、问答、说明之一",
        example="单选",
    ),
    Column(
        "stem",
        "题干",
        ("题目", "题目内容", "试题", "问题", "stem"),
        required=True,
        width=48,
        help="题目内容，可以换行。填空题用 ____（3 个或更多下划线）标出每个空",
        example="沁屿香氛洗衣液滚筒 4kg 建议用多少？",
    ),
    *(_option_column(letter) for letter in OPTION_LETTERS),
    Column(
        "answer",
        "答案",
        ("正确答案", "标准答案", "参考答案", "answer"),
        required=True,
        width=22,
        help="写法见下方“答案的写法”",
        example="B",
    ),
    Column(
        "explanation",
        "解析",
        ("答案解析", "试题解析", "explanation"),
        width=36,
        help="答题后给学员看的解析",
        example="滚筒 4kg 约 30ml，波轮约 45ml。",
    ),
    Column(
        "category",
        "分类",
        ("类别", "知识分类", "category"),
        width=14,
        help="、".join(CATEGORIES) + " 之一；可以先留空，导入时统一设置",
        example="产品知识",
    ),
    Column(
        "brand",
        "品牌",
        ("所属品牌", "brand"),
        width=10,
        help="品牌的编号或名称；留空表示所有品牌通用",
        example="沁屿",
    ),
    Column(
        "difficulty",
        "难度",
        ("难度等级", "difficulty"),
        width=8,
        help="易、中、难（或 1、2、3）；留空为易",
        example="易",
    ),
    Column(
        "tags", "标签", ("关键词", "tags"), width=16, help="多个标签用顿号或逗号隔开", example="用量、滚筒"
    ),
    Column(
        "partial_credit",
        "部分得分",
        ("漏选得分", "部分给分", "partial_credit"),
        width=10,
        help="多选题：是 = 少选按比例得分，否 = 全对才得分（默认否）",
        example="否",
    ),
    Column(
        "handbook",
        "关联手册",
        ("手册", "handbook"),
        width=16,
        help="答题后推荐阅读的手册条目编号",
        example="qinyu-brand-intro",
    ),
    Column(
        "products",
        "关联产品",
        ("产品", "商品", "关联商品", "products"),
        width=18,
        help="题目涉及的商品编号，多个用顿号或逗号隔开",
        example="qinyu-liquid",
    ),
    Column("author", "作者", ("出题人", "author"), width=10, help="出题人", example="王培训"),
)
#: Columns written only when some question needs them.
OPTIONAL_COLUMNS: tuple[Column, ...] = (
    Column("title", "标题", ("题目标题", "title"), width=16, help="题目的简短标题（GIFT 格式的 ::标题::）"),
    Column(
        "stem_format",
        "题干格式",
        ("格式", "stem_format"),
        width=10,
        help="plain（纯文本，默认）、markdown、html 或 moodle",
    ),
)

_BY_FIELD: dict[str, Column] = {c.field: c for c in (*COLUMNS, *OPTIONAL_COLUMNS)}
_BY_FIELD.update({f"option_{x.lower()}": _option_column(x) for x in _ALL_LETTERS[len(OPTION_LETTERS) :]})

ANSWER_HELP: tuple[tuple[str, str, str], ...] = (
    ("单选", "正确选项的字母", "B"),
    ("多选", "所有正确选项的字母，可以用逗号或顿号隔开", "ACD 或 A,C,D"),
    ("判断", "对 / 错（也可写 正确/错误、√/×、T/F）", "错"),
    ("填空", "每个空的答案用 | 隔开；同一个空可接受的多种写法用 / 隔开", "冷/冷水|蛋白质/蛋白"),
    ("数值", "一个数、数±误差 或 范围；多个答案用 | 隔开，部分得分写 *50%", "69.9 或 12±0.5 或 20-30"),
    (
        "简答",
        "要点用 | 隔开，同义词用 / 隔开，*2 表示权重；以“原文：”开头的是按原文判对的答案",
        "腰围|臀围|体重/多少斤*0.5",
    ),
    (
        "回复顾客",
        "顾客消息写在题干；答案写回复要包含的要点，写法同简答",
        "抱歉/不好意思|拍照/照片|补发/退款*1.5",
    ),
    ("匹配", "左=右，多对用 | 隔开", "快捷短语=一键发送常用回复|转接=交给同事接待"),
    ("问答", "可不填；也可写评分参考要点，写法同简答", "道歉|方案|跟进"),
    ("说明", "不填（说明文字不计分）", ""),
)

TYPE_NAMES: dict[str, QuestionType] = {}
for _qtype, _names in {
    QuestionType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "单项选择"),
    QuestionType.MULTIPLE: (
        "多选",
        "多选题",
        "多项选择",
        "多项选择题",
        "不定项",
        "不定项选择",
        "不定项选择题",
    ),
    QuestionType.TRUEFALSE: ("判断", "判断题", "是非", "是非题", "对错题", "tf", "true/false"),
    QuestionType.FILL: ("填空", "填空题"),
    QuestionType.NUMERIC: ("数值", "数值题", "计算", "计算题", "numerical"),
    QuestionType.SHORT: ("简答", "简答题"),
    QuestionType.REPLY: ("回复顾客", "回复顾客题", "回复题", "话术题", "情景回复"),
    QuestionType.MATCHING: ("匹配", "匹配题", "连线", "连线题"),
    QuestionType.ESSAY: ("问答", "问答题", "论述", "论述题"),
    QuestionType.DESCRIPTION: ("说明", "描述", "说明文字"),
}.items():
    for _name in (*_names, _qtype.value, TYPE_LABELS[_qtype]):
        TYPE_NAMES[_name.lower()] = _qtype

#: The short names written in the 题型 column.
_TYPE_OUT: dict[QuestionType, str] = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUEFALSE: "判断",
    QuestionType.FILL: "填空",
    QuestionType.NUMERIC: "数值",
    QuestionType.SHORT: "简答",
    QuestionType.REPLY: "回复顾客",
    QuestionType.MATCHING: "匹配",
    QuestionType.ESSAY: "问答",
    QuestionType.DESCRIPTION: "说明",
}
TYPE_CHOICES: tuple[str, ...] = tuple(_TYPE_OUT.values())

DIFFICULTY_NAMES: dict[str, int] = {
    "1": 1,
    "易": 1,
    "简单": 1,
    "容易": 1,
    "低": 1,
    "2": 2,
    "中": 2,
    "中等": 2,
    "一般": 2,
    "普通": 2,
    "3": 3,
    "难": 3,
    "困难": 3,
    "较难": 3,
    "高": 3,
}
DIFFICULTY_OUT = {1: "易", 2: "中", 3: "难"}

_TRUE = {"对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "V", "1"}
_FALSE = {"错", "错误", "×", "✗", "✘", "F", "FALSE", "否", "N", "NO", "X", "0"}
_STEM_FORMATS = {
    "plain": "plain",
    "纯文本": "plain",
    "markdown": "markdown",
    "html": "html",
    "moodle": "moodle",
}

# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number_text(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f")  # 1e-05 -> 0.00001: no exponent for people to puzzle over


def cell_text(value: Any) -> str:
    """A cell's value as the text a person sees (numbers without a trailing ``.0``)."""
    if type(value) is str:  # the usual case, first
        return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def header_of(text: str) -> str | None:
    """The field a heading names, or None."""
    norm = _norm(text)
    if not norm:
        return None
    for column in _BY_FIELD.values():
        if norm in (_norm(column.header), *(_norm(a) for a in column.aliases)):
            return column.field
    m = re.fullmatch(r"(?:选项|option_?)?([a-z])(?:选项)?", norm)
    if m and (len(norm) == 1 or norm != m.group(1)):
        return f"option_{m.group(1)}"
    return None


# ---------------------------------------------------------------------------------------------
# Structured answers: "a/b|c" with backslash escapes
# ---------------------------------------------------------------------------------------------

_SEPARATORS = {"|": "|", "｜": "|", "/": "/", "／": "/", "=": "=", "＝": "=", "*": "*", "＊": "*"}


def _split(text: str, sep: str) -> list[str]:
    """Split at unescaped ``sep`` (or its full-width form); escapes stay in the parts."""
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if _SEPARATORS.get(c) == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def _split_last(text: str, sep: str) -> tuple[str, str | None]:
    parts = _split(text, sep)
    if len(parts) == 1:
        return text, None
    return sep.join(parts[:-1]), parts[-1]


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.S).strip()


def _escape(text: str) -> str:
    return "".join("\\" + c if c == "\\" or c in _SEPARATORS else c for c in text)


_NUM = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# ---------------------------------------------------------------------------------------------
# Reading a row
# ---------------------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class _Row:
    cells: Mapping[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.cells.get(name, "").strip()


def _type(row: _Row) -> QuestionType:
    text = row.get("type")
    if not text:
        raise _CellError("type", "题型为空")
    qtype = TYPE_NAMES.get(_fold(text).lower().replace(" ", ""))
    if qtype is None:
        raise _CellError("type", f"未知的题型“{text}”，可用：{'、'.join(TYPE_CHOICES)}")
    return qtype


_OPTION_FIELDS = tuple(f"option_{x.lower()}" for x in _ALL_LETTERS)


def _options(row: _Row, qtype: QuestionType) -> list[str]:
    texts = [row.get(name) for name in _OPTION_FIELDS]
    while texts and not texts[-1]:
        texts.pop()
    for index, text in enumerate(texts):
        if not text:
            raise _CellError(
                f"option_{_ALL_LETTERS[index].lower()}",
                f"选项{_ALL_LETTERS[index]} 是空的，但后面还有选项{_ALL_LETTERS[len(texts) - 1]}",
            )
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if len(texts) < 2:
            raise _CellError(
                "option_a" if not texts else "option_b", f"{qtype.label}至少要有 2 个选项（选项A、选项B）"
            )
    elif texts:
        row.warnings.append(("option_a", f"{qtype.label}不用选项，选项列的内容会被忽略"))
        return []
    return texts


def _letters(text: str, options: Sequence[str], single: bool) -> list[int]:
    last = _ALL_LETTERS[max(len(options), 1) - 1]
    letters = re.sub(r"[\s,，、;；/|]", "", _fold(text)).upper()
    if single and (len(letters) != 1 or not letters.isascii() or not letters.isalpha()):
        raise _CellError("answer", f"单选题的答案应为 A–{last} 中的一个字母")
    if not letters:
        raise _CellError("answer", "答案为空")
    out: list[int] = []
    for letter in letters:
        if not (letter.isascii() and letter.isalpha()):
            raise _CellError("answer", f"多选题的答案应为 A–{last} 中的字母，例如 ACD，现在有“{letter}”")
        index = ord(letter) - 65
        if index >= len(options):
            raise _CellError("answer", f"答案 {letter} 对应的选项{letter} 是空的")
        if index not in out:
            out.append(index)
    return out


def _bool(text: str, field: str, message: str) -> bool:
    value = _fold(text).upper()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _CellError(field, message)


def _weight_suffix(item: str, percent: bool) -> tuple[str, float | None]:
    body, suffix = _split_last(item, "*")
    if suffix is None:
        return item, None
    text = _fold(suffix)
    if percent:
        m = re.fullmatch(rf"({_NUM})\s*%", text)
        if not m or not -100 <= float(m.group(1)) <= 100:
            raise _CellError(
                "answer", f"得分比例应写成 *50% 这样的百分数（-100% 到 100%），现在是“*{suffix}”"
            )
        return body, float(m.group(1))
    if not re.fullmatch(_NUM, text) or float(text) <= 0:
        raise _CellError("answer", f"要点的权重应为大于 0 的数字，例如 退换/退货*2，现在是“*{suffix}”")
    return body, float(text)


_ACCEPTED_PREFIX = re.compile(r"^\s*原文\s*[:：]")


def _key_point(item: str) -> KeyPointSpec:
    body, weight = _weight_suffix(item, percent=False)
    synonyms = tuple(s for s in (_unescape(part) for part in _split(body, "/")) if s)
    if not synonyms:
        raise _CellError("answer", f"要点“{_unescape(item)}”没有内容")
    return KeyPointSpec(synonyms=synonyms, weight=1.0 if weight is None else weight)


def _points(text: str, qtype: QuestionType) -> tuple[tuple[KeyPointSpec, ...], tuple[AcceptedAnswer, ...]]:
    points: list[KeyPointSpec] = []
    accepted: list[AcceptedAnswer] = []
    for item in _split(text, "|"):
        if not item.strip():
            continue
        if _ACCEPTED_PREFIX.match(item):
            if qtype is not QuestionType.SHORT:
                raise _CellError("answer", f"只有简答题可以写“原文：”答案，{qtype.label}请写要点")
            body, weight = _weight_suffix(_ACCEPTED_PREFIX.sub("", item, count=1), percent=True)
            answer = _unescape(body)
            if not answer:
                raise _CellError("answer", "“原文：”后面没有答案")
            accepted.append(AcceptedAnswer(answer, 100.0 if weight is None else weight))
        else:
            points.append(_key_point(item))
    return tuple(points), tuple(accepted)


def _numeric_item(item: str) -> NumericAnswer:
    body, weight = _weight_suffix(item, percent=True)
    spec = re.sub(r"\s+", "", _fold(_unescape(body)))
    credit = 100.0 if weight is None else weight
    if spec in ("其他", "其它"):
        return any_number(credit)
    if re.fullmatch(_NUM, spec):
        return NumericAnswer(value=float(spec), weight=credit)
    m = re.fullmatch(rf"({_NUM})(?:±|\+-|\+/-)({_NUM})", spec)
    if m:
        if float(m.group(2)) < 0:
            raise _CellError("answer", "允许误差不能是负数")
        return NumericAnswer(value=float(m.group(1)), tolerance=float(m.group(2)), weight=credit)
    m = re.fullmatch(rf"({_NUM})(?:-|~|至|到|\.\.)({_NUM})", spec)
    if m:
        low, high = float(m.group(1)), float(m.group(2))
        if low > high:
            raise _CellError("answer", f"数值范围 {spec} 的下限大于上限")
        return NumericAnswer(low=low, high=high, weight=credit)
    raise _CellError("answer", f"数值题的答案应为数字，如 12、12±0.5 或 10~15，现在是“{_unescape(body)}”")


def _answer_fields(row: _Row, qtype: QuestionType, stem: str, options: list[str]) -> dict[str, Any]:
    text = row.get("answer")
    if qtype is QuestionType.DESCRIPTION:
        if text:
            row.warnings.append(("answer", "说明不计分，答案列的内容会被忽略"))
        return {}
    if not text and qtype is not QuestionType.ESSAY:
        raise _CellError("answer", f"{qtype.label}的答案为空")
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        right = _letters(text, options, qtype is QuestionType.SINGLE)
        out: dict[str, Any] = {"options": tuple(Option(t, i in right) for i, t in enumerate(options))}
        if qtype is QuestionType.MULTIPLE and row.get("partial_credit"):
            out["partial_credit"] = _bool(
                row.get("partial_credit"), "partial_credit", "部分得分应为 是 或 否"
            )
        return out
    if qtype is QuestionType.TRUEFALSE:
        return {"answer": _bool(text, "answer", "判断题的答案应为 对 或 错（也可写 正确/错误、√/×、T/F）")}
    if qtype is QuestionType.FILL:
        blanks = []
        for index, group in enumerate(_split(text, "|"), start=1):
            alternatives = tuple(a for a in (_unescape(p) for p in _split(group, "/")) if a)
            if not alternatives:
                raise _CellError("answer", f"第 {index} 个空没有答案（空与空之间用 | 隔开）")
            blanks.append(alternatives)
        found = count_blanks(stem)
        if found != len(blanks) and not (found == 0 and len(blanks) == 1):
            raise _CellError(
                "answer", f"题干有 {found} 个空（____），答案有 {len(blanks)} 组（用 | 隔开）；两者要一样多"
            )
        return {"blanks": tuple(blanks)}
    if qtype is QuestionType.NUMERIC:
        return {"numeric": tuple(_numeric_item(item) for item in _split(text, "|") if item.strip())}
    if qtype is QuestionType.MATCHING:
        pairs = []
        for item in _split(text, "|"):
            if not item.strip():
                continue
            parts = _split(item, "=")
            if len(parts) < 2:
                raise _CellError("answer", f"匹配题的每一对应写成 左=右，现在是“{_unescape(item)}”")
            left_text, right_text = _unescape(parts[0]), _unescape("=".join(parts[1:]))
            if not right_text:
                raise _CellError("answer", f"“{left_text}=”的右侧是空的")
            pairs.append(MatchPair(left_text, right_text))
        if sum(1 for p in pairs if p.left) < 2:
            raise _CellError("answer", "匹配题至少要有 2 对，例如 左1=右1|左2=右2")
        return {"pairs": tuple(pairs)}
    points, accepted = _points(text, qtype)
    if qtype is QuestionType.REPLY and not points:
        raise _CellError("answer", "回复顾客题要写回复应包含的要点")
    return {"key_points": points, "accepted": accepted}


def _category(text: str) -> str:
    """One of CATEGORIES; also understood: no dash (服务技巧售前), only the stage (售前), and the
    first two characters of the others (产品, 竞品, 平台, 企业)."""
    if not text:
        return ""
    norm = re.sub(r"\s", "", _fold(text))
    norm = re.sub(r"[—–－~]", "-", norm)
    for category in CATEGORIES:
        names = {category, category.replace("-", "")}
        names.add(category.split("-")[1] if "-" in category else category[:2])
        if norm in names:
            return category
    raise _CellError("category", f"未知的分类“{text}”，可用：{'、'.join(CATEGORIES)}")


def _slugs(text: str, name: str, label: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in re.split(r"[,，、;；]", text) if v.strip())
    for value in values:
        if not is_slug(value):
            raise _CellError(name, f"{label}“{value}”应为编号（小写字母、数字和 _ . -）")
    return values


def _parse_row(row: _Row, brands: Mapping[str, str] | None) -> Question | None:
    """The question of one row, or None; problems go to ``row.errors`` / ``row.warnings``."""
    fields: dict[str, Any] = {}

    def take(step: Any) -> None:
        try:
            step()
        except _CellError as problem:
            row.errors.append((problem.field, problem.message))

    qtype: QuestionType | None = None
    try:
        qtype = _type(row)
    except _CellError as problem:
        row.errors.append((problem.field, problem.message))
    stem = row.cells.get("stem", "").strip()
    if not stem:
        row.errors.append(("stem", "题干为空"))
    if qtype is not None:
        try:
            options = _options(row, qtype)
            fields.update(_answer_fields(row, qtype, stem, options))
        except _CellError as problem:
            row.errors.append((problem.field, problem.message))

    def key() -> None:
        value = row.get("key").lower()
        if value and not is_slug(value):
            raise _CellError("key", "编号只能用小写字母、数字和 _ . -，且以字母或数字开头")
        fields["key"] = value

    def difficulty() -> None:
        value = _fold(row.get("difficulty"))
        if not value:
            return
        if value not in DIFFICULTY_NAMES and re.fullmatch(r"[123]\.0+", value):
            value = value[0]
        if value not in DIFFICULTY_NAMES:
            raise _CellError("difficulty", "难度应为 1–3 或 易/中/难")
        fields["difficulty"] = DIFFICULTY_NAMES[value]

    def brand() -> None:
        value = row.get("brand")
        if not value:
            return
        if brands is not None:
            if value not in brands:
                raise _CellError("brand", f"没有品牌“{value}”")
            value = brands[value]
        fields["brand"] = value

    def handbook() -> None:
        value = row.get("handbook")
        if value and not is_slug(value):
            raise _CellError("handbook", f"关联手册“{value}”应为手册条目的编号（小写字母、数字和 _ . -）")
        fields["handbook"] = value or None

    def stem_format() -> None:
        value = _fold(row.get("stem_format")).lower()
        if value:
            if value not in _STEM_FORMATS:
                raise _CellError("stem_format", "题干格式应为 plain、markdown、html 或 moodle")
            fields["stem_format"] = _STEM_FORMATS[value]

    def category() -> None:
        fields["category"] = _category(row.get("category"))

    def products() -> None:
        fields["products"] = _slugs(row.get("products"), "products", "关联产品")

    for step in (key, difficulty, brand, handbook, stem_format, category, products):
        take(step)
    if qtype is not QuestionType.MULTIPLE and row.get("partial_credit"):
        row.warnings.append(("partial_credit", "只有多选题用得到“部分得分”，这一格会被忽略"))
    if row.errors or qtype is None:
        return None
    tags = tuple(dict.fromkeys(t.strip() for t in re.split(r"[,，、;；]", row.get("tags")) if t.strip()))
    return Question(
        type=qtype,
        stem=stem,
        title=row.get("title"),
        explanation=row.cells.get("explanation", "").strip(),
        tags=tags,
        author=row.get("author"),
        **fields,
    )


# ---------------------------------------------------------------------------------------------
# Reading a table
# ---------------------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int
    fields: dict[int, str]  # column index -> field
    texts: dict[int, str]  # column index -> heading as written


def _find_header(rows: list[tuple[int, list[str]]]) -> _Header | None:
    for number, cells in rows[:10]:
        fields = {i: f for i, text in enumerate(cells) if (f := header_of(text)) is not None}
        if "stem" in fields.values() and "type" in fields.values():
            return _Header(number, fields, {i: cells[i].strip() for i in range(len(cells))})
    return None


def read_rows(
    rows: Iterable[tuple[int, Sequence[Any]]],
    file: str,
    *,
    sheet: str | None = None,
    brands: Mapping[str, str] | None = None,
    check_cell: Callable[[Any], str | None] | None = None,
) -> ParseResult:
    """Questions from ``(row number, cell values)`` pairs, the first rows holding the headings.

    ``brands`` maps brand keys and names to keys; without it the 品牌 text is kept as written
    (the caller resolves names). ``check_cell(value) -> str | None`` may reject a raw cell value
    (the xlsx reader uses it for Excel error values such as ``#NAME?``).
    """
    result = ParseResult()
    rows = [(number, list(values)) for number, values in rows]
    table = [(number, [cell_text(v) for v in values]) for number, values in rows]
    filled = [number for number, values in table if any(v.strip() for v in values)]
    if len(filled) > MAX_ROWS + 1:  # the heading and MAX_ROWS questions
        result.errors.append(
            FormatError(
                file,
                filled[MAX_ROWS + 1],
                None,
                f"表格太长：一个文件最多 {MAX_ROWS} 行题目（现有 {len(filled) - 1} 行），请拆成几个文件分别导入",
                sheet,
            )
        )
        return result
    header = _find_header(table)
    if header is None:
        first = table[0][0] if table else 1
        result.errors.append(
            FormatError(
                file, first, None, "找不到表头：第一行应为列名，至少要有“题型”“题干”“答案”三列", sheet
            )
        )
        return result
    raw_rows = {number: values for number, values in rows} if check_cell is not None else {}

    def where(col: int) -> tuple[str, str]:
        return column_letter(col), header.texts.get(col) or header_of_field(header.fields.get(col, ""))

    seen: dict[str, int] = {}
    for col, name in sorted(header.fields.items()):
        if name in seen:
            letter, text = where(col)
            result.errors.append(
                FormatError(
                    file,
                    header.row,
                    letter,
                    f"列“{text}”重复（{column_letter(seen[name])} 列已有）",
                    sheet,
                    text,
                )
            )
        else:
            seen[name] = col
    for column in COLUMNS:
        if column.required and column.field not in seen:
            result.errors.append(FormatError(file, header.row, None, f"缺少必填列：{column.header}", sheet))
    for col, text in sorted(header.texts.items()):
        if text and col not in header.fields:
            result.warnings.append(
                FormatError(
                    file, header.row, column_letter(col), f"不认识的列“{text}”，这一列会被忽略", sheet, text
                )
            )
    if result.errors:
        return result

    questions: list[tuple[int, Question]] = []
    for number, values in table:
        if number <= header.row or not any(v.strip() for v in values):
            continue
        cells = {name: (values[col] if col < len(values) else "") for name, col in seen.items()}
        row = _Row(cells)
        row.errors.extend((name, NUL_MESSAGE) for name, text in cells.items() if "\x00" in text)
        if check_cell is not None:
            for name, col in seen.items():
                raw = raw_rows[number][col] if col < len(raw_rows[number]) else None
                problem = check_cell(raw)
                if problem:
                    row.errors.append((name, problem))
        q = None if row.errors else _parse_row(row, brands)
        if q is not None:
            probe = q if q.key else q.with_changes(key="k")  # the key is made later
            for path, message in pack_problems(probe, check_brand=brands is not None):
                row.errors.append((_field_of_path(path), _describe(path, message)))
        for name, message in row.errors:
            letter, text = where(seen.get(name, -1)) if name in seen else ("", header_of_field(name))
            result.errors.append(FormatError(file, number, letter or None, message, sheet, text or None))
        for name, message in row.warnings:
            letter, text = where(seen[name]) if name in seen else ("", header_of_field(name))
            result.warnings.append(FormatError(file, number, letter or None, message, sheet, text or None))
        if q is not None and not row.errors:
            questions.append((number, q))

    _assign_keys(questions, result, file, sheet, seen)
    result.questions = [q for _, q in questions]
    return result


def header_of_field(name: str) -> str:
    column = _BY_FIELD.get(name)
    return column.header if column else FIELD_LABELS.get(name, name)


def _field_of_path(path: tuple[str | int, ...]) -> str:
    if not path:
        return "stem"
    head = str(path[0])
    if head == "options" and len(path) > 1 and isinstance(path[1], int):
        return f"option_{_ALL_LETTERS[path[1]].lower()}"
    if head in ("blanks", "answers", "accepted", "key_points", "pairs", "options"):
        return "answer"
    return head


def _describe(path: tuple[str | int, ...], message: str) -> str:
    label = FIELD_LABELS.get(str(path[0]))
    return f"{message}（{label or ''} {format_field(path)}）" if len(path) > 1 else message


def _assign_keys(
    questions: list[tuple[int, Question]],
    result: ParseResult,
    file: str,
    sheet: str | None,
    seen: Mapping[str, int],
) -> None:
    letter = column_letter(seen["key"]) if "key" in seen else None
    explicit: dict[str, int] = {}
    for number, q in questions:
        if q.key:
            if q.key in explicit:
                result.errors.append(
                    FormatError(
                        file,
                        number,
                        letter,
                        f"编号 {q.key} 重复（第 {explicit[q.key]} 行已用）",
                        sheet,
                        "编号",
                    )
                )
            explicit.setdefault(q.key, number)
    taken = set(explicit)
    generated_at: dict[str, int] = {}
    for index, (number, q) in enumerate(questions):
        if q.key:
            continue
        base = generate_key(q.type, q.stem, _texts(q))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        if base in generated_at:
            result.warnings.append(
                FormatError(
                    file,
                    number,
                    None,
                    f"这一行和第 {generated_at[base]} 行的题目相同（编号改为 {key}）",
                    sheet,
                )
            )
        generated_at.setdefault(base, number)
        taken.add(key)
        questions[index] = (number, q.with_changes(key=key))


def _texts(q: Question) -> list[str]:
    return [o.text for o in q.options] + [p.left for p in q.pairs]


# ---------------------------------------------------------------------------------------------
# Writing a row
# ---------------------------------------------------------------------------------------------


def fields_for(questions: Sequence[Question]) -> list[str]:
    """The columns (fields) to write for ``questions``: the standard ones, more option columns
    if a question has more than eight options, 标题 / 题干格式 when used."""
    most = max((len(q.options) for q in questions), default=0)
    letters = _ALL_LETTERS[: max(len(OPTION_LETTERS), most)]
    out: list[str] = []
    for column in COLUMNS:
        if column.field == "option_a":
            out.extend(f"option_{x.lower()}" for x in letters)
        elif not column.field.startswith("option_"):
            out.append(column.field)
    if any(q.title for q in questions):
        out.insert(out.index("stem"), "title")
    if any(q.stem_format not in ("", "plain") for q in questions):
        out.insert(out.index("stem") + 1, "stem_format")
    return out


def _weight_out(weight: float, default: float, percent: bool) -> str:
    if weight == default:
        return ""
    return f"*{_number_text(weight)}{'%' if percent else ''}"


def _key_point_out(point: KeyPointSpec) -> str:
    text = "/".join(_escape(s) for s in point.synonyms)
    if _ACCEPTED_PREFIX.match(text):
        text = "\\" + text.lstrip()
    return text + _weight_out(point.weight, 1.0, percent=False)


def _numeric_out(answer: NumericAnswer) -> str:
    if is_catch_all(answer):
        spec = "其他"
    elif answer.value is not None:
        spec = _number_text(answer.value) + (f"±{_number_text(answer.tolerance)}" if answer.tolerance else "")
    else:
        spec = f"{_number_text(answer.low or 0.0)}~{_number_text(answer.high or 0.0)}"
    return spec + _weight_out(answer.weight, 100.0, percent=True)


def _answer_out(q: Question) -> str:
    t = q.type
    if t is QuestionType.SINGLE:
        return "".join(_ALL_LETTERS[i] for i, o in enumerate(q.options) if o.correct)[:1]
    if t is QuestionType.MULTIPLE:
        return "".join(_ALL_LETTERS[i] for i, o in enumerate(q.options) if o.correct)
    if t is QuestionType.TRUEFALSE:
        return "" if q.answer is None else ("对" if q.answer else "错")
    if t is QuestionType.FILL:
        return "|".join("/".join(_escape(a) for a in group) for group in q.blanks)
    if t is QuestionType.NUMERIC:
        return "|".join(_numeric_out(a) for a in q.numeric)
    if t is QuestionType.MATCHING:
        return "|".join(f"{_escape(p.left)}={_escape(p.right)}" for p in q.pairs)
    if t is QuestionType.DESCRIPTION:
        return ""
    items = [_key_point_out(p) for p in q.key_points]
    if t is QuestionType.SHORT:
        items += [f"原文：{_escape(a.text)}{_weight_out(a.weight, 100.0, percent=True)}" for a in q.accepted]
    return "|".join(items)


def question_to_row(q: Question) -> dict[str, str]:
    """The cells of ``q`` by field (see :func:`fields_for` for the columns).

    What the table has no column for is left out: option weights and feedback, per-answer
    feedback, true/false feedback, key-point regexes, ids and feedback.
    """
    row = {
        "key": q.key,
        "type": _TYPE_OUT[q.type],
        "title": q.title,
        "stem": q.stem,
        "stem_format": "" if q.stem_format in ("", "plain") else q.stem_format,
        "answer": _answer_out(q),
        "explanation": q.explanation,
        "category": q.category,
        "brand": q.brand or "",
        "difficulty": DIFFICULTY_OUT.get(q.difficulty, str(q.difficulty)),
        "tags": "、".join(q.tags),
        "partial_credit": ("是" if q.partial_credit else "否") if q.type is QuestionType.MULTIPLE else "",
        "handbook": q.handbook or "",
        "products": "、".join(q.products),
        "author": q.author,
    }
    if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        for index, option in enumerate(q.options):
            row[f"option_{_ALL_LETTERS[index].lower()}"] = option.text
    return row
