"""The doctor: check the setup one line at a time, and say how to fix each problem.

Checks, in order: Python; each required package (as pip names it); the sandbox model;
the catalogue models pulled (``python -m chatkit models pull``), each verified or not; the
.env file (and, if there is one, that it is private and ignored by git); the API key; the
backend; and, with ``call=True``, one tiny real call. Keys are only ever masked.
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

from . import hub
from .config import PROVIDER, find_key, read_settings
from .connect import connect
from .display import columns, ljust
from .errors import ChatkitError, ConfigError, KeyFormatError
from .failures import explain
from .hub.entries import destination
from .keys import mask_key, refuse_impossible, shape_problem
from .messages import say
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
# What the prebuilt llama.cpp in xllamacpp needs from the system, per platform: doctor.runtime.fix.<platform>
RUNTIME_PLATFORMS = ("linux", "win32")
CALL_TIMEOUT = 60  # seconds; a busy computer can slow the sandbox's first answer a lot


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
            return say("doctor.all_passed", count=len(self.checks))
        return say("doctor.some_failed", failed=failed, count=len(self.checks))

    def __repr__(self) -> str:
        return f"<Report: {self._summary()}>"

    def __str__(self) -> str:
        width = max((columns(check.name) for check in self.checks), default=0)
        lines = []
        for check in self.checks:
            lines.append(f"{'✓' if check.ok else '✗'} {ljust(check.name, width)}  {check.detail}")
            if not check.ok and check.fix:
                lines.append(f"  {'':<{width}}  {say('doctor.fix', fix=check.fix)}")
        return "\n".join(lines + [self._summary()])

    def _repr_html_(self) -> str:
        left = 'style="text-align:left"'  # Jupyter right-aligns table cells by default
        rows = "".join(_html_row(check) for check in self.checks)
        return (f"<table><thead><tr><th></th><th {left}>{say('doctor.head.check')}</th>"
                f"<th {left}>{say('doctor.head.result')}</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{html.escape(self._summary())}</p>")


def _html_row(check: Check) -> str:
    mark = '<span style="color:green">✓</span>' if check.ok else '<span style="color:#c00">✗</span>'
    result = html.escape(check.detail)
    if not check.ok and check.fix:
        result += "<br>" + say("doctor.fix_html", fix=html.escape(check.fix))
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
    steps += [(say("doctor.check.runtime"), _runtime), (say("doctor.check.model"), _model),
              (say("doctor.check.pulled"), _pulled),
              (say("doctor.check.env_file"), partial(_env_file, env_file)),
              (say("doctor.check.key"), partial(_key, env_file)),
              (say("doctor.check.backend"), partial(_backend, env_file))]
    if call:
        steps.append((say("doctor.check.call"), _test_call))
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
        return [Check(name, False, say("doctor.crashed.what", error=type(exc).__name__, message=exc),
                      say("doctor.crashed.fix"))]
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
    return Check("Python", False, say("doctor.python.old", found=found, need=need),
                 say("doctor.python.fix", need=need))


def _package(module: str, dist: str) -> Check:
    # find_spec locates a package without importing it: jupyterlab is slow to import.
    if util.find_spec(module) is None:
        return Check(dist, False, say("doctor.package.missing", module=module), say("doctor.install"))
    try:
        return Check(dist, True, metadata.version(dist))
    except metadata.PackageNotFoundError:
        return Check(dist, True, say("doctor.package.no_version"))


def _runtime() -> Check:
    """xllamacpp's compiled llama.cpp loads: it needs OpenMP on Linux, the VC++ runtime on Windows."""
    name = say("doctor.check.runtime")
    if util.find_spec("xllamacpp") is None:
        return Check(name, False, say("doctor.runtime.missing"), say("doctor.install"))
    try:
        import xllamacpp  # here: whether it loads is what this check finds out
    except (ImportError, OSError) as exc:
        platform = sys.platform if sys.platform in RUNTIME_PLATFORMS else "other"
        return Check(name, False, say("doctor.runtime.broken", error=exc), say(f"doctor.runtime.fix.{platform}"))
    return Check(name, True, say("doctor.runtime.ok", version=xllamacpp.__version__))


def _model() -> Check:
    name = say("doctor.check.model")
    try:
        path = engine.model_path()
    except ChatkitError as exc:
        return Check(name, False, exc.what, exc.fix)
    if not path.is_file():
        return Check(name, False, say("doctor.model.missing", path=path), say("doctor.model.fix"))
    return Check(name, True, say("doctor.model.ok", name=path.name, megabytes=path.stat().st_size / 1e6))


def _pulled() -> list[Check]:
    """One line per catalogue model on disk: verified (its SHA-256 matched when pulled, its size still the
    catalogue's), or a file that is not the published one."""
    name, checks = say("doctor.check.pulled"), []
    for entry in hub.catalogue().values():
        path = hub.pulled(entry.name)
        if path is not None:
            checks.append(Check(name, True, say("doctor.pulled.ok", model=entry.name, megabytes=entry.size / 1e6,
                                                path=path)))
        elif destination(entry).is_file():
            found = destination(entry)
            checks.append(Check(name, False, say("doctor.pulled.unverified", model=entry.name, path=found,
                                                 megabytes=found.stat().st_size / 1e6, expected=entry.size / 1e6),
                                say("doctor.pulled.fix", model=entry.name)))
    return checks or [Check(name, True, say("doctor.pulled.none"))]


def _env_file(path: Path | None) -> list[Check]:
    name = say("doctor.check.env_file")
    if path is None:
        provider = _provider(None)
        where = (say("doctor.env.key_from_environment") if _raw_key(None)[0] else
                 say("doctor.env.no_key_needed", provider=provider.title) if provider and provider.local else
                 say("doctor.env.sandbox"))
        return [Check(name, True, say("doctor.env.none", where=where))]
    return [Check(name, True, str(path)), _env_private(path), _env_ignored(path)]


def _env_private(path: Path) -> Check:
    name = say("doctor.check.env_private")
    if os.name == "nt":
        return Check(name, True, say("doctor.private.windows"))
    mode = path.stat().st_mode & 0o777
    shown = f"{mode:04o}"
    if not mode & 0o077:
        return Check(name, True, say("doctor.private.ok", mode=shown))
    who = "everyone" if mode & 0o004 else "group" if mode & 0o040 else None
    detail = say(f"doctor.private.{who}", mode=shown) if who else say("doctor.private.writable", mode=shown)
    return Check(name, False, detail, say("doctor.private.fix", path=shlex.quote(str(path))))


def _env_ignored(path: Path) -> Check:
    name, ignore = say("doctor.check.env_ignored"), path.parent / ".gitignore"
    by_git = _git(path, "check-ignore", "-q")
    if by_git is True or (by_git is None and _listed(path, ignore)):
        found = say("doctor.ignored.by_git") if by_git else say("doctor.ignored.listed", ignore=ignore)
        return Check(name, True, found)
    if _git(path, "ls-files", "--error-unmatch"):
        return Check(name, False, say("doctor.ignored.tracked"),
                     say("doctor.ignored.tracked_fix", quoted=shlex.quote(path.name), file=path.name, ignore=ignore))
    return Check(name, False, say("doctor.ignored.not_listed", file=path.name, ignore=ignore),
                 say("doctor.ignored.fix", file=path.name, ignore=ignore))


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
    name, provider = say("doctor.check.key"), _provider(env_file)
    if not key:
        if provider and provider.local:
            return Check(name, True, say("doctor.key.local", provider=provider.title))
        return Check(name, True, say("doctor.key.sandbox"))
    source = say("doctor.key.environment") if came_from == ENVIRONMENT else str(env_file)
    where = (say("doctor.key.set_again", variable=variable) if came_from == ENVIRONMENT
             else say("doctor.key.edit", variable=variable, source=source))
    masked = mask_key(key)
    try:
        refuse_impossible(key)
    except KeyFormatError as exc:
        return Check(name, False, say("doctor.key.refused", masked=masked, source=source, what=exc.what),
                     say("doctor.key.fix", fix=exc.fix, where=where))
    provider = provider or presets()["openai"]
    if provider.key_format is None:  # a shape nobody documents: the test call checks the key
        return Check(name, True, say("doctor.key.for", variable=variable, masked=masked, source=source,
                                     provider=provider.title))
    problem = shape_problem(key, provider)
    if problem:
        return Check(name, False, say("doctor.key.from", masked=masked, source=source),
                     say("doctor.key.fix", fix=problem, where=where))
    if provider.name != "openai":
        return Check(name, True, say("doctor.key.for", variable=variable, masked=masked, source=source,
                                     provider=provider.title))
    return Check(name, True, say("doctor.key.looks_right", masked=masked, source=source))


def _backend(env_file: Path | None) -> Check:
    name = say("doctor.check.backend")
    try:
        settings = read_settings(env_file)
    except ConfigError as exc:
        return Check(name, False, exc.what, exc.fix)
    if settings.backend == "sandbox":
        return Check(name, True, say("doctor.backend.sandbox", model=settings.model))
    model = settings.model or say("doctor.backend.first_model")
    found = say("doctor.backend.found", backend=settings.backend, url=settings.base_url, who=_who(settings.provider),
                model=model, lacks=_lacks(settings.provider))
    return (settings.model and _retiring(settings.model, found)) or Check(name, True, found)


def _who(name: str | None) -> str:
    known = presets().get(name or "")
    return say("doctor.backend.provider", provider=known.title) if known else say("doctor.backend.no_preset")


def _lacks(name: str | None) -> str:
    """What the live provider lacks of what the course uses, e.g. '; no Responses API (checked 2026-11-26)...'."""
    known = presets().get(name or "")
    missing = [ENDPOINT_NAMES[e] for e in ("responses", "batch") if known and known.offers.get(e) is False]
    if not missing:
        return ""
    lacks = "doctor.backend.lacks.many" if len(missing) > 1 else "doctor.backend.lacks.one"
    return say(lacks, missing=say("doctor.backend.and_no").join(missing), checked=known.checked)


def _retiring(model: str, found: str, today=None) -> Check | None:
    """A warning when OpenAI retires the model soon (within 60 days), an error once it has."""
    day, today = retirement(model), today or datetime.date.today()
    if day is None or (day - today).days > 60:
        return None
    name, fix = say("doctor.check.backend"), say("doctor.retired.fix", model=model, day=day.isoformat())
    if day <= today:
        return Check(name, False, say("doctor.retired.what", found=found, model=model, day=day.isoformat()), fix)
    return Check(name, True, say("doctor.retiring", found=found, day=day.isoformat(), days=(day - today).days))


def _test_call() -> Check:
    name = say("doctor.check.call")
    try:
        client = connect(max_retries=0, timeout=CALL_TIMEOUT)
    except ChatkitError as exc:
        return Check(name, False, exc.what, exc.fix)
    verdict = verify(client)
    if not verdict.ok:
        return Check(name, False, verdict.message, verdict.fix)
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
        return Check(say("doctor.check.call"), False, say("doctor.call.failed", what=found.what), found.fix)
    ms = round((time.perf_counter() - start) * 1000)
    text = (reply.choices[0].message.content or "").strip() if reply.choices else ""
    return Check(say("doctor.check.call"), True, say("doctor.call.ok", model=client.default_model, text=text, ms=ms,
                                                     url=client.base_url))


if __name__ == "__main__":
    print(diagnose())
