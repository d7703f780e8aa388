"""The table of which notebook runs on which provider is computed, and a stale one fails the suite.

tools/provider_table.py reads the endpoints each notebook's code calls and the endpoints each
preset offers (chatkit/providers.json), and writes the table into README.md and notebook 01.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from chatkit.providers import presets

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("provider_table", ROOT / "tools" / "provider_table.py")
provider_table = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(provider_table)


def test_the_tables_in_the_readme_and_notebook_01_are_current():
    done = subprocess.run([sys.executable, "tools/provider_table.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_notebook_needs_the_endpoints_its_code_calls():
    needed = provider_table.needs("en")
    assert list(needed) == [f"{n:02}" for n in range(11)]
    assert "responses" in needed["03"] and "batch" in needed["06"] and "embeddings" in needed["09"]
    assert "The Batch API" in needed["06"]["batch"]  # the section that calls it, by its heading


def test_a_changed_preset_makes_the_table_stale(monkeypatch):
    assert "| Moonshot Kimi | ✗ a |" in provider_table.render("en")
    monkeypatch.setitem(presets()["moonshot"].offers, "responses", True)
    assert "| Moonshot Kimi | ✓ |" in provider_table.render("en")
    assert provider_table.update(ROOT / "README.md", "en", write=False)  # --check would fail


def test_the_chinese_table_speaks_chinese_and_lists_mainland_providers_first():
    rows = [line.split(" | ")[0].lstrip("| ") for line in provider_table.render("zh").splitlines()[2:16]]
    assert rows[0] == "沙盒（离线，不用密钥）"
    mainland = [p.title for p in presets().values() if p.mainland]
    assert rows[1:1 + len(mainland)] == mainland
    assert "改用 client.chat.completions.create" in provider_table.render("zh")


def cell(table: str, provider: str, notebook: str) -> str:
    """The mark in ``provider``'s row under ``notebook``'s column: "✓", "✗ e", "? a"..."""
    lines = table.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    row = next(line for line in lines if line.startswith(f"| {provider} |"))
    return [c.strip() for c in row.strip("|").split("|")][header.index(notebook)]


def test_notebook_05_stops_on_deepseek_whose_responses_api_keeps_nothing():
    # 05 chains a request on the last with previous_response_id: a server that stores no response cannot serve it.
    assert "stored_responses" in provider_table.needs("en")["05"]
    english, chinese = provider_table.render("en"), provider_table.render("zh")
    assert cell(english, "DeepSeek", "05") == "✗ e" and cell(chinese, "DeepSeek", "05") == "✗ e"
    assert cell(english, "OpenAI", "05") == "✓" and cell(english, "Sandbox (offline, no key)", "05") == "✓"
    assert "- **e** stored responses (previous_response_id), in notebooks 05 (Let the server remember" in english
    assert "- **e** 响应存储（previous_response_id），用在笔记本 05（" in chinese
