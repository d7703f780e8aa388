"""What does the sandbox cost? One greedy generation, through HTTP and called directly.

Time to first token (TTFT) and tokens/s of the same generation (temperature 0,
MAX_TOKENS tokens, the sandbox's n_threads and n_batch), done two ways, alternating:
(a) sandbox: the official ``openai`` client streaming chat completions from a
``Sandbox`` on 127.0.0.1, client and server in this process as in a notebook;
(b) direct: ``llama_cpp.Llama.create_completion(stream=True)`` on the same prompt tokens,
the model loaded by the sandbox's own ``_load_llama``, in a child process (llama.cpp's
OpenMP threads belong to the calling thread: a second one would slow both paths ~3x).

TTFT: request sent to first chunk with text. Decode tok/s: tokens / (end - first
token); overall: tokens / (end - start). KV caches are reset before each run. Figures
are medians; ratios are medians of per-round ratios (the order swaps every round), so
load from other programs hits both sides of a pair alike; "best" is the fastest run.
Target: the sandbox costs under 5 % of decode throughput. A report: it always exits 0.

Run it:  python bench/sandbox_overhead.py
"""

import multiprocessing
import os
import statistics
import tempfile
import time

from openai import OpenAI

from chatkit.sandbox.engine import LlamaEngine, _load_llama, default_threads, model_path
from chatkit.sandbox.server import Sandbox

MAX_TOKENS, ROUNDS, TARGET = 128, 6, 0.05
N_THREADS = default_threads()  # what the sandbox uses; n_batch is fixed at 512 by _load_llama
MESSAGES = [  # an explicit system message, so the template injects no default one
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write a long story about a lighthouse keeper and a storm."},
]


def via_sandbox(client: OpenAI, engine: LlamaEngine) -> dict:
    engine.llm.reset()  # forget the previous run's KV cache: measure the whole prompt
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


def direct(llm, prompt: list[int]) -> dict:
    llm.reset()
    start, first, text = time.perf_counter(), None, []
    # The sampler chain of LlamaEngine.generate; a token list gets no extra BOS.
    for chunk in llm.create_completion(prompt, max_tokens=MAX_TOKENS, temperature=0, top_p=1.0, top_k=0,
                                       min_p=0.0, typical_p=1.0, repeat_penalty=1.0, stream=True):
        if chunk["choices"][0]["text"]:
            first = first or time.perf_counter()
            text.append(chunk["choices"][0]["text"])
    end, out = time.perf_counter(), "".join(text)
    # Cut at the limit, the count is exact; else re-tokenizing the text is a close estimate.
    cut = chunk["choices"][0]["finish_reason"] == "length"
    tokens = MAX_TOKENS if cut else len(llm.tokenize(out.encode("utf-8"), add_bos=False))
    return figures(start, first, end, tokens, out)


def direct_worker(conn, n_threads: int) -> None:
    """Path (b)'s child process: one model, one run per prompt received."""
    llm = _load_llama(str(model_path()), n_threads)
    while (prompt := conn.recv()) is not None:
        conn.send(direct(llm, prompt))


def figures(start: float, first: float, end: float, tokens: int, text: str) -> dict:
    return {"ttft_ms": (first - start) * 1000, "decode_tps": tokens / (end - first),
            "overall_tps": tokens / (end - start), "tokens": tokens, "text": text}


def main() -> None:
    print(f"model {model_path().name}, n_threads={N_THREADS}, n_batch=512, max_tokens={MAX_TOKENS}, "
          f"{ROUNDS} rounds after warm-up, {os.cpu_count()} CPUs")
    engine = LlamaEngine(n_threads=N_THREADS)  # the sandbox's own model instance
    prompt = engine.render(MESSAGES)  # the exact prompt tokens the sandbox feeds its model
    spawn = multiprocessing.get_context("spawn")
    conn, child_conn = spawn.Pipe()
    child = spawn.Process(target=direct_worker, args=(child_conn, N_THREADS), daemon=True)
    child.start()
    child_conn.close()  # the child's end: if the child dies, recv() raises instead of hanging
    a, b = [], []
    with tempfile.TemporaryDirectory() as data_dir:
        box = Sandbox.start(engine=engine, data_dir=data_dir)
        client = OpenAI(base_url=box.base_url, api_key=box.key, max_retries=0)
        paths = [(a, lambda: via_sandbox(client, engine)), (b, lambda: conn.send(prompt) or conn.recv())]
        try:
            for _, measure in paths:  # warm-up
                measure()
            for i in range(ROUNDS):
                for runs, measure in paths if i % 2 == 0 else paths[::-1]:
                    runs.append(measure())
        finally:
            box.stop()
            conn.send(None)
            child.join()
    report(a, b, len(prompt))


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(a: list[dict], b: list[dict], prompt_tokens: int) -> None:
    print(f"\nprompt {prompt_tokens} tokens; completion {a[0]['tokens']} (sandbox) / {b[0]['tokens']} (direct)")
    print(f"{'':9}{'TTFT ms':>9}{'decode tok/s':>14}{'best decode':>13}{'overall tok/s':>15}")
    for name, runs in (("sandbox", a), ("direct", b)):
        print(f"{name:9}{median(runs, 'ttft_ms'):9.1f}{median(runs, 'decode_tps'):14.1f}"
              f"{max(r['decode_tps'] for r in runs):13.1f}{median(runs, 'overall_tps'):15.1f}")
    decode = sorted(x["decode_tps"] / y["decode_tps"] for x, y in zip(a, b))
    ratio = statistics.median(decode)
    best = max(r["decode_tps"] for r in a) / max(r["decode_tps"] for r in b)
    overall = statistics.median(x["overall_tps"] / y["overall_tps"] for x, y in zip(a, b))
    print(f"\nthroughput ratio sandbox/direct: decode {ratio:.3f} (rounds {decode[0]:.3f}..{decode[-1]:.3f}, "
          f"best/best {best:.3f}), overall {overall:.3f}")
    ttft = statistics.median(x["ttft_ms"] - y["ttft_ms"] for x, y in zip(a, b))
    print(f"TTFT difference sandbox - direct: {ttft:+.1f} ms")
    texts = {r["text"] for r in a + b}
    print(f"same text on both paths and every run: {'yes' if len(texts) == 1 else f'NO ({len(texts)} variants)'}")
    verdict = "PASS" if 1 - ratio < TARGET else "FAIL"
    print(f"{verdict}: the sandbox costs {1 - ratio:.1%} of decode throughput (target < {TARGET:.0%})")


if __name__ == "__main__":
    main()
