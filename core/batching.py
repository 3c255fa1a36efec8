"""Encoder input: texts tokenized once, cut into length-sorted batches, padded per batch, staged ahead of the model.

The fast tokenizer encodes a whole list in one call, in parallel on every core (Rust threads, no GIL), so the
texts are tokenized up front (or ahead, in another process: Ray's CPU stage) and the batches are only padded here.
On CUDA a background thread pads the next batches into pinned memory and starts their copies to the device while
the GPU works on the current one; on the CPU the batches are made in line (the model already uses every core).
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

PAD_ID = 0  # BERT's [PAD]: input id 0 with attention mask 0


@dataclass(frozen=True)
class Tokens:
    """Token ids (special tokens included, truncated) of each text, in the caller's order."""

    ids: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per text."""
        return np.fromiter((len(i) for i in self.ids), dtype=np.int64, count=len(self.ids))

    @staticmethod
    def concat(parts: Sequence["Tokens"]) -> "Tokens":
        """The tokens of several lists, one after another."""
        return Tokens(tuple(ids for part in parts for ids in part.ids))


def tokenize(tokenizer, texts: Sequence[str], *, max_tokens: int) -> Tokens:
    """Token ids of every text from one call of a fast tokenizer (parallel inside), no padding."""
    if not texts:
        return Tokens(())
    encoded = tokenizer(list(texts), truncation=True, max_length=max_tokens, padding=False,
                        return_attention_mask=False, return_token_type_ids=False)["input_ids"]
    return Tokens(tuple(np.asarray(ids, dtype=np.int64) for ids in encoded))


def sorted_batches(lengths: Sequence[int] | np.ndarray, *, batch_size: int) -> list[np.ndarray]:
    """Positions of the texts in batches of batch_size, longest first (stable among equal lengths)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


def padded(tokens: Tokens, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(input ids, attention mask) of the texts at `index`, padded to the longest of them."""
    rows = [tokens.ids[i] for i in index]
    width = max((len(r) for r in rows), default=0)
    ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for n, row in enumerate(rows):
        ids[n, :len(row)] = row
        mask[n, :len(row)] = 1
    return ids, mask


def prefetched(items: Iterable, *, depth: int = 2) -> Iterator:
    """The items of an iterable, produced by a background thread up to `depth` ahead (errors re-raised here)."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done, stop = object(), threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put((done, None))
        except BaseException as exc:  # handed to the consumer
            slots.put((done, exc))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = slots.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()


def staged_batches(tokens: Tokens, batches: Sequence[np.ndarray], *, to_device: Callable | None = None,
                   ahead: bool = False) -> Iterator[tuple[np.ndarray, object, object]]:
    """(index, input ids, attention mask) per batch; `to_device` turns the numpy arrays into the model's tensors,
    and `ahead` makes them in a background thread (pinned memory and asynchronous copies are the caller's
    `to_device`)."""
    convert = to_device or (lambda array: array)

    def make() -> Iterator[tuple[np.ndarray, object, object]]:
        for index in batches:
            ids, mask = padded(tokens, index)
            yield index, convert(ids), convert(mask)

    return prefetched(make(), depth=3) if ahead else make()
