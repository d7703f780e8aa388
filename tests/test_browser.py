"""The playground in a real browser: JupyterLab + headless Chromium, clicked like a learner.

Skips on a machine without Playwright or Chromium, but fails in CI (CI=true), which
installs both (.ci/run). A screenshot of the playground lands in test-artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

from browser_support import (
    chromium,
    errors_shown,
    jupyter_lab,
    missing_browser,
    open_notebook,
    run_all_cells,
    wait_until,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "04-tune-parameters.ipynb"
FINISHED = re.compile(r"finish_reason")  # in the playground's status line after a run


@pytest.fixture
def browser():
    reason = missing_browser()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test, but {reason}")
    if reason:
        pytest.skip(reason)
    with chromium() as browser:
        yield browser


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a folder with notebook 04; kernels stay on the sandbox."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    env = {**os.environ, "CHATKIT_BACKEND": "sandbox"}  # CHATKIT_DATA_DIR comes from ../conftest.py
    with jupyter_lab(root, tmp_path / "jupyter", env) as lab:
        yield lab


@pytest.fixture
def notebook(browser, lab):
    """The notebook's page, every cell run; a full-page screenshot is kept for debugging."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        open_notebook(page, lab, NOTEBOOK, timeout=60)
        run_all_cells(page, timeout=120)
        yield page
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a debugging aid: never hide the test's own error
            page.screenshot(path=ARTIFACTS / "jupyterlab.png", full_page=True)
        page.close()


# Counts changes to an element's subtree from now on: streaming shows up even if the
# final text happens to equal the previous answer.
WATCH = """el => { el._changes = 0; new MutationObserver(list => { el._changes += list.length; })
                     .observe(el, {childList: true, subtree: true, characterData: true}); }"""


def test_moving_the_temperature_slider_and_pressing_run_updates_the_playground(notebook):
    page = notebook
    playground = page.locator(".chatkit-playground").first
    wait_until(page, playground.is_visible,
               lambda: f"a .chatkit-playground on the page; errors shown: {errors_shown(page)}", 30)
    playground.scroll_into_view_if_needed()
    readout = playground.locator(".chatkit-temperature .widget-readout")
    output = playground.locator(".chatkit-output")
    status = playground.locator(".chatkit-status")
    before = readout.inner_text().strip()

    # A learner's keyboard on the slider's handle: two steps up (down if it is at the top).
    handle = playground.locator(".chatkit-temperature").get_by_role("slider")
    at_top = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    key = "ArrowLeft" if at_top else "ArrowRight"
    handle.focus()
    handle.press(key)
    handle.press(key)
    wait_until(page, lambda: readout.inner_text().strip() != before, f"the slider to move from {before}", 10)
    chosen = float(readout.inner_text())

    # The slider may already have started a run (it fires on release); Run then either
    # joins that run or starts a new one. Either way the answer streams into the output.
    output.evaluate(WATCH)
    playground.locator(".chatkit-run").click()
    setting = re.compile(rf"temperature\W{{0,3}}{re.escape(f'{chosen:g}')}(?!\d)", re.IGNORECASE)
    wait_until(page, lambda: FINISHED.search(text := status.inner_text()) and setting.search(text),
               lambda: f"the status line to show a finished run at temperature {chosen:g}: "
                       f"{status.inner_text()!r}; errors shown: {errors_shown(page)}", 60)
    assert output.evaluate("el => el._changes") > 0, "the output area did not change after Run"
    assert output.inner_text().strip(), "the output area is empty after a finished run"

    ARTIFACTS.mkdir(exist_ok=True)
    playground.screenshot(path=ARTIFACTS / "playground.png")
