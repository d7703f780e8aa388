"""Where a catalogue file can be downloaded from, and in which order to try them.

Two URL layouts, each the one its publisher's own client uses:

* Hugging Face: ``{endpoint}/{repo}/resolve/{revision}/{file}`` (huggingface_hub's
  ``HUGGINGFACE_CO_URL_TEMPLATE``). A mirror named by ``HF_ENDPOINT`` (hf-mirror.com, say)
  answers the same layout, as huggingface_hub expects of it.
* ModelScope: ``{endpoint}/api/v1/models/{repo}/repo?Revision={revision}&FilePath={file}``
  (the modelscope SDK's ``get_file_download_url``, which also resumes with Range there).

>>> Source.huggingface().url("Qwen/Qwen3-1.7B-GGUF", "Qwen3-1.7B-Q8_0.gguf")
'https://huggingface.co/Qwen/Qwen3-1.7B-GGUF/resolve/main/Qwen3-1.7B-Q8_0.gguf'
>>> Source.modelscope().url("Qwen/Qwen3-1.7B-GGUF", "Qwen3-1.7B-Q8_0.gguf")
'https://www.modelscope.cn/api/v1/models/Qwen/Qwen3-1.7B-GGUF/repo?Revision=master&FilePath=Qwen3-1.7B-Q8_0.gguf'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from .. import settings
from ..messages import current

MIRROR = "HF_ENDPOINT"  # the variable huggingface_hub reads for a mirror of huggingface.co
HUGGINGFACE = "https://huggingface.co"
MODELSCOPE = "https://www.modelscope.cn"


@dataclass(frozen=True)
class Source:
    """A place to download from: its name in messages, its address, and which layout it answers.

    ``repo`` is the catalogue's key for the repository: a mirror of Hugging Face holds Hugging
    Face's repositories.
    """

    name: str
    endpoint: str
    repo: str  # "huggingface" or "modelscope"

    @classmethod
    def huggingface(cls, endpoint: str = HUGGINGFACE) -> Source:
        return cls("Hugging Face", endpoint.rstrip("/"), "huggingface")

    @classmethod
    def modelscope(cls, endpoint: str = MODELSCOPE) -> Source:
        return cls("ModelScope", endpoint.rstrip("/"), "modelscope")

    @classmethod
    def mirror(cls, endpoint: str) -> Source:
        return cls(f"{MIRROR}={endpoint.rstrip('/')}", endpoint.rstrip("/"), "huggingface")

    def url(self, repo: str, file: str) -> str:
        """The file's download URL at this source (the branch each publisher names its default)."""
        if self.repo == "modelscope":
            return f"{self.endpoint}/api/v1/models/{repo}/repo?Revision=master&FilePath={quote(file, safe='')}"
        return f"{self.endpoint}/{repo}/resolve/main/{quote(file)}"


def default_sources(lang: str | None = None) -> list[Source]:
    """The order to try: the ``HF_ENDPOINT`` mirror if set, then ModelScope first for a Chinese-language
    learner (``lang`` or chatkit's language: CHATKIT_LANG, or the edition), else Hugging Face first.

    >>> [s.name for s in default_sources("zh")]                      # with HF_ENDPOINT unset
    ['ModelScope', 'Hugging Face']
    """
    mirror = (settings.value(MIRROR) or "").rstrip("/")
    order = [Source.huggingface(), Source.modelscope()]
    if (lang or current()) == "zh":
        order.reverse()
    return ([Source.mirror(mirror)] if mirror and mirror != HUGGINGFACE else []) + order
