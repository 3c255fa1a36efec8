"""Draw the targeted sample (labels/sample-targeted.tsv): more sentences of the kinds the leave-one-company-out errors
concentrate on — analyst questions, guidance, hedged statements — for training only; references, no text.

Per call (every ticker, every year) one sentence of each stratum, eligible as in the main sample (no operator turns,
at least four words) and never a text the main sample (labels/sample.tsv) or this one already holds:
  targeted-question  a sentence of an analyst's question turn;
  targeted-guidance  an executive's forward-looking sentence (core.analysis.cues) that carries a number;
  targeted-hedged    an executive's sentence with a Loughran–McDonald uncertainty word ("may", "approximately",
                     "uncertain"…) that is not a guidance sentence.
The draw per call is seeded by (seed, file); the rows are shuffled with the seed, as in the main sample.
"""
from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from pathlib import Path

from core.analysis.cues import is_forward_looking
from core.analysis.sentences import Sentence
from scripts.labelset import SampleRef, corpus_sentences, load_sample, sentence_hash
from scripts.sample_sentences import DEFAULT_CORPUS, group_of, has_lm_word, is_eligible, write_sample

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_OUT = ROOT / "labels" / "sample-targeted.tsv"
MAIN_SAMPLE = ROOT / "labels" / "sample.tsv"
STRATA = ("targeted-question", "targeted-guidance", "targeted-hedged")
_NUMBER = re.compile(r"\d|\b(?:percent|million|billion|thousand|hundred|dozen|half|double|triple)\b", re.I)


def stratum_of(sentence: Sentence) -> str | None:
    """The targeted stratum of an eligible sentence, or None when it belongs to none."""
    group = group_of(sentence)
    if group == "qa-analyst":
        return STRATA[0]
    if is_forward_looking(sentence.text) and _NUMBER.search(sentence.text):
        return STRATA[1]
    if has_lm_word(sentence.text, "Uncertainty"):
        return STRATA[2]
    return None


def draw_call(ref_file: str, sentences: list[Sentence], *, seed: int, seen: set[str]) -> list[SampleRef]:
    """One sentence per stratum of one call (fewer when a stratum has no unseen sentence)."""
    pools: dict[str, list[Sentence]] = {stratum: [] for stratum in STRATA}
    for sentence in sentences:
        stratum = stratum_of(sentence) if is_eligible(sentence) else None
        if stratum:
            pools[stratum].append(sentence)
    rng = random.Random(f"{seed}:targeted:{ref_file}")
    drawn = []
    for stratum, candidates in pools.items():
        rng.shuffle(candidates)
        for sentence in candidates:
            digest = sentence_hash(sentence.text)
            if digest not in seen:
                seen.add(digest)
                drawn.append(SampleRef(ref_file, sentence.turn_idx, sentence.sent_idx, sentence.pos, digest, stratum))
                break
    return drawn


def draw_targeted(corpus_dir: Path, *, seed: int, main_sample: list[SampleRef]) -> list[SampleRef]:
    """The targeted sample over every call of the corpus, shuffled with the seed."""
    files = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.glob("*/*.txt"))
    if not files:
        raise SystemExit(f"no */*.txt call files under {corpus_dir}")
    seen = {ref.sha1 for ref in main_sample}
    sample = [ref for ref_file in files
              for ref in draw_call(ref_file, corpus_sentences(corpus_dir, ref_file), seed=seed, seen=seen)]
    random.Random(seed).shuffle(sample)
    return sample


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sample = draw_targeted(args.corpus_dir, seed=args.seed, main_sample=load_sample(MAIN_SAMPLE))
    write_sample(sample, args.out)
    print(f"{len(sample)} references -> {args.out}")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r.stratum for r in sample).items())))


if __name__ == "__main__":
    main()
