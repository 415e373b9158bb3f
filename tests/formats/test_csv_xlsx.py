"""The question table as CSV and xlsx: headings, answers, encodings, errors, the template."""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from test_question_pack import sample_questions

from cstrainer.domain.questions import (
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.formats.csv_questions import dump_csv, dumps_csv, parse_csv
from cstrainer.formats.errors import ParseResult
from cstrainer.formats.question_pack import validation_problems
from cstrainer.formats.question_table import COLUMNS
from cstrainer.formats.xlsx_questions import dump_xlsx, parse_xlsx, write_template

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分类", "品牌", "难度", "标签"]


def table_view(q: Question) -> Question:
    """What a table keeps of ``q``: no option weights or feedback, no per-answer feedback, key
    points as synonyms and weight."""
    return replace(
        q,
        options=tuple(Option(o.text, o.correct) for o in q.options),
        true_feedback="",
        false_feedback="",
        numeric=tuple(replace(n, feedback="") for n in q.numeric),
        accepted=tuple(AcceptedAnswer(a.text, a.weight) for a in q.accepted),
        key_points=tuple(KeyPointSpec(p.synonyms, p.weight) for p in q.key_points),
    )


def csv_rows(*rows: list[str], header: list[str] = HEADER) -> str:
    lines = [header, *rows]
    return "\n".join(
        ",".join(f'"{c}"' if ("," in c or "\n" in c or '"' in c) else c for c in line) for line in lines
    )


def write_xlsx(path: Path, rows: list[list[Any]], title: str = "题目") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def only_error(result: ParseResult) -> str:
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return str(result.errors[0])


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


def test_csv_round_trip_every_type(tmp_path: Path) -> None:
    # GIVEN questions of every type, as much as a table can hold
    questions = [table_view(q) for q in sample_questions()]
    # WHEN written as CSV (text and file) and read back THEN nothing changes
    result = parse_csv(dumps_csv(questions))
    assert result.errors == [] and result.warnings == []
    assert result.questions == questions
    dump_csv(questions, tmp_path / "题库.csv")
    assert (tmp_path / "题库.csv").read_bytes().startswith(codecs.BOM_UTF8)
    assert parse_csv(tmp_path / "题库.csv").questions == questions


def test_xlsx_round_trip_every_type(tmp_path: Path) -> None:
    questions = [table_view(q) for q in sample_questions()]
    dump_xlsx(questions, tmp_path / "题库.xlsx")
    result = parse_xlsx(tmp_path / "题库.xlsx")
    assert result.errors == [] and result.warnings == []
    assert result.questions == questions


_TEXT = st.text(
    st.one_of(
        st.sampled_from(list("沁屿＝｜／＊：｛｝=~#{}|/*\\'\"-+@,，、;；\n\t 原文")),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s != "")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(stem=_TEXT, a=_TEXT, b=_TEXT, explanation=_TEXT)
def test_any_text_survives_csv_and_xlsx(tmp_path: Path, stem: str, a: str, b: str, explanation: str) -> None:
    assume(a != b)
    questions = [
        Question(
            key="q1",
            type=QuestionType.MULTIPLE,
            stem=stem,
            options=(Option(a, correct=True), Option(b)),
            explanation=explanation,
        ),
        # structured answers: separators and backslashes inside the texts
        Question(key="q2", type=QuestionType.FILL, stem=stem.replace("_", "-") + "____", blanks=((a, b),)),
        Question(
            key="q3",
            type=QuestionType.SHORT,
            stem=stem,
            key_points=(KeyPointSpec((a, b), weight=2.5),),
            accepted=(AcceptedAnswer(b, 50.0),),
        ),
        Question(key="q4", type=QuestionType.MATCHING, stem=stem, pairs=(MatchPair(a, b), MatchPair(b, a))),
    ]
    assert parse_csv(dumps_csv(questions)).questions == questions
    dump_xlsx(questions, tmp_path / "h.xlsx")
    assert parse_xlsx(tmp_path / "h.xlsx").questions == questions


# ---------------------------------------------------------------------------------------------
# Headings
# ---------------------------------------------------------------------------------------------


def test_headings_are_matched_tolerantly() -> None:
    # shuffled, full-width, spaces, synonyms and English ids; an unknown column is a warning
    header = [" 题 目 ", "正确答案", "选项Ａ", "option_b", "TYPE", "备注", "难度等级"]
    result = parse_csv(
        csv_rows(["选哪个？", "b", "甲", "乙", "单选题", "随便写", "难"], header=header), "x.csv"
    )
    assert result.errors == []
    [q] = result.questions
    assert (q.type, q.stem, q.difficulty) == (QuestionType.SINGLE, "选哪个？", 3)
    assert [o.correct for o in q.options] == [False, True]
    assert [str(w) for w in result.warnings] == [
        "x.csv 第 1 行 F 列（备注）：不认识的列“备注”，这一列会被忽略"
    ]


def test_header_row_may_follow_a_title_row() -> None:
    text = "沁屿题库 2024 版,,\n" + csv_rows(["判断", "对吗？", "", "", "", "", "对"])
    [q] = parse_csv(text).questions
    assert q.answer is True


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["题型", "题干", "选项A"], "第 1 行：缺少必填列：答案"),
        (["题型", "题干", "答案", "正确答案"], "第 1 行 D 列（正确答案）：列“正确答案”重复（C 列已有）"),
        (["名称", "内容"], "第 1 行：找不到表头"),
    ],
)
def test_heading_errors(header: list[str], message: str) -> None:
    assert message in only_error(parse_csv(csv_rows(["单选"] * len(header), header=header), "t.csv"))


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def parse_one(row: list[str], header: list[str] = HEADER) -> Question:
    result = parse_csv(csv_rows(row, header=header), "t.csv")
    assert result.errors == [], [str(e) for e in result.errors]
    [q] = result.questions
    return q


@pytest.mark.parametrize("answer", ["ACD", "A,C,D", "A、C、D", "a c d", "Ａ，Ｃ，Ｄ", "C,A,D,A"])
def test_multiple_choice_answers(answer: str) -> None:
    q = parse_one(["多选", "哪些对？", "甲", "乙", "丙", "丁", answer])
    assert [o.correct for o in q.options] == [True, False, True, True]


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("对", True),
        ("正确", True),
        ("√", True),
        ("T", True),
        ("true", True),
        ("错", False),
        ("×", False),
        ("F", False),
    ],
)
def test_true_false_answers(answer: str, value: bool) -> None:
    assert parse_one(["判断题", "对吗？", "", "", "", "", answer]).answer is value


@pytest.mark.parametrize(
    ("answer", "numeric"),
    [
        ("12", (NumericAnswer(value=12.0),)),
        ("12±0.5", (NumericAnswer(value=12.0, tolerance=0.5),)),
        ("１２+-0.5", (NumericAnswer(value=12.0, tolerance=0.5),)),
        ("10-15", (NumericAnswer(low=10.0, high=15.0),)),
        ("-5~5", (NumericAnswer(low=-5.0, high=5.0),)),
        ("10～15", (NumericAnswer(low=10.0, high=15.0),)),
        ("64|64±6*50%", (NumericAnswer(value=64.0), NumericAnswer(value=64.0, tolerance=6.0, weight=50.0))),
    ],
)
def test_numeric_answers(answer: str, numeric: tuple[NumericAnswer, ...]) -> None:
    assert parse_one(["数值", "多少？", "", "", "", "", answer]).numeric == numeric


def test_fill_short_reply_matching_answers() -> None:
    fill = parse_one(["填空", "先用____水，因为____遇热凝固。", "", "", "", "", "冷/冷水|蛋白质／蛋白"])
    assert fill.blanks == (("冷", "冷水"), ("蛋白质", "蛋白"))
    fraction = parse_one(["填空题", "一半是多少？", "", "", "", "", r"1\/2/0.5"])
    assert fraction.blanks == (("1/2", "0.5"),)
    short = parse_one(["简答", "问什么？", "", "", "", "", "腰围|体重/多少斤*0.5|原文：三围*50%"])
    assert short.key_points == (KeyPointSpec(("腰围",)), KeyPointSpec(("体重", "多少斤"), weight=0.5))
    assert short.accepted == (AcceptedAnswer("三围", 50.0),)
    reply = parse_one(["回复顾客", "漏了！", "", "", "", "", "抱歉/不好意思|补发/退款*2"])
    assert reply.key_points[1] == KeyPointSpec(("补发", "退款"), weight=2.0)
    matching = parse_one(["匹配", "配对", "", "", "", "", "快捷短语=一键发送|转接＝交给同事|=关店"])
    assert matching.pairs == (
        MatchPair("快捷短语", "一键发送"),
        MatchPair("转接", "交给同事"),
        MatchPair("", "关店"),
    )


def test_other_columns() -> None:
    header = [*HEADER, "部分得分", "编号", "关联手册", "关联产品", "作者"]
    row = ["多选", "哪些？", "甲", "乙", "", "", "AB", "解析", "售前", "qinyu", "中", "标签1，标签2、标签1", "是",
           "Q-1", "qinyu-brand-intro", "qinyu-liquid、qinyu-beads", "王培训"]  # fmt: skip
    q = parse_one(row, header)
    assert (q.key, q.category, q.brand, q.difficulty) == ("q-1", "服务技巧-售前", "qinyu", 2)
    assert (q.tags, q.partial_credit, q.handbook) == (("标签1", "标签2"), True, "qinyu-brand-intro")
    assert (q.products, q.author, q.explanation) == (("qinyu-liquid", "qinyu-beads"), "王培训", "解析")


def test_brand_names_become_keys_when_the_caller_knows_the_brands() -> None:
    text = csv_rows(
        ["判断", "对吗？", "", "", "", "", "对", "", "", "沁屿"],
        ["判断", "对吗？", "", "", "", "", "对", "", "", "无名"],
    )
    result = parse_csv(text, "b.csv", brands={"沁屿": "qinyu", "qinyu": "qinyu"})
    assert [q.brand for q in result.questions] == ["qinyu"]
    assert [str(e) for e in result.errors] == ["b.csv 第 3 行 J 列（品牌）：没有品牌“无名”"]
    # without the mapping the name is kept for the caller to resolve
    assert [q.brand for q in parse_csv(text).questions] == ["沁屿", "无名"]


def test_missing_keys_are_generated_stably_and_duplicates_reported() -> None:
    rows = [["判断", "对吗？", "", "", "", "", "对"], ["判断", "对吗？", "", "", "", "", "对"]]
    first = parse_csv(csv_rows(*rows), "k.csv")
    again = parse_csv(csv_rows(*rows), "k.csv")
    keys = [q.key for q in first.questions]
    assert keys == [q.key for q in again.questions]
    assert keys[0].startswith("q-") and keys[1] == keys[0] + "-2"
    assert [str(w) for w in first.warnings] == [
        f"k.csv 第 3 行：这一行和第 2 行的题目相同（编号改为 {keys[1]}）"
    ]
    header = [*HEADER[:7], "编号"]
    duplicate = parse_csv(csv_rows(rows[0] + ["a1"], rows[1] + ["A1"], header=header), "k.csv")
    assert only_error(duplicate) == "k.csv 第 3 行 H 列（编号）：编号 a1 重复（第 2 行已用）"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["单选", "选哪个？", "甲", "乙", "丙", "丁", "E"],
            "第 2 行 G 列（答案）：答案 E 对应的选项E 是空的",
        ),
        (
            ["单选", "选哪个？", "甲", "乙", "丙", "丁", "AB"],
            "第 2 行 G 列（答案）：单选题的答案应为 A–D 中的一个字母",
        ),
        (
            ["单选题", "选哪个？", "甲", "乙", "", "丁", "A"],
            "第 2 行 E 列（选项C）：选项C 是空的，但后面还有选项D",
        ),
        (["多选", "选哪些？", "甲", "", "", "", "A"], "第 2 行 D 列（选项B）：多选题至少要有 2 个选项"),
        (
            ["选择", "选哪个？", "甲", "乙", "", "", "A"],
            "第 2 行 A 列（题型）：未知的题型“选择”，可用：单选、多选",
        ),
        (["单选", "", "甲", "乙", "", "", "A"], "第 2 行 B 列（题干）：题干为空"),
        (["判断", "对吗？", "", "", "", "", "也许"], "第 2 行 G 列（答案）：判断题的答案应为 对 或 错"),
        (["填空", "先用____水，____凝固。", "", "", "", "", "冷"], "题干有 2 个空（____），答案有 1 组"),
        (["数值", "多少？", "", "", "", "", "十二"], "第 2 行 G 列（答案）：数值题的答案应为数字"),
        (["数值", "多少？", "", "", "", "", "15-10"], "下限大于上限"),
        (["简答", "说说", "", "", "", "", "要点*很多"], "要点的权重应为大于 0 的数字"),
        (["匹配", "配对", "", "", "", "", "a=b"], "匹配题至少要有 2 对"),
        (["单选", "选哪个？", "甲", "甲", "", "", "A"], "第 2 行 D 列（选项B）：重复的选项：甲"),
        (["判断", "对吗？", "", "", "", "", "对", "", "客服"], "第 2 行 I 列（分类）：未知的分类“客服”"),
        (
            ["判断", "对吗？", "", "", "", "", "对", "", "", "", "很难"],
            "第 2 行 K 列（难度）：难度应为 1–3 或 易/中/难",
        ),
    ],
)
def test_row_errors_name_row_column_and_reason(row: list[str], message: str) -> None:
    error = only_error(parse_csv(csv_rows(row), "题库.csv"))
    assert error.startswith("题库.csv 第 2 行")
    assert message in error


def test_every_bad_row_is_reported() -> None:
    rows = [
        ["单选", "好的", "甲", "乙", "", "", "A"],
        ["单选", "", "甲", "乙", "", "", "Z"],  # two problems in one row
        ["说明", "这一行是说明", "", "", "", "", ""],
        ["判断", "坏的", "", "", "", "", "也许"],
    ]
    result = parse_csv(csv_rows(*rows), "m.csv")
    assert [(e.line, e.column) for e in result.errors] == [(3, "B"), (3, "G"), (5, "G")]
    assert [q.stem for q in result.questions] == ["好的", "这一行是说明"]


def test_xlsx_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "题库.xlsx",
        [
            HEADER,
            ["单选", "好题", "甲", "乙", None, None, "A"],
            ["单选", "坏题", "甲", "乙", "丙", "丁", "X"],
        ],
    )
    assert (
        only_error(parse_xlsx(path))
        == "题库.xlsx 工作表“题目” 第 3 行 G 列（答案）：答案 X 对应的选项X 是空的"
    )


def test_xlsx_cells_of_any_type(tmp_path: Path) -> None:
    # Excel turns TRUE into a boolean, 12 into a number and 0.5 into a float
    header = [*HEADER[:7], "难度"]
    path = write_xlsx(
        tmp_path / "t.xlsx",
        [
            header,
            ["判断", "对吗？", None, None, None, None, True, 2],
            ["数值", "多少？", None, None, None, None, 12.5, 3.0],
        ],
    )
    result = parse_xlsx(path)
    assert result.errors == []
    tf, numeric = result.questions
    assert (tf.answer, tf.difficulty) == (True, 2)
    assert (numeric.numeric, numeric.difficulty) == ((NumericAnswer(value=12.5),), 3)


def test_xlsx_formula_errors_and_texts_starting_with_equals(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["单选", "#NAME?", "甲", "乙", None, None, "A"]])
    assert "Excel 的错误值 #NAME?" in only_error(parse_xlsx(path))
    question = Question(
        key="f", type=QuestionType.SINGLE, stem="=SUM(A1)", options=(Option("=1", True), Option("+2"))
    )
    dump_xlsx([question], tmp_path / "g.xlsx")
    sheet = load_workbook(tmp_path / "g.xlsx").worksheets[0]
    assert sheet["C2"].value == "=SUM(A1)" and sheet["C2"].data_type == "s"
    assert parse_xlsx(tmp_path / "g.xlsx").questions == [question]


def test_xlsx_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "假的.xlsx").write_text("题型,题干\n", encoding="utf-8")
    assert only_error(parse_xlsx(tmp_path / "假的.xlsx")).startswith("假的.xlsx：不是有效的 xlsx 文件")
    (tmp_path / "旧.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert "另存为” .xlsx" in only_error(parse_xlsx(tmp_path / "旧.xlsx"))
    assert "无法读取文件" in only_error(parse_xlsx(tmp_path / "没有.xlsx"))


# ---------------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------------

GBK_ROW = [
    "单选",
    "沁屿香氛洗衣液滚筒 4kg 用多少？",
    "约 10ml",
    "约 30ml",
    "",
    "",
    "B",
    "浓缩配方",
    "产品知识",
]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    # GIVEN a CSV as Excel on Chinese Windows (GBK), WPS or a Mac writes it
    path = tmp_path / "题库.csv"
    path.write_bytes(csv_rows(GBK_ROW).replace("\n", "\r\n").encode(encoding))
    # WHEN it is read THEN the Chinese text is right
    result = parse_csv(path)
    assert result.errors == []
    assert result.questions[0].stem == "沁屿香氛洗衣液滚筒 4kg 用多少？"
    assert result.questions[0].explanation == "浓缩配方"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_delimiters(delimiter: str) -> None:
    text = "\n".join(delimiter.join(row) for row in (HEADER, GBK_ROW))
    assert parse_csv(text).questions[0].options[1].correct


def test_csv_protects_formulas_from_excel() -> None:
    question = Question(
        key="f",
        type=QuestionType.SINGLE,
        stem='=HYPERLINK("x")',
        options=(Option("-5℃以下", True), Option("'=引号")),
        explanation="@所有人",
    )
    text = dumps_csv([question])
    assert "'=HYPERLINK" in text and "'-5℃以下" in text and "''=引号" in text and "'@所有人" in text
    assert parse_csv(text).questions == [question]


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------


def test_template(tmp_path: Path) -> None:
    path = tmp_path / "题库导入模板.xlsx"
    write_template(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["题目", "说明"]
    sheet = workbook["题目"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [c.header for c in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > 30  # 题干
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    letter = {header: chr(65 + i) for i, header in enumerate(headers)}
    assert "单选" in lists[f"{letter['题型']}2:{letter['题型']}2000"]
    assert "服务技巧-售后" in lists[f"{letter['分类']}2:{letter['分类']}2000"]
    assert lists[f"{letter['难度']}2:{letter['难度']}2000"] == '"易,中,难"'
    help_text = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    for column in COLUMNS:
        assert column.header in help_text
    assert "冷/冷水|蛋白质/蛋白" in help_text  # the 答案 formats are explained with examples

    result = parse_xlsx(path)
    assert result.errors == [] and result.warnings == []
    single, truefalse, reply = result.questions
    assert (single.type, truefalse.type, reply.type) == (
        QuestionType.SINGLE,
        QuestionType.TRUEFALSE,
        QuestionType.REPLY,
    )
    assert "沁屿" in single.stem and single.brand == "沁屿" and single.options[1].correct
    assert truefalse.category == "平台规则" and truefalse.brand is None and truefalse.answer is False
    assert len(reply.key_points) == 4 and reply.category == "服务技巧-售后"
    for q in result.questions:
        assert validation_problems(q, check_brand=False) == []
    assert re.fullmatch(r"q-[0-9a-f]{10}", single.key)
