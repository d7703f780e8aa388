"""What does the sandbox's HTTP layer cost? One greedy generation, through HTTP and called directly.

Time to first token (TTFT) and tokens/s of the same generation (temperature 0,
MAX_TOKENS tokens, the MESSAGES below), done two ways on one engine, alternating:
(a) sandbox: the official ``openai`` client streaming chat completions from
``Sandbox.start()`` on 127.0.0.1, client and server in this process as in a notebook;
(b) direct: xllamacpp's completion handler called from this thread,
``engine._servers[0].handle_completions(_request(prompt, Sampling(...), MAX_TOKENS), callback)``,
on the very prompt tokens the sandbox feeds the model (``engine.render(MESSAGES)``).
Both paths use the same ``LlamaEngine``: one model in the process, its own thread.

TTFT: request sent to first chunk with text. Decode tok/s: tokens after the first /
(end - first token); overall: tokens / (end - start). Every request evaluates the whole
prompt (no prompt cache). Figures are medians; ratios are medians of per-round ratios
(the order swaps every round), so load from other programs hits both sides alike.
Target: the sandbox costs under 5 % of decode throughput. A report: it always exits 0.

Run it:  python bench/sandbox_overhead.py
"""

import os
import statistics
import sys
import tempfile
import time

MAX_TOKENS, ROUNDS, TARGET = 128, 8, 0.05
MESSAGES = [  # an explicit system message, so the template injects no default one
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write a long story about a lighthouse keeper and a storm."},
]


def via_sandbox(client, engine) -> dict:
    start, first, text, tokens = time.perf_counter(), None, [], 0
    stream = client.chat.completions.create(
        model=engine.model_id, messages=MESSAGES, temperature=0, max_tokens=MAX_TOKENS,
        stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.usage:
            tokens = chunk.usage.completion_tokens
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            text.append(chunk.choices[0].delta.content)
    return figures(start, first, time.perf_counter(), tokens, "".join(text))


def direct(engine, prompt: list[int]) -> dict:
    from chatkit.sandbox.engine import Sampling, _request

    run = {"first": None, "text": [], "tokens": 0}

    def on_chunk(chunk: dict) -> bool:  # llama.cpp calls it for every chunk; True would stop it
        choice = chunk["choices"][0]
        if choice["text"]:
            run["first"] = run["first"] or time.perf_counter()
            run["text"].append(choice["text"])
        run["tokens"] = (chunk.get("timings") or {}).get("predicted_n", run["tokens"])
        return False

    request = _request(prompt, Sampling(temperature=0, max_tokens=MAX_TOKENS), MAX_TOKENS)
    start = time.perf_counter()
    engine._servers[0].handle_completions(request, on_chunk)
    end = time.perf_counter()
    return figures(start, run["first"], end, run["tokens"], "".join(run["text"]))


def figures(start: float, first: float, end: float, tokens: int, text: str) -> dict:
    return {"ttft_ms": (first - start) * 1000, "decode_tps": (tokens - 1) / (end - first),
            "overall_tps": tokens / (end - start), "tokens": tokens, "text": text}


def main() -> None:
    from openai import OpenAI

    from chatkit.sandbox.engine import LlamaEngine, default_threads, model_path
    from chatkit.sandbox.server import Sandbox

    n_threads = default_threads()
    print(f"model {model_path().name}, n_threads={n_threads}, n_batch=512, max_tokens={MAX_TOKENS}, "
          f"{ROUNDS} rounds after warm-up, {os.cpu_count()} CPUs")
    engine = LlamaEngine(n_threads=n_threads)  # the one model, shared by both paths
    prompt = engine.render(MESSAGES)  # the exact prompt tokens the sandbox feeds its model
    a, b = [], []
    with tempfile.TemporaryDirectory() as data_dir:
        box = Sandbox.start(engine=engine, data_dir=data_dir)
        client = OpenAI(base_url=box.base_url, api_key=box.key, max_retries=0)
        paths = [(a, lambda: via_sandbox(client, engine)), (b, lambda: direct(engine, prompt))]
        try:
            for _, measure in paths:  # warm-up
                measure()
            for i in range(ROUNDS):
                for runs, measure in paths if i % 2 == 0 else paths[::-1]:
                    runs.append(measure())
        finally:
            box.stop()
    report(a, b, len(prompt))


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(a: list[dict], b: list[dict], prompt_tokens: int) -> None:
    print(f"\nprompt {prompt_tokens} tokens; completion {a[0]['tokens']} (sandbox) / {b[0]['tokens']} (direct)")
    print(f"{'':9}{'TTFT ms':>9}{'decode tok/s':>14}{'best decode':>13}{'overall tok/s':>15}")
    for name, runs in (("sandbox", a), ("direct", b)):
        print(f"{name:9}{median(runs, 'ttft_ms'):9.1f}{median(runs, 'decode_tps'):14.1f}"
              f"{max(r['decode_tps'] for r in runs):13.1f}{median(runs, 'overall_tps'):15.1f}")
    decode = sorted(x["decode_tps"] / y["decode_tps"] for x, y in zip(a, b, strict=True))
    ratio = statistics.median(decode)
    best = max(r["decode_tps"] for r in a) / max(r["decode_tps"] for r in b)
    overall = statistics.median(x["overall_tps"] / y["overall_tps"] for x, y in zip(a, b, strict=True))
    print(f"\nthroughput ratio sandbox/direct: decode {ratio:.3f} (rounds {decode[0]:.3f}..{decode[-1]:.3f}, "
          f"best/best {best:.3f}), overall {overall:.3f}")
    ttft = statistics.median(x["ttft_ms"] - y["ttft_ms"] for x, y in zip(a, b, strict=True))
    print(f"TTFT difference sandbox - direct: {ttft:+.1f} ms")
    texts = {r["text"] for r in a + b}
    print(f"same text on both paths and every run: {'yes' if len(texts) == 1 else f'NO ({len(texts)} variants)'}")
    verdict = "PASS" if 1 - ratio < TARGET else "FAIL"
    print(f"{verdict}: the sandbox costs {1 - ratio:.1%} of decode throughput (target < {TARGET:.0%})")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it never fails the build
        print(f"benchmark failed: {type(exc).__name__}: {exc}")
    sys.exit(0)
