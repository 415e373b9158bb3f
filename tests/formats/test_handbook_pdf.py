"""The printable handbook PDF, checked the way a person would: rendered with poppler's pdftoppm
(page count, no blank page), its text read back with pdftotext (product names, prices, the size
chart laid out as a table row) and its pictures listed with pdfimages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cstrainer import paths
from cstrainer.formats.content_pack import item_to_dict, load_packs
from cstrainer.formats.handbook_markdown import FolderDoc
from cstrainer.formats.handbook_pdf import write_handbook_pdf

KINDS = {"products": "product", "competitors": "competitor", "handbook": "entry"}
BRANDS = {"qinyu": "沁屿", "qingkuo": "轻廓"}

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="poppler-utils (pdftoppm, pdftotext) is not installed; see scripts/system-packages.txt",
)


def shipped() -> tuple[list[FolderDoc], dict[str, str]]:
    packs = load_packs([paths.project_root() / "scripts_library"])
    items = [
        (KINDS[pack.kind], item_to_dict(item)) for pack in packs if pack.kind in KINDS for item in pack.items
    ]
    product_brand = {d["key"]: d["brand"] for kind, d in items if kind == "product"}
    names = {d["key"]: d["name"] for kind, d in items if kind == "product"}
    docs = []
    for kind, data in items:
        key = data.pop("key")
        brand = product_brand[data["our_product"]] if kind == "competitor" else data.get("brand")
        title = data.get("name") or data.get("product") or data.get("title")
        docs.append(FolderDoc(kind, key, data, brand=brand, title=str(title)))
    return docs, names


def pdftotext(path: Path, *extra: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *extra, str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def render_pages(pdf: Path, folder: Path, resolution: int = 24) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", str(pdf), str(folder / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(folder.glob("page-*.png"))


def ink(png: Path) -> float:
    """Share of pixels above the footer that are not (nearly) white."""
    with Image.open(png) as image:
        grey = image.convert("L")
        grey = grey.crop((0, 0, grey.width, int(grey.height * 0.92)))
        histogram = grey.histogram()
        return sum(histogram[:230]) / (grey.width * grey.height)


def test_shipped_handbook_renders_with_every_page_printed(tmp_path: Path) -> None:
    docs, names = shipped()
    pdf = tmp_path / "手册.pdf"
    pages = write_handbook_pdf(docs, pdf, title="产品手册", brand_names=BRANDS, product_names=names)
    # cover + contents + a title page per brand section + at least a page per doc
    assert pages >= 2 + 3 + len(docs)
    pngs = render_pages(pdf, tmp_path)
    assert len(pngs) == pages
    blank = [png.name for png in pngs if ink(png) < 0.001]
    assert not blank, blank

    text = pdftotext(pdf)
    for name in names.values():
        assert name in text
    first_page = pdftotext(pdf, "-f", "1", "-l", "1")
    assert "产品手册" in first_page and "沁屿、轻廓、通用" in first_page
    contents = pdftotext(pdf, "-f", "2", "-l", "3")
    assert (
        "目录" in contents and "沁屿香氛洗衣液" in contents and "绮芬持久留香洗衣液 3kg（竞品）" in contents
    )
    # prices, headings and the competitor's link to our product
    assert "¥69.9" in text or "69.9" in text
    assert "尺码表" in text and "常见问题" in text and "我们怎么回答" in text
    # the size chart is a table: one row's cells on one line of the layout text
    layout = pdftotext(pdf, "-layout")
    assert any("58-64" in line and "82-88" in line and "42-48" in line for line in layout.splitlines())


def product(key: str, **changes: Any) -> FolderDoc:
    data: dict[str, Any] = {
        "brand": "qinyu",
        "name": "测试洗衣液",
        "category": "洗衣液",
        "price_min": 39.9,
        "price_max": 69.9,
        "selling_points": ["浓缩配方"],
    }
    data.update(changes)
    return FolderDoc("product", key, data, brand="qinyu", title=data["name"])


def test_images_are_drawn_when_the_file_exists_and_skipped_quietly_otherwise(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "assets/products").mkdir(parents=True)
    Image.new("RGB", (120, 90), (200, 80, 40)).save(root / "assets/products/a.png")
    docs = [
        product("a", images=["assets/products/a.png"]),
        product("b", name="没有图片文件", images=["assets/products/missing.png", "assets/../../etc/passwd"]),
    ]
    pdf = tmp_path / "images.pdf"
    pages = write_handbook_pdf(docs, pdf, title="图片", brand_names=BRANDS, product_names={}, root=root)
    assert pages == 5  # cover, contents, brand page, one page per product
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    rows = [line for line in listing.stdout.splitlines()[2:] if line.strip()]
    assert len(rows) == 1 and " 120 " in rows[0]
    assert "没有图片文件" in pdftotext(pdf)


def test_empty_handbook_still_makes_a_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "empty.pdf"
    assert write_handbook_pdf([], pdf, title="空手册", brand_names={}, product_names={}) >= 2
    assert "没有可导出的手册" in pdftotext(pdf)


def test_markdown_in_long_texts_is_laid_out(tmp_path: Path) -> None:
    entry = FolderDoc(
        "entry",
        "rules",
        {
            "title": "规则 <一> & 二",
            "body": "## 小节\n\n| 列一 | 列二 |\n|---|---|\n| 甲 | 乙 |\n\n1. **第一条**\n2. 第二条\n   续写\n\n普通段落。\n",
        },
        title="规则 <一> & 二",
    )
    pdf = tmp_path / "entry.pdf"
    write_handbook_pdf([entry], pdf, title="规则", brand_names={}, product_names={})
    text = pdftotext(pdf, "-layout")
    assert "规则 <一> & 二" in text  # markup characters are escaped, not parsed
    assert any("甲" in line and "乙" in line for line in text.splitlines())
    assert "第一条" in text and "续写" in text and "**" not in text
