"""Settings: where the data lives and which services to use, from arguments or the environment."""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _secrets() -> dict:
    path = ROOT / ".streamlit" / "secrets.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _env_or_secret(*names: str) -> str | None:
    """The first of these variables set in the environment, else in .streamlit/secrets.toml."""
    found = next((os.environ[n] for n in names if os.environ.get(n)), None)
    if found:
        return found
    secrets = _secrets()
    return next((str(secrets[n]) for n in names if secrets.get(n)), None)


@dataclass(frozen=True)
class Settings:
    """Everything configurable: fields read once from the environment (and .streamlit/secrets.toml), the sources'
    own settings by name when asked (`value`)."""

    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("EARNINGS_DATA_DIR", ROOT / "data")))
    # sources' settings (base URLs, API keys: core/ingest/sources) by name; those given here win over the environment
    overrides: Mapping[str, str] = field(default_factory=dict, repr=False)
    # scaling out (docs/scaling.md): models' device, a Ray cluster for `analyze`, vectors on object storage
    device: str = field(default_factory=lambda: os.environ.get("EARNINGS_DEVICE", "auto"))
    ray_address: str | None = field(default_factory=lambda: os.environ.get("EARNINGS_RAY") or None)
    vectors_uri: str | None = field(default_factory=lambda: os.environ.get("EARNINGS_VECTORS_URI") or None)
    s3_endpoint: str | None = field(default_factory=lambda: _env_or_secret("EARNINGS_S3_ENDPOINT", "AWS_ENDPOINT_URL"))
    s3_region: str | None = field(default_factory=lambda: _env_or_secret("AWS_REGION", "AWS_DEFAULT_REGION"))
    s3_key_id: str | None = field(default_factory=lambda: _env_or_secret("AWS_ACCESS_KEY_ID"), repr=False)
    s3_secret: str | None = field(default_factory=lambda: _env_or_secret("AWS_SECRET_ACCESS_KEY"), repr=False)
    user_agent: str = field(
        default_factory=lambda: os.environ.get(
            "EARNINGS_USER_AGENT",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        )
    )

    def value(self, name: str) -> str | None:
        """A named setting (e.g. ALPHAVANTAGE_API_KEY): from overrides, else the environment, else secrets.toml."""
        if name in self.overrides:
            return self.overrides[name] or None
        return _env_or_secret(name)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "calls.duckdb"

    @property
    def vectors_dir(self) -> Path:
        return self.data_dir / "vectors.lance"

    @property
    def vectors_location(self) -> str:
        """Where the vector table lives: EARNINGS_VECTORS_URI (e.g. s3://bucket/prefix), else vectors_dir."""
        return self.vectors_uri or str(self.vectors_dir)
