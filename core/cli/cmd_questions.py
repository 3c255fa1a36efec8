"""`questions TICKER [--up-to 2025Q2] [--min-calls N] [--json|--csv]`: the analysts' recurring question themes
(label, key terms, questions, calls, first and last period, analysts), then the latest call's new questions and the
themes that went quiet in it."""
from __future__ import annotations

import argparse
import json
import sys

from .common import json_rows, open_store, period_arg, print_table, require, ticker_arg

COLUMNS = ["label", "terms", "questions", "calls", "first_period", "last_period", "analysts"]


def register(subparsers) -> None:
    cmd = subparsers.add_parser("questions", help="recurring and new analyst questions of a company's calls")
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--up-to", type=period_arg, metavar="PERIOD",
                     help="only calls up to this fiscal period, e.g. 2025Q2 (new questions as of that call)")
    cmd.add_argument("--min-calls", type=int, default=2, metavar="N",
                     help="a theme recurs when its questions span at least N calls (default 2)")
    out = cmd.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a JSON object: themes, new questions, quiet themes")
    out.add_argument("--csv", action="store_true", help="the recurring themes as CSV, safe to open in a spreadsheet")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..queries.export import to_csv
    from ..queries.question_themes import question_themes

    require(args.min_calls >= 1, "--min-calls must be at least 1")
    with open_store() as store:
        require(bool(store.calls(ticker=args.ticker)), f"no stored calls of {args.ticker}")
        found = question_themes(store, args.ticker, up_to=args.up_to, min_calls=args.min_calls)
    themes = found.themes[found.themes["recurring"]]
    if args.json:
        print(json.dumps({"ticker": found.ticker, "latest_period": found.latest_period,
                          "themes": json_rows(themes[["theme", *COLUMNS]]),
                          "new_questions": json_rows(found.new[["fiscal_period", "speaker", "question", "call_id",
                                                                "pos", "nearest_earlier"]]),
                          "quiet_themes": json_rows(found.quiet[["theme", *COLUMNS]])}, indent=2))
        return 0
    if args.csv:
        sys.stdout.buffer.write(to_csv(themes[COLUMNS]))
        return 0
    require(not found.questions.empty, f"no analysed questions of {args.ticker}: run `python -m core analyze`")
    print_table([[r[c] for c in COLUMNS] for r in themes.to_dict("records")], COLUMNS)
    print(f"\nNew questions in {found.latest_period}: {len(found.new)}")
    for r in found.new.to_dict("records"):
        print(f"  {r['speaker']}: {r['question']}")
    print(f"Quiet themes in {found.latest_period}: {len(found.quiet)}")
    for r in found.quiet.to_dict("records"):
        print(f"  {r['label']} (last {r['last_period']})")
    return 0
