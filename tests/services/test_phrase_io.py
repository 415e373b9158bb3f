"""Import (dry run, all or nothing, linter) and export of the team phrase library as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.phrase_table import dump_phrase_xlsx, parse_phrase_csv, parse_phrase_xlsx
from cstrainer.services import SYSTEM, InvalidInput, PermissionDenied, Services
from cstrainer.services.phrase_io import ImportRejected
from cstrainer.storage.models import AuditEntry, Brand

PASSWORD = "pass-1234"
HELLO = PhraseItem("qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的", ("问候",))
SHIP = PhraseItem("shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出～", ("物流",))
KUO = PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围和身高～")

HEAD = "分组,快捷编码,内容,品牌,标签,意图,编号\n"


@pytest.fixture
def lib(services: Any) -> Services:
    s: Services = services
    with s.db.session() as db:
        db.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "peixun", "培训师", PASSWORD, Role.TRAINER)
    s.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT, brand_keys=["qinyu"])
    for item in (HELLO, SHIP, KUO):
        s.phrases.save_team(SYSTEM, item)
    s.phrases.refresh_seconds = 0.0
    s.phrases.background = False
    return s


def write(tmp_path: Path, body: str, name: str = "话术.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8-sig")
    return path


def keys(items: Any) -> list[str]:
    return [it.key for it in items]


def test_preview_classifies_added_updated_unchanged_and_writes_nothing(lib: Services, tmp_path: Path) -> None:
    # GIVEN a file with one new phrase, one changed and one as it is
    path = write(
        tmp_path,
        "迎宾,hy1,{顾客昵称}你好呀～小屿在的,qinyu,问候,问候,qy-hello\n"
        "物流查询,wl1,亲，订单 {订单号} 已经发出，请耐心等待～,,物流,已发货,shared-ship\n"
        "送别,sb1,感谢亲的光临，期待再见～,qinyu,,送别,qy-bye\n",
    )
    trainer = lib.auth.login("peixun", PASSWORD)
    # WHEN the trainer previews it
    p = lib.phrase_io.preview(trainer, path)
    # THEN it is classified, has no problems and nothing changed in the library
    assert p.ok and not p.lint
    assert keys(p.added) == ["qy-bye"]
    assert [new.key for _, new in p.updated] == ["shared-ship"]
    assert keys(p.unchanged) == ["qy-hello"]
    assert p.summary() == "新增 1 条、修改 1 条、不变 1 条"
    assert "qy-bye" not in {r.key for r in lib.phrases.list_team(trainer)}


def test_import_adds_and_updates_and_keeps_the_rest(lib: Services, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "物流查询,wl1,亲，订单 {订单号} 已经发出，请耐心等待～,,物流,已发货,shared-ship\n"
        "送别,sb1,感谢亲的光临，期待再见～,qinyu,,送别,qy-bye\n",
    )
    trainer = lib.auth.login("peixun", PASSWORD)
    result = lib.phrase_io.import_table(trainer, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 0)
    library = {r.key: r for r in lib.phrases.list_team(trainer)}
    assert set(library) == {"qy-hello", "shared-ship", "qk-size", "qy-bye"}  # nothing deleted
    assert library["shared-ship"].text.endswith("请耐心等待～") and library["shared-ship"].version == 2
    # the search index sees the new phrase at once
    assert lib.phrases.search(trainer, "sb1")[0].phrase.key == "qy-bye"
    with lib.db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action)))
    assert "phrases_imported" in actions


def test_bad_file_lists_every_problem_with_row_and_column_and_imports_nothing(
    lib: Services, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "送别,sb1,感谢光临～,qinyu,,,qy-bye\n"
        "不存在的场景,xx1,你好,qinyu,,,qy-x\n"
        "送别,sb1,重复的编码,qinyu,,,qy-bye2\n",
    )
    trainer = lib.auth.login("peixun", PASSWORD)
    p = lib.phrase_io.preview(trainer, path)
    assert not p.ok
    rows = {(e.file, e.row, e.column) for e in p.problems}
    assert ("话术.csv", 3, "A") in rows  # the unknown scene
    assert ("话术.csv", 4, "B") in rows  # the duplicate shortcut
    with pytest.raises(ImportRejected) as info:
        lib.phrase_io.import_table(trainer, path)
    assert "第 3 行" in str(info.value)
    assert "qy-bye" not in {r.key for r in lib.phrases.list_team(trainer)}


def test_unknown_brand_refuses_the_whole_file(lib: Services, tmp_path: Path) -> None:
    path = write(tmp_path, "送别,sb1,感谢光临～,qinyu,,,qy-bye\n送别,sb2,再见～,nobrand,,,nb-bye\n")
    trainer = lib.auth.login("peixun", PASSWORD)
    p = lib.phrase_io.preview(trainer, path)
    assert [pr.header for pr in p.problems] == ["品牌"] and "nobrand" in p.problems[0].message
    # the problem names the cell: second data row (file row 3), column D (品牌)
    assert (p.problems[0].row, p.problems[0].column) == (3, "D")
    assert "已有：qingkuo、qinyu" in p.problems[0].message
    with pytest.raises(ImportRejected):
        lib.phrase_io.import_table(trainer, path)
    assert "qy-bye" not in {r.key for r in lib.phrases.list_team(trainer)}


def test_lint_hits_are_listed_and_need_a_justification(lib: Services, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "送别,sb1,感谢光临～,qinyu,,,qy-bye\n推荐,tj1,这款是我们家最好卖的洗衣液哦,qinyu,,,qy-best\n",
    )
    trainer = lib.auth.login("peixun", PASSWORD)
    p = lib.phrase_io.preview(trainer, path)
    assert p.ok and p.needs_justification
    assert [f.item.key for f in p.lint] == ["qy-best"] and p.lint[0].hits[0].word.startswith("最")
    with pytest.raises(ImportRejected, match="违规用语"):
        lib.phrase_io.import_table(trainer, path)
    assert "qy-bye" not in {r.key for r in lib.phrases.list_team(trainer)}
    result = lib.phrase_io.import_table(trainer, path, justification="销量榜单有据可查")
    assert result.justified == ("qy-best",)
    assert lib.phrases.get_team(trainer, "qy-best").lint_justification == "销量榜单有据可查"


def test_a_failing_save_rolls_back_the_saves_before_it(
    lib: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the second save fails inside the transaction (e.g. the brand vanished meanwhile)
    path = write(tmp_path, "送别,sb1,感谢光临～,qinyu,,,qy-bye\n送别,sb2,再见～,qinyu,,,qy-bye2\n")
    trainer = lib.auth.login("peixun", PASSWORD)
    from cstrainer.services import phrases as phrases_module

    real = phrases_module.PhraseService.save_team
    calls = []

    def flaky(self: Any, actor: Any, item: PhraseItem, **kw: Any) -> Any:
        calls.append(item.key)
        if len(calls) == 2:
            raise InvalidInput("boom")
        return real(self, actor, item, **kw)

    monkeypatch.setattr(phrases_module.PhraseService, "save_team", flaky)
    with pytest.raises(InvalidInput, match="未导入任何话术"):
        lib.phrase_io.import_table(trainer, path)
    monkeypatch.setattr(phrases_module.PhraseService, "save_team", real)
    # THEN the first phrase was not kept either
    assert not {"qy-bye", "qy-bye2"} & {r.key for r in lib.phrases.list_team(trainer)}


def test_agents_cannot_import(lib: Services, tmp_path: Path) -> None:
    path = write(tmp_path, "送别,sb1,感谢光临～,qinyu,,,qy-bye\n")
    with pytest.raises(PermissionDenied):
        lib.phrase_io.preview(lib.auth.login("lily", PASSWORD), path)


def test_xlsx_import(lib: Services, tmp_path: Path) -> None:
    path = tmp_path / "话术.xlsx"
    dump_phrase_xlsx([PhraseItem("qy-bye", "qinyu", "送别", "送别", "sb1", "感谢光临～")], path)
    result = lib.phrase_io.import_table(lib.auth.login("peixun", PASSWORD), path)
    assert result.added == 1


def test_export_csv_xlsx_round_trip(lib: Services, tmp_path: Path) -> None:
    trainer = lib.auth.login("peixun", PASSWORD)
    assert lib.phrase_io.export(trainer, tmp_path / "all.csv") == 3
    assert sorted(keys(parse_phrase_csv(tmp_path / "all.csv").phrases)) == [
        "qk-size",
        "qy-hello",
        "shared-ship",
    ]
    assert lib.phrase_io.export(trainer, tmp_path / "qinyu.xlsx", brand="qinyu") == 2
    back = parse_phrase_xlsx(tmp_path / "qinyu.xlsx").phrases
    assert sorted(keys(back)) == ["qy-hello", "shared-ship"]
    assert {it.key: it for it in back}["qy-hello"] == HELLO
    # an exported file imports back unchanged
    p = lib.phrase_io.preview(trainer, tmp_path / "all.csv")
    assert p.ok and len(p.unchanged) == 3 and not p.added and not p.updated


def test_export_espanso_per_brand(lib: Services, tmp_path: Path) -> None:
    trainer = lib.auth.login("peixun", PASSWORD)
    n = lib.phrase_io.export(trainer, tmp_path / "qinyu.yml", brand="qinyu")
    data = yaml.safe_load((tmp_path / "qinyu.yml").read_text(encoding="utf-8"))
    assert n == 2
    assert {m["trigger"]: m["replace"] for m in data["matches"]} == {":hy1": HELLO.text, ":wl1": SHIP.text}
    with pytest.raises(InvalidInput, match="品牌"):
        lib.phrase_io.export(trainer, tmp_path / "x.yml", brand="nobrand")


def test_a_shortcut_taken_by_another_library_phrase_is_a_problem(lib: Services, tmp_path: Path) -> None:
    # a Qianniu file without 编号 gets the key qinyu.hy1, but hy1 of qinyu is qy-hello
    path = tmp_path / "千牛.csv"
    path.write_text("分组,快捷编码,内容,品牌\n迎宾,hy1,您好～,qinyu\n", encoding="utf-8-sig")
    p = lib.phrase_io.preview(lib.auth.login("peixun", PASSWORD), path)
    assert not p.ok and "qy-hello" in p.problems[0].message and p.problems[0].header == "快捷编码"
    assert (p.problems[0].row, p.problems[0].column) == (2, "B")
    assert "千牛.csv 第 2 行 B 列（快捷编码）" in str(p.problems[0])
