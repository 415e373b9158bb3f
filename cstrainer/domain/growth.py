"""The growth path (成长路径): stages, their entry criteria and how a criterion is judged.

Pure: no database. The stages are 新人 → 上岗 → 售后 → 精英客服 → 主管; each stage but the first
has entry criteria (what a person must show before a manager moves them there). The team's own
rules live in ``scripts_library/growth_path.yaml`` (read by :mod:`cstrainer.formats.growth_file`);
the service measures every criterion with a SQL aggregate (the *have*) and :func:`evaluate`
compares it with the *need*.

Criterion kinds (``kind``, what *have* is):

- ``exam_passed``: 1 when the person has a passed attempt of exam ``exam`` (else 0); need 1.
- ``scenarios``: distinct scenarios (finished, not trainer drafts) with a score ≥ ``min_score``,
  optionally only those of ``scenario_stage`` (售前 / 售中 / 售后); need ``count``.
- ``typing``: ``times`` == 1: the best net 字/分 of the typing drill (need ``min_net_cpm``);
  ``times`` > 1: how many typing attempts reached ``min_net_cpm`` (need ``times``). A minimum
  accuracy (``min_accuracy``, %) leaves sloppy attempts out.
- ``recall``: shortcut-recall accuracy in % (need ``min_accuracy``), judged only once the person has
  answered ``min_answers`` prompts.
- ``wrong_book``: open entries of the wrong-answer book; met when ≤ ``max_open`` (``at_most``).
- ``flashcards``: handbook flashcards mastered (fsrs stability ≥ 21 days); need ``count``.
- ``dimension``: the mean of a role-play dimension (专业知识 服务规范 沟通技巧 响应时效 合规, or 总分)
  over the last ``days`` days (all time when None); need ``min_avg``; at least ``min_sessions``
  sessions must count.
- ``above_team_average``: the person's mean of the dimension (or 总分) over the last ``days`` days
  against the mean of their team in the same period (need = the team's mean, measured too).
- ``stage_days``: days since the person entered their current stage; need ``days``.

Activity counts whenever it happened (a person who passed the 售后 paper while still 新人 keeps it),
except where ``days`` limits a criterion to recent work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CRITERION_KINDS",
    "DIMENSIONS",
    "SCENARIO_STAGES",
    "STAGES",
    "TOTAL_SCORE",
    "Criterion",
    "CriterionResult",
    "GrowthPath",
    "StageDef",
    "default_label",
    "evaluate",
]

#: The stages in order. Everybody starts as 新人.
STAGES: tuple[str, ...] = ("新人", "上岗", "售后", "精英客服", "主管")
SCENARIO_STAGES: tuple[str, ...] = ("售前", "售中", "售后")
TOTAL_SCORE = "总分"
#: Role-play dimensions a criterion may name (see ``storage.models.DIMENSION_COLUMNS``) plus 总分.
DIMENSIONS: tuple[str, ...] = ("专业知识", "服务规范", "沟通技巧", "响应时效", "合规", TOTAL_SCORE)
CRITERION_KINDS: tuple[str, ...] = (
    "exam_passed",
    "scenarios",
    "typing",
    "recall",
    "wrong_book",
    "flashcards",
    "dimension",
    "above_team_average",
    "stage_days",
)


@dataclass(frozen=True)
class Criterion:
    """One entry criterion. Only the fields of its ``kind`` are set (see the module doc)."""

    kind: str
    label: str = ""
    exam: str | None = None
    exam_title: str | None = None  # filled by the service for labels; not in the file
    count: int | None = None
    min_score: int | None = None
    scenario_stage: str | None = None
    min_net_cpm: float | None = None
    times: int = 1
    min_accuracy: float | None = None
    min_answers: int | None = None
    max_open: int | None = None
    dimension: str | None = None
    min_avg: float | None = None
    min_sessions: int | None = None
    days: int | None = None

    @property
    def at_most(self) -> bool:
        """Met when *have* ≤ *need* (the wrong-answer book), not ≥."""
        return self.kind == "wrong_book"

    @property
    def need(self) -> float:
        """The threshold from the file (``above_team_average``: 0, measured by the service)."""
        k = self.kind
        if k == "exam_passed":
            return 1.0
        if k in ("scenarios", "flashcards"):
            return float(self.count or 0)
        if k == "typing":
            return float(self.times) if self.times > 1 else float(self.min_net_cpm or 0)
        if k == "recall":
            return float(self.min_accuracy or 0)
        if k == "wrong_book":
            return float(self.max_open or 0)
        if k == "dimension":
            return float(self.min_avg or 0)
        if k == "stage_days":
            return float(self.days or 0)
        return 0.0

    @property
    def text(self) -> str:
        """The label to show: the file's, or one made from the fields."""
        return self.label or default_label(self)


@dataclass(frozen=True)
class StageDef:
    name: str
    description: str = ""
    criteria: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class GrowthPath:
    stages: tuple[StageDef, ...] = field(default_factory=tuple)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> StageDef:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def index(self, name: str) -> int:
        """Position of a stage; an unknown stage (old data) counts as the first."""
        names = self.names
        return names.index(name) if name in names else 0

    def next_stage(self, name: str) -> StageDef | None:
        i = self.index(name)
        return self.stages[i + 1] if i + 1 < len(self.stages) else None


@dataclass(frozen=True)
class CriterionResult:
    """One criterion judged for one person. ``detail`` is a short Chinese sentence."""

    label: str
    kind: str
    met: bool
    have: float
    need: float
    unit: str
    detail: str


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _dim(c: Criterion) -> str:
    return c.dimension or TOTAL_SCORE


def _window(c: Criterion) -> str:
    return f"近 {c.days} 天" if c.days else ""


def default_label(c: Criterion) -> str:
    """A label a team lead would write, made from the criterion's fields."""
    k = c.kind
    if k == "exam_passed":
        return f"通过{c.exam_title or c.exam}"
    if k == "scenarios":
        where = f"{c.scenario_stage}" if c.scenario_stage else ""
        return f"{c.count} 个不同的{where}情景模拟达到 {c.min_score} 分"
    if k == "typing":
        acc = f"（准确率 ≥ {_num(c.min_accuracy)}%）" if c.min_accuracy else ""
        if c.times > 1:
            return f"打字训练 {c.times} 次达到净速 {_num(c.min_net_cpm or 0)} 字/分{acc}"
        return f"打字净速达到 {_num(c.min_net_cpm or 0)} 字/分{acc}"
    if k == "recall":
        return f"快捷短语回想正确率 ≥ {_num(c.min_accuracy or 0)}%（至少答 {c.min_answers or 0} 题）"
    if k == "wrong_book":
        return "错题本清空" if not c.max_open else f"错题本未消化的题不超过 {c.max_open} 道"
    if k == "flashcards":
        return f"手册卡片掌握 {c.count} 张"
    if k == "dimension":
        return f"{_window(c)}情景模拟{_dim(c)}平均 ≥ {_num(c.min_avg or 0)} 分"
    if k == "above_team_average":
        return f"{_window(c)}情景模拟{_dim(c)}平均不低于本组平均"
    if k == "stage_days":
        return f"在当前阶段满 {c.days} 天"
    return k


_UNITS = {
    "exam_passed": "",
    "scenarios": "个",
    "recall": "%",
    "wrong_book": "道",
    "flashcards": "张",
    "dimension": "分",
    "above_team_average": "分",
    "stage_days": "天",
}


def evaluate(
    c: Criterion,
    have: float,
    *,
    need: float | None = None,
    sample: int | None = None,
    best: float | None = None,
) -> CriterionResult:
    """Judge one criterion given what the person has.

    ``need`` overrides the file's threshold (``above_team_average``: the team's mean).
    ``sample``: how many answers / sessions the measure rests on (``recall``, ``dimension``,
    ``above_team_average``); too few means not met. ``best``: the best net 字/分 for a counted
    typing criterion (for the detail text).
    """
    need_v = c.need if need is None else float(need)
    unit = "字/分" if c.kind == "typing" and c.times <= 1 else "次" if c.kind == "typing" else _UNITS[c.kind]
    met = have <= need_v if c.at_most else have >= need_v
    detail = f"{_num(have)}/{_num(need_v)} {unit}".rstrip()
    k = c.kind
    if k == "exam_passed":
        detail = "已通过" if met else "尚未通过"
    elif k == "wrong_book":
        detail = f"还有 {_num(have)} 道未消化（上限 {_num(need_v)} 道）"
    elif k == "typing" and c.times > 1 and best is not None:
        detail += f"，最好 {_num(best)} 字/分"
    elif k == "stage_days":
        detail = f"已满 {_num(have)} 天，需 {_num(need_v)} 天"
    if k == "recall":
        minimum = c.min_answers or 0
        if sample is not None and sample < minimum:
            met = False
            detail = f"已答 {sample} 题，至少要答 {minimum} 题才评定"
        else:
            detail = f"正确率 {_num(have)}%（要求 {_num(need_v)}%）"
    elif k in ("dimension", "above_team_average"):
        minimum = c.min_sessions or 1
        if sample is not None and sample < minimum:
            met = False
            detail = f"{_window(c)}只有 {sample} 次练习，至少 {minimum} 次才评定"
        elif k == "above_team_average":
            detail = f"本人 {_num(have)} 分，本组平均 {_num(need_v)} 分"
        else:
            detail = f"平均 {_num(have)} 分（要求 {_num(need_v)} 分）"
    return CriterionResult(c.text, k, met, float(have), need_v, unit, detail)
