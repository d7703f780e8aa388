"""Write the navigation cells of every notebook: a header and a footer with links.

Both editions: notebooks/ (English) and notebooks/zh/ (Chinese), each linking to its twin.

Run after adding or renaming a notebook:  python tools/add_navigation.py
Check without writing (CI does):          python tools/add_navigation.py --check
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MARK = "<!--NAVIGATION-->"
INDEX = "00-start-here.ipynb"
# Each edition: its folder, the word for the contents, and the link to the other edition.
EDITIONS = [(NOTEBOOKS, "Contents", "中文版", "zh/{name}"), (NOTEBOOKS / "zh", "目录", "English", "../{name}")]


def title(path: Path) -> str:
    """The notebook's H1, without the '# '."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if cell.cell_type == "markdown" and line.startswith("# "):
                return line[2:].strip()
    return path.stem


def navigation(paths: list[Path], i: int, contents: str = "Contents", twin: str = "", twin_link: str = "") -> str:
    links = []
    if i > 0:
        links.append(f"< [{title(paths[i - 1])}]({paths[i - 1].name})")
    links.append(f"[{contents}]({INDEX})")
    if i + 1 < len(paths):
        links.append(f"[{title(paths[i + 1])}]({paths[i + 1].name}) >")
    other = (paths[i].parent / twin_link.format(name=paths[i].name)) if twin_link else None
    if other is not None and other.resolve().is_file():
        links.append(f"[{twin}]({twin_link.format(name=paths[i].name)})")
    return f"{MARK}\n" + " | ".join(links)


def with_navigation(nb, nav: str):
    cells = [c for c in nb.cells if not (c.cell_type == "markdown" and c.source.startswith(MARK))]
    nb.cells = [nbformat.v4.new_markdown_cell(nav)] + cells + [nbformat.v4.new_markdown_cell(nav)]
    for cell in (nb.cells[0], nb.cells[-1]):
        cell.pop("id", None)
        cell["id"] = "navigation-top" if cell is nb.cells[0] else "navigation-bottom"
    return nb


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale, count = [], 0
    for folder, contents, twin, twin_link in EDITIONS:
        paths = sorted(folder.glob("[0-9][0-9]-*.ipynb"))
        count += len(paths)
        for i, path in enumerate(paths):
            nb = nbformat.read(path, as_version=4)
            before = nbformat.writes(nb)
            after = nbformat.writes(with_navigation(nb, navigation(paths, i, contents, twin, twin_link)))
            if before != after:
                stale.append(str(path.relative_to(NOTEBOOKS)))
                if not check:
                    path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
    if check and stale:
        print(f"Navigation is out of date in: {', '.join(stale)}. Run: python tools/add_navigation.py")
        return 1
    verb = "Checked" if check else f"Updated {len(stale)} of"
    print(f"{verb} {count} notebooks.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
