"""The chat window in a real browser: JupyterLab + headless Chromium, typed into like a learner.

Skips without Playwright or Chromium, fails in CI (see test_browser.py). The kernel talks
to the real sandbox model. A screenshot of the window lands in test-artifacts/.
"""

from __future__ import annotations

import contextlib
import os

import nbformat
import pytest

from browser_support import errors_shown, jupyter_lab, open_notebook, run_all_cells, wait_until
from test_browser import ARTIFACTS, browser  # noqa: F401 - the Chromium fixture

pytestmark = pytest.mark.slow

NOTEBOOK = "chat.ipynb"
CELL = """import chatkit
from chatkit.widgets import ChatWindow
chat = ChatWindow(chatkit.connect(), system="Answer in one short sentence.")
chat"""

# Keeps every text the newest reply bubble shows, so a reply that streams leaves several.
WATCH = """log => { log._seen = [];
  new MutationObserver(() => { const bubbles = log.querySelectorAll('.chatkit-bubble-assistant');
    if (bubbles.length) log._seen.push(bubbles[bubbles.length - 1].innerText); })
  .observe(log, {childList: true, subtree: true, characterData: true}); }"""


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a folder with a one-cell notebook that shows a ChatWindow on the sandbox."""
    root = tmp_path / "root"
    root.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)]), root / NOTEBOOK)
    with jupyter_lab(root, tmp_path / "jupyter", {**os.environ, "CHATKIT_BACKEND": "sandbox"}) as lab:
        yield lab


def test_typing_a_message_and_pressing_enter_streams_the_reply_into_a_bubble(browser, lab):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        open_notebook(page, lab, NOTEBOOK, timeout=60)
        run_all_cells(page, timeout=60)
        chat = page.locator(".chatkit-chat").first
        wait_until(page, chat.is_visible, lambda: f"a .chatkit-chat on the page; errors: {errors_shown(page)}", 30)
        log = chat.locator(".chatkit-chat-log")
        log.evaluate(WATCH)

        box = chat.locator(".chatkit-chat-input input")
        box.fill("Say hello.")
        box.press("Enter")
        wait_until(page, lambda: "Say hello." in log.locator(".chatkit-bubble-user").last.inner_text(),
                   lambda: f"the question in a bubble; status: {chat.locator('.chatkit-status').inner_text()!r}", 15)
        assert box.input_value() == "", "Enter did not empty the box"
        turn = log.locator(".chatkit-bubble-assistant .chatkit-turn")
        wait_until(page, lambda: "tokens in" in (turn.first.inner_text() if turn.count() else ""),
                   lambda: f"the reply to finish: {log.inner_text()!r}; status: "
                           f"{chat.locator('.chatkit-status').inner_text()!r}; errors: {errors_shown(page)}", 45)

        reply = log.locator(".chatkit-bubble-assistant").last.inner_text()
        seen = {text.strip() for text in log.evaluate("log => log._seen")} - {"", "…"}
        assert reply.split("\n")[0].strip() not in ("", "…"), "the reply bubble is empty"
        assert len(seen) >= 3, f"the reply did not stream in pieces: {seen}"
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a debugging aid: never hide the test's own error
            page.locator(".chatkit-chat").first.screenshot(path=ARTIFACTS / "chat-window.png")
        page.close()
