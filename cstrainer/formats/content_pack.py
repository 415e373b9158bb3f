"""YAML content packs: the shipped (and exported) training content as reviewable text files.

A pack is one UTF-8 YAML file holding one topic of one *kind*::

    schema_version: 1
    kind: products        # see KIND_ORDER
    demo: false           # optional; demo packs (demo accounts) are skipped by automatic seeding
    items:
      - key: ...

This module is a pure parse/serialise pair (no database, no Qt):

* :func:`load_pack` / :func:`load_packs` / :func:`parse_pack` read files into :class:`ContentPack`
  objects whose ``items`` are validated pydantic models (``extra="forbid"``, so a typo in a field
  name is an error, not silently dropped data);
* :func:`validate_references` does the cross-file checks (unique keys, references between kinds);
* :func:`dump_pack` / :func:`dumps_pack` / :func:`item_to_dict` write the same format back.

Every problem becomes a :class:`PackError` naming file, line, column and the field path in English
keys (``items[2].price_min``); the message itself is Chinese because trainers read it. Loading
collects *all* errors of all files before raising :class:`PackValidationError`, so a trainer fixes
a file in one go instead of one error per run.

Line numbers come from :mod:`cstrainer.formats.yaml_lines`, which keeps the start mark of every
YAML node; a pydantic error ``loc`` is mapped to the offending value, or to its nearest existing
parent when the field is missing. Checks that span several fields (``price_min <= price_max``, a
turn id that does not exist) raise a ``PydanticCustomError`` of type ``"pack"`` whose context
carries the sub-path to blame, so they too point at the exact line.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cstrainer.domain.phrases import PHRASE_SCENES as _PHRASE_SCENES
from cstrainer.domain.phrases import PhraseScene as _PhraseScene
from cstrainer.domain.questions import count_blanks as _count_blanks
from cstrainer.domain.scenario import DEFAULT_SUCCESS_OUTCOMES as DEFAULT_SUCCESS_OUTCOMES
from cstrainer.domain.scenario import OUTCOME_PREFIX as OUTCOME_PREFIX
from cstrainer.domain.scenario import OUTCOMES as OUTCOMES
from cstrainer.domain.scenario import ScenarioDef, validate_scenario
from cstrainer.formats.limits import (
    MAX_ITEMS,
    MAX_LIST_ITEMS,
    MAX_TEXT_FILE_BYTES,
    field_limit,
    file_too_large,
    too_long,
)
from cstrainer.formats.pack_errors import (
    SHORTCUT_PATTERN,
    PackError,
    PackValidationError,
    _describe,
    _error_path,
    _parse_field,
    format_field,
)
from cstrainer.formats.yaml_lines import PathKey, Position, PositionMap, YamlPath, YamlSyntaxError
from cstrainer.formats.yaml_lines import load_with_positions as _load_yaml

__all__ = [
    "KIND_LABELS",
    "KIND_ORDER",
    "MODEL_FOR_KIND",
    "OUTCOMES",
    "PACK_KINDS",
    "PLACEHOLDERS",
    "QUESTION_MODELS",
    "SUPPORTED_SCHEMA_VERSION",
    "Brand",
    "Competitor",
    "ContentPack",
    "Exam",
    "HandbookEntry",
    "PackError",
    "PackItem",
    "PackValidationError",
    "Phrase",
    "Product",
    "Question",
    "QuestionBase",
    "Scenario",
    "Team",
    "User",
    "count_blanks",
    "dump_pack",
    "dumps_pack",
    "item_key",
    "item_to_dict",
    "load_pack",
    "load_packs",
    "packs_in_import_order",
    "parse_pack",
    "validate_item",
    "validate_references",
]

SUPPORTED_SCHEMA_VERSION = 1

#: Import order: every kind only refers to kinds before it.
KIND_ORDER: tuple[str, ...] = (
    "brands",
    "teams",
    "users",
    "products",
    "competitors",
    "handbook",
    "questions",
    "exams",
    "scenarios",
    "phrases",
)
PACK_KINDS = frozenset(KIND_ORDER)

KIND_LABELS: dict[str, str] = {
    "brands": "品牌",
    "teams": "团队",
    "users": "用户",
    "products": "商品",
    "competitors": "竞品",
    "handbook": "手册条目",
    "questions": "题目",
    "exams": "考试",
    "scenarios": "情景",
    "phrases": "话术",
}

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

Platform = Literal["tmall", "taobao", "jd", "douyin"]
TeamStage = Literal["售前", "售中", "售后", "综合", "质检"]
Role = Literal["trainee", "agent", "trainer", "manager"]
QuestionType = Literal[
    "single", "multiple", "truefalse", "fill", "numeric", "short", "reply", "matching", "essay", "description"
]
#: The categories trainers commonly use; a team may add its own (any short text is accepted).
QUESTION_CATEGORIES: tuple[str, ...] = (
    "产品知识",
    "平台规则",
    "服务技巧-售前",
    "服务技巧-售中",
    "服务技巧-售后",
    "竞品知识",
    "企业文化",
)
QuestionCategory = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
ExamPurpose = Literal["入职考试", "上岗检测", "专项"]
ScenarioStage = Literal["售前", "售中", "售后"]
Persona = Literal["爽快型", "犹豫型", "逗比型", "深沉型", "可爱型", "急躁型", "愤怒型", "砍价型"]
# The phrase scenes live with the phrase domain (the GUI reads them without loading this module).
PhraseScene = _PhraseScene

# How a role-play conversation can end (a turn target is a turn id or ``end:<outcome>``): the
# vocabulary lives with the role-play domain (cstrainer.domain.scenario) and is re-exported here.

#: Placeholders a phrase text may contain; the phrase sender fills them in.
PLACEHOLDERS: tuple[str, ...] = ("顾客昵称", "商品名", "订单号")

#: How packs write a blank in a fill-in-the-blank stem (any run of three or more underscores is one).
FILL_BLANK = "____"

_SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
_SHORTCUT_PATTERN = SHORTCUT_PATTERN
_PLACEHOLDER_RE = re.compile(r"\{([^{}\n]*)\}")


def count_blanks(stem: str) -> int:
    """Number of blanks in a fill-in-the-blank stem: runs of three or more underscores."""
    return _count_blanks(stem)


# ---------------------------------------------------------------------------------------------
# Field types
# ---------------------------------------------------------------------------------------------


def _fail(message: str, *path: PathKey, sibling: bool = False) -> PydanticCustomError:
    """A validation error that blames ``path`` below the model or field being validated (or, with
    ``sibling=True``, ``path`` next to the field being validated)."""
    if sibling:
        path = ("^", *path)
    # pydantic-core fills the template by replacing ctx keys in insertion order: "path" goes first
    # so a message that happens to contain "{path}" is left alone.
    return PydanticCustomError("pack", "{message}", {"path": ".".join(map(str, path)), "message": message})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise _fail("不能为空")
    return value


_T = TypeVar("_T")


def _unique(values: list[_T]) -> list[_T]:
    seen: list[_T] = []
    for index, value in enumerate(values):
        if value in seen:
            raise _fail(f"重复的值：{value}", index)
        seen.append(value)
    return values


def _asset_path(value: str) -> str:
    parts = value.split("/")
    if not value.startswith("assets/") or "\\" in value or ".." in parts or "" in parts[1:]:
        raise _fail("图片路径应写成 assets/ 下的相对路径，例如 assets/products/a.jpg")
    return value


def _target(value: str) -> str:
    if value.startswith(OUTCOME_PREFIX):
        outcome = value.removeprefix(OUTCOME_PREFIX)
        if outcome not in OUTCOMES:
            allowed = "、".join(OUTCOME_PREFIX + o for o in OUTCOMES)
            raise _fail(f"未知的结局 {value}，可用：{allowed}")
    elif not re.match(_SLUG_PATTERN, value):
        raise _fail("应为本情景的轮次 id，或以 end: 开头的结局")
    return value


Slug = Annotated[str, StringConstraints(pattern=_SLUG_PATTERN)]
Text = Annotated[str, AfterValidator(_not_blank)]
UniqueSlugs = Annotated[list[Slug], AfterValidator(_unique)]
UniqueTexts = Annotated[list[Text], AfterValidator(_unique)]
# Numbers and booleans are strict: `price_min: "39.9元"` or `correct: "对"` is a typo to report,
# not something to coerce (YAML already gives real numbers and booleans where they were meant).
Num = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Price = Annotated[Num, Field(ge=0)]
Difficulty = Annotated[Int, Field(ge=1, le=3)]
Percent = Annotated[Int, Field(ge=0, le=100)]
Weight = Annotated[Num, Field(gt=0)]
PositiveInt = Annotated[Int, Field(ge=1)]
Target = Annotated[str, AfterValidator(_target)]
Outcome = Literal["成交", "未成交", "退款完成", "退货完成", "换货完成", "已解决", "差评", "投诉", "流失"]
AssetPath = Annotated[str, AfterValidator(_asset_path)]


class _Model(BaseModel):
    # coerce_numbers_to_str: a size value or a fill-in answer written as `75` is meant as text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class PackItem(_Model):
    """Base class of the item models; ``kind`` names the pack kind, ``key_field`` the id field."""

    kind: ClassVar[str] = ""
    key_field: ClassVar[str] = "key"
    #: fields written last by :func:`item_to_dict` (after type-specific fields of subclasses)
    dump_tail: ClassVar[tuple[str, ...]] = ()


# ---------------------------------------------------------------------------------------------
# Item models
# ---------------------------------------------------------------------------------------------


class Brand(PackItem):
    """A brand the team serves; ``voice`` tells agents how the brand talks to customers."""

    kind: ClassVar[str] = "brands"
    key: Slug
    name: Text
    description: Text
    voice: Text
    platforms: Annotated[list[Platform], Field(min_length=1), AfterValidator(_unique)]


class Team(PackItem):
    """A customer-service team (a brand's 售前 group, a QC group ...)."""

    kind: ClassVar[str] = "teams"
    key: Slug
    name: Text
    stage: TeamStage
    brands: UniqueSlugs = Field(default_factory=list)


class User(PackItem):
    """An account. ``password`` (plain text) is only allowed in ``demo: true`` packs."""

    kind: ClassVar[str] = "users"
    key_field: ClassVar[str] = "login"
    login: Slug
    display_name: Text
    role: Role
    team: Slug | None = None
    brands: UniqueSlugs = Field(default_factory=list)
    password: Text | None = None
    active: Bool = True


class Variant(_Model):
    """One variant dimension of a product (尺码, 颜色, 香型 ...) and its values."""

    name: Text
    values: Annotated[list[Text], Field(min_length=1), AfterValidator(_unique)]


class SizeChart(_Model):
    """A table; every row has one cell per column."""

    columns: Annotated[list[Text], Field(min_length=1)]
    rows: Annotated[list[list[str]], Field(min_length=1)]

    @model_validator(mode="after")
    def _rows_match_columns(self) -> SizeChart:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise _fail(f"这一行有 {len(row)} 格，表头有 {len(self.columns)} 列", "rows", index)
        return self


class FaqEntry(_Model):
    q: Text
    a: Text


class AfterSaleEntry(_Model):
    problem: Text
    handling: Text


class Product(PackItem):
    """A product with everything an agent must know about it. Prices are in yuan."""

    kind: ClassVar[str] = "products"
    key: Slug
    brand: Slug
    name: Text
    category: Text
    variants: list[Variant] = Field(default_factory=list)
    price_min: Price
    price_max: Price
    materials: UniqueTexts = Field(default_factory=list)
    size_chart: SizeChart | None = None
    selling_points: list[Text] = Field(default_factory=list)
    usage: str = ""
    faq: list[FaqEntry] = Field(default_factory=list)
    after_sale: list[AfterSaleEntry] = Field(default_factory=list)
    images: Annotated[list[AssetPath], AfterValidator(_unique)] = Field(default_factory=list)

    @field_validator("price_max")
    @classmethod
    def _price_range(cls, price_max: float, info: ValidationInfo) -> float:
        # A field validator (not a model one) so this is reported together with other field errors.
        price_min = info.data.get("price_min")
        if price_min is not None and price_min > price_max:
            raise _fail("必须小于等于 price_max", "price_min", sibling=True)
        return price_max

    @model_validator(mode="after")
    def _check(self) -> Product:
        names = [variant.name for variant in self.variants]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise _fail(f"重复的规格名：{name}", "variants", index, "name")
        return self


class Competitor(PackItem):
    """A rival's product, what it claims, and how we answer without running the rival down."""

    kind: ClassVar[str] = "competitors"
    key: Slug
    rival_brand: Text
    product: Text
    price: Price
    claims: list[Text] = Field(default_factory=list)
    our_answer: Text
    our_product: Slug


class HandbookEntry(PackItem):
    """A handbook page (markdown), optionally tied to a brand or a product."""

    kind: ClassVar[str] = "handbook"
    key: Slug
    title: Text
    brand: Slug | None = None
    product: Slug | None = None
    body: Text
    tags: UniqueTexts = Field(default_factory=list)


#: GIFT's percentage credit of an option or answer (negative marks penalise a wrong pick).
GiftWeight = Annotated[Num, Field(ge=-100, le=100)]
#: How a stem is written; ``None`` in a pack means plain text.
StemFormat = Literal["plain", "markdown", "html", "moodle"]


def _valid_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise _fail(f"正则表达式有误：{exc}") from None
    return value


class Option(_Model):
    """A choice. ``weight`` is GIFT's percentage credit (-100..100); leave it out unless an
    option earns partial credit (or a penalty)."""

    text: Text
    correct: Bool = False
    weight: GiftWeight | None = None
    feedback: str | None = None


class KeyPoint(_Model):
    """A point a free answer must make; any synonym (jieba tokens) or regex counts. Weights are
    relative."""

    id: Slug | None = None
    synonyms: list[Text] = Field(default_factory=list)
    weight: Weight = 1.0
    regexes: list[Annotated[Text, AfterValidator(_valid_regex)]] = Field(default_factory=list)
    feedback: str | None = None

    @model_validator(mode="after")
    def _check(self) -> KeyPoint:
        if not self.synonyms and not self.regexes:
            raise _fail("至少写一个同义词（synonyms）或正则（regexes）", "synonyms")
        return self


def _check_key_points(points: list[KeyPoint], name: str = "key_points") -> None:
    ids = [point.id for point in points]
    for index, point_id in enumerate(ids):
        if point_id is not None and point_id in ids[:index]:
            raise _fail(f"重复的要点 id：{point_id}", name, index, "id")


def _check_numeric_form(
    value: float | None, tolerance: float | None, low: float | None, high: float | None
) -> None:
    exact = value is not None
    ranged = low is not None or high is not None
    if exact == ranged:
        raise _fail("请写 value（可加 tolerance）或 min + max，二者选一")
    if ranged:
        if low is None or high is None:
            raise _fail("min 和 max 要同时给出")
        if tolerance is not None:
            raise _fail("tolerance 只能和 value 一起用", "tolerance")
        if low > high:
            raise _fail("必须小于等于 max", "min")


class NumericAnswer(_Model):
    """Either ``value`` (± ``tolerance``) or an inclusive range ``min``..``max``."""

    value: Num | None = None
    tolerance: Annotated[Num, Field(ge=0)] | None = None
    min: Num | None = None
    max: Num | None = None

    @model_validator(mode="after")
    def _one_form(self) -> NumericAnswer:
        _check_numeric_form(self.value, self.tolerance, self.min, self.max)
        return self


class NumericChoice(_Model):
    """One of several numeric answers (GIFT ``{#=12:1#对 =%50%12:3#接近}``): ``value`` ±
    ``tolerance`` or ``min``..``max``, or ``other: true`` for "any other number" (GIFT's ``~#…``,
    usually with weight 0 and a feedback). ``weight`` is the credit in percent (default 100)."""

    value: Num | None = None
    tolerance: Annotated[Num, Field(ge=0)] | None = None
    min: Num | None = None
    max: Num | None = None
    other: Bool = False
    weight: GiftWeight | None = None
    feedback: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> NumericChoice:
        if self.other:
            if any(v is not None for v in (self.value, self.tolerance, self.min, self.max)):
                raise _fail("other: true 表示“其他任何数字”，不能再写 value / tolerance / min / max", "other")
            return self
        _check_numeric_form(self.value, self.tolerance, self.min, self.max)
        return self


class AcceptedAnswer(_Model):
    """A short answer accepted as written (after normalisation); ``weight`` in percent
    (default 100)."""

    text: Text
    weight: GiftWeight | None = None
    feedback: str | None = None


class MatchPair(_Model):
    """A left-hand item and the right-hand item it matches. An empty ``left`` adds ``right`` as
    an extra (wrong) choice on the right-hand side."""

    left: str = ""
    right: Text


class QuestionBase(PackItem):
    kind: ClassVar[str] = "questions"
    dump_tail: ClassVar[tuple[str, ...]] = ("explanation", "handbook", "products", "author", "tags")
    key: Slug
    type: QuestionType
    title: str = ""
    brand: Slug | None = None
    category: QuestionCategory
    difficulty: Difficulty
    stem_format: StemFormat | None = None  # None: plain text
    stem: Text
    explanation: str = ""
    handbook: Slug | None = None
    products: UniqueSlugs = Field(default_factory=list)  # the products the question is about
    author: str = ""
    tags: UniqueTexts = Field(default_factory=list)


def _check_options(options: list[Option]) -> None:
    texts = [option.text for option in options]
    for index, text in enumerate(texts):
        if text in texts[:index]:
            raise _fail(f"重复的选项：{text}", "options", index, "text")


class SingleChoice(QuestionBase):
    type: Literal["single"]
    options: Annotated[list[Option], Field(min_length=2)]

    @model_validator(mode="after")
    def _check(self) -> SingleChoice:
        _check_options(self.options)
        correct = sum(option.correct for option in self.options)
        if correct != 1:
            raise _fail(f"单选题必须恰好有 1 个正确选项（现在有 {correct} 个）", "options")
        return self


class MultipleChoice(QuestionBase):
    type: Literal["multiple"]
    options: Annotated[list[Option], Field(min_length=2)]
    partial_credit: Bool = False

    @model_validator(mode="after")
    def _check(self) -> MultipleChoice:
        _check_options(self.options)
        if not any(option.correct for option in self.options):
            raise _fail("多选题至少要有 1 个正确选项", "options")
        return self


class TrueFalse(QuestionBase):
    """``true_feedback`` is shown to whoever answers 对 (true), ``false_feedback`` to whoever
    answers 错 (false), whichever is right."""

    type: Literal["truefalse"]
    answer: Bool
    true_feedback: str = ""
    false_feedback: str = ""


class FillIn(QuestionBase):
    """Each run of three or more underscores (``____``) in the stem is a blank; ``blanks[i]``
    lists the accepted answers for blank i. A stem without any blank has one answer box after
    it (then ``blanks`` has exactly one group)."""

    type: Literal["fill"]
    blanks: Annotated[list[Annotated[list[Text], Field(min_length=1)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> FillIn:
        found = count_blanks(self.stem)
        if found != len(self.blanks) and not (found == 0 and len(self.blanks) == 1):
            raise _fail(
                f"题干有 {found} 个空（3 个或更多下划线，如 {FILL_BLANK}），blanks 有 {len(self.blanks)} 组答案",
                "blanks",
            )
        return self


class Numeric(QuestionBase):
    """One answer (``answer``), or several with credits and feedback (``answers``)."""

    type: Literal["numeric"]
    answer: NumericAnswer | None = None
    answers: list[NumericChoice] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Numeric:
        if (self.answer is None) == (not self.answers):
            raise _fail("数值题请写 answer（一个答案）或 answers（多个答案，可带权重），二者选一", "answer")
        if self.answers and not any((a.weight if a.weight is not None else 100) > 0 for a in self.answers):
            raise _fail("answers 里至少要有一个得分（weight 大于 0）的答案", "answers")
        return self


class ShortAnswer(QuestionBase):
    """Graded on key points (``key_points``, matched on jieba tokens; a trainer confirms) and/or
    on answers accepted as written (``accepted``, graded at once)."""

    type: Literal["short"]
    key_points: list[KeyPoint] = Field(default_factory=list)
    accepted: list[AcceptedAnswer] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ShortAnswer:
        if not self.key_points and not self.accepted:
            raise _fail(
                "简答题要写 key_points（按要点给分）或 accepted（按原文判对），至少一项", "key_points"
            )
        _check_key_points(self.key_points)
        if self.accepted and not any((a.weight if a.weight is not None else 100) > 0 for a in self.accepted):
            raise _fail("accepted 里至少要有一个得分（weight 大于 0）的答案", "accepted")
        return self


class ReplyQuestion(QuestionBase):
    """The stem is a customer's message; the answer is the agent's reply."""

    type: Literal["reply"]
    key_points: Annotated[list[KeyPoint], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> ReplyQuestion:
        _check_key_points(self.key_points)
        return self


class Matching(QuestionBase):
    """Match each left-hand item with its right-hand item."""

    type: Literal["matching"]
    pairs: Annotated[list[MatchPair], Field(min_length=2)]

    @model_validator(mode="after")
    def _check(self) -> Matching:
        lefts = [pair.left.strip() for pair in self.pairs]
        if sum(1 for left in lefts if left) < 2:
            raise _fail("匹配题至少要有 2 组带左侧内容的配对", "pairs")
        for index, left in enumerate(lefts):
            if left and left in lefts[:index]:
                raise _fail(f"重复的左侧内容：{left}", "pairs", index, "left")
        return self


class Essay(QuestionBase):
    """A free answer a trainer grades; ``key_points`` are only a grading suggestion."""

    type: Literal["essay"]
    key_points: list[KeyPoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Essay:
        _check_key_points(self.key_points)
        return self


class Description(QuestionBase):
    """Text shown between questions (instructions, a case to read); not scored."""

    type: Literal["description"]


Question = (
    SingleChoice
    | MultipleChoice
    | TrueFalse
    | FillIn
    | Numeric
    | ShortAnswer
    | ReplyQuestion
    | Matching
    | Essay
    | Description
)

QUESTION_MODELS: dict[str, type[QuestionBase]] = {
    "single": SingleChoice,
    "multiple": MultipleChoice,
    "truefalse": TrueFalse,
    "fill": FillIn,
    "numeric": Numeric,
    "short": ShortAnswer,
    "reply": ReplyQuestion,
    "matching": Matching,
    "essay": Essay,
    "description": Description,
}


class DrawRule(_Model):
    """Draw ``count`` random questions of a category (and difficulty, if given)."""

    category: QuestionCategory
    difficulty: Difficulty | None = None
    count: PositiveInt
    types: list[QuestionType] = Field(default_factory=list)  # empty: any type
    brand: Slug | None = None  # only this brand's questions (and those for all brands)


class ExamAssignment(_Model):
    """Who may sit an exam: any listed role, team or person. Empty = everybody."""

    roles: list[Literal["trainee", "agent", "trainer", "manager"]] = Field(default_factory=list)
    teams: UniqueSlugs = Field(default_factory=list)
    users: UniqueSlugs = Field(default_factory=list)


class Exam(PackItem):
    """A paper: a fixed list of question keys, or draw rules - exactly one of the two."""

    kind: ClassVar[str] = "exams"
    key: Slug
    title: Text
    purpose: ExamPurpose
    time_limit_minutes: PositiveInt
    pass_mark: Percent
    attempts_allowed: PositiveInt = 1
    shuffle_questions: Bool = True
    shuffle_options: Bool = True
    show_answers_after: Bool = True
    questions: UniqueSlugs = Field(default_factory=list)
    draw: list[DrawRule] = Field(default_factory=list)
    # Points per question type (missing types use the defaults of cstrainer.domain.papers).
    points: dict[QuestionType, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    max_focus_losses: PositiveInt | None = None  # leaving the exam window more often submits it
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    assign: ExamAssignment | None = None

    @model_validator(mode="after")
    def _check(self) -> Exam:
        if bool(self.questions) == bool(self.draw):
            raise _fail("questions（固定题目）和 draw（抽题规则）必须且只能写一个")
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise _fail("必须晚于 opens_at", "closes_at")
        return self


class ScenarioKeyPoint(_Model):
    """A move the agent's reply should make: any synonym (jieba tokens) or regex counts."""

    id: Slug
    synonyms: list[Text] = Field(default_factory=list)
    regexes: list[Annotated[Text, AfterValidator(_valid_regex)]] = Field(default_factory=list)
    weight: Weight = 1.0
    feedback: Text
    better: Text | None = None  # a model wording shown when the point was missed

    @model_validator(mode="after")
    def _check(self) -> ScenarioKeyPoint:
        if not self.synonyms and not self.regexes:
            raise _fail("至少写一个同义词（synonyms）或正则（regexes）", "synonyms")
        return self


class ForbiddenMove(_Model):
    """Wording the agent must not use here (a wrong promise, a blunt payment reminder ...)."""

    id: Slug
    synonyms: list[Text] = Field(default_factory=list)
    regexes: list[Annotated[Text, AfterValidator(_valid_regex)]] = Field(default_factory=list)
    reason: Text

    @model_validator(mode="after")
    def _check(self) -> ForbiddenMove:
        if not self.synonyms and not self.regexes:
            raise _fail("至少写一个同义词（synonyms）或正则（regexes）", "synonyms")
        return self


class ExtraBannedWord(_Model):
    word: Text
    reason: Text


class ScenarioQc(_Model):
    """Scenario-level QC rules (质检项); the defaults are what QC checks in every chat."""

    greeting: Bool = True  # 欢迎语 in the first reply
    closing: Bool = True  # 结束语 in the reply that ends the conversation
    honorific: Bool = True  # 亲 / 您
    empathy_below_mood: Percent = 40  # empathy expected while the customer's mood is below this
    banned: Bool = True  # the shared banned-word lists apply
    extra_banned: list[ExtraBannedWord] = Field(default_factory=list)


class SuggestedPhrase(_Model):
    shortcut: Slug
    text: Text


class Turn(_Model):
    """One customer turn: what the customer says, what the agent's reply should cover, and where
    the conversation goes when it does (``on_covered``), does not (``on_missed``) or uses banned
    wording (``on_forbidden``)."""

    id: Slug
    wordings: Annotated[list[Text], Field(min_length=1)]
    impatient_wordings: list[Text] = Field(default_factory=list)  # said when the turn repeats
    key_points: list[ScenarioKeyPoint] = Field(default_factory=list)
    pass_ratio: Annotated[Num, Field(gt=0, le=1)] = 0.6
    forbidden: list[ForbiddenMove] = Field(default_factory=list)
    on_covered: Target
    on_missed: Target
    on_forbidden: Target | None = None

    @model_validator(mode="after")
    def _check(self) -> Turn:
        ids = [point.id for point in self.key_points]
        for index, point_id in enumerate(ids):
            if point_id in ids[:index]:
                raise _fail(f"重复的要点 id：{point_id}", "key_points", index, "id")
        return self


class Scenario(PackItem):
    """A simulated customer (role-play) as a small state machine of turns."""

    kind: ClassVar[str] = "scenarios"
    key: Slug
    title: Text
    brand: Slug
    products: UniqueSlugs = Field(default_factory=list)
    stage: ScenarioStage
    persona: Persona
    customer_name: Text | None = None
    competitors: UniqueSlugs = Field(default_factory=list)
    tags: UniqueTexts = Field(default_factory=list)  # e.g. 催付 竞品对比 议价 退货 破损 物流 差评威胁
    mood: Percent
    patience: Percent
    difficulty: Difficulty
    goal: Text
    success: list[Outcome] = Field(default_factory=list)
    reply_time_target_seconds: PositiveInt = 20
    max_replies: PositiveInt | None = None
    qc: ScenarioQc = Field(default_factory=ScenarioQc)
    forbidden: list[ForbiddenMove] = Field(default_factory=list)
    phrases: list[SuggestedPhrase] = Field(default_factory=list)
    start: Slug
    turns: Annotated[list[Turn], Field(min_length=1)]

    # The scenario as a whole (turn ids, branches, unreachable turns, dead ends ...) is checked by
    # cstrainer.domain.scenario.validate_scenario, which lists every problem at once; validate_item
    # runs it after the field checks (see _scenario_problems).


def _placeholders_known(text: str) -> str:
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in PLACEHOLDERS:
            allowed = " ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise _fail(f"未知的占位符 {{{name}}}，可用：{allowed}")
    return text


class Phrase(PackItem):
    """A quick reply (快捷短语); ``brand`` None means shared by all brands."""

    kind: ClassVar[str] = "phrases"
    key: Slug
    brand: Slug | None = None
    scene: PhraseScene
    intent: Text
    shortcut: Annotated[str, StringConstraints(pattern=_SHORTCUT_PATTERN)]
    text: Annotated[Text, AfterValidator(_placeholders_known)]
    tags: UniqueTexts = Field(default_factory=list)


MODEL_FOR_KIND: dict[str, type[PackItem]] = {
    "brands": Brand,
    "teams": Team,
    "users": User,
    "products": Product,
    "competitors": Competitor,
    "handbook": HandbookEntry,
    "questions": QuestionBase,  # dispatched on `type`, see QUESTION_MODELS
    "exams": Exam,
    "scenarios": Scenario,
    "phrases": Phrase,
}


def item_key(item: PackItem) -> str:
    """The identifying key of an item (``login`` for users, ``key`` for everything else)."""
    return str(getattr(item, item.key_field))


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def validate_item(kind: str, raw: Any) -> tuple[PackItem | None, list[tuple[YamlPath, str, bool]]]:
    """Validate one raw item of ``kind``.

    Returns the model (or None) and a list of ``(path, message, is_key)`` problems, ``path``
    relative to the item; ``is_key`` says the path names a mapping key (an unknown field) rather
    than a value, so the error should point at the key.
    """
    oversized = _size_problems(kind, raw)
    if oversized:
        return None, oversized
    model: type[PackItem]
    if kind == "questions":
        allowed = ", ".join(QUESTION_MODELS)
        if not isinstance(raw, dict):
            model = SingleChoice  # any question model reports "应为映射" the same way
        elif "type" not in raw:
            return None, [(("type",), f"缺少必填字段（{allowed}）", False)]
        elif not isinstance(raw["type"], str) or raw["type"] not in QUESTION_MODELS:
            return None, [(("type",), f"取值必须是 {allowed} 之一", False)]
        else:
            model = QUESTION_MODELS[raw["type"]]
    else:
        model = MODEL_FOR_KIND[kind]
    try:
        item = model.model_validate(raw)
    except ValidationError as exc:
        return None, [
            (_error_path(err), _describe(err), err["type"] == "extra_forbidden") for err in exc.errors()
        ]
    if isinstance(item, Scenario):
        problems = _scenario_problems(item)
        if problems:
            return None, problems
    return item, []


def _size_problems(kind: str, raw: Any) -> list[tuple[YamlPath, str, bool]]:
    """Texts longer than :func:`limits.field_limit`, lists longer than ``MAX_LIST_ITEMS`` and
    mapping keys longer than 64 characters (an unknown field that long is garbage), found before
    any validation spends time on them."""
    if _fits(kind, raw, ""):
        return []  # the usual case; else the walk finds what does not fit, with its path
    return _size_walk(kind, raw)


def _size_walk(kind: str, raw: Any) -> list[tuple[YamlPath, str, bool]]:
    """:func:`_size_problems` the long way: every value with its path."""
    problems: list[tuple[YamlPath, str, bool]] = []
    stack: list[tuple[YamlPath, Any]] = [((), raw)]
    while stack and len(problems) < 20:
        path, value = stack.pop()
        if isinstance(value, str):
            limit = field_limit(kind, path)
            if len(value) > limit:
                problems.append((path, too_long(len(value), limit), False))
        elif isinstance(value, dict):
            for name, child in value.items():
                if isinstance(name, str) and len(name) > 64:
                    problems.append(((*path, name[:20] + "…"), "未知字段（字段名太长）", True))
                    continue
                stack.append(((*path, name if isinstance(name, str | int) else str(name)), child))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                problems.append((path, f"列表太长：最多 {MAX_LIST_ITEMS} 项（现有 {len(value)} 项）", False))
                continue
            stack.extend(((*path, index), child) for index, child in enumerate(value))
    problems.sort(key=lambda p: [str(k) for k in p[0]])
    return problems


_FITS_DEPTH = 32  # deeper items are left to _size_walk (no recursion limit there)
_LIMITS: dict[str, dict[str, int]] = {}  # kind -> field name -> field_limit (FIELD_LIMITS is fixed)
_LIST_ITEM = object()  # the "key" of a list's item: the name above it stays


def _fits(kind: str, value: Any, name: str, limits: dict[str, int] | None = None, depth: int = 0) -> bool:
    """True when :func:`_size_walk` finds nothing in ``value``: the same checks without the
    paths (``name`` is the last mapping key above ``value``, which picks the field's limit)."""
    if limits is None:
        limits = _LIMITS.setdefault(kind, {})
    if isinstance(value, str):
        limit = limits.get(name)
        if limit is None:
            limit = limits[name] = field_limit(kind, (name,) if name else ())
        return len(value) <= limit
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            return False
        items = ((_LIST_ITEM, child) for child in value)
    else:
        return True
    for key, child in items:
        if key is _LIST_ITEM:
            child_name = name
        elif isinstance(key, str):
            if len(key) > 64:
                return False
            child_name = key
        else:
            child_name = name if isinstance(key, int) else str(key)
        if isinstance(child, str):
            limit = limits.get(child_name)
            if limit is None:
                limit = limits[child_name] = field_limit(kind, (child_name,) if child_name else ())
            if len(child) > limit:
                return False
        elif isinstance(child, dict | list) and (
            depth >= _FITS_DEPTH or not _fits(kind, child, child_name, limits, depth + 1)
        ):
            return False
    return True


def _scenario_problems(item: Scenario) -> list[tuple[YamlPath, str, bool]]:
    """The errors :func:`cstrainer.domain.scenario.validate_scenario` finds (warnings do not stop
    a pack from loading; ``cstrainer roleplay validate`` shows them)."""
    issues = validate_scenario(ScenarioDef.from_dict(item_to_dict(item)))
    return [(issue.path, issue.message, False) for issue in issues if issue.is_error]


# ---------------------------------------------------------------------------------------------
# Packs
# ---------------------------------------------------------------------------------------------

FieldRef = str | Sequence[PathKey] | None


@dataclass
class ContentPack:
    """One validated pack file. ``positions`` maps YAML paths to source positions."""

    path: Path
    schema_version: int
    kind: str
    demo: bool
    items: list[PackItem]
    positions: PositionMap = field(default_factory=PositionMap, repr=False, compare=False)

    def position_of(self, item_index: int, field: FieldRef = None) -> Position | None:
        """Source position of an item (or of one of its fields, e.g. ``"variants[0].values"``);
        falls back to the nearest existing parent. None if the pack was not read from a file."""
        return self.positions.value(("items", item_index, *_parse_field(field)))

    def line_of(self, item_index: int, field: FieldRef = None) -> int:
        """Source line (1-based) of an item or one of its fields; 0 when unknown."""
        position = self.position_of(item_index, field)
        return position.line if position else 0

    def error(self, item_index: int, field: FieldRef, message: str) -> PackError:
        """A :class:`PackError` pointing at an item's field in this pack."""
        path = ("items", item_index, *_parse_field(field))
        position = self.positions.value(path)
        return PackError(
            str(self.path),
            position.line if position else None,
            position.column if position else None,
            format_field(path),
            message,
        )


_TOP_LEVEL_KEYS = ("schema_version", "kind", "demo", "items")


def _close_kind(kind: object) -> str | None:
    if not isinstance(kind, str):
        return None
    matches = difflib.get_close_matches(kind, KIND_ORDER, n=1, cutoff=0.75)
    return matches[0] if matches else None


def parse_pack(text: str, path: Path | str = "<text>") -> ContentPack:
    """Parse pack text (``path`` only names it in errors); raise :class:`PackValidationError`
    listing every problem."""
    pack, errors = _parse(text, Path(path), strict=True)
    if errors or pack is None:
        raise PackValidationError(errors)
    return pack


def _parse(text: str, path: Path, *, strict: bool) -> tuple[ContentPack | None, list[PackError]]:
    """Parse and validate one document. With ``strict=False`` (directory scans) a document that
    is not a content pack - empty, not a mapping, or of another kind such as the compliance word
    lists - gives ``(None, [])``, unless its kind looks like a typo of a pack kind or it has no
    kind but the shape of a pack."""
    file = str(path)

    def err(
        at: Sequence[PathKey], message: str, *, key: bool = False, pos: Position | None = None
    ) -> PackError:
        if pos is None:
            pos = positions.key(at) if key else positions.value(at)
        return PackError(
            file, pos.line if pos else None, pos.column if pos else None, format_field(at) or None, message
        )

    positions = PositionMap()
    if len(text) > MAX_TEXT_FILE_BYTES:
        return None, [PackError(file, None, None, None, file_too_large(len(text), MAX_TEXT_FILE_BYTES))]
    try:
        data, positions = _load_yaml(text)
    except YamlSyntaxError as exc:
        return None, [PackError(file, exc.line, exc.column, None, exc.message)]

    if not isinstance(data, dict):
        if not strict:
            return None, []
        message = "文件是空的" if data is None else "顶层应为映射（schema_version / kind / items）"
        return None, [err((), message, pos=positions.value(()) or Position(1, 1))]

    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in PACK_KINDS:
        guess = _close_kind(kind)
        looks_like_pack = "kind" not in data and "items" in data and "schema_version" in data
        if not strict and guess is None and not looks_like_pack:
            return None, []
        if "kind" not in data:
            return None, [err((), "缺少 kind", pos=Position(1, 1))]
        hint = f"，是不是 {guess}？" if guess else f"（可用：{', '.join(KIND_ORDER)}）"
        return None, [err(("kind",), f"未知的内容包类型 {kind!r}{hint}")]

    errors: list[PackError] = []
    version = data.get("schema_version")
    if "schema_version" not in data:
        errors.append(
            err((), f"缺少 schema_version（当前版本为 {SUPPORTED_SCHEMA_VERSION}）", pos=Position(1, 1))
        )
    elif isinstance(version, bool) or not isinstance(version, int):
        errors.append(err(("schema_version",), "schema_version 应为整数"))
    elif version > SUPPORTED_SCHEMA_VERSION:
        # A newer format may mean anything; do not guess, and do not bury this under item errors.
        return None, [
            err(
                ("schema_version",),
                f"内容包版本 {version} 比本程序支持的 {SUPPORTED_SCHEMA_VERSION} 新，请升级",
            )
        ]
    elif version < 1:
        errors.append(err(("schema_version",), f"不支持的内容包版本 {version}"))

    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        errors.append(err(("demo",), "应为 true 或 false"))
        demo = False

    for name in data:
        if name not in _TOP_LEVEL_KEYS:
            errors.append(err((str(name),), "未知字段（拼写错误？）", key=True))

    raw_items = data.get("items")
    items: list[PackItem] = []
    if "items" not in data:
        errors.append(err((), "缺少 items", pos=Position(1, 1)))
    elif not isinstance(raw_items, list):
        errors.append(err(("items",), "items 应为列表"))
    elif len(raw_items) > MAX_ITEMS:
        errors.append(
            err(
                ("items",),
                f"条目太多：一个文件最多 {MAX_ITEMS} 条（现有 {len(raw_items)} 条），请拆成几个文件",
            )
        )
    else:
        for index, raw in enumerate(raw_items):
            model, problems = validate_item(kind, raw)
            for sub_path, message, is_key in problems:
                errors.append(err(("items", index, *sub_path), message, key=is_key))
            if model is None:
                continue
            if isinstance(model, User) and model.password is not None and not demo:
                errors.append(err(("items", index, "password"), "只有 demo: true 的演示包可以写明文密码"))
            items.append(model)

    if errors:
        # Pydantic reports field errors before cross-field ones; a reader wants them top to bottom.
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        return None, errors
    assert isinstance(version, int)
    return ContentPack(path, version, kind, demo, items, positions), []


def _read(path: Path) -> tuple[str | None, PackError | None]:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_FILE_BYTES:
            return None, PackError(str(path), None, None, None, file_too_large(size, MAX_TEXT_FILE_BYTES))
        return path.read_bytes().decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, PackError(str(path), None, None, None, f"文件不是 UTF-8 编码（第 {exc.start} 字节）")
    except OSError as exc:
        return None, PackError(str(path), None, None, None, f"无法读取文件：{exc.strerror or exc}")


def load_pack(path: Path | str) -> ContentPack:
    """Read and validate one pack file; raise :class:`PackValidationError` with every problem."""
    path = Path(path)
    text, error = _read(path)
    if error is not None or text is None:
        raise PackValidationError([error] if error else [])
    return parse_pack(text, path)


def _pack_files(paths_or_dirs: Iterable[Path | str]) -> Iterator[Path]:
    seen: set[Path] = set()
    for entry in paths_or_dirs:
        entry = Path(entry)
        if entry.is_dir():
            found = [
                p
                for p in entry.rglob("*")
                if p.suffix in (".yaml", ".yml")
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(entry).parts)
            ]
            candidates = sorted(found, key=lambda p: p.relative_to(entry).as_posix())
        else:
            candidates = [entry]
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield candidate


def load_packs(paths_or_dirs: Iterable[Path | str], include_demo: bool = True) -> list[ContentPack]:
    """Load every pack in the given files and directories (walked recursively, sorted).

    YAML files whose ``kind`` is not a content-pack kind (e.g. the compliance word lists) are
    skipped. With ``include_demo=False`` packs marked ``demo: true`` are left out. Raises
    :class:`PackValidationError` with the errors of *all* files; cross-file checks are
    :func:`validate_references`'s job.
    """
    packs: list[ContentPack] = []
    errors: list[PackError] = []
    for path in _pack_files(paths_or_dirs):
        text, error = _read(path)
        if error is not None or text is None:
            errors.extend([error] if error else [])
            continue
        pack, problems = _parse(text, path, strict=False)
        if not include_demo and _is_demo_text(pack, problems, text):
            continue
        errors.extend(problems)
        if pack is not None:
            packs.append(pack)
    if errors:
        raise PackValidationError(errors)
    return packs


def _is_demo_text(pack: ContentPack | None, problems: list[PackError], text: str) -> bool:
    if pack is not None:
        return pack.demo
    if not problems:
        return False
    # An invalid demo pack is still a demo pack: skipping it must not depend on its items.
    try:
        data, _ = _load_yaml(text)
    except YamlSyntaxError:
        return False
    return isinstance(data, dict) and data.get("demo") is True


def packs_in_import_order(packs: Iterable[ContentPack]) -> list[ContentPack]:
    """The packs sorted by :data:`KIND_ORDER` (stable within a kind)."""
    return sorted(packs, key=lambda pack: KIND_ORDER.index(pack.kind))


# ---------------------------------------------------------------------------------------------
# Cross-file checks
# ---------------------------------------------------------------------------------------------


def _references(item: PackItem) -> Iterator[tuple[YamlPath, str, str]]:
    """``(field path, target kind, key)`` for every reference an item makes."""
    if isinstance(item, Team):
        for i, key in enumerate(item.brands):
            yield ("brands", i), "brands", key
    elif isinstance(item, User):
        if item.team is not None:
            yield ("team",), "teams", item.team
        for i, key in enumerate(item.brands):
            yield ("brands", i), "brands", key
    elif isinstance(item, Product):
        yield ("brand",), "brands", item.brand
    elif isinstance(item, Competitor):
        yield ("our_product",), "products", item.our_product
    elif isinstance(item, HandbookEntry):
        if item.brand is not None:
            yield ("brand",), "brands", item.brand
        if item.product is not None:
            yield ("product",), "products", item.product
    elif isinstance(item, QuestionBase):
        if item.brand is not None:
            yield ("brand",), "brands", item.brand
        if item.handbook is not None:
            yield ("handbook",), "handbook", item.handbook
        for i, key in enumerate(item.products):
            yield ("products", i), "products", key
    elif isinstance(item, Exam):
        for i, key in enumerate(item.questions):
            yield ("questions", i), "questions", key
    elif isinstance(item, Scenario):
        yield ("brand",), "brands", item.brand
        for i, key in enumerate(item.products):
            yield ("products", i), "products", key
    elif isinstance(item, Phrase) and item.brand is not None:
        yield ("brand",), "brands", item.brand


def validate_references(
    packs: Sequence[ContentPack], known: Mapping[str, set[str]] | None = None
) -> list[PackError]:
    """Cross-file checks over ``packs``; returns the problems (empty list = all good).

    * keys are unique per kind across all packs (``login`` for users);
    * every referenced brand/team/product/handbook/question key exists among the packs, or in
      ``known`` (keys per kind that already exist elsewhere, e.g. in the database);
    * a product used by a scenario, a handbook entry or a question belongs to that item's brand
      (a question without a brand may name any product);
    * a phrase shortcut is unique within its brand, and a brand's shortcut does not clash with a
      shared (brand-less) phrase, since an agent of that brand sees both.
    """
    known = known or {}
    errors: list[PackError] = []
    defined: dict[str, dict[str, tuple[ContentPack, int]]] = {kind: {} for kind in KIND_ORDER}
    for pack in packs:
        for index, item in enumerate(pack.items):
            key = item_key(item)
            first = defined[pack.kind].get(key)
            if first is not None:
                other, other_index = first
                where = f"{other.path}:{other.line_of(other_index, item.key_field)}"
                errors.append(
                    pack.error(index, item.key_field, f"重复的 {item.key_field} {key!r}（已在 {where} 定义）")
                )
            else:
                defined[pack.kind][key] = (pack, index)

    def exists(kind: str, key: str) -> bool:
        return key in defined[kind] or key in known.get(kind, set())

    def brand_of_product(key: str) -> str | None:
        found = defined["products"].get(key)
        if found is None:
            return None
        product = found[0].items[found[1]]
        assert isinstance(product, Product)
        return product.brand

    for pack in packs:
        for index, item in enumerate(pack.items):
            for path, target, key in _references(item):
                if not exists(target, key):
                    errors.append(pack.error(index, path, f"引用的{KIND_LABELS[target]} {key!r} 不存在"))
            if isinstance(item, Scenario):
                for i, key in enumerate(item.products):
                    owner = brand_of_product(key)
                    if owner is not None and owner != item.brand:
                        errors.append(
                            pack.error(
                                index,
                                ("products", i),
                                f"商品 {key!r} 属于品牌 {owner!r}，不是 {item.brand!r}",
                            )
                        )
            if isinstance(item, QuestionBase) and item.brand is not None:
                for i, key in enumerate(item.products):
                    owner = brand_of_product(key)
                    if owner is not None and owner != item.brand:
                        errors.append(
                            pack.error(
                                index,
                                ("products", i),
                                f"商品 {key!r} 属于品牌 {owner!r}，不是 {item.brand!r}",
                            )
                        )
            if isinstance(item, HandbookEntry) and item.product is not None and item.brand is not None:
                owner = brand_of_product(item.product)
                if owner is not None and owner != item.brand:
                    errors.append(
                        pack.error(
                            index, "product", f"商品 {item.product!r} 属于品牌 {owner!r}，不是 {item.brand!r}"
                        )
                    )

    errors.extend(_shortcut_clashes(packs))
    return errors


def _shortcut_clashes(packs: Sequence[ContentPack]) -> list[PackError]:
    errors: list[PackError] = []
    # (brand or None, shortcut) -> first definition
    seen: dict[tuple[str | None, str], tuple[ContentPack, int]] = {}
    phrases = [
        (pack, i, item) for pack in packs for i, item in enumerate(pack.items) if isinstance(item, Phrase)
    ]
    # Shared phrases first, so a brand phrase is the one reported when it shadows a shared one.
    phrases.sort(key=lambda entry: entry[2].brand is not None)
    for pack, index, phrase in phrases:
        clash = seen.get((phrase.brand, phrase.shortcut))
        if clash is None and phrase.brand is not None:
            clash = seen.get((None, phrase.shortcut))
        if clash is not None:
            other, other_index = clash
            other_phrase = other.items[other_index]
            assert isinstance(other_phrase, Phrase)
            where = f"{other.path}:{other.line_of(other_index, 'shortcut')}"
            errors.append(
                pack.error(
                    index, "shortcut", f"快捷短语 {phrase.shortcut!r} 与 {other_phrase.key!r} 冲突（{where}）"
                )
            )
        else:
            seen[(phrase.brand, phrase.shortcut)] = (pack, index)
    return errors


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return item_to_dict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()  # JSON columns and YAML alike get an ISO 8601 string
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # 69.0 -> 69: prices read better without ".0"
    return value


def item_to_dict(model: BaseModel) -> dict[str, Any]:
    """Plain data for one model, in field order, leaving out fields that are optional and hold
    their default empty value (None, "", [], False) so an exported file stays as terse as a
    hand-written one."""
    out: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        empty = value is None or value is False or value == "" or value == []
        if empty and not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        out[name] = _plain(value)
    for name in getattr(model, "dump_tail", ()):
        if name in out:
            out[name] = out.pop(name)
    return out


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# Line breaks that a literal block would turn into "\n" on reading; such strings stay quoted.
_BLOCK_UNSAFE = frozenset("\r\x85\u2028\u2029")


class _PackDumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key, as people write them by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if _BLOCK_UNSAFE.intersection(data):
        # PyYAML would pick single quotes (or a block) and write these breaks raw; reading folds
        # them into spaces or "\n". Double quotes escape them, so the text survives.
        return dumper.represent_scalar(_STR_TAG, data, style='"')
    if "\n" in data:
        # The emitter still falls back to quoting when a literal block cannot hold the text.
        return dumper.represent_scalar(_STR_TAG, data, style="|")
    return dumper.represent_scalar(_STR_TAG, data)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    # Short lists of short scalars (platforms, scents, size-chart rows, synonyms) read better on
    # one line: `values: [S, M, L]`. Sentences stay one per line so diffs stay small.
    widths = [_display_width(str(v)) for v in data]
    short = (
        0 < len(data) <= 12
        and all(isinstance(v, str | int | float) and "\n" not in str(v) for v in data)
        and max(widths) <= 20
        and sum(w + 2 for w in widths) <= 60
    )
    return dumper.represent_sequence(_SEQ_TAG, data, flow_style=short)


_PackDumper.add_representer(str, _represent_str)
_PackDumper.add_representer(list, _represent_list)


def _models_for_dump(
    kind: str, items: Sequence[Mapping[str, Any] | PackItem], demo: bool, file: str
) -> list[PackItem]:
    if kind not in PACK_KINDS:
        raise ValueError(f"unknown content-pack kind: {kind!r}")
    models: list[PackItem] = []
    errors: list[PackError] = []
    for index, raw in enumerate(items):
        model: PackItem | None
        problems: list[tuple[YamlPath, str, bool]]
        if isinstance(raw, PackItem):
            model, problems = raw, []
            if raw.kind != kind:
                problems = [((), f"这是 {raw.kind} 条目，不能写进 {kind} 内容包", False)]
        else:
            model, problems = validate_item(kind, dict(raw))
        for path, message, _ in problems:
            errors.append(PackError(file, None, None, format_field(("items", index, *path)), message))
        if isinstance(model, User) and model.password is not None and not demo:
            errors.append(
                PackError(
                    file, None, None, f"items[{index}].password", "只有 demo: true 的演示包可以写明文密码"
                )
            )
        if model is not None and not problems:
            models.append(model)
    if errors:
        raise PackValidationError(errors)
    return models


def dumps_pack(kind: str, items: Sequence[Mapping[str, Any] | PackItem], demo: bool = False) -> str:
    """The pack text for ``items`` (plain dicts or item models), validated first."""
    return _render(kind, items, demo, f"<{kind}>")


def _render(kind: str, items: Sequence[Mapping[str, Any] | PackItem], demo: bool, file: str) -> str:
    models = _models_for_dump(kind, items, demo, file)
    document: dict[str, Any] = {"schema_version": SUPPORTED_SCHEMA_VERSION, "kind": kind}
    if demo:
        document["demo"] = True
    document["items"] = [item_to_dict(model) for model in models]
    text = yaml.dump(
        document,
        Dumper=_PackDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return _space_items(text)


_ITEM_START = re.compile(r"^  - ", re.MULTILINE)
_KEEP_BLOCK = re.compile(r"\|\d?\+\d?$", re.MULTILINE)


def _space_items(text: str) -> str:
    """Put a blank line between top-level items, as hand-written packs have.

    Only lines with exactly two spaces before "- " start an item: every scalar inside an item is
    indented deeper. A keep-chomping block (``|+``) would swallow the blank line as content, so
    files with one are left as they are.
    """
    if _KEEP_BLOCK.search(text):
        return text
    first = text.find("\n  - ")
    if first < 0:
        return text
    head, body = text[: first + 1], text[first + 1 :]
    return head + body[:4] + _ITEM_START.sub("\n  - ", body[4:])


def dump_pack(
    kind: str, items: Sequence[Mapping[str, Any] | PackItem], path: Path | str, demo: bool = False
) -> None:
    """Validate ``items`` and write them as a pack file (UTF-8, written atomically).

    Raises :class:`PackValidationError` (field paths, no lines) if an item does not validate,
    e.g. a password in a non-demo pack; nothing is written then.
    """
    path = Path(path)
    text = _render(kind, items, demo, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)


# Keep the Literal vocabularies importable as plain tuples for the GUI's combo boxes.
PLATFORMS: tuple[str, ...] = get_args(Platform)
TEAM_STAGES: tuple[str, ...] = get_args(TeamStage)
ROLES: tuple[str, ...] = get_args(Role)
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)
EXAM_PURPOSES: tuple[str, ...] = get_args(ExamPurpose)
SCENARIO_STAGES: tuple[str, ...] = get_args(ScenarioStage)
PERSONAS: tuple[str, ...] = get_args(Persona)
PHRASE_SCENES: tuple[str, ...] = _PHRASE_SCENES
