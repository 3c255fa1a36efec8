"""Low-rank adapters (LoRA, Hu et al. 2021) for the linear layers of a BERT encoder, in plain torch.

A wrapped layer computes base(x) + (alpha / rank) · B(A(dropout(x))) with the base frozen, A (rank × in) random and
B (out × rank) zero at the start, so a freshly adapted model gives exactly the base model's outputs. Only the
adapters (and whatever else is named, e.g. a head) are saved: float32 safetensors with the rank and alpha in the
file's metadata. For inference `merge_adapters` folds each adapter into its base weight (W + s·B·A), which makes the
adapted model exactly as fast as the base one.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

# every nn.Linear of a BertLayer: self-attention Q, K, V and output projection, feed-forward in and out
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
ADAPTER_KEYS = ("lora_a", "lora_b")


class LoRALinear(torch.nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update scaled by alpha / rank."""

    def __init__(self, base: torch.nn.Linear, *, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        if rank < 1:
            raise ValueError(f"rank must be positive, got {rank}")
        self.base = base.requires_grad_(False)
        self.rank, self.alpha = rank, float(alpha)
        self.scaling = self.alpha / rank
        weight = base.weight
        self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features, dtype=weight.dtype, device=weight.device))
        self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank, dtype=weight.dtype, device=weight.device))
        torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))  # as nn.Linear initialises its weight
        self.dropout = torch.nn.Dropout(dropout) if dropout > 0 else torch.nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = torch.nn.functional.linear(torch.nn.functional.linear(self.dropout(x), self.lora_a), self.lora_b)
        return self.base(x) + update * self.scaling

    def merged(self) -> torch.nn.Linear:
        """A plain nn.Linear computing the same function (in eval mode): weight W + scaling · B · A."""
        linear = torch.nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None,
                                 device=self.base.weight.device, dtype=self.base.weight.dtype)
        with torch.no_grad():
            linear.weight.copy_(self.base.weight + (self.lora_b @ self.lora_a) * self.scaling)
            if self.base.bias is not None:
                linear.bias.copy_(self.base.bias)
        return linear.requires_grad_(False)


def _parent(root: torch.nn.Module, path: str) -> tuple[torch.nn.Module, str]:
    *parents, name = path.split(".")
    module = root
    for part in parents:
        module = getattr(module, part)
    return module, name


def add_adapters(model: torch.nn.Module, *, rank: int, alpha: float, dropout: float = 0.0,
                 targets: Sequence[str] = TARGETS) -> list[str]:
    """Freeze every weight of a BERT model and wrap the target linears of each of its encoder layers in place;
    returns the wrapped modules' names."""
    model.requires_grad_(False)
    wrapped = []
    for index, layer in enumerate(model.encoder.layer):
        for path in targets:
            parent, name = _parent(layer, path)
            linear = getattr(parent, name)
            if not isinstance(linear, torch.nn.Linear):
                raise ValueError(f"encoder.layer.{index}.{path} is a {type(linear).__name__}, not an nn.Linear")
            setattr(parent, name, LoRALinear(linear, rank=rank, alpha=alpha, dropout=dropout))
            wrapped.append(f"encoder.layer.{index}.{path}")
    return wrapped


def adapters(model: torch.nn.Module) -> list[LoRALinear]:
    """The adapted layers of a model, in module order."""
    return [m for m in model.modules() if isinstance(m, LoRALinear)]


def merge_adapters(model: torch.nn.Module) -> int:
    """Replace every adapted layer by its merged nn.Linear, in place; returns how many were merged."""
    names = [name for name, m in model.named_modules() if isinstance(m, LoRALinear)]
    for path in names:
        parent, name = _parent(model, path)
        setattr(parent, name, getattr(parent, name).merged())
    return len(names)


def adapter_state(model: torch.nn.Module, *, also: Sequence[str] = ()) -> dict[str, torch.Tensor]:
    """The adapters' A and B matrices, and every tensor whose name starts with a prefix of `also` (e.g. "head."),
    by their names in model.state_dict()."""
    return {name: tensor for name, tensor in model.state_dict().items()
            if name.rsplit(".", 1)[-1] in ADAPTER_KEYS or name.startswith(tuple(also))}


def shape_of(model: torch.nn.Module) -> dict[str, str]:
    """The rank and alpha shared by every adapter of a model, as the saved file's metadata."""
    found = {(m.rank, m.alpha) for m in adapters(model)}
    if len(found) != 1:
        raise ValueError(f"expected adapters of one rank and alpha, found {sorted(found) or 'none'}")
    rank, alpha = found.pop()
    return {"rank": str(rank), "alpha": repr(alpha)}


def save_adapters(model: torch.nn.Module, path: Path, *, also: Sequence[str] = ()) -> int:
    """Write the adapters (and the `also` tensors) as float32 safetensors with rank and alpha; returns the bytes."""
    state = {name: t.detach().float().cpu().contiguous() for name, t in adapter_state(model, also=also).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata=shape_of(model))
    return path.stat().st_size


def read_shape(path: Path) -> tuple[int, float]:
    """(rank, alpha) of a saved adapter file; ValueError when the file does not say."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    try:
        return int(metadata["rank"]), float(metadata["alpha"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: no adapter rank and alpha in the file's metadata") from exc


def load_adapters(model: torch.nn.Module, path: Path, *, also: Sequence[str] = ()) -> None:
    """Load a saved adapter file into an adapted model (ValueError unless its names, shapes, rank and alpha are
    exactly the model's); cast to the model's dtype."""
    state: Mapping[str, torch.Tensor] = load_file(str(path))
    expected = adapter_state(model, also=also)
    if set(state) != set(expected):
        missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        raise ValueError(f"{path}: adapter tensors do not fit the model (missing {missing[:3]}, "
                         f"unexpected {extra[:3]})")
    wrong = [name for name, t in state.items() if t.shape != expected[name].shape]
    if wrong:
        raise ValueError(f"{path}: {len(wrong)} tensors have other shapes than the model's, e.g. {wrong[0]}")
    rank, alpha = read_shape(path)
    if shape_of(model) != {"rank": str(rank), "alpha": repr(alpha)}:
        raise ValueError(f"{path}: rank {rank}, alpha {alpha:g} differ from the model's {shape_of(model)}")
    model.load_state_dict({name: t.to(expected[name].dtype) for name, t in state.items()}, strict=False)
