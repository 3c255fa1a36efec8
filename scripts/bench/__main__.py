"""Run the benchmarks: `python -m scripts.bench [--scale default|full|tiny] [--only NAME…]`."""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from . import dashboard, guidance, ingest, load, memory, search, trends
from .report import write_section
from .scale import section as scale_section
from .scales import SCALES

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ("ingest", "search", "trends", "dashboard", "load", "guidance", "scale")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks at one scale and replace their sections of the output file."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("--scale", choices=list(SCALES), default="default")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--corpus-scale", choices=list(SCALES), help="the scale whose ingest prepares the real "
                        "corpus that search and dashboard use (default: --scale; e.g. `--scale full --only search "
                        "--corpus-scale default` runs the 1M-vector search over the default ingest's calls)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a temporary one, removed after); "
                        "a kept workdir lets `--only dashboard` reuse the prepared corpus")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="earnings-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run(scale, SCALES[args.corpus_scale or args.scale], set(args.only), workdir, args.output)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(scale, corpus_scale, only: set[str], workdir: Path, output: Path) -> int:
    corpus = workdir / "corpus"
    ingested, app = ingest.previous(corpus, corpus_scale), None
    if "ingest" in only or (only & {"search", "dashboard", "load"} and ingested is None):
        ingested = ingest.run(corpus_scale, workdir)
        _write(output, "ingest", ingest.section(ingested))
    if "search" in only:
        _write(output, "search", search.section(scale, workdir, corpus))
    if "trends" in only:
        _write(output, "trends", trends.section(scale, workdir))
    if "dashboard" in only:
        text, app = dashboard.section(scale, workdir, corpus)
        _write(output, "dashboard", text)
    if "ingest" in only or app:
        _write(output, "memory", memory.section(ingested, app))
    if "load" in only:
        _write(output, "load", load.section(workdir, corpus))
    if "guidance" in only:
        _write(output, "guidance", guidance.section())
    if "scale" in only:
        _write(output, "scale", scale_section(scale, workdir))
    return 0


def _write(output: Path, name: str, body: str) -> None:
    print(write_section(output, name, body), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
