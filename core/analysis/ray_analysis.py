"""Analysis on a Ray cluster with Ray Data: stored calls → sentence split and tokens (CPU tasks) → an actor pool
that holds the models (CPU or GPU actors) → analysed batches back to this process, which writes them by
core/analysis/analyze.py's protocol (DuckDB has one writer).

The per-call work is the local path's own (`prepare_call`, `Analyzer.analyse_prepared`), and a work unit is the
local path's batch of calls, so both paths give the same sentence ids, labels and topics. With the vectors on
object storage each actor appends its batch's vectors there itself (after this process deleted the old rows of
the calls it sends), and `Analyzer.write` checks their counts before the `analysis_runs` rows; with a local vector
table this process writes them, as it always does.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from ..errors import TranscriptError
from ..storage.object_store import VectorLocation
from ..storage.store import Store
from .ray_cluster import LOCAL, ClusterError, cluster_device, ray_session, worker_shape

SPLIT_CPUS = 0.5  # logical CPUs a splitting task asks for (it is light next to a model actor)


def read_groups(store: Store, todo: Sequence[int], batch_calls: int) -> Iterator[pa.Table]:
    """Each batch of calls as a one-row table: its number and its calls (id, row of Store.calls(), transcript)."""
    metas = {c["call_id"]: c for c in store.calls()}
    for number, start in enumerate(range(0, len(todo), batch_calls)):
        with store.cursor():  # one read-only connection for the batch's transcripts
            calls = [(call_id, metas[call_id], store.transcript(call_id))
                     for call_id in todo[start:start + batch_calls]]
        yield pa.table({"group": [number], "calls": [pickle.dumps(calls)]})


def split_group(row: dict) -> dict:
    """The Ray Data CPU stage: a batch of stored calls → PreparedCall each (sentences, measures, token ids)."""
    from ..batching import tokenize
    from ..embedding import MAX_TOKENS, load_tokenizer
    from .call_prep import prepare_call

    tokenizer = load_tokenizer()
    prepared = [prepare_call(call_id, meta, transcript,
                             tokenize=lambda texts: tokenize(tokenizer, texts, max_tokens=MAX_TOKENS))
                for call_id, meta, transcript in pickle.loads(row["calls"])]
    return {"group": row["group"], "calls": pickle.dumps(prepared)}


class GroupAnalyser:
    """The Ray Data actor: loads the models once on its device, then analyses one batch of prepared calls per call
    (and appends their vectors when the table is on object storage)."""

    def __init__(self, *, taxonomy, vocabulary, device: str, version, location: VectorLocation | None) -> None:
        import ray
        import torch

        from ..embedding import ModelUnavailableError
        from .analyze import Analyzer

        self.vectors = location.open() if location is not None and location.remote else None  # fails fast
        torch.set_num_threads(max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1))))
        self.analyzer = Analyzer(taxonomy=taxonomy, vocabulary=vocabulary, device=device)
        if self.analyzer.version != version:
            raise ModelUnavailableError(f"this worker's models are {self.analyzer.version}, the driver's {version}: "
                                        "install the same project version on every node", where="ray worker")

    def __call__(self, batch: dict) -> dict:
        from .analyze import lance_rows

        analyses = self.analyzer.analyse_prepared(pickle.loads(batch["calls"][0]))
        if self.vectors is not None:
            self.vectors.append_calls({a.call_id: lance_rows(a) for a in analyses})
        return {"group": batch["group"], "result": [pickle.dumps(analyses)]}


@dataclass
class RayEngine:
    """Runs `Analyzer.run`'s batches on Ray (see the module docstring); `address` "local" or a cluster's."""

    address: str = LOCAL
    workers: int | None = None
    device: str = "auto"
    cpus_per_worker: int | None = None
    location: VectorLocation | None = None  # the vector table; on object storage the workers append to it
    log: Callable[[str], None] | None = None

    @property
    def appends_vectors(self) -> bool:
        return bool(self.location is not None and self.location.remote)

    def batches(self, analyzer, store: Store, vectors, todo: Sequence[int], *, batch_calls: int) -> Iterator[list]:
        """Analysed batches of the pending calls, as the actors finish them."""
        if not todo:
            return
        if store.path == ":memory:":
            raise ClusterError("an analysis on Ray needs a database file, not ':memory:'")
        local = self.address == LOCAL
        shape = None
        if local:  # the local cluster is sized for the workers before it starts
            from ..device import resolve_device

            device = resolve_device(self.device)
            shape = worker_shape(0, 0, device=device, workers=self.workers, cpus_per_worker=self.cpus_per_worker,
                                 local=True)
        cores = max(shape[0] * shape[1] + 1, os.cpu_count() or 1) if shape else None  # one left to the split
        with ray_session(self.address, num_cpus=cores) as cluster:
            device = cluster_device(self.device, cluster)
            workers, cpus = shape or worker_shape(cluster.cpus, cluster.gpus, device=device, workers=self.workers,
                                                  cpus_per_worker=self.cpus_per_worker, local=False)
            self._say(f"Ray {'local cluster' if local else self.address}: {workers} {device} worker(s) with "
                      f"{cpus} CPU(s) each, {cluster.cpus:g} CPUs / {cluster.gpus:g} GPUs in the cluster")
            if self.appends_vectors:  # the old rows of calls redone go first: the workers only append
                vectors.delete_calls(sorted(set(todo) & vectors.call_ids()))
            yield from self._run(analyzer, store, todo, batch_calls, device=device, workers=workers, cpus=cpus)

    def _run(self, analyzer, store: Store, todo: Sequence[int], batch_calls: int, *, device: str, workers: int,
             cpus: int) -> Iterator[list]:
        import ray
        import ray.data
        import ray.exceptions

        started = time.perf_counter()
        refs = [ray.put(group) for group in read_groups(store, todo, batch_calls)]
        self._say(f"staged {len(todo)} calls in {len(refs)} batches ({time.perf_counter() - started:.1f} s)")
        dataset = (ray.data.from_arrow_refs(refs)
                   .map(split_group, num_cpus=SPLIT_CPUS)
                   .map_batches(GroupAnalyser, batch_size=1, num_cpus=cpus,
                                compute=ray.data.ActorPoolStrategy(size=min(workers, len(refs))),
                                num_gpus=1 if device == "cuda" else 0,
                                fn_constructor_kwargs={"taxonomy": analyzer.taxonomy,
                                                       "vocabulary": analyzer.vocabulary, "device": device,
                                                       "version": analyzer.version,
                                                       "location": self._worker_location()}))
        try:
            for row in dataset.iter_rows():
                yield pickle.loads(row["result"])
        except ray.exceptions.RayError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, TranscriptError):
                raise cause from None
            lines = [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
            detail = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]).strip()  # the worker's own error, last in the text
            raise ClusterError(f"a Ray worker failed: {detail[:500]}", where=self.address) from None

    def _worker_location(self) -> VectorLocation | None:
        """Where the workers append (no lock file: they only append), or None when this process writes."""
        return dataclasses.replace(self.location, lock_path=None) if self.appends_vectors else None

    def _say(self, line: str) -> None:
        if self.log:
            self.log(line)
