"""Which device and dtype a command runs on: CUDA when there is one, else the CPU; never assumed.

Also quiets the library warnings that would otherwise bury a command's own output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from textsynth.errors import TextsynthError

DEVICE_CHOICES = ("auto", "cpu", "cuda")
PRECISIONS = {"no": "float32", "fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def resolve_device(name: str = "auto", flag: str = "--device") -> Any:
    """`auto` → cuda if available else cpu; `cuda` without a GPU is a user error."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.split(":")[0] not in ("cpu", "cuda"):
        raise TextsynthError(f"{flag} {name!r}: expected one of {', '.join(DEVICE_CHOICES)} (or cuda:N)")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise TextsynthError(f"{flag} {name}: no CUDA device is available here; use {flag} cpu")
    return torch.device(name)


def torch_dtype(precision: str) -> Any:
    """'no'/'fp32' → float32, 'fp16' → float16, 'bf16' → bfloat16."""
    import torch

    if precision not in PRECISIONS:
        raise TextsynthError(f"precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
    return getattr(torch, PRECISIONS[precision])


def check_precision(device: Any, precision: str, flag: str) -> None:
    """fp16 on a CPU is refused (slow, and many CPU kernels lack it); bf16 and fp32 run anywhere."""
    if precision == "fp16" and device.type == "cpu":
        raise TextsynthError(f"{flag} fp16 needs a GPU; on the CPU use bf16 or no")


def text_encoder_dtype(device: Any) -> Any:
    """ChatGLM3 runs in fp16 on a GPU (as Kolors ships it), in fp32 on the CPU."""
    import torch

    return torch.float16 if device.type == "cuda" else torch.float32


def quiet_libraries() -> None:
    """Silence transformers/diffusers info and warning chatter (e.g. the torchvision fallback notice)."""
    import transformers
    from diffusers.utils import logging as diffusers_logging

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars for every component
    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()


@contextlib.contextmanager
def libraries_quiet() -> Iterator[None]:
    """quiet_libraries() for the duration of a block, then the previous verbosity and progress bars."""
    import transformers
    from diffusers.utils import logging as diffusers_logging

    levels = (transformers.utils.logging.get_verbosity(), diffusers_logging.get_verbosity())
    bars = (transformers.utils.logging.is_progress_bar_enabled(), diffusers_logging.is_progress_bar_enabled())
    quiet_libraries()
    try:
        yield
    finally:
        transformers.utils.logging.set_verbosity(levels[0])
        diffusers_logging.set_verbosity(levels[1])
        if bars[0]:
            transformers.utils.logging.enable_progress_bar()
        if bars[1]:
            diffusers_logging.enable_progress_bar()
