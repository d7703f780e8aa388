"""One word per concept in the Chinese edition, written down once.

GLOSSARY is the course's terminology. zh/00's glossary cell (术语表) shows it to the reader, and a
test keeps the two in step; chatkit/messages/zh.py points here. The other tests read every text cell
of notebooks/zh/ and every message of the Chinese catalogue, and fail on a variant the glossary rules
out, on a quotation style other than “”, and on an English gloss written twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from chatkit.messages.zh import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
ZH = sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]-*.ipynb"))
GLOSSARY_CELL = ("00-start-here.ipynb", "zh-glossary")

GLOSSARY = {  # the English term -> the one Chinese word the course writes for it
    "token": "token",
    "prompt": "提示词",
    "system prompt": "系统提示词",
    "role": "角色",
    "API key": "API 密钥",
    "revoke": "吊销",
    "mask": "遮盖",
    "sandbox": "沙盒",
    "setup cell": "准备单元格",
    "base URL": "base URL",
    "streaming": "流式输出",
    "tokenizer": "分词器",
    "context window": "上下文窗口",
    "rate limit": "速率限制",
    "quota": "配额",
    "retry": "重试",
    "temperature": "温度",
    "reasoning model": "推理模型",
    "reasoning effort": "推理强度",
    "reasoning tokens": "推理 token",
    "sampling settings": "采样参数",
    "spend limit": "支出上限",  # on the provider's platform
    "spending cap": "花费上限",  # chatkit.Budget, in code
    "concurrent runner": "并发运行器",
    "structured outputs": "结构化输出",
    "tool calling": "工具调用",
    "embedding": "嵌入",
    "moderation": "内容审核",
}

BANNED = {  # a variant -> what the glossary writes instead
    r"(?<!访问)(?<!管理员)令牌": "token（LLM 的 token 不译；只有认证用的才叫访问令牌、管理员令牌）",
    r"撤销": "吊销",
    r"打码|掩码": "遮盖",
    r"执行器": "并发运行器",
    r"(?:设置|配置|初始化)单元格": "准备单元格",
    r"基础地址|基础 ?URL|基地址|基址": "base URL",
    r"推理(?:力度|努力|程度)|思考强度": "推理强度",
    r"推理令牌": "推理 token",
    r"采样(?:设置|设定|选项)": "采样参数",
    r"(?:消费|开支|花费|支出)限额|(?:消费|开支|费用)上限": "支出上限（平台）或花费上限（chatkit.Budget）",
    r"沙箱": "沙盒",
    r"提示语": "提示词",
    r"课堂": "班级（班级网关、班级密钥、加入班级：classroom 的一个班）",
    r"[「」『』]": "“”",
}

CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
LITERAL_BRACES = re.compile(r"\{\{.*?\}\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
GLOSS = re.compile(r"[\u4e00-\u9fff]（([A-Za-z][A-Za-z \-]*[a-z][A-Za-z \-]*)）")


def prose(text: str) -> str:
    return CODE.sub("", text)


def text_cells():
    for path in ZH:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown" and not cell.source.startswith("<!--NAVIGATION-->"):
                yield path.name, cell.get("id"), cell.source


def texts():
    """Every Chinese text the course shows: notebook text cells, then catalogue messages."""
    for name, cell, source in text_cells():
        yield f"zh/{name} [{cell}]", prose(source)
    for key, message in MESSAGES.items():
        yield f"zh.py {key}", LITERAL_BRACES.sub("", message)  # {{…}} is a JSON example: code, not prose


def violations(pattern: str) -> list[str]:
    found = []
    for where, text in texts():
        for match in re.finditer(pattern, text):
            around = text[max(0, match.start() - 15):match.end() + 15].replace("\n", " ")
            found.append(f"{where}: …{around}…")
    return found


@pytest.mark.parametrize("pattern", BANNED, ids=list(BANNED.values()))
def test_no_banned_variant(pattern):
    found = violations(pattern)
    assert not found, f"write {BANNED[pattern]}:\n" + "\n".join(found)


def test_chinese_is_quoted_with_full_width_quotes():
    found = []
    for where, text in texts():
        quoted = text.split('"')[1::2]  # straight quotes pair up in order: "English" is fine, "中文" is not
        found += [f'{where}: "{inside}"' for inside in quoted if HAN.search(inside)]
    assert not found, "quote Chinese with “”:\n" + "\n".join(found)


def test_the_glossary_cell_lists_every_term():
    name, cell_id = GLOSSARY_CELL
    cells = [source for n, c, source in text_cells() if (n, c) == (name, cell_id)]
    assert cells, f"zh/{name} has no cell {cell_id!r}: the course's 术语表"
    rows = {tuple(part.strip().strip("`") for part in line.strip("|").split("|")[:2])
            for line in cells[0].splitlines() if line.startswith("|")}
    missing = [(en, zh) for en, zh in GLOSSARY.items() if (en, zh) not in rows]
    assert not missing, f"add these rows to the glossary in zh/{name}: {missing}"


def test_an_english_gloss_is_written_once_in_the_course():
    glossed = defaultdict(list)
    for name, cell, source in text_cells():
        for match in GLOSS.finditer(prose(source)):
            glossed[match.group(1).lower()].append(f"zh/{name} [{cell}]")
    terms = {en.lower() for en in GLOSSARY}
    again = {en: where for en, where in glossed.items() if len(where) > 1 or en in terms}
    assert not again, ("the glossary in zh/00 glosses these; other terms are glossed once, at first use:\n"
                       + "\n".join(f"{en}: {where}" for en, where in sorted(again.items())))
