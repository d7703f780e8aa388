"""``python -m chatkit im serve``: the local chat platform in the foreground, until Ctrl+C.

The secrets are printed masked, always. ``--env-file PATH`` writes them in full to PATH
(mode 0600, listed in .gitignore) for the bot to read, and reuses the ones already
saved there, so the bot's settings survive a restart of the platform.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ChatkitError
from ..messages import say
from ..settings import dotenv
from .credentials import Credentials
from .delivery import shown_url
from .server import BOT_ROUTE, LocalPlatform

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def serve(port: int = 8788, bot: str | None = None, env_file: str | None = None, open_page: bool = False,
          host: str = "127.0.0.1") -> int:
    """Run the platform until Ctrl+C (or SIGTERM, turned into KeyboardInterrupt by the caller)."""
    saved = saved_credentials(Path(env_file)) if env_file else None
    im = LocalPlatform.start(host=host, port=port, bot_webhook=bot, credentials=saved)
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
    print("Local chat platform stopped.", flush=True)
    return 0


def saved_credentials(env_file: Path) -> Credentials | None:
    """The local platform's credentials saved in ``env_file`` earlier; refuse a real Lanying app's."""
    values = dotenv(env_file)
    endpoint = values.get("LANYING_API_ENDPOINT")
    if endpoint and urlsplit(endpoint).hostname not in LOOPBACK:
        raise ChatkitError(say("im.real_app.what", env_file=env_file, endpoint=endpoint), fix=say("im.real_app.fix"))
    return Credentials.from_env(values)


def announce(im: LocalPlatform, env_path: Path | None, reused: bool) -> None:
    """Print where the page is and the bot's settings, secrets masked."""
    def say(line: str = "") -> None:
        print(line, flush=True)

    say(f"Local chat platform (an imitation of Lanying IM, for learning) at {im.url}")
    say("Open it, chat as a customer, and watch the bot's replies stream in. Press Ctrl+C to stop.")
    if im.bot_webhook:
        say(f"Customer messages go to the bot's webhook: {shown_url(im.bot_webhook)}")
    else:
        say("No bot connected: messages will show 'not delivered'. Restart with --bot URL, e.g. "
            f"--bot http://127.0.0.1:8787 (the chatkit bot's address; {BOT_ROUTE} is added).")
    say("\nThe bot's settings (.env lines; secrets masked):")
    for line in im.env_lines(masked=True):
        say(f"  {line}")
    if env_path:
        how = "reused from (endpoint updated)" if reused else "written in full to"
        say(f"\nCredentials {how} {env_path}, readable only by you and listed in .gitignore. "
            "Point the bot at that file.")
    else:
        say("\nThe secrets are new on every start and shown only masked. To hand them to the bot, run again "
            "with --env-file .env: they are written there in full, readable only by you, and reused next time.")
