"""The sandbox's "API keys" page, and a hidden field to save a key to .env.

Both are :class:`~chatkit.widgets.panel.Panel` widgets, like the playground: a button
press that fails ends in one line in the status (what happened and the fix), never in a
traceback. (An ``except`` around ``with output:`` cannot do that: in IPython the
``Output`` widget shows the traceback itself and swallows the exception.)
"""

from __future__ import annotations

import html
import time
import warnings
from pathlib import Path

import ipywidgets as w

from ..errors import ChatkitError
from ..keys import DOCS, KeyShapeWarning, key_provider, mask_key, save_key, variable_for
from ..messages import say
from ..providers import preset, presets
from ..sandbox import running
from ..settings import project_env_file
from .panel import Panel


class _KeyWidget(Panel):
    """A panel whose buttons finish at once; each press starts from a clean status."""

    def _safely(self, action):
        def fresh() -> None:
            with self._lock:
                self._next_run()  # forget the last press's error and traceback
            action()

        return super()._safely(fresh)


class KeysPanel(_KeyWidget):
    """Create, list (masked) and revoke sandbox keys: the offline "API keys" page.

    A new key is kept in ``panel.new_key`` and never shown in full: save it with
    ``chatkit.save_key(panel.new_key, ".env")``. The buttons show errors in the panel;
    the methods raise them.

    >>> panel = KeysPanel()            # doctest: +SKIP
    >>> info = panel.create("laptop")  # what the Create button does  # doctest: +SKIP
    >>> client = openai.OpenAI(api_key=panel.new_key, base_url=panel.base_url)  # doctest: +SKIP
    """

    def __init__(self, box=None) -> None:
        super().__init__()
        if box is None:
            box = running()
        self.store = box.store
        self.base_url = box.base_url  # where the sandbox listens: give it to a client with the new key
        self.new_key: str | None = None
        self.name = w.Text(value=say("widgets.keys.first_name"), description=say("widgets.keys.name"))
        self.create_button = w.Button(description=say("widgets.keys.create"), button_style="primary", icon="key")
        self.create_button.on_click(self._safely(lambda: self.create(self.name.value)))
        self.table = w.VBox()
        self.widget = w.VBox([w.HBox([self.name, self.create_button]), self.status, self.table, self.errors])
        self.widget.add_class("chatkit-keys-panel")
        self.refresh()

    def create(self, name: str):
        """Create a key named ``name``; the key goes to ``self.new_key``, its masked form on screen."""
        name = name.strip()
        if not name:
            raise ChatkitError(say("widgets.keys.no_name.what"), fix=say("widgets.keys.no_name.fix"))
        self.new_key, info = self.store.create_key(name)
        self._say(html.escape(say("widgets.keys.created", id=info.id, masked=info.masked)))
        self.refresh()
        return info

    def revoke(self, key_id: str):
        """Revoke a key: from now on the sandbox answers 401 to it."""
        info = self.store.revoke_key(key_id)
        if info is None:
            raise ChatkitError(say("widgets.keys.no_such_key.what", id=key_id), fix=say("widgets.keys.no_such_key.fix"))
        self._say(html.escape(say("widgets.keys.revoked", id=info.id, masked=info.masked)))
        self.refresh()
        return info

    def refresh(self) -> None:
        keys = self.store.list_keys()
        header = w.HTML(f"<b>{say('widgets.keys.yours')}</b>" if keys else f"<i>{say('widgets.keys.none')}</i>")
        self.table.children = [header] + [self._row(k) for k in keys]

    def _row(self, info) -> w.HBox:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at))
        state = say("widgets.keys.active" if info.active else "widgets.keys.revoked_state")
        label = w.HTML(f"<code>{html.escape(info.masked)}</code> {html.escape(info.name)} "
                       f"<small>{html.escape(say('widgets.keys.row', id=info.id, when=when, state=state))}</small>")
        button = w.Button(description=say("widgets.keys.revoke"), disabled=not info.active, button_style="danger")
        button.on_click(self._safely(lambda: self.revoke(info.id)))
        return w.HBox([label, button])


class KeyEntry(_KeyWidget):
    """A hidden field to paste a key and save it to a .env file (mode 0600, git-ignored), for a chosen provider.

    The key goes under the provider's variable (``DEEPSEEK_API_KEY``, ``ZHIPUAI_API_KEY``…).
    The provider menu starts at ``provider``, else ``CHATKIT_PROVIDER``, else OpenAI; picking
    another one also writes ``CHATKIT_PROVIDER`` to the file. A key that does not look like
    the provider's keys is saved, with a line that says what to check.

    >>> KeyEntry(".env")                     # paste, press Save; the key is never shown  # doctest: +SKIP
    >>> KeyEntry(provider="zhipu")           # saves ZHIPUAI_API_KEY and CHATKIT_PROVIDER=zhipu  # doctest: +SKIP
    """

    def __init__(self, env_file: str | Path | None = None, provider: str | None = None) -> None:
        super().__init__()
        if env_file is None:
            env_file = project_env_file()  # the .env chatkit reads, from any notebook folder
        self.env_file = Path(env_file)
        current = key_provider(env_file=self.env_file)
        self.current = current.name if current else None  # what a save without a choice keeps
        choices = [(p.title, p.name) for p in presets().values() if not p.local]
        self.provider = w.Dropdown(options=choices, value=preset(provider).name if provider else self.current,
                                   description=say("widgets.keys.provider"))
        self.field = w.Password(placeholder="sk-...", description=say("widgets.keys.key"))
        self.save_button = w.Button(description=say("widgets.keys.save"), button_style="primary", icon="lock")
        self.save_button.on_click(self._safely(self.save))
        self.widget = w.VBox([self.provider, w.HBox([self.field, self.save_button]), self.status, self.errors])
        self.widget.add_class("chatkit-key-entry")

    def save(self) -> Path:
        """Check the pasted key, write it under the provider's variable, and clear the field."""
        key, self.field.value = self.field.value, ""  # never leave a secret sitting in the widget
        chosen = self.provider.value if self.provider.value != self.current else None
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", KeyShapeWarning)  # shown in the status line, not as a warning
                path = save_key(key, self.env_file, provider=chosen)
        except FileNotFoundError as exc:
            raise ChatkitError(say("widgets.keys.no_folder.what", folder=self.env_file.resolve().parent,
                                   name=self.env_file.name),
                               fix=say("widgets.keys.no_folder.fix"), docs=DOCS) from exc
        variable = variable_for(key, key_provider(chosen, env_file=path))
        lines = [say("widgets.keys.saved", masked=mask_key(key), name=path.name, variable=variable)]
        lines += [str(caught_one.message) for caught_one in caught if issubclass(caught_one.category, KeyShapeWarning)]
        self._say(html.escape(" ".join(lines)))
        return path
