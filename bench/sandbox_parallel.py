"""Eight learners at once: does the sandbox decode their requests together, or one after another?

The same N requests (N different questions, temperature 0, up to MAX_TOKENS tokens each) sent
to the real sandbox through the official ``openai`` client, streaming, two ways: (a) one at a
time, each sent when the one before has ended; (b) all at once, from N threads released
together. ROUNDS rounds, the order of (a) and (b) swapped every round, so load from other
programs hits both alike.

Per request, its wait (sent to last chunk: what a learner waits for the answer) and its time to
first token (TTFT); per way, the aggregate throughput (completion tokens of all its requests /
the wall time they took). Printed: tokens/s, median and p95 of the wait and of TTFT, and the
ratios together / one at a time. Before continuous batching (one slot, requests queued behind
a lock) the issue measured 1.01x the throughput and a median wait of 5.1 s instead of 1.1 s.
The slots come from CHATKIT_SANDBOX_PARALLEL (default 8). A report: it always exits 0.

Run it:  python bench/sandbox_parallel.py
"""

import os
import statistics
import sys
import tempfile
import threading
import time

N, MAX_TOKENS, ROUNDS = 8, 128, 2
QUESTIONS = ["Write a story about a cat.", "What is the capital of France? Explain.", "List five fruits.",
             "Tell me a joke about computers.", "Describe the sea.", "Why is the sky blue?",
             "Write a poem about rain.", "How do birds fly?"]


def one(client, model: str, question: str) -> dict:
    start, first, text, tokens = time.perf_counter(), None, [], 0
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": question}], temperature=0, max_tokens=MAX_TOKENS,
        stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            text.append(chunk.choices[0].delta.content)
    end = time.perf_counter()
    return {"wait": end - start, "ttft": first - start, "tokens": tokens, "text": "".join(text)}


def in_a_row(client, model: str) -> tuple[list[dict], float]:
    start = time.perf_counter()
    runs = [one(client, model, q) for q in QUESTIONS[:N]]
    return runs, time.perf_counter() - start


def together(client, model: str) -> tuple[list[dict], float]:
    runs, gate = [None] * N, threading.Barrier(N + 1)

    def send(i: int) -> None:
        gate.wait()
        runs[i] = one(client, model, QUESTIONS[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return runs, time.perf_counter() - start


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    from openai import OpenAI

    from chatkit.sandbox.server import Sandbox

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as data_dir, Sandbox.start(data_dir=data_dir) as box:
        engine = box.engine
        print(f"{N} requests of up to {MAX_TOKENS} tokens, {ROUNDS} rounds; slots={getattr(engine, 'slots', 1)}, "
              f"{os.cpu_count()} CPUs, load average {load:.2f} at start")
        client = OpenAI(base_url=box.base_url, api_key=box.key, max_retries=0, timeout=600)
        one(client, engine.model_id, QUESTIONS[0])  # warm-up
        ways = {"one at a time": (in_a_row, [], []), "together": (together, [], [])}
        for i in range(ROUNDS):
            for name in list(ways)[:: 1 if i % 2 == 0 else -1]:
                measure, runs, seconds = ways[name]
                got, took = measure(client, engine.model_id)
                runs.extend(got)
                seconds.append(took)
    report(ways)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def report(ways: dict) -> None:
    print(f"\n{'':15}{'tokens/s':>10}{'wait p50 s':>12}{'wait p95 s':>12}{'TTFT p50 s':>12}{'TTFT p95 s':>12}")
    figures = {}
    for name, (_, runs, seconds) in ways.items():
        waits, ttfts = [r["wait"] for r in runs], [r["ttft"] for r in runs]
        tps = sum(r["tokens"] for r in runs) / sum(seconds)
        figures[name] = (tps, statistics.median(waits), p95(waits), statistics.median(ttfts), p95(ttfts))
        print(f"{name:15}" + "".join(f"{v:>12.2f}" if i else f"{v:>10.1f}" for i, v in enumerate(figures[name])))
    a, b = figures["together"], figures["one at a time"]
    print(f"\nratios together / one at a time: throughput {a[0] / b[0]:.2f}x, wait p50 {a[1] / b[1]:.2f}x, "
          f"p95 {a[2] / b[2]:.2f}x, TTFT p50 {a[3] / b[3]:.2f}x, p95 {a[4] / b[4]:.2f}x")
    alone = {r["text"] for r in ways["one at a time"][1]}
    print(f"every request wrote the same text both ways: "
          f"{'yes' if alone == {r['text'] for r in ways['together'][1]} else 'NO'} ({len(alone)} texts)")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it never fails the build
        print(f"benchmark failed: {type(exc).__name__}: {exc}")
    sys.exit(0)
