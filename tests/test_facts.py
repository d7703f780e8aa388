"""Dated facts about models live in one place: every model a course text names is in the tables.

The course names models in its notebooks (both editions), the README and chatkit's code.
Each must appear in chatkit/prices.json (OpenAI's models, with prices, efforts and shutdown
days), chatkit/providers.json (other providers' models, local ones) or chatkit/hub/catalogue.json
(the models ``python -m chatkit models pull`` downloads), all dated and sourced. And no text may
recommend a model that is retired on the tables' date: where such a model is named, the same
paragraph must say it is gone.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from chatkit import hub, providers, tokens

ROOT = Path(__file__).resolve().parent.parent
# Model ids as the course writes them: OpenAI's families, the Chinese providers', embeddings, local models.
MODEL_ID = re.compile(
    r"(?<![\w./-])((?:gpt-\d[\w.]*(?:-[a-z0-9]+)*|o[134](?:-mini|-pro)?|davinci-codex|text-davinci-\d+"
    r"|text-embedding-[\w-]+|omni-moderation-[\w-]+|deepseek-[a-z0-9][\w.-]*|qwen[\d.][\w.:-]*|qwen-[\w.-]+"
    r"|glm-[\w.-]+|kimi-[\w.-]+|moonshot-v1-\w+|ernie-[\w.-]+|doubao-[\w.-]+|hunyuan-[\w.-]+|smollm2-[\w.-]+))"
    r"(?![\w-])")
# Words that say a model is gone, in either edition.
GONE = re.compile(r"retire|shut|no longer|gone|replac|退役|下线|停用|关停|不再|已停|淘汰|替代|取代")


def texts() -> dict[str, str]:
    """Every course text by name: notebook cells (both editions), the README, and chatkit's code."""
    found = {"README.md": (ROOT / "README.md").read_text(encoding="utf-8")}
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            found[f"{path.relative_to(ROOT)}#{i}:{cell['cell_type']}"] = "".join(cell["source"])
    for path in sorted((ROOT / "chatkit").rglob("*.py")):
        if path.name != "tokens.py":  # its table maps name prefixes ("gpt-4", "o1") to tokenizers
            found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return found


def named(text: str) -> set[str]:
    return {m.rstrip(".-:") for m in MODEL_ID.findall(text)}


def known() -> tuple[dict, str]:
    """OpenAI's models (priced or retired), and the providers' table as text to find the others in."""
    table = tokens.price_table()
    return {**table["retired"]["models"], **table["models"]}, json.dumps(providers.table(), ensure_ascii=False)


def in_tables(model: str, openai_models: dict, others: str) -> bool:
    return (tokens.model_facts(model) is not None or model in openai_models or model in hub.catalogue()
            or re.search(rf"(?<![\w.-]){re.escape(model)}(?![\w-])", others) is not None)


def test_every_model_the_course_names_is_in_a_dated_table():
    openai_models, others = known()
    missing = sorted({f"{model} ({where})" for where, text in texts().items() for model in named(text)
                      if not in_tables(model, openai_models, others)})
    assert not missing, ("add these to chatkit/prices.json, providers.json or hub/catalogue.json, with a source:\n"
                         + "\n".join(missing))


def test_the_tables_are_dated_and_sourced():
    table = tokens.price_table()
    for date in (table["date"], providers.table()["checked"], *(e.checked for e in hub.catalogue().values())):
        datetime.date.fromisoformat(date)
    assert all(e.sources and all(s.startswith("https://") for s in e.sources) for e in hub.catalogue().values())
    assert table["source"].startswith("https://") and table["retired"]["source"].startswith("https://")


def retired_on(day: datetime.date) -> set[str]:
    openai_models, _ = known()
    return {m for m, facts in openai_models.items()
            if facts.get("shutdown") and datetime.date.fromisoformat(facts["shutdown"]) <= day}


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n|\n\s*[-*|] ", text) if p.strip()]


def test_no_text_recommends_a_model_retired_on_the_tables_date():
    day = datetime.date.fromisoformat(tokens.price_table()["date"])
    gone = retired_on(day)
    assert {"davinci-codex", "gpt-3.5-turbo-instruct", "gpt-4.1-nano"} <= gone  # the check has something to check
    bad = [f"{where}: {p.strip()[:120]!r}" for where, text in texts().items() if where.endswith((":markdown", ".md"))
           for p in paragraphs(text) if named(p) & gone and not GONE.search(p)]
    code = [f"{where}: {model}" for where, text in texts().items() if where.endswith(":code")
            for model in named(text) & gone]
    assert not bad + code, "a retired model is named without saying it is gone:\n" + "\n".join(bad + code)


@pytest.mark.parametrize("text, found", [
    ("Use `gpt-6-luna` or gpt-4.1-mini-2025-04-14.", {"gpt-6-luna", "gpt-4.1-mini-2025-04-14"}),
    ("ollama pull qwen2.5:0.5b; DeepSeek's deepseek-flash, Kimi's kimi-k3.",
     {"qwen2.5:0.5b", "deepseek-flash", "kimi-k3"}),
    ("see notebooks/03-make-your-first-call.ipynb and qwen", set()),
])
def test_the_pattern_finds_model_ids_and_only_them(text, found):
    assert named(text) == found


def test_an_unknown_model_and_an_unmarked_retired_one_would_fail():
    openai_models, others = known()
    assert not in_tables("gpt-7-nova", openai_models, others)
    assert in_tables("gpt-4.1-mini-2025-04-14", openai_models, others) and in_tables("kimi-k2.6", openai_models, others)
    unmarked = "For cheap experiments, try gpt-4.1-nano."
    assert named(unmarked) & retired_on(datetime.date(2026, 12, 6)) and not GONE.search(unmarked)
