"""The Responses API: plumbing on the scripted server, one check against the real model."""

from __future__ import annotations

import openai
import pytest

from support import client_for

STREAM_ORDER = [
    "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
    "response.output_text.delta", "response.output_text.done", "response.content_part.done",
    "response.output_item.done", "response.completed",
]


def respond(box, **params):
    return client_for(box).responses.create(model=box.engine.model_id, **params)


def test_string_input_gives_output_text(scripted):
    scripted.engine.enqueue("Hello there, learner!")
    response = respond(scripted, input="Hi")
    assert response.output_text == "Hello there, learner!"
    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.output[0].role == "assistant"
    assert scripted.engine.history == [[{"role": "user", "content": "Hi"}]]


def test_usage_counts_input_and_output_tokens(scripted):
    scripted.engine.enqueue("one two three")
    response = respond(scripted, input="count please")
    prompt = scripted.engine.render([{"role": "user", "content": "count please"}])
    assert response.usage.input_tokens == len(prompt)
    assert response.usage.output_tokens == 3
    assert response.usage.total_tokens == len(prompt) + 3


def test_list_of_messages_input(scripted):
    conversation = [
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": [{"type": "input_text", "text": "How are you?"}]},
    ]
    respond(scripted, input=conversation)
    assert scripted.engine.history[-1] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": "How are you?"},
    ]


def test_instructions_become_the_system_message(scripted):
    response = respond(scripted, input="Hi", instructions="Be brief.")
    assert scripted.engine.history[-1] == [{"role": "system", "content": "Be brief."},
                                           {"role": "user", "content": "Hi"}]
    assert response.instructions == "Be brief."


def test_previous_response_id_sends_the_earlier_turn(scripted):
    scripted.engine.enqueue("Nice to meet you, Ada.", "Your name is Ada.")
    first = respond(scripted, input="My name is Ada.", instructions="Be kind.")
    second = respond(scripted, input="What is my name?", previous_response_id=first.id)
    assert second.output_text == "Your name is Ada."
    assert second.previous_response_id == first.id
    # Instructions are not carried over to the next turn, as with the real API.
    assert scripted.engine.history[-1] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Nice to meet you, Ada."},
        {"role": "user", "content": "What is my name?"},
    ]


def test_chaining_goes_back_more_than_one_turn(scripted):
    scripted.engine.enqueue("A", "B", "C")
    first = respond(scripted, input="1")
    second = respond(scripted, input="2", previous_response_id=first.id)
    respond(scripted, input="3", previous_response_id=second.id)
    assert [m["content"] for m in scripted.engine.history[-1]] == ["1", "A", "2", "B", "3"]


def test_unstored_response_cannot_be_retrieved_or_chained(scripted):
    response = respond(scripted, input="Hi", store=False)
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        client_for(scripted).responses.retrieve(response.id)
    with pytest.raises(openai.BadRequestError) as caught:
        respond(scripted, input="Again", previous_response_id=response.id)
    assert caught.value.code == "previous_response_not_found"
    assert caught.value.param == "previous_response_id"


def test_retrieve_then_delete_a_stored_response(scripted):
    client = client_for(scripted)
    scripted.engine.enqueue("Stored reply")
    created = respond(scripted, input="Hi")
    fetched = client.responses.retrieve(created.id)
    assert fetched.id == created.id
    assert fetched.output_text == "Stored reply"
    deleted = client.responses.with_raw_response.delete(created.id)
    assert deleted.status_code == 200
    assert deleted.http_response.json() == {"id": created.id, "object": "response.deleted", "deleted": True}
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)


def test_deleted_response_cannot_be_chained(scripted):
    client = client_for(scripted)
    created = respond(scripted, input="Hi")
    client.responses.delete(created.id)
    with pytest.raises(openai.BadRequestError) as caught:
        respond(scripted, input="Again", previous_response_id=created.id)
    assert caught.value.code == "previous_response_not_found"


def test_stream_sends_typed_events_in_order(scripted):
    scripted.engine.enqueue("Streaming is fun to watch.")
    events = list(respond(scripted, input="Hi", stream=True))
    kinds = [e.type for e in events]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 5
    assert [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]] == STREAM_ORDER
    assert [e.sequence_number for e in events] == list(range(len(events)))
    final = events[-1].response
    assert "".join(deltas) == "Streaming is fun to watch."
    assert events[-4].text == final.output_text == "Streaming is fun to watch."
    assert final.status == "completed"
    assert events[0].response.status == "in_progress"


def test_streamed_response_is_stored_and_chainable(scripted):
    scripted.engine.enqueue("First.", "Second.")
    final = list(respond(scripted, input="Hi", stream=True))[-1].response
    assert client_for(scripted).responses.retrieve(final.id).output_text == "First."
    respond(scripted, input="More", previous_response_id=final.id)
    assert scripted.engine.history[-1][1] == {"role": "assistant", "content": "First."}


@pytest.mark.parametrize("limit", [0, 15])
def test_max_output_tokens_below_16_is_rejected(scripted, limit):
    with pytest.raises(openai.BadRequestError) as caught:
        respond(scripted, input="Hi", max_output_tokens=limit)
    assert caught.value.param == "max_output_tokens"
    assert caught.value.code == "integer_below_min_value"


def test_hitting_max_output_tokens_is_incomplete(scripted):
    scripted.engine.enqueue(" ".join(f"w{i}" for i in range(20)))
    response = respond(scripted, input="Hi", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens == 16
    assert response.output_text.split() == [f"w{i}" for i in range(16)]
    assert response.output[0].status == "incomplete"  # the message item was cut short too


def test_a_finished_reply_is_completed(scripted):
    scripted.engine.enqueue(" ".join(f"w{i}" for i in range(16)))
    response = respond(scripted, input="Hi", max_output_tokens=16)
    assert response.status == "completed"
    assert response.incomplete_details is None
    assert response.output[0].status == "completed"


def test_stream_hitting_max_output_tokens_ends_with_incomplete(scripted):
    scripted.engine.enqueue(" ".join(f"w{i}" for i in range(20)))
    events = list(respond(scripted, input="Hi", max_output_tokens=16, stream=True))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.status == "incomplete"
    assert events[-2].type == "response.output_item.done"
    assert events[-2].item.status == "incomplete"


def test_real_model_answers_as_chat_completions_does(client, sandbox):
    messages = [{"role": "user", "content": "Say hi"}]
    model = sandbox.engine.model_id
    chat = client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=16)
    response = client.responses.create(model=model, input="Say hi", temperature=0, max_output_tokens=16)
    assert response.output_text == chat.choices[0].message.content
    assert response.usage.input_tokens == len(sandbox.engine.render(messages))
    assert response.usage.output_tokens == chat.usage.completion_tokens
