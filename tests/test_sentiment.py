"""The committed sentiment model: offline load, known directions, held-out PhraseBank accuracy, shared pass, CLI."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from core.cli import main
from core.embedding import ModelUnavailableError, load_encoder
from core.sentiment import (
    CONFIG_FILE, LABELS, MODEL_DIR, WEIGHTS_FILE, SentimentResult, embed_and_score, load_sentiment_model,
    load_sentiment_model_from, results_from_logits,
)

ROOT = Path(__file__).resolve().parents[1]
KNOWN = [
    ("Revenue rose 40% to a record.", "positive"),
    ("Net profit more than doubled and the company raised its full-year outlook.", "positive"),
    ("Operating loss widened and margins fell.", "negative"),
    ("The company cut 500 jobs after sales dropped sharply.", "negative"),
    ("The meeting is on Tuesday.", "neutral"),
    ("The company is headquartered in Helsinki.", "neutral"),
]


def artefact_config() -> dict:
    return json.loads((MODEL_DIR / CONFIG_FILE).read_text(encoding="utf-8"))


def train_script():
    spec = importlib.util.spec_from_file_location("train_sentiment", ROOT / "scripts" / "train_sentiment.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def held_out(shared_dir: Path) -> list:
    """The validation sentences of the committed model, read in place from the real PhraseBank files."""
    script = train_script()
    keys = set(artefact_config()["validation"]["keys"])
    examples = script.read_phrasebank(shared_dir / "sentiment" / "phrasebank-train")
    return [e for e in examples if script.sentence_key(e.text) in keys]


def test_artefact_is_small_licensed_and_versioned():
    files = list(MODEL_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) <= 5 * 1024 * 1024
    assert {f.name for f in files} == {CONFIG_FILE, WEIGHTS_FILE, "LICENSE.txt"}
    assert "CC BY-NC-SA 3.0" in (MODEL_DIR / "LICENSE.txt").read_text(encoding="utf-8")
    config = artefact_config()
    assert config["labels"] == list(LABELS) and config["k"] in (1, 2)
    model = load_sentiment_model()
    assert model is load_sentiment_model()
    assert re.fullmatch(r"minilm-phrasebank-[0-9a-f]{8}", model.version)


@pytest.mark.parametrize(("text", "label"), KNOWN)
def test_known_direction_sentences(text, label):
    (result,) = load_sentiment_model().predict([text])
    assert result.label == label
    assert -1.0 <= result.score <= 1.0
    assert {"positive": result.score > 0.3, "negative": result.score < -0.3, "neutral": abs(result.score) < 0.5}[label]


def test_held_out_phrasebank_accuracy_above_floor(shared_dir):
    examples = held_out(shared_dir)
    assert 700 <= len(examples) <= 850  # 20% of the 3,864 distinct sentences
    predicted = [r.label for r in load_sentiment_model().predict([e.text for e in examples])]
    truth = [LABELS[e.label] for e in examples]
    accuracy = np.mean([p == t for p, t in zip(predicted, truth)])
    agree = [(p, t) for p, t, e in zip(predicted, truth, examples) if e.all_agree]
    assert accuracy >= 0.76  # always-neutral scores 0.59, frozen MiniLM + logistic regression about 0.78
    assert np.mean([p == t for p, t in agree]) >= 0.88
    assert set(predicted) == set(LABELS)


def test_validation_split_is_what_the_training_script_holds_out(shared_dir):
    script = train_script()
    config = artefact_config()
    examples = script.read_phrasebank(shared_dir / "sentiment" / "phrasebank-train")
    train, validation = script.stratified_split(
        examples, fraction=config["validation"]["fraction"], seed=config["training"]["seed"]
    )
    assert sorted(script.sentence_key(e.text) for e in validation) == config["validation"]["keys"]
    assert not {e.text for e in train} & {e.text for e in validation}
    assert len(train) + len(validation) == len(examples) == len({e.text for e in examples})


def test_embed_and_score_is_one_pass_equal_to_encode_and_predict():
    texts = [text for text, _ in KNOWN] + ["", "Shares fell."]
    embeddings, results = embed_and_score(texts, batch_size=3)
    np.testing.assert_allclose(embeddings, load_encoder().encode(texts), atol=1e-6)
    assert results == load_sentiment_model().predict(texts, batch_size=3)
    rebatched = load_sentiment_model().predict(texts)  # other padding: equal up to float rounding
    assert [r.label for r in rebatched] == [r.label for r in results]
    np.testing.assert_allclose([r.score for r in rebatched], [r.score for r in results], atol=1e-5)
    assert embed_and_score([])[0].shape == (0, 384) and embed_and_score([])[1] == []


def test_scores_are_p_positive_minus_p_negative():
    logits = torch.tensor([[0.0, 3.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    first, second, third = results_from_logits(logits)
    assert first == SentimentResult("neutral", 0.0)
    assert second.label == "negative" and second.score == pytest.approx(-(np.e**2 - 1) / (np.e**2 + 2))
    assert third.label == "positive" and third.score == pytest.approx((np.e**3 - 1) / (np.e**3 + 2))


def test_missing_or_mismatched_artefact_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailableError, match="cannot read the sentiment model config"):
        load_sentiment_model_from(tmp_path)
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"labels": list(LABELS), "k": 1}), encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="cannot read the sentiment weights"):
        load_sentiment_model_from(tmp_path)
    save_file({"head.weight": torch.zeros(3, 384)}, str(tmp_path / WEIGHTS_FILE))
    with pytest.raises(ModelUnavailableError, match="weights do not fit the branch"):
        load_sentiment_model_from(tmp_path)


def test_cli_prints_label_tab_score_per_line_and_keeps_blank_lines(tmp_path, capsys):
    path = tmp_path / "sentences.txt"
    path.write_text("Revenue rose 40% to a record.\n\nOperating loss widened and margins fell.\n", encoding="utf-8")
    assert main(["sentiment", str(path)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""
    expected = load_sentiment_model().predict([KNOWN[0][0], KNOWN[2][0]])
    assert lines[0] == f"positive\t{expected[0].score:.4f}" and lines[2] == f"negative\t{expected[1].score:.4f}"
    assert re.fullmatch(r"(negative|neutral|positive)\t-?[01]\.\d{4}", lines[0])


def test_cli_reads_stdin():
    done = subprocess.run(
        [sys.executable, "-m", "core", "sentiment", "-"], input="The meeting is on Tuesday.\n",
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"neutral\t-?0\.\d{4}\n", done.stdout)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["sentiment", str(tmp_path / "absent.txt")]) == 1
    assert capsys.readouterr().err == f"error: {tmp_path / 'absent.txt'}: no such file\n"
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 sales rose.\n".encode("latin-1"))
    assert main(["sentiment", str(tmp_path / "latin1.txt")]) == 1
    assert "not UTF-8 text" in capsys.readouterr().err

