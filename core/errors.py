"""The one exception family of the core: every error says what went wrong and where."""
from __future__ import annotations


class TranscriptError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ParseError(TranscriptError):
    """A document is not a transcript, or not one this format can read."""


class FetchError(TranscriptError):
    """A request failed for good (after any retries)."""


class HttpStatusError(FetchError):
    """The server answered with a status that is not success (after any retries)."""

    def __init__(self, message: str, *, status: int, where: str | None = None) -> None:
        self.status = status
        super().__init__(message, where=where)


class RateLimitedError(FetchError):
    """A source said we are asking too often and did not recover in time."""


class RobotsDisallowedError(FetchError):
    """robots.txt of the host forbids the path."""


class StoreError(TranscriptError):
    """The database could not be opened or written."""


class DatabaseLockedError(StoreError):
    """Another process holds the database file."""


class ConfigError(TranscriptError):
    """A setting, ticker or period given by the user is invalid."""
