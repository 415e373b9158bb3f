"""The result of one attempt: score and verdict, categories, every question with its grading, and
the certificate (PDF) when the exam was passed.

Correct answers and explanations appear only when the service included them
(``AttemptResult.answers_shown``: the exam shows answers after submission, or a trainer looks).
"""

from __future__ import annotations

from pathlib import Path

from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.exam_result_view import BLUE, GREEN, GREY, RED, ExamResultView
from cstrainer.gui.qt import QCoreApplication, QVBoxLayout, QWidget, Signal
from cstrainer.gui.table_model import local_time
from cstrainer.gui.widgets import QuestionWidget
from cstrainer.services.exams import REVIEWING, SUBMIT_REASONS, AttemptResult

PDF_FILTER = "PDF (*.pdf)"


def _t(text: str) -> str:
    return QCoreApplication.translate("ExamResult", text)


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _t("{h} 小时 {m} 分").format(h=hours, m=minutes)
    if minutes:
        return _t("{m} 分 {s} 秒").format(m=minutes, s=secs)
    return _t("{s} 秒").format(s=secs)


def verdict(result: AttemptResult) -> tuple[str, str]:
    """(text, colour): 通过 / 未通过 / 待复核."""
    if result.passed is None or result.status == REVIEWING:
        return _t("待复核"), BLUE
    return (_t("通过"), GREEN) if result.passed else (_t("未通过"), RED)


class ExamResultWidget(QWidget):
    back_requested = Signal()

    def __init__(self, ctx: PageContext, result: AttemptResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result = result
        self.view = ExamResultView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.item_widgets: list[QuestionWidget] = []
        self.view.back_button.clicked.connect(self.back_requested.emit)
        self.view.certificate_button.clicked.connect(self.download_certificate)
        self._fill()

    def _fill(self) -> None:
        r, v = self.result, self.view
        v.title_label.setText(r.exam_title)
        v.person_label.setText(_t("{name}（{login}）").format(name=r.display_name, login=r.login))
        v.score_label.setText(_t("{score} 分").format(score=f"{r.percent:g}"))
        text, colour = verdict(r)
        v.verdict_label.setText(text)
        v.verdict_label.setStyleSheet(f"color: {colour};")
        v.score_label.setStyleSheet(f"color: {colour};")
        v.raw_score_label.setText(
            _t("得分 {score} / {max} 分（百分制 {percent} 分）").format(
                score=f"{r.score:g}", max=f"{r.max_score:g}", percent=f"{r.percent:g}"
            )
        )
        if r.pending_review:
            v.pending_label.setText(
                _t("{n} 道主观题等待培训师复核，复核后给出最终成绩。当前分数只含已评分的题目。").format(
                    n=r.pending_review
                )
            )
        v.pending_label.setVisible(bool(r.pending_review))
        v.facts["pass_mark"].setText(_t("{mark} 分").format(mark=f"{r.pass_mark:g}"))
        v.facts["duration"].setText(format_duration(r.used_seconds))
        v.facts["submitted"].setText(local_time(r.submitted_at, "%Y-%m-%d %H:%M"))
        v.facts["reason"].setText(SUBMIT_REASONS.get(r.submit_reason, r.submit_reason or "—"))
        v.facts["focus"].setText(_t("{n} 次").format(n=r.focus_losses))
        if r.focus_losses:
            v.facts["focus"].setStyleSheet(f"color: {RED};")

        if r.certificate_code:
            v.certificate_label.setText(
                _t("恭喜通过！证书验证码：{code}\n任何人都可以用这个验证码核对证书的真伪。").format(
                    code=r.certificate_code
                )
            )
        v.certificate_box.setVisible(bool(r.certificate_code))

        for row, c in enumerate(r.categories, start=1):
            v.add_category(row, c.category, c.percent, f"{c.score:g} / {c.max_score:g}")
        v.categories_box.setVisible(bool(r.categories))

        if r.answers_shown:
            v.answers_note.setText(_t("下面列出每道题你的答案、得分、正确答案和解析。"))
        else:
            v.answers_note.setText(_t("这份试卷交卷后不公布正确答案；下面列出每道题你的答案和得分。"))
        for item in r.items:
            widget = QuestionWidget(item.view, item.response, read_only=True, number=item.position + 1)
            widget.set_result(item)
            v.add_item_card(widget)
            self.item_widgets.append(widget)
        v.answers_note.setStyleSheet(f"color: {GREY};")

    def download_certificate(self) -> None:
        code = self.result.certificate_code
        if not code:
            return
        start = Path.home() / _t("合格证书-{title}-{code}.pdf").format(
            title=self.result.exam_title.split("（")[0], code=code
        )
        dest = prompts.choose_save_file(self, _t("保存合格证书"), start, PDF_FILTER)
        if dest is None:
            return
        if dest.suffix.lower() != ".pdf":
            dest = dest.with_suffix(".pdf")
        self.ctx.runner.db(
            self.ctx.services.exams.certificate_pdf,
            self.ctx.actor,
            self.result.attempt_id,
            dest,
            on_done=self._certificate_saved,
            owner=self,
            name="exams.certificate_pdf",
        )

    def _certificate_saved(self, path: Path) -> None:
        text = _t("合格证书已保存到 {path}").format(path=path)
        self.ctx.show_status(text)
        prompts.inform(self, _t("合格证书"), text)
