"""Where the vector table lives: the data directory (the default), or object storage named by
`EARNINGS_VECTORS_URI=s3://bucket/prefix`, with its endpoint, region and keys from the settings or the environment.

The keys travel only inside the storage options handed to LanceDB; `VectorLocation` never prints them and every
error message that could carry them is redacted. On object storage, appends from many processes and machines commit
concurrently (Lance's conditional puts); replacing or deleting rows stays with one writer per table, which on this
machine is serialised by the usual lock file in the data directory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..redaction import redact
from ..settings import Settings

REMOTE_SCHEMES = ("s3",)  # the object stores this project tests (Lance speaks gs:// and az:// too)


def is_remote(uri: str) -> bool:
    """True for an object-storage URI such as s3://bucket/prefix."""
    return urlsplit(str(uri)).scheme in REMOTE_SCHEMES


@dataclass(frozen=True)
class VectorLocation:
    """A vector table's URI, LanceDB storage options (secret: never in repr or messages) and writer lock file."""

    uri: str
    options: dict[str, str] = field(default_factory=dict, repr=False)
    lock_path: str | None = None  # None: the table's own path (a local table)

    @property
    def remote(self) -> bool:
        return is_remote(self.uri)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.options.items() if "secret" in k or "key_id" in k or "token" in k)

    def redact(self, text: str) -> str:
        """Text with the keys of this location replaced by '***'."""
        return redact(text, self.secrets)

    def open(self, *, encoder=None):
        """The VectorIndex at this location."""
        from .vectors import VectorIndex

        return VectorIndex(self.uri, encoder=encoder, location=self)


def storage_options(settings: Settings) -> dict[str, str]:
    """LanceDB (object_store) options for S3 from the settings; empty ones are left to the environment."""
    options = {"aws_access_key_id": settings.s3_key_id, "aws_secret_access_key": settings.s3_secret,
               "aws_region": settings.s3_region, "aws_endpoint": settings.s3_endpoint}
    options = {k: v for k, v in options.items() if v}
    if settings.s3_endpoint and settings.s3_endpoint.startswith("http://"):
        options["allow_http"] = "true"  # a local S3-compatible server
    return options


def vector_location(settings: Settings | None = None) -> VectorLocation:
    """Where the settings put the vector table."""
    settings = settings or Settings()
    uri = settings.vectors_location
    if not is_remote(uri):
        if "://" in uri:
            raise ConfigError(f"unsupported vectors URI scheme in {uri!r}; use a path or s3://bucket/prefix")
        return VectorLocation(uri)
    parts = urlsplit(uri)
    if not parts.netloc:
        raise ConfigError(f"vectors URI {uri!r} names no bucket; expected s3://bucket/prefix")
    return VectorLocation(uri.rstrip("/"), storage_options(settings), str(Path(settings.data_dir) / "vectors.remote"))


def open_vectors(settings: Settings | None = None, *, encoder=None):
    """The configured vector table (core.storage.vectors.VectorIndex)."""
    return vector_location(settings).open(encoder=encoder)
