"""Keep the Chinese edition in step with the English one: same code, by construction.

The English notebooks in notebooks/ are the source. A Chinese notebook, notebooks/zh/<same
name>, holds its own text (markdown cells) and its own stored outputs, which show what a
Chinese learner sees (explain(), the checks and the widgets speak Chinese there): this tool
rebuilds it from the English notebook, cell by cell, taking each code cell's source and tags
from the English one, and each markdown cell and each code cell's outputs from the Chinese
one, matched by cell id. So a fix to a code cell is a fix to both editions; run
`python tools/execute_notebooks.py zh/NAME` afterwards to refresh its Chinese outputs (a new
code cell starts with the English outputs until then). A text cell only the Chinese
edition has (a provider table for readers in China, say) gets an id starting with "zh-"
and stays after the cell it follows.

Run after changing an English notebook:   python tools/editions.py, then execute_notebooks.py
Start a translation:                      python tools/editions.py --new 03-make-your-first-call.ipynb
Check without writing (tests do):         python tools/editions.py --check
Only some notebooks:                      python tools/editions.py 03-make-your-first-call.ipynb
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EDITIONS = {"zh": NOTEBOOKS / "zh"}
MARK = "<!--NAVIGATION-->"


def english() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def rebuilt(source, translation) -> tuple[object, list[str]]:
    """The translated notebook rebuilt on the English one; and the ids of cells still untranslated."""
    text = {c.get("id"): c for c in translation.cells if c.cell_type == "markdown"}
    ran = {c.get("id"): c for c in translation.cells if c.cell_type == "code"}
    out, untranslated = copy.deepcopy(source), []
    for cell in out.cells:  # the code is English; what it printed in this edition stays this edition's
        if cell.cell_type == "code" and cell.get("id") in ran:
            own = ran[cell.get("id")]
            cell.outputs, cell.execution_count = copy.deepcopy(own.get("outputs", [])), own.get("execution_count")
            cell.metadata.pop("execution", None)  # when the English ran; this edition's run has its own times
            if "execution" in own.metadata:
                cell.metadata["execution"] = copy.deepcopy(own.metadata["execution"])
    for i, cell in enumerate(out.cells):
        if cell.cell_type != "markdown" or cell.source.startswith(MARK):
            continue  # code is the English code; navigation is written by tools/add_navigation.py
        mine = text.get(cell.get("id"))
        if mine is None or mine.source == cell.source:
            untranslated.append(cell.get("id"))
        if mine is not None:
            out.cells[i] = copy.deepcopy(mine)
    _insert_own_cells(out, translation)
    nav = [c for c in translation.cells if c.cell_type == "markdown" and c.source.startswith(MARK)]
    for i, cell in enumerate(out.cells):  # keep the edition's own navigation until add_navigation runs
        if cell.cell_type == "markdown" and cell.source.startswith(MARK) and nav:
            out.cells[i] = copy.deepcopy(nav[0] if i == 0 else nav[-1])
    return out, untranslated


def _insert_own_cells(out, translation) -> None:
    """Keep the edition's own text cells (ids starting "zh-"), each after the cell it followed."""
    previous = None
    for cell in translation.cells:
        if cell.cell_type == "markdown" and str(cell.get("id", "")).startswith("zh-"):
            ids = [c.get("id") for c in out.cells]
            where = ids.index(previous) + 1 if previous in ids else len(out.cells) - 1
            out.cells.insert(where, copy.deepcopy(cell))
        previous = cell.get("id")


def sync(path: Path, folder: Path, check: bool) -> tuple[bool, list[str]]:
    target = folder / path.name
    source = nbformat.read(path, as_version=4)
    new, untranslated = rebuilt(source, nbformat.read(target, as_version=4))
    before, after = target.read_text(encoding="utf-8"), nbformat.writes(new) + "\n"
    if before != after and not check:
        target.write_text(after, encoding="utf-8")
    return before != after, untranslated


def main(argv: list[str]) -> int:
    check = "--check" in argv
    if "--new" in argv:
        for name in argv[argv.index("--new") + 1:]:
            for folder in EDITIONS.values():
                folder.mkdir(exist_ok=True)
                if not (folder / name).exists():
                    (folder / name).write_bytes((NOTEBOOKS / name).read_bytes())
                    print(f"{folder.name}/{name}: copied from English; now translate its markdown cells")
        return 0
    problems, only = [], {name for name in argv if name.endswith(".ipynb")}
    for folder in EDITIONS.values():
        for path in english():
            if only and path.name not in only:
                continue
            if not (folder / path.name).exists():
                problems.append(f"{folder.name}/{path.name} is missing (python tools/editions.py --new {path.name})")
                continue
            stale, untranslated = sync(path, folder, check)
            if stale and check:
                problems.append(f"{folder.name}/{path.name} differs from the English code")
            if untranslated:
                problems.append(f"{folder.name}/{path.name}: untranslated cells {untranslated}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
