"""The log an operator reads: one line per refused request, failed delivery and model error, no secret.

In-process tests read the records with caplog; the command's tests run ``python -m chatkit bot
serve`` (and ``im serve``) as a real process on loopback and read its stderr after it stopped.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from chatkit.__main__ import main
from chatkit.bot.platforms import webhook
from chatkit.bot.service import BotService
from chatkit.bot.settings import NAMES
from test_bot_service import (  # noqa: F401 - fixtures
    ADMIN_TOKEN,
    BOT_UID,
    SECRETS,
    SIGNATURE,
    WEBHOOK_SECRET,
    FakePlatform,
    engine,
    lanying_body,
    make_bot,
    platform,
    post_lanying,
    service,
    settings_for,
)

PLANTED = "sk-proj-PlantedSecret0123456789abcdefXYZ"  # looks like a key: must never reach the log
WRONG_KEY = "sk-wrong-key-Vb6nM2qW8eR4tY1u"


class Rejecting(FakePlatform):
    """A platform whose send API answers 503 to everything (and records each attempt)."""

    def record(self, path: str, headers: dict, body: dict) -> tuple[dict, int]:
        super().record(path, headers, body)
        return {"code": 503, "message": "service unavailable"}, 503


def warned(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("chatkit") and r.levelno >= logging.WARNING]


def test_a_forged_request_logs_one_warning_naming_the_route_and_why(service, caplog):
    caplog.set_level(logging.WARNING)
    assert post_lanying(service, lanying_body(PLANTED), signature=PLANTED).status_code == 401
    [line] = warned(caplog)
    assert line.startswith("Refused a Lanying request to /lanying/messages (HTTP 401): ")
    assert "signature" in line
    assert PLANTED not in caplog.text and PLANTED[-20:] not in caplog.text


def test_a_hostile_body_logs_one_warning(service, caplog):
    caplog.set_level(logging.WARNING)
    body = b"[" * 30_000 + b"]" * 30_000
    assert httpx.post(f"{service.url}/webhook", content=body, headers=webhook.sign(WEBHOOK_SECRET, body)).status_code \
        == 400
    [line] = warned(caplog)
    assert line.startswith("Refused a Webhook request to /webhook (HTTP 400): ") and "JSON" in line


def test_the_log_names_the_platform_in_the_operator_s_language(service, caplog, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    caplog.set_level(logging.WARNING)
    assert httpx.post(f"{service.url}/feishu/events", content=b"{").status_code == 400
    [line] = warned(caplog)
    assert "飞书" in line and "Feishu" not in line


def test_a_delivery_rejected_with_503_and_a_model_error_log_one_line_each(scripted, caplog):
    caplog.set_level(logging.WARNING)
    rejecting = Rejecting()
    try:
        with BotService.start(make_bot(scripted, key=WRONG_KEY), settings_for(rejecting),
                              retry_pause=0.01) as running:
            assert post_lanying(running, lanying_body()).status_code == 200
            rejecting.wait_for(2)  # the apology, and its one retry
    finally:
        rejecting.close()
    lines = warned(caplog)  # stop() waited for the answer, so its lines are all there
    assert len(lines) == 2, lines
    assert sum("The model could not answer lanying user" in line for line in lines) == 1
    assert sum("Could not deliver a reply to" in line and "HTTP 503" in line for line in lines) == 1
    for secret in [*SECRETS, WRONG_KEY]:
        assert secret not in caplog.text


def test_the_library_leaves_the_root_logger_alone(scripted, platform):
    before = list(logging.getLogger().handlers), logging.getLogger().level
    with BotService.start(make_bot(scripted), settings_for(platform)):
        pass
    assert (list(logging.getLogger().handlers), logging.getLogger().level) == before


def test_an_unknown_log_level_is_explained(monkeypatch, capsys):
    monkeypatch.setattr("chatkit.bot.service.serve", lambda host, port: 0)  # never serve in this process
    monkeypatch.setenv("CHATKIT_LOG_LEVEL", "loud")
    assert main(["bot", "serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "CHATKIT_LOG_LEVEL='loud' is not a log level" in err and "--log-level" in err


# --- the command, as a real process --------------------------------------------------------

def stopped(proc: subprocess.Popen) -> str:
    """Stop a served process with Ctrl+C (killed if it does not stop) and return what it wrote to stderr."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=30)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_bot(tmp_path, scripted, rejecting: Rejecting, *options: str, **env_vars: str) -> str:
    """Run ``bot serve``: a forged webhook request, one Lanying message (model error, then a 503); its stderr."""
    (tmp_path / ".env").write_text(
        f"CHATKIT_WEBHOOK_SECRET={WEBHOOK_SECRET}\nLANYING_APP_ID=demoapp01\nLANYING_BOT_USER_ID={BOT_UID}\n"
        f"LANYING_ADMIN_TOKEN={ADMIN_TOKEN}\nLANYING_CALLBACK_SIGNATURE={SIGNATURE}\n"
        f"LANYING_API_ENDPOINT={rejecting.url}\n")
    env = {k: v for k, v in os.environ.items() if k not in NAMES and not k.startswith(("OPENAI_", "CHATKIT_"))}
    env.update(OPENAI_BASE_URL=scripted.base_url, OPENAI_API_KEY=WRONG_KEY, CHATKIT_MODEL=scripted.engine.model_id,
               CHATKIT_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", **env_vars)
    proc = subprocess.Popen([sys.executable, "-m", "chatkit", "bot", "serve", "--port", "0", *options],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline()).group(0)
        body = json.dumps({"message_id": "m1", "user_id": "u1", "text": f"my key is {PLANTED}"}).encode()
        assert httpx.post(f"{url}/webhook", content=body, headers=webhook.sign(PLANTED, body)).status_code == 401
        assert httpx.post(f"{url}/lanying/messages", content=lanying_body(),
                          headers={"signature": SIGNATURE}).status_code == 200
        rejecting.wait_for(2)  # the apology and its one retry; stopping waits for the line that follows
    finally:
        err = stopped(proc)
    assert proc.returncode == 0 and "Traceback" not in err, err
    for secret in [*SECRETS, WRONG_KEY, PLANTED, PLANTED[-12:], WRONG_KEY[-12:]]:
        assert secret not in err
    return err


@pytest.fixture
def rejecting():
    fake = Rejecting()
    yield fake
    fake.close()


def test_bot_serve_logs_one_line_per_refusal_failed_delivery_and_model_error(tmp_path, scripted, rejecting):
    lines = run_bot(tmp_path, scripted, rejecting).splitlines()
    [estimate] = [line for line in lines if "EstimateWarning" in line]  # a Python warning, written as a log line
    assert "WARNING chatkit.warnings:" in estimate and "o200k_base" in estimate
    lines.remove(estimate)
    assert len(lines) == 3, lines  # WARNING by default: nothing else
    [refused] = [line for line in lines if "Refused a Webhook request to /webhook (HTTP 401)" in line]
    assert "WARNING chatkit.bot:" in refused and "x-chatkit-signature" in refused
    [model] = [line for line in lines if "The model could not answer lanying user" in line]
    assert "ERROR chatkit.bot:" in model
    [delivery] = [line for line in lines if "Could not deliver a reply to" in line]
    assert "HTTP 503, 2 attempts" in delivery


@pytest.mark.parametrize("how", ["flags", "environment"])
def test_bot_serve_writes_json_lines_at_the_level_asked(tmp_path, scripted, rejecting, how):
    options, env_vars = ((["--log-json", "--log-level", "error"], {}) if how == "flags"
                         else ([], {"CHATKIT_LOG_FORMAT": "json", "CHATKIT_LOG_LEVEL": "error"}))
    lines = [json.loads(line) for line in run_bot(tmp_path, scripted, rejecting, *options, **env_vars).splitlines()]
    [model] = lines  # ERROR only: the refusal and the failed delivery are warnings
    assert model["level"] == "ERROR" and model["logger"] == "chatkit.bot"
    assert model["message"].startswith("The model could not answer lanying user") and model["time"].endswith("Z")


def test_im_serve_logs_a_refused_send_without_the_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANYING_", "CHATKIT_"))}
    env.update(CHATKIT_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "chatkit", "im", "serve", "--port", "0"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline()).group(0)
        answer = httpx.post(f"{url}/message/send", json={"type": 1}, headers={"app_id": "x", "access-token": PLANTED})
        assert answer.status_code == 401
    finally:
        err = stopped(proc)
    [line] = err.splitlines()
    assert "WARNING chatkit.im: Refused POST /message/send (HTTP 401)" in line
    assert PLANTED not in err and PLANTED[-12:] not in err
