"""`guidance TICKER [--metric M] [--kind guidance|actual] [--json|--csv]`: what management guided and reported,
with each guidance's revision (raised / kept / lowered / narrowed / new) and delivery (beat / in range / miss)."""
from __future__ import annotations

import argparse

from .common import add_output_options, open_store, print_table, require, ticker_arg, write_frame


def register(subparsers) -> None:
    cmd = subparsers.add_parser("guidance", help="guidance and reported results read from a company's calls")
    cmd.add_argument("ticker", type=ticker_arg)
    cmd.add_argument("--metric", help="one metric of the vocabulary, e.g. revenue or gross_margin")
    cmd.add_argument("--kind", choices=["guidance", "actual"])
    add_output_options(cmd, json_help="a JSON list of items")
    cmd.set_defaults(run=run)


def _range(row) -> str:
    unit = row["unit"]
    scale, suffix = (1e9, " bn") if unit == "USD" and max(abs(row["low"]), abs(row["high"])) >= 1e9 else (
        (1e6, " m") if unit == "USD" else (1, ""))
    shown = [f"{value / scale:,.3f}".rstrip("0").rstrip(".") for value in (row["low"], row["high"])]
    text = shown[0] if shown[0] == shown[1] else f"{shown[0]}–{shown[1]}"
    return f"{text}{suffix} {unit}" + (" (words)" if row["qualitative"] else "")


def run(args: argparse.Namespace) -> int:
    from ..queries.guidance_links import items, target_label

    with open_store() as store:
        require(bool(store.calls(ticker=args.ticker)), f"no stored calls of {args.ticker}")
        frame = items(store, args.ticker, metric=args.metric, kind=args.kind)
    if write_frame(frame, args):
        return 0
    require(not frame.empty, f"no guidance or results read from {args.ticker}'s calls: run `python -m core analyze`")
    rows = [[str(r["call_date"])[:10], r["kind"], r["metric"] + (f" ({r['segment']})" if r["segment"] else ""),
             r["basis"], target_label(r["target_fiscal_year"], r["target_fiscal_quarter"]),
             r["measure"], _range(r), r["direction"] or "", r["outcome"] or "", r["sentence_id"]]
            for r in frame.to_dict("records")]
    print_table(rows, ["call", "kind", "metric", "basis", "period", "measure", "range", "revision", "delivery",
                       "sentence"])
    return 0
