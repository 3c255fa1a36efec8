"""`search QUERY [--ticker T] [--from P] [--to P] [--section S] [--speaker-group K] [--topic T] [--mode M] [-k N]
[--json]`: the sentences that match a text by meaning, keywords or both."""
from __future__ import annotations

import argparse
import json

from ..model import MODES, SECTIONS, SPEAKER_GROUPS, period_label
from .common import period_arg, print_table, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("search", help="search the analysed sentences (vector, full-text or hybrid)")
    cmd.add_argument("query", help="the text to look for")
    cmd.add_argument("--ticker", type=ticker_arg, action="append", help="only this ticker (repeatable)")
    cmd.add_argument("--from", dest="period_from", type=period_arg, metavar="PERIOD",
                     help="first fiscal period, e.g. 2023Q1")
    cmd.add_argument("--to", dest="period_to", type=period_arg, metavar="PERIOD", help="last fiscal period")
    cmd.add_argument("--section", choices=SECTIONS, action="append", help="only this section (repeatable)")
    cmd.add_argument("--speaker-group", choices=SPEAKER_GROUPS, action="append",
                     help="only this speaker group (repeatable)")
    cmd.add_argument("--topic", action="append", help="only sentences whose main topic is this key (repeatable)")
    cmd.add_argument("--mode", choices=MODES, default="hybrid")
    cmd.add_argument("-k", type=int, default=10, help="number of hits (default 10)")
    cmd.add_argument("--json", action="store_true", help="print a JSON list of hits")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..storage.object_store import open_vectors

    index = open_vectors()
    hits = index.search(args.query, mode=args.mode, k=args.k, tickers=args.ticker, period_from=args.period_from,
                        period_to=args.period_to, sections=args.section, speaker_groups=args.speaker_group,
                        topics=args.topic)
    if args.json:
        print(json.dumps([hit.to_dict() for hit in hits], indent=2))
        return 0
    rows = [[f"{hit.score:.3f}", hit.ticker, period_label(hit.fiscal_year, hit.fiscal_quarter), hit.section,
             hit.speaker_group, hit.text if len(hit.text) <= 100 else hit.text[:99] + "…"] for hit in hits]
    print_table(rows, ["score", "ticker", "period", "section", "speaker", "sentence"])
    return 0
