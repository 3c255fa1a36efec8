"""`analyze [--ticker T] [--rescore]`: sentences, sentiment, topics, cues and vectors for every stored call."""
from __future__ import annotations

import argparse

from tqdm import tqdm

from ..analyze import Analyzer
from ..settings import Settings
from ..vectors import VectorIndex
from .common import open_store, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("analyze", help="analyse stored calls that are not analysed with the current models")
    cmd.add_argument("--ticker", type=ticker_arg, help="only this company's calls")
    cmd.add_argument("--rescore", action="store_true", help="redo calls that are already analysed")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    with open_store(settings) as store:
        analyzer = Analyzer()
        vectors = VectorIndex(settings.vectors_dir, encoder=analyzer.model.encoder)
        with tqdm(total=len(analyzer.pending(store, ticker=args.ticker, rescore=args.rescore)), unit="call",
                  desc="analysing") as bar:
            report = analyzer.run(store, vectors, ticker=args.ticker, rescore=args.rescore,
                                  progress=lambda done, total: bar.update(done - bar.n))
    print(f"{len(report.analysed)} calls analysed ({report.sentences} sentences, "
          f"{report.sentences_per_second:.0f}/s), {report.skipped} already up to date; "
          f"taxonomy {analyzer.taxonomy.source}")
    return 0
