"""`python -m core sentiment FILE`: label and score for each line of a file (or stdin)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError


def register(subparsers) -> None:
    """Add the `sentiment` command."""
    parser = subparsers.add_parser(
        "sentiment",
        help="financial sentiment of one sentence per line",
        description="Reads one sentence per line from FILE ('-' for stdin) and prints 'label<TAB>score' per line "
        "in input order: label in {negative, neutral, positive}, score = p(positive) - p(negative) in [-1, 1] "
        "with 4 decimals. A blank input line gives a blank output line, so line n answers line n.",
    )
    parser.add_argument("file", metavar="FILE", help="text file, one sentence per line, or '-' for stdin")
    parser.add_argument("--batch-size", type=int, default=64, help="sentences per encoder pass (default 64)")
    parser.set_defaults(run=run)


def read_lines(name: str) -> list[str]:
    """The lines of a UTF-8 file, or of stdin for '-', without line endings."""
    if name == "-":
        return sys.stdin.read().splitlines()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError("no such file", where=name) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, expected a text file", where=name) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", where=name) from None


def run(args: argparse.Namespace) -> int:
    """Score the non-blank lines in one batched pass and print one output line per input line."""
    from ..analysis.sentiment import load_sentiment_model

    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be positive, got {args.batch_size}")
    lines = read_lines(args.file)
    texts = [line.strip() for line in lines if line.strip()]
    results = iter(load_sentiment_model().predict(texts, batch_size=args.batch_size) if texts else [])
    for line in lines:
        if line.strip():
            result = next(results)
            print(f"{result.label}\t{round(result.score, 4) or 0.0:.4f}")  # never "-0.0000"
        else:
            print()
    return 0
