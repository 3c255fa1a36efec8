"""`parse FILE --json`: print one parsed transcript."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import ParseError
from .common import period_arg, ticker_arg


def register(subparsers) -> None:
    cmd = subparsers.add_parser("parse", help="parse one transcript file and print it")
    cmd.add_argument("file", type=Path)
    cmd.add_argument("--json", action="store_true", help="print the whole transcript as JSON")
    cmd.add_argument("--ticker", type=ticker_arg, help="ticker, when the document does not name it")
    cmd.add_argument("--period", type=period_arg, help="fiscal period such as 2025Q2, when the document lacks it")
    cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..ingest.files import parse_bytes

    try:
        content = args.file.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror or exc}", where=str(args.file)) from None
    transcript = parse_bytes(content, source=str(args.file), ticker=args.ticker, period=args.period)
    for warning in transcript.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(transcript.to_dict(), indent=2, ensure_ascii=False))
    else:
        qa = sum(t.section == "qa" for t in transcript.turns)
        print(f"{transcript.ticker} {transcript.period}  {transcript.call_date}  {transcript.title}")
        print(f"{len(transcript.turns)} turns ({qa} in Q&A), {len(transcript.participants)} participants")
    return 0
