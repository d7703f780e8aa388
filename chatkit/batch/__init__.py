"""Many prompts at once: a concurrent runner under the rate limits, and the provider's Batch API.

>>> results = await chatkit.batch.run_batch(chatkit.connect_async(), prompts, max_tokens=50)   # doctest: +SKIP
>>> batch = chatkit.batch.submit(client, prompts, max_tokens=50)                               # doctest: +SKIP
>>> results = chatkit.batch.collect(client, chatkit.batch.wait(client, batch), prompts)       # doctest: +SKIP
"""

from .api import batch_lines, collect, submit, wait
from .jsonl import read_results
from .runner import QuotaExceeded, Result, run_batch
from .throttle import Throttle

__all__ = ["run_batch", "Result", "QuotaExceeded", "Throttle", "read_results", "batch_lines", "submit", "wait",
           "collect"]
