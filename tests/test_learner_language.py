"""Everything chatkit prints to a learner follows CHATKIT_LANG: here, Chinese.

backend_info(), simulate(), verify(), the doctor's table, the command line's tables, the widgets'
labels and buttons, the bot's replies, the local chat platform and a trimmed conversation. The
English of each is checked by its own module's tests.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import httpx
import openai
import pytest

import chatkit
from chatkit import sandbox
from chatkit.__main__ import main
from chatkit.bot import Bot, Shop
from chatkit.bot.delivery import Apology
from chatkit.bubbles import render
from chatkit.conversation import Trim
from chatkit.display import columns
from chatkit.doctor import Check, Report, diagnose
from chatkit.im import LocalPlatform
from chatkit.verify import verify
from chatkit.widgets import ChatWindow, Compare, KeyEntry, KeysPanel, Playground, TokenProbabilities
from chatkit.widgets.logprobs import bars
from playground_support import make_client
from support import client_for


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")


def test_backend_info():
    text = str(chatkit.backend_info())
    assert text.startswith("后端：sandbox（运行在本机的沙盒，不需要密钥）\nbase URL：http://127.0.0.1:")
    assert "\n默认模型：" in text and re.search(r"\n密钥：sk-sandbox-…[\w-]{4}（沙盒为本次会话生成）$", text)


def test_what_the_sandbox_simulates():
    try:
        assert sandbox.simulate(latency_ms=1) == "已在沙盒上模拟 latency_ms=1，其他限制都已关闭。"
    finally:
        assert sandbox.simulate() == "沙盒上的限制已全部关闭，没有模拟任何限制。"


def test_verify(scripted):
    works = str(verify(client_for(scripted)))
    assert re.fullmatch(r"✓ 密钥 sk-sandbox-…[\w-]{4} 可以使用，服务器 http://127\.0\.0\.1:\d+/v1/ 上有 \d+ 个模型。",
                        works)
    wrong = openai.OpenAI(api_key="sk-sandbox-" + "x" * 30, base_url=scripted.base_url, max_retries=0)
    what, fix = str(verify(wrong)).split("\n")
    assert what.startswith("✗ 服务器拒绝了密钥 sk-sandbox-…xxxx（401 invalid_api_key）：")
    assert fix.startswith("  解决办法：重新复制一次密钥")


def test_the_doctors_table():
    report = diagnose(call=False)
    text = str(report)
    assert "✓ 后端" in text and "沙盒（离线运行在这台电脑上）" in text and text.endswith("项检查全部通过。")
    assert "<th style=\"text-align:left\">检查项</th>" in report._repr_html_()
    failed = Report([Check("Python", True, "3.11"), Check("API 密钥", False, "sk-…1234", "重新复制。")])
    assert str(failed).splitlines() == ["✓ Python    3.11", "✗ API 密钥  sk-…1234", "            解决办法：重新复制。",
                                        "2 项检查中有 1 项没有通过。按各项的解决办法处理后，再运行一次 doctor。"]
    assert "<b>解决办法：</b>重新复制。" in failed._repr_html_()


def test_the_command_lines_tables(capsys, tmp_path):
    assert main(["keys", "list", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{tmp_path} 里还没有密钥。运行 python -m chatkit keys create 可以创建一个。\n"
    assert main(["keys", "create", "--data-dir", str(tmp_path), "--name", "笔记本电脑"]) == 0
    created = capsys.readouterr().out
    assert "现在就复制它，它不会再显示了" in created
    key_id = re.search(r"key_[0-9a-f]{16}", created).group(0)
    assert main(["keys", "revoke", key_id, "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"已吊销 {key_id}（“笔记本电脑”，sk-sandbox-…")
    main(["keys", "list", "--data-dir", str(tmp_path)])
    head, row = capsys.readouterr().out.splitlines()[1:]
    assert head.split() == ["ID", "名称", "密钥", "创建时间", "状态"] and row.endswith("已吊销")
    # the columns line up on screen, where a Chinese character is two columns wide
    assert columns(head[:head.index("密钥")]) == columns(row[:row.index("sk-sandbox-")])


def test_the_widgets_labels(scripted, tmp_path):
    client = make_client(scripted)
    chat = ChatWindow(client)
    assert [chat.send_button.description, chat.stop_button.description, chat.clear_button.description] == \
           ["发送", "停止", "清空"]
    assert chat.input.placeholder == "输入消息，按回车发送" and chat.system_panel.titles == ("系统提示词",)
    playground = Playground(client, auto_run=False)
    assert (playground.run_button.description, playground.seed.placeholder) == ("运行", "留空表示随机")
    assert Compare(client).run_button.description == "全部运行"
    assert TokenProbabilities(client).run_button.description == "显示概率"
    assert "模型原本的概率（T=1）" in bars([("Paris", 0.0, 0.0)], 0.5)
    panel = KeysPanel(scripted)
    assert (panel.name.description, panel.name.value, panel.create_button.description) == \
           ("名称", "我的第一个密钥", "创建密钥")
    panel.create("笔记本电脑")
    assert panel.table.children[0].value == "<b>你的沙盒密钥</b>"
    assert "创建于" in panel.table.children[1].children[0].value
    entry = KeyEntry(tmp_path / ".env")
    assert (entry.provider.description, entry.field.description, entry.save_button.description) == \
           ("服务商", "API 密钥", "保存到 .env")


def test_the_bots_reset_and_apology():
    bot = Bot(None, Shop.example(), model="m")
    assert bot.reply("ada", "/reset") == "好的，我已经忘掉了我们之前的对话。有什么可以帮你的吗？"
    assert str(Apology()) == "抱歉，我现在没法回答，请过几分钟再试。"


def test_the_local_chat_platforms_errors():
    with LocalPlatform.start() as im, httpx.Client(timeout=5, trust_env=False) as http:
        empty = http.post(im.url + "api/messages", json={"from": "8589934610", "text": " "})
        assert (empty.status_code, empty.json()["message"]) == (400, "消息是空的，请输入一些文字。")
        unauthorized = http.post(im.url.rstrip("/") + "/message/send", json={})
        assert unauthorized.json()["message"].startswith("未授权，缺少请求头 app_id 和 access-token。")
        sent = http.post(im.url + "api/messages", json={"from": "8589934610", "text": "你好"}).json()
        assert im.store.get(sent["id"])["delivery"]["reason"].startswith("没有连接机器人，所以消息没有送出。")



def test_a_trimmed_conversation():
    trim = Trim("drop", budget=40, tokens_before=60, tokens_after=30, removed=[{}, {}])
    assert str(trim) == "为了不超出 40 个 token，删掉了最早的 2 条消息，token 数从 60 降到 30。"
    conv = SimpleNamespace(instructions="Be brief.", trims=[trim], strategy="drop", budget=40, summary=None,
                           turns=[{"role": "user", "content": "Hi"}], model="m", count=lambda: 12)
    shown = render(conv)
    assert "<b>指令：</b>" in shown and "为了不超出 40 个 token，省去了 2 条较早的消息。" in shown
    assert "1 条消息，下次发送 12 个 token（m）" in shown
