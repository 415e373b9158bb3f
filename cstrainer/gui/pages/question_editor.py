"""The question editor: every question type, a live preview, inline checks, versioned saving.

The form (``question_editor_view``) shows the sections the chosen type uses. Whatever the trainer
types is turned into a :class:`~cstrainer.domain.questions.Question` (:meth:`build`) a moment
after they stop typing; the preview pane then shows it through the trainee's own
``QuestionWidget`` and the inline messages say what is still missing. Saving goes to
``services.questions.save``: editing a question that was already on a paper makes a new version
(old attempts keep theirs), and the version the editor loaded guards against overwriting a
colleague's edit made in the meantime.

The checks here mirror the content-pack rules so the trainer hears about a problem next to the
field; the service validates again and its word is final.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
    QuestionView,
    view_of,
)
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import INFO_STYLE, set_message
from cstrainer.gui.pages.question_editor_view import (
    SUCCESS_STYLE,
    WARNING_STYLE,
    QuestionEditorView,
    RowsTable,
)
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QCloseEvent,
    QComboBox,
    QCoreApplication,
    QDialog,
    QLabel,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.widgets.conflict_dialog import LOAD_THEIRS, OVERWRITE, ConflictDialog
from cstrainer.services.errors import EditConflict, InvalidInput, NotFound, ServiceError, ValidationFailed
from cstrainer.services.questions import SaveResult
from cstrainer.services.users import BrandInfo

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 250
DUPLICATE_DELAY_MS = 500
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
FILL_BLANK = "____"  # the content-pack rule: a blank is exactly four underscores
UNDERSCORE_RUN = re.compile(r"_+")
ALTERNATIVES_RE = re.compile(r"\s*[/／]\s*")
TAGS_RE = re.compile(r"[,，、;；\s]+")

DIFFICULTY_LABELS: dict[int, str] = {
    1: QT_TRANSLATE_NOOP("QuestionEditor", "1 易"),
    2: QT_TRANSLATE_NOOP("QuestionEditor", "2 中"),
    3: QT_TRANSLATE_NOOP("QuestionEditor", "3 难"),
}

# Which form sections each type uses.
SECTIONS: dict[QuestionType, frozenset[str]] = {
    QuestionType.SINGLE: frozenset({"options"}),
    QuestionType.MULTIPLE: frozenset({"options"}),
    QuestionType.TRUEFALSE: frozenset({"truefalse"}),
    QuestionType.FILL: frozenset({"blanks"}),
    QuestionType.NUMERIC: frozenset({"numeric"}),
    QuestionType.SHORT: frozenset({"accepted", "key_points"}),
    QuestionType.REPLY: frozenset({"key_points"}),
    QuestionType.ESSAY: frozenset({"key_points"}),
    QuestionType.MATCHING: frozenset({"pairs"}),
    QuestionType.DESCRIPTION: frozenset(),
}
ALL_SECTIONS = ("options", "truefalse", "blanks", "numeric", "accepted", "key_points", "pairs")

Problem = tuple[str, str]  # (section: key/stem/options/.../meta, message)


def _t(text: str) -> str:
    return QCoreApplication.translate("QuestionEditor", text)


# --- pure helpers (no widgets): tested directly ----------------------------------------------------


def split_alternatives(text: str) -> tuple[str, ...]:
    """ "20/二十 / 廿" -> ("20", "二十", "廿"): the ways of writing one answer."""
    return tuple(p for p in (s.strip() for s in ALTERNATIVES_RE.split(text)) if p)


def split_tags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in TAGS_RE.split(text.strip()) if t))


def count_fill_blanks(stem: str) -> int:
    return sum(1 for run in UNDERSCORE_RUN.findall(stem) if len(run) == len(FILL_BLANK))


def new_question_key(now: datetime | None = None) -> str:
    return f"q-{(now or datetime.now()):%y%m%d-%H%M%S}"


def blank_question(key: str, author: str, category: str = "", brand: str | None = None) -> Question:
    """What "新建题目" starts from: a single choice with four empty options."""
    return Question(
        key=key,
        type=QuestionType.SINGLE,
        stem="",
        options=tuple(Option("") for _ in range(4)),
        category=category or CATEGORIES[0],
        brand=brand,
        author=author,
    )


def question_problems(q: Question) -> list[Problem]:
    """What still keeps ``q`` from being saved, section by section (empty: fine)."""
    out: list[Problem] = []
    if not SLUG_RE.match(q.key):
        out.append(("key", _t("编号只能用小写字母、数字和 - _ .，并以字母或数字开头")))
    if not q.stem.strip():
        out.append(
            ("stem", _t("说明文字不能为空") if q.type is QuestionType.DESCRIPTION else _t("题干不能为空"))
        )
    t = q.type
    if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        texts = [o.text.strip() for o in q.options]
        if len(q.options) < 2:
            out.append(("options", _t("请至少填写 2 个选项")))
        for i, text in enumerate(texts):
            letter = "ABCDEFGH"[i] if i < 8 else str(i + 1)
            if not text:
                out.append(("options", _t("选项 {letter} 的内容为空").format(letter=letter)))
            elif text in texts[:i]:
                out.append(("options", _t("选项 {letter} 与前面的选项重复").format(letter=letter)))
        correct = sum(1 for o in q.options if o.correct)
        if t is QuestionType.SINGLE and correct != 1:
            out.append(("options", _t("单选题必须恰好勾选 1 个正确选项（现在有 {n} 个）").format(n=correct)))
        if t is QuestionType.MULTIPLE and correct < 1:
            out.append(("options", _t("多选题至少要勾选 1 个正确选项")))
    elif t is QuestionType.TRUEFALSE:
        if q.answer is None:
            out.append(("truefalse", _t("请选择正确答案：对 或 错")))
    elif t is QuestionType.FILL:
        odd = [run for run in UNDERSCORE_RUN.findall(q.stem) if len(run) != len(FILL_BLANK)]
        if odd:
            out.append(
                ("stem", _t("填空处请用 4 个下划线 ____（发现 {n} 个连续下划线）").format(n=len(odd[0])))
            )
        n = count_fill_blanks(q.stem)
        if n == 0:
            out.append(("blanks", _t("题干中还没有空：在要填的位置写 ____（4 个下划线）")))
        elif len(q.blanks) != n:
            out.append(("blanks", _t("题干有 {n} 个空，答案有 {m} 组").format(n=n, m=len(q.blanks))))
        for i, answers in enumerate(q.blanks):
            if not answers:
                out.append(("blanks", _t("第 {n} 空还没有答案").format(n=i + 1)))
    elif t is QuestionType.NUMERIC:
        if not q.numeric:
            out.append(("numeric", _t("请填写正确的数值")))
        for n_ans in q.numeric[:1]:
            if n_ans.value is None and (n_ans.low is None or n_ans.high is None):
                out.append(("numeric", _t("请填写正确值，或范围的两端")))
            elif (
                n_ans.value is None
                and n_ans.low is not None
                and n_ans.high is not None
                and n_ans.low > n_ans.high
            ):
                out.append(("numeric", _t("范围的起点不能大于终点")))
    elif t is QuestionType.MATCHING:
        if len(q.pairs) < 2:
            out.append(("pairs", _t("至少需要 2 对")))
        for i, p in enumerate(q.pairs):
            if not p.left.strip() or not p.right.strip():
                out.append(("pairs", _t("第 {n} 对的左侧或右侧为空").format(n=i + 1)))
        rights = [p.right.strip() for p in q.pairs]
        if len(set(rights)) != len(rights):
            out.append(("pairs", _t("右侧有重复的内容，考生将无法区分")))
    if t is QuestionType.SHORT and not q.accepted and not q.key_points:
        out.append(("accepted", _t("简答题需要至少一个可接受的答案，或至少一个评分要点")))
    if t is QuestionType.REPLY and not q.key_points:
        out.append(("key_points", _t("回复顾客题需要至少一个评分要点")))
    if "key_points" in SECTIONS[t]:
        for i, kp in enumerate(q.key_points):
            if not kp.synonyms:
                out.append(("key_points", _t("第 {n} 个要点没有写说法").format(n=i + 1)))
    if not q.category:
        out.append(("meta", _t("请选择分类")))
    return out


@dataclass(frozen=True)
class _Row:
    """One key-point row as typed (weight still text: parsed in build)."""

    synonyms: tuple[str, ...]
    weight: str
    feedback: str


# --- the dialog ------------------------------------------------------------------------------------


class QuestionEditorDialog(QDialog):
    """Edit one question (``key``) or write a new one (``key=None``)."""

    saved = Signal(str)  # the key; emitted on the UI thread after a successful save

    def __init__(
        self,
        ctx: PageContext,
        key: str | None,
        *,
        categories: Sequence[str] = CATEGORIES,
        brands: Sequence[BrandInfo] = (),
        new_category: str = "",
        new_brand: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = QuestionEditorView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.view)
        self.setWindowTitle(self.tr("新建题目") if key is None else self.tr("编辑题目 {key}").format(key=key))
        self.resize(1180, 740)

        self.key = key  # the question asked for (None: a new one)
        self.original: Question | None = None  # as loaded or last saved (None: never saved)
        self.expected_version: int | None = None
        self.last_result: SaveResult | None = None
        self.conflict_dialog: ConflictDialog | None = None  # the last save conflict shown
        self.duplicates: list[str] = []
        self.preview: QWidget | None = None
        self.preview_view: QuestionView | None = None
        self.problems: list[Problem] = []
        self.loaded = False
        self._loading = False
        self._dirty = False
        self._show_problems = key is not None
        self._busy = False
        self._dup_seq = 0
        self._base = blank_question(new_question_key(), ctx.actor.display_name, new_category, new_brand)

        v = self.view
        for qtype, label in TYPE_LABELS.items():
            v.type_combo.addItem(label, qtype.value)
        for category in categories:
            v.category_combo.addItem(category, category)
        v.brand_combo.addItem(self.tr("通用（所有品牌）"), None)
        for brand in brands:
            v.brand_combo.addItem(brand.name, brand.key)
        for level, label in DIFFICULTY_LABELS.items():
            v.difficulty_combo.addItem(_t(label), level)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh)
        self._dup_timer = QTimer(self)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(DUPLICATE_DELAY_MS)
        self._dup_timer.timeout.connect(self.check_duplicates)

        v.type_combo.currentIndexChanged.connect(lambda _i: self._type_changed())
        v.stem_edit.textChanged.connect(self._stem_changed)
        v.key_edit.textChanged.connect(lambda _t: self._changed())
        v.insert_blank_button.clicked.connect(self.insert_blank)
        for table in (v.options_table, v.blanks_table, v.key_points_table, v.pairs_table):
            table.changed.connect(self._changed)
        for check in (v.partial_check, v.true_radio, v.false_radio, v.exact_radio, v.range_radio):
            check.toggled.connect(lambda _on: self._changed())
        for spin in (v.value_spin, v.tolerance_spin, v.low_spin, v.high_spin):
            spin.valueChanged.connect(lambda _v: self._changed())
        for edit in (
            v.true_feedback_edit,
            v.false_feedback_edit,
            v.tags_edit,
            v.handbook_edit,
            v.author_edit,
        ):
            edit.textChanged.connect(lambda _t: self._changed())
        for plain in (v.accepted_edit, v.explanation_edit):
            plain.textChanged.connect(self._changed)
        for combo in (v.category_combo, v.brand_combo, v.difficulty_combo):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        v.exact_radio.toggled.connect(lambda _on: self._numeric_mode())
        v.save_button.clicked.connect(self.save)
        v.close_button.clicked.connect(self.reject)

        if key is None:
            self.populate(self._base)
            self.loaded = True
        else:
            self.view.setEnabled(False)
            self.view.show_message(self.tr("正在载入…"), INFO_STYLE)
            ctx.runner.db(
                ctx.services.questions.get,
                ctx.actor,
                key,
                on_done=self._loaded,
                on_error=self._load_failed,
                owner=self,
            )

    # --- loading ---------------------------------------------------------------------------------

    def _loaded(self, question: Question) -> None:
        self.original = question
        self.expected_version = question.version
        self.view.setEnabled(True)
        self.view.show_message("")
        self.populate(question)
        self.loaded = True

    def _load_failed(self, exc: BaseException) -> None:
        self.view.show_message(str(exc) if errors.is_expected(exc) else self.tr("载入题目时出错。"))
        if not errors.is_expected(exc):
            errors.show_error(self, exc)

    def populate(self, q: Question) -> None:
        """Put ``q`` into the form (no change signals count as edits meanwhile)."""
        v = self.view
        self._loading = True
        try:
            v.key_edit.setText(q.key)
            v.key_edit.setReadOnly(self.original is not None)
            self._set_version_label(q)
            _select(v.type_combo, q.type.value)
            v.stem_edit.setPlainText(q.stem)
            v.options_table.set_rows([(o.text, o.correct, o.feedback) for o in q.options])
            v.partial_check.setChecked(q.partial_credit)
            v.truefalse_group.setExclusive(False)
            v.true_radio.setChecked(q.answer is True)
            v.false_radio.setChecked(q.answer is False)
            v.truefalse_group.setExclusive(True)
            v.true_feedback_edit.setText(q.true_feedback)
            v.false_feedback_edit.setText(q.false_feedback)
            v.blanks_table.set_rows([(" / ".join(b),) for b in q.blanks])
            first = q.numeric[0] if q.numeric else NumericAnswer(value=0.0)
            exact = first.value is not None
            v.exact_radio.setChecked(exact)
            v.range_radio.setChecked(not exact)
            v.value_spin.setValue(first.value or 0.0)
            v.tolerance_spin.setValue(first.tolerance)
            v.low_spin.setValue(first.low or 0.0)
            v.high_spin.setValue(first.high or 0.0)
            extra = len(q.numeric) - 1
            v.numeric_note.setText(
                self.tr("另有 {n} 个部分得分的答案（导入时带来的），保存时保持不变。").format(n=extra)
                if extra > 0
                else ""
            )
            v.numeric_note.setVisible(extra > 0)
            v.accepted_edit.setPlainText("\n".join(a.text for a in q.accepted))
            v.key_points_table.set_rows(
                [(" / ".join(k.synonyms), f"{k.weight:g}", k.feedback) for k in q.key_points]
            )
            v.pairs_table.set_rows([(p.left, p.right) for p in q.pairs])
            if v.category_combo.findData(q.category) < 0 and q.category:
                v.category_combo.addItem(q.category, q.category)
            _select(v.category_combo, q.category)
            if q.brand and v.brand_combo.findData(q.brand) < 0:
                v.brand_combo.addItem(q.brand, q.brand)
            _select(v.brand_combo, q.brand)
            _select(v.difficulty_combo, q.difficulty)
            v.tags_edit.setText("，".join(q.tags))
            v.explanation_edit.setPlainText(q.explanation)
            v.handbook_edit.setText(q.handbook or "")
            v.author_edit.setText(q.author or (self.ctx.actor.display_name if self.original is None else ""))
        finally:
            self._loading = False
        self._type_changed(initial=True)
        self._numeric_mode()
        self._dirty = False
        self.refresh()
        self.check_duplicates()

    def _set_version_label(self, q: Question) -> None:
        if self.original is None:
            self.view.version_label.setText(self.tr("新题目"))
        else:
            state = self.tr("（已停用）") if q.retired else ""
            self.view.version_label.setText(self.tr("第 {n} 版").format(n=q.version) + state)

    # --- reacting to edits -----------------------------------------------------------------------

    def current_type(self) -> QuestionType:
        return QuestionType(self.view.type_combo.currentData())

    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self._show_problems = True
        self._preview_timer.start()

    def _stem_changed(self) -> None:
        if self._loading:
            return
        if self.current_type() is QuestionType.FILL:
            self._sync_blanks()
        self._dup_timer.start()
        self._changed()

    def _sync_blanks(self) -> None:
        self.view.blanks_table.set_row_count(count_fill_blanks(self.view.stem_edit.toPlainText()))

    def _type_changed(self, initial: bool = False) -> None:
        t = self.current_type()
        v = self.view
        used = SECTIONS[t]
        boxes = {
            "options": v.options_box,
            "truefalse": v.truefalse_box,
            "blanks": v.blanks_box,
            "numeric": v.numeric_box,
            "accepted": v.accepted_box,
            "key_points": v.key_points_box,
            "pairs": v.pairs_box,
        }
        for name, box in boxes.items():
            box.setVisible(name in used)
        v.partial_check.setVisible(t is QuestionType.MULTIPLE)
        v.insert_blank_button.setVisible(t is QuestionType.FILL)
        stem_titles = {
            QuestionType.REPLY: self.tr("顾客消息（题干）"),
            QuestionType.DESCRIPTION: self.tr("说明文字"),
        }
        v.stem_box.setTitle(stem_titles.get(t, self.tr("题干")))
        stem_hints = {
            QuestionType.FILL: self.tr("用 ____（4 个下划线）标出每个要填的空，可点下面的按钮插入。"),
            QuestionType.REPLY: self.tr("写顾客发来的原话；考生要写出客服的回复。"),
            QuestionType.ESSAY: self.tr("问答题由培训师人工评分。"),
            QuestionType.DESCRIPTION: self.tr("一段放在试卷中的说明，不计分。"),
            QuestionType.MATCHING: self.tr("写清要考生做什么，如“把顾客的情况和处理方式连起来”。"),
        }
        v.stem_hint.setText(stem_hints.get(t, ""))
        v.stem_hint.setVisible(t in stem_hints)
        v.options_hint.setText(
            self.tr("勾选唯一的正确选项；A–H 最多 8 个。")
            if t is QuestionType.SINGLE
            else self.tr("勾选所有正确选项；A–H 最多 8 个。")
        )
        if t is QuestionType.ESSAY:
            v.key_points_box.setTitle(self.tr("参考要点（可不填）"))
            v.key_points_hint.setText(self.tr("自动评分只作参考，由培训师在“试卷管理 → 复核”里给分。"))
        else:
            v.key_points_box.setTitle(self.tr("评分要点"))
            v.key_points_hint.setText(
                self.tr(
                    "答案里出现某个要点的任意一种说法（按词匹配）就算答到；权重大的要点分多。"
                    "自动给出的分数由培训师在复核时确认或修改。"
                )
            )
        if t is QuestionType.FILL:
            blocked = self._loading
            self._loading = True  # adding rows for the blanks is not an edit of its own
            try:
                self._sync_blanks()
            finally:
                self._loading = blocked
        if t in (QuestionType.SINGLE, QuestionType.MULTIPLE) and v.options_table.row_count() == 0:
            blocked = self._loading
            self._loading = True
            try:
                v.options_table.set_rows([("", False, "")] * 4)
            finally:
                self._loading = blocked
        if t is QuestionType.MATCHING and v.pairs_table.row_count() == 0:
            blocked = self._loading
            self._loading = True
            try:
                v.pairs_table.set_rows([("", "")] * 3)
            finally:
                self._loading = blocked
        if not initial:
            self._changed()

    def _numeric_mode(self) -> None:
        exact = self.view.exact_radio.isChecked()
        self.view.exact_row.setVisible(exact)
        self.view.range_row.setVisible(not exact)

    def insert_blank(self) -> None:
        self.view.stem_edit.insertPlainText(FILL_BLANK)
        self.view.stem_edit.setFocus()

    # --- the question in the form ----------------------------------------------------------------

    def build(self) -> tuple[Question, list[Problem]]:
        """The question as the form shows it, plus problems found while reading the form."""
        v = self.view
        base = self.original or self._base
        t = self.current_type()
        used = SECTIONS[t]
        problems: list[Problem] = []

        old_weights = {o.text: o.weight for o in base.options}
        options: tuple[Option, ...] = ()
        if "options" in used:
            rows = []
            table = v.options_table
            for r in range(table.row_count()):
                text, correct, feedback = table.text(r, 0), table.checked(r, 1), table.text(r, 2)
                if text or correct or feedback:
                    rows.append(Option(text, correct, old_weights.get(text), feedback))
            options = tuple(rows)

        answer: bool | None = None
        if "truefalse" in used:
            answer = True if v.true_radio.isChecked() else (False if v.false_radio.isChecked() else None)

        blanks: tuple[tuple[str, ...], ...] = ()
        if "blanks" in used:
            blanks = tuple(
                split_alternatives(v.blanks_table.text(r, 0)) for r in range(v.blanks_table.row_count())
            )

        numeric: tuple[NumericAnswer, ...] = ()
        if "numeric" in used:
            first = base.numeric[0] if base.numeric and base.type is QuestionType.NUMERIC else NumericAnswer()
            if v.exact_radio.isChecked():
                answer_n = NumericAnswer(
                    value=v.value_spin.value(),
                    tolerance=v.tolerance_spin.value(),
                    weight=100.0,
                    feedback=first.feedback,
                )
            else:
                answer_n = NumericAnswer(
                    low=v.low_spin.value(), high=v.high_spin.value(), feedback=first.feedback
                )
            rest = base.numeric[1:] if base.type is QuestionType.NUMERIC else ()
            numeric = (answer_n, *rest)

        accepted: tuple[AcceptedAnswer, ...] = ()
        if "accepted" in used:
            old = {a.text: a for a in base.accepted}
            lines = [line.strip() for line in v.accepted_edit.toPlainText().splitlines() if line.strip()]
            accepted = tuple(old.get(line) or AcceptedAnswer(line) for line in dict.fromkeys(lines))

        key_points: tuple[KeyPointSpec, ...] = ()
        if "key_points" in used:
            table = v.key_points_table
            points = []
            for r in range(table.row_count()):
                row = _Row(split_alternatives(table.text(r, 0)), table.text(r, 1), table.text(r, 2))
                if not (row.synonyms or row.feedback):
                    continue
                try:
                    weight = float(row.weight) if row.weight else 1.0
                    if not weight > 0:
                        raise ValueError
                except ValueError:
                    problems.append(
                        ("key_points", _t("第 {n} 个要点的权重应为大于 0 的数字").format(n=r + 1))
                    )
                    weight = 1.0
                old_kp = base.key_points[r] if r < len(base.key_points) else None
                points.append(
                    KeyPointSpec(
                        synonyms=row.synonyms,
                        weight=weight,
                        regexes=old_kp.regexes if old_kp else (),
                        feedback=row.feedback,
                        id=old_kp.id if old_kp else "",
                    )
                )
            key_points = tuple(points)

        pairs: tuple[MatchPair, ...] = ()
        if "pairs" in used:
            table = v.pairs_table
            pairs = tuple(
                MatchPair(table.text(r, 0), table.text(r, 1))
                for r in range(table.row_count())
                if table.text(r, 0) or table.text(r, 1)
            )

        q = base.with_changes(
            key=v.key_edit.text().strip(),
            type=t,
            stem=v.stem_edit.toPlainText().strip(),
            options=options,
            partial_credit=t is QuestionType.MULTIPLE and v.partial_check.isChecked(),
            answer=answer,
            true_feedback=v.true_feedback_edit.text().strip() if "truefalse" in used else "",
            false_feedback=v.false_feedback_edit.text().strip() if "truefalse" in used else "",
            blanks=blanks,
            numeric=numeric,
            accepted=accepted,
            key_points=key_points,
            pairs=pairs,
            category=v.category_combo.currentData() or "",
            brand=v.brand_combo.currentData() or None,
            difficulty=int(v.difficulty_combo.currentData() or 1),
            tags=split_tags(v.tags_edit.text()),
            explanation=v.explanation_edit.toPlainText().strip(),
            handbook=v.handbook_edit.text().strip() or None,
            author=v.author_edit.text().strip(),
        )
        return q, problems

    def refresh(self) -> None:
        """Rebuild the preview and the inline messages from the form."""
        self._preview_timer.stop()
        q, problems = self.build()
        self.problems = problems + question_problems(q)
        self._show_inline(self.problems if self._show_problems else [])
        self._render_preview(q)

    def _show_inline(self, problems: list[Problem]) -> None:
        v = self.view
        labels: dict[str, QLabel] = {
            "key": v.key_message,
            "stem": v.stem_message,
            "options": v.options_message,
            "truefalse": v.truefalse_message,
            "blanks": v.blanks_message,
            "numeric": v.numeric_message,
            "accepted": v.accepted_message,
            "key_points": v.key_points_message,
            "pairs": v.pairs_message,
            "meta": v.meta_message,
        }
        by_section: dict[str, list[str]] = {}
        for section, text in problems:
            by_section.setdefault(section, []).append(text)
        for section, label in labels.items():
            set_message(label, "\n".join(by_section.get(section, [])) or None)

    def inline_messages(self) -> dict[str, str]:
        """The inline messages shown now, by section (tests and screen readers)."""
        v = self.view
        pairs = {
            "key": v.key_message,
            "stem": v.stem_message,
            "options": v.options_message,
            "truefalse": v.truefalse_message,
            "blanks": v.blanks_message,
            "numeric": v.numeric_message,
            "accepted": v.accepted_message,
            "key_points": v.key_points_message,
            "pairs": v.pairs_message,
            "meta": v.meta_message,
        }
        return {k: label.text() for k, label in pairs.items() if label.text()}

    def _render_preview(self, q: Question) -> None:
        widget_class = question_widget_class()
        try:
            view = view_of(q)
        except Exception:  # a half-typed question the view cannot describe yet
            log.debug("no preview for the question as typed", exc_info=True)
            self.view.preview_note.setText(self.tr("题目还不完整，暂时无法预览。"))
            self.view.preview_note.setVisible(True)
            return
        self.preview_view = view
        if widget_class is None:
            self.view.preview_note.setText(self.tr("预览组件尚未安装。"))
            self.view.preview_note.setVisible(True)
            return
        try:
            widget = widget_class(view, None, read_only=False)
        except Exception:
            log.warning("the preview widget could not show the question", exc_info=True)
            self.view.preview_note.setText(self.tr("题目还不完整，暂时无法预览。"))
            self.view.preview_note.setVisible(True)
            return
        self.view.preview_note.setVisible(False)
        self.preview = widget
        self.view.set_preview(widget)

    # --- duplicates ------------------------------------------------------------------------------

    def check_duplicates(self) -> None:
        self._dup_timer.stop()
        if self.ctx.runner.closed:  # the session ended while the timer ran
            return
        stem = self.view.stem_edit.toPlainText().strip()
        self._dup_seq += 1
        seq = self._dup_seq
        if not stem:
            self._show_duplicates(seq, [])
            return
        key = self.view.key_edit.text().strip() or None
        self.ctx.runner.db(
            self.ctx.services.questions.duplicates_of,
            stem,
            exclude_key=key,
            on_done=lambda keys: self._show_duplicates(seq, keys),
            owner=self,
        )

    def _show_duplicates(self, seq: int, keys: list[str]) -> None:
        if seq != self._dup_seq:
            return  # the stem changed again since this check was asked for
        self.duplicates = list(keys)
        label = self.view.duplicate_label
        if keys:
            shown = "、".join(keys[:5]) + ("…" if len(keys) > 5 else "")
            label.setText(self.tr("⚠ 与 {keys} 题干相同（仅提醒，仍可保存）").format(keys=shown))
        label.setVisible(bool(keys))

    # --- saving ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def save(self) -> None:
        if self._busy or not self.loaded:
            return
        self._show_problems = True
        self.refresh()
        self.view.conflict_label.setVisible(False)
        q, _ = self.build()
        if self.problems:
            self.view.show_message(
                self.tr("还有 {n} 处需要修改（见上方红字），暂不能保存。").format(n=len(self.problems))
            )
            return
        creating = self.original is None
        expected, base = self.expected_version, self.original
        questions, actor = self.ctx.services.questions, self.ctx.actor

        def job() -> SaveResult:
            if creating:
                try:
                    questions.get(actor, q.key)
                except NotFound:
                    pass
                else:
                    raise InvalidInput(f"编号 {q.key} 已被另一道题使用，请换一个", "key")
            return questions.save(actor, q, expected_version=expected, base=base, must_be_new=creating)

        self._set_busy(True)
        self.view.show_message(self.tr("正在保存…"), INFO_STYLE)
        self.ctx.runner.db(job, on_done=self._saved, on_error=self._save_failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.view.save_button.setEnabled(not busy)
        self.view.close_button.setEnabled(not busy)

    def _saved(self, result: SaveResult) -> None:
        self._set_busy(False)
        self.last_result = result
        q = result.question
        self.original = q
        self.key = q.key
        self.expected_version = q.version
        self._dirty = False
        self.view.key_edit.setReadOnly(True)
        self._set_version_label(q)
        self.setWindowTitle(self.tr("编辑题目 {key}").format(key=q.key))
        if result.created:
            text = self.tr("已新建题目 {key}。").format(key=q.key)
        elif result.new_version:
            text = self.tr("已保存为第 {n} 版（该题已被作答过，旧版本保留给历史考试）").format(n=q.version)
        else:
            text = self.tr("已保存。")
        if result.duplicates:
            text += self.tr(" 注意：与 {keys} 题干相同。").format(keys="、".join(result.duplicates[:5]))
        self.view.show_message(text, SUCCESS_STYLE if not result.duplicates else WARNING_STYLE)
        self.ctx.show_status(text)
        self.saved.emit(q.key)

    def _save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, EditConflict) and exc.expected_version is None:
            # A colleague created a question with this key meanwhile: choose another key.
            set_message(self.view.key_message, str(exc))
            self.view.show_message(str(exc))
        elif isinstance(exc, InvalidInput) and exc.field == "version":
            self.view.show_message("")
            self.view.conflict_label.setText(
                self.tr("保存冲突：{reason}\n你的修改还在编辑器里，没有保存。").format(reason=exc)
            )
            self.view.conflict_label.setVisible(True)
            if isinstance(exc, EditConflict):
                self.show_conflict(exc)
        elif isinstance(exc, InvalidInput) and exc.field == "key":
            set_message(self.view.key_message, str(exc))
            self.view.show_message(str(exc))
        elif isinstance(exc, ValidationFailed):
            lines = "\n".join(f"· {e}" for e in exc.errors)
            self.view.show_message(f"{ServiceError.__str__(exc)}\n{lines}")
        elif errors.is_expected(exc):
            self.view.show_message(str(exc))
        else:
            self.view.show_message(self.tr("保存时出错，题目没有保存。"))
            errors.show_error(self, exc)

    def show_conflict(self, conflict: EditConflict) -> ConflictDialog:
        """Mine and theirs side by side; the person decides what happens to the edit."""
        if self.conflict_dialog is not None:
            self.conflict_dialog.deleteLater()
        dialog = ConflictDialog(conflict, self)
        dialog.decided.connect(lambda action: self._conflict_decided(conflict, action))
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _conflict_decided(self, conflict: EditConflict, action: str) -> None:
        latest = conflict.latest
        if action == OVERWRITE and isinstance(latest, Question):
            # Save the text in the form again, now against the stored version.
            self.original, self.expected_version = latest, latest.version
            self.save()
        elif action == LOAD_THEIRS and isinstance(latest, Question):
            self.view.conflict_label.setVisible(False)
            self._loaded(latest)
            self._dirty = False
            self._set_version_label(latest)
            by = conflict.theirs.by if conflict.theirs is not None else ""
            self.view.show_message(
                self.tr("已载入 {by} 保存的最新内容（第 {n} 版），你的修改已放弃。").format(
                    by=by, n=latest.version
                ),
                INFO_STYLE,
            )
        # KEEP_EDITING: nothing saved; the form and the conflict note stay as they are.

    # --- closing ---------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def reject(self) -> None:
        if self._busy:
            return
        if self._dirty and not prompts.confirm(
            self,
            self.tr("关闭编辑器"),
            self.tr("有修改还没有保存，确定放弃这些修改吗？"),
            ok_text=self.tr("放弃修改"),
        ):
            return
        self._preview_timer.stop()
        self._dup_timer.stop()
        super().reject()

    def discard(self) -> None:
        """Close without asking (the session ends): unsaved edits are dropped."""
        self._dirty = False
        self._busy = False
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def question_widget_class() -> Any:
    """The trainee's question widget, or None while it is not installed (an older checkout)."""
    try:
        from cstrainer.gui.widgets.question_widget import QuestionWidget
    except ImportError:
        return None
    return QuestionWidget


def open_editor(
    ctx: PageContext,
    key: str | None,
    parent: QWidget,
    *,
    categories: Sequence[str] = CATEGORIES,
    brands: Sequence[BrandInfo] = (),
    new_category: str = "",
    new_brand: str | None = None,
) -> QuestionEditorDialog:
    """Open the editor window (not modal: the bank stays usable) and return it."""
    dialog = QuestionEditorDialog(
        ctx,
        key,
        categories=categories,
        brands=brands,
        new_category=new_category,
        new_brand=new_brand,
        parent=parent,
    )
    dialog.setModal(False)
    dialog.show()
    return dialog


__all__ = [
    "QuestionEditorDialog",
    "RowsTable",
    "blank_question",
    "count_fill_blanks",
    "open_editor",
    "question_problems",
    "split_alternatives",
    "split_tags",
]
