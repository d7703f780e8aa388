"""Helpers for the real-browser test: a private JupyterLab server and headless Chromium.

JupyterLab runs as a child process on a free loopback port, with its own config, data
and runtime folders, so nothing from the developer's setup leaks in and it never calls
the internet (no news, no update check, no extension manager). Chromium is Debian's
(`apt-get install chromium`), driven by Playwright; Playwright's own browser download
is not used.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import support

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage", "--no-proxy-server",
]

# Front-end plugins that would reach the internet or pop up over the notebook.
DISABLED_PLUGINS = {
    "@jupyterlab/extensionmanager-extension": True,
    "@jupyterlab/apputils-extension:announcements": True,
}

# User settings: keep every cell in the page (no virtual scrolling) so tests can find them,
# start the notebook's kernel without asking, and no news toast.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none", "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -r requirements.txt"
    if shutil.which("chromium") is None:
        return "chromium is not on PATH: apt-get install chromium (Debian/Ubuntu)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class JupyterLab:
    """A running `jupyter lab` child process."""

    process: subprocess.Popen
    port: int
    token: str
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def wait_until_ready(self, timeout: float) -> None:
        """Poll /api until the server answers, or fail with the end of its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with _DIRECT.open(self.url("api"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"jupyter lab did not answer /api within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def write_jupyter_dirs(base: Path) -> dict[str, str]:
    """Private Jupyter folders with settings that keep JupyterLab offline and quiet."""
    dirs = {name: base / name.lower() for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR")}
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    config = dirs["JUPYTER_CONFIG_DIR"]
    (config / "labconfig").mkdir()
    (config / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": DISABLED_PLUGINS}))
    for name, values in USER_SETTINGS.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return {name: str(folder) for name, folder in dirs.items()}


def lab_command(root: Path, port: int, token: str) -> list[str]:
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # CI runs as root
    return [
        sys.executable, "-m", "jupyterlab", *as_root,
        "--no-browser", "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]


@contextmanager
def jupyter_lab(root: Path, home: Path, env: dict[str, str], timeout: float = 60):
    """Run `jupyter lab` serving `root`; `home` holds its private folders and its log.

    Kernels inherit `env` and run on this Python (the python3 kernelspec's "python" is
    replaced by sys.executable).
    """
    port, token = free_port(), secrets.token_hex(16)
    full_env = {**env, **write_jupyter_dirs(home), "JUPYTER_PLATFORM_DIRS": "1"}
    log = home / "jupyter-lab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(lab_command(root, port, token), cwd=root, env=full_env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    lab = JupyterLab(process, port, token, log)
    try:
        lab.wait_until_ready(timeout)
        yield lab
    finally:
        lab.stop()


@contextmanager
def chromium():
    """Headless Debian Chromium under Playwright (a fresh temporary profile); yields the Browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield browser
        finally:
            browser.close()


# --- JupyterLab through its UI ---------------------------------------------------------

PROMPT_DONE = re.compile(r"^\[\d+\]:$")
KERNEL_IDLE = re.compile(r"^(?!No Kernel).+ \| Idle$")


def open_notebook(page, lab: JupyterLab, name: str, timeout: float = 60) -> None:
    """Open `name` in JupyterLab and wait until its kernel is idle."""
    page.goto(lab.url(f"lab/tree/{name}"), timeout=timeout * 1000)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=timeout * 1000)
    wait_for_kernel_idle(page, timeout)


def wait_for_kernel_idle(page, timeout: float) -> None:
    """Wait for the status bar's "Python 3 (ipykernel) | Idle" (not "No Kernel | ...")."""
    idle = page.locator(".jp-StatusBar-Widget").get_by_text(KERNEL_IDLE)
    idle.first.wait_for(timeout=timeout * 1000)


def run_all_cells(page, timeout: float) -> None:
    """Menu Run > Run All Cells, then wait until every code cell shows an execution count."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    prompts = page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt")

    def all_done() -> bool:
        texts = [text.strip() for text in prompts.all_inner_texts()]
        return bool(texts) and all(PROMPT_DONE.match(text) for text in texts)

    started = time.monotonic()
    wait_until(page, all_done, lambda: f"every cell to run: prompts {prompts.all_inner_texts()}; "
                                       f"errors shown: {errors_shown(page)}", timeout)
    wait_for_kernel_idle(page, timeout=max(1.0, timeout - (time.monotonic() - started)))


def wait_until(page, condition, what, timeout: float):
    """support.wait_until, letting the page work between polls (Playwright runs only while we wait on it)."""
    return support.wait_until(condition, what, timeout, pause=lambda: page.wait_for_timeout(200))


def errors_shown(page) -> list[str]:
    """The tracebacks and stderr text the notebook shows (the end of each)."""
    stderr = page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return [text[-1500:] for text in stderr.all_inner_texts()]
