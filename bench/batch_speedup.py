"""The guide's loop vs chatkit.batch.run_batch, on the sandbox with a simulated network.

Same short prompts (temperature 0, max_tokens 8), three measurements in one run:
1. the model's own time per request, m: the runner with no latency and concurrency 1;
2. with a simulated round trip of L = 1 s per request (about what the real API takes for a
   short answer): the sequential loop on a subset (it is slow: N x (L + m)), scaled to N,
   and the runner at concurrency C = 32 on all N prompts;
3. with a tight RPM on a sandbox whose engine answers at once (the scripted engine: here
   the limit, not the model, must set the pace) and the same rpm given to the runner:
   requests refused (goal: 0) and the achieved rate after the first minute's allowance
   (goal: >= 0.9 of the limit; the runner aims at 0.95 of it).

The ideal bound for the runner: the model serves one request at a time, so N x m, plus one
round trip; and C requests wait together, so ceil(N / C) x L, plus one model turn:
bound = max(N*m + L, ceil(N/C)*L + m). Goal: the runner reaches at least 0.9 of it
(bound / runner time). A report: it always exits 0.

Run it:  python bench/batch_speedup.py
"""

import asyncio
import math
import tempfile
import time

from chatkit.batch import run_batch
from chatkit.connect import AsyncOpenAI, OpenAI
from chatkit.sandbox.limits import Limits
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox

N, C, LATENCY, SUBSET, RPM, RATE_EXTRA = 64, 32, 1.0, 8, 120, 20
PROMPTS = [f"Name a thing that starts with the letter {chr(65 + i % 26)}. One word." for i in range(N)]
PARAMS = dict(temperature=0, max_tokens=8)


def sync_client(box) -> OpenAI:
    client = OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    client.default_model = box.engine.model_id
    return client


def loop(client, prompts) -> float:
    start = time.perf_counter()
    for prompt in prompts:
        client.chat.completions.create(model=client.default_model, messages=[{"role": "user", "content": prompt}],
                                       **PARAMS)
    return time.perf_counter() - start


def runner(box, prompts, **options) -> tuple[float, list]:
    async def go():
        client = AsyncOpenAI(api_key=box.key, base_url=box.base_url, max_retries=4)  # one per event loop
        client.default_model = box.engine.model_id
        async with client:
            return await run_batch(client, prompts, progress=False, **options, **PARAMS)

    start = time.perf_counter()
    results = asyncio.run(go())
    assert all(r.status == "ok" for r in results), [r.error for r in results if r.status != "ok"][:3]
    return time.perf_counter() - start, results


def main() -> None:
    box = Sandbox.start(data_dir=tempfile.mkdtemp(), limits=Limits())
    runner(box, PROMPTS[:4], concurrency=1)  # warm up
    model_time, _ = runner(box, PROMPTS, concurrency=1)
    m = model_time / N
    box.limits.update(latency_ms=LATENCY * 1000)
    loop_time = loop(sync_client(box), PROMPTS[:SUBSET]) * N / SUBSET
    run_time, _ = runner(box, PROMPTS, concurrency=C)
    bound = max(N * m + LATENCY, math.ceil(N / C) * LATENCY + m)
    print(f"{N} prompts, max_tokens={PARAMS['max_tokens']}, simulated latency {LATENCY:.1f} s; "
          f"model time per request m = {m * 1000:.0f} ms")
    print(f"  loop (timed on {SUBSET}, scaled to {N}):  {loop_time:6.1f} s")
    print(f"  runner, concurrency {C}:           {run_time:6.1f} s   speedup {loop_time / run_time:.1f}x")
    print(f"  ideal bound:                       {bound:6.1f} s   runner reaches {bound / run_time:.2f} of it "
          f"({'PASS' if bound / run_time >= 0.9 else 'FAIL'}, goal >= 0.9)")

    box.stop()
    box = Sandbox.start(engine=ScriptedEngine(), data_dir=tempfile.mkdtemp(), limits=Limits(rpm=RPM))
    prompts = PROMPTS * 3
    total = int(RPM * 0.95) + RATE_EXTRA  # the allowance the runner spends at once, then RATE_EXTRA paced
    elapsed, results = runner(box, prompts[:total], concurrency=C, rpm=RPM)
    sent = sorted(r.started for r in results)
    paced = sent[-RATE_EXTRA:]
    rate = (len(paced) - 1) / (paced[-1] - paced[0]) * 60
    refused = sum(box.limits.refused.values())
    print(f"sandbox limit {RPM} RPM, runner rpm={RPM}: {total} requests in {elapsed:.1f} s, refused {refused} "
          f"({'PASS' if refused == 0 else 'FAIL'}, goal 0)")
    print(f"  paced rate after the first allowance: {rate:.0f} RPM = {rate / RPM:.2f} of the limit "
          f"({'PASS' if rate / RPM >= 0.9 else 'FAIL'}, goal >= 0.9)")
    box.stop()


if __name__ == "__main__":
    main()
