"""Catalogue models served by name (chatkit/sandbox/models.py, chatkit/hub/), and the doctor's list of them.

Nothing is downloaded: ``chatkit.hub.pulled`` is pointed at the course's own SmolLM2 file, so a
catalogue name resolves to a real GGUF file the sandbox loads and serves through the official SDK.
"""

from __future__ import annotations

import openai
import pytest
from pydantic import BaseModel

import chatkit.hub
from chatkit import doctor
from chatkit.__main__ import main
from chatkit.config import read_settings
from chatkit.reasoning import greedy, limit_name
from chatkit.sandbox import server
from chatkit.sandbox.engine import model_path
from chatkit.sandbox.models import wanted
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from chatkit.sandbox.thinker import Thinker
from support import client_for

PLAIN, THINKING = "qwen2.5-1.5b-instruct", "qwen3-0.6b"  # catalogue names: a plain model and a reasoning one
HI = [{"role": "user", "content": "Say hi"}]


def as_smollm2(name: str):
    """``hub.pulled``, as if both models were pulled: each is the course's own GGUF file."""
    return model_path() if name in (PLAIN, THINKING) else None


@pytest.fixture(autouse=True)
def models_dir(monkeypatch, tmp_path):
    """An empty models folder of the test's own: nothing the learner pulled counts."""
    monkeypatch.setenv("CHATKIT_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:  # only while it starts: the doctor's tests have their own
        patch.setattr(chatkit.hub, "pulled", as_smollm2)
        box = Sandbox.start(data_dir=tmp_path_factory.mktemp("catalogue"), models=[PLAIN, THINKING])
    with box:
        yield box


@pytest.fixture
def client(box):
    return client_for(box)


# --- served by its catalogue name, with everything the sandbox imitates -----------------------------

def test_a_catalogue_model_is_served_under_its_name(client, box):
    assert [m.id for m in client.models.list().data][-2:] == [PLAIN, THINKING]
    assert isinstance(box.models.get(THINKING), Thinker) and not isinstance(box.models.get(PLAIN), Thinker)


def test_chat_and_responses(client):
    chat = client.chat.completions.create(model=PLAIN, messages=HI, temperature=0, max_tokens=12)
    assert chat.model == PLAIN and chat.choices[0].message.content.strip()
    reply = client.responses.create(model=PLAIN, input="Say hi", temperature=0, max_output_tokens=16)
    assert reply.model == PLAIN and reply.output_text.strip()


class City(BaseModel):
    name: str
    country: str


def test_a_structured_output(client):
    parsed = client.responses.parse(model=PLAIN, input="Name a city in France.", text_format=City, temperature=0)
    assert isinstance(parsed.output_parsed, City)


WEATHER = {"type": "function", "name": "get_weather", "description": "Get the current weather in a city.",
           "strict": True, "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                          "required": ["city"], "additionalProperties": False}}


def test_a_tool_call(client):
    reply = client.responses.create(model=PLAIN, input="What is the weather in Paris?", tools=[WEATHER],
                                    tool_choice="required", temperature=0)
    (call,) = reply.output
    assert call.type == "function_call" and call.name == "get_weather"


def test_a_reasoning_catalogue_model_answers_as_a_reasoning_model(client):
    reply = client.responses.create(model=THINKING, input="Say hi", reasoning={"effort": "low"},
                                    max_output_tokens=40)
    assert [item.type for item in reply.output][0] == "reasoning" and reply.reasoning.effort == "low"
    with pytest.raises(openai.BadRequestError) as refused:  # as the platform refuses it of a reasoning model
        client.chat.completions.create(model=THINKING, messages=HI, temperature=0.3)
    assert refused.value.body["param"] == "temperature"


@pytest.mark.parametrize("name", [PLAIN, THINKING])
def test_the_course_s_repeatable_call_works_on_each_catalogue_model(client, name):
    """What the doctor and the notebooks send for output that repeats (chatkit.reasoning) is accepted."""
    chat = client.chat.completions.create(model=name, messages=HI, **greedy(name), **{limit_name(name): 12})
    assert chat.choices[0].message.content.strip()
    reply = client.responses.create(model=name, input="Say hi", max_output_tokens=16, **greedy(name, "responses"))
    assert reply.output_text.strip()


def test_a_pulled_reasoning_model_served_by_its_path_still_thinks(tmp_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chatkit.hub, "pulled", lambda name: model_path() if name == THINKING else None)
        box = Sandbox.start(engine=ScriptedEngine(), models=[f"mine={model_path()}"], data_dir=tmp_path)
    with box:
        assert isinstance(box.models.get("mine"), Thinker)


# --- a name not pulled, and which names the sandbox loads ----------------------------------------------

def test_serve_with_a_name_not_pulled_says_how_to_pull_it_in_one_line(capsys, tmp_path):
    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path), "--model", "qwen3-1.7b"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "python -m chatkit models pull qwen3-1.7b" in err


def test_chatkit_model_names_the_clients_default_and_the_sandbox_loads_it(monkeypatch):
    started = {}
    monkeypatch.setattr(server, "_running", None)
    monkeypatch.setattr(Sandbox, "start", classmethod(lambda cls, **kw: started.update(kw) or "box"))
    monkeypatch.setenv("CHATKIT_MODEL", PLAIN)
    assert read_settings().model == PLAIN
    assert server.ensure_running() == "box" and started["models"] == [PLAIN]


def test_a_model_is_loaded_once_and_only_a_catalogue_name_is_added():
    assert wanted([PLAIN], [PLAIN, THINKING]) == [PLAIN, THINKING]  # listed already: not twice
    assert wanted([f"{THINKING}=mine.gguf"], [THINKING]) == [f"{THINKING}=mine.gguf"]  # an id already served
    assert wanted([], ["gpt-4o", "smollm2-135m-instruct", None]) == []  # left to the requests (404 if unknown)


# --- the doctor -------------------------------------------------------------------------------------------

def test_the_doctor_reports_each_pulled_model_verified(monkeypatch):
    monkeypatch.setattr(chatkit.hub, "pulled", as_smollm2)
    checks = doctor._pulled()
    assert [c.ok for c in checks] == [True, True]
    assert checks[0].detail == f"{THINKING} (639 MB, verified): {model_path()}"  # the catalogue's size


def test_the_doctor_flags_a_file_that_is_not_the_verified_one(models_dir):
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / f"{THINKING}.gguf").write_bytes(b"GGUF" + bytes(1000))
    (check,) = doctor._pulled()
    assert not check.ok and f"{THINKING}: {models_dir / THINKING}.gguf is 0 MB, not the catalogue's 639 MB" in (
        check.detail)
    assert check.fix == f"Run: python -m chatkit models pull {THINKING}"


def test_the_doctor_says_when_nothing_is_pulled():
    (check,) = doctor._pulled()
    assert check.ok and "python -m chatkit models list" in check.detail
    assert doctor.say("doctor.check.pulled") in [c.name for c in doctor.diagnose(call=False).checks]
