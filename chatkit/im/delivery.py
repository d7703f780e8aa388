"""Delivering a customer's message to the bot's webhook, as Lanying calls a bot.

The page never waits for the bot: each delivery is a background task that tries twice
(one retry after a short pause, as platforms retry a failed callback) and writes the
outcome on the message, where the page shows it.
"""

from __future__ import annotations

import asyncio
import json

import httpx

TIMEOUT = 5.0  # seconds the bot has to answer; a bot should answer at once and reply later
RETRY_AFTER = 0.5  # seconds between the first attempt and the retry
MAX_IN_FLIGHT = 64  # deliveries running at once; more are refused, not queued forever
NO_BOT = ("No bot is connected, so nothing was delivered. Start the platform with "
          "--bot URL (the bot's webhook), or set platform.bot_webhook.")


def callback_body(message: dict, app_id: str) -> dict:
    """The JSON Lanying posts to a bot for a one-to-one text message."""
    return {"msgId": message["id"], "appId": app_id, "from": {"uid": _uid(message["from"])},
            "to": {"uid": _uid(message["to"])}, "type": "CHAT", "ctype": "TEXT",
            "content": message["text"], "ext": message.get("ext") or ""}


def schedule(state, message: dict) -> None:
    """Start delivering ``message`` in the background (call from the event loop)."""
    store, tasks = state.store, state.deliveries
    if not state.bot_webhook:
        store.set_delivery(message["id"], "not_sent", NO_BOT)
        return
    if len(tasks) >= MAX_IN_FLIGHT:
        store.set_delivery(message["id"], "failed", f"{MAX_IN_FLIGHT} deliveries are already waiting for the bot; "
                           "this one was dropped. Send more slowly, or check that the bot answers.")
        return
    task = asyncio.create_task(deliver(state, message))
    tasks.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(tasks.discard)


async def deliver(state, message: dict) -> None:
    """Post the callback; on failure wait and try once more; record the outcome on the message."""
    url, credentials = state.bot_webhook, state.credentials
    body = json.dumps(callback_body(message, credentials.app_id), ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "signature": credentials.callback_signature}
    # trust_env=False: the bot usually runs on this computer, and a proxy from the environment
    # would turn a plain "connection refused" into a confusing proxy error.
    async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:
        reason = await _attempt(client, url, headers, body)
        if reason:
            state.store.set_delivery(message["id"], "retrying", reason)
            await asyncio.sleep(RETRY_AFTER)
            reason = await _attempt(client, url, headers, body)
    if reason:
        state.store.set_delivery(message["id"], "failed", f"{reason} (tried twice)")
    else:
        state.store.set_delivery(message["id"], "delivered")


async def _attempt(client: httpx.AsyncClient, url: str, headers: dict, body: bytes) -> str:
    """"" when the bot took the callback (any 2xx), else why not, in words a learner can act on."""
    try:
        async with client.stream("POST", url, content=body, headers=headers) as answer:
            if answer.is_success:
                return ""
            start = await _first_bytes(answer, 200)  # only the start: the answer's size is the bot's choice
    except httpx.TimeoutException:
        return (f"The bot did not answer within {TIMEOUT:.0f} s. A bot should answer the callback at once "
                "and send its reply afterwards.")
    except httpx.HTTPError as exc:
        return f"Could not reach the bot at {shown_url(url)} ({type(exc).__name__}). Is it running at that address?"
    said = start.decode("utf-8", "replace").strip()
    return f"The bot answered {answer.status_code} {answer.reason_phrase}" + (f": {said}" if said else ".")


async def _first_bytes(answer: httpx.Response, limit: int) -> bytes:
    start = b""
    async for chunk in answer.aiter_bytes():
        start += chunk
        if len(start) >= limit:
            break
    return start[:limit]


def _uid(uid: str):
    # Lanying's user ids are numbers in its JSON.
    return int(uid) if uid.isascii() and uid.isdigit() else uid


def shown_url(url: str) -> str:
    """The webhook without its query string (which may hold a token)."""
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")
