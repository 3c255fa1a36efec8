"""Connecting to Ray for one analysis: a local cluster on this machine, or an existing one, with usage statistics
off and the models kept offline on every worker.

`local` starts a cluster on this machine for the session (`ray.init(num_cpus=…)`, no dashboard, no internet
needed) and stops it after; any other address ("auto", "ray://head:10001", "10.0.0.5:6379") joins an existing
cluster, which must have the requirements (torch, the packaged model) installed on every node; this checkout
travels as the job's working_dir (docs/scaling.md). A session that finds Ray already initialised in this process
uses it as it is and leaves it running.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, TranscriptError

LOCAL = "local"
ROOT = Path(__file__).resolve().parents[2]
WORKER_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
              "TOKENIZERS_PARALLELISM": "true"}
UPLOAD_EXCLUDES = [".venv", "data", ".git", "tests", "**/__pycache__", "*.duckdb", "*.lance"]


class ClusterError(TranscriptError):
    """Ray could not start, could not be reached, or a worker failed."""


@dataclass(frozen=True)
class Cluster:
    """What the session sees of the cluster."""

    address: str
    cpus: float
    gpus: float
    started: bool  # True when this session started a local cluster (and stops it)


def _quiet_ray() -> None:
    """Usage statistics off (read when Ray starts); Ray's own C++ log lines on stderr only when fatal unless
    RAY_BACKEND_LOG_LEVEL says otherwise (they stay in the session's log files)."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")


def _quiet_loggers() -> None:
    """Ray's and Ray Data's Python loggers: errors only (the job's log carries the progress)."""
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def ray_session(address: str = LOCAL, *, num_cpus: int | None = None) -> Iterator[Cluster]:
    """Ray initialised for the duration: `local` (num_cpus logical CPUs) or the cluster at `address`."""
    _quiet_ray()
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError("Ray is not installed: pip install ray==2.60.0 (see requirements.txt)") from exc
    started = False
    if not ray.is_initialized():
        env = dict(WORKER_ENV)
        if address == LOCAL:  # workers import core from this checkout
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
            runtime_env, options = {"env_vars": env}, {"num_cpus": num_cpus, "include_dashboard": False}
        else:
            runtime_env, options = {"env_vars": env, "working_dir": str(ROOT), "excludes": UPLOAD_EXCLUDES}, {}
        try:
            with warnings.catch_warnings():  # lance's fork warnings: Ray's processes exec at once, nothing is shared
                warnings.filterwarnings("ignore", message=".*fork", category=Warning)
                ray.init(address=None if address == LOCAL else address, runtime_env=runtime_env,
                         log_to_driver=False, logging_level=logging.ERROR, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"cannot start or reach the Ray cluster: {exc}", where=address) from None
        started = True
    _quiet_loggers()
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    resources = ray.cluster_resources()
    try:
        yield Cluster(address, resources.get("CPU", 0.0), resources.get("GPU", 0.0), started)
    finally:
        if started:
            ray.shutdown()


def cluster_device(choice: str, cluster: Cluster) -> str:
    """The workers' device: `auto` is CUDA when the cluster has a GPU; CUDA on a cluster without one is an error."""
    from ..device import resolve_device

    if (choice or "").strip().lower() == "cuda" and cluster.gpus < 1:
        raise ConfigError("device cuda was asked for, but the Ray cluster has no GPU (use auto or cpu)")
    return resolve_device(choice, cuda_available=lambda: cluster.gpus >= 1)


def worker_shape(cluster_cpus: float, cluster_gpus: float, *, device: str, workers: int | None,
                 cpus_per_worker: int | None, local: bool) -> tuple[int, int]:
    """(workers, CPUs per worker): by default one GPU each, or on CPUs all of a local machine's cores in one
    worker (torch threads) and one core per worker on a real cluster; one CPU is left to the splitting stage."""
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if device == "cuda":
        return workers or max(1, int(cluster_gpus)), cpus_per_worker or 1
    cores = os.cpu_count() or 1
    if local:
        count = workers or 1
        return count, cpus_per_worker or max(1, cores // count)
    per = cpus_per_worker or 1
    return workers or max(1, int(cluster_cpus - 1) // per), per
