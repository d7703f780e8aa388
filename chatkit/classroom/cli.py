"""``python -m chatkit classroom …``: the teacher's commands. chatkit/__main__.py parses, these act.

    classroom roster import FILE      add the roster's students; their keys go to a CSV and a page of cards (0600)
    classroom keys list               every student's key, masked, and the tokens they used
    classroom keys revoke ID|--all    the key stops working at once (401, as on the platform)
    classroom keys rotate ID|--all    a new key replaces the old one, written to the CSV and the cards
    classroom serve                   the gateway, in front of the sandbox or the teacher's upstreams
    classroom dashboard               a link to the teacher's dashboard, with a new admin token
    classroom join URL                a student's side: the class's URL and their key (asked for) into .env
"""

from __future__ import annotations

import dataclasses
import socket
import time
from pathlib import Path

from ..config import data_dir
from ..display import columns, ljust
from ..errors import ChatkitError
from ..keys import mask_key
from ..messages import say
from ..serving import kill_as_ctrl_c
from ..settings import value
from .limits import limit_money, unpriced
from .roster import import_roster, issue_keys, write_cards, write_keys
from .store import CLASS, FILE_NAME, SQLiteStore, Student

PROG = "python -m chatkit classroom"
PORT = 8790
KEYS_FILE = "class-keys.csv"
LIMITS = ("rpm", "tpm", "tokens_per_day", "tokens_per_course", "spend_per_day", "spend_per_course")
MONEY = ("spend_per_day", "spend_per_course")


def store_for(args) -> SQLiteStore:
    return SQLiteStore(data_dir(args.data_dir) / FILE_NAME)


def base_url(args) -> str:
    return args.base_url or f"http://127.0.0.1:{PORT}/v1"


def roster_import(args) -> int:
    store = store_for(args)
    imported = import_roster(store, args.file)
    if imported.already:
        print(say("classroom.roster.already", count=len(imported.already),
                  names=", ".join(s.id for s in imported.already[:10])))
    if not imported.added:
        print(say("classroom.roster.nothing_new", prog=PROG))
        return 0
    issued = issue_keys(store, imported.added)
    print(say("classroom.roster.imported", count=len(imported.added), folder=store.path.parent))
    hand_out(args, issued)
    return 0


def hand_out(args, issued) -> None:
    """The keys CSV and, next to it, the page of cards to print; both paths printed."""
    print(say("classroom.keys.written", path=write_keys(args.keys_out, issued, base_url(args))))
    page = Path(args.keys_out).with_suffix(".html")
    print(say("classroom.keys.page_written", path=write_cards(page, issued, base_url(args))))


def keys_list(args) -> int:
    store = store_for(args)
    keys = {k.student: k for k in store.latest_keys()}
    students = store.students()
    if not students:
        print(say("classroom.keys.none", folder=store.path.parent, prog=PROG))
        return 0
    rows = [tuple(say(f"classroom.keys.column.{name}") for name in ("id", "name", "key", "issued", "status", "tokens"))]
    for student in students:
        key = keys.get(student.id)
        status = "classroom.keys.active" if key and key.active else "classroom.keys.revoked"
        rows.append((student.id, student.name, key.masked if key else "-", _date(key.issued_at) if key else "-",
                     say(status), f"{store.tokens_used(student.id):,}"))
    print(say("classroom.keys.list", folder=store.path.parent))
    print(_table(rows))
    return 0


def keys_revoke(args) -> int:
    store = store_for(args)
    students = _chosen(store, args)
    revoked = [s for s in students if store.revoke(s.id)]
    print(say("classroom.keys.revoked_now", count=len(revoked), names=", ".join(s.id for s in revoked[:10]) or "-"))
    return 0


def keys_rotate(args) -> int:
    store = store_for(args)
    issued = issue_keys(store, _chosen(store, args))
    print(say("classroom.keys.rotated", count=len(issued)))
    hand_out(args, issued)
    return 0


def dashboard(args) -> int:
    """A new admin token, shown once in the dashboard's link: after '#', which a browser never sends to a server."""
    token = store_for(args).new_admin_token()
    url = base_url(args).removesuffix("/v1") + f"/classroom#token={token}"
    print(say("classroom.dashboard.link", url=url))
    print(say("classroom.dashboard.open", prog=PROG))
    return 0


def _chosen(store: SQLiteStore, args) -> list[Student]:
    """The students a revoke or rotate is for: one by id, or --all; a ChatkitError for an unknown id."""
    students = store.students()
    if args.all:
        return students
    found = [s for s in students if s.id == args.student]
    if not found:
        # Someone may paste a key itself: never echo it.
        shown = mask_key(args.student) if args.student.startswith("sk-") else repr(args.student)
        raise ChatkitError(say("classroom.keys.no_such_student.what", shown=shown, folder=store.path.parent),
                           fix=say("classroom.keys.no_such_student.fix", prog=PROG))
    return found


def serve(args) -> int:
    from .gateway import Gateway
    from .upstreams import Upstream, Upstreams

    store = store_for(args)
    given = {name: getattr(args, name) or None for name in LIMITS if getattr(args, name) is not None}
    if args.models is not None:
        given["models"] = tuple(m.strip() for m in args.models.split(",") if m.strip()) or None
    if args.currency is not None:
        given["currency"] = args.currency
    budget = dataclasses.replace(store.budget(CLASS), **given)
    if missing := unpriced(budget):
        raise ChatkitError(say("classroom.serve.unpriced.what", currency=budget.currency, models=", ".join(missing)),
                           fix=say("classroom.serve.unpriced.fix", currency=budget.currency))
    if given:
        store.set_budget(budget)
    box = None
    if args.upstream:
        upstreams = [Upstream.parse(text, value) for text in args.upstream]
    else:
        from ..sandbox.server import Sandbox

        box = Sandbox.start(data_dir=args.data_dir)
        upstreams = [Upstream("sandbox", box.base_url, box.key)]
    gateway = Gateway.start(store, Upstreams(upstreams), host=args.host, port=args.port)
    with kill_as_ctrl_c():
        try:
            _announce(gateway, store, upstreams)
            while not gateway.wait(timeout=0.5):  # short waits let Ctrl+C through
                pass
        except KeyboardInterrupt:
            pass
        finally:
            gateway.stop()
            if box is not None:
                box.stop()
    print(say("classroom.serve.stopped"), flush=True)
    return 0


def _announce(gateway, store: SQLiteStore, upstreams) -> None:
    print(say("classroom.serve.serving", url=gateway.base_url, students=len(store.students()),
              upstreams=", ".join(u.name for u in upstreams)), flush=True)
    budget = store.budget(CLASS)
    shown = ", ".join(f"{name}={_limit(budget, name)}" for name in LIMITS if getattr(budget, name))
    if budget.models is not None:
        shown = ", ".join(filter(None, [shown, "models=" + ",".join(budget.models)]))
    print(say("classroom.serve.limits", limits=shown) if shown else say("classroom.serve.no_limits"), flush=True)
    # Listening on every address, the gateway is reached at this computer's name (the warning to put TLS
    # in front of it is the gateway's own, in the log).
    url = gateway.base_url.replace("//0.0.0.0:", f"//{socket.gethostname()}:", 1)
    print(say("classroom.serve.join", url=url), flush=True)


def _limit(budget, name: str) -> str:
    value = getattr(budget, name)
    return limit_money(value, budget.currency) if name in MONEY else str(value)


def _date(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _table(rows: list[tuple[str, ...]]) -> str:
    """Rows as left-aligned columns, as ``keys list`` prints them (a Chinese character is two columns wide)."""
    widths = [max(columns(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(ljust(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)

