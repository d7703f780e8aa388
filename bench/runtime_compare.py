"""xllamacpp (what the sandbox runs now) vs llama-cpp-python (what it ran before), in one run.

Same GGUF (``model_path()``), threads (``default_threads()``), n_ctx 2048, n_batch 512, flash
attention, no extra buffer types (AMX kernels crashed on some CPUs), greedy. Each round starts a
new spawned process per runtime (OpenMP pools never share a process), the order swapping every
round; it times the model load, warms up, reads a ~300-token chat prompt whole, writes MAX_TOKENS
tokens. Prompt and decode tok/s: llama.cpp's own counters (xllamacpp's ``timings``,
llama-cpp-python's ``llama_perf_context``); wall decode: tokens after the first / (end - first
token); TTFT: request to first text. Medians; ratios xllamacpp/llama-cpp-python are medians of
per-round ratios (for seconds, lower is better). Target: xllamacpp at least 0.8 of
llama-cpp-python's prompt and decode speed. The prebuilt wheel uses AVX2 at most, while a
llama-cpp-python compiled on the machine uses all of its features (AVX-512 here): measured
0.84-0.90 for decoding, 0.97-1.05 for reading the prompt. What we buy with that: an install
of about a second instead of about 7 minutes, and no compiler. A report: it always exits 0.

--install also times ``pip install`` of each into a brand-new venv, pip's cache as it is
(--cold: --no-cache-dir for both, so llama-cpp-python compiles from source, ~6 min).

Run it:  python bench/runtime_compare.py [--install [--cold]]
"""

import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from importlib.util import find_spec
from multiprocessing import get_context

MAX_TOKENS, ROUNDS, TARGET, LLAMA_CPP_PYTHON = 128, 3, 0.8, "0.3.36"
NOTES = " ".join(f"Day {day}: the keeper of Gull Rock lit the lamp at dusk, wound the clockwork and wrote "
                 f"down the wind." for day in range(1, 11))
PROMPT = (f"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{NOTES}\nContinue "
          "the keeper's story: a storm is coming.<|im_end|>\n<|im_start|>assistant\n")
FIGURES = {"load_s": ("load s", 2), "prompt_tps": ("prompt tok/s", 0), "ttft_ms": ("TTFT ms", 0),
           "decode_tps": ("decode tok/s", 1), "wall_tps": ("wall decode", 1)}


def load_xllamacpp(path: str, n_threads: int):
    import xllamacpp

    from chatkit.sandbox.engine import Sampling, _request, _start_server

    server, url, key = _start_server(path, n_threads)

    def tokenize(text: str) -> list[int]:  # llama.cpp's /tokenize, on the port only this process can use
        body = json.dumps({"content": text, "add_special": False, "parse_special": True}).encode()
        request = urllib.request.Request(f"{url}/tokenize", body, {"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request) as r:
            return json.load(r)["tokens"]

    def generate(tokens: list[int], n: int, run: dict) -> dict:
        def on_chunk(chunk: dict) -> bool:  # True would stop the generation
            on_text(run, chunk["choices"][0]["text"])
            run["timings"] = chunk.get("timings") or run.get("timings")
            return False

        server.handle_completions(_request(tokens, Sampling(temperature=0, max_tokens=n), n), on_chunk)
        t = run["timings"]
        return {"tokens": t["predicted_n"], "prompt_tps": t["prompt_per_second"],
                "decode_tps": t["predicted_per_second"]}

    return server, tokenize, generate, xllamacpp.get_system_info()


def load_llama_cpp(path: str, n_threads: int):
    import llama_cpp

    default_params = llama_cpp.llama_cpp.llama_model_default_params

    def no_extra_bufts():  # as the sandbox's old loader did: AMX kernels off
        p = default_params()
        p.use_extra_bufts = False
        return p

    llama_cpp.llama_cpp.llama_model_default_params = no_extra_bufts  # in this child process only
    llm = llama_cpp.Llama(path, n_ctx=2048, n_batch=512, n_threads=n_threads, n_threads_batch=n_threads,
                          flash_attn=True, verbose=False)

    def generate(tokens: list[int], n: int, run: dict) -> dict:
        llm.reset()  # read the whole prompt again
        llama_cpp.llama_perf_context_reset(llm.ctx)
        for chunk in llm.create_completion(tokens, max_tokens=n, temperature=0, top_p=1.0, top_k=0, min_p=0.0,
                                           typical_p=1.0, repeat_penalty=1.0, stream=True):
            on_text(run, chunk["choices"][0]["text"])
        perf = llama_cpp.llama_perf_context(llm.ctx)
        cut = chunk["choices"][0]["finish_reason"] == "length"  # else count the text's tokens
        return {"tokens": n if cut else len(llm.tokenize(run["text"].encode(), add_bos=False)),
                "prompt_tps": perf.n_p_eval / perf.t_p_eval_ms * 1000,
                "decode_tps": perf.n_eval / perf.t_eval_ms * 1000}

    tokenize = lambda text: llm.tokenize(text.encode(), add_bos=False, special=True)  # noqa: E731
    return llm, tokenize, generate, llama_cpp.llama_print_system_info().decode()


def on_text(run: dict, text: str) -> None:
    if text:
        run["first"] = run.get("first") or time.perf_counter()
        run["text"] = run.get("text", "") + text


def measure(runtime: str, path: str, n_threads: int) -> dict:
    """One child process: load, warm up, one timed generation."""
    for module in ["xllamacpp", "chatkit.sandbox.engine"] if runtime == "xllamacpp" else ["llama_cpp"]:
        importlib.import_module(module)  # import time is not load time
    start = time.perf_counter()
    model, tokenize, generate, info = (load_xllamacpp if runtime == "xllamacpp" else load_llama_cpp)(path, n_threads)
    load, tokens = time.perf_counter() - start, tokenize(PROMPT)
    generate(tokens, 8, {})  # warm-up: weights paged in, buffers allocated
    run = {"start": time.perf_counter()}
    r = generate(tokens, MAX_TOKENS, run)
    end = time.perf_counter()
    del model  # stop llama.cpp's threads before the interpreter exits
    return {**r, "load_s": load, "ttft_ms": (run["first"] - run["start"]) * 1000, "prompt": tokens,
            "wall_tps": (r["tokens"] - 1) / (end - run["first"]), "text": run["text"],
            "cpu": {f.split(":")[-1].split("=")[0].strip() for f in info.split("|") if f.strip().endswith("= 1")}}


def compare() -> None:
    from chatkit.sandbox.engine import default_threads, model_path

    path, n_threads, runtimes = str(model_path()), default_threads(), ["xllamacpp", "llama-cpp-python"]
    if find_spec("llama_cpp") is None:
        print("llama-cpp-python is not installed here: reporting xllamacpp alone.")
        runtimes.pop()
    print(", ".join(f"{r} {version(r)}" for r in runtimes) + f"; {os.path.basename(path)}, n_threads={n_threads}, "
          f"n_ctx=2048, n_batch=512, flash attention, max_tokens={MAX_TOKENS}, {ROUNDS} rounds, {os.cpu_count()} CPUs")
    runs = {r: [] for r in runtimes}
    for i in range(ROUNDS):
        for runtime in runtimes if i % 2 == 0 else runtimes[::-1]:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:  # a new process every time
                runs[runtime].append(pool.submit(measure, runtime, path, n_threads).result())
    x = runs["xllamacpp"]
    print(f"\nprompt {len(x[0]['prompt'])} tokens, completion {x[0]['tokens']} tokens; medians:")
    print(f"{'':18}" + "".join(f"{label:>14}" for label, _ in FIGURES.values()))
    for runtime, rs in runs.items():
        medians = (f"{statistics.median(r[k] for r in rs):14.{d}f}" for k, (_, d) in FIGURES.items())
        print(f"{runtime:18}" + "".join(medians))
    if len(runtimes) > 1:
        y = runs["llama-cpp-python"]
        ratio = {k: statistics.median(a[k] / b[k] for a, b in zip(x, y, strict=True)) for k in FIGURES}
        print(f"{'ratio x/l':18}" + "".join(f"{ratio[k]:14.2f}" for k in FIGURES))
    same = {r: "yes" if len({run["text"] for run in rs}) == 1 else "NO" for r, rs in runs.items()}
    print("\nthe same greedy text in every round: " + ", ".join(f"{r} {ok}" for r, ok in same.items()))
    if len(runtimes) < 2:
        return
    print(f"same prompt tokens in both runtimes: {'yes' if x[0]['prompt'] == y[0]['prompt'] else 'NO'}")
    only = lambda p, q: ", ".join(sorted(p[0]["cpu"] - q[0]["cpu"])) or "none"  # noqa: E731
    print(f"CPU features only xllamacpp's build uses: {only(x, y)}; only llama-cpp-python's: {only(y, x)}")
    a, b = x[0]["text"], y[0]["text"]
    n = next((i for i, (p, q) in enumerate(zip(a, b, strict=False)) if p != q), min(len(a), len(b)))
    print("greedy texts of the two runtimes: " + ("identical" if a == b else
          f"differ after {n} of {len(a)}/{len(b)} characters ({len(a[:n].split())} words in common)"))
    worst = min(ratio["prompt_tps"], ratio["decode_tps"])
    print(f"{'PASS' if worst >= TARGET else 'FAIL'}: xllamacpp/llama-cpp-python speed {worst:.2f} at worst "
          f"(prompt {ratio['prompt_tps']:.2f}, decode {ratio['decode_tps']:.2f}; target >= {TARGET})")


def install(cold: bool) -> None:
    cached = subprocess.run([sys.executable, "-m", "pip", "cache", "list", "llama_cpp_python"],
                            capture_output=True, text=True).stdout
    print("\npip install into a brand-new venv, pip's cache " + ("cold (--no-cache-dir for both)" if cold else
          "warm as it is: a llama-cpp-python wheel built here before is " + (
              "cached, no compile" if LLAMA_CPP_PYTHON in cached else "not cached, it compiles from source")))
    seconds = {}
    for spec in (f"xllamacpp=={version('xllamacpp')}", f"llama-cpp-python=={LLAMA_CPP_PYTHON}"):
        with tempfile.TemporaryDirectory() as venv:
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)  # not timed
            pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            start = time.perf_counter()
            done = subprocess.run(pip + ["--no-cache-dir"] * cold + [spec], capture_output=True, text=True)
            seconds[spec] = time.perf_counter() - start
        failed = "" if done.returncode == 0 else f"  FAILED: {done.stderr[-300:]}"
        print(f"  {spec:28}{seconds[spec]:8.1f} s{failed}")
    a, b = seconds.values()
    print(f"  ratio xllamacpp/llama-cpp-python: {a / b:.3g} (llama-cpp-python takes {b / a:.1f}x as long)")


if __name__ == "__main__":
    for step in (compare, lambda: "--install" in sys.argv and install(cold="--cold" in sys.argv)):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it never fails the build
            print(f"benchmark failed: {type(exc).__name__}: {exc}")
    sys.exit(0)
