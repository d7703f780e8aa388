"""chatkit.tokens: exact counts offline, the chat format's overhead, and cost estimates.

Exactness is checked against OpenAI's own tokenizer, tiktoken. tiktoken downloads its
encoding files on first use; here it is handed the files that ship in bpe-openai, after
checking that they are byte for byte the files OpenAI publishes (tiktoken's own SHA-256).
"""

from __future__ import annotations

import datetime
import doctest
import gzip
import hashlib
import importlib.resources
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatkit import tokens
from chatkit.tokens import TokenizerError, count, count_messages, encode, estimate_cost

# The URLs and SHA-256 that tiktoken (tiktoken_ext/openai_public.py) expects.
OFFICIAL = {
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}

CORPUS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog. It's 3:45pm; we'll see—maybe.",
    "I'M SURE they'RE fine, aren't THEY? Don'T shout.",
    "你好，世界！今天我们学习如何计算词元。",
    "日本語のテキストと한국어 텍스트, Ελληνικά, русский текст, العربية, हिन्दी।",
    "def add(a, b):\n    return a + b\n\n\nclass Foo:\n\tpass  # tab-indented\r\n",
    "for (let i = 0; i < 10; i++) { console.log(`#${i}`); }",
    "🎉🚀 emoji 👩‍👩‍👧‍👦 families 🇫🇷🇯🇵 flags ❤️ and skin tones 👍🏽",
    "   leading spaces, trailing spaces   ",
    "a  b   c    d\n\n\n\ne\t\t\tf \n \n  \r\n\r\n",
    " " * 50 + "\n" * 10 + "x",
    "1234567890 3.14159 1,000,000 0x1F 2025-08-07",
    "<|endoftext|> is text here, not a special token <|endofprompt|>",
    "https://example.com/path?query=1&b=2#frag  user@example.com",
    "A" * 2000,
    "",
]


@pytest.fixture(scope="module")
def tiktoken_offline(tmp_path_factory):
    """OpenAI's tiktoken, loading the encoding files shipped in bpe-openai, never the network."""
    tiktoken = pytest.importorskip("tiktoken")
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    encode("", encoding="o200k_base")  # imports bpe-openai with its DeprecationWarning silenced
    for name, (url, sha256) in OFFICIAL.items():
        packed = importlib.resources.files("bpe_openai").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
        data = gzip.decompress(packed)
        assert hashlib.sha256(data).hexdigest() == sha256, f"{name}: not the file OpenAI publishes"
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(data)
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    mp.setattr("tiktoken.load.read_file", _no_download)
    yield {name: tiktoken.get_encoding(name) for name in OFFICIAL}
    mp.undo()


def _no_download(path):
    raise AssertionError(f"tiktoken tried to download {path}")


@pytest.mark.parametrize("name", tokens.ENCODINGS)
@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_ids_match_tiktoken(tiktoken_offline, name, text):
    assert encode(text, encoding=name) == tiktoken_offline[name].encode(text, disallowed_special=())


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_ids_match_tiktoken_on_any_text(tiktoken_offline, text):
    for name in tokens.ENCODINGS:
        assert encode(text, encoding=name) == tiktoken_offline[name].encode(text, disallowed_special=())


def test_known_ids_without_tiktoken():
    # Token ids published in OpenAI's cookbook and tiktoken's README, as a check that needs nothing else.
    assert encode("Hello, world!", encoding="cl100k_base") == [9906, 11, 1917, 0]
    assert encode("tiktoken is great!", encoding="cl100k_base") == [83, 1609, 5963, 374, 2294, 0]
    assert encode("Hello, world!", encoding="o200k_base") == [13225, 11, 2375, 0]


@pytest.mark.parametrize("model, name", [
    ("gpt-4o", "o200k_base"), ("gpt-4o-mini-2024-07-18", "o200k_base"), ("gpt-4.1-mini", "o200k_base"),
    ("gpt-5", "o200k_base"), ("gpt-5-nano", "o200k_base"), ("o3", "o200k_base"), ("o4-mini", "o200k_base"),
    ("o1-preview", "o200k_base"), ("gpt-4", "cl100k_base"), ("gpt-4-turbo", "cl100k_base"),
    ("gpt-3.5-turbo", "cl100k_base"), ("smollm2-135m-instruct", "sandbox"),
])
def test_model_to_encoding(model, name):
    assert tokens.encoding_name(model) == name


def test_a_model_without_a_known_tokenizer_is_counted_as_an_estimate_with_one_warning(monkeypatch):
    monkeypatch.setattr(tokens, "_warned", set())
    with pytest.warns(tokens.EstimateWarning, match="'deepseek-flash'.*o200k_base.*estimate"):
        assert count("你好，世界", "deepseek-flash") == count("你好，世界", encoding="o200k_base")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per model, not on every message
        count_messages([{"role": "user", "content": "hi"}], "deepseek-flash")
    with pytest.raises(TokenizerError, match="encoding='o200k_base'") as info:
        tokens.encoding_name("llama3.2")  # asked directly, the exact answer is still "not known"
    assert "'llama3.2'" in str(info.value)


def test_a_conversation_on_such_a_model_keeps_its_budget(scripted):
    from chatkit import Conversation
    from support import client_for

    conv = Conversation(client_for(scripted), model="gpt-6-luna", budget=100)  # GPT-6: tokenizer unpublished
    conv.turns = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert conv.count() == count_messages(conv.messages, encoding="o200k_base")


def test_unknown_model_says_what_to_do():
    with pytest.raises(TokenizerError, match="Pass a model"):
        count("hi")
    with pytest.raises(TokenizerError, match="Unknown encoding 'p50k_base'"):
        count("hi", encoding="p50k_base")


def test_chat_overhead_is_the_cookbooks():
    hello = [{"role": "user", "content": "Hello, world!"}]
    # 3 per message + "user" (1) + "Hello, world!" (4) + 3 for the reply's priming
    assert count_messages(hello, "gpt-4o") == 3 + 1 + 4 + 3
    named = [{"role": "user", "content": "Hello, world!", "name": "ada"}]
    assert count_messages(named, "gpt-4o") == 11 + count("ada", "gpt-4o") + 1
    two = hello + [{"role": "assistant", "content": "Hi!"}]
    assert count_messages(two, "gpt-4") == 11 + 3 + count("assistant", "gpt-4") + count("Hi!", "gpt-4")


def test_cookbook_example_gives_the_cookbooks_count():
    # The cookbook's example conversation; it reports 129 prompt tokens for gpt-4 and gpt-4o-mini alike.
    messages = [
        {"role": "system", "content": "You are a helpful, pattern-following assistant that translates "
         "corporate jargon into plain English."},
        {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
        {"role": "system", "name": "example_assistant", "content": "Things working well together will "
         "increase revenue."},
        {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth "
         "to touch base on opportunities for increased leverage."},
        {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy "
         "about how to do better."},
        {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the "
         "client deliverable."},
    ]
    assert count_messages(messages, "gpt-4") == 129
    assert count_messages(messages, "gpt-4o-mini") == 124


CONVERSATIONS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": "Colour of the sky?"}],
    [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "你好 🎉"},
     {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "def f():\n    pass"}],
]


@pytest.mark.parametrize("messages", CONVERSATIONS, ids=range(len(CONVERSATIONS)))
def test_sandbox_count_is_what_the_sandbox_bills(client, messages):
    model = "smollm2-135m-instruct"
    chat = client.chat.completions.create(model=model, messages=messages, max_tokens=1)
    assert count_messages(messages, model) == chat.usage.prompt_tokens
    reply = client.responses.create(model=model, input=messages, max_output_tokens=16, store=False)
    assert count_messages(messages, model) == reply.usage.input_tokens


def test_sandbox_text_count_uses_the_sandbox_tokenizer(sandbox):
    text = "Tokens are pieces of words."
    assert encode(text, "smollm2-135m-instruct") == sandbox.engine.tokenize(text)


# --- what a request counts against a tokens-per-minute limit --------------------------

def test_a_request_counts_its_input_and_each_choices_output_limit():
    chat = {"messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": 50, "n": 3}
    assert tokens.request_tokens(chat, "gpt-4.1-mini") == tokens.RequestTokens(8, 150, limited=True)
    unset = tokens.request_tokens({"input": "Hi", "instructions": "Be brief."}, "gpt-4.1-mini")
    assert unset.output == tokens.DEFAULT_OUTPUT_LIMIT and not unset.limited
    assert unset.input == count_messages([{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Hi"}], "gpt-4.1-mini")
    legacy = tokens.request_tokens({"prompt": "Once upon a time"}, "gpt-4.1-mini")
    assert (legacy.input, legacy.output) == (count("Once upon a time", "gpt-4.1-mini"), tokens.LEGACY_OUTPUT_LIMIT)


def test_a_model_without_a_known_tokenizer_is_counted_with_o200k():
    request = {"messages": [{"role": "user", "content": "Hi there"}], "max_tokens": 5}
    expected = count_messages(request["messages"], encoding="o200k_base")
    assert tokens.request_tokens(request, "llama3.2").input == expected


def test_the_guard_the_runner_and_the_sandbox_count_one_request_alike(sandbox, client, monkeypatch):
    """One request, counted by the spending guard, the batch runner's throttle and the sandbox's TPM limit."""
    import asyncio

    from chatkit.batch import runner
    from chatkit.budget import Budget
    from chatkit.connect import AsyncOpenAI

    model = sandbox.engine.model_id
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}]
    params = {"max_completion_tokens": 12, "n": 2}  # two choices: each may write 12 tokens
    guard = Budget(tokens=1_000_000).reserve({"model": model, "messages": messages, **params})[1]

    acquired = []

    class Recording(runner.Throttle):
        async def acquire(self, tokens: int = 0) -> None:
            acquired.append(tokens)
            await super().acquire(tokens)

    monkeypatch.setattr(runner, "Throttle", Recording)
    aclient = AsyncOpenAI(api_key=sandbox.key, base_url=sandbox.base_url, max_retries=0)
    done = asyncio.run(runner.run_batch(aclient, [{"messages": messages}], model=model, progress=False, **params))
    assert done[0].status == "ok"

    saved = {name: getattr(sandbox.limits, name) for name in ("rpm", "tpm", "quota_tokens", "latency_ms")}
    sandbox.limits.update(tpm=100_000)
    try:
        raw = client.chat.completions.with_raw_response.create(model=model, messages=messages, **params)
    finally:
        sandbox.limits.update(**saved)
    taken = int(raw.headers["x-ratelimit-limit-tokens"]) - int(raw.headers["x-ratelimit-remaining-tokens"])

    assert taken == raw.parse().usage.prompt_tokens + 2 * 12  # the exact prompt plus each choice's limit
    assert (acquired, guard) == ([taken], taken)


def test_cost_of_a_known_model():
    cost = estimate_cost("gpt-4.1-nano", 1_000, 1_000)
    assert cost.known and cost.total == pytest.approx(0.0005)
    assert (cost.input, cost.output) == (pytest.approx(0.0001), pytest.approx(0.0004))
    assert str(cost).startswith("$0.000500 for gpt-4.1-nano")


def test_a_dated_snapshot_costs_what_its_model_costs():
    snapshot, model = estimate_cost("gpt-4.1-mini-2025-04-14", 1_000, 500), estimate_cost("gpt-4.1-mini", 1_000, 500)
    assert (snapshot.input, snapshot.output) == (model.input, model.output) == (0.0004, 0.0008)


def test_an_unknown_price_is_neither_zero_nor_an_error():
    cost = estimate_cost("llama3.2", 1_000, 1_000)
    assert not cost.known and cost.total is None
    assert str(cost).startswith("unknown price: 'llama3.2'")
    assert "developers.openai.com" in str(cost)


def test_the_sandbox_is_free_and_known():
    assert estimate_cost("smollm2-135m-instruct", 5_000, 5_000).total == 0


def test_price_table_is_dated_sourced_and_countable():
    table = tokens.price_table()
    datetime.date.fromisoformat(table["date"])
    assert table["source"].startswith("https://")
    for model, price in table["models"].items():
        if price.get("kind"):  # embeddings and moderation: input only (moderation is free)
            assert price["output"] == 0 and price["cached_input"] is None, model
            continue
        assert price["input"] <= price["output"], model
        assert price["cached_input"] is None or price["cached_input"] <= price["input"], model
        if price.get("shutdown"):
            datetime.date.fromisoformat(price["shutdown"])
        if "currency" in price:  # another provider's model: its own source and date; counted with o200k_base
            assert price["source"].startswith("https://") and price["currency"] != table["currency"], model
            datetime.date.fromisoformat(price["checked"])
        elif price.get("tokenizer") != "unpublished":
            tokens.encoding_name(model)  # every other priced model can also be counted


def test_docstring_examples_run():
    result = doctest.testmod(tokens, verbose=False)
    assert result.attempted > 5 and result.failed == 0
