"""The canary sweep: run the course with canary secrets live, then look everywhere for them.

A canary is a real, working secret that exists only for this run. The notebooks that handle
keys, make calls and report errors run with a canary key as ``OPENAI_API_KEY``, and so does
the command line; a canary key of each Chinese provider's shape is saved as a learner saves it
and sent by the doctor to a stand-in provider that echoes it back in full; the bot runs with
canary Lanying secrets (``LANYING_ADMIN_TOKEN`` and ``LANYING_CALLBACK_SIGNATURE``, which it
needs to serve Lanying) and canary WeCom secrets (``WECOM_SECRET``, ``WECOM_TOKEN``,
``WECOM_ENCODING_AES_KEY``). Then every notebook output, every file they wrote (logs, SQLite, saved
conversations), and everything the commands printed
is searched for a canary or any 12-character piece of one. Any hit fails. A canary proves
something only if the code used it: the first tests check that each one was.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import string
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from chatkit.config import SETTING_NAMES
from chatkit.keys import mask_key, save_key
from chatkit.providers import preset
from chatkit.sandbox.store import Store

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SWEPT = ["02-set-up-your-api-key.ipynb", "03-make-your-first-call.ipynb", "07-handle-errors-limits-and-logs.ipynb"]
ADMIN_TOKEN = "lanying-canary-" + "Qx7fR2mZpL9wK4tB" * 2
SIGNATURE = "lanying-sig-" + "Hv3nWc8TyD5sJ1kE" * 2
PIECE = 12


def _letters(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


# WeCom's secret and EncodingAESKey are 43 letters and digits; the callback Token is the operator's choice.
WECOM_SECRETS = {"WECOM_SECRET": _letters(43), "WECOM_TOKEN": "wecom-canary-" + _letters(20),
                 "WECOM_ENCODING_AES_KEY": _letters(43)}
# Lanying and WeCom are on only when all their settings are set: the bot reads each of them.
PLATFORM = {"LANYING_APP_ID": "canary-app", "LANYING_BOT_USER_ID": "4242", "LANYING_ADMIN_TOKEN": ADMIN_TOKEN,
            "LANYING_CALLBACK_SIGNATURE": SIGNATURE, "WECOM_CORP_ID": "ww-canary-corp", "WECOM_AGENT_ID": "1000002",
            **WECOM_SECRETS}


# A key of each shape the Chinese providers document (key_format in chatkit/providers.json).
PROVIDER_CANARIES = {
    "zhipu": f"{secrets.token_hex(16)}.{_letters(16)}",  # <id>.<secret>
    "qwen": f"sk-{secrets.token_hex(16)}",  # DashScope
    "qianfan": f"bce-v3/ALTAK-{_letters(20)}/{secrets.token_hex(20)}",
    "ark": str(uuid.uuid4()),  # Volcano Ark
}


def pieces(secret: str) -> set[str]:
    return {secret[i:i + PIECE] for i in range(len(secret) - PIECE + 1)}


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The 12-character pieces of any secret found in ``text``."""
    return sorted(piece for secret in secrets for piece in pieces(secret) if piece in text)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Run the swept notebooks and commands with the canaries; return what they left behind."""
    root = tmp_path_factory.mktemp("canary")
    data, work, temp = root / "data", root / "work", root / "tmp"
    for folder in (data, work, temp):
        folder.mkdir()
    canary, info = Store(data).create_key("canary")
    env = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    env.update(CHATKIT_BACKEND="sandbox", CHATKIT_DATA_DIR=str(data), OPENAI_API_KEY=canary, TMPDIR=str(temp),
               **PLATFORM)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        outputs = {name: _run_notebook(NOTEBOOKS / name, work) for name in SWEPT}
        printed = _run_commands(work, env)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"secrets": [canary, ADMIN_TOKEN, SIGNATURE, *WECOM_SECRETS.values()], "key_id": info.id, "data": data,
            "outputs": outputs,
            "printed": printed, "files": [p for folder in (data, work, temp) for p in folder.rglob("*") if p.is_file()]}


def _run_notebook(path: Path, work: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    nbformat.write(nb, work / path.name)
    return "\n".join(nbformat.writes(nb).splitlines())


def _run_commands(work: Path, env: dict) -> dict[str, str]:
    """What each command printed, by command."""
    (work / "prompts.jsonl").write_text('{"prompt": "Say hi."}\n{"prompt": "Hi", "temperature": 5}\n')
    printed = {}
    for command in ("doctor", "keys list", "batch prompts.jsonl --out answers.jsonl"):
        done = subprocess.run([sys.executable, "-m", "chatkit", *command.split()], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        printed[command] = f"{done.stdout}\n{done.stderr}"
    printed["bot serve"] = _bot_serve(work, env)
    return printed


def _bot_serve(work: Path, env: dict) -> str:
    """What ``bot serve`` prints up to its WeCom line (after Lanying's), then when stopped (as `kill` stops it)."""
    bot = subprocess.Popen([sys.executable, "-m", "chatkit", "bot", "serve", "--port", "0"], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in bot.stdout:  # it prints every platform's line at once, after starting
            lines.append(line)
            if line.lstrip().startswith("WeCom"):
                break
        bot.send_signal(signal.SIGTERM)
        rest, _ = bot.communicate(timeout=60)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    return "".join(lines) + rest


def test_the_canary_key_was_really_used(sweep):
    """A sweep in which the key was never sent proves nothing."""
    usage = Store(sweep["data"]).usage(sweep["key_id"])
    assert sum(row["requests"] for row in usage) >= 10


def test_the_canary_platform_secrets_were_really_read(sweep):
    """The bot serves Lanying only with all its settings read, and shows the admin token's masked form."""
    bot = sweep["printed"]["bot serve"]
    enabled = rf"Lanying +http://127\.0\.0\.1:\d+/lanying/messages .*admin token {re.escape(mask_key(ADMIN_TOKEN))}"
    assert re.search(enabled, bot), bot
    masked = re.escape(mask_key(WECOM_SECRETS["WECOM_SECRET"]))
    wecom = rf"WeCom +http://127\.0\.0\.1:\d+/wecom/callback .*secret {masked}"
    assert re.search(wecom, bot), bot
    assert "Bot stopped." in bot


def test_the_doctors_test_call_passed(sweep):
    """The doctor's call, made with the canary key, succeeded: a failed call would send it nowhere useful."""
    doctor = sweep["printed"]["doctor"]
    assert re.search(r"^✓ Test call ", doctor, re.MULTILINE), doctor


@pytest.mark.parametrize("name", SWEPT)
def test_no_notebook_output_holds_it(sweep, name):
    assert not leaks(sweep["outputs"][name], sweep["secrets"])


@pytest.mark.parametrize("command", ["doctor", "keys list", "batch prompts.jsonl --out answers.jsonl", "bot serve"])
def test_nothing_a_command_printed_holds_it(sweep, command):
    assert not leaks(sweep["printed"][command], sweep["secrets"])


def test_no_file_written_holds_it(sweep):
    found = {}
    for path in sweep["files"]:
        text = path.read_bytes().decode("utf-8", "replace")
        if leaks(text, sweep["secrets"]):
            found[path.name] = leaks(text, sweep["secrets"])[:2]
    assert not found, f"the canary is in {found}"
    assert any(p.suffix == ".sqlite3" or p.name.endswith(".db") for p in sweep["files"])  # the store was searched
    assert any(p.name == "calls.jsonl" for p in sweep["files"])  # and notebook 07's call log


def test_the_sweep_finds_a_piece_of_a_secret():
    secret = "sk-sandbox-" + "AbCdEfGhIjKlMnOp" * 3
    assert leaks(f"log: key={secret[20:33]}…", [secret])
    assert not leaks("key=sk-sandbox-…MnOp", [secret])


# --- the Chinese providers' keys --------------------------------------------------------------

@pytest.fixture(scope="module")
def provider_sweep(tmp_path_factory):
    """Save each provider canary with save_key(provider=...), run the doctor on it against a stand-in
    provider that echoes the key it got in full (as a careless server might), then the batch runner; return
    what came out."""
    root, received = tmp_path_factory.mktemp("provider-canary"), []

    class EchoingProvider(BaseHTTPRequestHandler):
        def _refuse(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            received.append(key)
            body = json.dumps({"error": {"message": f"Invalid API key: {key}", "type": "invalid_request_error",
                                         "code": "invalid_api_key"}}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _refuse

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingProvider)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    env = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    env.update(OPENAI_BASE_URL=f"http://127.0.0.1:{server.server_port}/v1", TMPDIR=str(root))
    printed = {}
    try:
        for name, key in PROVIDER_CANARIES.items():
            work = root / name
            work.mkdir()
            save_key(key, work / ".env", provider=name)
            (work / "prompts.jsonl").write_text('{"prompt": "Say hi."}\n')
            printed[name] = "\n".join(_chatkit(command, work, env) for command in
                                      ("doctor", "batch prompts.jsonl --out answers.jsonl"))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    files = [p for p in root.rglob("*") if p.is_file() and p.name != ".env"]  # .env is where a key belongs
    return {"received": received, "printed": printed, "files": files}


def _chatkit(command: str, work: Path, env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "chatkit", *command.split()], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    return f"{done.stdout}\n{done.stderr}"


def test_each_provider_canary_was_really_sent(provider_sweep):
    assert set(PROVIDER_CANARIES.values()) <= set(provider_sweep["received"])


@pytest.mark.parametrize("name", PROVIDER_CANARIES)
def test_the_doctor_read_each_saved_key_and_shows_it_masked(provider_sweep, name):
    said = provider_sweep["printed"][name]
    assert f"{mask_key(PROVIDER_CANARIES[name])} from " in said and f"(for {preset(name).title})" in said
    assert "Invalid API key: " + mask_key(PROVIDER_CANARIES[name]) in said  # the echo came back, masked


@pytest.mark.parametrize("name", PROVIDER_CANARIES)
def test_nothing_the_doctor_or_the_batch_printed_holds_a_provider_key(provider_sweep, name):
    assert not leaks(provider_sweep["printed"][name], list(PROVIDER_CANARIES.values()))


def test_no_file_but_env_holds_a_provider_key(provider_sweep):
    found = {p.name: leaks(p.read_bytes().decode("utf-8", "replace"), list(PROVIDER_CANARIES.values()))
             for p in provider_sweep["files"]}
    assert not {name: hits for name, hits in found.items() if hits}


@pytest.mark.parametrize("name", PROVIDER_CANARIES)
def test_the_sweep_finds_a_piece_of_each_provider_key(name):
    key = PROVIDER_CANARIES[name]
    assert leaks(f"log: key={key[-16:]}", [key])
    assert not leaks(f"key={mask_key(key)}", [key])
