"""Import transcript files from disk: read safely, parse, store; one bad file never stops a batch."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError, TranscriptError
from ..model import Period, Transcript
from ..storage.store import FILE_ORIGIN, RawDocument, Store
from .parsers import PARSER_VERSION, parse_document

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
IMPORT_SUFFIXES = {".txt", ".html", ".htm", ".md", ".text"}


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one file: 'inserted', 'replaced', 'unchanged' or 'failed' (with the reason), and what
    parsing dropped on the way (e.g. an empty speaker turn)."""

    path: str
    outcome: str
    call: str = ""
    reason: str = ""
    warnings: tuple[str, ...] = ()


def decode_document(content: bytes, *, where: str) -> str:
    """Bytes to text, refusing empty, oversized and binary documents with a ParseError."""
    if not content.strip():
        raise ParseError("the document is empty", where=where)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ParseError(f"the document is {len(content) / 2**20:.1f} MB, over the "
                         f"{MAX_DOCUMENT_BYTES // 2**20} MB limit for a transcript", where=where)
    if b"\x00" in content[:65536]:
        raise ParseError("the document is binary, not text", where=where)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError("the document is neither UTF-8 nor Windows-1252 text", where=where)


def parse_bytes(content: bytes, *, source: str, ticker: str | None = None, period: Period | None = None,
                formats: Collection[str] | None = None) -> Transcript:
    """Decode and parse one document (in one of `formats`, default any)."""
    return parse_document(decode_document(content, where=source), source=source, ticker=ticker, period=period,
                          formats=formats)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The given files, and the transcript-looking files under the given directories, in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMPORT_SUFFIXES)
        else:
            yield path


def import_file(store: Store, path: Path, *, ticker: str | None = None,
                period: Period | None = None) -> ImportOutcome:
    """Parse one file and store it as a call; a failure is reported, nothing stored for it."""
    where = str(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        return ImportOutcome(where, "failed", reason=f"cannot read the file: {exc.strerror or exc}")
    return import_bytes(store, content, source=where, ticker=ticker, period=period)


def import_bytes(store: Store, content: bytes, *, source: str, ticker: str | None = None,
                 period: Period | None = None) -> ImportOutcome:
    """Parse one document (e.g. an uploaded file) and store it as a call; a failure is reported, nothing stored."""
    try:
        transcript = parse_bytes(content, source=source, ticker=ticker, period=period)
        document = RawDocument(content, FILE_ORIGIN, source)
        result = store.save_transcript(transcript, document, parser_version=PARSER_VERSION)
    except TranscriptError as exc:
        return ImportOutcome(source, "failed", reason=exc.message)
    return ImportOutcome(source, result.outcome, call=f"{transcript.ticker} {transcript.period}",
                         warnings=transcript.warnings)


def import_paths(store: Store, paths: Iterable[Path], *, ticker: str | None = None, period: Period | None = None,
                 progress: Callable[[ImportOutcome], None] | None = None) -> list[ImportOutcome]:
    """Import every file under the given paths; returns one outcome per file."""
    outcomes = []
    for path in iter_files(paths):
        outcome = import_file(store, path, ticker=ticker, period=period)
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes
