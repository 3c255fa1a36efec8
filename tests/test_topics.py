"""The guided taxonomy: loading, validation, override path, keyword rules and assignment; discovered topics."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.analysis.discovered_topics import fit_topics
from core.analysis.topics import PACKAGED_TAXONOMY, TopicScorer, keyword_pattern, load_taxonomy, taxonomy_path
from core.errors import ConfigError

GENERAL = ["revenue_growth", "margins", "guidance", "demand", "supply_capacity", "pricing", "competition",
           "capital_return", "regulation", "macro"]
SECTOR = ["data_center", "ai", "gaming", "automotive", "networking", "software", "pro_visualization"]

SMALL = """
[assignment]
threshold = 0.5
keyword_bonus = 0.2

[topics.alpha]
label = "Alpha"
group = "general"
description = "alpha"
seeds = ["alpha two"]
keywords = ["widget"]

[topics.beta]
label = "Beta"
group = "sector"
description = "beta"
keywords = ["GPU"]
"""


class TableEncoder:
    """Fixed 3-d vectors per phrase (unit length), for exact scores."""

    VECTORS = {"alpha": [1, 0, 0], "alpha two": [0.6, 0.8, 0], "beta": [0, 0, 1]}

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return np.array([self.VECTORS[t] for t in texts], dtype=np.float32)


def test_packaged_taxonomy_has_the_general_and_sector_topics() -> None:
    taxonomy = load_taxonomy()
    by_group = {g: [t.key for t in taxonomy.topics if t.group == g] for g in ("general", "sector")}
    assert by_group["general"] == GENERAL
    assert by_group["sector"][: len(SECTOR)] == SECTOR
    assert all(t.seeds and t.keywords and t.description.endswith(".") for t in taxonomy.topics)
    assert taxonomy.label("capital_return") == "Capital return"
    assert 0 < taxonomy.threshold < 1 and len(taxonomy.version) == 16


def test_user_taxonomy_in_the_data_dir_wins(tmp_path: Path) -> None:
    assert taxonomy_path(tmp_path) == PACKAGED_TAXONOMY
    (tmp_path / "taxonomy.toml").write_text(SMALL, encoding="utf-8")
    taxonomy = load_taxonomy(taxonomy_path(tmp_path))
    assert taxonomy.keys == ("alpha", "beta") and taxonomy.source == str(tmp_path / "taxonomy.toml")
    assert taxonomy.version != load_taxonomy().version
    with pytest.raises(ConfigError, match="no topic 'gamma'"):
        taxonomy.label("gamma")


@pytest.mark.parametrize("edit, message", [
    (("threshold = 0.5", "threshold = 1.5"), "threshold must be a number between 0 and 1"),
    (('group = "sector"', 'group = "misc"'), r"\[topics.beta\] group must be one of"),
    (('label = "Alpha"', 'label = ""'), r"\[topics.alpha\] needs a non-empty label"),
    (('keywords = ["GPU"]', 'keywords = "GPU"'), r"\[topics.beta\] keywords must be a list"),
    (("[topics.alpha]", "[topics.Alpha]"), "topic key 'Alpha' must be lower case"),
    (("[assignment]", "[assignment"), "not valid TOML"),
])
def test_invalid_taxonomies_are_refused_with_the_file(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(SMALL.replace(*edit), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_taxonomy(path)
    assert info.value.where == str(path)


def test_missing_taxonomy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the taxonomy"):
        load_taxonomy(tmp_path / "absent.toml")


def test_keyword_rules() -> None:
    pattern = keyword_pattern(["data center", "AI", "DRIVE", "gaming"])
    assert pattern.search("Data Centers grew") and pattern.search("our data center")
    assert pattern.search("AI factories") and not pattern.search("we said so") and not pattern.search("ai")
    assert pattern.search("the DRIVE platform") and not pattern.search("drive growth")
    assert pattern.search("GAMING") and not pattern.search("endgaming") and not pattern.search("gaming-related")
    assert keyword_pattern([]) is None


def test_scores_are_best_phrase_similarity_plus_keyword_bonus(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(SMALL, encoding="utf-8")
    scorer = TopicScorer(load_taxonomy(path), TableEncoder())
    texts = ["a widget", "nothing", "GPU talk", "gpu talk"]
    embeddings = np.array([[0, 1, 0], [0.3, 0.3, 0.9055], [0, 0.6, 0.8], [0, 0.6, 0.8]], dtype=np.float32)
    assert scorer.scores(texts, embeddings) == pytest.approx(np.array(
        [[1.0, 0.0], [0.42, 0.9055], [0.48, 1.0], [0.48, 0.8]]), abs=1e-4)
    assert scorer.assign(texts, embeddings) == [
        [("alpha", 1.0)], [("beta", 0.9055)], [("beta", 1.0)], [("beta", 0.8)]]
    with pytest.raises(ValueError, match="2 texts but 1 embeddings"):
        scorer.scores(["a", "b"], embeddings[:1])


@pytest.mark.parametrize("text, topic", [
    ("Data center revenue was a record, up 40% from a year ago, driven by cloud providers.", "data_center"),
    ("We returned $2 billion to shareholders in buybacks and dividends.", "capital_return"),
    ("New export rules restrict shipments of our accelerators to China.", "regulation"),
    ("Gamers snapped up our new GeForce cards over the holidays.", "gaming"),
    ("Gross margin expanded to 75% on a better mix.", "margins"),
])
def test_real_encoder_assigns_the_obvious_topic_first(text: str, topic: str) -> None:
    from core.embedding import load_encoder

    encoder = load_encoder()
    scorer = TopicScorer(load_taxonomy(), encoder)
    assert scorer.assign([text], encoder.encode([text]))[0][0][0] == topic


def test_small_talk_gets_no_topic() -> None:
    from core.embedding import load_encoder

    encoder = load_encoder()
    texts = ["Thank you.", "Good afternoon, everyone.", "Next question, please.", "Okay, great."]
    assert TopicScorer(load_taxonomy(), encoder).assign(texts, encoder.encode(texts)) == [[], [], [], []]


def test_discovered_topics_are_labelled_by_top_terms() -> None:
    texts = ([f"Gaming revenue from GeForce cards rose {i}% this quarter." for i in range(30)]
             + [f"Data center revenue from hyperscale cloud customers grew {i}%." for i in range(30)])
    topics, assigned = fit_topics(texts, n_topics=2, top_terms=3)
    labels = sorted(t.label for t in topics)
    assert any("gaming" in label or "geforce" in label for label in labels)
    assert any("center" in label or "cloud" in label for label in labels)
    assert set(assigned[:30]) == {assigned[0]} and set(assigned[30:]) == {assigned[30]} != {assigned[0]}
    with pytest.raises(ConfigError, match="at least 50 sentences"):
        fit_topics(texts[:10])
