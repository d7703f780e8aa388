"""A class list in, one key per student out: the roster CSV the teacher has, the keys CSV they hand out.

A roster is a CSV of names, or of ids and names, as a spreadsheet exports it: a header row naming
an ``id`` and/or ``name`` column (学号, 姓名 too) is used when present; without one, each line's first
cell is a student's name. A byte-order mark and blank lines are fine; a name or id listed twice
stops the import before anything is written, naming the lines.

The keys file holds every key in full, so it is created readable by its owner only (0600): hand
each line to its student, then delete the file. The keys cannot be shown again; rotating makes new ones.
Next to it goes a page to print (same name, ``.html``, 0600 too): one card per student to cut out,
with the class's URL, their key, the one-line join command and the two ``.env`` lines. The page is
self-contained (it prints offline) and every value on it is escaped: a name is text, never markup.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChatkitError
from ..messages import current, say
from .store import ClassStore, Student

ID_COLUMNS = ("id", "student_id", "student id", "学号")
NAME_COLUMNS = ("name", "student", "full name", "姓名")
DOCS = "chatkit/classroom/roster.py"


@dataclass(frozen=True)
class Imported:
    added: list[Student]
    already: list[Student]  # on the roster and already in the class: kept as they are, with their keys


def read_roster(path: str | os.PathLike) -> list[Student]:
    """The students of the CSV file at ``path``, in its order; ChatkitError for a file that cannot be one."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # utf-8-sig: Excel starts its CSV with a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise ChatkitError(say("classroom.roster.unreadable.what", path=path, reason=exc),
                           fix=say("classroom.roster.unreadable.fix"), docs=DOCS) from None
    rows = [(number, [cell.strip() for cell in row])
            for number, row in enumerate(csv.reader(io.StringIO(text)), start=1) if any(c.strip() for c in row)]
    if not rows:
        raise ChatkitError(say("classroom.roster.empty.what", path=path), fix=say("classroom.roster.empty.fix"),
                           docs=DOCS)
    students = _students(rows)
    _refuse_duplicates(students, path)
    return [student for _, student in students]


def _students(rows: list[tuple[int, list[str]]]) -> list[tuple[int, Student]]:
    header = [cell.lower() for cell in rows[0][1]]
    id_at = next((header.index(c) for c in ID_COLUMNS if c in header), None)
    name_at = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    if id_at is None and name_at is None:  # no header: a list of names
        id_at, name_at, body = None, 0, rows
    else:
        body = rows[1:]
    found = []
    for number, row in body:
        name = _cell(row, name_at)
        given = _cell(row, id_at) or name
        if given:
            found.append((number, Student(student_id(given), name or given)))
    return found


def _cell(row: list[str], at: int | None) -> str:
    return row[at] if at is not None and at < len(row) else ""


def student_id(text: str) -> str:
    """An id safe on a command line and in a URL, from a roster's id or name (letters of any script kept).

    >>> student_id("Ada Lovelace"), student_id("2024-017"), student_id("王小明")
    ('ada-lovelace', '2024-017', '王小明')
    """
    return re.sub(r"[^\w.-]+", "-", text.casefold()).strip("-.") or "student"


def _refuse_duplicates(students: list[tuple[int, Student]], path) -> None:
    lines: dict[str, list[int]] = {}
    for number, student in students:
        lines.setdefault(student.id, []).append(number)
    twice = {sid: numbers for sid, numbers in lines.items() if len(numbers) > 1}
    if twice:
        listed = "; ".join(f"{sid} ({', '.join(map(str, numbers))})" for sid, numbers in twice.items())
        raise ChatkitError(say("classroom.roster.duplicates.what", path=path, listed=listed),
                           fix=say("classroom.roster.duplicates.fix"), docs=DOCS)


def import_roster(store: ClassStore, path: str | os.PathLike) -> Imported:
    """Add the roster's new students to the class; those already in it stay as they are."""
    known = {s.id for s in store.students()}
    students = read_roster(path)
    added = [s for s in students if s.id not in known]
    store.add_students(added)
    return Imported(added, [s for s in students if s.id in known])


def issue_keys(store: ClassStore, students: list[Student]) -> list[tuple[Student, str]]:
    """A new key for each student (any earlier key of theirs stops working): shown here, once."""
    return [(student, store.issue_key(student.id)) for student in students]


def write_keys(path: str | os.PathLike, issued: list[tuple[Student, str]], base_url: str) -> Path:
    """The keys CSV to hand out (id, name, key, base_url), created readable by its owner only."""
    with _private(path, encoding="utf-8-sig", newline="") as out:  # the BOM: Excel then reads it as UTF-8
        writer = csv.writer(out)
        writer.writerow(["id", "name", "key", "base_url"])
        writer.writerows([student.id, student.name, key, base_url] for student, key in issued)
    return Path(path)


def write_cards(path: str | os.PathLike, issued: list[tuple[Student, str]], base_url: str) -> Path:
    """A page of cards to print and cut out, one per student, in the teacher's language; readable by its owner only."""
    with _private(path, encoding="utf-8") as out:
        out.write(cards_page(issued, base_url))
    return Path(path)


def cards_page(issued: list[tuple[Student, str]], base_url: str) -> str:
    """The HTML of :func:`write_cards`: no script, no external resource, every value escaped."""
    lang, title = current(), html.escape(say("classroom.cards.title"))
    cards = "\n".join(_card(student, key, base_url) for student, key in issued)
    return f"""<!doctype html>
<html lang="{HTML_LANG.get(lang, lang)}"><head><meta charset="utf-8"><title>{title}</title>
<style>{CARD_CSS}</style></head>
<body><h1>{title}</h1><p class="intro">{html.escape(say("classroom.cards.intro"))}</p>
{cards}
</body></html>
"""


def _card(student: Student, key: str, base_url: str) -> str:
    e = html.escape
    env = f"OPENAI_BASE_URL={base_url}\nOPENAI_API_KEY={key}"
    return (f'<section class="card"><h2>{e(student.name)} <small>({e(student.id)})</small></h2>\n'
            f'<p>{e(say("classroom.cards.url"))}<br><code>{e(base_url)}</code></p>\n'
            f'<p>{e(say("classroom.cards.key"))}<br><code>{e(key)}</code></p>\n'
            f'<p>{e(say("classroom.cards.join"))}</p><pre>{e(JOIN.format(url=base_url))}</pre>\n'
            f'<p>{e(say("classroom.cards.env"))}</p><pre>{e(env)}</pre></section>')


JOIN = "python -m chatkit classroom join {url}"
HTML_LANG = {"zh": "zh-CN"}
# A card never breaks across pages; a key wraps anywhere rather than run off the paper.
CARD_CSS = ("body{font-family:sans-serif;margin:1cm}h1{font-size:14pt}.intro{font-size:9pt}"
            ".card{border:1px dashed #555;padding:.4cm .5cm;margin:0 0 .5cm;break-inside:avoid;"
            "page-break-inside:avoid}.card h2{font-size:13pt;margin:0 0 .2cm}.card p{margin:.15cm 0;font-size:10pt}"
            "code,pre{font-family:monospace;font-size:10pt;overflow-wrap:anywhere;word-break:break-all;"
            "white-space:pre-wrap;margin:0}@media print{body{margin:0}.intro{display:none}}")


@contextmanager
def _private(path: str | os.PathLike, **text):
    """``path`` opened for writing as text, created or truncated readable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if os.name != "nt":
        os.fchmod(fd, 0o600)  # a file that already existed keeps its mode otherwise
    with os.fdopen(fd, "w", **text) as out:
        yield out
