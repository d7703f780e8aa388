"""What a reasoning model's hidden tokens cost, next to the visible ones: in dollars and in the model's time.

The same questions go to the sandbox's reasoning model at effort "none" (no hidden tokens)
and at effort "high" (128 hidden tokens before each answer), through chatkit's call log
priced as gpt-6-luna. Two ratios, each hidden / visible:

- dollars per token: hidden tokens are billed as output, so the ratio is 1.00 exactly;
- seconds per token: the model writes a hidden token as fast as a visible one, but in the
  sandbox the answer then reads the question and the reasoning again (no prompt cache, so
  outputs repeat: engine.py), so each hidden token also costs its share of that second read.
  On the platform, reasoning and answer are one generation.

    python bench/reasoning_cost.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import openai

import chatkit
from chatkit.sandbox.server import Sandbox

MODEL = "smollm2-135m-reasoning"
PRICE_AS = "gpt-6-luna"
QUESTIONS = ["What is 17 + 25?", "Name three colours.", "Why is the sky blue?"]


def calls(client, effort: str, rounds: int) -> list[dict]:
    log = chatkit.CallLog(price_as=PRICE_AS)
    watched = chatkit.watch(client, log=log)
    for _ in range(rounds):
        for question in QUESTIONS:
            watched.responses.create(model=MODEL, input=question, reasoning={"effort": effort}, max_output_tokens=200)
    return log.records


def output_dollars(call: dict) -> float:
    return chatkit.tokens.estimate_cost(PRICE_AS, call["input_tokens"], call["output_tokens"]).output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    box = Sandbox.start(data_dir=Path(tempfile.mkdtemp(prefix="chatkit-bench-")))
    try:
        client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
        calls(client, "none", 1)  # warm up
        plain, thinking = calls(client, "none", args.rounds), calls(client, "high", args.rounds)
    finally:
        box.stop()
    visible_price = statistics.mean(output_dollars(c) / c["output_tokens"] for c in plain)
    hidden_price = statistics.mean((output_dollars(c) - visible_price * (c["output_tokens"] - c["reasoning_tokens"]))
                                   / c["reasoning_tokens"] for c in thinking)
    visible_time = statistics.median(c["latency_s"] / c["output_tokens"] for c in plain)
    # A call at "high" spends its time on both kinds; what it took beyond its visible tokens is the hidden ones'.
    hidden_time = statistics.median((c["latency_s"] - visible_time * (c["output_tokens"] - c["reasoning_tokens"]))
                                    / c["reasoning_tokens"] for c in thinking)
    hidden = statistics.mean(c["reasoning_tokens"] for c in thinking)
    print(f"{len(plain) + len(thinking)} calls to {MODEL}, priced as {PRICE_AS}; {hidden:.0f} hidden tokens per "
          "call at effort high")
    print(f"dollars per output token: visible ${visible_price * 1e6:.4f}/M, hidden ${hidden_price * 1e6:.4f}/M "
          f"(ratio {hidden_price / visible_price:.2f})")
    print(f"seconds per output token: visible {visible_time * 1000:.1f} ms, hidden {hidden_time * 1000:.1f} ms "
          f"(ratio {hidden_time / visible_time:.2f})")


if __name__ == "__main__":
    main()
