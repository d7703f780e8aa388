"""What durable state adds to each message the bot answers: the same messages, state in SQLite or in memory.

Both bots answer through the service's ``/webhook`` route, from a sandbox whose scripted
engine answers at once, so the model's time does not hide the bot's: what remains is
HTTP on loopback, the bot, and (durable) the SQLite writes: the message id, the answer in
flight, the conversation.

    python bench/bot_state.py [--messages 500] [--users 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import openai

from chatkit.bot import Bot, BotService, BotSettings, Shop
from chatkit.bot.platforms import webhook
from chatkit.bot.store import Store
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox

SECRET = "bench-webhook-secret-0123456789"


def bot(box: Sandbox, store: Store | None) -> Bot:
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", rate=None,
               daily_quota=None, store=store)


def timed(http: httpx.Client, url: str, n: int, users: int) -> float:
    """Seconds for message ``n`` (a new id); users take turns, so every conversation grows."""
    body = json.dumps({"message_id": f"m-{n}", "user_id": f"user-{n % users}",
                       "text": f"Question {n}: do you gift-wrap?"}).encode()
    start = time.perf_counter()
    response = http.post(f"{url}/webhook", content=body, headers=webhook.sign(SECRET, body))
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.text
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chatkit-bench-"))
    box = Sandbox.start(engine=ScriptedEngine(default="Yes, for free, in the shop and online."),
                        data_dir=folder / "data")
    store = Store(folder / "bot.sqlite3")
    settings = BotSettings(webhook_secret=SECRET)
    try:
        with (BotService.start(bot(box, None), settings) as memory,
              BotService.start(bot(box, store), settings) as durable, httpx.Client() as http):
            # Taking turns, message by message, so a busy moment of the machine slows both alike.
            times = {memory.url: [], durable.url: []}
            for n in range(-20, args.messages):  # 20 to warm up
                for url, seconds in times.items():
                    spent = timed(http, url, n, args.users)
                    if n >= 0:
                        seconds.append(spent)
        a, b = (statistics.median(times[s.url]) * 1000 for s in (memory, durable))
        print(f"{args.messages} messages from {args.users} users, median per message through /webhook:")
        print(f"  state in memory  {a:.2f} ms")
        print(f"  state in SQLite  {b:.2f} ms  (ratio {b / a:.2f}, +{b - a:.2f} ms)")
        print(f"  {store.path.stat().st_size:,} bytes of SQLite (its WAL apart)")
    finally:
        box.stop()


if __name__ == "__main__":
    main()
