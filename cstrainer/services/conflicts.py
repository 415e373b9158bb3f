"""Helpers for optimistic locking: lock a row for an edit, name who saved it, and lay out an item's
content field by field for :class:`~cstrainer.services.errors.EditConflict`.

The check "is the stored version still the one the editor opened?" is only safe when nobody can
save in between the read and the write. :func:`lock_for_edit` makes the read the start of the
write: on PostgreSQL it reads with ``SELECT ... FOR UPDATE`` (a second saver waits for the first
one's commit and then reads the new version); on SQLite, whose ``FOR UPDATE`` does nothing, it
first takes the database's write lock with an UPDATE that changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from cstrainer.storage.models import User

T = TypeVar("T")


def lock_for_edit(s: Session, model: type[T], *where: ColumnElement[bool]) -> T | None:
    """The row of ``model`` matching ``where``, locked until the session commits (None if none)."""
    if s.get_bind().dialect.name == "sqlite":
        # Take SQLite's write lock now: from here on no other connection can commit in between.
        # ``updated_at`` is set to itself so its ``onupdate`` stamp does not fire.
        stamp = getattr(model, "updated_at")  # noqa: B009 - every edited table has one
        s.execute(
            update(model).where(*where).values({stamp: stamp}).execution_options(synchronize_session=False)
        )
    return s.scalar(select(model).where(*where).with_for_update().execution_options(populate_existing=True))


def who(s: Session, login: str) -> str:
    """ "王芳（wangfang）" for a known account, the login itself otherwise ("他人" when empty)."""
    if not login:
        return "他人"
    name = s.scalar(select(User.display_name).where(User.login == login))
    return f"{name}（{login}）" if name and name != login else login


# --- content field by field --------------------------------------------------------------------------

#: Labels of the fields of the pack formats (questions, scenarios, phrases), in display order.
FIELD_LABELS: dict[str, str] = {
    # shared
    "title": "标题",
    "brand": "品牌",
    "category": "分类",
    "difficulty": "难度",
    "tags": "标签",
    # questions
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "partial_credit": "多选部分得分",
    "answer": "答案",
    "accepted": "参考答案",
    "blanks": "填空答案",
    "key_points": "要点",
    "pairs": "配对",
    "true_feedback": "答对反馈",
    "false_feedback": "答错反馈",
    "explanation": "解析",
    "handbook": "手册链接",
    "author": "作者",
    "retired": "已停用",
    # scenarios
    "stage": "阶段",
    "persona": "顾客类型",
    "mood": "初始情绪",
    "patience": "耐心",
    "goal": "目标",
    "reply_time_target_seconds": "回复时限（秒）",
    "start": "开场轮次",
    "products": "关联商品",
    "competitors": "竞品",
    "customer_name": "顾客称呼",
    "success": "算成功的结局",
    "max_replies": "最多回复次数",
    "forbidden": "禁语",
    "phrases": "推荐话术",
    "qc": "质检",
    # phrases
    "scene": "场景",
    "intent": "意图",
    "shortcut": "快捷码",
    "text": "内容",
    "lint_justification": "保留理由",
    # nested
    "id": "编号",
    "wordings": "顾客说法",
    "impatient_wordings": "催促说法",
    "synonyms": "同义词",
    "regexes": "正则",
    "pass_ratio": "达标比例",
    "kind": "类型",
    "greeting": "问候语",
    "closing": "结束语",
    "honorific": "敬语",
    "banned": "禁用词检查",
    "empathy_below_mood": "情绪低于此值须共情",
    "extra_banned": "额外禁用词",
    "word": "词",
    "stem_format": "题干格式",
    "answers": "答案",
    "min": "最小",
    "max": "最大",
    "other": "其他",
    "weight": "权重",
    "feedback": "反馈",
    "better": "更好的说法",
    "reason": "原因",
    "on_covered": "答到后",
    "on_missed": "没答到",
    "on_forbidden": "说了禁语",
    "value": "数值",
    "tolerance": "误差",
    "low": "下限",
    "high": "上限",
    "left": "左",
    "right": "右",
    "correct": "正确",
}


def render(value: Any) -> str:
    """One field's value as plain text (lists one item a line, options marked ✓ when correct)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping):
        if "text" in value and set(value) <= {"text", "correct", "feedback"}:
            mark = "✓ " if value.get("correct") else ""
            extra = f"（反馈：{value['feedback']}）" if value.get("feedback") else ""
            return f"{mark}{value['text']}{extra}"
        if set(value) == {"left", "right"}:
            return f"{value['left']} → {value['right']}"
        return "；".join(f"{FIELD_LABELS.get(str(k), str(k))}：{render(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return "、".join(render(v) for v in value)
        return "\n".join(render(v) for v in value)
    return str(value)


def fields_of(data: Mapping[str, Any], *, skip: tuple[str, ...] = ("key",)) -> dict[str, str]:
    """``data`` (a pack item) field by field, known fields first in :data:`FIELD_LABELS` order.

    A list of items with an ``id`` (a scenario's turns) becomes one field per item ("轮次 t1"),
    so a change in one turn shows as that turn only."""
    order = {k: i for i, k in enumerate(FIELD_LABELS)}
    out: dict[str, str] = {}
    for k in sorted((k for k in data if k not in skip), key=lambda k: (order.get(k, len(order)), k)):
        v = data[k]
        if k == "turns" and isinstance(v, list):
            for turn in v:
                if isinstance(turn, Mapping):
                    rest = {tk: tv for tk, tv in turn.items() if tk != "id"}
                    out[f"轮次 {turn.get('id', '?')}"] = "\n".join(
                        f"{FIELD_LABELS.get(tk, tk)}：{render(tv)}" for tk, tv in rest.items()
                    )
            continue
        out[FIELD_LABELS.get(k, k)] = render(v)
    return out
