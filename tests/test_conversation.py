"""chatkit.Conversation: memory, both APIs, the token budget, save/load and display.

The scripted sandbox checks the plumbing in milliseconds; the real one checks what only a
model can show (counts it bills, chaining, a summary that keeps a fact).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit import Conversation, tokens
from chatkit.conversation import APIS, CUT, SUMMARIZE, Reply
from chatkit.errors import ChatkitError
from chatkit.sandbox.engine import Generation
from support import client_for

SANDBOX_MODEL = "smollm2-135m-instruct"


def scripted_conversation(box, **options) -> Conversation:
    client = client_for(box)
    client.default_model = box.engine.model_id
    return Conversation(client, encoding="o200k_base", **options)


# --- plumbing (scripted) --------------------------------------------------------------

def test_chat_sends_the_whole_history_each_time(scripted):
    scripted.engine.enqueue("Hi Ada.", "Your name is Ada.")
    conv = scripted_conversation(scripted, instructions="Be brief.")
    assert conv.ask("My name is Ada.") == "Hi Ada."
    assert conv.ask("What is my name?") == "Your name is Ada."
    assert scripted.engine.history[-1] == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hi Ada."}, {"role": "user", "content": "What is my name?"}]
    assert [m["role"] for m in conv.turns] == ["user", "assistant"] * 2


def test_responses_sends_only_the_new_message_and_the_server_remembers(scripted):
    scripted.engine.enqueue("Hi Ada.", "Your name is Ada.")
    conv = scripted_conversation(scripted, instructions="Be brief.", api="responses")
    conv.ask("My name is Ada.")
    first = conv.previous_response_id
    conv.ask("What is my name?")
    assert first.startswith("resp_") and conv.previous_response_id != first
    stored = conv.client.responses.retrieve(conv.previous_response_id)
    assert stored.previous_response_id == first
    assert scripted.engine.history[-1][1:] == conv.messages[1:-1]  # rebuilt by the server from the chain


# --- streaming (scripted) ----------------------------------------------------------------

def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


@pytest.mark.parametrize("api", APIS)
def test_a_streamed_turn_is_recorded_as_ask_records_it(scripted, api):
    scripted.engine.enqueue("Hi Ada.", "Hi Ada.", "Your name is Ada.", "Your name is Ada.")
    asked, streamed = (scripted_conversation(scripted, instructions="Be brief.", api=api) for _ in range(2))
    for question in ("My name is Ada.", "What is my name?"):
        answer = asked.ask(question)
        pieces = list(streamed.stream(question))
        assert len(pieces) > 1 and "".join(pieces) == answer
    assert scripted.engine.history[-1] == scripted.engine.history[-2]  # the same request, streamed or not
    assert streamed.turns == asked.turns and len(streamed.turns) == 4
    assert streamed.input_tokens == asked.input_tokens and len(streamed.input_tokens) == 2
    assert streamed.last_reply == asked.last_reply  # its text, why it ended and its tokens
    assert streamed.last_reply.text == "Your name is Ada." and streamed.last_reply.finish_reason == "stop"
    assert streamed.last_reply.output_tokens == 4  # the scripted engine: one token per word
    assert (streamed.previous_response_id is not None) == (api == "responses")  # the chain goes on


@pytest.mark.parametrize("api", APIS)
def test_an_answer_cut_at_max_output_tokens_ends_with_length_in_either_api(scripted, api):
    words = " ".join(f"w{i}" for i in range(20))  # the Responses API takes max_output_tokens >= 16
    scripted.engine.enqueue(words, words)
    conv = scripted_conversation(scripted, api=api, max_output_tokens=16)
    cut = " ".join(words.split()[:16]) + " "
    assert conv.ask("Count.") == cut and conv.last_reply.finish_reason == "length"
    assert "".join(conv.stream("Count again.")) == cut and conv.last_reply.finish_reason == "length"
    assert conv.last_reply.output_tokens == 16


@pytest.mark.parametrize("api", APIS)
def test_a_stream_closed_early_keeps_the_part_shown_marked_as_cut(scripted, api):
    scripted.engine.enqueue("Hi.", "One two three four five six seven eight.", "Nine.")
    conv = scripted_conversation(scripted, api=api)
    conv.ask("Hi.")
    stream = conv.stream("Count to ten.")
    first = next(stream)
    stream.close()
    cut = assistant(first.rstrip() + CUT)
    assert conv.turns == [user("Hi."), assistant("Hi."), user("Count to ten."), cut]
    assert conv.last_reply == Reply(first.rstrip() + CUT) and len(conv.input_tokens) == 1  # no usage came
    assert conv.ask("Go on.") == "Nine."
    assert scripted.engine.history[-1][-2:] == [cut, user("Go on.")]  # Responses: a new chain that holds the cut


@pytest.mark.parametrize("api", APIS)
def test_a_stream_cut_by_an_error_takes_the_question_back(scripted, api, monkeypatch):
    scripted.engine.enqueue("Hi Ada.", "One two three four five.", "Your name is Ada.")
    conv = scripted_conversation(scripted, api=api)
    conv.ask("My name is Ada.")
    before = (list(conv.turns), list(conv.input_tokens), conv.last_reply, conv.previous_response_id)
    working = scripted.engine.generate

    def crashing(prompt, sampling, cancel=None):
        words = iter(working(prompt, sampling, cancel))

        def run(gen):
            yield next(words)
            yield next(words)
            raise RuntimeError("the model crashed")

        return Generation(run, cancel)

    monkeypatch.setattr(scripted.engine, "generate", crashing)
    pieces = []
    with pytest.raises(openai.APIError):
        for piece in conv.stream("Count to five."):
            pieces.append(piece)
    assert pieces, "the error came before the stream started"
    assert (conv.turns, conv.input_tokens, conv.last_reply, conv.previous_response_id) == before
    monkeypatch.undo()
    assert conv.ask("What is my name?") == "Your name is Ada."
    assert scripted.engine.history[-1][-2:] == [assistant("Hi Ada."), user("What is my name?")]


def test_a_responses_stream_that_fails_raises_and_takes_the_question_back():
    """The platform ends a failed response with a response.failed event, not an HTTP error."""
    request = httpx.Request("POST", "https://api.example/v1/responses")
    failed = SimpleNamespace(type="response.failed", response=SimpleNamespace(error=SimpleNamespace(
        message="The server had an error while processing your request.")))
    events = [SimpleNamespace(type="response.output_text.delta", delta="Once"), failed]

    class Stream(list):
        response = SimpleNamespace(request=request)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    client = SimpleNamespace(responses=SimpleNamespace(create=lambda **request: Stream(events)))
    conv = Conversation(client, model="gpt-test", api="responses")
    with pytest.raises(openai.APIError, match="The server had an error"):
        list(conv.stream("Tell me a story."))
    assert conv.turns == [] and conv.last_reply is None and conv.previous_response_id is None


def test_drop_oldest_keeps_the_instructions_and_reports_what_it_dropped(scripted):
    conv = scripted_conversation(scripted, instructions="Be brief.", budget=40)
    for question in ["one two three four five", "six seven eight nine ten", "eleven twelve"]:
        conv.ask(question)
    trim = conv.last_trim
    assert trim is not None and trim.strategy == "drop_oldest" and trim.removed
    assert trim.tokens_before > 40 >= trim.tokens_after
    assert trim.removed[0] == {"role": "user", "content": "one two three four five"}
    assert scripted.engine.history[-1][0] == {"role": "system", "content": "Be brief."}
    assert "dropped the" in str(trim) and "within 40 tokens" in str(trim)
    assert "older messages left out to stay within 40 tokens" in conv._repr_html_()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instructions=st.text(min_size=1, max_size=80),
       questions=st.lists(st.text(min_size=1, max_size=120), min_size=1, max_size=6),
       budget=st.integers(min_value=10, max_value=200), strategy=st.sampled_from(["drop_oldest", "summarize"]))
def test_budget_is_never_exceeded_and_instructions_never_dropped(scripted_box, instructions, questions, budget,
                                                                 strategy):
    scripted_box.engine.queue.clear()
    conv = scripted_conversation(scripted_box, instructions=instructions, budget=budget, strategy=strategy)
    system = {"role": "system", "content": instructions}
    for question in questions:
        alone = tokens.count_messages([system, {"role": "user", "content": question}], encoding="o200k_base")
        sent_before = len(scripted_box.engine.history)
        try:
            conv.ask(question)
        except ChatkitError as exc:
            assert alone > budget and "more than the budget" in str(exc)
            assert len(scripted_box.engine.history) == sent_before  # nothing was sent
            continue
        sent = scripted_box.engine.history[-1]
        assert sent[0] == system and sent[-1] == {"role": "user", "content": question}
        assert tokens.count_messages(sent, encoding="o200k_base") <= budget


def test_summarize_replaces_old_turns_with_the_models_summary(scripted):
    scripted.engine.enqueue("Hello Ada.", "Tea is nice.", "Ada likes tea.", "You are Ada.")
    conv = scripted_conversation(scripted, instructions="Be brief.", budget=45, strategy="summarize")
    conv.ask("My name is Ada and I am a painter.")
    conv.ask("I like green tea very much indeed.")
    conv.ask("Who am I?")
    summary_request, answer_request = scripted.engine.history[-2:]
    assert summary_request[0]["content"].startswith(SUMMARIZE + "User: My name is Ada")
    assert conv.summary == "Ada likes tea." and conv.last_trim.summary == "Ada likes tea."
    assert {"role": "system", "content": "Summary of the earlier conversation: Ada likes tea."} in answer_request
    assert not any("painter" in m["content"] for m in answer_request)
    assert "summarized" in str(conv.last_trim)


def test_a_question_over_the_budget_on_its_own_is_refused_before_sending(scripted):
    conv = scripted_conversation(scripted, instructions="Be brief.", budget=12)
    with pytest.raises(ChatkitError, match="Raise the budget"):
        conv.ask("This question is much too long for a budget of twelve tokens, alas.")
    assert conv.turns == [] and scripted.engine.history == []


def test_save_and_load_round_trip(scripted, tmp_path):
    scripted.engine.enqueue("Hi.", "Tea.", "Bye.")
    conv = scripted_conversation(scripted, instructions="Be brief.", api="responses", budget=30,
                                 temperature=0, max_output_tokens=20)
    conv.ask("Hello there, how are you today?")
    conv.ask("What do you drink in the afternoon?")
    path = conv.save(tmp_path / "chat.json")
    loaded = Conversation.load(path, conv.client)
    assert loaded.to_dict() == conv.to_dict()
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "chatkit.conversation/1"
    assert loaded.encoding == "o200k_base"
    assert loaded.ask("Goodbye.") == "Bye."


def test_load_refuses_other_json(tmp_path, scripted):
    (tmp_path / "other.json").write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ChatkitError, match="not a conversation saved by chatkit"):
        Conversation.load(tmp_path / "other.json", None)


def test_bubbles_escape_the_text(scripted):
    scripted.engine.enqueue("<b>bold</b> & more")
    conv = scripted_conversation(scripted, instructions="Say <script>")
    conv.ask("<script>alert(1)</script>")
    page = conv._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page


@pytest.mark.parametrize("option, value", [("api", "assistants"), ("strategy", "forget")])
def test_unknown_choices_say_what_exists(scripted, option, value):
    with pytest.raises(ChatkitError, match=f"{option}='{value}'.*Use one of"):
        scripted_conversation(scripted, **{option: value})


# --- behaviour (the real sandbox) ------------------------------------------------------

def real_conversation(client, **options) -> Conversation:
    client.default_model = SANDBOX_MODEL
    return Conversation(client, temperature=0, max_output_tokens=16, **options)


def test_count_before_sending_is_what_the_sandbox_bills(client):
    conv = real_conversation(client, instructions="Answer in one short sentence.")
    for question in ["Name a fruit.", "And a colour?"]:
        expected = conv.count(conv.messages + [{"role": "user", "content": question}])
        conv.ask(question)
        assert conv.input_tokens[-1] == expected


def test_responses_chaining_through_the_sandbox(client):
    chat = real_conversation(client, instructions="Answer in one short sentence.")
    chained = real_conversation(client, instructions="Answer in one short sentence.", api="responses")
    for question in ["My name is Ada.", "What is my name?"]:
        assert chat.ask(question) == chained.ask(question)  # same prompt, temperature 0
    assert chained.input_tokens == chat.input_tokens
    last = client.responses.retrieve(chained.previous_response_id)
    assert last.previous_response_id is not None


FACTS = [{"role": "user", "content": "My name is Ada and my cat is called Pixel."},
         {"role": "assistant", "content": "Nice to meet you, Ada!"},
         {"role": "user", "content": "I like green tea."},
         {"role": "assistant", "content": "Green tea is lovely."}]


def test_summarize_keeps_the_conversation_answerable(client):
    conv = real_conversation(client, instructions="Answer briefly.", budget=75, strategy="summarize")
    conv.turns = [dict(m) for m in FACTS]
    answer = conv.ask("What is the name of my cat?")
    assert conv.last_trim.removed == FACTS
    assert "Pixel" in conv.summary and "Pixel" in answer
    assert conv.input_tokens[-1] <= 75


def test_drop_oldest_forgets_the_fact(client):
    conv = real_conversation(client, instructions="Answer briefly.", budget=75)
    conv.turns = [dict(m) for m in FACTS]
    conv.ask("What is the name of my cat?")
    assert not any("Pixel" in m["content"] for m in conv.messages[:-1])


def test_context_length_exceeded_keeps_the_conversation_usable(client):
    conv = real_conversation(client)
    conv.turns = [{"role": "user", "content": "word " * 1100}, {"role": "assistant", "content": "word " * 1100}]
    with pytest.raises(openai.BadRequestError) as info:
        conv.ask("One more?")
    assert info.value.code == "context_length_exceeded"
    assert any("budget=1500" in note for note in info.value.__notes__)
    assert len(conv.turns) == 2  # the question that failed was taken back


def test_a_client_without_a_default_model_needs_one(scripted):
    plain = openai.OpenAI(api_key=scripted.key, base_url=scripted.base_url)
    with pytest.raises(ChatkitError, match="Pass model="):
        Conversation(plain)
    assert Conversation(plain, model="gpt-4.1-mini").model == "gpt-4.1-mini"
