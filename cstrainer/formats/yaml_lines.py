"""YAML loading that remembers where every value came from.

``yaml.safe_load`` throws the source positions away, but a trainer who mistyped a price wants to be
told "line 12", not "somewhere in products.yaml". So we compose the node graph with PyYAML's
``SafeLoader`` and build the Python data ourselves, recording the start mark of every mapping key
and every value under its *path* (a tuple of mapping keys and list indexes, e.g.
``("items", 2, "price_min")``). Scalars are still constructed by ``SafeConstructor`` so the typing
rules (ints, floats, bools, nulls, dates) are exactly those of ``yaml.safe_load``.

Positions are 1-based (line 1, column 1 is the first character of the file), as editors show them.
A scalar or flow collection is located where its value starts; a block collection (a list or
mapping written on the following lines) where its key is.

Hostile documents are refused while composing, before any data is built (limits in
:mod:`cstrainer.formats.limits`): nesting deeper than ``MAX_YAML_DEPTH``, more than
``MAX_YAML_ALIASES`` aliases, an alias to a node that contains it (a cycle), and a document whose
aliases would expand to more than ``MAX_YAML_NODES`` values ("billion laughs").
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
import yaml.reader
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cstrainer.formats.limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES

PathKey = str | int
YamlPath = tuple[PathKey, ...]

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class Position:
    """A 1-based line/column in a source file."""

    line: int
    column: int


@dataclass
class PositionMap:
    """Source positions of the values (and mapping keys) of one YAML document, by path."""

    values: dict[YamlPath, Position] = field(default_factory=dict)
    keys: dict[YamlPath, Position] = field(default_factory=dict)

    def value(self, path: Sequence[PathKey]) -> Position | None:
        """Position of the value at ``path``, or of its nearest recorded ancestor."""
        current = tuple(path)
        while True:
            found = self.values.get(current)
            if found is not None:
                return found
            if not current:
                return None
            current = current[:-1]

    def key(self, path: Sequence[PathKey]) -> Position | None:
        """Position of the mapping key that introduces ``path`` (falls back to :meth:`value`)."""
        found = self.keys.get(tuple(path))
        return found if found is not None else self.value(path)


class YamlSyntaxError(Exception):
    """The text is not valid YAML (or uses a YAML feature we refuse); carries a 1-based position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _node_error(message: str, node: Node) -> YamlSyntaxError:
    position = _pos(node)
    return YamlSyntaxError(message, position.line, position.column)


def _mark_error(message: str, mark: Any) -> YamlSyntaxError:
    if mark is None:
        return YamlSyntaxError(message)
    return YamlSyntaxError(message, mark.line + 1, mark.column + 1)


class GuardedLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses deep nesting, many aliases, alias cycles and alias bombs.

    Raises :class:`YamlSyntaxError` (with the position) from :meth:`compose_node`; every node's
    size (values it stands for, aliases expanded) is known once composed, so a bomb is refused
    without expanding it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _mark_error(f"别名（*名称）太多：一个文件最多 {MAX_YAML_ALIASES} 个", event.start_mark)
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _mark_error(
                    f"别名 *{event.anchor} 引用了包含它自己的内容（循环引用）", event.start_mark
                )
            return node
        event = self.peek_event()
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _mark_error(f"嵌套太深：最多 {MAX_YAML_DEPTH} 层", event.start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:  # pragma: no cover - PyYAML always composes a node here
            return None
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        if size > MAX_YAML_NODES:
            raise _mark_error(
                f"内容展开后超过 {MAX_YAML_NODES} 个值（别名嵌套引用过多，疑似“YAML 炸弹”）", event.start_mark
            )
        self._sizes[id(node)] = size
        return node


def compose_guarded(text: str) -> Node | None:
    """The node graph of one YAML document, as ``yaml.compose`` with ``SafeLoader`` gives it,
    with the checks of :class:`GuardedLoader`. Raises ``yaml.YAMLError`` for malformed YAML and
    :class:`YamlSyntaxError` for a refused one."""
    loader = GuardedLoader(text)  # raises yaml.ReaderError for control characters
    try:
        try:
            return loader.get_single_node()
        except RecursionError:
            raise YamlSyntaxError(f"嵌套太深：最多 {MAX_YAML_DEPTH} 层") from None
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: GuardedLoader) -> None:
        self.loader = loader
        self.positions = PositionMap()

    def build(self, node: Node, path: YamlPath) -> Any:
        self.positions.values[path] = _pos(node)
        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node, path)
        if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
            return [self.build(child, (*path, index)) for index, child in enumerate(node.value)]
        if isinstance(node, ScalarNode | MappingNode | SequenceNode):
            # Plain scalars, and the rare explicitly tagged collection (!!set, !!omap): let the
            # safe constructor decide; positions inside such collections are not needed.
            return self.loader.construct_object(node, deep=True)
        raise _node_error(f"不支持的 YAML 节点：{node.tag}", node)

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[Any, Any]:
        # Duplicate keys are silently merged by PyYAML; in hand-written content they are always a
        # mistake (the second "price_min" wins and nobody notices), so refuse them.
        seen: dict[Any, Position] = {}
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise _node_error("映射的键不能是列表或映射", key_node)
            if key in seen:
                first = seen[key]
                raise _node_error(f"重复的键 {key!r}（第一次出现在第 {first.line} 行）", key_node)
            seen[key] = _pos(key_node)
        self.loader.flatten_mapping(node)  # resolve "<<" merge keys the way safe_load does
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            child: YamlPath = (*path, key if isinstance(key, str | int) else str(key))
            self.positions.keys[child] = _pos(key_node)
            result[key] = self.build(value_node, child)
            if isinstance(value_node, MappingNode | SequenceNode) and not value_node.flow_style:
                # A block collection starts on the line *after* its key; "options: must have one
                # correct answer" reads better pointing at the "options:" line itself.
                self.positions.values[child] = _pos(key_node)
        return result


def load_with_positions(text: str) -> tuple[Any, PositionMap]:
    """Parse one YAML document; return the data (as ``yaml.safe_load`` would) and its positions.

    An empty document gives ``None``. Raises :class:`YamlSyntaxError` for malformed YAML, several
    documents in one file, or duplicate mapping keys.
    """
    try:
        loader = GuardedLoader(text)  # the reader refuses control characters right away
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc) from exc
        except yaml.reader.ReaderError as exc:
            raise _reader_error(exc, text) from None
        except yaml.YAMLError as exc:  # pragma: no cover - other errors without a mark
            raise YamlSyntaxError(f"YAML 语法错误：{exc}") from exc
        except RecursionError:
            raise YamlSyntaxError(f"嵌套太深：最多 {MAX_YAML_DEPTH} 层") from None
        if node is None:
            return None, PositionMap()
        builder = _Builder(loader)
        try:
            data = builder.build(node, ())
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc) from exc
        except yaml.YAMLError as exc:
            raise YamlSyntaxError(f"YAML 语法错误：{exc}") from exc
        except (RecursionError, ValueError, TypeError, OverflowError) as exc:
            # constructor edge cases: a date like 2026-02-30, a huge timestamp, a merge loop
            raise YamlSyntaxError(f"YAML 无法解析：{exc}") from None
        return data, builder.positions
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    parts = [part for part in (exc.context, exc.problem) if part]
    detail = "；".join(parts) if parts else str(exc)
    if mark is None:
        return YamlSyntaxError(f"YAML 语法错误：{detail}")
    return YamlSyntaxError(f"YAML 语法错误：{detail}", mark.line + 1, mark.column + 1)


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> YamlSyntaxError:
    """A control character (NUL ...) the YAML reader refuses, with its line and column."""
    position = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character if isinstance(exc.character, int) else 0
    return YamlSyntaxError(
        f"YAML 里不能有控制字符 U+{character:04X}（文件可能损坏，或不是文本文件）", line, column
    )
