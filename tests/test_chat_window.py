"""The chat window without a browser: typed into and clicked inside a real IPython shell.

Against the scripted sandbox over real HTTP. Its engine answers one word per token and,
with ``delay``, waits before each word, so a reply can be watched while it streams and
stopped half-way. Keys and Enter arrive as the comm messages a browser sends.
"""

from __future__ import annotations

import openai
import pytest

from chatkit import tokens
from chatkit.bot import Bot, Shop
from chatkit.conversation import CUT, Conversation
from chatkit.errors import ChatkitError
from chatkit.widgets import ChatWindow
from playground_support import make_client, status
from support import client_for, wait_until
from test_keys_widgets import quiet, shell  # noqa: F401 - the real IPython shell fixture

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


def type_into(box, text: str) -> None:
    """What the browser sends while the learner types (the box syncs its value as it changes)."""
    box._handle_msg({"content": {"data": {"method": "update", "state": {"value": text}}}, "buffers": []})


def press_enter(box) -> None:
    """What the browser sends when the learner presses Enter in the box."""
    box._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "submit"}}}, "buffers": []})


def note(chat: ChatWindow, index: int = -1) -> str:
    """The small line under a bubble (tokens and cost under a reply), as HTML."""
    value = chat.log.children[index].value
    return value.split("class='chatkit-turn'", 1)[1] if "chatkit-turn" in value else ""


@pytest.fixture
def slow(scripted, monkeypatch):
    """The scripted sandbox, writing one word every 20 ms."""
    monkeypatch.setattr(scripted.engine, "delay", 0.02)
    return scripted


@pytest.fixture
def generations(scripted, monkeypatch):
    """Every Generation the engine starts: ``cancel`` and ``finish_reason`` show what the server did."""
    started, original = [], scripted.engine.generate

    def recording(prompt, sampling, cancel=None):
        started.append(original(prompt, sampling, cancel))
        return started[-1]

    monkeypatch.setattr(scripted.engine, "generate", recording)
    return started


def test_enter_sends_and_the_reply_streams_in_word_by_word(shell, capsys, slow):
    slow.engine.enqueue("Tea is a drink made from leaves.")
    chat = ChatWindow(make_client(slow))
    type_into(chat.input, "What is tea?")
    press_enter(chat.input)
    assert chat.input.value == "" and chat.running  # Enter returned while the model writes
    reply = chat.log.children[-1]
    shown = []
    reply.observe(lambda change: shown.append(change.new), "value")
    assert chat.wait(10)
    quiet(shell, capsys)
    assert chat.messages == [user("What is tea?"), assistant("Tea is a drink made from leaves.")]
    assert slow.engine.history == [[SYSTEM, user("What is tea?")]]
    growing = [text for text in shown if "chatkit-turn" not in text]
    assert len(growing) >= 7, "the reply did not arrive word by word"
    assert "Tea is a drink" in growing[3] and "leaves" not in growing[3]
    assert "chatkit-bubble-user" in chat.log.children[0]._dom_classes
    assert "chatkit-bubble-assistant" in reply._dom_classes


def test_enter_on_an_empty_box_sends_nothing(shell, capsys, scripted):
    chat = ChatWindow(make_client(scripted))
    type_into(chat.input, "   ")
    press_enter(chat.input)
    quiet(shell, capsys)
    assert chat.messages == [] and scripted.engine.history == [] and not chat.running


def test_the_send_button_sends_the_box(shell, capsys, scripted):
    chat = ChatWindow(make_client(scripted))
    type_into(chat.input, "Hello")
    chat.send_button.click()
    assert chat.wait(10)
    quiet(shell, capsys)
    assert chat.messages == [user("Hello"), assistant("OK")] and chat.input.value == ""


def test_each_message_carries_the_conversation_and_clear_forgets_it(shell, capsys, scripted):
    scripted.engine.enqueue("Hi Ada.", "Your name is Ada.", "I do not know.")
    chat = ChatWindow(make_client(scripted), system="Be brief.")
    for text in ("My name is Ada.", "What is my name?"):
        chat.send(text)
        assert chat.wait(10)
    brief = {"role": "system", "content": "Be brief."}
    assert scripted.engine.history[-1] == [brief, user("My name is Ada."), assistant("Hi Ada."),
                                           user("What is my name?")]
    chat.clear_button.click()
    assert chat.messages == [] and chat.log.children == () and chat.last_turn is None
    assert "Cleared" in status(chat)
    chat.send("What is my name?")
    assert chat.wait(10)
    quiet(shell, capsys)
    assert scripted.engine.history[-1] == [brief, user("What is my name?")]
    assert chat.history.turns == [user("What is my name?"), assistant("I do not know.")]


def test_the_system_prompt_is_in_a_collapsed_panel_and_edits_apply_to_the_next_message(scripted):
    chat = ChatWindow(make_client(scripted))
    assert chat.system_panel.children == (chat.system,) and chat.system_panel.selected_index is None
    assert chat.system_panel.titles == ("System prompt",) and not chat.system.disabled
    assert chat.history.messages == [SYSTEM]  # what the first request would carry
    chat.system.value = "Answer like a pirate."
    chat.send("Hi")
    assert chat.wait(10)
    assert scripted.engine.history[-1][0] == {"role": "system", "content": "Answer like a pirate."}


def test_stop_closes_the_stream_and_keeps_the_part_shown(shell, capsys, slow, generations):
    slow.engine.enqueue("word " * 300, "Going on.")
    chat = ChatWindow(make_client(slow))
    chat.send("Tell me a long story.")
    assert not chat.stop_button.disabled
    wait_until(lambda: chat.messages[-1]["content"].count("word") >= 3, "the reply to stream")
    chat.stop_button.click()
    assert chat.wait(10)
    quiet(shell, capsys)
    [generation] = generations
    wait_until(lambda: generation.finish_reason == "cancelled", "the server to stop generating", 5)
    assert generation.cancel.is_set() and generation.tokens < 300
    shown = chat.messages[-1]["content"]
    assert shown.endswith(CUT) and 3 <= shown.count("word") < 300
    assert chat.last_turn.stopped and chat.stop_button.disabled
    assert "Stopped" in status(chat) and "stopped" in note(chat)
    assert chat.history.turns == [user("Tell me a long story."), assistant(shown)]
    chat.send("Go on.")  # the model sees where it was cut off
    assert chat.wait(10)
    assert slow.engine.history[-1][-2:] == [assistant(shown), user("Go on.")]


def test_clear_while_a_reply_streams_drops_it(slow, generations):
    slow.engine.enqueue("word " * 300, "Fresh.")
    chat = ChatWindow(make_client(slow))
    chat.send("Tell me a long story.")
    wait_until(lambda: "word" in chat.messages[-1]["content"], "the reply to stream")
    chat.clear()
    chat.send("Hello again.")
    assert chat.wait(10)
    assert generations[0].cancel.is_set() and generations[0].tokens < 300
    assert chat.messages == [user("Hello again."), assistant("Fresh.")]
    assert slow.engine.history[-1] == [SYSTEM, user("Hello again.")]


def test_a_message_cleared_before_its_turn_never_joins_the_new_conversation(slow):
    slow.engine.enqueue("word " * 300)
    chat = ChatWindow(make_client(slow))
    chat.send("Tell me a long story.")
    wait_until(lambda: "word" in chat.messages[-1]["content"], "the reply to stream")
    chat.clear()
    chat.send("Hello again.")  # its worker waits for the first stream to close...
    chat.clear()               # ...and this Clear comes before it starts
    assert chat.wait(10)
    assert chat.messages == [] and chat.history.turns == []


def test_a_second_message_waits_for_the_reply(shell, capsys, slow):
    slow.engine.enqueue("word " * 300)
    chat = ChatWindow(make_client(slow))
    chat.send("Tell me a long story.")
    with pytest.raises(ChatkitError, match="still being written"):
        chat.send("And another.")
    type_into(chat.input, "And another.")
    press_enter(chat.input)
    quiet(shell, capsys)
    assert "The last reply is still being written. Fix: Wait for it, or press Stop." in status(chat)
    assert chat.input.value == "And another."  # kept for later
    chat.stop()
    assert chat.wait(10)
    assert [m["role"] for m in chat.messages] == ["user", "assistant"]


def test_an_unknown_model_is_explained_and_the_question_kept(shell, capsys, scripted):
    chat = ChatWindow(make_client(scripted), model="no-such-model")
    type_into(chat.input, "Hello?")
    press_enter(chat.input)
    assert chat.wait(10)
    quiet(shell, capsys)
    assert "no model named 'no-such-model' (404 model_not_found)" in status(chat)
    assert "Fix: " in status(chat)
    assert isinstance(chat.error, openai.NotFoundError)
    assert chat.errors.outputs == ()  # an error the learner can fix needs no traceback
    assert chat.messages == [user("Hello?")]
    assert "not answered" in note(chat)
    assert chat.input.value == "Hello?"  # Enter sends it again
    assert chat.history.turns == []
    with pytest.raises(openai.NotFoundError):
        chat.run("Hello?")  # from code, the error is raised


def test_an_unexpected_error_also_shows_its_traceback(shell, capsys, scripted, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the network cable is chewed")

    monkeypatch.setattr(Conversation, "stream", broken)
    chat = ChatWindow(make_client(scripted))
    chat.send("Hello?")
    assert chat.wait(10)
    quiet(shell, capsys)
    assert "Unexpected error: RuntimeError: the network cable is chewed" in status(chat)
    assert any("Traceback" in out.get("text", "") for out in chat.errors.outputs)
    assert chat.messages == [user("Hello?")]


def test_html_in_messages_is_shown_as_text(scripted):
    scripted.engine.enqueue("<b>bold</b> & <img src=x onerror=alert(1)>")
    chat = ChatWindow(make_client(scripted))
    chat.send("<script>alert('hi')</script>")
    assert chat.wait(10)
    question, reply = (bubble.value for bubble in chat.log.children)
    assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in question and "<script" not in question
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img" in reply and "<img" not in reply and "<b>bold" not in reply
    assert chat.messages[-1] == assistant("<b>bold</b> & <img src=x onerror=alert(1)>")


def test_under_each_reply_its_tokens_and_cost(scripted, monkeypatch):
    per = tokens.price_table()["per_tokens"]
    monkeypatch.setitem(tokens.price_table()["models"], "scripted-test-model", {"input": 2.0, "output": 8.0})
    scripted.engine.enqueue("one two three")
    chat = ChatWindow(make_client(scripted))
    chat.send("Count to three.")
    assert chat.wait(10)
    turn = chat.last_turn
    assert turn.output_tokens == 3 and turn.input_tokens > 0 and not turn.estimated  # usage from the stream
    cost = (turn.input_tokens * 2.0 + 3 * 8.0) / per
    assert turn.cost == pytest.approx(cost) and turn.tokens == turn.input_tokens + 3 and turn.seconds > 0
    assert f"{turn.input_tokens} tokens in, 3 out · cost: about ${cost:.6f}" in note(chat)


def test_a_model_priced_in_yuan_shows_yuan(scripted, monkeypatch):
    yuan = {"currency": "CNY", "input": 2.0, "output": 8.0, "source": "https://example.test/", "checked": "2026-12-06"}
    monkeypatch.setitem(tokens.price_table()["models"], "scripted-test-model", yuan)
    scripted.engine.enqueue("one two three")
    chat = ChatWindow(make_client(scripted))
    chat.send("Count to three.")
    assert chat.wait(10)
    cost = (chat.last_turn.input_tokens * 2.0 + 3 * 8.0) / tokens.price_table()["per_tokens"]
    assert f"cost: about ¥{cost:.6f}" in note(chat) and "$" not in note(chat)


def test_a_model_without_a_price_says_so(scripted):
    chat = ChatWindow(make_client(scripted))
    assert chat.run("Hi", timeout=10) == "OK"
    assert "cost: unknown (no price for scripted-test-model)" in note(chat)
    assert chat.last_turn.cost is None


# --- with a Bot ------------------------------------------------------------------------

def scripted_bot(box, **options) -> Bot:
    client = client_for(box)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", **options)


def test_with_a_bot_the_window_streams_the_bots_answers(shell, capsys, slow):
    slow.engine.enqueue("Yes, for free.", "You asked about gift-wrapping.")
    bot = scripted_bot(slow)
    chat = ChatWindow(bot=bot, user_id="ada")
    assert chat.system.value == bot.instructions and chat.system.disabled
    assert "read-only" in chat.system_panel.titles[0]
    type_into(chat.input, "Do you gift-wrap?")
    press_enter(chat.input)
    assert chat.wait(10)
    chat.send("What did I ask?")
    assert chat.wait(10)
    quiet(shell, capsys)
    prompt = {"role": "system", "content": bot.instructions}
    assert slow.engine.history[-1] == [prompt, user("Do you gift-wrap?"), assistant("Yes, for free."),
                                       user("What did I ask?")]
    assert chat.messages == bot.conversation("ada").turns
    turn, reported = chat.last_turn, bot.conversation("ada").last_reply
    assert not turn.estimated and turn.output_tokens == 4  # the usage the bot's stream reported: one per word
    assert turn.input_tokens == reported.input_tokens == bot.conversation("ada").input_tokens[-1] > 0
    assert f"{turn.input_tokens} tokens in, 4 out" in note(chat)


def test_with_a_bot_stop_keeps_the_same_text_in_the_window_and_in_the_bots_memory(slow, generations):
    slow.engine.enqueue("word " * 300)
    bot = scripted_bot(slow)
    chat = ChatWindow(bot=bot)
    chat.send("Tell me a long story.")
    wait_until(lambda: chat.messages[-1]["content"].count("word") >= 3, "the bot's reply to stream")
    chat.stop()
    assert chat.wait(10)
    wait_until(lambda: generations[0].finish_reason == "cancelled", "the server to stop generating", 5)
    assert chat.messages[-1]["content"].endswith(CUT)
    assert chat.messages == bot.conversation("you").turns


def test_with_a_bot_clear_resets_the_users_memory(slow):
    bot = scripted_bot(slow)
    chat = ChatWindow(bot=bot)
    chat.send("My name is Ada.")
    assert chat.wait(10)
    chat.clear_button.click()
    assert chat.wait(10)
    assert bot.conversation("you").turns == [] and chat.messages == []
    chat.send("What is my name?")
    assert chat.wait(10)
    assert slow.engine.history[-1][1:] == [user("What is my name?")]


def test_with_a_bot_a_refusal_is_shown_and_costs_nothing(scripted):
    chat = ChatWindow(bot=scripted_bot(scripted, rate=(1, 60)))
    chat.send("Hi")
    assert chat.wait(10)
    chat.send("Hi again")
    assert chat.wait(10)
    assert "Please try again in" in chat.messages[-1]["content"]
    assert chat.last_turn.tokens == 0 and chat.last_turn.cost == 0
    assert "no model call" in note(chat) and len(scripted.engine.history) == 1


def test_a_bot_and_another_client_is_a_mistake(scripted):
    with pytest.raises(ChatkitError, match="both a client and a bot"):
        ChatWindow(make_client(scripted), bot=scripted_bot(scripted))


# --- the real model ---------------------------------------------------------------------

def test_on_the_real_model_stop_ends_the_generation_and_the_tokens_are_counted(sandbox, monkeypatch):
    generations, original = [], sandbox.engine.generate

    def recording(prompt, sampling, cancel=None):
        generations.append(original(prompt, sampling, cancel))
        return generations[-1]

    monkeypatch.setattr(sandbox.engine, "generate", recording)
    client = make_client(sandbox)
    chat = ChatWindow(client)
    chat.send("Tell me a long story about a dragon.")
    wait_until(lambda: len(chat.messages[-1]["content"]) > 40, "the reply to stream", 30)
    chat.stop()
    assert chat.wait(30)
    wait_until(lambda: not sandbox.engine.running, "the server to stop generating", 10)
    assert generations[0].finish_reason == "cancelled" and generations[0].tokens < 512
    turn, shown = chat.last_turn, chat.messages[-1]["content"]
    assert turn.stopped and shown == turn.text.rstrip() + CUT
    # No usage chunk after a stop: chatkit counts, exactly as the sandbox would have billed.
    assert turn.estimated and turn.output_tokens == tokens.count(turn.text, client.default_model)
    assert turn.input_tokens == tokens.count_messages([SYSTEM, user("Tell me a long story about a dragon.")],
                                                      client.default_model)
    assert f"stopped · about {turn.input_tokens} tokens in" in note(chat)
