"""The Files API: upload the JSONL file of a batch, download a batch's results.

``POST /v1/files`` takes a multipart form (``file`` and ``purpose``). The sandbox keeps
files for the Batch API only (``purpose="batch"``, a ``.jsonl`` file of at most
``MAX_FILE`` bytes) and stores their bytes in its SQLite file, which only you can read.
A file belongs to the key that uploaded it: another key gets 404, as on the platform.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..web import read_body
from .http import authenticate, cut_off
from .wire import APIError

MAX_FILE = 20_000_000  # bytes. The platform takes 200 MB; the sandbox's model needs hours for 20 MB of requests.
FORM_OVERHEAD = 64_000  # bytes of form around the file: boundaries, part headers, the 'purpose' field
PURPOSES = ("batch",)
FILE_HELP = "Upload one with client.files.create(file=open('requests.jsonl', 'rb'), purpose='batch')."
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, key_id TEXT NOT NULL, created_at INTEGER NOT NULL, filename TEXT NOT NULL,
    purpose TEXT NOT NULL, bytes INTEGER NOT NULL, content BLOB NOT NULL);
"""
_FIELDS = "id, bytes, created_at, filename, purpose"


# --- storage ---------------------------------------------------------------------

def connect(path: Path) -> sqlite3.Connection:
    """A connection to the sandbox's SQLite file (store.py made it, 0600, in WAL mode)."""
    return sqlite3.connect(path, timeout=10, isolation_level=None)


@contextmanager
def transaction(path: Path):
    """A connection inside BEGIN IMMEDIATE … COMMIT: all of it happens, or none (and one writer at a time)."""
    with closing(connect(path)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def file_object(row: tuple) -> dict:
    file_id, size, created_at, filename, purpose = row
    return {"id": file_id, "object": "file", "bytes": size, "created_at": created_at, "filename": filename,
            "purpose": purpose, "status": "processed", "status_details": None, "expires_at": None}


class FileStore:
    """Files in the sandbox's SQLite file, each readable by the key that made it only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(connect(path)) as db:
            db.executescript(_SCHEMA)

    @staticmethod
    def insert(db: sqlite3.Connection, key_id: str, filename: str, purpose: str, content: bytes) -> dict:
        """Add a file through ``db`` (so a batch's results and its new status commit together)."""
        row = ("file-" + secrets.token_hex(12), len(content), int(time.time()), filename, purpose)
        db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", (row[0], key_id, row[2], filename, purpose,
                                                                     len(content), content))
        return file_object(row)

    def add(self, key_id: str, filename: str, purpose: str, content: bytes) -> dict:
        with closing(connect(self.path)) as db:
            return self.insert(db, key_id, filename, purpose, content)

    def get(self, file_id: str, key_id: str) -> dict | None:
        with closing(connect(self.path)) as db:
            row = db.execute(f"SELECT {_FIELDS} FROM files WHERE id = ? AND key_id = ?", (file_id, key_id)).fetchone()
        return file_object(row) if row else None

    def content(self, file_id: str, key_id: str) -> bytes | None:
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT content FROM files WHERE id = ? AND key_id = ?", (file_id, key_id)).fetchone()
        return row[0] if row else None

    def page(self, key_id: str, after: str | None, limit: int, purpose: str | None = None,
             newest_first: bool = True) -> list[dict]:
        """Up to ``limit`` files after the file ``after``, newest first unless asked otherwise."""
        query, args = f"SELECT {_FIELDS} FROM files WHERE key_id = ?", [key_id]
        if purpose:
            query, args = query + " AND purpose = ?", args + [purpose]
        if after:
            query += f" AND rowid {'<' if newest_first else '>'} (SELECT rowid FROM files WHERE id = ?)"
            args.append(after)
        query += f" ORDER BY rowid {'DESC' if newest_first else 'ASC'} LIMIT ?"
        with closing(connect(self.path)) as db:
            return [file_object(row) for row in db.execute(query, args + [limit])]

    def delete(self, file_id: str, key_id: str) -> bool:
        with closing(connect(self.path)) as db:
            return db.execute("DELETE FROM files WHERE id = ? AND key_id = ?", (file_id, key_id)).rowcount > 0


# --- what the routes share with the Batch API ----------------------------------------

def page_params(request: Request, default: int, most: int) -> tuple[str | None, int]:
    """``after`` and ``limit`` from the query string, checked as the platform checks them."""
    raw = request.query_params.get("limit", str(default))
    if not (raw.lstrip("-").isdigit() and len(raw) < 10):
        raise APIError(400, f"Invalid type for 'limit': expected an integer, but got {raw[:20]!r} instead.",
                       param="limit", code="invalid_type")
    limit = int(raw)
    if limit < 1:
        raise APIError(400, f"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got {limit} "
                       "instead.", param="limit", code="integer_below_min_value")
    if limit > most:
        raise APIError(400, f"Invalid 'limit': integer above maximum value. Expected a value <= {most}, but got "
                       f"{limit} instead.", param="limit", code="integer_above_max_value")
    return request.query_params.get("after") or None, limit


def list_object(rows: list[dict], limit: int) -> dict:
    """A page of a list as the SDK's cursor pages read it; ``rows`` holds up to ``limit + 1`` items."""
    data = rows[:limit]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": len(rows) > limit}


def no_such_file(file_id: str, param: str = "id") -> APIError:
    return APIError(404, f"No such File object: {file_id[:100]}", param=param)


# --- the upload form ---------------------------------------------------------------

def too_large() -> APIError:
    return APIError(413, f"The file is larger than the sandbox accepts ({MAX_FILE:,} bytes; the platform takes "
                    "200 MB). Split your requests into several files, one batch each.", code="file_too_large")


async def read_form(request: Request) -> dict[str, tuple[str | None, bytes]]:
    """The form's fields, name -> (filename, bytes); refused with 413 as soon as it is too large."""
    raw = await read_body(request, MAX_FILE + FORM_OVERHEAD, too_large, cut_off)
    return await asyncio.to_thread(parse_form, raw, request.headers.get("content-type", ""))


def parse_form(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body (RFC 7578) as name -> (filename or None, value)."""
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        raise APIError(400, "Upload files as multipart/form-data, with the fields 'file' and 'purpose'. " + FILE_HELP)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            return fields  # the closing delimiter
        head, blank, value = part.partition(b"\r\n\r\n")
        headers = HeaderParser().parsestr(head.partition(b"\r\n")[2].decode("utf-8", "replace"))
        name = headers.get_param("name", header="content-disposition")
        if not blank or not isinstance(name, str):
            break
        fields[name] = (headers.get_filename(), value)
    raise APIError(400, "The multipart/form-data body is malformed (a part without a name, or no closing "
                   "boundary). Let your HTTP library build it: " + FILE_HELP)


def check_upload(form: dict[str, tuple[str | None, bytes]]) -> tuple[str, str, bytes]:
    """(filename, purpose, content) of a valid upload, else the platform's 400."""
    for name in ("file", "purpose"):
        if name not in form:
            raise APIError(400, f"Missing required parameter: '{name}'. " + FILE_HELP, param=name,
                           code="missing_required_parameter")
    purpose = form["purpose"][1].decode("utf-8", "replace")
    if purpose not in PURPOSES:
        raise APIError(400, f"Invalid value for 'purpose': {purpose[:40]!r}. The sandbox keeps files for the "
                       "Batch API only: use purpose='batch'. (The platform also takes 'assistants', 'fine-tune', "
                       "'vision', 'user_data' and 'evals'.)", param="purpose", code="invalid_value")
    filename, content = form["file"]
    if len(content) > MAX_FILE:
        raise too_large()
    if not (filename or "").endswith(".jsonl"):
        raise APIError(400, "Invalid file format for Batch API. Must be .jsonl. Give the file a name ending in "
                       ".jsonl, e.g. file=('requests.jsonl', data).", param="file", code="invalid_file_format")
    return filename, purpose, content


# --- routes ------------------------------------------------------------------------

async def upload(request: Request):
    key, files = authenticate(request), request.app.state.files
    filename, purpose, content = check_upload(await read_form(request))
    return JSONResponse(await asyncio.to_thread(files.add, key.id, filename, purpose, content))


async def list_files(request: Request):
    key, files = authenticate(request), request.app.state.files
    after, limit = page_params(request, default=10_000, most=10_000)
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise APIError(400, f"Invalid value for 'order': {order[:20]!r}. Supported values are: 'asc' and 'desc'.",
                       param="order", code="invalid_value")
    rows = await asyncio.to_thread(files.page, key.id, after, limit + 1, request.query_params.get("purpose"),
                                   order == "desc")
    return JSONResponse(list_object(rows, limit))


async def one_file(request: Request):
    key, files = authenticate(request), request.app.state.files
    file_id = request.path_params["file_id"]
    if request.method == "DELETE":
        if not await asyncio.to_thread(files.delete, file_id, key.id):
            raise no_such_file(file_id)
        return JSONResponse({"id": file_id, "object": "file", "deleted": True})
    found = await asyncio.to_thread(files.get, file_id, key.id)
    if found is None:
        raise no_such_file(file_id)
    return JSONResponse(found)


async def file_content(request: Request):
    key, files = authenticate(request), request.app.state.files
    file_id = request.path_params["file_id"]
    content = await asyncio.to_thread(files.content, file_id, key.id)
    if content is None:
        raise no_such_file(file_id)
    return Response(content, media_type="application/octet-stream")
