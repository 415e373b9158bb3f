"""`cstrainer handbook`: list, show, search, export (PDF and a Markdown folder) and import of the
same folder (preview, all or nothing, versions), with the permissions of --user."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cstrainer.cli import main
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database

PASSWORD = "demo1234"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_user(monkeypatch: pytest.MonkeyPatch, login: str) -> tuple[str, str]:
    monkeypatch.setenv("CSTRAINER_PASSWORD", PASSWORD)
    return ("--user", login)


def doc_version(url: str, kind: str, key: str) -> int:
    services = Services(open_database(url))
    try:
        return int(services.handbook.get_doc(SYSTEM, kind, key).version)
    finally:
        services.close()


def test_list_show_and_search(seeded_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "list", "--json")
    docs = json.loads(out)
    assert code == 0
    kinds = {d["kind"] for d in docs}
    assert kinds == {"product", "competitor", "entry"}
    assert sum(d["kind"] == "product" for d in docs) >= 12
    code, out, _ = run(
        capsys, "--db", seeded_url, "handbook", "list", "--kind", "competitor", "--brand", "qinyu"
    )
    assert code == 0 and "绮芬持久留香洗衣液 3kg" in out and "柔线" not in out and "共 2 篇" in out

    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "show", "product", "qingkuo-highwaist")
    assert code == 0 and out.startswith("# 轻廓高腰收腹内裤\n")
    assert "品牌：轻廓" in out and "## 尺码表" in out and "| S | 58-64 | 82-88 | 42-48 |" in out
    code, out, _ = run(
        capsys, "--db", seeded_url, "handbook", "show", "competitor", "qifen-liquid-3kg", "--json"
    )
    shown = json.loads(out)
    assert shown["data"]["our_product"] == "qinyu-liquid" and shown["brand"] == "qinyu"
    assert "沁屿香氛洗衣液（qinyu-liquid）" in shown["markdown"]
    code, _, err = run(capsys, "--db", seeded_url, "handbook", "show", "product", "no-such-thing")
    assert code == 1 and err.startswith("错误：")

    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "search", "留香", "--json")
    hits = json.loads(out)
    assert code == 0 and hits
    for hit in hits:
        assert hit["spans"]
        for start, end in hit["spans"]:
            assert hit["snippet"][start:end] == "留香"
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "search", "留香")
    assert "【留香】" in out


def test_agent_sees_only_own_brand_and_cannot_export_or_import(
    seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = as_user(monkeypatch, "kefu")  # agent of 沁屿
    code, out, _ = run(capsys, "--db", seeded_url, *user, "handbook", "list", "--json")
    brands = {d["brand"] for d in json.loads(out)}
    assert code == 0 and brands <= {"qinyu", None} and "qinyu" in brands
    code, _, err = run(
        capsys, "--db", seeded_url, *user, "handbook", "export", "--markdown", str(tmp_path / "x")
    )
    assert code == 1 and "错误" in err and not (tmp_path / "x").exists()
    run(capsys, "--db", seeded_url, "handbook", "export", "--markdown", str(tmp_path / "y"))
    code, _, err = run(capsys, "--db", seeded_url, *user, "handbook", "import", str(tmp_path / "y"))
    assert code == 1 and "错误" in err


def test_export_pdf(seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "out" / "手册.pdf"
    code, out, _ = run(
        capsys, "--db", seeded_url, "handbook", "export", "--pdf", str(pdf), "--brand", "qingkuo"
    )
    assert code == 0 and pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert "页）" in out
    code, _, err = run(capsys, "--db", seeded_url, "handbook", "export", "--pdf", str(pdf), "--brand", "nope")
    assert code == 1 and "nope" in err


def test_markdown_round_trip_edit_and_import(
    seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "手册"
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "export", "--markdown", str(folder))
    assert code == 0 and (folder / "README.md").is_file()
    assert (folder / "qinyu/products/qinyu-liquid.md").is_file()
    assert (folder / "qingkuo/competitors/rouxian-highwaist.md").is_file()
    assert (folder / "shared/handbook/platform-rules-primer.md").is_file()

    # untouched: everything unchanged, nothing to save
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder), "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["ok"] and not preview["added"] and not preview["changed"]
    total = len(preview["unchanged"])

    # a trainer edits one product in an editor and adds a new handbook entry by copying a file
    product = folder / "qinyu/products/qinyu-liquid.md"
    text = product.read_text(encoding="utf-8")
    assert "price_max: 99.9" in text
    product.write_text(text.replace("price_max: 99.9", "price_max: 109.9"), encoding="utf-8")
    entry = folder / "qinyu/handbook/qinyu-brand-intro.md"
    copy = entry.with_name("qinyu-new-hire.md")
    copy.write_text(
        entry.read_text(encoding="utf-8").replace("# 沁屿品牌与产品线入门", "# 新人第一天"), encoding="utf-8"
    )

    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder), "--dry-run")
    assert code == 0
    assert "+ 手册条目 qinyu-new-hire 新人第一天" in out
    assert "~ 商品 qinyu-liquid 沁屿香氛洗衣液（最高价）" in out
    before = doc_version(seeded_url, "product", "qinyu-liquid")

    trainer = as_user(monkeypatch, "peixun")
    code, out, _ = run(
        capsys, "--db", seeded_url, *trainer, "handbook", "import", str(folder), "--note", "调价", "--json"
    )
    result = json.loads(out)
    assert code == 0 and result["imported"] and result["saved"] == 2
    assert len(result["unchanged"]) == total - 1
    assert doc_version(seeded_url, "product", "qinyu-liquid") == before + 1
    services = Services(open_database(seeded_url))
    try:
        assert services.handbook.get_doc(SYSTEM, "product", "qinyu-liquid").data["price_max"] == 109.9
        latest = services.handbook.history(SYSTEM, "product", "qinyu-liquid")[0]
        assert (latest.note, latest.by) == ("调价", "peixun")
        assert services.handbook.get_doc(SYSTEM, "entry", "qinyu-new-hire").title == "新人第一天"
    finally:
        services.close()

    # importing the same folder again saves nothing
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder))
    assert code == 0 and f"新增 0 篇、修改 0 篇、不变 {total + 1} 篇" in out
    assert doc_version(seeded_url, "product", "qinyu-liquid") == before + 1


def test_import_is_all_or_nothing_and_names_file_line_field(
    seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "hb"
    run(capsys, "--db", seeded_url, "handbook", "export", "--markdown", str(folder), "--brand", "qinyu")
    assert not (folder / "qingkuo").exists() and (folder / "shared").is_dir()
    good = folder / "qinyu/products/qinyu-beads.md"
    good.write_text(
        good.read_text(encoding="utf-8").replace("price_max: 59.9", "price_max: 79.9"), encoding="utf-8"
    )
    bad = folder / "qinyu/products/qinyu-liquid.md"
    lines = bad.read_text(encoding="utf-8").split("\n")
    at = lines.index("price_min: 39.9")
    lines[at] = "price_min: 便宜"
    bad.write_text("\n".join(lines), encoding="utf-8")
    rival = folder / "qinyu/competitors/qifen-liquid-3kg.md"
    rival_lines = rival.read_text(encoding="utf-8").split("\n")
    ours = rival_lines.index("our_product: qinyu-liquid")
    rival_lines[ours] = "our_product: qinyu-gone"
    rival.write_text("\n".join(rival_lines), encoding="utf-8")

    before = doc_version(seeded_url, "product", "qinyu-beads")
    code, out, err = run(capsys, "--db", seeded_url, "handbook", "import", str(folder))
    assert code == 1
    assert f"qinyu/products/qinyu-liquid.md 第 {at + 1} 行：price_min（最低价）：应为数字" in err
    assert "未导入任何内容" in err
    assert doc_version(seeded_url, "product", "qinyu-beads") == before

    # fix the value: the reference problem is still reported, with its line
    bad.write_text("\n".join(lines).replace("price_min: 便宜", "price_min: 39.9"), encoding="utf-8")
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder), "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 1 and not preview["ok"]
    assert [p["text"] for p in preview["problems"]] == [
        f"qinyu/competitors/qifen-liquid-3kg.md 第 {ours + 1} 行：our_product（对标商品）：商品 qinyu-gone 不存在"
    ]
    code, _, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder))
    assert code == 1 and doc_version(seeded_url, "product", "qinyu-beads") == before

    shutil.rmtree(folder / "qinyu/competitors")
    code, out, _ = run(capsys, "--db", seeded_url, "handbook", "import", str(folder))
    assert code == 0 and "修改 1 篇" in out
    assert doc_version(seeded_url, "product", "qinyu-beads") == before + 1


def test_import_needs_a_folder(seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", seeded_url, "handbook", "import", str(tmp_path / "nope"))
    assert code == 1 and "找不到文件夹" in err
