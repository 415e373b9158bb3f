"""Hostile files through the service import entry points: all or nothing, a clear error each time.

For every importer a trainer can reach from the GUI or the CLI (questions, content packs, phrase
tables, phrase release zips, handbook folders, the compliance word list), hypothesis feeds broken
and mutated files; the contract is:

* the import either succeeds or raises a :class:`ServiceError` (``ValidationFailed`` /
  ``InvalidInput``) whose message says what is wrong - never another exception;
* after a failed import every table of the database has exactly the rows it had before (counted
  table by table, the audit log included).

A failure half way through writing (simulated by making the database step fail on the second
item) must roll back too. Runs on SQLite and PostgreSQL like every service test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cstrainer.services.errors import ServiceError
from cstrainer.storage.models import Base
from tests.formats.test_fuzz_importers import (
    AIKEN_SAMPLE,
    COMPLIANCE_SAMPLE,
    CSV_SAMPLE,
    GIFT_SAMPLE,
    HANDBOOK_SAMPLE,
    PACK_SAMPLE,
    PHRASE_CSV_SAMPLE,
    PHRASES_SAMPLE,
    SCALE,
    any_bytes,
    any_zip,
    release_zip,
    time_limit,
    xlsx_sample,
    yaml_bombs,
)

PASSWORD = "demo1234"

SERVICE = settings(
    max_examples=12 * SCALE,
    deadline=timedelta(seconds=10),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def world(seeded: Any) -> dict[str, Any]:
    return {
        "s": seeded,
        "trainer": seeded.auth.login("peixun", PASSWORD),
        "manager": seeded.auth.login("zhuguan", PASSWORD),
    }


def row_counts(services: Any) -> dict[str, int]:
    with services.db.session() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables
        }


def attempt(services: Any, call: Callable[[], Any]) -> bool:
    """Run an import; True when it worked. A refusal must be a ServiceError with a message, and
    must leave every table as it was."""
    before = row_counts(services)
    try:
        with time_limit(20):
            call()
    except ServiceError as exc:
        assert str(exc).strip()
        after = row_counts(services)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"a refused import changed rows: {changed}"
        return False
    return True


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@contextlib.contextmanager
def scratch(tmp_path: Path, label: str) -> Iterator[Path]:
    """A fresh folder per hypothesis example (tmp_path is shared by all examples of a test)."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=tmp_path, prefix=label) as folder:
        yield Path(folder)


# ---------------------------------------------------------------------------------------------
# Question files
# ---------------------------------------------------------------------------------------------

QUESTION_FILES = st.one_of(
    st.tuples(st.just("题库.csv"), any_bytes(CSV_SAMPLE)),
    st.tuples(st.just("题库.gift"), any_bytes(GIFT_SAMPLE.encode())),
    st.tuples(st.just("题库.txt"), any_bytes(AIKEN_SAMPLE.encode())),
    st.tuples(
        st.just("题库.yaml"),
        any_bytes(PACK_SAMPLE.encode()) | st.sampled_from([b.encode() for b in yaml_bombs()]),
    ),
    st.tuples(st.just("题库.xlsx"), any_zip(xlsx_sample())),
)


@SERVICE
@given(QUESTION_FILES)
def test_fuzz_question_import_is_all_or_nothing(
    world: dict[str, Any], tmp_path: Path, file: tuple[str, bytes]
) -> None:
    s, trainer = world["s"], world["trainer"]
    name, data = file
    with scratch(tmp_path, "q") as folder:
        path = write(folder, name, data)
        attempt(s, lambda: s.questions.import_file(trainer, path))


def test_question_import_failing_half_way_rolls_back(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database step fails on the second question: nothing of the first stays."""
    from cstrainer.services import questions as module

    s, trainer = world["s"], world["trainer"]
    path = write(tmp_path, "题库.csv", CSV_SAMPLE)
    calls = {"n": 0}
    original = module.index_row

    def failing(row: Any, q: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        original(row, q)

    monkeypatch.setattr(module, "index_row", failing)
    before = row_counts(s)
    with pytest.raises(RuntimeError, match="disk full"):
        s.questions.import_file(trainer, path)
    assert calls["n"] == 2
    assert row_counts(s) == before


# ---------------------------------------------------------------------------------------------
# Content packs, phrase tables, releases, handbook, compliance
# ---------------------------------------------------------------------------------------------


@SERVICE
@given(
    any_bytes(PACK_SAMPLE.encode())
    | any_bytes(PHRASES_SAMPLE.encode())
    | st.sampled_from([b.encode() for b in yaml_bombs()])
)
def test_fuzz_content_pack_import_is_all_or_nothing(
    world: dict[str, Any], tmp_path: Path, data: bytes
) -> None:
    s, manager = world["s"], world["manager"]
    with scratch(tmp_path, "pack") as folder:
        path = write(folder, "content.yaml", data)
        attempt(s, lambda: s.content.import_paths(manager, [path]))


def test_content_import_failing_half_way_rolls_back(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, manager = world["s"], world["manager"]
    path = write(tmp_path, "phrases.yaml", PHRASES_SAMPLE.encode())
    calls = {"n": 0}
    original = type(s.content)._upsert

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("connection lost")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(s.content), "_upsert", failing)
    before = row_counts(s)
    with pytest.raises(RuntimeError, match="connection lost"):
        s.content.import_paths(manager, [path])
    assert row_counts(s) == before


@SERVICE
@given(
    st.tuples(st.just("话术.csv"), any_bytes(PHRASE_CSV_SAMPLE))
    | st.tuples(st.just("话术.xlsx"), st.binary(max_size=400) | any_zip(xlsx_sample()))
)
def test_fuzz_phrase_table_import_is_all_or_nothing(
    world: dict[str, Any], tmp_path: Path, file: tuple[str, bytes]
) -> None:
    s, trainer = world["s"], world["trainer"]
    name, data = file
    with scratch(tmp_path, "ph") as folder:
        path = write(folder, name, data)
        attempt(s, lambda: s.phrase_io.import_table(trainer, path, justification="测试导入"))


@SERVICE
@given(any_zip(release_zip()))
def test_fuzz_phrase_release_import_is_all_or_nothing(
    world: dict[str, Any], tmp_path: Path, data: bytes
) -> None:
    s, manager = world["s"], world["manager"]
    with scratch(tmp_path, "rel") as folder:
        path = write(folder, "2026.11.1.cstrainer-phrases.zip", data)
        attempt(s, lambda: s.phrases.import_release(manager, path))


@SERVICE
@given(any_bytes(HANDBOOK_SAMPLE.encode()))
def test_fuzz_handbook_import_is_all_or_nothing(world: dict[str, Any], tmp_path: Path, data: bytes) -> None:
    s, trainer = world["s"], world["trainer"]
    with scratch(tmp_path, "hb") as folder:
        (folder / "qinyu" / "products").mkdir(parents=True)
        write(folder / "qinyu" / "products", "qinyu-liquid.md", data)
        attempt(s, lambda: s.handbook_io.import_markdown(trainer, folder))


@SERVICE
@given(any_bytes(COMPLIANCE_SAMPLE.encode()) | st.sampled_from([b.encode() for b in yaml_bombs()]))
def test_fuzz_compliance_import_is_all_or_nothing(world: dict[str, Any], tmp_path: Path, data: bytes) -> None:
    s, manager = world["s"], world["manager"]
    with scratch(tmp_path, "cmp") as folder:
        path = write(folder, "banned_words.yaml", data)
        attempt(s, lambda: s.compliance.import_yaml(manager, path))


def test_nul_in_an_otherwise_valid_question_file_is_refused_with_its_place(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """PostgreSQL cannot store a NUL: the reader refuses it, naming row and column."""
    s, trainer = world["s"], world["trainer"]
    text = "题型,题干,选项A,选项B,答案,分类\n单选,退货运费谁出？\x00,买家,卖家,B,平台规则\n"
    path = write(tmp_path, "题库.csv", text.encode())
    before = row_counts(s)
    with pytest.raises(ServiceError) as caught:
        s.questions.import_file(trainer, path)
    assert "题库.csv 第 2 行 B 列（题干）" in str(caught.value) and "U+0000" in str(caught.value)
    assert row_counts(s) == before
