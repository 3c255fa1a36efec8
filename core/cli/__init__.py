"""The command line: one module per command (`cmd_<name>.py`, each with register(subparsers))."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ..errors import TranscriptError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command module's subcommand."""
    parser = argparse.ArgumentParser(prog="python -m core", description="Earnings-call analyzer")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a TranscriptError becomes a one-line message and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except TranscriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
