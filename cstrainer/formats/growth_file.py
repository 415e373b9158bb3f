"""The growth-path file (``scripts_library/growth_path.yaml``)::

    schema_version: 1
    kind: growth_path
    stages:
      - stage: 新人
        description: ...
      - stage: 上岗
        description: ...
        criteria:
          - {type: exam_passed, exam: onboarding-entry, label: 入职考试通过}
          - {type: scenarios, count: 3, min_score: 75, stage: 售前}
          - {type: typing, min_net_cpm: 40}
          ...

The stages must be exactly 新人 上岗 售后 精英客服 主管, in that order; 新人 has no criteria. Criterion
fields per ``type`` are those of :class:`cstrainer.domain.growth.Criterion` (``stage`` is the
scenario stage, 售前 / 售中 / 售后). Every problem is reported at once as a
:class:`~cstrainer.formats.content_pack.PackError` (file, line, column, field, Chinese message);
:func:`load_growth_path` raises :class:`GrowthFileError` listing them. Exam keys are checked
against the database by the service (:meth:`GrowthService.check_references`), not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cstrainer import paths
from cstrainer.domain.growth import (
    CRITERION_KINDS,
    DIMENSIONS,
    SCENARIO_STAGES,
    STAGES,
    Criterion,
    GrowthPath,
    StageDef,
)
from cstrainer.formats.pack_errors import PackError, _describe, _error_path, format_field
from cstrainer.formats.yaml_lines import PathKey, Position, PositionMap, YamlSyntaxError, load_with_positions

__all__ = ["GROWTH_KIND", "GrowthFileError", "default_path", "load_growth_path", "parse_growth_path"]

GROWTH_KIND = "growth_path"
SCHEMA_VERSION = 1


class GrowthFileError(Exception):
    """The growth-path file is not valid; ``errors`` lists every problem with its line."""

    def __init__(self, file: str, errors: Sequence[PackError]) -> None:
        self.errors = list(errors)
        lines = [f"{file}：成长路径文件有 {len(self.errors)} 处错误"]
        lines.extend(f"  {e}" for e in self.errors)
        super().__init__("\n".join(lines))


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    label: str = Field(default="", max_length=100)


class _Exam(_M):
    exam: str = Field(min_length=1, max_length=128)


class _Scenarios(_M):
    count: int = Field(ge=1, le=200)
    min_score: int = Field(ge=0, le=100)
    stage: Literal["售前", "售中", "售后"] | None = None


class _Typing(_M):
    min_net_cpm: float = Field(gt=0, le=300)
    times: int = Field(default=1, ge=1, le=100)
    min_accuracy: float | None = Field(default=None, gt=0, le=100)


class _Recall(_M):
    min_accuracy: float = Field(gt=0, le=100)
    min_answers: int = Field(default=20, ge=1, le=10000)


class _WrongBook(_M):
    max_open: int = Field(ge=0, le=1000)


class _Flashcards(_M):
    count: int = Field(ge=1, le=10000)


class _Dimension(_M):
    dimension: Literal["专业知识", "服务规范", "沟通技巧", "响应时效", "合规", "总分"] = "总分"
    min_avg: float = Field(ge=0, le=100)
    days: int | None = Field(default=None, ge=1, le=3660)
    min_sessions: int = Field(default=1, ge=1, le=10000)


class _AboveTeam(_M):
    dimension: Literal["专业知识", "服务规范", "沟通技巧", "响应时效", "合规", "总分"] = "总分"
    days: int | None = Field(default=None, ge=1, le=3660)
    min_sessions: int = Field(default=1, ge=1, le=10000)


class _StageDays(_M):
    days: int = Field(ge=1, le=3660)


_MODELS: dict[str, type[_M]] = {
    "exam_passed": _Exam,
    "scenarios": _Scenarios,
    "typing": _Typing,
    "recall": _Recall,
    "wrong_book": _WrongBook,
    "flashcards": _Flashcards,
    "dimension": _Dimension,
    "above_team_average": _AboveTeam,
    "stage_days": _StageDays,
}
assert tuple(_MODELS) == CRITERION_KINDS
assert set(DIMENSIONS) == {"专业知识", "服务规范", "沟通技巧", "响应时效", "合规", "总分"}
assert SCENARIO_STAGES == ("售前", "售中", "售后")

_TOP = ("schema_version", "kind", "stages")
_STAGE_FIELDS = ("stage", "description", "criteria")


def _criterion(m: _M) -> Criterion:
    d = m.model_dump()
    kind = d.pop("type")
    if "stage" in d:
        d["scenario_stage"] = d.pop("stage")
    return Criterion(kind=kind, **d)


def parse_growth_path(text: str, path: Path | str = "<text>") -> GrowthPath:
    """Parse the growth-path YAML ``text`` (``path`` only names it in errors)."""
    file = str(path)
    positions = PositionMap()
    errors: list[PackError] = []

    def err(at: Sequence[PathKey], message: str, *, key: bool = False, pos: Position | None = None) -> None:
        if pos is None:
            pos = positions.key(at) if key else positions.value(at)
        errors.append(
            PackError(
                file,
                pos.line if pos else None,
                pos.column if pos else None,
                format_field(at) or None,
                message,
            )
        )

    def fail() -> GrowthFileError:
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        return GrowthFileError(file, errors)

    try:
        data, positions = load_with_positions(text)
    except YamlSyntaxError as exc:
        errors.append(PackError(file, exc.line, exc.column, None, exc.message))
        raise fail() from None
    if not isinstance(data, dict):
        err(
            (),
            "文件是空的" if data is None else "顶层应为映射（schema_version / kind / stages）",
            pos=Position(1, 1),
        )
        raise fail()
    top = Position(1, 1)
    schema = data.get("schema_version")
    if "schema_version" not in data:
        err((), f"缺少 schema_version（当前版本为 {SCHEMA_VERSION}）", pos=top)
    elif isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        err(("schema_version",), "schema_version 应为正整数")
    elif schema > SCHEMA_VERSION:
        err(("schema_version",), f"文件版本 {schema} 比本程序支持的 {SCHEMA_VERSION} 新，请升级程序")
    if data.get("kind") != GROWTH_KIND:
        if "kind" not in data:
            err((), f"缺少 kind（应为 {GROWTH_KIND}）", pos=top)
        else:
            err(("kind",), f"kind 应为 {GROWTH_KIND}，不是 {data.get('kind')!r}")
    for name in data:
        if name not in _TOP:
            err((str(name),), "未知字段（拼写错误？）", key=True)

    raw_stages = data.get("stages")
    stages: list[StageDef] = []
    if "stages" not in data:
        err((), "缺少 stages（阶段列表）", pos=top)
    elif not isinstance(raw_stages, list):
        err(("stages",), "stages 应为列表")
    else:
        names: list[str] = []
        for i, raw in enumerate(raw_stages):
            at: tuple[PathKey, ...] = ("stages", i)
            if not isinstance(raw, dict):
                err(at, "阶段应为映射（stage / description / criteria）")
                continue
            for name in raw:
                if name not in _STAGE_FIELDS:
                    err((*at, str(name)), "未知字段（拼写错误？）", key=True)
            stage = raw.get("stage")
            if not isinstance(stage, str) or stage not in STAGES:
                err((*at, "stage") if "stage" in raw else at, f"stage 必须是 {'、'.join(STAGES)} 之一")
                stage = None
            elif stage in names:
                err((*at, "stage"), f"阶段“{stage}”重复")
            description = raw.get("description", "")
            if not isinstance(description, str):
                err((*at, "description"), "description 应为文字")
                description = ""
            criteria: list[Criterion] = []
            raw_criteria = raw.get("criteria", [])
            if raw_criteria is None:
                raw_criteria = []
            if not isinstance(raw_criteria, list):
                err((*at, "criteria"), "criteria 应为列表")
                raw_criteria = []
            if stage == STAGES[0] and raw_criteria:
                err((*at, "criteria"), f"“{STAGES[0]}”是起点，不能有进入条件")
            elif stage is not None and stage != STAGES[0] and not raw_criteria:
                err((*at, "criteria") if "criteria" in raw else at, f"“{stage}”至少要有一条进入条件")
            for j, rc in enumerate(raw_criteria):
                c_at: tuple[PathKey, ...] = (*at, "criteria", j)
                if not isinstance(rc, dict):
                    err(c_at, "条件应为映射（type 及其字段）")
                    continue
                kind = rc.get("type")
                if not isinstance(kind, str) or kind not in _MODELS:
                    where = (*c_at, "type") if "type" in rc else c_at
                    err(where, f"type 必须是 {'、'.join(CRITERION_KINDS)} 之一")
                    continue
                try:
                    model = _MODELS[kind].model_validate(rc)
                except ValidationError as exc:
                    for e in exc.errors():
                        sub = _error_path(e)
                        err((*c_at, *sub), _describe(e), key=e["type"] == "extra_forbidden")
                    continue
                criteria.append(_criterion(model))
            if stage is not None:
                names.append(stage)
                stages.append(StageDef(stage, description.strip(), tuple(criteria)))
        if not errors and tuple(names) != STAGES:
            err(("stages",), f"阶段必须依次是 {' → '.join(STAGES)}（现在是 {' → '.join(names) or '空'}）")
    if errors:
        raise fail()
    return GrowthPath(tuple(stages))


def default_path() -> Path:
    return paths.project_root() / "scripts_library" / "growth_path.yaml"


def load_growth_path(path: Path | str | None = None) -> GrowthPath:
    """Read and validate the growth-path file (default: the shipped one)."""
    p = Path(path) if path is not None else default_path()
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GrowthFileError(str(p), [PackError(str(p), None, None, None, "文件不是 UTF-8 编码")]) from exc
    except OSError as exc:
        raise GrowthFileError(
            str(p), [PackError(str(p), None, None, None, f"无法读取文件：{exc.strerror or exc}")]
        ) from exc
    return parse_growth_path(text, p)
