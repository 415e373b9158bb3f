"""Grading a reply to a customer: exam reply questions and role-play turns use this one grader.

:func:`grade_reply` looks at a reply in five dimensions, each scored 0..1:

============ ============================================================ ===================
dimension    score                                                        applies when
============ ============================================================ ===================
key_points   weighted coverage of the key points (a key point counts      there are key points
             when any synonym or regex hits, token-aligned, see
             :mod:`cstrainer.text.keywords`); times ``stuffing_factor``
             (0.5) when the reply is keyword stuffing
politeness   share of the expected courtesy checks met: honorific          any check expected
             (亲/您, ``require_honorific``), greeting in the opening
             (``expect_greeting``), closing (``expect_closing``)
empathy      1 when the reply soothes (抱歉/理解/着急/给您带来 …)            ``expect_empathy``
compliance   1, or 0 when the banned-word scanner finds anything          always
length       1 inside ``min_chars``..``max_chars`` (characters without    always
             whitespace); below: chars/min; above: max/chars
============ ============================================================ ===================

The overall score is ``100 × Σ weight·score / Σ weight`` over the dimensions that apply (default
weights 55 / 15 / 10 / 15 / 5, :class:`ReplyWeights`), so a dimension that does not apply passes
its share on instead of giving free points. Two caps follow: a reply with banned wording scores
at most ``banned_cap`` (60) - QC treats banned wording as a red line, whatever else the reply
did well - and a reply of nothing but filler words (嗯/好的/稍等/在的/哦, :attr:`filler_only`)
scores at most ``filler_cap`` (0): it answers nothing. An empty reply scores 0.

Courtesy phrases are matched on the folded text (NFKC, lower case). Phrases of two or more
characters match anywhere (感谢 inside 感谢您); a single character must be a jieba token of its
own, so 亲 does not hit 亲自 or 父亲 - except 您, which has no other use. A greeting must begin
within the first ``greeting_window`` characters (it opens the reply); a closing may stand
anywhere.

**Keyword stuffing** - a reply that lists the key words instead of saying something - earns at
most half the key-point score. It is decided on jieba tokens, with three conditions that must
all hold; :class:`StuffingEvidence` keeps the figures so :meth:`ReplyAssessment.explain` can say
why:

1. *key words dominate*: at least 50 % of the reply's content characters (not punctuation or
   whitespace) lie inside key-point hits;
2. *no sentence glue*: the distinct grammar words outside the hits number fewer than 12 % of
   its content tokens (distinct, so sprinkling one 的 over a list does not make a sentence).
   Grammar words are verbs and modals that carry a sentence (是/有/可以/支持/给/帮/发), pronouns (我们/您/这边),
   prepositions and conjunctions (和/把/为/如果/就/都/也/还), aspect and structure particles
   (的/了/着/过), negation and question words. Degree adverbs (非常 in 非常抱歉), modal particles
   (哦/呢/哈) and forms of address (亲) do not count: they are easily sprinkled over a list and
   do not make it a sentence;
3. *it is a list*: at least two separate bare keyword segments (pieces between separators -
   spaces, 、，；/ - that are nothing but key words, ignoring a leading 亲 or trailing 哦), or
   three or more key points hit with key words making up 75 % or more of the reply, or key
   words making up 90 % or more of it. (A full sentence answering a refund request names
   全额退款, 原路退回, 不用寄回 and 抱歉 at once and is not a list.)

So "七天无理由 运费险 顺丰包邮", "亲 七天无理由 运费险 顺丰 哦" and a bare "七天无理由" are stuffing,
while "亲，支持七天无理由退换哦" (支持 is a verb) and "亲，七天无理由退换哦" (one phrase, not a list) are
real, if short, sentences.

Speed: compiling a :class:`~cstrainer.text.keywords.KeywordMatcher` is the expensive part, so it
is built once per key-point tuple and cached (the caller's ``matcher_cache`` mapping, or a
module LRU cache). Grading then costs one jieba segmentation (the grader hands its own to the
matcher, which would otherwise segment the same text again) and one banned-word scan: about a
quarter of a millisecond for a chat-length reply with jieba loaded.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cstrainer.domain.normalize import normalize_answer
from cstrainer.domain.questions import KeyPointSpec
from cstrainer.text.banned import BannedHit, BannedWordScanner
from cstrainer.text.keywords import KeyPoint, KeywordMatcher, Span
from cstrainer.text.normalize import fold
from cstrainer.text.segment import Segmenter, Token, default_segmenter

__all__ = [
    "CLOSINGS",
    "DEFAULT_RULES",
    "EMPATHY_PHRASES",
    "GREETINGS",
    "HONORIFICS",
    "DimensionScore",
    "KeyPointResult",
    "MarkerResult",
    "MatcherCache",
    "ReplyAssessment",
    "ReplyRules",
    "ReplyWeights",
    "StuffingEvidence",
    "customer_seems_upset",
    "grade_reply",
    "match_key_points",
    "matcher_for",
]

HONORIFICS: tuple[str, ...] = ("您", "亲", "亲亲", "亲爱的", "亲们")
GREETINGS: tuple[str, ...] = (
    "您好", "你好", "亲", "亲亲", "欢迎光临", "欢迎来到", "在的", "在呢", "在哦", "哈喽", "hello", "嗨", "早上好", "上午好", "中午好", "下午好", "晚上好", "很高兴为您服务", "有什么可以帮",
    "有什么能帮", "请问有什么",
)  # fmt: skip
CLOSINGS: tuple[str, ...] = (
    "祝您", "祝你", "感谢", "谢谢", "欢迎下次", "欢迎再次", "欢迎再来", "下次再来", "随时联系", "随时找",
    "随时咨询", "随时告诉", "随时留言", "有问题随时", "有任何问题", "有什么问题", "还有什么可以帮",
    "还有其他问题", "还有什么问题", "购物愉快", "生活愉快", "周末愉快", "工作愉快", "再见", "拜拜",
    "期待您", "期待再次",
)  # fmt: skip
EMPATHY_PHRASES: tuple[str, ...] = (
    "抱歉", "对不起", "不好意思", "理解", "着急", "给您带来", "带来不便", "添麻烦", "久等", "辛苦",
    "遗憾", "心情", "别担心", "不要担心", "请放心", "委屈", "体谅",
)  # fmt: skip

# Single characters that count wherever they stand (see the module docstring).
_ANYWHERE_CHARS = frozenset("您")

# Thresholds of the keyword-stuffing heuristic (module docstring, conditions 1-3).
STUFFING_MIN_KEY_SHARE = 0.5
STUFFING_MAX_GRAMMAR_SHARE = 0.12
STUFFING_ALL_KEYWORDS_SHARE = 0.9
STUFFING_MIN_BARE_SEGMENTS = 2
STUFFING_MIN_POINTS = 3
STUFFING_MANY_POINTS_KEY_SHARE = 0.75

# Words that hold a sentence together. Degree adverbs, modal particles and forms of address are
# deliberately absent (module docstring, condition 2).
GRAMMAR_WORDS: frozenset[str] = frozenset(
    """
    我 我们 咱 咱们 你 你们 您 您们 他 她 它 他们 她们 它们 这 那 这个 那个 这些 那些 这边 那边 这里
    那里 这样 那样 这款 那款 这种 这次 自己 大家 本店 小店 我家 我们家 哪 哪里 哪个 什么 怎么 怎样 为什么
    多少 几 吗 谁
    是 有 没有 在 可以 可 能 能够 会 要 想 需要 应该 得 必须 支持 提供 帮 帮您 帮你 给 给您 给你 为 为您
    让 请 请问 麻烦 发 发给 寄 送 赠送 退 换 拍 拍照 看 看看 说 告诉 联系 安排 处理 核实 确认 查 查询
    查看 申请 选择 选 用 使用 穿 洗 买 购买 下单 收到 到 来 去 做 填 点 点击 留 备注 改 修改 登记 补 保持
    知道 觉得 建议 推荐 适合 包括 享受 参加 领取 领 如何 叫 记得 注意 放 加 算 开 关注 回复 反馈 等待
    和 跟 与 及 以及 或 或者 还是 把 被 从 对 向 往 于 以 因为 所以 但 但是 不过 而且 并且 如果 要是
    只要 就 都 也 还 又 再 才 只 已 已经 正在 马上 立即 立刻 一下 一起 然后 之后 以后 之前 的话 先 会有
    的 地 着 了 过 不 没 别 无需 不用 不会 不能 不要
    """.split()  # noqa: SIM905 - a word block reads better than 200 quoted strings
)
# Modal particles and forms of address: ignored at the edges of a bare keyword segment.
_EDGE_WORDS = frozenset(
    ("亲", "亲亲", "亲爱的", "您好", "哦", "呢", "哈", "啊", "呀", "吧", "啦", "嘛", "哟", "噢", "喔", "滴", "哒", "嘞", "哈哈", "哦哦", "呐", "~")
)  # fmt: skip
# A reply made only of these (after dropping punctuation, emoji and spaces) is filler.
_FILLER = re.compile(
    r"(?:亲亲|亲爱的|亲|您|嗯+|嗯呢|好的?|好滴|好哒|好嘞|好呢|稍等(?:一下)?|请稍等(?:一下)?|稍候|请稍候|"
    r"在的|在呢|在哦|在|收到|明白|了解|知道了|ok|okay|哦+|噢+|喔+|呢|哈+|呀|啦|的|了|啊|嘞|滴|哒)+"
)
_SEGMENT = re.compile(r"[^\s,，、;；/|。！？!?.:：~～]+")
_UPSET = re.compile(
    r"[?？]{2,}|[!！]{2,}|怎么回事|到底|投诉|差评|太差|垃圾|骗子?|气死|无语|什么情况|坑人|坑爹|失望|"
    r"太慢|还没到|还没发|坏了|破了|漏了|烂了|不能用|过分|离谱|退款|赔偿|12315|举报|搞什么"
)


def customer_seems_upset(message: str) -> bool:
    """A rough guess whether a customer message is upset (??, 投诉, 坏了, 退款 …).

    Used to switch on ``expect_empathy`` for reply questions whose rules do not say; trainers
    can always set it explicitly.
    """
    return bool(message) and _UPSET.search(fold(message)) is not None


@dataclass(frozen=True)
class ReplyWeights:
    """Relative weights of the dimensions in the overall score (only applying ones count)."""

    key_points: float = 55.0
    politeness: float = 15.0
    empathy: float = 10.0
    compliance: float = 15.0
    length: float = 5.0


@dataclass(frozen=True)
class ReplyRules:
    """What a good reply must do. Phrase lists can be replaced per brand (a brand's own voice)."""

    require_honorific: bool = True
    expect_greeting: bool = False
    expect_closing: bool = False
    expect_empathy: bool = False
    min_chars: int = 5
    max_chars: int | None = 300
    weights: ReplyWeights = field(default_factory=ReplyWeights)
    stuffing_factor: float = 0.5
    banned_cap: float | None = 60.0
    filler_cap: float = 0.0
    greeting_window: int = 12
    honorifics: tuple[str, ...] = HONORIFICS
    greetings: tuple[str, ...] = GREETINGS
    closings: tuple[str, ...] = CLOSINGS
    empathy_phrases: tuple[str, ...] = EMPATHY_PHRASES


DEFAULT_RULES = ReplyRules()


@dataclass(frozen=True)
class KeyPointResult:
    """One key point: hit or not, where, and what to tell the trainee when it was missed."""

    spec: KeyPointSpec
    hit: bool
    spans: tuple[Span, ...]
    feedback: str  # empty when hit

    @property
    def label(self) -> str:
        """A short name for lists: the id, else the first synonym, else the first regex."""
        if self.spec.id:
            return self.spec.id
        return _first_wording(self.spec)


@dataclass(frozen=True)
class MarkerResult:
    """A courtesy check: whether it is expected and whether (and where) it was found."""

    expected: bool
    found: bool
    spans: tuple[Span, ...] = ()

    @property
    def met(self) -> bool:
        return self.found or not self.expected


@dataclass(frozen=True)
class StuffingEvidence:
    """The figures behind the keyword-stuffing decision (see the module docstring)."""

    key_char_share: float
    grammar_share: float
    bare_segments: int
    points_hit: int
    is_stuffing: bool


@dataclass(frozen=True)
class DimensionScore:
    name: str  # key_points | politeness | empathy | compliance | length
    label: str  # Chinese
    score: float  # 0..1
    weight: float
    applies: bool

    def points(self, total_weight: float) -> float:
        """This dimension's contribution to the 0..100 score."""
        if not self.applies or total_weight <= 0:
            return 0.0
        return 100.0 * self.weight * self.score / total_weight

    def max_points(self, total_weight: float) -> float:
        if not self.applies or total_weight <= 0:
            return 0.0
        return 100.0 * self.weight / total_weight


@dataclass(frozen=True)
class ReplyAssessment:
    """Everything the grader found in one reply, and the score it gives."""

    text: str
    key_points: tuple[KeyPointResult, ...]
    coverage: float  # weighted key-point coverage before the stuffing factor, 0..1
    banned: tuple[BannedHit, ...]
    honorific: MarkerResult
    greeting: MarkerResult
    closing: MarkerResult
    empathy: MarkerResult
    keyword_stuffing: bool
    stuffing: StuffingEvidence
    filler_only: bool
    char_count: int
    dimensions: tuple[DimensionScore, ...]
    score: float  # 0..100, after caps
    uncapped_score: float
    cap_reason: str  # "" | "banned" | "filler" | "empty"
    rules: ReplyRules

    @property
    def fraction(self) -> float:
        return self.score / 100.0

    @property
    def compliant(self) -> bool:
        return not self.banned

    @property
    def missed(self) -> tuple[KeyPointResult, ...]:
        return tuple(r for r in self.key_points if not r.hit)

    def dimension(self, name: str) -> DimensionScore:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    def breakdown(self) -> list[tuple[str, float, float]]:
        """(label, points earned, points possible) per applying dimension, on the 0..100 scale."""
        total = sum(d.weight for d in self.dimensions if d.applies)
        return [(d.label, d.points(total), d.max_points(total)) for d in self.dimensions if d.applies]

    @property
    def scores(self) -> dict[str, float]:
        """Dimension name -> score 0..1, for the dimensions that apply."""
        return {d.name: d.score for d in self.dimensions if d.applies}

    def explain(self) -> list[str]:
        """Lines (Chinese) naming what earned and what lost points, most important first."""
        if self.cap_reason == "empty":
            return ["未作答：0 分。"]
        total_weight = sum(d.weight for d in self.dimensions if d.applies)
        lines = [f"总分 {_fmt(self.score)}/100。"]
        for d in self.dimensions:
            if not d.applies:
                continue
            got, top = d.points(total_weight), d.max_points(total_weight)
            head = f"{d.label} {_fmt(got)}/{_fmt(top)} 分"
            if d.name == "key_points":
                hit = [r for r in self.key_points if r.hit]
                line = f"{head}：命中 {len(hit)}/{len(self.key_points)} 个要点（加权覆盖 {round(self.coverage * 100)}%）"
                if hit:
                    words = "、".join(f"“{r.spans[0].word}”" for r in hit if r.spans)
                    line += f"，提到了{words}" if words else ""
                lines.append(line + "。")
                for r in self.missed:
                    lines.append(f"  缺少要点：{r.feedback}")
                if self.keyword_stuffing:
                    e = self.stuffing
                    lines.append(
                        f"  关键词堆砌：要点词占回复字数的 {round(e.key_char_share * 100)}%，"
                        f"几乎没有成句的词（是、有、可以、我们、给您……），要点分按 "
                        f"{round(self.rules.stuffing_factor * 100)}% 计。请用完整的句子回复顾客。"
                    )
            elif d.name == "politeness":
                parts = []
                for name, marker, hint in (
                    ("敬称（亲/您）", self.honorific, "称呼顾客“亲”或“您”"),
                    ("欢迎语", self.greeting, "开头先问候，如“亲，您好”"),
                    ("结束语", self.closing, "结尾加上“祝您购物愉快”“有问题随时联系”之类"),
                ):
                    if not marker.expected:
                        continue
                    if marker.found:
                        parts.append(f"{name}✓“{marker.spans[0].word}”")
                    else:
                        parts.append(f"{name}✗（{hint}）")
                lines.append(f"{head}：" + "；".join(parts) + "。")
            elif d.name == "empathy":
                if self.empathy.found:
                    lines.append(f"{head}：有安抚顾客情绪的话（“{self.empathy.spans[0].word}”）。")
                else:
                    lines.append(f"{head}：顾客情绪不好，先道歉、表示理解（如“非常抱歉给您带来不便”）。")
            elif d.name == "compliance":
                if not self.banned:
                    lines.append(f"{head}：没有违禁用语。")
                else:
                    lines.append(f"{head}：出现违禁用语。")
                    for banned in _outermost(self.banned):
                        lines.append(f"  “{banned.word}”：{banned.reason}")
            elif d.name == "length":
                rules = self.rules
                if d.score >= 1.0:
                    lines.append(f"{head}：{self.char_count} 字，长度合适。")
                elif self.char_count < rules.min_chars:
                    lines.append(f"{head}：只有 {self.char_count} 字，少于建议的 {rules.min_chars} 字。")
                else:
                    lines.append(
                        f"{head}：{self.char_count} 字，超过建议的 {rules.max_chars} 字，顾客不爱看长段文字。"
                    )
        if self.cap_reason == "banned":
            lines.append(
                f"因为出现违禁用语，总分最高 {_fmt(self.rules.banned_cap or 0)} 分（未封顶为 {_fmt(self.uncapped_score)}）。"
            )
        elif self.cap_reason == "filler":
            lines.append(
                f"回复只有“好的/稍等/在的”之类的应答词，没有回答顾客的问题，总分最高 {_fmt(self.rules.filler_cap)} 分。"
            )
        return lines


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _outermost(hits: Sequence[BannedHit]) -> list[BannedHit]:
    from cstrainer.text.banned import collapse_nested

    return collapse_nested(hits)


def _first_wording(spec: KeyPointSpec) -> str:
    for s in spec.synonyms:
        if s.strip():
            return s.strip()
    return spec.regexes[0] if spec.regexes else "?"


# -- key points ------------------------------------------------------------------------------------

MatcherCache = MutableMapping[tuple[KeyPointSpec, ...], KeywordMatcher]


class _SharedSegmentation(Segmenter):
    """The default segmenter, remembering the last segmentation per thread.

    The grader segments the folded reply (``hmm=False``) for its own checks, and the keyword
    matcher segments the very same string again; handing the matcher this segmenter turns the
    second segmentation - a third of the grading time - into a lookup.
    """

    def __init__(self) -> None:
        super().__init__()
        self._last = threading.local()

    def tokens(self, text: str, *, hmm: bool = True) -> list[Token]:
        last = getattr(self._last, "value", None)
        if last is not None and last[0] == text and last[1] == hmm:
            return list(last[2])
        toks = default_segmenter().tokens(text, hmm=hmm)
        self._last.value = (text, hmm, tuple(toks))
        return toks

    def term_splits(self, word: str) -> tuple[int, ...]:
        return default_segmenter().term_splits(word)


_SEGMENTATION = _SharedSegmentation()


def _build_matcher(specs: tuple[KeyPointSpec, ...]) -> KeywordMatcher:
    seen: set[str] = set()
    points: list[KeyPoint] = []
    for index, spec in enumerate(specs):
        kp_id = spec.id if spec.id and spec.id not in seen else f"kp{index + 1}"
        while kp_id in seen:
            kp_id += "_"
        seen.add(kp_id)
        points.append(KeyPoint(kp_id, tuple(spec.synonyms), spec.weight, tuple(spec.regexes), spec.feedback))
    return KeywordMatcher(points, _SEGMENTATION)


@lru_cache(maxsize=2048)
def _cached_matcher(specs: tuple[KeyPointSpec, ...]) -> KeywordMatcher:
    return _build_matcher(specs)


def matcher_for(key_points: Sequence[KeyPointSpec], cache: MatcherCache | None = None) -> KeywordMatcher:
    """The compiled matcher for a key-point list, built once per list.

    ``cache`` is any mutable mapping keyed by the spec tuple (a dict owned by a grading run, a
    role-play session); without one a process-wide LRU cache of 2,048 lists is used. Raises
    ``ValueError`` for a key point with neither synonyms nor regexes or with a bad regex.
    """
    specs = tuple(key_points)
    if cache is None:
        return _cached_matcher(specs)
    matcher = cache.get(specs)
    if matcher is None:
        matcher = _build_matcher(specs)
        cache[specs] = matcher
    return matcher


def _missed_feedback(spec: KeyPointSpec) -> str:
    if spec.feedback:
        return spec.feedback
    words = [s.strip() for s in spec.synonyms if s.strip()][:3]
    if words:
        return "没有提到" + "或".join(f"“{w}”" for w in words) + "。"
    return "没有提到这个要点。"


def match_key_points(
    text: str, key_points: Sequence[KeyPointSpec], *, matcher_cache: MatcherCache | None = None
) -> tuple[tuple[KeyPointResult, ...], float]:
    """Key-point results and the weighted coverage (0..1; 1.0 when there are no key points).

    This is the key-point part of :func:`grade_reply` without courtesy, compliance or the
    stuffing rule; short-answer questions are graded with it.
    """
    specs = tuple(key_points)
    if not specs:
        return (), 1.0
    matcher = matcher_for(specs, matcher_cache)
    matches = matcher.match(text or "")
    results = tuple(
        KeyPointResult(spec, m.hit, m.spans, "" if m.hit else _missed_feedback(spec))
        for spec, m in zip(specs, matches, strict=True)
    )
    total = math.fsum(max(0.0, s.weight) for s in specs)
    if total <= 0:
        return results, 1.0
    got = math.fsum(max(0.0, r.spec.weight) for r in results if r.hit)
    return results, got / total


# -- courtesy markers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MarkerSet:
    phrases: re.Pattern[str] | None  # multi-character phrases and anywhere-characters
    token_words: frozenset[str]  # single characters that must be whole tokens


@lru_cache(maxsize=64)
def _marker_set(words: tuple[str, ...]) -> _MarkerSet:
    multi = sorted(
        {fold(w.strip()) for w in words if len(w.strip()) > 1 or w.strip() in _ANYWHERE_CHARS},
        key=lambda w: (-len(w), w),
    )
    single = frozenset(
        fold(w.strip()) for w in words if len(w.strip()) == 1 and w.strip() not in _ANYWHERE_CHARS
    )
    pattern = re.compile("|".join(re.escape(w) for w in multi)) if multi else None
    return _MarkerSet(pattern, single)


def _find_markers(
    text: str, folded: str, toks: Sequence[Token], words: tuple[str, ...], *, window: int | None = None
) -> tuple[Span, ...]:
    markers = _marker_set(words)
    found: set[tuple[int, int]] = set()
    if markers.phrases is not None:
        for m in markers.phrases.finditer(folded):
            found.add(m.span())
    if markers.token_words:
        for tok in toks:
            if tok.word in markers.token_words:
                found.add((tok.start, tok.end))
    spans = sorted(found)
    if window is not None:
        opening = _opening_offset(folded, window)
        spans = [(s, e) for s, e in spans if s < opening]
    return tuple(Span(text[s:e], s, e) for s, e in spans)


def _opening_offset(folded: str, window: int) -> int:
    """The offset just past the first ``window`` non-whitespace characters."""
    seen = 0
    for index, ch in enumerate(folded):
        if not ch.isspace():
            seen += 1
            if seen > window:
                return index
    return len(folded)


# -- keyword stuffing ------------------------------------------------------------------------------


def _is_content(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


def _stuffing(folded: str, toks: Sequence[Token], results: Sequence[KeyPointResult]) -> StuffingEvidence:
    points_hit = sum(1 for r in results if r.hit)
    covered = bytearray(len(folded))
    for r in results:
        for span in r.spans:
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
    content_chars = [i for i, ch in enumerate(folded) if ch.isalnum()]
    if not content_chars or points_hit == 0:
        return StuffingEvidence(0.0, 0.0, 0, points_hit, False)
    key_share = sum(covered[i] for i in content_chars) / len(content_chars)

    content_tokens = [t for t in toks if _is_content(t.word)]
    inside = [any(covered[t.start : t.end]) for t in content_tokens]
    # Distinct words: sprinkling one 的 over a list does not make it a sentence.
    grammar = len(
        {t.word for t, hit in zip(content_tokens, inside, strict=True) if not hit and t.word in GRAMMAR_WORDS}
    )
    grammar_share = grammar / len(content_tokens) if content_tokens else 0.0

    # Bare keyword segments: between separators, nothing but key words (edge words aside).
    # Tokens and segments are both in text order, so one walk assigns each token its segment.
    bare = 0
    position = 0
    for segment in _SEGMENT.finditer(folded):
        start, end = segment.span()
        while position < len(content_tokens) and content_tokens[position].start < start:
            position += 1
        first = position
        while position < len(content_tokens) and content_tokens[position].start < end:
            position += 1
        inner = list(range(first, position))
        while inner and content_tokens[inner[0]].word in _EDGE_WORDS and not inside[inner[0]]:
            inner.pop(0)
        while inner and content_tokens[inner[-1]].word in _EDGE_WORDS and not inside[inner[-1]]:
            inner.pop()
        if inner and all(
            covered[i] or not folded[i].isalnum()
            for k in inner
            for i in range(content_tokens[k].start, content_tokens[k].end)
        ):
            bare += 1

    is_list = (
        bare >= STUFFING_MIN_BARE_SEGMENTS
        # many points at once make a list only when little else is said: a full reply to a
        # refund request naturally names 全额退款, 原路退回, 不用寄回 and 抱歉 in one sentence
        or (points_hit >= STUFFING_MIN_POINTS and key_share >= STUFFING_MANY_POINTS_KEY_SHARE)
        or key_share >= STUFFING_ALL_KEYWORDS_SHARE
    )
    stuffing = key_share >= STUFFING_MIN_KEY_SHARE and grammar_share < STUFFING_MAX_GRAMMAR_SHARE and is_list
    return StuffingEvidence(key_share, grammar_share, bare, points_hit, stuffing)


# -- the grader ------------------------------------------------------------------------------------


def _length_score(chars: int, rules: ReplyRules) -> float:
    if chars <= 0:
        return 0.0
    if chars < rules.min_chars:
        return chars / rules.min_chars
    if rules.max_chars is not None and chars > rules.max_chars > 0:
        return rules.max_chars / chars
    return 1.0


_NO_STUFFING = StuffingEvidence(0.0, 0.0, 0, 0, False)


def grade_reply(
    text: str,
    key_points: Sequence[KeyPointSpec],
    *,
    scanner: BannedWordScanner,
    matcher_cache: MatcherCache | None = None,
    rules: ReplyRules = DEFAULT_RULES,
) -> ReplyAssessment:
    """Grade one reply to a customer (see the module docstring for the scoring).

    ``key_points`` may be empty (a role-play turn that only checks courtesy and compliance).
    A non-string ``text`` is treated as empty. Raises ``ValueError`` only for broken key points
    (no wording, bad regex).
    """
    if not isinstance(text, str):
        text = ""
    specs = tuple(key_points)
    weights = rules.weights
    stripped = text.strip()
    if not stripped:
        results = tuple(KeyPointResult(s, False, (), _missed_feedback(s)) for s in specs)
        absent = MarkerResult(False, False)
        dims: tuple[DimensionScore, ...] = (
            DimensionScore("key_points", "要点", 0.0, weights.key_points, bool(specs)),
            DimensionScore("compliance", "合规", 0.0, weights.compliance, True),
            DimensionScore("length", "字数", 0.0, weights.length, True),
        )
        return ReplyAssessment(
            text, results, 0.0, (), absent, absent, absent, absent, False, _NO_STUFFING, False, 0,
            dims, 0.0, 0.0, "empty", rules,
        )  # fmt: skip

    folded = fold(text)
    toks = _SEGMENTATION.tokens(folded, hmm=False)
    results, coverage = match_key_points(text, specs, matcher_cache=matcher_cache)
    banned = tuple(scanner.scan(text))

    found = _find_markers(text, folded, toks, rules.honorifics)
    honorific = MarkerResult(rules.require_honorific, bool(found), found)
    found = _find_markers(text, folded, toks, rules.greetings, window=rules.greeting_window)
    greeting = MarkerResult(rules.expect_greeting, bool(found), found)
    found = _find_markers(text, folded, toks, rules.closings)
    closing = MarkerResult(rules.expect_closing, bool(found), found)
    found = _find_markers(text, folded, toks, rules.empathy_phrases)
    empathy = MarkerResult(rules.expect_empathy, bool(found), found)

    stuffing = _stuffing(folded, toks, results) if specs else _NO_STUFFING
    filler_only = _FILLER.fullmatch(normalize_answer(text)) is not None
    char_count = sum(1 for ch in text if not ch.isspace())

    key_score = coverage * (rules.stuffing_factor if stuffing.is_stuffing else 1.0)
    courtesy = [m for m in (honorific, greeting, closing) if m.expected]
    politeness = sum(1 for m in courtesy if m.found) / len(courtesy) if courtesy else 0.0
    if filler_only:
        key_score = 0.0
    dims = (
        DimensionScore("key_points", "要点", key_score, weights.key_points, bool(specs)),
        DimensionScore("politeness", "礼貌用语", politeness, weights.politeness, bool(courtesy)),
        DimensionScore(
            "empathy", "安抚情绪", 1.0 if empathy.found else 0.0, weights.empathy, empathy.expected
        ),
        DimensionScore("compliance", "合规", 0.0 if banned else 1.0, weights.compliance, True),
        DimensionScore("length", "字数", _length_score(char_count, rules), weights.length, True),
    )
    total_weight = sum(d.weight for d in dims if d.applies)
    raw = sum(d.points(total_weight) for d in dims)
    raw = min(100.0, max(0.0, raw))
    score, cap = raw, ""
    if filler_only and score > rules.filler_cap:
        score, cap = max(0.0, rules.filler_cap), "filler"
    if banned and rules.banned_cap is not None and score > rules.banned_cap:
        score, cap = max(0.0, rules.banned_cap), "banned"
    return ReplyAssessment(
        text=text,
        key_points=results,
        coverage=coverage,
        banned=banned,
        honorific=honorific,
        greeting=greeting,
        closing=closing,
        empathy=empathy,
        keyword_stuffing=stuffing.is_stuffing,
        stuffing=stuffing,
        filler_only=filler_only,
        char_count=char_count,
        dimensions=dims,
        score=round(score, 4),
        uncapped_score=round(raw, 4),
        cap_reason=cap,
        rules=rules,
    )
