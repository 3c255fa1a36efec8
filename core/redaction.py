"""Secrets out of text: API keys in query strings and every known secret value become '***', in messages and in the
log records of the libraries that print request URLs."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

SECRET_PARAM = re.compile(r"(?i)([?&](?:api_?key|apikey|key|token|access_token)=)[^&#\s'\"]*")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with API keys in query strings and every known secret replaced by '***'."""
    text = SECRET_PARAM.sub(r"\1***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """Scrubs API keys and known secrets from the records of loggers that print request URLs (urllib3 at DEBUG)."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET_PARAM.search(message) or any(s in message for s in self.secrets):
            record.msg, record.args = redact(message, self.secrets), ()
        return True


URL_LOGGERS = tuple(logging.getLogger(name) for name in ("urllib3.connectionpool",))
for _logger in URL_LOGGERS:
    _logger.addFilter(RedactingFilter())  # API keys in query strings, whichever client asked
