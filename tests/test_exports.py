"""The public surface: ``chatkit.__all__`` is what the package exports, and each name is documented."""

from __future__ import annotations

import doctest
import importlib
import inspect
import types

import pytest

import chatkit

NOTEBOOK_ESSENTIALS = {"connect", "connect_async", "backend_info", "verify", "mask_key", "save_key",
                       "ChatkitError"}


def public_members(module) -> set[str]:
    # Submodules (chatkit.config, chatkit.keys…) appear as attributes once imported;
    # they stay importable but are not part of the top-level API.
    return {name for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)}


def test_all_matches_what_is_exported():
    assert len(chatkit.__all__) == len(set(chatkit.__all__)), "a name is listed twice"
    assert set(chatkit.__all__) == public_members(chatkit)


def test_star_import_gives_exactly_all():
    namespace: dict = {}
    exec("from chatkit import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(chatkit.__all__)


def test_what_a_notebook_needs_is_exported():
    assert set(chatkit.__all__) >= NOTEBOOK_ESSENTIALS


def test_version_is_the_package_version():
    from importlib.metadata import version

    assert chatkit.__version__ == version("chatkit")


@pytest.mark.parametrize("name", chatkit.__all__)
def test_every_export_has_a_docstring(name):
    obj = getattr(chatkit, name)
    assert inspect.isfunction(obj) or inspect.isclass(obj), f"{name} is neither a function nor a class"
    doc = inspect.getdoc(obj)
    assert doc and len(doc.split()) >= 5, f"chatkit.{name} needs a docstring that says what it does"
    if inspect.isclass(obj):
        assert obj.__doc__ is not None and obj.__doc__ is not object.__doc__


@pytest.mark.parametrize("name", ["chatkit.config", "chatkit.keys", "chatkit.errors"])
def test_docstring_examples_run(name):
    # The examples in connect and verify need a live backend and are marked +SKIP.
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"chatkit": chatkit}, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
