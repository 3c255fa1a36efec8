"""Secrets out of text: API keys in query strings and every known secret value become '***'."""
from __future__ import annotations

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
