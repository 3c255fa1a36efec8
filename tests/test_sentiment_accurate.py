"""The accurate sentiment model and the choice between models: EARNINGS_SENTIMENT's values and errors, and an
accurate model from a tiny random adapter scoring sentences end to end through the fast model's interface (the
search vectors unchanged), in the CLI and in an analysis."""
from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
import torch

from core.analysis import sentiment_choice
from core.analysis.lora import adapters, save_adapters
from core.analysis.sentiment import CONFIG_FILE, LABELS, SentimentModel, SentimentResult
from core.analysis.sentiment_accurate import (
    ADAPTER_FILE,
    HEAD,
    AccurateSentimentModel,
    AdaptedClassifier,
    load_accurate_model_from,
)
from core.analysis.sentiment_choice import load_sentiment, resolve_sentiment
from core.cli import main
from core.embedding import ModelUnavailableError, load_encoder
from core.errors import ConfigError
from core.settings import Settings

TEXTS = ["Revenue rose 40% to a record.", "Operating loss widened and margins fell.", "The meeting is on Tuesday.",
         "Okay.", "We expect data center revenue to keep growing as hyperscalers expand their capacity."]


def tiny_artefact(model_dir, *, rank: int = 2, seed: int = 5) -> AdaptedClassifier:
    """A random (untrained) adapter and head written as an artefact; returns the unmerged classifier."""
    torch.manual_seed(seed)
    classifier = AdaptedClassifier(load_encoder().model, rank=rank, alpha=2 * rank).eval()
    with torch.no_grad():
        for layer in adapters(classifier):
            layer.lora_b.normal_(std=0.05)
        classifier.head.weight.normal_(std=0.5)
    save_adapters(classifier, model_dir / ADAPTER_FILE, also=HEAD)
    (model_dir / CONFIG_FILE).write_text(json.dumps({"labels": list(LABELS), "training": {"name": "tiny"}}),
                                         encoding="utf-8")
    return classifier


@pytest.fixture(scope="module")
def artefact(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("sentiment-accurate")
    return model_dir, tiny_artefact(model_dir)


@pytest.fixture
def installed(artefact, monkeypatch):
    """The tiny artefact as the installed models/sentiment-accurate/."""
    monkeypatch.setattr(sentiment_choice, "ACCURATE_DIR", artefact[0])
    return artefact[0]


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("EARNINGS_SENTIMENT", raising=False)
    assert Settings().sentiment == "auto"
    monkeypatch.setenv("EARNINGS_SENTIMENT", "accurate")
    assert Settings().sentiment == "accurate"


def test_auto_is_accurate_on_cuda_with_the_artefact_and_fast_otherwise(artefact, tmp_path):
    model_dir = artefact[0]
    assert resolve_sentiment("auto", device="cpu", model_dir=model_dir) == "fast"
    assert resolve_sentiment("auto", device="cuda", model_dir=model_dir) == "accurate"
    assert resolve_sentiment(None, device="cuda", model_dir=model_dir) == "accurate"
    assert resolve_sentiment("auto", device="cuda", model_dir=tmp_path) == "fast"  # not installed
    assert resolve_sentiment(" Fast ", device="cuda", model_dir=model_dir) == "fast"
    assert resolve_sentiment("ACCURATE", device="cpu", model_dir=model_dir) == "accurate"


def test_unknown_choice_and_missing_artefact_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown sentiment model 'best'; expected one of auto, fast, accurate"):
        resolve_sentiment("best", device="cpu", model_dir=tmp_path)
    (tmp_path / CONFIG_FILE).write_text("{}", encoding="utf-8")  # a config without the adapter is not installed
    with pytest.raises(ConfigError, match=rf"{re.escape(str(tmp_path))}: the accurate sentiment model is not "
                                          r"installed .* `python -m scripts.train_accurate --final`"):
        resolve_sentiment("accurate", device="cpu", model_dir=tmp_path)


def test_the_committed_tree_has_the_fast_model_by_default_on_the_cpu():
    assert isinstance(load_sentiment("auto", device="cpu"), SentimentModel)


def test_an_accurate_model_scores_end_to_end_and_keeps_the_search_vectors(artefact):
    model_dir, unmerged = artefact
    model = load_accurate_model_from(model_dir)
    digest = hashlib.sha256((model_dir / ADAPTER_FILE).read_bytes()).hexdigest()[:8]
    assert model.version == f"minilm-lora-tiny-{digest}"
    embeddings, results = model.embed_and_score(TEXTS, batch_size=2)
    assert np.array_equal(embeddings, load_encoder().encode(TEXTS, batch_size=2))  # the frozen pass, unchanged
    assert len(results) == len(TEXTS) and all(isinstance(r, SentimentResult) for r in results)
    assert all(r.label in LABELS and -1.0 <= r.score <= 1.0 for r in results)
    assert len({r.label for r in results}) > 1  # a random head: not one constant answer
    assert model.predict(TEXTS, batch_size=2) == results
    _, logits = model.embed_and_logits(TEXTS)
    tokens = load_encoder().tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():  # the merged copy computes what the trained (unmerged) classifier does
        expected = unmerged(tokens["input_ids"], tokens["attention_mask"]).numpy()
    assert np.allclose(logits, expected, atol=1e-4)


def test_missing_or_mismatched_accurate_artefact_is_a_clear_error(artefact, tmp_path):
    with pytest.raises(ModelUnavailableError, match="cannot read the accurate sentiment model's config"):
        load_accurate_model_from(tmp_path)
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"labels": ["bad", "good"]}), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match=r"expected labels \['negative', 'neutral', 'positive'\]"):
        load_accurate_model_from(tmp_path)
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"labels": list(LABELS)}), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="cannot read the adapter"):
        load_accurate_model_from(tmp_path)
    classifier = AdaptedClassifier(load_encoder().model, rank=2, alpha=4)
    save_adapters(classifier, tmp_path / ADAPTER_FILE)  # no head
    with pytest.raises(ModelUnavailableError, match="the adapter does not fit the encoder"):
        load_accurate_model_from(tmp_path)


def test_the_choice_loads_either_model_behind_one_interface(installed):
    fast, accurate = load_sentiment("fast"), load_sentiment("accurate")
    assert isinstance(fast, SentimentModel) and isinstance(accurate, AccurateSentimentModel)
    assert accurate is load_sentiment("accurate")  # loaded once per process
    for model in (fast, accurate):
        embeddings, results = model.embed_and_score(TEXTS[:2])
        assert embeddings.shape == (2, 384) and [type(r) for r in results] == [SentimentResult] * 2


def test_cli_uses_the_chosen_model(installed, tmp_path, capsys, monkeypatch):
    path = tmp_path / "sentences.txt"
    path.write_text("Revenue rose 40% to a record.\n\nOkay.\n", encoding="utf-8")
    expected = load_sentiment("accurate").predict(["Revenue rose 40% to a record.", "Okay."])
    monkeypatch.setenv("EARNINGS_SENTIMENT", "accurate")
    assert main(["sentiment", str(path)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines == [f"{expected[0].label}\t{expected[0].score:.4f}", "",
                     f"{expected[1].label}\t{expected[1].score:.4f}", ""]
    monkeypatch.setenv("EARNINGS_SENTIMENT", "fast")
    assert main(["sentiment", str(path), "--model", "accurate"]) == 0  # the option wins over the setting
    assert capsys.readouterr().out.split("\n") == lines


def test_cli_errors_for_an_unknown_setting_or_a_missing_model(tmp_path, capsys, monkeypatch):
    path = tmp_path / "sentences.txt"
    path.write_text("Okay.\n", encoding="utf-8")
    monkeypatch.setenv("EARNINGS_SENTIMENT", "best")
    assert main(["sentiment", str(path)]) == 1
    assert capsys.readouterr().err == ("error: unknown sentiment model 'best'; expected one of auto, fast, "
                                       "accurate\n")
    monkeypatch.setattr(sentiment_choice, "ACCURATE_DIR", tmp_path / "absent")
    assert main(["sentiment", str(path), "--model", "accurate"]) == 1
    assert "the accurate sentiment model is not installed" in capsys.readouterr().err


def test_an_analysis_with_the_accurate_model_stores_its_version(installed, tmp_path):
    from core.analysis.analyze import Analyzer
    from core.model import Transcript, Turn
    from core.storage.store import RawDocument, Store
    from core.storage.vectors import VectorIndex

    store, vectors = Store(tmp_path / "calls.duckdb"), VectorIndex(tmp_path / "vectors.lance")
    text = "Revenue rose 40% to a record. Margins fell. The meeting is on Tuesday."
    turns = (Turn(0, "Ann Chief", "CEO", "Acme", "executive", "prepared", "presentation", text),)
    store.save_transcript(Transcript("ACME", "Acme", 2025, 1, None, "Q1", "plain", "x", turns),
                          RawDocument(text.encode(), "file", "x"), parser_version=1)
    analyzer = Analyzer(device="cpu", sentiment="accurate")
    assert analyzer.sentiment == "accurate" and analyzer.model is load_sentiment("accurate")
    assert len(analyzer.run(store, vectors).analysed) == 1
    with store.cursor() as cur:
        rows = cur.execute("SELECT text, sentiment_label, sentiment_model FROM sentences ORDER BY pos").fetchall()
    labels = [r.label for r in analyzer.model.predict([row[0] for row in rows])]
    assert [row[1] for row in rows] == labels and {row[2] for row in rows} == {analyzer.model.version}


def test_a_stored_version_says_which_model_scored_it(artefact):
    from core.analysis.sentiment import load_sentiment_model
    from core.analysis.sentiment_choice import describe_model

    accurate = load_accurate_model_from(artefact[0])
    assert describe_model(accurate.version) == f"the accurate model ({accurate.version})"
    assert describe_model(load_sentiment_model().version).startswith("the fast model (minilm-")
