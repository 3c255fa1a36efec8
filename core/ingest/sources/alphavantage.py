"""Alpha Vantage EARNINGS_CALL_TRANSCRIPT: one keyed JSON request per fiscal quarter.

`quarter` is the company's fiscal quarter as YYYYQn (e.g. 2024Q1), the same labelling as our Period.
Throttling arrives as HTTP 200 with a `Note` or `Information` key and errors with `Error Message`:
both are raised, never taken for an empty transcript. The key never leaves this module unredacted.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ...errors import ConfigError, FetchError, RateLimitedError
from ...model import Period
from ...redaction import redact
from ...storage.store import RawDocument
from .base import Located, SourceConfig, Target

if TYPE_CHECKING:
    from ...http import HttpClient

FUNCTION = "EARNINGS_CALL_TRANSCRIPT"
KEY_SETTING = "ALPHAVANTAGE_API_KEY"


class AlphaVantageSource:
    """Transcripts from the Alpha Vantage API (needs an API key)."""

    name = "alphavantage"
    title = "Alpha Vantage"
    base_url_setting = "ALPHAVANTAGE_BASE_URL"
    default_base_url = "https://www.alphavantage.co"
    secrets = {KEY_SETTING: "API key"}
    host_intervals: dict[str, float] = {}
    formats = ("alphavantage",)

    def __init__(self, client: HttpClient, config: SourceConfig) -> None:
        self.client = client
        self.base_url = config.base_url.rstrip("/")
        self._key = config.secrets[KEY_SETTING]

    def __repr__(self) -> str:
        return f"AlphaVantageSource(base_url={self.base_url!r})"

    def request_url(self, ticker: str, period: Period) -> str:
        """The query URL of one quarter, without the key (safe to store and show)."""
        query = urlencode({"function": FUNCTION, "symbol": ticker.upper(), "quarter": str(period)})
        return f"{self.base_url}/query?{query}"

    def locate(self, ticker: str, periods: Sequence[Period]) -> Located:
        """Every quarter has a deterministic request URL."""
        return Located({p: Target(self.request_url(ticker, p), p) for p in periods})

    def target_for_url(self, url: str) -> Target:
        raise ConfigError("Alpha Vantage takes a ticker and quarters, not page URLs (use --source fool)", where=url)

    def download(self, ticker: str, target: Target) -> RawDocument:
        """The JSON of one quarter; RateLimitedError on a throttle note, FetchError on an error or no transcript."""
        response = self.client.get(f"{target.url}&{urlencode({'apikey': self._key})}", robots=False)
        where = target.url
        try:
            data = json.loads(response.text)
        except json.JSONDecodeError:
            raise FetchError("Alpha Vantage answered with something that is not JSON", where=where) from None
        if not isinstance(data, dict):
            raise FetchError("Alpha Vantage answered with unexpected JSON (not an object)", where=where)
        for key in ("Note", "Information"):
            if key in data:
                raise RateLimitedError(f"Alpha Vantage is throttling: {self._clean(data[key])}", where=where)
        if "Error Message" in data:
            raise FetchError(f"Alpha Vantage error: {self._clean(data['Error Message'])}", where=where)
        if not data.get("transcript"):
            raise FetchError(f"Alpha Vantage has no transcript for {ticker.upper()} {target.period}", where=where)
        return RawDocument(response.content, self.name, target.url, response.status, response.fetched_at)

    def _clean(self, message: object) -> str:
        return redact(str(message), (self._key,))
