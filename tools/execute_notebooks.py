"""Run the notebooks on the sandbox and store their outputs, ready to commit.

Run after changing a notebook:   python tools/execute_notebooks.py
Only some notebooks:             python tools/execute_notebooks.py 03-make-your-first-call.ipynb \
                                     zh/03-make-your-first-call.ipynb

The kernel gets CHATKIT_BACKEND=sandbox, a new empty data folder and no OPENAI_*
settings, so stored outputs come from the sandbox and never from a real key. After
running, it merges printed text into one output per cell, and removes what must not
be committed: widget state and widget views (they only work in a live kernel), and
the outputs of cells tagged ``remove-output`` (for example the doctor's table, which
shows folders of this computer).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from chatkit.config import force_sandbox

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def sandbox_environment() -> None:
    """Point kernels started from this process at the sandbox, with a fresh data folder."""
    force_sandbox("chatkit-notebooks-")


def clean(nb) -> None:
    """Merge printed text, drop widget state, widget views and the outputs of cells tagged remove-output."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "remove-output" in cell.metadata.get("tags", []):
            cell.outputs = []
        cell.outputs = merge_streams(out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {}))


def merge_streams(outputs) -> list:
    """One output per run of printed text: a streamed answer arrives in many small pieces."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if out.output_type == "stream" and last and last.output_type == "stream" and last.name == out.name:
            last.text += out.text
        else:
            merged.append(out)
    return merged


def output_size(nb) -> int:
    """Characters of stored output in the notebook."""
    return sum(len(json.dumps(cell.get("outputs", []))) for cell in nb.cells)


def execute(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    clean(nb)
    nbformat.write(nb, path)
    return output_size(nb)


def main(argv: list[str]) -> int:
    # Both editions by default: a Chinese notebook runs in notebooks/zh/, so chatkit speaks Chinese there.
    paths = [NOTEBOOKS / name for name in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) + sorted(
        NOTEBOOKS.glob("zh/[0-9][0-9]-*.ipynb"))
    sandbox_environment()
    for path in paths:
        print(f"{path.relative_to(NOTEBOOKS)}: {execute(path):,} characters of output", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
