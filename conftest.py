"""Settings for every pytest run, including `pytest notebooks` (which skips tests/conftest.py).

Notebooks run in kernels that inherit this process's environment, so they are kept on
the sandbox with a throw-away data folder, whatever the developer has set.
"""

from __future__ import annotations

import os

import pytest

from chatkit.config import force_sandbox
from chatkit.exercises import VERIFY

# Both editions run under nbval: the Chinese notebooks share the English code
# (tools/editions.py) but store their own outputs, in which chatkit speaks Chinese.


def pytest_configure(config):
    force_sandbox("chatkit-test-")
    # Every exercise check in a notebook first runs its reference solution, silently, in that
    # notebook: the notebooks are executed once, as the learner gets them, and still prove
    # that each solution passes its check there.
    os.environ[VERIFY] = "1"


def pytest_collection_modifyitems(items):
    """Every notebook cell nbval runs is slow: `pytest -m "not slow"` leaves the notebooks out."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """nbval lets a cell tagged raises-exception fail; make sure it really does."""
    result = yield
    options = getattr(item, "options", None)
    if options is not None and options.get("check_exception") and not _raised(item):
        item.raise_cell_error("This cell is tagged raises-exception, but it raised nothing. "
                              "Fix the cell, or remove the tag.")
    return result


def _raised(cell) -> bool:
    return any(out.get("output_type") == "error" for out in cell.test_outputs or [])
