"""Banned-wording scanner: advertising-law absolute terms, off-platform contact, review
inducement, false promises and efficacy claims in an agent's reply.

Rules come from a YAML data file (``scripts_library/compliance/banned_words.yaml``) that trainers
review like any other content. A rule is either a literal ``word`` or a regular expression
``pattern``; each may list ``exceptions``: longer expressions that contain the banned wording but
are fine (``最近`` for ``最``, ``第一次`` for ``第一``). A hit that lies inside an occurrence of one
of its rule's exceptions is dropped.

Scanning is done on the folded text (NFKC + lower case, see :mod:`cstrainer.text.normalize`):
``ＶＸ``, ``Vx`` and ``vx`` are the same and a full-width phone number is still a phone number.
Offsets in the results always refer to the original text.

All literal words go into one Aho-Corasick automaton, so every occurrence of every word is found
in a single pass, including occurrences that overlap a different word (``全网最低价`` reports
``全网最低价``, ``最低价`` and ``最``: each rule explains a different problem). Hits of one rule do
not overlap each other. :func:`collapse_nested` keeps only the outermost hits when a display
needs fewer marks.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cstrainer.text.normalize import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    import yaml

__all__ = [
    "RULE_LABELS",
    "BannedHit",
    "BannedRule",
    "BannedRulesError",
    "BannedWordScanner",
    "RuleFileIssue",
    "check_rule",
    "collapse_nested",
    "default_rules",
    "default_rules_path",
    "default_scanner",
    "dump_rules",
    "load_rules",
    "load_rules_with_notes",
]

SCHEMA_VERSION = 1
KIND = "banned_words"
_RULE_ID = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class BannedRule:
    """One banned wording: exactly one of ``word`` (literal) or ``pattern`` (regex) is set.

    ``reason`` is the Chinese explanation shown to the agent; ``rule`` is the category id
    (``absolute_terms``, ``off_platform``, ``paid_review`` ...). Lists are accepted for
    ``exceptions`` and stored as a tuple.
    """

    word: str | None
    reason: str
    rule: str
    exceptions: tuple[str, ...] = ()
    pattern: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.exceptions, tuple):
            object.__setattr__(self, "exceptions", tuple(self.exceptions))
        if (self.word is None) == (self.pattern is None):
            raise ValueError("a banned rule needs exactly one of word or pattern")
        if self.word is not None and not self.word.strip():
            raise ValueError("banned word must not be blank")
        if self.pattern is not None and not self.pattern:
            raise ValueError("banned pattern must not be empty")
        if not self.rule:
            raise ValueError("banned rule needs a rule id")

    @property
    def label(self) -> str:
        """The word, or the pattern for regex rules (for lists and logs)."""
        return self.word if self.word is not None else f"/{self.pattern}/"


@dataclass(frozen=True, slots=True)
class BannedHit:
    """One banned wording found in a text: ``text[start:end] == word``."""

    word: str
    start: int
    end: int
    reason: str
    rule: str


class _AhoCorasick:
    """Minimal Aho-Corasick automaton over characters: all occurrences of all words in one pass."""

    def __init__(self, words: Sequence[str]) -> None:
        self._lengths = [len(w) for w in words]
        goto: list[dict[str, int]] = [{}]
        output: list[list[int]] = [[]]
        for index, word in enumerate(words):
            node = 0
            for ch in word:
                nxt = goto[node].get(ch)
                if nxt is None:
                    nxt = len(goto)
                    goto.append({})
                    output.append([])
                    goto[node][ch] = nxt
                node = nxt
            output[node].append(index)
        fail = [0] * len(goto)
        queue = deque(goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, nxt in goto[node].items():
                queue.append(nxt)
                state = fail[node]
                while state and ch not in goto[state]:
                    state = fail[state]
                fail[nxt] = goto[state].get(ch, 0)
                output[nxt].extend(output[fail[nxt]])
        self._goto = goto
        self._fail = fail
        self._output = [tuple(o) for o in output]

    def occurrences(self, text: str) -> Iterator[tuple[int, int, int]]:
        """Yield ``(start, end, word_index)`` for every occurrence, in order of ``end``."""
        goto, fail, output, lengths = self._goto, self._fail, self._output, self._lengths
        node = 0
        for i, ch in enumerate(text):
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            for index in output[node]:
                yield i + 1 - lengths[index], i + 1, index


class BannedWordScanner:
    """All rules compiled once; :meth:`scan` is safe to call from several threads."""

    def __init__(self, rules: Iterable[BannedRule]) -> None:
        """Compile ``rules``; raises ``ValueError`` naming the rule for a bad pattern."""
        self.rules: tuple[BannedRule, ...] = tuple(rules)
        words: list[str] = []
        self._word_rules: list[list[int]] = []  # automaton word index -> rule indexes
        index_of: dict[str, int] = {}
        patterns: list[tuple[int, re.Pattern[str]]] = []
        for rule_index, rule in enumerate(self.rules):
            if rule.word is not None:
                folded = fold(rule.word.strip())
                if folded not in index_of:
                    index_of[folded] = len(words)
                    words.append(folded)
                    self._word_rules.append([])
                self._word_rules[index_of[folded]].append(rule_index)
            else:
                assert rule.pattern is not None
                try:
                    compiled = re.compile(rule.pattern, re.IGNORECASE)
                except re.error as exc:
                    raise ValueError(f"banned pattern {rule.pattern!r}: {exc}") from exc
                patterns.append((rule_index, compiled))
        self._automaton = _AhoCorasick(words)
        self._patterns = tuple(patterns)
        self._exceptions = tuple(tuple(fold(e) for e in rule.exceptions if e) for rule in self.rules)

    def _excepted(self, rule_index: int, folded: str, start: int, end: int) -> bool:
        """True when ``folded[start:end]`` lies inside an occurrence of one of the rule's exceptions."""
        for exception in self._exceptions[rule_index]:
            length = len(exception)
            if length < end - start:
                continue
            pos = folded.find(exception, max(0, end - length), start + length)
            while pos != -1 and pos <= start:
                if pos + length >= end:
                    return True
                pos = folded.find(exception, pos + 1, start + length)
        return False

    def _raw_hits(self, text: str) -> Iterator[tuple[int, int, int]]:
        """Yield ``(start, end, rule_index)`` for every hit that is not excepted."""
        folded = fold(text)
        last_end: dict[int, int] = {}
        for start, end, word_index in self._automaton.occurrences(folded):
            for rule_index in self._word_rules[word_index]:
                if start < last_end.get(rule_index, 0):
                    continue  # one rule's hits do not overlap each other
                if self._excepted(rule_index, folded, start, end):
                    continue
                last_end[rule_index] = end
                yield start, end, rule_index
        for rule_index, regex in self._patterns:
            for m in regex.finditer(folded):
                start, end = m.span()
                if end > start and not self._excepted(rule_index, folded, start, end):
                    yield start, end, rule_index

    def scan(self, text: str) -> list[BannedHit]:
        """Every banned wording in ``text``, sorted by start (longer first, then rule order).

        Hits of different items may overlap; the same span is reported once per category.
        """
        if not text:
            return []
        raw = sorted(self._raw_hits(text), key=lambda h: (h[0], h[0] - h[1], h[2]))
        hits: list[BannedHit] = []
        seen: set[tuple[int, int, str]] = set()
        for start, end, rule_index in raw:
            rule = self.rules[rule_index]
            key = (start, end, rule.rule)
            if key in seen:
                # Two items of one category found the same text (the word 好评返现 and a 好评…返现
                # pattern): report it once, with the reason of the item listed first.
                continue
            seen.add(key)
            hits.append(BannedHit(text[start:end], start, end, rule.reason, rule.rule))
        return hits

    def has_hits(self, text: str) -> bool:
        """True when ``text`` contains any banned wording (stops at the first hit)."""
        return bool(text) and next(self._raw_hits(text), None) is not None


def collapse_nested(hits: Iterable[BannedHit]) -> list[BannedHit]:
    """Drop hits that lie inside a longer hit (``最`` inside ``最低价``), e.g. for underlining.

    Hits with the same span but different rules are all kept.
    """
    ordered = sorted(hits, key=lambda h: (h.start, -h.end))
    kept: list[BannedHit] = []
    reach = -1
    outer: tuple[int, int] | None = None
    for hit in ordered:
        if outer is not None and (hit.start, hit.end) == outer:
            kept.append(hit)
        elif hit.end <= reach:
            continue
        else:
            kept.append(hit)
            outer = (hit.start, hit.end)
        reach = max(reach, hit.end)
    return kept


# -- the YAML data file --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleFileIssue:
    """One problem in a rules file; ``line`` is 1-based (None when unknown)."""

    path: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path} 第 {self.line} 行" if self.line is not None else str(self.path)
        return f"{where}，字段 {self.field}：{self.message}" if self.field else f"{where}：{self.message}"


class BannedRulesError(ValueError):
    """A rules file that does not validate; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[RuleFileIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("违禁词文件有错误，没有导入任何内容：\n" + "\n".join(f"  {i}" for i in self.issues))


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_ITEM_KEYS = ("word", "pattern", "rule", "reason", "exceptions", "note")


class _RuleFileReader:
    """Turns the composed YAML node tree into rules, collecting every issue with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues: list[RuleFileIssue] = []
        self.notes: list[str] = []  # parallel to the rules read

    def issue(self, node: Any, field: str | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.issues.append(RuleFileIssue(self.path, line, field, message))

    def mapping(self, node: yaml.MappingNode, where: str) -> dict[str, tuple[Any, Any]]:
        """Mapping keys -> (key node, value node); reports duplicate and non-string keys."""
        result: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR:
                self.issue(key_node, where, f"键必须是文字，这里是 {key_node.value!r}")
                continue
            if key_node.value in result:
                self.issue(key_node, key_node.value, "重复的键")
                continue
            result[key_node.value] = (key_node, value_node)
        return result

    def string(self, node: Any, field: str, *, strip: bool = True) -> str | None:
        import yaml

        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.issue(node, field, "必须是一段文字")
            return None
        value = str(node.value)
        if not value.strip():
            self.issue(node, field, "不能为空")
            return None
        return value.strip() if strip else value

    def read(self, root: Any) -> list[BannedRule]:
        import yaml

        if not isinstance(root, yaml.MappingNode):
            self.issue(root, None, "文件内容必须是包含 schema_version、kind、items 的映射")
            return []
        top = self.mapping(root, "document")
        for key, (key_node, _) in top.items():
            if key not in ("schema_version", "kind", "items"):
                self.issue(key_node, key, "未知的键（只能是 schema_version、kind、items）")
        version = top.get("schema_version")
        if version is None:
            self.issue(root, "schema_version", "缺少此项")
        elif version[1].tag != _INT or version[1].value != str(SCHEMA_VERSION):
            self.issue(version[1], "schema_version", f"不支持的版本 {version[1].value!r}，应为 1")
        kind = top.get("kind")
        if kind is None:
            self.issue(root, "kind", "缺少此项")
        elif self.string(kind[1], "kind") not in (None, KIND):
            self.issue(kind[1], "kind", f"应为 {KIND!r}，这里是 {kind[1].value!r}")
        items = top.get("items")
        if items is None:
            self.issue(root, "items", "缺少此项")
            return []
        if not isinstance(items[1], yaml.SequenceNode):
            self.issue(items[1], "items", "必须是列表")
            return []
        rules: list[BannedRule] = []
        seen: dict[tuple[str, str], int] = {}
        for item in items[1].value:
            rule = self.item(item, seen)
            if rule is not None:
                rules.append(rule)
        return rules

    def item(self, node: Any, seen: dict[tuple[str, str], int]) -> BannedRule | None:
        import yaml

        if not isinstance(node, yaml.MappingNode):
            self.issue(node, "items", "每一项都必须是映射（word/pattern、rule、reason ……）")
            return None
        errors_before = len(self.issues)
        fields = self.mapping(node, "item")
        for key, (key_node, _) in fields.items():
            if key not in _ITEM_KEYS:
                self.issue(key_node, key, f"未知的键（只能是 {'、'.join(_ITEM_KEYS)}）")
        word = pattern = None
        compiled: re.Pattern[str] | None = None
        if ("word" in fields) == ("pattern" in fields):
            self.issue(node, "word", "每一项必须有且只有 word（词语）或 pattern（正则表达式）之一")
        elif "word" in fields:
            word = self.string(fields["word"][1], "word")
        else:
            pattern_node = fields["pattern"][1]
            pattern = self.string(pattern_node, "pattern", strip=False)
            if pattern is not None:
                try:
                    compiled = re.compile(pattern, re.IGNORECASE)
                except re.error as exc:
                    self.issue(pattern_node, "pattern", f"正则表达式写法有误：{exc}")
                    compiled = None
                else:
                    if compiled.search("") is not None:
                        self.issue(pattern_node, "pattern", "不能匹配空文字（会命中所有内容）")
        rule_id = reason = None
        for name in ("rule", "reason"):
            if name not in fields:
                self.issue(node, name, "缺少此项")
        if "rule" in fields:
            rule_id = self.string(fields["rule"][1], "rule")
            if rule_id is not None and not _RULE_ID.match(rule_id):
                self.issue(fields["rule"][1], "rule", "只能用小写英文字母、数字和下划线，例如 absolute_terms")
        if "reason" in fields:
            reason = self.string(fields["reason"][1], "reason")
        note = ""
        if "note" in fields:
            note = self.string(fields["note"][1], "note") or ""
        exceptions: list[str] = []
        if "exceptions" in fields:
            exc_node = fields["exceptions"][1]
            if not isinstance(exc_node, yaml.SequenceNode):
                self.issue(exc_node, "exceptions", "必须是文字列表")
            else:
                for entry in exc_node.value:
                    value = self.string(entry, "exceptions")
                    if value is None:
                        continue
                    if word is not None and fold(word) not in fold(value):
                        self.issue(entry, "exceptions", f"例外“{value}”不包含违禁词“{word}”，不会起作用")
                    elif compiled is not None and not compiled.search(fold(value)):
                        self.issue(entry, "exceptions", f"例外“{value}”不符合这条正则表达式，不会起作用")
                    else:
                        exceptions.append(value)
        identity = ("word", fold(word)) if word is not None else ("pattern", pattern or "")
        if word is not None or pattern is not None:
            if identity in seen:
                self.issue(node, identity[0], f"和第 {seen[identity]} 行的条目重复")
            else:
                seen[identity] = node.start_mark.line + 1
        if len(self.issues) > errors_before or rule_id is None or reason is None:
            return None
        self.notes.append(note)
        return BannedRule(
            word=word, reason=reason, rule=rule_id, exceptions=tuple(exceptions), pattern=pattern
        )


def load_rules(path: Path | str) -> list[BannedRule]:
    """Read a ``kind: banned_words`` YAML file.

    Raises :class:`BannedRulesError` (a ``ValueError``) listing every problem with file, line and
    field; a file with any problem is rejected whole.
    """
    return [rule for rule, _ in load_rules_with_notes(path)]


def load_rules_with_notes(path: Path | str) -> list[tuple[BannedRule, str]]:
    """Like :func:`load_rules`, each rule with its trainers' ``note`` ("" when none)."""
    import yaml

    from cstrainer.formats.limits import FileTooLarge, read_limited
    from cstrainer.formats.yaml_lines import YamlSyntaxError, compose_guarded

    path = Path(path)
    try:
        text = read_limited(path).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except FileTooLarge as exc:
        raise BannedRulesError([RuleFileIssue(path, None, None, str(exc))]) from None
    except OSError as exc:
        raise BannedRulesError(
            [RuleFileIssue(path, None, None, f"无法读取文件：{exc.strerror or exc}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise BannedRulesError(
            [RuleFileIssue(path, None, None, f"不是 UTF-8 编码的文字（{exc.reason}）")]
        ) from exc
    try:
        # refuses deep nesting, alias cycles and alias bombs (cstrainer.formats.limits)
        root = compose_guarded(text)
    except YamlSyntaxError as exc:
        raise BannedRulesError([RuleFileIssue(path, exc.line, None, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        raise BannedRulesError([RuleFileIssue(path, line, None, f"YAML 格式错误：{message}")]) from exc
    except yaml.YAMLError as exc:
        raise BannedRulesError([RuleFileIssue(path, None, None, f"YAML 错误：{exc}")]) from exc
    reader = _RuleFileReader(path)
    if root is None:
        reader.issues.append(RuleFileIssue(path, None, None, "文件是空的"))
        rules: list[BannedRule] = []
    else:
        rules = reader.read(root)
    if reader.issues:
        raise BannedRulesError(reader.issues)
    return list(zip(rules, reader.notes, strict=True))


#: The categories of the shipped file with their Chinese names (a trainer may add others).
RULE_LABELS: dict[str, str] = {
    "absolute_terms": "绝对化用语",
    "false_endorsement": "虚假背书",
    "off_platform": "引导站外交易",
    "paid_review": "好评返现",
    "review_request": "索要好评",
    "false_promise": "无法兑现的承诺",
    "efficacy_claims": "功效宣称",
}


def check_rule(
    word: str | None, pattern: str | None, rule: str, reason: str, exceptions: Sequence[str]
) -> list[tuple[str, str]]:
    """Problems of one rule as ``(field, message)`` pairs, in the words of the file loader (a rule
    edited in the app must be one the file would accept)."""
    problems: list[tuple[str, str]] = []
    word = word.strip() if word is not None else None
    compiled: re.Pattern[str] | None = None
    if bool(word) == bool(pattern):
        problems.append(("word", "每一条必须有且只有 word（词语）或 pattern（正则表达式）之一"))
    elif pattern:
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            problems.append(("pattern", f"正则表达式写法有误：{exc}"))
        else:
            if compiled.search("") is not None:
                problems.append(("pattern", "不能匹配空文字（会命中所有内容）"))
                compiled = None
    if not rule.strip():
        problems.append(("rule", "请选择或填写类别"))
    elif not _RULE_ID.match(rule.strip()):
        problems.append(("rule", "只能用小写英文字母、数字和下划线，例如 absolute_terms"))
    if not reason.strip():
        problems.append(("reason", "请写明原因：客服会在命中处看到这句话"))
    for value in exceptions:
        if not value.strip():
            continue
        if word and fold(word) not in fold(value):
            problems.append(("exceptions", f"例外“{value}”不包含违禁词“{word}”，不会起作用"))
        elif compiled is not None and not compiled.search(fold(value)):
            problems.append(("exceptions", f"例外“{value}”不符合这条正则表达式，不会起作用"))
    return problems


def dump_rules(rules: Iterable[BannedRule], notes: Sequence[str] | None = None, header: str = "") -> str:
    """The rules as a ``kind: banned_words`` YAML document that :func:`load_rules` reads back.

    ``notes`` (parallel to ``rules``) are the trainers' remarks; ``header`` becomes comment lines."""
    import yaml

    items: list[dict[str, Any]] = []
    rule_list = list(rules)
    for index, rule in enumerate(rule_list):
        item: dict[str, Any] = {"word": rule.word} if rule.word is not None else {"pattern": rule.pattern}
        item["rule"] = rule.rule
        item["reason"] = rule.reason
        if rule.exceptions:
            item["exceptions"] = list(rule.exceptions)
        note = notes[index] if notes is not None and index < len(notes) else ""
        if note:
            item["note"] = note
        items.append(item)
    body = yaml.safe_dump(
        {"schema_version": SCHEMA_VERSION, "kind": KIND, "items": items},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + body


def default_rules_path() -> Path:
    """The shipped rules file, ``scripts_library/compliance/banned_words.yaml``."""
    from cstrainer import paths

    return paths.project_root() / "scripts_library" / "compliance" / "banned_words.yaml"


@lru_cache(maxsize=1)
def _default_rules() -> tuple[BannedRule, ...]:
    return tuple(load_rules(default_rules_path()))


def default_rules() -> list[BannedRule]:
    """The shipped rules (parsed once per process)."""
    return list(_default_rules())


@lru_cache(maxsize=1)
def default_scanner() -> BannedWordScanner:
    """A scanner over :func:`default_rules`, built once per process."""
    return BannedWordScanner(_default_rules())
