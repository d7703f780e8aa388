"""The teacher's dashboard: one page and the admin API behind it, on the gateway's own port.

``GET /classroom`` is the page (no CDN: it works offline), in the teacher's language; it holds no
data, so it needs no token. Its data comes from ``/v1/classroom/admin/…`` with the admin token
(``python -m chatkit classroom dashboard`` makes one and opens the page with it after ``#``: a URL's
fragment never reaches a server, so the token is in no request line and no log). The page keeps it
for the tab and sends it as ``Authorization: Bearer``.

Student names are hostile input: the page shows every value with textContent, its
Content-Security-Policy allows only its own script, and the CSV export puts a ``'`` before a cell
a spreadsheet would run as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import logging
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..messages import CATALOGUES, current, say
from ..sandbox.wire import APIError
from ..tokens import money
from .limits import spend
from .store import KEY_PREFIX, ClassStore, Usage

log = logging.getLogger("chatkit.classroom")

STATIC = Path(__file__).parent / "static"
FILES = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
PREFIX = "classroom.dashboard.page."
STRINGS_SLOT = '<script id="strings" type="application/json">{}</script>'
HTML_LANG = {"en": "en", "zh": "zh-CN"}
HEADERS = {"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
ACTIVE = 15 * 60  # seconds since a student's last call during which they count as active
HOURS = 48  # the per-hour series shows the last this many hours that had calls
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula to a spreadsheet
PROG = "python -m chatkit classroom dashboard"


# --- the page ---------------------------------------------------------------------------

def render(lang: str | None = None) -> str:
    """dashboard.html with the catalogue's ``classroom.dashboard.page.*`` texts in ``lang`` (default: the teacher's)."""
    lang = lang or current()
    english = CATALOGUES["en"]
    strings = {key.removeprefix(PREFIX): CATALOGUES[lang].get(key, english[key])
               for key in english if key.startswith(PREFIX)}
    blob = json.dumps(strings, ensure_ascii=False).replace("<", "\\u003c")  # no text can close its <script>
    html = (STATIC / "dashboard.html").read_text(encoding="utf-8")
    return (html.replace('<html lang="en">', f'<html lang="{HTML_LANG[lang]}">', 1)
            .replace(STRINGS_SLOT, STRINGS_SLOT.replace("{}", blob), 1))


async def page(request: Request):
    name = request.path_params.get("name")
    if name is None:
        return HTMLResponse(render(), headers=HEADERS)
    if name not in FILES:
        return Response(status_code=404)
    return Response((STATIC / name).read_bytes(), media_type=FILES[name], headers=HEADERS)


# --- who may read it ----------------------------------------------------------------------

async def admin(request: Request) -> ClassStore:
    """The store, once the request carries the admin token; else 401 (no or wrong token) or 403 (a student's key)."""
    store = request.app.state.store
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        raise APIError(401, say("classroom.dashboard.no_token", prog=PROG), code="invalid_api_key")
    if await asyncio.to_thread(store.is_admin, token):
        return store
    if token.startswith(KEY_PREFIX) and await asyncio.to_thread(store.student_for_key, token):
        raise APIError(403, say("classroom.dashboard.student_key"), type="permission_error")
    log.info("refused the dashboard a wrong admin token")  # never the token: a near miss is nearly the token
    raise APIError(401, say("classroom.dashboard.wrong_token", prog=PROG), code="invalid_api_key")


# --- what it shows ------------------------------------------------------------------------

def summary(store: ClassStore, upstreams, now: float) -> dict:
    """Everything the page shows, from the store and the gateway's upstreams."""
    usage = {u.group: u for u in store.usage("student")}
    spend = _spend(store.usage("student_model"))
    keys = {k.student: k for k in store.latest_keys()}
    by_upstream = {u.group: u for u in store.usage("upstream")}
    results: dict[str, dict] = {}
    for r in store.results():
        results.setdefault(r.student, {})[r.exercise] = {"passed": r.passed, "at": int(r.at)}
    students = []
    for s in store.students():
        used, key = usage.get(s.id), keys.get(s.id)
        students.append({
            "id": s.id, "name": s.name, "key": "none" if key is None else "active" if key.active else "revoked",
            "active": bool(used and now - used.last_at < ACTIVE), "last_at": int(used.last_at) if used else None,
            "calls": used.calls if used else 0, "input_tokens": used.input_tokens if used else 0,
            "output_tokens": used.output_tokens if used else 0, "errors": used.errors if used else 0,
            "spend": spend.get(s.id), "results": results.get(s.id, {})})
    health = upstreams.health()
    return {
        "object": "classroom.summary", "at": int(now), "students": students,
        "exercises": sorted({r for done in results.values() for r in done}),
        "hours": [{"hour": h.group, "calls": h.calls, "tokens": h.input_tokens + h.output_tokens, "errors": h.errors}
                  for h in store.usage("hour")[-HOURS:]],
        "upstreams": [{"name": name, "healthy": healthy, "calls": getattr(by_upstream.get(name), "calls", 0),
                       "errors": getattr(by_upstream.get(name), "errors", 0),
                       "last_error": upstreams.last_error.get(name)} for name, healthy in health.items()]}


def _spend(per_model: list[Usage]) -> dict[str, str | None]:
    """Each student's estimated spend, priced as their budget is (limits.spend); None when a model's price
    is unknown (a vLLM server's) or their models bill in different currencies."""
    used: dict[str, list[Usage]] = {}
    for u in per_model:
        student, _, model = u.group.rpartition(" ")
        used.setdefault(student, []).append(dataclasses.replace(u, group=model))
    return {student: money(*found) if (found := spend(rows)) else None for student, rows in used.items()}


async def admin_summary(request: Request):
    store = await admin(request)
    data = await asyncio.to_thread(summary, store, request.app.state.upstreams, time.time())
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


async def usage_csv(request: Request):
    store = await admin(request)
    data = await asyncio.to_thread(summary, store, request.app.state.upstreams, time.time())
    rows = [["id", "name", "key", "calls", "input_tokens", "output_tokens", "errors", "last_call_utc", "spend"]]
    rows += [[s["id"], s["name"], s["key"], s["calls"], s["input_tokens"], s["output_tokens"], s["errors"],
              _utc(s["last_at"]), s["spend"] or ""] for s in data["students"]]
    return _csv(rows, "class-usage.csv")


async def results_csv(request: Request):
    store = await admin(request)
    data = await asyncio.to_thread(summary, store, request.app.state.upstreams, time.time())
    rows = [["id", "name", *data["exercises"]]]
    for s in data["students"]:
        done = s["results"]
        rows.append([s["id"], s["name"], *(("✓" if done[e]["passed"] else "✗") if e in done else ""
                                            for e in data["exercises"])])
    return _csv(rows, "class-results.csv")


def _csv(rows: list[list], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows([[_cell(value) for value in row] for row in rows])
    # A byte-order mark: Excel then reads UTF-8 (Chinese names) instead of the system's code page.
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA) else text


def _utc(at: int | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)) if at else ""


ROUTES = [
    Route("/classroom", page),
    Route("/classroom/static/{name}", page),
    Route("/v1/classroom/admin/summary", admin_summary),
    Route("/v1/classroom/admin/usage.csv", usage_csv),
    Route("/v1/classroom/admin/results.csv", results_csv),
]
