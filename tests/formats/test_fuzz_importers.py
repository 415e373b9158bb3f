"""Hostile input for every importer: arbitrary bytes and text, and valid files mutated.

The contract every reader keeps (checked here with hypothesis):

* it returns its result or raises the format's documented error - ``ParseResult`` /
  ``PhraseTableResult`` / ``FolderRead`` with ``errors`` for the table and text formats (they never
  raise), :class:`PackValidationError` for content packs, :class:`PhraseReleaseError` for
  phrase releases, :class:`BannedRulesError` for the compliance word list - and never any other
  exception;
* every error names the file and says something (a location where there is one);
* it never hangs: every call runs under a hard time limit (SIGALRM), and the hypothesis deadline
  catches slow inputs;
* files and fields over the limits of :mod:`cstrainer.formats.limits` are refused with a message
  that names the file and the place.

The third-party GIFT files in ``shared/conformance`` are mutated too. Budgets are modest (a few
dozen examples per test) so the whole module runs in well under a minute.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import signal
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cstrainer.domain.phrases import PhraseItem
from cstrainer.domain.questions import Question
from cstrainer.formats import limits
from cstrainer.formats.aiken import dump_aiken, parse_aiken
from cstrainer.formats.content_pack import (
    PackValidationError,
    item_to_dict,
    load_pack,
    load_packs,
    parse_pack,
)
from cstrainer.formats.csv_questions import dumps_csv, parse_csv
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.gift import dump_gift, parse_gift
from cstrainer.formats.handbook_markdown import FolderRead, parse_doc, read_folder, render_doc_file
from cstrainer.formats.phrase_release import (
    PhraseReleaseError,
    load_release,
    parse_release,
    read_release_zip,
)
from cstrainer.formats.phrase_table import (
    PhraseTableResult,
    dumps_phrase_csv,
    parse_phrase_csv,
    parse_phrase_xlsx,
)
from cstrainer.formats.question_io import read_questions
from cstrainer.formats.question_pack import question_from_pack
from cstrainer.formats.scenario_file import validate_scenario_file
from cstrainer.formats.xlsx_questions import dump_xlsx, parse_xlsx
from cstrainer.formats.yaml_lines import YamlSyntaxError, load_with_positions
from cstrainer.text.banned import BannedRulesError, load_rules_with_notes

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
TIME_LIMIT = 10  # seconds a single parse may take before it counts as a hang

#: CSTRAINER_FUZZ_SCALE=20 runs twenty times the examples (a crash hunt, not for CI).
SCALE = int(os.environ.get("CSTRAINER_FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=60 * SCALE,
    deadline=timedelta(seconds=5),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SLOW = settings(
    max_examples=30 * SCALE,
    deadline=timedelta(seconds=10),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


class Hang(BaseException):  # not an Exception: readers that catch Exception must not swallow it
    pass


@contextlib.contextmanager
def time_limit(seconds: int = TIME_LIMIT) -> Iterator[None]:
    """Fail instead of hanging (pytest runs tests in the main thread, so SIGALRM works)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"parser took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------------------------
# Samples and mutations
# ---------------------------------------------------------------------------------------------


def _shipped_questions() -> list[Question]:
    pack = load_pack(ROOT / "question_bank" / "service_aftersale.yaml")
    return [question_from_pack(item) for item in pack.items][:12]


QUESTIONS = _shipped_questions()
SINGLES = [q for q in QUESTIONS if q.type.value == "single"][:5]
CSV_SAMPLE = dumps_csv(QUESTIONS).encode("utf-8-sig")
GIFT_SAMPLE = dump_gift(QUESTIONS)
AIKEN_SAMPLE = dump_aiken(SINGLES)
PACK_SAMPLE = (ROOT / "question_bank" / "service_skills.yaml").read_text(encoding="utf-8")
SCENARIO_SAMPLE = (ROOT / "scripts_library" / "scenarios" / "qinyu-change-address.yaml").read_text(
    encoding="utf-8"
)
PHRASES_SAMPLE = (ROOT / "scripts_library" / "phrases" / "shared.yaml").read_text(encoding="utf-8")
RELEASE_SAMPLE = "\n".join(
    (ROOT / "scripts_library" / "phrase_releases" / "2026.11.2.yaml")
    .read_text(encoding="utf-8")
    .split("\n")[:60]
)
COMPLIANCE_SAMPLE = (ROOT / "scripts_library" / "compliance" / "banned_words.yaml").read_text(
    encoding="utf-8"
)[:6000]
PHRASE_ITEMS = [
    PhraseItem(
        "qinyu.yb1",
        "qinyu",
        "迎宾",
        "问候",
        "yb1",
        "亲爱的{顾客昵称}，您好呀~ 欢迎光临沁屿旗舰店🌸",
        ("问候",),
    ),
    PhraseItem("shared.sb1", None, "送别", "道别", "sb1", "感谢光临，祝您生活愉快！有问题随时找我哦"),
]
PHRASE_CSV_SAMPLE = dumps_phrase_csv(PHRASE_ITEMS)


def _product_doc() -> str:
    product = load_pack(ROOT / "scripts_library" / "products" / "qinyu.yaml").items[0]
    data = item_to_dict(product)
    return render_doc_file("product", data.pop("key"), data)


HANDBOOK_SAMPLE = _product_doc()

#: Texts worth inserting somewhere: huge fields, control characters, YAML and GIFT syntax,
#: formulas, bidi marks, surrogates-free odd Unicode.
NASTY = [
    "字" * 2100,
    "a" * 70_000,
    "\x00",
    "\x00\x01\x02\x1b",
    "\ufeff",
    "\r",
    "\u2028\u2029",
    "\u202e",
    "{",
    "}",
    "{=a ~b}",
    "::",
    "\\",
    "$CATEGORY: a/b",
    "=1+1",
    '=HYPERLINK("http://x")',
    "@SUM(A1)",
    "'",
    '"',
    '"""',
    ",,,,,,,,",
    "\t",
    "&a [*a]",
    "*a",
    "<<: *a",
    "!!python/object:os.system",
    "!!binary AAAA",
    "- - - - - - - - - - - -",
    "[" * 200,
    "{" * 200,
    "? ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "ANSWER: Z",
    "A. ",
    "#" * 10,
    "#12:3..4",
    "-1e309",
    "9" * 400,
    "2026-02-30",
    "\U0001f600" * 10,
    "\ud7ff",
]


def _reencode(data: bytes, encoding: str) -> bytes:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16-bom":
        return text.encode("utf-16")
    if encoding == "utf-16-le":  # no BOM: looks like garbage
        return text.encode("utf-16-le")
    return text.encode(encoding, errors="replace")


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """``sample`` with a few mutations: truncation, byte flips, inserted nasty text, deleted or
    repeated ranges, another encoding."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat", "encode", "lines"]))
        n = len(data)
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "truncate":
            del data[at:]
        elif op == "flip" and n:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            chunk = draw(st.sampled_from(NASTY) | st.text(max_size=40))
            data[at:at] = chunk.encode("utf-8", errors="surrogatepass")
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 400))] * draw(st.integers(2, 30))
        elif op == "encode":
            data = bytearray(
                _reencode(
                    bytes(data),
                    draw(
                        st.sampled_from(["gbk", "gb18030", "utf-16-bom", "utf-16-le", "utf-8-bom", "latin-1"])
                    ),
                )
            )
        elif op == "lines":
            lines = bytes(data).split(b"\n")
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(draw(st.integers(0, len(lines))), lines[i])
                data = bytearray(b"\n".join(lines))
    return bytes(data)


def text_of(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def any_bytes(sample: bytes) -> st.SearchStrategy[bytes]:
    return (
        st.binary(max_size=1500)
        | mutated(sample)
        | st.text(max_size=600).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )


def any_text(sample: str) -> st.SearchStrategy[str]:
    return st.text(max_size=800) | mutated(sample.encode("utf-8")).map(text_of)


# ---------------------------------------------------------------------------------------------
# Contract checks
# ---------------------------------------------------------------------------------------------


def check_errors(errors: list[FormatError], name: str) -> None:
    for error in errors:
        assert isinstance(error, FormatError)
        assert error.file == name, error
        assert error.message.strip(), error
        assert str(error).startswith(name)


def check_result(result: ParseResult, name: str) -> None:
    assert isinstance(result, ParseResult)
    check_errors(result.errors, name)
    check_errors(result.warnings, name)
    keys = [q.key for q in result.questions]
    if result.ok:
        assert len(keys) == len(set(keys)), "duplicate keys in an error-free result"
        for q in result.questions:
            assert isinstance(q, Question) and q.key


# ---------------------------------------------------------------------------------------------
# Question formats
# ---------------------------------------------------------------------------------------------


@FAST
@given(any_bytes(CSV_SAMPLE))
def test_fuzz_question_csv(data: bytes) -> None:
    with time_limit():
        result = parse_csv(data, "题库.csv")
    check_result(result, "题库.csv")


@FAST
@given(any_text(GIFT_SAMPLE))
def test_fuzz_gift(text: str) -> None:
    with time_limit():
        result = parse_gift(text, "题库.gift")
    check_result(result, "题库.gift")


@FAST
@given(
    st.sampled_from(sorted(CONFORMANCE.glob("*/*.gift"))) if CONFORMANCE.is_dir() else st.just(None),
    st.data(),
)
def test_fuzz_gift_conformance_files(path: Path | None, data: st.DataObject) -> None:
    """Each third-party GIFT file parses or fails cleanly, as is and mutated."""
    # without the shared folder, mutate our own GIFT instead
    raw = GIFT_SAMPLE.encode("utf-8") if path is None else path.read_bytes()
    name = path.name if path else "x.gift"
    with time_limit():
        check_result(parse_gift(raw.decode("utf-8", errors="replace"), name), name)
        text = text_of(data.draw(mutated(raw)))
        check_result(parse_gift(text, "x.gift"), "x.gift")


def test_every_conformance_file_parses_or_fails_cleanly(tmp_path: Path) -> None:
    """Everything in shared/conformance (read at test time), through the same entry point the
    import uses; JSON files are fed to the auto-detecting reader too, as a user might pick one."""
    files = sorted(p for p in CONFORMANCE.rglob("*") if p.is_file()) if CONFORMANCE.is_dir() else []
    for path in files:
        with time_limit():
            result = read_questions(path)
        check_result(result, path.name)


@FAST
@given(any_text(AIKEN_SAMPLE))
def test_fuzz_aiken(text: str) -> None:
    with time_limit():
        result = parse_aiken(text, "题库.txt")
    check_result(result, "题库.txt")


def _xlsx_bytes(tmp: Path, questions: list[Question]) -> bytes:
    path = tmp / "q.xlsx"
    dump_xlsx(questions, path)
    return path.read_bytes()


_XLSX: dict[str, bytes] = {}


def xlsx_sample() -> bytes:
    if "q" not in _XLSX:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            _XLSX["q"] = _xlsx_bytes(Path(tmp), QUESTIONS[:6])
    return _XLSX["q"]


@st.composite
def mutated_zip(draw: st.DrawFn, sample: bytes) -> bytes:
    """A zip whose members are mutated one by one (so the XML inside gets hit, not just the
    checksums), sometimes with extra members, deleted ones or members renamed."""
    source = zipfile.ZipFile(io.BytesIO(sample))
    out = io.BytesIO()
    names = source.namelist()
    victims = set(draw(st.lists(st.sampled_from(names), max_size=3)))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            body = source.read(name)
            if name in victims:
                action = draw(st.sampled_from(["mutate", "drop", "empty", "rename"]))
                if action == "drop":
                    continue
                if action == "empty":
                    body = b""
                elif action == "rename":
                    name = draw(st.sampled_from(["../evil.xml", "/abs.xml", "a\\b.xml", name + "x"]))
                else:
                    body = draw(mutated(body))
            target.writestr(name, body)
        if draw(st.booleans()):
            target.writestr(
                draw(st.sampled_from(["xl/media/x.bin", "nested.zip"])), draw(st.binary(max_size=200))
            )
    return out.getvalue()


def any_zip(sample: bytes) -> st.SearchStrategy[bytes]:
    return mutated_zip(sample) | mutated(sample) | st.binary(max_size=600)


@SLOW
@given(any_zip(xlsx_sample()))
def test_fuzz_question_xlsx_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "题库.xlsx"
    path.write_bytes(data)
    with time_limit():
        result = parse_xlsx(path)
    check_result(result, "题库.xlsx")


def _sheet_safe(value: Any) -> Any:
    """openpyxl refuses control characters in cells (an Excel file cannot hold them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


CELL = (
    st.none()
    | st.text(max_size=30).map(_sheet_safe)
    | st.sampled_from(NASTY[:25]).map(_sheet_safe)
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.dates()
    | st.sampled_from(["=1/0", "=A1", "=NOW()", "=SUM(A1:A3)", "=#REF!", "#N/A", "#NAME?"])
)


@st.composite
def built_workbook(draw: st.DrawFn, header: list[str]) -> bytes:
    """A workbook written with openpyxl: formulas, error values, merged cells, empty or extra
    sheets, cells far away, odd types."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if draw(st.booleans()):
        sheet.title = draw(st.sampled_from(["题目", "Sheet1", "说明", "x" * 31]))
    if draw(st.integers(0, 9)) != 0:  # one time in ten the first sheet stays empty
        columns = draw(st.permutations(header)) if draw(st.booleans()) else header
        sheet.append(list(columns))
        for _ in range(draw(st.integers(0, 5))):
            sheet.append(draw(st.lists(CELL, max_size=len(header) + 2)))
    for _ in range(draw(st.integers(0, 2))):
        row, col = draw(st.integers(1, 8)), draw(st.integers(1, 8))
        sheet.merge_cells(
            start_row=row, start_column=col, end_row=row + draw(st.integers(0, 3)), end_column=col + 1
        )
    if draw(st.booleans()):
        sheet.cell(draw(st.sampled_from([50, 5000, 1_048_576])), draw(st.sampled_from([1, 60, 16384])), "远")
    if draw(st.booleans()):
        workbook.create_sheet("说明").append(["说明"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


QUESTION_HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "解析", "分类", "难度", "编号"]


@SLOW
@given(built_workbook(QUESTION_HEADER))
def test_fuzz_question_xlsx_workbook(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "题库.xlsx"
    path.write_bytes(data)
    with time_limit():
        result = parse_xlsx(path)
    check_result(result, "题库.xlsx")


@FAST
@given(st.sampled_from([".csv", ".gift", ".txt", ".aiken", ".yaml", ".xlsx", ".xls", ".dat", ""]), st.data())
def test_fuzz_read_questions_any_file(tmp_path: Path, suffix: str, data: st.DataObject) -> None:
    """The auto-detecting entry point the import uses, on any bytes under any name."""
    sample = {".csv": CSV_SAMPLE, ".gift": GIFT_SAMPLE.encode(), ".yaml": PACK_SAMPLE.encode()}.get(
        suffix, AIKEN_SAMPLE.encode()
    )
    blob = data.draw(any_bytes(sample))
    path = tmp_path / f"题库{suffix}"
    path.write_bytes(blob)
    with time_limit():
        result = read_questions(path)
    check_result(result, path.name)


# ---------------------------------------------------------------------------------------------
# YAML: packs, scenarios, releases, compliance
# ---------------------------------------------------------------------------------------------


def yaml_bombs() -> list[str]:
    laughs = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    chain = "x0: &x0 [a, a]\n" + "".join(f"x{i}: &x{i} [*x{i - 1}, *x{i - 1}]\n" for i in range(1, 60))
    return [
        laughs,
        chain,
        "a: &a [*a]\n",
        "a: &a {b: *a}\n",
        "a: &a {<<: *a}\n",
        "[" * 5000 + "]" * 5000,
        "{a: " * 3000 + "1" + "}" * 3000,
        "".join(" " * i + "- \n" for i in range(300)),
        "items:\n" + "  - &i {key: a}\n" + "  - *i\n" * 500,
    ]


@pytest.mark.parametrize("bomb", yaml_bombs(), ids=lambda b: b[:12])
def test_yaml_bombs_are_refused_fast(bomb: str) -> None:
    with time_limit(5):
        with pytest.raises(YamlSyntaxError) as caught:
            load_with_positions(bomb)
        assert caught.value.message
        with pytest.raises(PackValidationError) as pack_error:
            parse_pack("schema_version: 1\nkind: questions\n" + bomb, "bomb.yaml")
        assert all(e.file == "bomb.yaml" and e.message for e in pack_error.value.errors)
        with pytest.raises(PhraseReleaseError):
            parse_release("schema_version: 1\nkind: phrase_release\n" + bomb, "bomb.yaml")


def test_a_few_aliases_and_merge_keys_still_work() -> None:
    data, _ = load_with_positions("base: &b {x: 1}\none: {<<: *b, y: 2}\ntwo: [*b, *b]\n")
    assert data["one"] == {"x": 1, "y": 2} and data["two"] == [{"x": 1}, {"x": 1}]


@FAST
@given(any_text(PACK_SAMPLE) | st.sampled_from(yaml_bombs()))
def test_fuzz_question_pack(text: str) -> None:
    with time_limit():
        try:
            pack = parse_pack(text, "题库.yaml")
        except PackValidationError as exc:
            assert exc.errors and all(e.file == "题库.yaml" and e.message for e in exc.errors)
        else:
            assert pack.items is not None


@FAST
@given(any_text(SCENARIO_SAMPLE))
def test_fuzz_scenario_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "情景.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with time_limit():
        issues = validate_scenario_file(path)
    for issue in issues:
        assert issue.message and str(issue)


@FAST
@given(any_bytes(PHRASES_SAMPLE.encode()))
def test_fuzz_pack_files_on_disk(tmp_path: Path, data: bytes) -> None:
    """load_pack / load_packs read bytes from disk (encodings, BOMs, NULs)."""
    path = tmp_path / "phrases.yaml"
    path.write_bytes(data)
    with time_limit():
        for call in (lambda: load_pack(path), lambda: load_packs([tmp_path])):
            try:
                call()
            except PackValidationError as exc:
                assert all(e.message for e in exc.errors)


@FAST
@given(any_text(RELEASE_SAMPLE))
def test_fuzz_release_yaml(text: str) -> None:
    with time_limit():
        try:
            parse_release(text, "2026.12.1.yaml")
        except PhraseReleaseError as exc:
            assert str(exc).strip()


@FAST
@given(any_bytes(COMPLIANCE_SAMPLE.encode()) | st.sampled_from([b.encode() for b in yaml_bombs()]))
def test_fuzz_compliance_yaml(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "banned_words.yaml"
    path.write_bytes(data)
    with time_limit():
        try:
            rules = load_rules_with_notes(path)
        except BannedRulesError as exc:
            assert exc.issues and all(str(i) for i in exc.issues)
        else:
            assert isinstance(rules, list)


# ---------------------------------------------------------------------------------------------
# Phrase tables and handbook Markdown
# ---------------------------------------------------------------------------------------------


def check_phrase_result(result: PhraseTableResult, name: str) -> None:
    assert isinstance(result, PhraseTableResult)
    check_errors(result.errors, name)
    if result.ok:
        assert len({p.key for p in result.phrases}) == len(result.phrases)


@FAST
@given(any_bytes(PHRASE_CSV_SAMPLE))
def test_fuzz_phrase_csv(data: bytes) -> None:
    with time_limit():
        check_phrase_result(parse_phrase_csv(data, "话术.csv"), "话术.csv")


PHRASE_HEADER = ["分组", "快捷编码", "内容", "品牌", "标签", "意图", "编号"]


@SLOW
@given(built_workbook(PHRASE_HEADER))
def test_fuzz_phrase_xlsx(data: bytes) -> None:
    with time_limit():
        check_phrase_result(parse_phrase_xlsx(data, "话术.xlsx"), "话术.xlsx")


@FAST
@given(any_text(HANDBOOK_SAMPLE))
def test_fuzz_handbook_doc(text: str) -> None:
    with time_limit():
        data, errors = parse_doc("product", "qinyu-liquid", text, file="qinyu/products/qinyu-liquid.md")
    check_errors(errors, "qinyu/products/qinyu-liquid.md")
    assert (data is None) == bool(errors)


@FAST
@given(any_bytes(HANDBOOK_SAMPLE.encode()))
def test_fuzz_handbook_folder(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "手册"
    (folder / "qinyu" / "products").mkdir(parents=True, exist_ok=True)
    (folder / "qinyu" / "products" / "qinyu-liquid.md").write_bytes(data)
    with time_limit():
        result = read_folder(folder)
    assert isinstance(result, FolderRead)
    assert all(e.message for e in result.errors)
    assert not (result.errors and result.docs)


# ---------------------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------------------


def _big_file(path: Path, size: int, head: bytes = b"") -> Path:
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)  # sparse: costs no disk and no time
    return path


@pytest.mark.parametrize("suffix", [".csv", ".gift", ".txt", ".yaml"])
def test_text_files_over_the_limit_are_refused(tmp_path: Path, suffix: str) -> None:
    path = _big_file(tmp_path / f"大文件{suffix}", limits.MAX_TEXT_FILE_BYTES + 1, b"ANSWER: A\n")
    with time_limit(5):
        result = read_questions(path)
    assert not result.questions
    assert len(result.errors) == 1
    assert f"超过上限 {limits.megabytes(limits.MAX_TEXT_FILE_BYTES)}" in str(result.errors[0])
    assert str(result.errors[0]).startswith(path.name)


def test_other_text_importers_refuse_big_files(tmp_path: Path) -> None:
    big = limits.MAX_TEXT_FILE_BYTES + 1
    with pytest.raises(PackValidationError, match="超过上限"):
        load_pack(_big_file(tmp_path / "pack.yaml", big))
    with pytest.raises(PhraseReleaseError, match="超过上限"):
        load_release(_big_file(tmp_path / "release.yaml", big))
    result = parse_phrase_csv(_big_file(tmp_path / "话术.csv", big))
    assert "超过上限" in str(result.errors[0])
    with pytest.raises(BannedRulesError, match="超过上限"):
        load_rules_with_notes(_big_file(tmp_path / "banned.yaml", big))
    folder = tmp_path / "hb"
    (folder / "shared" / "handbook").mkdir(parents=True)
    _big_file(folder / "shared" / "handbook" / "big.md", big)
    assert "超过上限" in str(read_folder(folder).errors[0])
    assert "超过上限" in validate_scenario_file(_big_file(tmp_path / "s.yaml", big))[0].message


def test_big_xlsx_and_zip_bombs_are_refused_before_loading(tmp_path: Path) -> None:
    big = _big_file(tmp_path / "大.xlsx", limits.MAX_XLSX_FILE_BYTES + 1, b"PK\x03\x04")
    assert "超过上限 20 MB" in str(parse_xlsx(big).errors[0])
    # a worksheet that unpacks to more than the limit (zeros compress about 1000:1)
    bomb = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(limits.MAX_XLSX_UNPACKED_BYTES // len(chunk) + 1):
                member.write(chunk)
    assert bomb.stat().st_size < 1024 * 1024
    with time_limit(5):
        result = parse_xlsx(bomb)
    assert len(result.errors) == 1 and "压缩炸弹" in str(result.errors[0])
    with time_limit(5):
        phrase_result = parse_phrase_xlsx(bomb)
    assert "压缩炸弹" in str(phrase_result.errors[0])


def test_huge_field_names_file_row_column_and_limit(tmp_path: Path) -> None:
    rows = [QUESTION_HEADER, ["单选", "字" * 2345, "甲", "乙", "丙", "A", "", "产品知识", "易", "q-long"]]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "题库.xlsx"
    workbook.save(path)
    result = parse_xlsx(path)
    assert [str(e) for e in result.errors] == [
        "题库.xlsx 工作表“Sheet” 第 2 行 B 列（题干）：超过 2000 字（现有 2345 字）"
    ]
    text = "\n".join(",".join(r) for r in rows)
    assert [str(e) for e in parse_csv(text.encode(), "题库.csv").errors] == [
        "题库.csv 第 2 行 B 列（题干）：超过 2000 字（现有 2345 字）"
    ]
    gift = parse_gift("::t::" + "字" * 2345 + "{=甲 ~乙}\n", "题库.gift")
    assert any("第 1 行" in str(e) and "超过 2000 字" in str(e) for e in gift.errors)
    aiken = parse_aiken("顾客问运费险怎么赔？\nA. " + "赔" * 600 + "\nB. 不赔\nANSWER: A\n", "题库.txt")
    assert [str(e) for e in aiken.errors] == [
        "题库.txt 第 1 行：选项（options[0].text）：超过 500 字（现有 600 字）"
    ]
    phrases = parse_phrase_csv(("分组,快捷编码,内容\n迎宾,yb1," + "您好" * 600 + "\n").encode(), "话术.csv")
    assert [str(e) for e in phrases.errors] == ["话术.csv 第 2 行 C 列（内容）：超过 1000 字（现有 1200 字）"]


def test_too_many_rows_are_refused(tmp_path: Path) -> None:
    lines = ["题型,题干,选项A,选项B,答案"] + [f"单选,题目{i},甲,乙,A" for i in range(limits.MAX_ROWS + 1)]
    with time_limit(20):
        result = parse_csv("\n".join(lines).encode(), "题库.csv")
    assert not result.questions
    assert any(f"最多 {limits.MAX_ROWS} 行" in str(e) for e in result.errors)


def test_too_many_questions_or_items_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from cstrainer.formats import aiken, content_pack, gift, phrase_release

    for module in (aiken, content_pack, gift, phrase_release):
        monkeypatch.setattr(module, "MAX_ITEMS", 3)
    result = parse_gift("\n\n".join(f"题目{i}{{=对 ~错}}" for i in range(5)), "题库.gift")
    assert not result.questions and "最多 3 道题" in str(result.errors[0])
    result = parse_aiken("\n".join(f"题目{i}\nA. 甲\nB. 乙\nANSWER: A" for i in range(5)), "题库.txt")
    assert not result.questions and "最多 3 道题" in str(result.errors[0])
    with pytest.raises(PackValidationError, match="最多 3 条"):
        parse_pack("schema_version: 1\nkind: questions\nitems: [1, 2, 3, 4]\n", "题库.yaml")
    with pytest.raises(PhraseReleaseError, match="最多 3 条"):
        parse_release(RELEASE_SAMPLE, "2026.11.2.yaml")


def test_long_lists_and_field_names_are_refused() -> None:
    items = [{"text": f"选项{i}"} for i in range(limits.MAX_LIST_ITEMS + 1)]
    from cstrainer.formats.content_pack import validate_item

    model, problems = validate_item("questions", {"type": "single", "key": "q1", "options": items})
    assert model is None and "列表太长" in problems[0][1] and problems[0][0] == ("options",)
    model, problems = validate_item("phrases", {"x" * 100: 1})
    assert model is None and problems[0][2] is True


def test_far_away_cell_does_not_blow_up_xlsx(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(QUESTION_HEADER)
    sheet.append(["单选", "退货运费谁出？", "买家", "卖家", "", "B", "", "平台规则", "易", "q-far"])
    sheet.cell(1_048_576, 16384, "远处的单元格")
    path = tmp_path / "题库.xlsx"
    workbook.save(path)
    with time_limit(10):
        result = parse_xlsx(path)
    assert not result.questions and result.errors
    assert "行" in str(result.errors[0])


def test_callables_are_covered() -> None:
    """Guard: every importer of the brief has a fuzz test here."""
    importers: list[Callable[..., Any]] = [
        parse_csv, parse_xlsx, parse_gift, parse_aiken, read_questions, parse_pack, load_pack, load_packs,
        parse_release, load_release, read_release_zip, parse_phrase_csv, parse_phrase_xlsx, parse_doc,
        read_folder, validate_scenario_file, load_rules_with_notes,
    ]  # fmt: skip
    source = Path(__file__).read_text(encoding="utf-8")
    for importer in importers:
        assert source.count(importer.__name__ + "(") >= 1, importer.__name__


# ---------------------------------------------------------------------------------------------
# Phrase release zips: every way a zip can attack the reader
# ---------------------------------------------------------------------------------------------


def _release_body() -> bytes:
    return RELEASE_SAMPLE_FULL.encode("utf-8")


RELEASE_SAMPLE_FULL = (ROOT / "scripts_library" / "phrase_releases" / "2026.11.1.yaml").read_text(
    encoding="utf-8"
)


def _manifest(members: dict[str, bytes]) -> bytes:
    import hashlib
    import json

    release = parse_release(RELEASE_SAMPLE_FULL)
    return json.dumps(
        {
            "format": "cstrainer-phrase-release",
            "format_version": 1,
            "version": release.version,
            "date": release.date.isoformat(),
            "files": {
                n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in members.items()
            },
        }
    ).encode()


def release_zip(
    members: dict[str, bytes] | None = None,
    *,
    listed: bool = True,
    infos: list[tuple[zipfile.ZipInfo, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """A release zip with ``members`` (default: the real release.yaml), listed in the manifest."""
    members = {"release.yaml": _release_body()} if members is None else members
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _manifest(members if listed else {"release.yaml": _release_body()}))
        for name, data in members.items():
            archive.writestr(name, data)
        for info, data in infos:
            archive.writestr(info, data)
    return out.getvalue()


def refused(data: bytes) -> PhraseReleaseError:
    with time_limit(5), pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert str(caught.value).startswith("<bytes>")
    return caught.value


def test_release_zip_sample_is_readable() -> None:
    assert read_release_zip(release_zip()).version == parse_release(RELEASE_SAMPLE_FULL).version


@pytest.mark.parametrize(
    "name",
    [
        "../release.yaml",
        "../../etc/cron.d/x",
        "a/../../x",
        "/etc/passwd",
        "//server/share/x",
        "C:/Windows/x.yaml",
        "C:x.yaml",
        "c:\\evil.yaml",
        "..\\evil.yaml",
        "sub\\..\\..\\evil",
        "./release.yaml",
        "sub/./x",
        "x\x00.yaml",
        " release.yaml",
        "release.yaml ",
        "",
    ],
)
def test_release_zip_path_traversal_is_refused(name: str) -> None:
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # ZipInfo would normalise some of these; the attacker's zip does not
    members = {"release.yaml": _release_body()}
    data = release_zip(members, infos=[(info, b"x")])
    assert refused(data).reason in ("unsafe_path", "not_zip")


def test_release_zip_symlinks_and_directories_are_refused() -> None:
    import stat

    link = zipfile.ZipInfo("release.yaml")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    body = _release_body()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", _manifest({"release.yaml": body}))
        archive.writestr(link, body)
    assert refused(out.getvalue()).reason == "unsafe_path"
    folder = zipfile.ZipInfo("assets/")
    folder.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
    assert refused(release_zip(infos=[(folder, b"")])).reason == "unsafe_path"


def test_release_zip_duplicate_names_are_refused() -> None:
    body = _release_body()
    evil = body.replace("您".encode(), "你".encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("manifest.json", _manifest({"release.yaml": body}))
        archive.writestr("release.yaml", body)
        archive.writestr("release.yaml", evil)
    assert refused(out.getvalue()).reason == "unsafe_path"
    # the same name twice with different case is an unlisted member
    assert (
        refused(
            release_zip({"release.yaml": body}, listed=True, infos=[(zipfile.ZipInfo("Release.yaml"), evil)])
        ).reason
        == "unsafe_path"
    )


def test_release_zip_too_many_members_and_too_large_are_refused() -> None:
    from cstrainer.formats.phrase_release import MAX_MEMBERS, MAX_TOTAL_SIZE

    members = {"release.yaml": _release_body(), **{f"n{i}.txt": b"x" for i in range(MAX_MEMBERS)}}
    assert refused(release_zip(members)).reason == "too_large"
    assert refused(b"PK\x03\x04" + b"\0" * MAX_TOTAL_SIZE).reason == "too_large"


def test_release_zip_ratio_bombs_are_refused() -> None:
    # one member of zeros: refused on the declared size and ratio, before decompressing
    assert refused(release_zip({"release.yaml": b"\0" * (3 * 1024 * 1024)})).reason == "too_large"
    # many members just under the ratio, together over the total
    many = {f"p{i}.txt": bytes(range(256)) * 8000 for i in range(12)}
    assert refused(release_zip({"release.yaml": _release_body(), **many})).reason == "too_large"


def test_release_zip_lying_sizes_are_refused() -> None:
    """A member whose headers declare a small size but that inflates to much more."""
    bomb = b"\0" * (8 * 1024 * 1024)
    data = bytearray(release_zip({"release.yaml": _release_body(), "notes.txt": bomb}))
    # patch the declared uncompressed size of notes.txt (local header and central directory)
    for signature, size_at, name_length_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := data.find(signature, start)) != -1:
            length = int.from_bytes(data[start + name_length_at : start + name_length_at + 2], "little")
            if data[start + name_at : start + name_at + length] == b"notes.txt":
                data[start + size_at : start + size_at + 4] = (1000).to_bytes(4, "little")
            start += 4
    error = refused(bytes(data))
    assert error.reason in ("too_large", "tampered", "not_zip")


def test_release_zip_nested_archives_are_refused() -> None:
    inner = release_zip()
    assert refused(release_zip({"release.yaml": _release_body(), "inner.zip": inner})).reason == "unsafe_path"
    assert refused(release_zip({"release.yaml": _release_body(), "inner.bin": inner})).reason == "unsafe_path"


def test_release_zip_alias_bomb_inside_is_refused() -> None:
    bomb = ("schema_version: 1\nkind: phrase_release\n" + yaml_bombs()[1]).encode()
    error = refused(release_zip({"release.yaml": bomb}))
    assert error.reason in ("malformed", "tampered")


@SLOW
@given(any_zip(release_zip()))
def test_fuzz_release_zip(data: bytes) -> None:
    with time_limit():
        try:
            release = read_release_zip(data)
        except PhraseReleaseError as exc:
            assert str(exc).strip() and exc.reason
        else:
            assert release.items
