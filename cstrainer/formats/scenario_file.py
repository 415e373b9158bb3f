"""Checking role-play scenario files (``cstrainer roleplay validate PATH``).

:func:`validate_scenario_file` reads one pack file and returns every problem with file and line:
YAML syntax and field errors from :mod:`cstrainer.formats.content_pack`, and for each scenario that
passed the field checks the whole-scenario checks of
:func:`cstrainer.domain.scenario.validate_scenario` (unreachable turns, dead ends, turns without key
points ...), errors and warnings alike. :func:`validate_scenario_path` does the same for a file or
every ``*.yaml`` / ``*.yml`` file under a folder (files of other pack kinds are skipped).

:func:`scenarios_from_pack` turns a loaded ``scenarios`` pack into
:class:`~cstrainer.domain.scenario.ScenarioDef` objects that remember their source lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from cstrainer.domain.scenario import ScenarioDef, validate_scenario
from cstrainer.formats.content_pack import (
    PACK_KINDS,
    ContentPack,
    PackError,
    PackValidationError,
    Scenario,
    item_to_dict,
    parse_pack,
)
from cstrainer.formats.limits import MAX_TEXT_FILE_BYTES, FileTooLarge, read_limited
from cstrainer.formats.yaml_lines import PositionMap, YamlPath, YamlSyntaxError, load_with_positions

__all__ = [
    "ScenarioFileIssue",
    "has_errors",
    "scenarios_from_pack",
    "validate_scenario_file",
    "validate_scenario_path",
]


@dataclass(frozen=True)
class ScenarioFileIssue:
    """One problem in a scenario file; ``str()`` gives ``file:line: message``."""

    file: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"
    field: str | None = None  # e.g. ``items[0].turns[2].on_missed``
    scenario: str | None = None  # the scenario key, when known
    turn_id: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        prefix = "" if self.is_error else "提示："
        turn = f"（轮次 {self.turn_id}）" if self.turn_id else ""
        return f"{where}: {prefix}{self.message}{turn}"


def has_errors(issues: Iterable[ScenarioFileIssue]) -> bool:
    """True when any issue is an error (warnings alone do not fail a file)."""
    return any(issue.is_error for issue in issues)


def _item_lines(pack: ContentPack, index: int) -> dict[YamlPath, int]:
    prefix = ("items", index)
    return {path[2:]: position.line for path, position in pack.positions.values.items() if path[:2] == prefix}


def scenarios_from_pack(pack: ContentPack) -> list[ScenarioDef]:
    """The scenarios of a loaded ``scenarios`` pack, with their source lines."""
    return [
        ScenarioDef.from_dict(item_to_dict(item), _item_lines(pack, index))
        for index, item in enumerate(pack.items)
        if isinstance(item, Scenario)
    ]


_ITEM_FIELD = re.compile(r"^items\[(\d+)\](?:\.turns\[(\d+)\])?")


def _from_pack_error(error: PackError, raw_items: list[Any]) -> ScenarioFileIssue:
    scenario = turn_id = None
    found = _ITEM_FIELD.match(error.field or "")
    if found and int(found.group(1)) < len(raw_items) and isinstance(raw_items[int(found.group(1))], dict):
        raw = raw_items[int(found.group(1))]
        scenario = str(raw["key"]) if isinstance(raw.get("key"), str) else None
        turns = raw.get("turns")
        if found.group(2) is not None and isinstance(turns, list) and int(found.group(2)) < len(turns):
            turn = turns[int(found.group(2))]
            turn_id = str(turn["id"]) if isinstance(turn, dict) and isinstance(turn.get("id"), str) else None
    return ScenarioFileIssue(error.file, error.line, error.message, "error", error.field, scenario, turn_id)


def validate_scenario_file(path: Path | str) -> list[ScenarioFileIssue]:
    """Every problem of one scenario pack file, sorted by line (empty: the file is fine).

    Errors are those of the content-pack loader (which runs the whole-scenario checks, so the file
    is rejected on import exactly when this finds an error); warnings come from
    :func:`~cstrainer.domain.scenario.validate_scenario` for every scenario whose fields are valid,
    even when another part of the file has errors. A pack of another kind gives one error."""
    path = Path(path)
    try:
        text = read_limited(path, MAX_TEXT_FILE_BYTES).decode("utf-8-sig")
    except FileTooLarge as exc:
        return [ScenarioFileIssue(str(path), None, str(exc))]
    except UnicodeDecodeError as exc:
        return [ScenarioFileIssue(str(path), None, f"文件不是 UTF-8 编码（第 {exc.start} 字节）")]
    except OSError as exc:
        return [ScenarioFileIssue(str(path), None, f"无法读取文件：{exc.strerror or exc}")]
    errors: list[PackError] = []
    try:
        parse_pack(text, path)
    except PackValidationError as exc:
        errors = exc.errors
    try:
        data, positions = load_with_positions(text)
    except YamlSyntaxError:
        data, positions = None, PositionMap()
    kind = data.get("kind") if isinstance(data, dict) else None
    if isinstance(kind, str) and kind in PACK_KINDS and kind != "scenarios":
        return [ScenarioFileIssue(str(path), 1, f"这不是情景文件（kind: {kind}，应为 scenarios）")]
    raw_items: list[Any] = []
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        raw_items = data["items"]
    issues = [_from_pack_error(error, raw_items) for error in errors]
    for index, raw in enumerate(raw_items):
        try:
            model = Scenario.model_validate(raw)
        except ValidationError:
            continue  # its field errors are among the loader's
        prefix = ("items", index)
        lines = {p[2:]: pos.line for p, pos in positions.values.items() if p[:2] == prefix}
        scenario = ScenarioDef.from_dict(item_to_dict(model), lines)
        for issue in validate_scenario(scenario):
            if issue.is_error:
                continue  # reported by the loader
            field = f"items[{index}]" + (f".{issue.field}" if issue.field else "")
            item_position = positions.value(prefix)
            issues.append(
                ScenarioFileIssue(
                    str(path),
                    issue.line or (item_position.line if item_position else None),
                    issue.message,
                    issue.severity,
                    field,
                    scenario.key,
                    issue.turn_id,
                )
            )
    issues.sort(key=lambda i: i.line or 0)
    return issues


def validate_scenario_path(path: Path | str) -> list[ScenarioFileIssue]:
    """:func:`validate_scenario_file` for a file, or for every YAML file under a folder whose
    ``kind`` is ``scenarios`` (other files are skipped), in path order."""
    path = Path(path)
    if not path.is_dir():
        if not path.exists():
            return [ScenarioFileIssue(str(path), None, "文件或文件夹不存在")]
        return validate_scenario_file(path)
    issues: list[ScenarioFileIssue] = []
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix in (".yaml", ".yml")
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    for file in files:
        if not _may_be_scenarios(file):
            continue
        issues.extend(validate_scenario_file(file))
    return issues


def _may_be_scenarios(path: Path) -> bool:
    """False for a readable YAML file of another kind (word lists, other packs) in a folder scan."""
    try:
        data, _ = load_with_positions(read_limited(path, MAX_TEXT_FILE_BYTES).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, FileTooLarge, YamlSyntaxError):
        return True  # report it: it may be a broken scenario file
    return not isinstance(data, dict) or data.get("kind") in (None, "scenarios")
