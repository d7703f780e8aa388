"""The canary sweep: run the course with a canary key live, then look everywhere for it.

A canary is a real, working key that exists only for this run. The notebooks that handle
keys, make calls and report errors run with it as ``OPENAI_API_KEY`` (and a canary
platform secret beside it), and so does the command line. Then every notebook output,
every file they wrote (logs, SQLite, saved conversations), and everything the commands
printed is searched for the canary or any 12-character piece of it. Any hit fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from chatkit.config import SETTING_NAMES
from chatkit.sandbox.store import Store

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SWEPT = ["02-set-up-your-api-key.ipynb", "03-make-your-first-call.ipynb", "07-handle-errors-limits-and-logs.ipynb"]
PLATFORM_SECRET = "lanying-canary-" + "Qx7fR2mZpL9wK4tB" * 2
PIECE = 12


def pieces(secret: str) -> set[str]:
    return {secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1)}


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The 12-character pieces of any secret found in ``text``."""
    return sorted(piece for secret in secrets for piece in pieces(secret) if piece in text)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Run the swept notebooks and commands with the canary; return what they left behind."""
    root = tmp_path_factory.mktemp("canary")
    data, work, temp = root / "data", root / "work", root / "tmp"
    for folder in (data, work, temp):
        folder.mkdir()
    canary, info = Store(data).create_key("canary")
    env = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    env.update(CHATKIT_BACKEND="sandbox", CHATKIT_DATA_DIR=str(data), OPENAI_API_KEY=canary, TMPDIR=str(temp),
               LANYING_APP_SECRET=PLATFORM_SECRET)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        outputs = {name: _run_notebook(NOTEBOOKS / name, work) for name in SWEPT}
        printed = _run_commands(work, env)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"secrets": [canary, PLATFORM_SECRET], "key_id": info.id, "data": data, "outputs": outputs,
            "printed": printed, "files": [p for folder in (data, work, temp) for p in folder.rglob("*") if p.is_file()]}


def _run_notebook(path: Path, work: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    nbformat.write(nb, work / path.name)
    return "\n".join(nbformat.writes(nb).splitlines())


def _run_commands(work: Path, env: dict) -> str:
    (work / "prompts.jsonl").write_text('{"prompt": "Say hi."}\n{"prompt": "Hi", "temperature": 5}\n')
    commands = [["doctor"], ["keys", "list"], ["batch", "prompts.jsonl", "--out", "answers.jsonl"]]
    printed = []
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "chatkit", *command], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
        printed.append(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return "\n".join(printed)


def test_the_canary_was_really_used(sweep):
    """A sweep in which the key was never sent proves nothing."""
    usage = Store(sweep["data"]).usage(sweep["key_id"])
    assert sum(row["requests"] for row in usage) >= 10


@pytest.mark.parametrize("name", SWEPT)
def test_no_notebook_output_holds_it(sweep, name):
    assert not leaks(sweep["outputs"][name], sweep["secrets"])


def test_nothing_the_commands_printed_holds_it(sweep):
    assert "✓ Test call" in sweep["printed"] or "Test call" in sweep["printed"]
    assert not leaks(sweep["printed"], sweep["secrets"])


def test_no_file_written_holds_it(sweep):
    found = {}
    for path in sweep["files"]:
        text = path.read_bytes().decode("utf-8", "replace")
        if leaks(text, sweep["secrets"]):
            found[path.name] = leaks(text, sweep["secrets"])[:2]
    assert not found, f"the canary is in {found}"
    assert any(p.suffix == ".sqlite3" or p.name.endswith(".db") for p in sweep["files"])  # the store was searched
    assert any(p.name == "calls.jsonl" for p in sweep["files"])  # and notebook 07's call log


def test_the_sweep_finds_a_piece_of_a_secret():
    secret = "sk-sandbox-" + "AbCdEfGhIjKlMnOp" * 3
    assert leaks(f"log: key={secret[20:33]}…", [secret])
    assert not leaks("key=sk-sandbox-…MnOp", [secret])
