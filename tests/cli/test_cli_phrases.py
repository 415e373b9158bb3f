"""The phrases commands: search (ranking, visibility, JSON) and lint (hits, JSON shape, exit codes)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database
from cstrainer.storage.models import Brand


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(db_url: str) -> str:
    s = Services(open_database(db_url))
    with s.db.session() as d:
        d.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "lily", "李丽", "lily-pass-1", Role.AGENT, brand_keys=["qinyu"])
    for item in (
        PhraseItem("qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的", ("问候",)),
        PhraseItem("qy-hello-2", "qinyu", "迎宾", "问候", "hy2", "亲，欢迎光临小屿家～"),
        PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围，帮您选准尺码～"),
        PhraseItem("shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出～"),
    ):
        s.phrases.save_team(SYSTEM, item)
    s.close()
    return db_url


def test_search_json_is_ranked(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "hy1", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["shortcut"] == "hy1" and rows[0]["match"] == "shortcut"
    assert set(rows[0]) == {
        "match", "scope", "key", "shortcut", "brand", "scene", "intent", "text", "tags", "usage_count",
    }  # fmt: skip
    assert rows[0]["tags"] == ["问候"] and rows[0]["scope"] == "team"


def test_search_by_pinyin_and_words(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--db", db, "phrases", "search", "nh", "--json")
    assert [(r["key"], r["match"]) for r in json.loads(out)] == [("qy-hello", "pinyin")]
    _, out, _ = run(capsys, "--db", db, "phrases", "search", "尺码", "--json")
    assert [(r["key"], r["match"]) for r in json.loads(out)] == [("qk-size", "words")]


def test_search_text_output(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "hy")
    assert code == 0 and "hy1" in out and "编码前缀" in out and "共 2 条" in out
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "不存在的词")
    assert code == 0 and "没有找到" in out


def test_search_as_an_agent_shows_only_their_brands(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", "lily-pass-1")
    _, out, _ = run(capsys, "--db", db, "--user", "lily", "phrases", "search", "亲", "--json")
    assert {r["key"] for r in json.loads(out)} == {"qy-hello-2", "shared-ship"}


def test_lint_text_prints_every_hit_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "phrases", "lint", "全网最低价，加微信返现", "--json")
    assert code == 1
    hits = json.loads(out)
    assert all(set(h) == {"word", "start", "end", "reason", "rule"} for h in hits)
    assert (hits[0]["word"], hits[0]["start"], hits[0]["end"]) == ("全网最低", 0, 4)
    assert {h["rule"] for h in hits} >= {"absolute_terms", "off_platform"}
    code, out, _ = run(capsys, "phrases", "lint", "全网最低价")
    assert code == 1 and "全网最低" in out and "absolute_terms" in out


def test_lint_clean_text_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "phrases", "lint", "亲，在的～有什么可以帮您？", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "phrases", "lint", "亲，在的")
    assert code == 0 and "未发现" in out


def test_lint_file_reports_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "drafts.txt"
    path.write_text("亲，在的～\n加微信给您优惠\n好评返现哦\n", encoding="utf-8")
    code, out, _ = run(capsys, "phrases", "lint", "--file", str(path), "--json")
    assert code == 1
    hits = json.loads(out)
    assert {h["line"] for h in hits} == {2, 3}
    first = hits[0]
    assert list(first) == ["line", "word", "start", "end", "reason", "rule"]
    assert (first["line"], first["word"], first["start"], first["end"]) == (2, "加微信", 0, 3)
    code, out, _ = run(capsys, "phrases", "lint", "--file", str(path))
    assert code == 1 and f"{path}:2:1:" in out


def test_lint_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "phrases", "lint", "--file", str(tmp_path / "missing.txt"))
    assert code == 1 and "无法读取" in err
    with pytest.raises(SystemExit) as exit_:
        main(["phrases", "lint"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        main(["phrases", "lint", "文字", "--file", "x.txt"])


# --- diff and releases ------------------------------------------------------------------------------


def _two_releases(url: str) -> None:
    s = Services(open_database(url))
    s.phrases.publish(SYSTEM, "2026.11.1", "首个版本", on=date(2026, 11, 9))
    s.phrases.save_team(
        SYSTEM,
        PhraseItem("shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经顺丰发出～"),
    )
    s.phrases.delete_team(SYSTEM, "qk-size")
    s.phrases.publish(SYSTEM, "2026.11.2", "改物流话术", on=date(2026, 11, 23))
    s.close()


def test_diff_json_and_text(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _two_releases(db)
    code, out, _ = run(capsys, "--db", db, "phrases", "diff", "2026.11.1", "2026.11.2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["added"] == [] and [i["key"] for i in data["removed"]] == ["qk-size"]
    (change,) = data["changed"]
    assert change["key"] == "shared-ship" and change["fields"] == ["text"]
    assert {"op", "old", "new"} <= set(change["text_ops"][0])
    code, out, _ = run(capsys, "--db", db, "phrases", "diff", "2026.11.1", "2026.11.2")
    assert code == 0 and "- qk-size" in out and "~ shared-ship" in out and "{+" in out
    code, _, err = run(capsys, "--db", db, "phrases", "diff", "2026.11.1", "9.9")
    assert code == 1 and "9.9" in err


def test_release_publish_list_export_import(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--db", db, "phrases", "release", "publish", "2026.12.1", "--notes", "十二月版"
    )
    assert code == 0 and "2026.12.1" in out
    code, out, _ = run(capsys, "--db", db, "phrases", "release", "list", "--json")
    assert [(r["version"], r["items"], r["source"]) for r in json.loads(out)] == [
        ("2026.12.1", 4, "published")
    ]
    code, out, _ = run(capsys, "--db", db, "phrases", "release", "export", "2026.12.1", str(tmp_path))
    zip_path = tmp_path / "2026.12.1.cstrainer-phrases.zip"
    assert code == 0 and zip_path.exists()
    other = f"sqlite:///{tmp_path}/other.sqlite"
    s = Services(open_database(other))
    with s.db.session() as d:
        d.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.close()
    code, out, _ = run(capsys, "--db", other, "phrases", "release", "import", str(zip_path))
    assert code == 0 and "已导入" in out
    code, out, _ = run(capsys, "--db", other, "phrases", "search", "wl1", "--json")
    assert [r["key"] for r in json.loads(out)] == ["shared-ship"]
    code, out, _ = run(capsys, "--db", other, "phrases", "release", "import", str(zip_path))
    assert code == 0 and "已经导入过" in out
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    code, _, err = run(capsys, "--db", other, "phrases", "release", "import", str(tmp_path / "junk.zip"))
    assert code == 1 and "拒绝" in err


def test_release_rollback(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _two_releases(db)
    code, out, _ = run(capsys, "--db", db, "phrases", "release", "rollback", "2026.11.1", "2026.11.3")
    assert code == 0 and "2026.11.3" in out
    code, out, _ = run(capsys, "--db", db, "phrases", "diff", "2026.11.1", "draft", "--json")
    assert json.loads(out) == {"added": [], "removed": [], "changed": []}


def test_agents_cannot_publish(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", "lily-pass-1")
    code, _, err = run(
        capsys, "--db", db, "--user", "lily", "phrases", "release", "publish", "1.0", "--notes", "x"
    )
    assert code == 1 and "权限不足" in err


def test_comments_lists_open_items_and_one_phrases_thread(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "--db", db, "phrases", "comments")
    assert code == 0 and "没有待处理" in out
    s = Services(open_database(db))
    lily = s.auth.login("lily", "lily-pass-1")
    c = s.phrase_review.comment(lily, "qy-hello", "可以加个表情")
    p = s.phrase_review.propose(lily, "shared-ship", "亲，订单 {订单号} 已经发出啦～")
    s.phrase_review.reject(SYSTEM, c.id, note="先不改")
    s.close()
    code, out, _ = run(capsys, "--db", db, "phrases", "comments", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["id"], r["kind"], r["status"], r["author"]) for r in rows] == [
        (p.id, "proposal", "open", "lily")
    ]
    assert set(rows[0]) == {
        "id", "phrase_key", "kind", "text", "status", "author", "author_name", "created_at", "decided_by",
        "decided_at", "decision_note",
    }  # fmt: skip
    code, out, _ = run(capsys, "--db", db, "phrases", "comments", "qy-hello", "--json")
    assert [(r["status"], r["decided_by"], r["decision_note"]) for r in json.loads(out)] == [
        ("rejected", "system", "先不改")
    ]
    code, out, _ = run(capsys, "--db", db, "phrases", "comments", "qy-hello")
    assert code == 0 and "未采纳" in out and "李丽（lily）" in out and "可以加个表情" in out
    code, _, err = run(capsys, "--db", db, "phrases", "comments", "nope")
    assert code == 1 and "nope" in err
    # an agent sees the open items of the phrases of her brands
    monkeypatch.setenv("CSTRAINER_PASSWORD", "lily-pass-1")
    code, out, _ = run(capsys, "--db", db, "--user", "lily", "phrases", "comments", "--json")
    assert code == 0 and [r["phrase_key"] for r in json.loads(out)] == ["shared-ship"]
