"""Which sentiment model scores sentences: `EARNINGS_SENTIMENT` = fast | accurate | auto (torch-free).

fast: the readout over the frozen encoder's top layer (core/analysis/sentiment.py, models/sentiment/), about 4% of an
encode. accurate: a second pass through a low-rank-adapted copy of the encoder (core/analysis/sentiment_accurate.py,
models/sentiment-accurate/), about as costly as the encode itself. auto: accurate where the models run on CUDA and
its artefact is installed, else fast. Scores are stored with their model's version, so a change of model makes
`analyze` redo every call (as any model change does).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

SENTIMENT_MODELS = ("auto", "fast", "accurate")
ACCURATE_DIR = Path(__file__).resolve().parents[2] / "models" / "sentiment-accurate"
ADAPTER_FILE = "adapter.safetensors"
ACCURATE_FILES = ("config.json", ADAPTER_FILE)
ACCURATE_VERSION_PREFIX = "minilm-lora-"  # how the accurate model's versions begin (the fast model's: "minilm-")


def describe_model(version: str) -> str:
    """Which model a stored version is, for people: 'the accurate model (minilm-lora-…)' or 'the fast model (…)'."""
    kind = "accurate" if version.startswith(ACCURATE_VERSION_PREFIX) else "fast"
    return f"the {kind} model ({version})"


def accurate_installed(model_dir: Path | None = None) -> bool:
    """True when the accurate model's artefact (config.json + adapter.safetensors) is in its directory."""
    model_dir = model_dir or ACCURATE_DIR
    return all((model_dir / name).is_file() for name in ACCURATE_FILES)


def resolve_sentiment(choice: str | None = "auto", *, device: str, model_dir: Path | None = None) -> str:
    """'fast' or 'accurate' for a choice and the device the models run on ('cpu' or 'cuda'); a ConfigError for an
    unknown choice, or for accurate when its artefact is missing."""
    name = (choice or "auto").strip().lower()
    if name not in SENTIMENT_MODELS:
        raise ConfigError(f"unknown sentiment model {choice!r}; expected one of {', '.join(SENTIMENT_MODELS)}")
    model_dir = model_dir or ACCURATE_DIR
    if name == "auto":
        return "accurate" if device == "cuda" and accurate_installed(model_dir) else "fast"
    if name == "accurate" and not accurate_installed(model_dir):
        raise ConfigError("the accurate sentiment model is not installed (it needs config.json and "
                          f"{ADAPTER_FILE}): train it with `python -m scripts.train_accurate --final`, or use "
                          "EARNINGS_SENTIMENT=fast", where=str(model_dir))
    return name


def load_sentiment(choice: str | None = "auto", *, device: str = "cpu"):
    """The chosen sentiment model (core.analysis.sentiment.ScoresSentences) on a device, loaded once per process."""
    if resolve_sentiment(choice, device=device) == "accurate":
        from .sentiment_accurate import load_accurate_model

        return load_accurate_model(device)
    from .sentiment import load_sentiment_model

    return load_sentiment_model(device)
