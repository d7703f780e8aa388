"""The notebooks as files: structure, links, and stored outputs that are safe to publish.

Running the notebooks is nbval's job (`pytest notebooks`); cells tagged raises-exception
must really raise, which ../conftest.py checks during that run.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
INDEX = ROOT / "notebooks" / "00-start-here.ipynb"
NAV = "<!--NAVIGATION-->"
KEY = re.compile(r"sk-[A-Za-z0-9_-]{20,}")  # a masked key has "…" in it, so it does not match
ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(/root|/home|/tmp|/Users|/private/var|/var/folders)/|[A-Za-z]:\\{1,2}Users")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_OUTPUT_CHARS = 20_000


def read(path: Path):
    return nbformat.read(path, as_version=4)


def content_cells(nb):
    """The cells without the generated navigation."""
    return [c for c in nb.cells if not (c.cell_type == "markdown" and c.source.startswith(NAV))]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def outputs_text(nb) -> str:
    return json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


ids = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


def test_every_notebook_is_linked_from_start_here():
    text = "\n".join(c.source for c in content_cells(read(INDEX)) if c.cell_type == "markdown")
    missing = [p.name for p in NOTEBOOKS if p != INDEX and f"]({p.name})" not in text]
    assert not missing, f"Add these to the plan in {INDEX.name}: {missing}"


def test_links_in_start_here_point_to_notebooks_that_exist():
    text = "\n".join(c.source for c in read(INDEX).cells if c.cell_type == "markdown")
    targets = set(re.findall(r"\]\(([^)#]+\.ipynb)\)", text))
    assert targets, "the plan links no notebook"
    broken = sorted(t for t in targets if not (INDEX.parent / t).is_file())
    assert not broken, f"links to notebooks that do not exist (mark them 'coming soon' without a link): {broken}"


def test_navigation_is_up_to_date(capsys):
    spec = importlib.util.spec_from_file_location("add_navigation", ROOT / "tools" / "add_navigation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_opens_with_a_title_that_links_back(path):
    first = content_cells(read(path))[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "start with an H1 title"
    i = NOTEBOOKS.index(path)
    if i > 0:
        assert f"]({NOTEBOOKS[i - 1].name})" in first.source, "the first sentence links the previous notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_has_one_setup_cell_at_the_top(path):
    cells = code_cells(read(path))
    assert cells and "chatkit.connect(" in cells[0].source, "the first code cell is the setup cell"
    assert sum("chatkit.connect(" in c.source for c in cells) == 1, "only one cell calls chatkit.connect()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_closes_with_check_yourself_and_a_checked_exercise(path):
    nb = read(path)
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert "## Check yourself" in headings
    assert "## Exercise" in headings
    checked = [c for c in code_cells(nb) if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert len(checked) >= 2, "mark a few deterministic cells with # NBVAL_CHECK_OUTPUT"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_key_anywhere(path):
    found = KEY.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} holds something that looks like a full API key"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_paths_of_this_computer(path):
    nb = read(path)
    text = outputs_text(nb) + "\n".join(c.source for c in nb.cells)
    found = sorted(set(m.group(0) for m in ABSOLUTE_PATH.finditer(text)))
    assert not found, f"absolute paths in {path.name}: {found}; print file names only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_outputs_are_small_and_hold_no_widget_state(path):
    nb = read(path)
    assert "widgets" not in nb.metadata, "run tools/execute_notebooks.py, which drops widget state"
    assert WIDGET_VIEW not in outputs_text(nb), "widget views only work in a live kernel: do not store them"
    size = len(outputs_text(nb))
    assert size < MAX_OUTPUT_CHARS, f"{size:,} characters of stored output (budget {MAX_OUTPUT_CHARS:,})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_outputs_match_the_tags(path):
    for cell in code_cells(read(path)):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "raises-exception" in tags(cell):
            assert errors, f"cell {cell.id} is tagged raises-exception but its stored output has no error"
        else:
            assert not errors, f"cell {cell.id} raised an error: fix it, or tag it raises-exception"
        if "remove-output" in tags(cell):
            assert not cell.outputs, f"cell {cell.id} is tagged remove-output but has stored output"


# A checked output must not depend on how a pretty-printer lays out a container: IPython 9
# prints a Counter in most_common() order where IPython 8 kept insertion order.
CONTAINER_REPR = re.compile(r"^(Counter|defaultdict|OrderedDict)\(|^\{.*:|^\{'|^set\(|^frozenset\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_checked_outputs_are_not_container_reprs(path):
    offenders = []
    for cell in code_cells(read(path)):
        if "NBVAL_CHECK_OUTPUT" not in cell.source:
            continue
        for out in cell.get("outputs", []):
            shown = out.get("data", {}).get("text/plain", "") if out.get("output_type") == "execute_result" else ""
            if CONTAINER_REPR.match(shown):
                offenders.append(cell.source.splitlines()[1] if "\n" in cell.source else cell.source)
    assert not offenders, ("These checked cells show a dict, set or Counter as the cell's value; its layout "
                           f"depends on the IPython version. Print a sorted table or a plain list: {offenders}")
