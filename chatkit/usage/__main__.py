"""python -m chatkit.usage CALLS.jsonl: the summary table of a call log."""

import sys

from . import summary

if len(sys.argv) != 2:
    sys.exit("usage: python -m chatkit.usage CALLS.jsonl")
print(summary(sys.argv[1]).to_string())
