"""Pulling a catalogue model, with no network: a stand-in hub on 127.0.0.1 answers each source's URL layout.

The hub serves the SmolLM2 file the course ships (from disk, about 100 MB) under a test catalogue entry
that carries its real size and SHA-256. Its knobs break one download at a time: a cut connection, a
flipped byte, a short body, a source that answers 503.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from chatkit import hub
from chatkit.__main__ import main
from chatkit.errors import PullError
from chatkit.hub import entries
from chatkit.hub.sources import Source
from chatkit.sandbox.engine import model_path

NAME = "smollm2-test"
HF_REPO, MS_REPO = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "chatkit-test/SmolLM2-135M-Instruct-GGUF"
FILE = model_path()
HEX64 = re.compile(r"[0-9a-f]{64}")


class StandInHub(ThreadingHTTPServer):
    """Hugging Face's and ModelScope's download URLs for one file, wherever the path starts (a mirror's
    prefix). ``requests`` records (path, Range header, bytes sent); a path starting with /down answers 503."""

    daemon_threads = True

    def __init__(self, file: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.file, self.size = file, file.stat().st_size
        self.requests: list[dict] = []
        self.cut_after: int | None = None  # the next response stops after this many bytes (the client sees a cut)
        self.flip_byte = False  # every response has one byte changed
        self.short_by: int | None = None  # the next response ends this many bytes early, its length unsaid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: StandInHub

    def do_GET(self):  # noqa: N802 (http.server's name)
        hub_, split = self.server, urlsplit(self.path)
        record = {"path": split.path, "query": parse_qs(split.query), "range": self.headers.get("Range"), "sent": 0}
        hub_.requests.append(record)
        if split.path.startswith("/down"):
            return self.send_error(503)
        if not self._asks_for_the_file(split):
            return self.send_error(404)
        start = int(re.fullmatch(r"bytes=(\d+)-", record["range"]).group(1)) if record["range"] else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        if hub_.short_by is None:
            self.send_header("Content-Length", str(hub_.size - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{hub_.size - 1}/{hub_.size}")
        self.end_headers()
        end = hub_.size - (hub_.short_by or 0)
        if hub_.cut_after is not None:
            end, hub_.cut_after = min(end, start + hub_.cut_after), None
        hub_.short_by = None
        self._send(start, end, record)

    def _asks_for_the_file(self, split) -> bool:
        name = self.server.file.name
        if "/api/v1/models/" in split.path:  # ModelScope: /api/v1/models/{repo}/repo?Revision=master&FilePath={file}
            query = parse_qs(split.query)
            return (split.path.endswith(f"/api/v1/models/{MS_REPO}/repo") and query.get("FilePath") == [name]
                    and query.get("Revision") == ["master"])
        return split.path.endswith(f"/{HF_REPO}/resolve/main/{name}")  # Hugging Face and its mirrors

    def _send(self, start: int, end: int, record: dict) -> None:
        try:
            with open(self.server.file, "rb") as f:
                f.seek(start)
                while start < end:
                    chunk = bytearray(f.read(min(2**20, end - start)))
                    if self.server.flip_byte and start == 0:
                        chunk[1000] ^= 0xFF
                    self.wfile.write(chunk)
                    start += len(chunk)
                    record["sent"] += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sha256():
    return hashlib.sha256(FILE.read_bytes()).hexdigest()


@pytest.fixture
def stand_in():
    server = StandInHub(FILE)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def catalogue(tmp_path, monkeypatch, sha256):
    """A catalogue of one entry, the SmolLM2 file; pulled models go to tmp_path/models; no HF_ENDPOINT."""
    entry = {"name": NAME, "repos": {"huggingface": HF_REPO, "modelscope": MS_REPO}, "file": FILE.name,
             "size": FILE.stat().st_size, "sha256": sha256, "licence": "Apache-2.0",
             "licence_url": f"https://huggingface.co/{HF_REPO}/blob/main/LICENSE", "languages": ["en"],
             "parameters": "135 M", "chat_template": "ChatML", "context_window": 8192, "reasoning": False,
             "thinking_switch": None, "sources": [f"https://huggingface.co/{HF_REPO}"], "checked": "2026-12-06"}
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"models": [entry]}), encoding="utf-8")
    monkeypatch.setattr(entries, "FILE", path)
    monkeypatch.setenv(entries.MODELS_DIR, str(tmp_path / "models"))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    return entry


def pieces(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_pull_verifies_the_checksum_and_keeps_the_file_under_its_name(stand_in, catalogue, sha256, capsys):
    path = hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert path == hub.models_dir() / f"{NAME}.gguf" == hub.pulled(NAME)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    assert pieces(hub.models_dir()) == [f"{NAME}.gguf"]  # no .part left behind
    assert "SHA-256" in capsys.readouterr().out
    assert hub.pull(NAME, sources=[], progress=False) == path  # already pulled: nothing asked of any source
    assert len(stand_in.requests) == 1


def test_the_licence_is_shown_before_the_download_starts(stand_in, catalogue, capsys):
    hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    out = capsys.readouterr().out
    licence = out.index(f"Apache-2.0 licence ({catalogue['licence_url']})")
    assert licence < out.index(f"Downloading from Hugging Face: {stand_in.url}/{HF_REPO}/resolve/main/")


def test_a_corrupted_file_is_refused_and_removed(stand_in, catalogue, sha256):
    stand_in.flip_byte = True
    with pytest.raises(PullError) as caught:
        hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert "not the published file" in str(caught.value) and sha256 in str(caught.value)
    assert f"models pull {NAME} again" in str(caught.value)
    assert pieces(hub.models_dir()) == [] and hub.pulled(NAME) is None


def test_a_truncated_file_is_refused_and_removed(stand_in, catalogue):
    stand_in.short_by = 4096  # the body ends early and no Content-Length says it should not have
    with pytest.raises(PullError, match=r"incomplete \(\d+ of \d+ bytes\)"):
        hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert stand_in.requests[0]["sent"] == catalogue["size"] - 4096
    assert pieces(hub.models_dir()) == [] and hub.pulled(NAME) is None


def test_an_interrupted_download_resumes_with_a_range_request(stand_in, catalogue, sha256):
    stand_in.cut_after = 30_000_000
    sources = [Source.huggingface(stand_in.url)]
    with pytest.raises(PullError, match="resumes where it stopped"):
        hub.pull(NAME, sources=sources, progress=False)
    kept = (hub.models_dir() / f"{NAME}.gguf.part").stat().st_size
    assert 0 < kept <= 30_000_000

    path = hub.pull(NAME, sources=sources, progress=False)
    first, second = stand_in.requests
    assert first["range"] is None and second["range"] == f"bytes={kept}-"
    assert second["sent"] == catalogue["size"] - kept  # the bytes already kept were not fetched again
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def test_it_falls_back_from_an_unreachable_source_to_the_next(stand_in, catalogue, capsys):
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    sources = [Source.huggingface(nowhere), Source.modelscope(f"{stand_in.url}/down"), Source.modelscope(stand_in.url)]
    assert hub.pull(NAME, sources=sources, progress=False) == hub.pulled(NAME)
    assert [r["path"] for r in stand_in.requests] == [f"/down/api/v1/models/{MS_REPO}/repo",
                                                      f"/api/v1/models/{MS_REPO}/repo"]
    assert stand_in.requests[1]["query"] == {"Revision": ["master"], "FilePath": [FILE.name]}
    out = capsys.readouterr().out
    assert "Hugging Face did not work (ConnectError" in out
    assert "ModelScope did not work (HTTP 503); trying the next source." in out


def test_the_mirror_in_hf_endpoint_comes_first(stand_in, catalogue, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", f"{stand_in.url}/mirror/")
    assert main(["models", "pull", NAME]) == 0  # the default sources: the mirror answers, no other is tried
    assert [r["path"] for r in stand_in.requests] == [f"/mirror/{HF_REPO}/resolve/main/{FILE.name}"]
    out = capsys.readouterr().out
    assert out.count("Downloading from") == 1 and f"Downloading from HF_ENDPOINT={stand_in.url}/mirror" in out


def test_the_order_of_the_sources_follows_the_learners_language(monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert [s.name for s in hub.default_sources("en")] == ["Hugging Face", "ModelScope"]
    assert [s.name for s in hub.default_sources("zh")] == ["ModelScope", "Hugging Face"]
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-mirror.com")
    assert [s.endpoint for s in hub.default_sources()] == ["https://hf-mirror.com", "https://www.modelscope.cn",
                                                           "https://huggingface.co"]


def test_it_refuses_when_the_disk_is_too_small(stand_in, catalogue, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 10**12 - 50_000_000, 50_000_000))
    with pytest.raises(PullError, match=rf"Not enough free disk space for {NAME}: it needs \d+ MB .* 50 MB is free"):
        hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert stand_in.requests == []


def test_an_entry_without_a_published_checksum_is_never_downloaded(stand_in, catalogue):
    entries.FILE.write_text(json.dumps({"models": [{**catalogue, "sha256": None}]}), encoding="utf-8")
    with pytest.raises(PullError, match="has no published checksum; chatkit does not download a file it cannot"):
        hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert stand_in.requests == []


def test_remove_frees_the_file_and_list_shows_what_is_pulled(stand_in, catalogue, capsys):
    hub.pull(NAME, sources=[Source.huggingface(stand_in.url)], progress=False)
    assert main(["models", "list"]) == 0
    assert re.search(rf"{NAME}\s+98 MB\s+English\s+Apache-2.0\s+yes", capsys.readouterr().out)
    assert main(["models", "remove", NAME]) == 0
    assert f"Removed {NAME}: 98 MB freed" in capsys.readouterr().out
    assert hub.pulled(NAME) is None and pieces(hub.models_dir()) == []
    assert main(["models", "remove", NAME]) == 0
    assert "is not pulled" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert re.search(rf"{NAME}\s+98 MB\s+English\s+Apache-2.0\s+no", capsys.readouterr().out)


def test_an_unknown_name_says_where_the_names_are(catalogue, capsys):
    assert main(["models", "pull", "gpt-7"]) == 1
    assert "no model called 'gpt-7'" in capsys.readouterr().err


def test_every_catalogue_fact_is_dated_and_sourced():
    found = entries.catalogue()
    assert len(found) >= 3 and any(e.reasoning and e.thinking_switch for e in found.values())
    for entry in found.values():
        assert HEX64.fullmatch(entry.sha256) and entry.size > 0 and entry.context_window > 0
        assert set(entry.repos) == {"huggingface", "modelscope"} and "zh" in entry.languages
        assert entry.checked == "2026-12-06" and entry.licence_url.startswith("https://")
        assert all(url.startswith("https://") for url in entry.sources)
        assert any(entry.repos["huggingface"] in url for url in entry.sources)
