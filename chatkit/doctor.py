"""The doctor: check the setup one line at a time, and say how to fix each problem.

Checks, in order: Python; each required package (as pip names it); the sandbox model;
the .env file (and, if there is one, that it is private and ignored by git); the API
key; the backend; and, with ``call=True``, one tiny real call. Keys are only ever masked.
"""

from __future__ import annotations

import datetime
import fnmatch
import html
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from functools import partial
from importlib import metadata, util
from pathlib import Path

import openai

from .config import PROVIDER, find_key, read_settings
from .connect import connect
from .errors import ChatkitError, ConfigError, KeyFormatError
from .failures import explain
from .keys import mask_key, refuse_impossible, shape_problem
from .providers import ENDPOINT_NAMES, presets
from .reasoning import greedy, limit_name
from .sandbox import engine
from .settings import ENVIRONMENT, find_env_file, value
from .tokens import retirement
from .verify import verify

MIN_PYTHON = (3, 10)
# import name -> the distribution pip installs it from
PACKAGES = {
    "openai": "openai", "ipywidgets": "ipywidgets", "jupyterlab": "jupyterlab", "dotenv": "python-dotenv",
    "xllamacpp": "xllamacpp", "starlette": "starlette", "uvicorn": "uvicorn",
}
# What the prebuilt llama.cpp in xllamacpp needs from the system, per platform.
RUNTIME_FIX = {
    "linux": "Install the GNU OpenMP runtime: on Debian or Ubuntu 'sudo apt-get install libgomp1', "
             "on Fedora 'sudo dnf install libgomp'; then restart the kernel.",
    "win32": "Install the Microsoft Visual C++ Redistributable (x64) from Microsoft's website "
             "(search 'vc_redist.x64.exe'); then restart the kernel.",
}
CALL_TIMEOUT = 60  # seconds; a busy computer can slow the sandbox's first answer a lot
INSTALL = "In a terminal, in the chatkit folder, run: pip install -r requirements.txt; then restart the kernel."


@dataclass
class Check:
    """One line of the report: what was checked, whether it passed, what was found, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


class Report:
    """What the doctor found. ``print()`` it for a table, or show it in Jupyter for an HTML one.

    >>> print(Report([Check("Python", True, "3.11.7"), Check(".env private", False, "mode 0644", "chmod 600 .env")]))
    ✓ Python        3.11.7
    ✗ .env private  mode 0644
                    Fix: chmod 600 .env
    1 of 2 checks failed: follow each Fix, then run the doctor again.
    """

    def __init__(self, checks) -> None:
        self.checks: list[Check] = list(checks)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def _summary(self) -> str:
        failed = sum(not check.ok for check in self.checks)
        if not failed:
            return f"All {len(self.checks)} checks passed."
        return f"{failed} of {len(self.checks)} checks failed: follow each Fix, then run the doctor again."

    def __repr__(self) -> str:
        return f"<Report: {self._summary()}>"

    def __str__(self) -> str:
        width = max((len(check.name) for check in self.checks), default=0)
        lines = []
        for check in self.checks:
            lines.append(f"{'✓' if check.ok else '✗'} {check.name:<{width}}  {check.detail}")
            if not check.ok and check.fix:
                lines.append(f"  {'':<{width}}  Fix: {check.fix}")
        return "\n".join(lines + [self._summary()])

    def _repr_html_(self) -> str:
        left = 'style="text-align:left"'  # Jupyter right-aligns table cells by default
        rows = "".join(_html_row(check) for check in self.checks)
        return (f"<table><thead><tr><th></th><th {left}>Check</th><th {left}>Result</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{html.escape(self._summary())}</p>")


def _html_row(check: Check) -> str:
    mark = '<span style="color:green">✓</span>' if check.ok else '<span style="color:#c00">✗</span>'
    result = html.escape(check.detail)
    if not check.ok and check.fix:
        result += f"<br><b>Fix:</b> {html.escape(check.fix)}"
    return (f'<tr><td>{mark}</td><td style="text-align:left">{html.escape(check.name)}</td>'
            f'<td style="text-align:left">{result}</td></tr>')


def diagnose(call: bool = True) -> Report:
    """Check Python, the packages, the model, .env, the key and the backend; with ``call``, make one tiny call.

    **Parameters:** ``call`` -- also make a 5-token chat completion with ``chatkit.connect()``
    (on OpenAI this costs a tiny fraction of a cent; on the sandbox, nothing).

    >>> report = diagnose(call=False)
    >>> report.checks[0].name, report.checks[-1].name
    ('Python', 'Backend')
    """
    env_file = find_env_file()
    steps = [("Python", _python)]
    steps += [(dist, partial(_package, module, dist)) for module, dist in PACKAGES.items()]
    steps += [("Model runtime", _runtime), ("Sandbox model", _model), (".env file", partial(_env_file, env_file)),
              ("API key", partial(_key, env_file)), ("Backend", partial(_backend, env_file))]
    if call:
        steps.append(("Test call", _test_call))
    checks = [check for name, run in steps for check in _safely(name, run)]
    try:
        secret, _, _ = _raw_key(env_file)
    except Exception:  # an unreadable .env: the key check already says so, and shows no key
        secret = None
    return Report(_redact(check, secret) for check in checks)


def _safely(name: str, run) -> list:
    """Run one check; a crash becomes a failing check instead of stopping the doctor."""
    try:
        result = run()
    except Exception as exc:  # the doctor must always finish its report
        return [Check(name, False, f"the check itself crashed: {type(exc).__name__}: {exc}",
                      "Run the doctor again; if this repeats, report it with the doctor's output.")]
    return result if isinstance(result, list) else [result]


def _redact(check: Check, key: str | None) -> Check:
    """Belt and braces: replace the key, wherever it slipped in, by its masked form."""
    if not key or len(key) < 8:  # too short to be a secret; replacing it would garble the text
        return check
    return replace(check, detail=check.detail.replace(key, mask_key(key)), fix=check.fix.replace(key, mask_key(key)))


def _python() -> Check:
    v = sys.version_info
    found = f"{v.major}.{v.minor}.{v.micro} ({sys.executable})"
    if (v.major, v.minor) >= MIN_PYTHON:
        return Check("Python", True, found)
    need = ".".join(map(str, MIN_PYTHON))
    return Check("Python", False, f"{found}: chatkit needs Python {need} or newer",
                 f"Install Python {need} or newer (python.org), make a new virtual environment with it, "
                 f"and in it run: pip install -r requirements.txt")


def _package(module: str, dist: str) -> Check:
    # find_spec locates a package without importing it: jupyterlab is slow to import.
    if util.find_spec(module) is None:
        return Check(dist, False, f"not installed (there is no module '{module}' to import)", INSTALL)
    try:
        return Check(dist, True, metadata.version(dist))
    except metadata.PackageNotFoundError:
        return Check(dist, True, "importable (version unknown)")


def _runtime() -> Check:
    """xllamacpp's compiled llama.cpp loads: it needs OpenMP on Linux, the VC++ runtime on Windows."""
    if util.find_spec("xllamacpp") is None:
        return Check("Model runtime", False, "xllamacpp is not installed", INSTALL)
    try:
        import xllamacpp  # here: whether it loads is what this check finds out
    except (ImportError, OSError) as exc:
        fix = RUNTIME_FIX.get(sys.platform, "Reinstall it: pip install --force-reinstall xllamacpp")
        return Check("Model runtime", False, f"llama.cpp (xllamacpp) does not load: {exc}", fix)
    return Check("Model runtime", True, f"llama.cpp loads (xllamacpp {xllamacpp.__version__}, prebuilt)")


def _model() -> Check:
    try:
        path = engine.model_path()
    except ChatkitError as exc:
        return Check("Sandbox model", False, exc.what, exc.fix)
    if not path.is_file():
        return Check("Sandbox model", False, f"missing: {path}",
                     "In a terminal, in the chatkit folder, run: pip install --force-reinstall ./model")
    return Check("Sandbox model", True, f"{path.name} ({path.stat().st_size / 1e6:.0f} MB)")


def _env_file(path: Path | None) -> list[Check]:
    if path is None:
        provider = _provider(None)
        where = ("the key comes from the environment" if _raw_key(None)[0] else
                 f"{provider.title} needs no key" if provider and provider.local else "sandbox will be used")
        return [Check(".env file", True, f"none ({where})")]
    return [Check(".env file", True, str(path)), _env_private(path), _env_ignored(path)]


def _env_private(path: Path) -> Check:
    if os.name == "nt":
        return Check(".env private", True, "not checked on Windows (your user folder is private)")
    mode = path.stat().st_mode & 0o777
    if not mode & 0o077:
        return Check(".env private", True, f"mode {mode:04o}: only you can read it")
    who = "every user of this computer" if mode & 0o004 else "your group" if mode & 0o040 else None
    detail = f"mode {mode:04o}: {who} can read it" if who else f"mode {mode:04o}: other users can change it"
    return Check(".env private", False, detail, f"In a terminal, run: chmod 600 {shlex.quote(str(path))}")


def _env_ignored(path: Path) -> Check:
    name, ignore = ".env ignored by git", path.parent / ".gitignore"
    by_git = _git(path, "check-ignore", "-q")
    if by_git is True or (by_git is None and _listed(path, ignore)):
        return Check(name, True, "git ignores it" if by_git else f"listed in {ignore}")
    if _git(path, "ls-files", "--error-unmatch"):
        return Check(name, False, "git already tracks it: the key may be in your history",
                     f"In a terminal, run: git rm --cached {shlex.quote(path.name)}; add the line {path.name} "
                     f"to {ignore}; commit; then replace the key with a new one.")
    return Check(name, False, f"{path.name} is not listed in {ignore}: git could commit your key",
                 f"Add the line {path.name} to {ignore}")


def _git(path: Path, *command: str) -> bool | None:
    """True or False as git answers about ``path``; None when git cannot tell (no git, or no repository)."""
    try:
        done = subprocess.run(["git", *command, path.name], cwd=path.parent, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {0: True, 1: False}.get(done.returncode)


def _listed(path: Path, ignore: Path) -> bool:
    """Whether a line of ``ignore`` matches the file's name (outside a git repository)."""
    if not ignore.is_file():
        return False
    lines = (line.strip().lstrip("/") for line in ignore.read_text(encoding="utf-8", errors="replace").splitlines())
    return any(line and line[0] not in "#!" and fnmatch.fnmatch(path.name, line) for line in lines)


def _provider(env_file: Path | None):
    """The preset CHATKIT_PROVIDER names; None if unset or unknown."""
    return presets().get((value(PROVIDER, env_file) or "").strip().lower())


def _raw_key(env_file: Path | None) -> tuple[str | None, str | None, str]:
    """The key as chatkit reads it (``config.find_key``), where it came from, and its variable."""
    return find_key(_provider(env_file), env_file)


def _key(env_file: Path | None) -> Check:
    key, came_from, variable = _raw_key(env_file)
    source = "the environment" if came_from == ENVIRONMENT else str(env_file)
    provider = _provider(env_file)
    if not key:
        if provider and provider.local:
            return Check("API key", True, f"none ({provider.title} runs on your computer and needs none)")
        return Check("API key", True, "none (the sandbox makes its own)")
    where = (f"Then set {variable} again in your environment." if came_from == ENVIRONMENT
             else f"Edit the {variable} line in {source}.")
    try:
        refuse_impossible(key)
    except KeyFormatError as exc:
        return Check("API key", False, f"{mask_key(key)} from {source}: {exc.what}", f"{exc.fix} {where}")
    provider = provider or presets()["openai"]
    if provider.key_format is None:  # a shape nobody documents: the test call checks the key
        return Check("API key", True, f"{variable} {mask_key(key)} from {source} (for {provider.title})")
    problem = shape_problem(key, provider)
    if problem:
        return Check("API key", False, f"{mask_key(key)} from {source}", f"{problem} {where}")
    if provider.name != "openai":
        return Check("API key", True, f"{variable} {mask_key(key)} from {source} (for {provider.title})")
    return Check("API key", True, f"{mask_key(key)} from {source} (the format looks right)")


def _backend(env_file: Path | None) -> Check:
    try:
        settings = read_settings(env_file)
    except ConfigError as exc:
        return Check("Backend", False, exc.what, exc.fix)
    if settings.backend == "sandbox":
        return Check("Backend", True, f"sandbox (offline, on this computer), model {settings.model}")
    model = settings.model or "the first chat model the server lists (set CHATKIT_MODEL to choose one)"
    found = (f"{settings.backend} at {settings.base_url} ({_who(settings.provider)}), model {model}"
             f"{_lacks(settings.provider)}")
    return (settings.model and _retiring(settings.model, found)) or Check("Backend", True, found)


def _who(name: str | None) -> str:
    known = presets().get(name or "")
    return f"provider: {known.title}" if known else "an OpenAI-compatible server chatkit has no preset for"


def _lacks(name: str | None) -> str:
    """What the live provider lacks of what the course uses, e.g. '; no Responses API (checked 2026-11-26)...'."""
    known = presets().get(name or "")
    missing = [ENDPOINT_NAMES[e] for e in ("responses", "batch") if known and known.offers.get(e) is False]
    if not missing:
        return ""
    them = "them" if len(missing) > 1 else "it"
    return (f"; it offers no {' and no '.join(missing)} (checked {known.checked}): cells that need {them} stop "
            "and say so; run those with the sandbox")


def _retiring(model: str, found: str, today=None) -> Check | None:
    """A warning when OpenAI retires the model soon (within 60 days), an error once it has."""
    day, today = retirement(model), today or datetime.date.today()
    if day is None or (day - today).days > 60:
        return None
    fix = (f"Choose a current model in .env, for example CHATKIT_MODEL=gpt-6-luna (see notebook 01); "
           f"{model} is retired by OpenAI on {day.isoformat()}.")
    if day <= today:
        return Check("Backend", False, f"{found}: OpenAI retired {model} on {day.isoformat()}", fix)
    return Check("Backend", True, f"{found} (OpenAI retires it on {day.isoformat()}, in {(day - today).days} "
                 f"days: then set CHATKIT_MODEL=gpt-6-luna)")


def _test_call() -> Check:
    try:
        client = connect(max_retries=0, timeout=CALL_TIMEOUT)
    except ChatkitError as exc:
        return Check("Test call", False, exc.what, exc.fix)
    verdict = verify(client)
    if not verdict.ok:
        return Check("Test call", False, verdict.message, verdict.fix)
    return _completion(client)


def _completion(client) -> Check:
    """One 5-token chat completion, timed; greedy (temperature 0, reasoning off) so the doctor's output repeats."""
    model = client.default_model
    start = time.perf_counter()
    try:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Say hello."}], **{limit_name(model): 5},
            **greedy(model))
    except openai.APIError as exc:
        found = explain(exc)
        return Check("Test call", False, f"the test chat completion failed: {found.what}", found.fix)
    ms = round((time.perf_counter() - start) * 1000)
    text = (reply.choices[0].message.content or "").strip() if reply.choices else ""
    return Check("Test call", True, f"{client.default_model} answered {text!r} in {ms} ms at {client.base_url}")


if __name__ == "__main__":
    print(diagnose())
