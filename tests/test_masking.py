"""A canary key goes through everything a learner does; it must never come out in full.

Masked keys keep their label and last 4 characters (``sk-proj-…abcd``), so any run of
8 characters from the secret part showing up anywhere is a leak.
"""

from __future__ import annotations

import logging
import secrets
import string
import traceback

import httpx
import openai
import pytest

import chatkit
from chatkit.config import read_settings
from chatkit.errors import KeyFormatError
from chatkit.failures import mask_secrets
from chatkit.keys import KeyShapeWarning, check_key_format, mask_key
from support import client_for

SECRET = "CANARY" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))
CANARY = "sk-proj-" + SECRET
TRANSPORT_LOGGERS = ("openai", "httpx", "httpcore", "httpx2", "httpcore2", "uvicorn", "chatkit")


def assert_no_leak(text: str, secret: str = SECRET) -> None:
    """``text`` holds no 8 consecutive characters of ``secret`` (so at most the last 4 show)."""
    assert "CANARY" not in text
    leaks = [secret[i:i + 8] for i in range(len(secret) - 7) if secret[i:i + 8] in text]
    assert not leaks, f"part of the key leaked: {leaks}"


def test_the_leak_check_catches_leaks():
    with pytest.raises(AssertionError):
        assert_no_leak(f"key={CANARY}")
    with pytest.raises(AssertionError):
        assert_no_leak(f"key=…{CANARY[-12:]}")  # the tail alone, longer than 4
    assert_no_leak(f"key={mask_key(CANARY)}")


@pytest.fixture
def every_log(caplog):
    """Capture every log record at DEBUG, including loggers that do not propagate (uvicorn's).

    ``OPENAI_LOG=debug`` only sets the ``openai`` logger to DEBUG when openai is imported;
    setting every logger to DEBUG here records at least as much.
    """
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in TRANSPORT_LOGGERS]
    loggers += [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    isolated = []
    for logger in loggers:
        if logger.level not in (logging.NOTSET, logging.DEBUG):
            caplog.set_level(logging.DEBUG, logger=logger.name)
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
            isolated.append(logger)
    yield caplog
    for logger in isolated:
        logger.removeHandler(caplog.handler)


def everything_logged(caplog) -> str:
    return caplog.text + "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)


@pytest.fixture
def canary_env(sandbox, monkeypatch):
    """The canary as the learner's key, pointed at the (real) sandbox, which refuses it."""
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("OPENAI_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", "smollm2-135m-instruct")


def test_settings_backend_info_and_client_hide_the_key(canary_env, capfd):
    settings = read_settings()
    info = chatkit.backend_info()
    client, async_client = chatkit.connect(), chatkit.connect_async()
    assert client.api_key == CANARY  # the canary really is the live key
    shown = [repr(settings), str(settings), repr(info), str(info), repr(client), str(client),
             repr(async_client), repr(client.with_options(timeout=1))]
    print(settings, info, client, async_client, sep="\n")
    out, err = capfd.readouterr()
    for text in shown + [out, err]:
        assert_no_leak(text)
    assert mask_key(CANARY) in out  # what was printed really was the key, masked


def test_dotenv_key_is_hidden_too(tmp_path, sandbox, capfd):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={CANARY}\nOPENAI_BASE_URL={sandbox.base_url}\n")
    assert read_settings().api_key == CANARY
    print(read_settings(), chatkit.backend_info(), chatkit.connect())
    out, err = capfd.readouterr()
    assert_no_leak(out + err)


def test_a_refused_call_does_not_leak(canary_env, every_log, capfd):
    client = chatkit.connect(max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model=client.default_model,
                                       messages=[{"role": "user", "content": "hi"}], max_tokens=1)
    exc = info.value
    assert exc.status_code == 401
    for text in (str(exc), repr(exc), exc.message, str(exc.body), repr(exc.request),
                 "".join(traceback.format_exception(exc))):
        assert_no_leak(text)
    assert mask_key(CANARY) in exc.message  # the sandbox names the key, masked, as OpenAI does

    verdict = chatkit.verify(client)
    assert verdict.problem == "wrong_key"
    print(verdict)
    for text in (str(verdict), repr(verdict), verdict.message, verdict.fix):
        assert_no_leak(text)

    logged = everything_logged(every_log)
    assert "HTTP Response: POST 401" in logged  # openai's debug log was captured
    assert "/v1/models" in logged  # and the transport's log of the verify call
    assert_no_leak(logged)
    out, err = capfd.readouterr()
    assert "✗" in out
    assert_no_leak(out + err)


def test_a_successful_call_does_not_leak(sandbox, every_log, capfd):
    key, _ = sandbox.store.create_key("a learner's key")
    client = client_for(sandbox, key)
    print(chatkit.verify(client))
    secret = key[len("sk-sandbox-"):]
    logged = everything_logged(every_log)
    assert "HTTP Response: GET 200" in logged
    assert_no_leak(logged, secret)
    out, err = capfd.readouterr()
    assert mask_key(key) in out
    assert_no_leak(out + err, secret)


def test_sandbox_database_never_holds_a_key(sandbox):
    key, info = sandbox.store.create_key("kept as a hash")
    client = client_for(sandbox, key)
    client.chat.completions.create(model="smollm2-135m-instruct",
                                   messages=[{"role": "user", "content": "hi"}], max_tokens=1)
    with pytest.raises(openai.AuthenticationError):
        client_for(sandbox, CANARY).models.list()
    files = sorted(sandbox.store.path.parent.glob(sandbox.store.path.name + "*"))  # with -wal and -shm
    data = b"".join(path.read_bytes() for path in files)
    assert info.id.encode() in data  # the key's record was written: the check below is real
    assert mask_key(key).encode() in data
    for secret in (key[len("sk-sandbox-"):], SECRET):
        assert_no_leak(data.decode("latin-1"), secret)


MALFORMED = {
    "newline": CANARY + "\n",
    "space": " " + CANARY,
    "double quotes": f'"{CANARY}"',
    "single quotes": f"'{CANARY}'",
    "bearer": "Bearer " + CANARY,
    "full-width letter": CANARY[:20] + "\uff21" + CANARY[21:],
    "space inside": CANARY[:20] + " " + CANARY[20:],
}
# Keys that may be right: saved with a warning, which must not leak either.
DOUBTFUL = {"no prefix": SECRET, "cut off": CANARY[:15], "a glm key under openai": SECRET[:30] + "." + SECRET[30:]}


@pytest.mark.parametrize("key", MALFORMED.values(), ids=MALFORMED.keys())
def test_key_format_errors_do_not_leak(key):
    with pytest.raises(KeyFormatError) as info:
        check_key_format(key)
    exc = info.value
    for text in (str(exc), repr(exc), exc.what, exc.fix, "".join(traceback.format_exception_only(exc))):
        assert_no_leak(text)


@pytest.mark.parametrize("key", MALFORMED.values(), ids=MALFORMED.keys())
def test_save_key_errors_do_not_leak(tmp_path, key, capfd):
    with pytest.raises(KeyFormatError) as info:
        chatkit.save_key(key)
    out, err = capfd.readouterr()
    assert_no_leak(str(info.value) + out + err)


@pytest.mark.parametrize("key", DOUBTFUL.values(), ids=DOUBTFUL.keys())
def test_key_shape_warnings_do_not_leak(tmp_path, key, capfd):
    with pytest.warns(KeyShapeWarning) as caught:
        chatkit.save_key(key)
    out, err = capfd.readouterr()
    assert_no_leak(" ".join(str(w.message) for w in caught) + out + err)


GLM_CANARY = "CANARY" + SECRET[6:32] + "." + SECRET[32:]
QIANFAN_CANARY = "bce-v3/ALTAK-" + SECRET[:20] + "/" + SECRET[20:]
DASHSCOPE_CANARY = "sk-" + SECRET[:32]
HEX = secrets.token_hex(16)
ARK_CANARY = f"{HEX[:8]}-{HEX[8:12]}-{HEX[12:16]}-{HEX[16:20]}-{HEX[20:]}"  # a UUID (providers.json's key_format)
CHINESE_KEYS = {"zhipu": GLM_CANARY, "qianfan": QIANFAN_CANARY, "dashscope": DASHSCOPE_CANARY, "ark": ARK_CANARY}


def hidden(key: str) -> str:
    """The part of ``key`` that must never show: all but its label (bce-v3/ALTAK-)."""
    return key.removeprefix("bce-v3/ALTAK-")


@pytest.mark.parametrize("key", CHINESE_KEYS.values(), ids=CHINESE_KEYS.keys())
def test_chinese_key_shapes_are_masked_in_any_text(key):
    masked = mask_secrets(f"Authorization failed for {key}, check it.")
    assert masked.endswith(f"…{key[-4:]}, check it.")
    assert_no_leak(masked, hidden(key))


@pytest.mark.parametrize("key", CHINESE_KEYS.values(), ids=CHINESE_KEYS.keys())
def test_chinese_key_shapes_never_come_out_of_an_explanation(key):
    request = httpx.Request("POST", "https://open.bigmodel.cn/api/paas/v4/chat/completions")
    message = f"Invalid value in the header: {key}."  # a 400 message is quoted in the explanation
    exc = openai.BadRequestError(message, response=httpx.Response(400, request=request), body=None)
    explained = chatkit.explain(exc)
    assert key[-4:] in explained.what  # the server's message really is in it, masked
    for text in (str(explained), explained.what, explained.fix, explained.cause):
        assert_no_leak(text, hidden(key))
