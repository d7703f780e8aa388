"""The Chinese edition: every notebook in both languages, with the same code, by construction.

tools/editions.py rebuilds each notebooks/zh/ notebook from its English twin, taking the
code (source, tags) from English, and the text and the stored outputs from Chinese: nbval
runs both editions, and a Chinese page shows what chatkit tells a Chinese learner. These
tests fail on any difference in code, cell order, tags or NBVAL_CHECK_OUTPUT markers, on a
text cell left in English, on a chatkit message stored in English on a Chinese page, and on
a missing twin.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ZH = ROOT / "notebooks" / "zh"
NAV = "<!--NAVIGATION-->"
HAN = re.compile(r"[\u4e00-\u9fff]")


def read(path: Path):
    return nbformat.read(path, as_version=4)


def twin(path: Path) -> Path:
    return ZH / path.name


def text_cells(nb):
    return [c for c in nb.cells if c.cell_type == "markdown" and not c.source.startswith(NAV)]


def test_every_notebook_exists_in_chinese():
    missing = [p.name for p in ENGLISH if not twin(p).exists()]
    assert not missing, f"write the Chinese edition (python tools/editions.py --new NAME): {missing}"


def test_the_editions_tool_finds_nothing_to_fix(capsys):
    spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", ENGLISH, ids=[p.name for p in ENGLISH])
def test_code_cells_are_the_same_in_both_editions(path):
    en, zh = read(path), read(twin(path))
    code = [(c.source, c.metadata.get("tags", [])) for c in en.cells if c.cell_type == "code"]
    assert code == [(c.source, c.metadata.get("tags", [])) for c in zh.cells if c.cell_type == "code"], \
        "run python tools/editions.py"
    order = [(c.cell_type, c.get("id")) for c in en.cells]
    assert order == [(c.cell_type, c.get("id")) for c in zh.cells if not str(c.get("id", "")).startswith("zh-")]


@pytest.mark.parametrize("path", ENGLISH, ids=[p.name for p in ENGLISH])
def test_the_chinese_text_is_chinese_and_keeps_the_shape(path):
    zh = read(twin(path))
    cells = text_cells(zh)
    assert all(HAN.search(c.source) for c in cells if len(c.source) > 40), "a text cell is still in English"
    assert cells[0].source.startswith("# "), "start with an H1 title"
    headings = [line for c in cells for line in c.source.splitlines()]
    assert "## 自我检查" in headings and "## 练习" in headings
    english_links = set(re.findall(r"\]\(([^)#]+\.ipynb)\)", "\n".join(c.source for c in text_cells(read(path)))))
    chinese_links = set(re.findall(r"\]\(([^)#]+\.ipynb)\)", "\n".join(c.source for c in cells)))
    assert english_links <= chinese_links | {"zh/" + path.name}, "keep the links to the other notebooks"


@pytest.mark.parametrize("path", ENGLISH, ids=[p.name for p in ENGLISH])
def test_each_edition_links_to_the_other(path):
    assert f"](zh/{path.name})" in read(path).cells[0].source
    assert f"](../{path.name})" in read(twin(path)).cells[0].source


def english_messages() -> list[str]:
    """The fixed opening of each English message in chatkit's catalogue (up to its first field), if long enough."""
    from chatkit.messages import en, zh

    changed = [text for key, text in en.MESSAGES.items() if text != zh.MESSAGES.get(key)]
    openings = {text.split("{")[0].strip() for text in changed}
    # and the labels chatkit writes before a field ("Fix:"), short but never part of a Chinese page
    labels = {part.strip() for text in changed for part in re.split(r"\{[^}]*\}", text)
              if re.fullmatch(r"\s*[A-Z][a-z]+:\s*", part)}
    return sorted({o for o in openings if len(o) >= 20} | labels)


def stored_text(nb) -> str:
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) + str(o.get("evalue", ""))
                     for o in outputs)


@pytest.mark.parametrize("path", ENGLISH, ids=[p.name for p in ENGLISH])
def test_a_chinese_page_stores_what_chatkit_says_in_chinese(path):
    stored = stored_text(read(twin(path)))
    english = [m for m in english_messages() if m in stored]
    assert not english, f"run python tools/execute_notebooks.py zh/{path.name}: stored in English: {english[:3]}"


def test_the_english_pages_do_store_catalogue_messages():
    """The check above has something to find: the same openings occur in the English outputs."""
    found = {m for p in ENGLISH for m in english_messages() if m in stored_text(read(p))}
    assert len(found) >= 10, found
