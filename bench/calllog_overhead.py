"""What the call log and the spending guard add to each call: the same requests with and without them.

Both clients talk to a sandbox whose scripted engine answers at once, so the model's time
does not hide the client's: what remains is HTTP on loopback plus chatkit's transport.

    python bench/calllog_overhead.py [--calls 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import openai

import chatkit
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox

HI = [{"role": "user", "content": "Hi"}]


def timed(client, model: str, calls: int, stream: bool) -> list[float]:
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        if stream:
            with client.chat.completions.create(model=model, messages=HI, max_tokens=16, stream=True,
                                                stream_options={"include_usage": True}) as chunks:
                for _ in chunks:
                    pass
        else:
            client.chat.completions.create(model=model, messages=HI, max_tokens=16)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="chatkit-bench-"))
    box = Sandbox.start(engine=ScriptedEngine(default="Hello there, how can I help?"), data_dir=folder / "data")
    try:
        model = box.engine.model_id
        plain = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
        log = chatkit.CallLog(folder / "calls.jsonl", price_as="gpt-4.1-mini")
        watched = chatkit.watch(plain, log=log, budget=chatkit.Budget(tokens=10**9))
        for stream in (False, True):
            timed(plain, model, 20, stream), timed(watched, model, 20, stream)  # warm up both
            a = statistics.median(timed(plain, model, args.calls, stream)) * 1000
            b = statistics.median(timed(watched, model, args.calls, stream)) * 1000
            kind = "streamed" if stream else "plain"
            print(f"{kind:9} median per call: official client {a:.2f} ms, with log + guard {b:.2f} ms "
                  f"(ratio {b / a:.2f}, +{b - a:.2f} ms)")
        print(f"{len(log)} calls logged, {log.path.stat().st_size:,} bytes of JSON lines")
    finally:
        box.stop()


if __name__ == "__main__":
    main()
