"""The project's editable TOML files (the topic taxonomy, the metric vocabulary): the user's copy in the data
directory replaces the packaged one, and a file that cannot be read says what and where."""
from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import ConfigError


def user_or_packaged(data_dir: Path | None, packaged: Path) -> Path:
    """data_dir/<the packaged file's name> when the user has one, else the packaged file."""
    if data_dir is not None and (data_dir / packaged.name).is_file():
        return data_dir / packaged.name
    return packaged


def read_toml(path: Path, *, what: str) -> tuple[bytes, dict]:
    """(the file's bytes, its TOML) or a ConfigError naming `what` and the path."""
    try:
        raw = path.read_bytes()
        return raw, tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror or exc}", where=str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the {what} is not valid TOML: {exc}", where=str(path)) from None
