"""The keys panel and the key field as a learner uses them: buttons pressed inside IPython.

Outside IPython, ipywidgets' ``Output`` lets an exception through; inside a shell or a
kernel its ``__exit__`` hands the exception to ``showtraceback`` and swallows it. So a
widget that wraps its work in ``with output:`` behaves differently under plain pytest
and in a notebook. These tests press the buttons where the learner does: in a real
``InteractiveShell``, and at the end in a real kernel, clicked the way the browser does.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import sys
import types
from contextlib import closing

import ipywidgets as w
import pytest
from dotenv import dotenv_values
from IPython import get_ipython
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from chatkit.errors import ChatkitError, KeyFormatError
from chatkit.sandbox.store import Store
from chatkit.widgets import KeyEntry, KeysPanel
from playground_support import status


@pytest.fixture
def shell(monkeypatch, tmp_path):
    """A real IPython shell that ``get_ipython()`` returns; ``shell.shown`` lists the tracebacks it printed."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])  # the shell replaces it
    added = {"__IPYTHON__", "display"} - set(vars(builtins))  # ...and adds these builtins
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.shown = []
    real = ip.showtraceback

    def showtraceback(exc_tuple=None, *args, **kwargs):
        ip.shown.append(exc_tuple or sys.exc_info())
        return real(exc_tuple, *args, **kwargs)

    ip.showtraceback = showtraceback
    assert get_ipython() is ip
    yield ip
    InteractiveShell.clear_instance()
    for name in added:
        vars(builtins).pop(name, None)


@pytest.fixture
def box(tmp_path):
    """What KeysPanel needs from a sandbox: its key store and its address (no server needed)."""
    return types.SimpleNamespace(store=Store(tmp_path / "sandbox-data"), base_url="http://127.0.0.1:9/v1")


def quiet(shell, capsys) -> str:
    """Assert IPython showed no traceback; return what was printed."""
    printed = "".join(capsys.readouterr())
    assert shell.shown == [], f"IPython showed a traceback: {shell.shown}"
    assert "Traceback" not in printed
    return printed


def revoke_button(panel: KeysPanel, key_id: str) -> w.Button:
    row = next(row for row in panel.table.children[1:] if key_id in row.children[0].value)
    return row.children[1]


def forget(store: Store, key_id: str) -> None:
    """Delete a key behind the panel's back, as a reset of the sandbox's data folder would."""
    with closing(sqlite3.connect(store.path, isolation_level=None)) as db:
        db.execute("DELETE FROM keys WHERE id = ?", (key_id,))


# --- the premise ----------------------------------------------------------------------

def test_in_ipython_an_output_widget_swallows_exceptions(shell, capsys):
    with w.Output():
        raise ValueError("this never reaches an except around the with")
    assert [exc_type for exc_type, *_ in shell.shown] == [ValueError]
    assert "Traceback" in capsys.readouterr().out


# --- KeysPanel ------------------------------------------------------------------------

def test_create_shows_the_key_masked_and_keeps_it_in_new_key(shell, capsys, box):
    panel = KeysPanel(box)
    panel.name.value = "laptop"
    panel.create_button.click()
    printed = quiet(shell, capsys)
    [info] = box.store.list_keys()
    assert panel.new_key.startswith("sk-sandbox-") and box.store.check_key(panel.new_key) == info
    assert f"Created {info.id} ({info.masked})" in status(panel)
    screen = status(panel) + "".join(child.children[0].value for child in panel.table.children[1:])
    assert info.masked in screen
    assert panel.new_key not in screen + printed + str(panel.errors.outputs)
    assert panel.error is None


def test_create_without_a_name_shows_the_fix(shell, capsys, box):
    panel = KeysPanel(box)
    panel.name.value = "   "
    panel.create_button.click()
    quiet(shell, capsys)
    assert status(panel) == "A key needs a name. Fix: Type a name that says where you use it, e.g. 'laptop'."
    assert isinstance(panel.error, ChatkitError)
    assert box.store.list_keys() == [] and panel.new_key is None


def test_revoke_shows_the_key_masked(shell, capsys, box):
    panel = KeysPanel(box)
    info = panel.create("laptop")
    revoke_button(panel, info.id).click()
    quiet(shell, capsys)
    assert status(panel) == f"Revoked {info.id} ({info.masked}). Requests with it now fail with 401."
    assert not box.store.list_keys()[0].active
    assert revoke_button(panel, info.id).disabled


def test_revoke_of_a_key_that_is_gone_shows_the_fix(shell, capsys, box):
    panel = KeysPanel(box)
    info = panel.create("laptop")
    forget(box.store, info.id)
    revoke_button(panel, info.id).click()
    quiet(shell, capsys)
    assert status(panel) == f"There is no key with id {info.id}. Fix: Pick one from the list above."
    assert isinstance(panel.error, ChatkitError)
    assert panel.errors.outputs == ()  # an error the learner can fix needs no traceback


def test_an_unexpected_error_is_one_line_in_the_panel(shell, capsys, box, monkeypatch):
    def broken(name):
        raise sqlite3.OperationalError("database is locked")

    panel = KeysPanel(box)
    monkeypatch.setattr(box.store, "create_key", broken)
    panel.create_button.click()
    quiet(shell, capsys)
    assert status(panel).startswith("Unexpected error: OperationalError: database is locked.")
    assert "\n" not in status(panel)
    assert isinstance(panel.error, sqlite3.OperationalError)
    assert "Traceback" in panel.errors.outputs[0]["text"]  # for whoever debugs it, below the panel


def test_a_press_after_an_error_starts_clean(shell, capsys, box, monkeypatch):
    panel = KeysPanel(box)
    monkeypatch.setattr(box.store, "create_key", lambda name: 1 / 0)
    panel.create_button.click()
    assert "ZeroDivisionError" in status(panel) and panel.errors.outputs
    monkeypatch.undo()
    panel.create_button.click()
    quiet(shell, capsys)
    assert status(panel).startswith("Created key_")
    assert panel.error is None and panel.errors.outputs == ()


def test_the_methods_the_notebooks_call_still_raise(box):
    panel = KeysPanel(box)
    with pytest.raises(ChatkitError, match="There is no key with id key_nope"):
        panel.revoke("key_nope")
    with pytest.raises(ChatkitError, match="A key needs a name"):
        panel.create("")
    assert panel.base_url == box.base_url and panel.store is box.store


# --- KeyEntry -------------------------------------------------------------------------

KEY = "sk-proj-" + "Ab3_" * 10 + "WXYZ"


def test_save_writes_the_key_and_shows_it_masked(shell, capsys, tmp_path):
    entry = KeyEntry(tmp_path / ".env")
    entry.field.value = KEY
    entry.save_button.click()
    printed = quiet(shell, capsys)
    assert (tmp_path / ".env").read_text() == f"OPENAI_API_KEY={KEY}\n"
    assert status(entry) == ("Saved sk-proj-…WXYZ to .env as OPENAI_API_KEY (only you can read it; it is in "
                             ".gitignore). Restart the kernel so chatkit picks it up.")
    assert entry.field.value == ""
    assert KEY not in status(entry) + printed + str(entry.errors.outputs)


@pytest.mark.parametrize("pasted, message", [
    (" " + KEY, "The key starts or ends with spaces or a line break. Fix: Copy it again without the spaces"),
    (f'"{KEY}"', "The key contains quotes. Fix: Remove the quotes: a key never contains any."),
    ("sk-proj-…WXYZ", "This is a masked key (it contains '…', '...' or '**'): the part in the middle is hidden. Fix: "
                      "The full key"),
], ids=["spaces", "quotes", "masked"])
def test_save_of_a_malformed_key_shows_the_fix_and_never_the_key(shell, capsys, tmp_path, pasted, message):
    entry = KeyEntry(tmp_path / ".env")
    entry.field.value = pasted
    entry.save_button.click()
    printed = quiet(shell, capsys)
    assert status(entry).startswith(message)
    assert "(See notebooks/02-set-up-your-api-key.ipynb)" in status(entry)
    assert isinstance(entry.error, KeyFormatError)
    assert entry.field.value == "" and not (tmp_path / ".env").exists()
    assert KEY not in status(entry) + printed + str(entry.errors.outputs)


GLM_KEY = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"  # Zhipu's documented shape: <id>.<secret>


def test_a_chosen_provider_gets_its_variable_and_chatkit_provider(shell, capsys, tmp_path):
    entry = KeyEntry(tmp_path / ".env", provider="zhipu")
    entry.field.value = GLM_KEY
    entry.save_button.click()
    printed = quiet(shell, capsys)
    assert dotenv_values(tmp_path / ".env") == {"ZHIPUAI_API_KEY": GLM_KEY, "CHATKIT_PROVIDER": "zhipu"}
    assert status(entry).startswith("Saved …MnOp to .env as ZHIPUAI_API_KEY")
    assert "does not look like" not in status(entry)
    assert GLM_KEY[:32] not in status(entry) + printed


def test_the_menu_starts_at_chatkit_provider_and_a_key_of_another_shape_is_saved_with_a_line(shell, capsys, tmp_path):
    (tmp_path / ".env").write_text("CHATKIT_PROVIDER=zhipu\n", encoding="utf-8")
    entry = KeyEntry(tmp_path / ".env")
    assert entry.provider.value == "zhipu"
    entry.field.value = KEY
    entry.save_button.click()
    quiet(shell, capsys)
    assert dotenv_values(tmp_path / ".env") == {"CHATKIT_PROVIDER": "zhipu", "ZHIPUAI_API_KEY": KEY}
    assert "does not look like a key from Zhipu GLM, whose keys look like <id>.<secret>" in status(entry)
    assert entry.error is None and KEY not in status(entry)


def test_save_into_a_folder_that_does_not_exist_shows_the_fix(shell, capsys, tmp_path):
    entry = KeyEntry(tmp_path / "no-such-folder" / ".env")
    entry.field.value = KEY
    entry.save_button.click()
    printed = quiet(shell, capsys)
    assert status(entry).startswith("There is no folder ")
    assert "Fix: Create the folder first, or give KeyEntry a .env path in a folder that exists" in status(entry)
    assert isinstance(entry.error, ChatkitError) and entry.errors.outputs == ()
    assert entry.field.value == ""
    assert KEY not in status(entry) + printed


def test_save_called_from_code_still_raises(tmp_path):
    entry = KeyEntry(tmp_path / ".env")
    entry.field.value = "Bearer " + KEY
    with pytest.raises(KeyFormatError, match="starts with 'Bearer'"):
        entry.save()
    assert entry.field.value == ""


# --- in a real kernel, clicked the way the browser clicks -----------------------------

SETUP = """
import html, json, re, sqlite3, types
from chatkit.sandbox.store import Store
from chatkit.widgets import KeyEntry, KeysPanel
panel = KeysPanel(types.SimpleNamespace(store=Store({data!r}), base_url="http://127.0.0.1:9/v1"))
gone = panel.create("gone")
sqlite3.connect(panel.store.path, isolation_level=None).execute("DELETE FROM keys WHERE id = ?", (gone.id,))
panel.name.value = "   "
entry = KeyEntry({env!r})
entry.field.value = ' sk-proj-' + 'Ab3_' * 10
print(json.dumps({{"create": panel.create_button.model_id, "revoke": panel.table.children[1].children[1].model_id,
                  "save": entry.save_button.model_id}}))
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """An ipykernel of this Python in its own process, like the one behind a notebook."""
    import ipykernel.kernelspec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                          **ipykernel.kernelspec.get_kernel_dict())

    folder = tmp_path_factory.mktemp("kernel")
    km = KernelManager(kernel_name="this-python", kernel_spec_manager=ThisPython())
    km.start_kernel(cwd=str(folder))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    printed = []
    kc.execute_interactive(SETUP.format(data=str(folder / "data"), env=str(folder / ".env")), timeout=60,
                           output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    kc.buttons = json.loads("".join(printed))
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def click(kc, model_id: str) -> list[dict]:
    """Send the comm message a browser sends for a click; return what the kernel published for it."""
    msg = kc.session.msg("comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}})
    kc.shell_channel.send(msg)
    published = []
    while True:
        reply = kc.get_iopub_msg(timeout=30)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return published
        published.append(reply)


def kernel_value(kc, expression: str) -> str:
    printed = []
    kc.execute_interactive(f"print({expression})", timeout=30,
                           output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    return "".join(printed).strip()


@pytest.mark.parametrize("button, widget, error, message", [
    ("create", "panel", "ChatkitError", "A key needs a name. Fix: Type a name that says where you use it"),
    ("revoke", "panel", "ChatkitError", "There is no key with id key_"),
    ("save", "entry", "KeyFormatError", "The key starts or ends with spaces or a line break. Fix: Copy it again"),
])
def test_in_a_kernel_a_click_ends_in_the_fix_not_a_traceback(kernel, button, widget, error, message):
    published = click(kernel, kernel.buttons[button])
    assert [m for m in published if m["msg_type"] == "error"] == [], "the kernel sent a traceback to the notebook"
    assert "Traceback" not in json.dumps([m["content"] for m in published])
    shown = kernel_value(kernel, f"html.unescape(re.sub('<[^>]*>', '', {widget}.status.value))")
    assert message in shown and "Fix: " in shown
    assert kernel_value(kernel, f"type({widget}.error).__name__") == error
