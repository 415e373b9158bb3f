"""Problems found in content files, as people read them (file, line, column, field, message).

Kept apart from :mod:`cstrainer.formats.content_pack` so that readers of small files (the growth
path) can report errors the same way without building every content-pack model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cstrainer.formats.yaml_lines import PathKey, YamlPath

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# The pattern of a phrase shortcut (content_pack validates against it; its error says so).
SHORTCUT_PATTERN = r"^[a-z0-9]+$"


@dataclass(frozen=True)
class PackError:
    """One problem in one file. ``field`` is the English path, e.g. ``items[2].price_min``."""

    file: str
    line: int | None
    column: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class PackValidationError(Exception):
    """Raised when packs do not validate; ``errors`` lists every problem of every file."""

    def __init__(self, errors: Sequence[PackError]) -> None:
        self.errors: list[PackError] = list(errors)
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [f"内容包校验失败，共 {len(self.errors)} 处错误："]
        lines.extend(f"  {error}" for error in self.errors)
        return "\n".join(lines)


def format_field(path: Sequence[PathKey]) -> str:
    """``("items", 2, "variants", 0)`` -> ``items[2].variants[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse_field(field_ref: str | Sequence[PathKey] | None) -> YamlPath:
    if field_ref is None:
        return ()
    if isinstance(field_ref, str):
        parts = [p for p in re.split(r"[.\[\]]+", field_ref) if p]
        return tuple(int(p) if p.isdigit() else p for p in parts)
    return tuple(field_ref)


def _describe(error: ErrorDetails) -> str:
    """A Chinese message for a pydantic error (falls back to pydantic's English text)."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    simple = {
        "missing": "缺少必填字段",
        "extra_forbidden": "未知字段（拼写错误？）",
        "string_type": "应为文本",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数，不能带小数",
        "float_type": "应为数字",
        "float_parsing": "应为数字",
        "finite_number": "应为有限的数字",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "list_type": "应为列表",
        "model_type": "应为映射（字段: 值）",
        "model_attributes_type": "应为映射（字段: 值）",
        "dict_type": "应为映射（字段: 值）",
        "string_too_short": "不能为空",
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return f"取值必须是 {ctx.get('expected', '')} 之一"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SHORTCUT_PATTERN:
            return "快捷短语只能用小写字母和数字，例如 hy1"
        return "只能用小写字母、数字和 _ . -，且以字母或数字开头"
    if kind == "too_short":
        return f"至少需要 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    bounds = {
        "greater_than_equal": ("必须大于等于", "ge"),
        "greater_than": ("必须大于", "gt"),
        "less_than_equal": ("必须小于等于", "le"),
        "less_than": ("必须小于", "lt"),
    }
    if kind in bounds:
        text, key = bounds[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{text} {limit}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _error_path(error: ErrorDetails) -> YamlPath:
    loc: YamlPath = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    if error["type"] == "pack" and ctx.get("path"):
        sub = _parse_field(str(ctx["path"]))
        if sub[:1] == ("^",):
            loc, sub = loc[:-1], sub[1:]
        loc += sub
    return loc
