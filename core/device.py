"""Where the models run: `EARNINGS_DEVICE` (or `--device`) = auto | cpu | cuda.

On CUDA the encoder and the sentiment head run in half precision, on length-sorted batches staged ahead of the
GPU (core/batching.py); on the CPU everything stays float32 and batches are made as before, so a CPU run's
results do not change. `auto` is CUDA when torch sees a GPU, else the CPU.
"""
from __future__ import annotations

from collections.abc import Callable

from .errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def resolve_device(choice: str | None = "auto", *, cuda_available: Callable[[], bool] = _cuda_available) -> str:
    """'cpu' or 'cuda' for a choice; a ConfigError for an unknown one, or for CUDA where torch sees none."""
    name = (choice or "auto").strip().lower()
    if name not in DEVICES:
        raise ConfigError(f"unknown device {choice!r}; expected one of {', '.join(DEVICES)}")
    if name == "auto":
        return "cuda" if cuda_available() else "cpu"
    if name == "cuda" and not cuda_available():
        raise ConfigError("device cuda was asked for, but torch sees no CUDA GPU (use auto or cpu)")
    return name


def half_precision(device: str) -> bool:
    """True where the models run in float16 (CUDA)."""
    return device == "cuda"
