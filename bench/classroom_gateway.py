"""What does the classroom gateway add to a stream when 300 students call at once?

A stand-in upstream (a tiny ASGI app under uvicorn on 127.0.0.1, no model) streams every Chat
Completions call as CHUNKS chunks, DELAY seconds apart (and the usage chunk when asked). CLIENTS
streaming clients call it at once, through the official ``openai`` client (AsyncOpenAI; one
connection pool with room for all of them, new each round, so every student connects afresh, as a
notebook does after uvicorn's 5 s keep-alive), two ways: (a) directly; (b) through the gateway, a
class of CLIENTS students, each with their own key, limits off, the stand-in as its one upstream.
ROUNDS rounds after one unmeasured round of each, the order swapped every round.

Three processes: the stand-in, the gateway (run as ``classroom serve`` runs it: uvicorn in a thread
of its own process) and the clients (this one, one event loop). Clients in the gateway's process
would share its GIL and measure the two together; the stand-in gets its own so that (a) and (b)
ask the same upstream. All three share the machine's cores, so the gateway's CPU time is part of
what it adds. Printed per request: time to the first chunk (TTFB) and to the end of the stream
(total), at p50 and p99; the gateway's added latency (via / direct, and in ms); errors and why;
the CPU seconds each process used per round (a client process near 100 % would measure itself).

Measured on a 2-core Linux VM (2026-12-06), on a quiet machine (load average about 1), 2 runs of
3 rounds (900 measured calls a way per run), with the gateway keeping at most 32 idle upstream
connections (gateway.py, create_app); no errors either way::

                  TTFB p50 ms   TTFB p99 ms   total p50 ms   total p99 ms   gateway CPU per call
    direct            440-462       484-514       915-920      1242-1266
    via gateway      1273-1349     2076-2180     1506-1606      2194-2257     4.6-4.9 ms
    via / direct    2.89-2.92x    4.04-4.51x    1.64-1.75x     1.77-1.78x     (p50 TTFB +0.83 to +0.89 s)

The client process itself uses 1.4 to 1.6 s of CPU a round (most of a core for a 1.4 s round): it
queues too, both ways, which is why the direct p50 is hundreds of ms against a stand-in that
answers at once. With 30 clients instead of 300, the gateway added 87 ms at p50.

Before that limit, 11 runs the same day (7 of them beside four other sessions' work, load 15 to 50)
gave TTFB p50 2.3-7.5x, p99 2.8-13.5x, total p99 2.1-5.9x, 6.6 to 20.3 ms of gateway CPU per call,
and one 502 in 9900 calls. A profile (cProfile of the gateway's event loop, 900 calls) put 58 to
71 % of its CPU in httpx's connection pool to the upstream: httpcore 1.0.9's
``AsyncConnectionPool._assign_requests_to_connections`` rescans every pooled connection, and for
each idle one counts them all again, on every request and every response closed (12 million
``is_idle()`` calls for 900 calls; https://github.com/encode/httpcore/pull/1035, open, and
https://github.com/pydantic/httpx2/pull/974, merged, checked 2026-12-06). Keeping at most 32 idle
connections bounds that work; the price is a new upstream connection for each call of a burst past
32 (a TLS handshake each, to a provider). httpx2 (a linear pool) was tried too and not taken: under
load more calls failed on a ReadError from a kept-alive connection the upstream had just closed (a
502 for the student, 8 to 16 of 900). The gateway answers such a failure, and a 5 s ConnectTimeout
while its loop is starved, as "every upstream refused" and rests the upstream; its warnings show
here, as "gateway: …".

Run it:  python bench/classroom_gateway.py
"""

import asyncio
import collections
import json
import logging
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CLIENTS, CHUNKS, DELAY, ROUNDS = 300, 10, 0.02, 3
WORDS = [f"word{i} " for i in range(CHUNKS)]
MODEL = "stand-in"
TEACHER_KEY = secrets.token_urlsafe(24)  # what the gateway sends the stand-in, which checks no key


# --- the stand-in upstream and the gateway, each in its own process -----------------------

def chunk(delta: dict | None, usage: dict | None = None) -> dict:
    return {"type": "http.response.body", "more_body": True, "body": b"data: " + json.dumps(
        {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": MODEL,
         "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": None}],
         **({"usage": usage} if usage else {})}).encode() + b"\n\n"}


async def stand_in(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body, more = body + message.get("body", b""), message.get("more_body", False)
    asked = json.loads(body or b"{}")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    for i, word in enumerate(WORDS):
        if i:
            await asyncio.sleep(DELAY)
        await send(chunk({"content": word}))
    if (asked.get("stream_options") or {}).get("include_usage"):
        await send(chunk(None, {"prompt_tokens": 9, "completion_tokens": CHUNKS, "total_tokens": 9 + CHUNKS}))
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


def serve_stand_in() -> None:
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0), backlog=2048)  # uvicorn's own backlog, as vLLM serves with
    server = uvicorn.Server(uvicorn.Config(stand_in, log_level="warning", access_log=False, lifespan="off"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    print(sock.getsockname()[1], flush=True)
    sys.stdin.read()  # until the bench closes our stdin


def serve_gateway(store_path: str, upstream: str) -> None:
    from chatkit.classroom.gateway import Gateway
    from chatkit.classroom.store import SQLiteStore
    from chatkit.classroom.upstreams import Upstream, Upstreams

    logging.basicConfig(level=logging.WARNING, format="gateway: %(message)s")  # why a call failed, if one does
    with Gateway.start(SQLiteStore(store_path), Upstreams([Upstream("stand-in", upstream, TEACHER_KEY)])) as gateway:
        print(gateway.port, flush=True)
        sys.stdin.read()


def started(*args: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    return process, int(process.stdout.readline())


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the students ------------------------------------------------------------------------

async def student(client) -> dict:
    start, first, text = time.perf_counter(), None, []
    try:
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Say ten words."}], stream=True)
        async for part in stream:
            first = first or time.perf_counter()
            if part.choices and part.choices[0].delta.content:
                text.append(part.choices[0].delta.content)
    except Exception as exc:  # noqa: BLE001 - counted and shown: a bench reports its errors
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    if "".join(text) != "".join(WORDS):
        return {"error": f"incomplete answer: {''.join(text)!r}"}
    return {"ttfb": first - start, "total": time.perf_counter() - start}


async def one_round(base_url: str, keys: list[str], servers: dict[str, int]) -> tuple[list[dict], dict[str, float]]:
    import httpx2
    from openai import AsyncOpenAI

    limits = httpx2.Limits(max_connections=2 * CLIENTS, max_keepalive_connections=2 * CLIENTS)
    async with httpx2.AsyncClient(limits=limits, timeout=120) as pool:
        class_client = AsyncOpenAI(base_url=base_url, api_key=keys[0], http_client=pool, max_retries=0)
        clients = [class_client.with_options(api_key=key) for key in keys]
        before = {name: cpu_seconds(pid) for name, pid in servers.items()}
        runs = await asyncio.gather(*(student(client) for client in clients))
    return list(runs), {name: cpu_seconds(pid) - before[name] for name, pid in servers.items()}


def measure(stand_in_url: str, gateway_url: str, keys: list[str], pids: dict[str, int]) -> dict:
    ways = {"direct": (stand_in_url, [], []), "via gateway": (gateway_url, [], [])}
    for i in range(ROUNDS + 1):
        for name in list(ways)[:: 1 if i % 2 == 0 else -1]:
            url, runs, cpu = ways[name]
            servers = {"client": os.getpid(), "stand-in": pids["stand-in"]}
            if name == "via gateway":
                servers["gateway"] = pids["gateway"]
            start = time.perf_counter()
            got, used = asyncio.run(one_round(url, keys, servers))
            if i:  # the first round warms both up: imports, the gateway's pool to the stand-in
                runs.extend(got)
                cpu.append({**used, "wall": time.perf_counter() - start})
    return ways


def main() -> None:
    from chatkit.classroom.store import SQLiteStore, Student

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * CLIENTS:  # each process holds a socket per student (the gateway two); the children inherit it
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * CLIENTS), hard))
    load = os.getloadavg()[0]
    print(f"{CLIENTS} streaming clients at once, {CHUNKS} chunks {DELAY * 1000:g} ms apart, {ROUNDS} rounds; "
          f"{os.cpu_count()} CPUs, open files limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, "
          f"load average {load:.2f} at start")
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "classroom.sqlite3")
        store.add_students([Student(f"s{i:03}", f"Student {i}") for i in range(CLIENTS)])
        keys = [store.issue_key(f"s{i:03}") for i in range(CLIENTS)]
        upstream, up_port = started("--stand-in")
        stand_in_url = f"http://127.0.0.1:{up_port}/v1"
        gateway, gw_port = started("--gateway", str(store.path), stand_in_url)
        try:
            ways = measure(stand_in_url, f"http://127.0.0.1:{gw_port}/v1", keys,
                           {"stand-in": upstream.pid, "gateway": gateway.pid})
        finally:
            for process in (gateway, upstream):
                process.stdin.close()
                process.wait(10)
        recorded = sum(u.calls for u in store.usage("student"))
        store.close()
    report(ways, recorded)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(ways: dict, recorded: int) -> None:
    print(f"\n{'':13}{'TTFB p50 ms':>12}{'p99':>9}{'total p50 ms':>14}{'p99':>9}{'errors':>8}   CPU s a round, wall s")
    figures = {}
    for name, (_, runs, cpu) in ways.items():
        good = [r for r in runs if "error" not in r]
        ttfb, total = [r["ttfb"] * 1000 for r in good], [r["total"] * 1000 for r in good]
        figures[name] = [percentile(ttfb, 50), percentile(ttfb, 99), percentile(total, 50), percentile(total, 99)]
        used = {key: statistics.mean(c[key] for c in cpu) for key in cpu[0]}
        print(f"{name:13}{figures[name][0]:12.1f}{figures[name][1]:9.1f}{figures[name][2]:14.1f}"
              f"{figures[name][3]:9.1f}{len(runs) - len(good):8}   "
              + ", ".join(f"{key} {value:.2f}" for key, value in used.items()))
        for why, count in collections.Counter(r["error"] for r in runs if "error" in r).most_common(5):
            print(f"    {count} x {why}")
    via, direct = figures["via gateway"], figures["direct"]
    print("\nthe gateway's added latency, via / direct (via - direct):")
    for i, label in enumerate(("TTFB p50", "TTFB p99", "total p50", "total p99")):
        print(f"  {label:10} {via[i] / direct[i]:6.2f}x  ({via[i] - direct[i]:+.1f} ms)")
    used = statistics.mean(c["gateway"] for c in ways["via gateway"][2])
    print(f"the gateway's CPU time per call: {used / CLIENTS * 1000:.1f} ms; calls it recorded: {recorded} of "
          f"{len(ways['via gateway'][1]) + CLIENTS} (warm-up included)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stand-in"]:
        serve_stand_in()
    elif sys.argv[1:2] == ["--gateway"]:
        serve_gateway(*sys.argv[2:4])
    else:
        try:
            main()
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it never fails the build
            print(f"benchmark failed: {type(exc).__name__}: {exc}")
        sys.exit(0)
