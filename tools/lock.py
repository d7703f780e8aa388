"""Refresh requirements.txt, the lock, from requirements.in.

Run it after changing requirements.in, or to move to newer releases (then run pytest
before committing). It needs uv (pip install uv). The resolution is universal: one file
whose environment markers install the same tested versions on Linux, macOS and Windows,
for every Python chatkit supports.

    python tools/lock.py            # keep the current pins where they still fit
    python tools/lock.py --upgrade  # take the newest releases
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOWEST_PYTHON = "3.10"  # the project's requires-python


def main(argv: list[str]) -> int:
    uv = shutil.which("uv")
    if uv is None:
        print("uv is not installed. Install it with: pip install uv", file=sys.stderr)
        return 2
    command = [uv, "pip", "compile", "requirements.in", "--output-file", "requirements.txt", "--universal",
               "--python-version", LOWEST_PYTHON, "--no-header", "--annotation-style", "line", "--quiet",
               *argv]
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode == 0:
        header = ("# The whole tested environment, every package pinned. "
                  "Install with:  pip install -r requirements.txt\n"
                  "# Generated from requirements.in by tools/lock.py: do not edit by hand.\n")
        lock = ROOT / "requirements.txt"
        lock.write_text(header + lock.read_text())
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
