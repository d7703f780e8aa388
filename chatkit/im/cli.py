"""``python -m chatkit im serve``: the local chat platform in the foreground, until Ctrl+C.

The secrets are printed masked, always. ``--env-file PATH`` writes them in full to PATH
(mode 0600, listed in .gitignore) for the bot to read, and reuses the ones already
saved there, so the bot's settings survive a restart of the platform.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

from ..errors import ChatkitError
from ..messages import say
from ..settings import dotenv
from .credentials import Saved
from .delivery import shown_url
from .server import SIDES, LocalPlatform, imitating


def serve(port: int = 8788, bot: str | None = None, env_file: str | None = None, open_page: bool = False,
          host: str = "127.0.0.1", platform: str = "lanying") -> int:
    """Run the platform until Ctrl+C (or SIGTERM, turned into KeyboardInterrupt by the caller)."""
    saved = saved_credentials(Path(env_file), platform) if env_file else None
    im = LocalPlatform.start(host=host, port=port, bot_webhook=bot, platform=platform, credentials=saved)
    try:
        path = im.save_env(env_file) if env_file else None
        announce(im, path, reused=saved is not None)
        if open_page:
            webbrowser.open(im.url)
        while not im.wait(timeout=0.5):  # short waits let Ctrl+C through
            pass
    except KeyboardInterrupt:
        pass
    finally:
        im.stop()
    print(say("im.cli.stopped"), flush=True)
    return 0


def saved_credentials(env_file: Path, platform: str = "lanying") -> Saved | None:
    """The local platform's credentials saved in ``env_file`` earlier; refuse a real app's."""
    side = imitating(platform)
    values, kind = dotenv(env_file), side.Credentials
    endpoint = values.get(kind.ENDPOINT)
    if endpoint and not kind.is_local(endpoint):
        raise ChatkitError(say("im.real_app.what", env_file=env_file, platform=side.title(),
                               variable=kind.ENDPOINT, endpoint=endpoint), fix=say("im.real_app.fix"))
    return kind.from_env(values)


def announce(im: LocalPlatform, env_path: Path | None, reused: bool) -> None:
    """Print where the page is and the bot's settings, secrets masked."""
    side = SIDES[im.platform]
    lines = [say("im.cli.serving", platform=side.title(), url=im.url)]
    lines.append(say("im.cli.bot", url=shown_url(im.bot_webhook)) if im.bot_webhook
                 else say("im.cli.no_bot", route=side.BOT_ROUTE))
    lines += ["", say("im.cli.settings")] + [f"  {line}" for line in im.env_lines(masked=True)] + [""]
    if env_path:
        lines.append(say("im.cli.reused" if reused else "im.cli.written", path=env_path))
    else:
        lines.append(say("im.cli.new_secrets"))
    print("\n".join(lines), flush=True)
