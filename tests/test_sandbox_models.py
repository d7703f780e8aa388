"""Your own GGUF models in the sandbox, next to the built-in SmolLM2 (chatkit/sandbox/models.py).

CI has only the built-in model, so a copy of its file under another name plays the
learner's model: same weights, so at temperature 0 both ids must answer alike, and every
difference (the id in the answer, the context window) shows which engine served a request.
"""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import openai
import pytest

from chatkit import tokens
from chatkit.__main__ import _parser, main
from chatkit.config import sandbox_models
from chatkit.errors import SandboxError
from chatkit.sandbox import server
from chatkit.sandbox.engine import CONTEXT_WINDOW, MAX_CONTEXT_WINDOW, MODEL_ID, model_path
from chatkit.sandbox.models import ModelFile, Models
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for

COPY = "smollm2-copy"  # the id of SmolLM2-Copy.gguf
HI = [{"role": "user", "content": "Say hi"}]


@pytest.fixture(scope="module")
def copy_path(tmp_path_factory):
    """The built-in model's file, copied under another name, as a learner's own file would be."""
    path = tmp_path_factory.mktemp("models") / "SmolLM2-Copy.gguf"
    shutil.copyfile(model_path(), path)
    return path


@pytest.fixture(scope="module")
def box(tmp_path_factory, copy_path):
    with Sandbox.start(data_dir=tmp_path_factory.mktemp("models-data"), models=[str(copy_path)]) as box:
        yield box


@pytest.fixture
def client(box):
    return client_for(box)


REASONING = "smollm2-135m-reasoning"  # the built-in model, also served as a reasoning model


def ask(client, model: str, **params):
    return client.chat.completions.create(model=model, messages=HI, temperature=0, **params)


# --- serving two models -------------------------------------------------------------------

def test_models_lists_the_built_in_model_first_then_yours(client, box):
    assert [m.id for m in client.models.list().data] == [MODEL_ID, REASONING, COPY]
    assert client.models.retrieve(COPY).id == COPY
    assert box.engine.model_id == MODEL_ID and box.models.ids == [MODEL_ID, REASONING, COPY]
    assert COPY in repr(box)


def test_each_id_answers_and_the_same_weights_answer_alike(client):
    builtin, copy = ask(client, MODEL_ID, max_tokens=12), ask(client, COPY, max_tokens=12)
    assert (builtin.model, copy.model) == (MODEL_ID, COPY)
    assert builtin.choices[0].message.content.strip()
    assert copy.choices[0].message.content == builtin.choices[0].message.content
    assert copy.usage == builtin.usage


def test_requests_to_both_models_at_once_take_turns_and_both_finish(client):
    replies: dict[str, str] = {}

    def run(model: str) -> None:
        replies[model] = ask(client, model, max_tokens=8).choices[0].message.content

    threads = [threading.Thread(target=run, args=(model,)) for model in (MODEL_ID, COPY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert replies[MODEL_ID] and replies[MODEL_ID] == replies[COPY]


def test_streaming_responses_and_legacy_completions_use_the_model_asked_for(client):
    chunks = list(client.chat.completions.create(model=COPY, messages=HI, temperature=0, max_tokens=4, stream=True))
    assert {c.model for c in chunks} == {COPY}
    response = client.responses.create(model=COPY, input="Say hi", temperature=0, max_output_tokens=16)
    assert response.model == COPY and response.output_text
    assert client.completions.create(model=COPY, prompt="Once upon a", max_tokens=3, temperature=0).model == COPY


def test_each_model_has_its_own_context_window(client, box):
    assert box.models.get(MODEL_ID).context_window == CONTEXT_WINDOW == 2048
    # The copy keeps the window SmolLM2 was trained with (8,192), capped for a laptop.
    assert box.models.get(COPY).context_window == MAX_CONTEXT_WINDOW == 4096
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, MODEL_ID, max_tokens=3000)
    assert refused.value.code == "context_length_exceeded"
    assert ask(client, COPY, max_tokens=3000).choices[0].finish_reason == "stop"  # greedy: stops after 27 tokens


def test_an_id_that_is_not_listed_is_model_not_found(client):
    for call in (lambda: ask(client, "smollm2-copy-2", max_tokens=1), lambda: client.models.retrieve("other")):
        with pytest.raises(openai.NotFoundError) as missing:
            call()
        assert missing.value.code == "model_not_found"


def test_token_counts_use_the_engine_of_the_model_named(client, box):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a fruit."}]
    reply = client.chat.completions.create(model=COPY, messages=messages, max_tokens=1)
    assert tokens.encoding_name(COPY) == "sandbox"
    assert tokens._sandbox_engine(COPY) is box.models.get(COPY)
    assert tokens.count_messages(messages, COPY) == reply.usage.prompt_tokens
    assert tokens.count("Hello", COPY) == len(box.models.get(COPY).tokenize("Hello"))
    assert tokens._sandbox_engine(MODEL_ID) is box.engine


def test_a_batch_runs_on_the_model_its_lines_name(client):
    from test_sandbox_batches import chat_line, results, submit, wait

    done = wait(client, submit(client, [chat_line("a", COPY, "Say hi", max_tokens=4, temperature=0)]), seconds=60)
    assert done.status == "completed"
    assert results(client, done.output_file_id)["a"]["response"]["body"]["model"] == COPY


def test_routing_needs_no_real_model(tmp_path):
    other = ScriptedEngine("from the other model")
    other.model_id = "other"
    with Sandbox.start(engine=ScriptedEngine("from the default"), models=[other], data_dir=tmp_path) as box:
        client = client_for(box)
        assert ask(client, "other").choices[0].message.content == "from the other model"
        assert ask(client, "scripted-test-model").choices[0].message.content == "from the default"


# --- files that cannot be served: the error says what to check ---------------------------------

def start_with(spec) -> SandboxError:
    with pytest.raises(SandboxError) as failed:
        Sandbox.start(models=[spec])
    assert failed.value.__suppress_context__ or failed.value.__context__ is None  # no traceback of a cause
    return failed.value


def test_a_missing_file_says_where_it_looked(tmp_path):
    error = start_with(str(tmp_path / "nope.gguf"))
    assert error.what == f"No model file at {tmp_path / 'nope.gguf'} (model 'nope')."
    assert "CHATKIT_SANDBOX_MODELS" in error.fix and "python -m chatkit models list" in error.fix


def test_a_text_file_named_gguf_is_not_a_model(tmp_path):
    fake = tmp_path / "notes.gguf"
    fake.write_text("just some notes\n")
    error = start_with(str(fake))
    assert error.what == f"{fake} is not a GGUF model file: it does not start with the bytes 'GGUF'."
    assert ".safetensors" in error.fix


def test_a_folder_is_not_a_model(tmp_path):
    assert "is a folder, not a model file" in start_with(str(tmp_path)).what


def test_a_cut_short_gguf_file_is_explained(tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(model_path().read_bytes()[:100_000])  # a download that stopped early
    error = start_with(str(cut))
    assert error.what.startswith(f"llama.cpp could not load {cut}: the file is cut short or damaged")
    assert "Download the file again" in error.fix


def test_two_models_with_one_id_are_refused_before_loading(tmp_path, copy_path):
    error = start_with(f"{MODEL_ID}={copy_path}")
    assert error.what == f"Two models would be served as '{MODEL_ID}'."
    assert f"--model {MODEL_ID}-2=PATH" in error.fix
    with pytest.raises(SandboxError):
        Models([ScriptedEngine(), ScriptedEngine()])


# --- how models are named: CLI and setting -------------------------------------------------

@pytest.mark.parametrize("spec, model_id, path", [
    ("models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf", "qwen2.5-0.5b-instruct-q4_k_m",
     "models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"),
    ("qwen=models/qwen.gguf", "qwen", "models/qwen.gguf"),
    ("ft:my-model=m.GGUF", "ft:my-model", "m.GGUF"),
    ("./a=b.gguf", "a-b", "a=b.gguf"),
    ("My Model.gguf", "my-model", "My Model.gguf"),
])
def test_a_model_is_a_path_or_id_equals_path(spec, model_id, path):
    parsed = ModelFile.parse(spec)
    assert parsed.model_id == model_id and str(parsed.path) == path


def test_serve_takes_several_models():
    args = _parser().parse_args(["serve", "--model", "qwen=q.gguf", "--model", "dir/Llama.gguf"])
    assert [(m.model_id, str(m.path)) for m in args.model] == [("qwen", "q.gguf"), ("llama", "dir/Llama.gguf")]
    assert _parser().parse_args(["serve"]).model is None  # then CHATKIT_SANDBOX_MODELS decides


@pytest.mark.parametrize("spec", ["=q.gguf", "bad id=q.gguf", "qwen="])
def test_serve_refuses_a_malformed_model_before_starting(capsys, spec):
    assert main(["serve", "--model", spec]) == 2
    assert "write it as PATH or as ID=PATH" in capsys.readouterr().err


def test_serve_with_a_missing_model_fails_in_one_line(capsys, tmp_path):
    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path), "--model", "missing.gguf"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith(f"error: No model file at {Path.cwd() / 'missing.gguf'} (model 'missing'). Fix: Check")


def test_serve_lists_every_model_and_stops_cleanly(capsys, tmp_path, copy_path):
    from test_cli import URL, create, read_lines, wait_for

    data = tmp_path / "data"
    key = create(capsys, data)[0]
    proc = subprocess.Popen([sys.executable, "-m", "chatkit", "serve", "--port", "0", "--data-dir", str(data),
                             "--model", f"mine={copy_path}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
        url, seen = wait_for(lines, URL, proc)
        assert f"Sandbox serving {MODEL_ID}, {REASONING}, mine at {url}" in seen[-1]
        client = openai.OpenAI(api_key=key, base_url=url, max_retries=0)
        assert [m.id for m in client.models.list().data] == [MODEL_ID, REASONING, "mine"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_setting_lists_models_from_the_environment_or_env_file(monkeypatch, tmp_path):
    assert sandbox_models() == []
    (tmp_path / ".env").write_text("CHATKIT_SANDBOX_MODELS=qwen=models/q.gguf, models/Llama.gguf,\n")
    assert sandbox_models() == ["qwen=models/q.gguf", "models/Llama.gguf"]
    monkeypatch.setenv("CHATKIT_SANDBOX_MODELS", "a.gguf")
    assert sandbox_models() == ["a.gguf"]


def test_connect_starts_the_sandbox_with_the_setting(monkeypatch):
    started = {}
    monkeypatch.setattr(server, "_running", None)
    monkeypatch.setattr(Sandbox, "start", classmethod(lambda cls, **kw: started.update(kw) or "box"))
    monkeypatch.setenv("CHATKIT_SANDBOX_MODELS", "mine=m.gguf")
    assert server.ensure_running() == "box"
    assert started["models"] == ["mine=m.gguf"]
