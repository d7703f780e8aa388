"""What a better local model costs on this machine: tokens per second and peak memory, against SmolLM2.

For the sandbox's own SmolLM2-135M (the reference) and then each catalogue model that is pulled
(``python -m chatkit models pull NAME``), one fresh spawned process starts a sandbox serving it by
its catalogue name, sends the same chat request through the official client (temperature 0 as
``chatkit.reasoning.greedy`` sends it, so a thinking model has its thinking off; streamed,
MAX_TOKENS tokens; once to warm up, then ROUNDS times), and reports:

* decode tok/s: output tokens after the first / (end - first text); a reasoning model's hidden
  thinking counts, it is generated all the same;
* TTFT: request to the first chunk with text (reading the prompt);
* peak RSS: the process's high-water resident memory (``ru_maxrss``): Python, the server and the
  model, as a learner's kernel would hold them.

Medians; each model's ratios to SmolLM2 (speed: its tok/s / SmolLM2's, memory: its MB / SmolLM2's).
With no model pulled it says so and prints SmolLM2's figures alone. A report: it always exits 0.

Run it:  python bench/models.py
"""

import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

MAX_TOKENS, ROUNDS = 128, 3
REFERENCE = "smollm2-135m-instruct"
PROMPTS = {  # each model in its first language: the Chinese-capable ones are what a Chinese learner pulls them for
    "en": "Write a short story about a lighthouse keeper and a storm.",
    "zh": "写一个关于灯塔看守人和一场暴风雨的小故事。",
}


def measure(name: str, lang: str) -> dict:
    """In a fresh process: serve ``name`` (the reference, or a pulled catalogue model) and time ROUNDS requests."""
    import openai

    from chatkit.sandbox.server import Sandbox

    models = [] if name == REFERENCE else [name]
    with Sandbox.start(data_dir=tempfile.mkdtemp(prefix="chatkit-bench-"), models=models) as box:
        client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
        runs = [one_request(client, name, PROMPTS[lang]) for _ in range(ROUNDS + 1)][1:]  # the first warms up
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return {"decode_tps": statistics.median(r["decode_tps"] for r in runs),
            "ttft_ms": statistics.median(r["ttft_ms"] for r in runs),
            "tokens": statistics.median(r["tokens"] for r in runs),
            "peak_mb": peak / (2**20 if sys.platform == "darwin" else 2**10)}


def one_request(client, model: str, prompt: str) -> dict:
    from chatkit.reasoning import greedy, limit_name

    start, first, tokens = time.perf_counter(), None, 0
    stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}],
                                            **greedy(model), **{limit_name(model): MAX_TOKENS}, stream=True,
                                            stream_options={"include_usage": True})
    for chunk in stream:
        delta = chunk.choices[0].delta if chunk.choices else None
        if first is None and delta is not None and (delta.content or getattr(delta, "reasoning_content", None)):
            first = time.perf_counter()  # the first text: the role-only chunk comes before the model runs
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
    end = time.perf_counter()
    return {"decode_tps": (tokens - 1) / (end - first) if tokens > 1 else 0.0, "ttft_ms": (first - start) * 1000,
            "tokens": tokens}


def in_a_fresh_process(name: str, lang: str) -> dict:
    # spawn, one worker, one model: peak RSS is this model's alone, and no OpenMP pool is shared
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, name, lang).result()


def main() -> int:
    from chatkit import hub

    pulled = [entry for entry in hub.catalogue().values() if hub.pulled(entry.name)]
    print(f"{ROUNDS} requests each after a warm-up, {MAX_TOKENS} tokens at most, temperature 0; medians.")
    reference = in_a_fresh_process(REFERENCE, "en")
    rows = [(REFERENCE, reference, "")]
    if not pulled:
        print(f"No catalogue model is pulled in {hub.models_dir()}: SmolLM2's figures alone. "
              "Pull one with: python -m chatkit models pull NAME")
    for entry in pulled:
        lang = entry.languages[0]
        try:
            figures = in_a_fresh_process(entry.name, lang)
        except Exception as exc:  # a report: say what failed and go on
            print(f"{entry.name}: could not be measured: {type(exc).__name__}: {exc}")
            continue
        ratio = (f"x{figures['decode_tps'] / reference['decode_tps']:.2f} speed, "
                 f"x{figures['peak_mb'] / reference['peak_mb']:.1f} memory (prompt in {lang})")
        rows.append((entry.name, figures, ratio))
    print(f"{'model':24} {'decode tok/s':>12} {'TTFT ms':>8} {'tokens':>6} {'peak RSS MB':>11}  vs SmolLM2")
    for name, f, ratio in rows:
        print(f"{name:24} {f['decode_tps']:12.1f} {f['ttft_ms']:8.0f} {f['tokens']:6.0f} {f['peak_mb']:11.0f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
