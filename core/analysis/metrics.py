"""The metric vocabulary of the guidance tracker (core/analysis/metrics.toml, or the user's data_dir/metrics.toml)
and where
a text names its metrics and their basis (GAAP / non-GAAP)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import ConfigError
from ..user_files import read_toml, user_or_packaged

PACKAGED_METRICS = Path(__file__).with_name("metrics.toml")
UNITS = ("USD", "%", "USD/share", "count")
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_BASIS = re.compile(r"\b(?P<non>non[\s-]?GAAP|adjusted|pro[\s-]?forma)\b|\bGAAP\b", re.I)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """A metric named in a text: where, which, of which segment (revenue only), with the bases said before it."""

    start: int
    end: int
    metric: str
    segment: str | None
    bases: tuple[str, ...]  # ("gaap", "non_gaap") for "GAAP and non-GAAP gross margins"; () when none is said
    named: bool = False     # the segment is one of the vocabulary's (a turn goes on talking of it), not a guess


@dataclass(frozen=True)
class Vocabulary:
    metrics: tuple[Metric, ...]
    segments: tuple[str, ...]
    version: str
    source: str

    @cached_property
    def _phrase_keys(self) -> dict[str, str]:
        return {_normal(p): m.key for m in self.metrics for p in m.phrases}

    @cached_property
    def _phrase_pattern(self) -> re.Pattern:
        """One alternation of every phrase, longest first, whole words, optional plural 's'; a ratio to something
        else ("revenue per employee") names no metric."""
        phrases = sorted({p for m in self.metrics for p in m.phrases}, key=len, reverse=True)
        body = "|".join(re.escape(p).replace(r"\ ", r"\s+") + ("" if p.endswith("s") else "s?") for p in phrases)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])(?!\s+per\s+(?!share|quarter|year|annum|month)\w)", re.I)

    def metric(self, key: str) -> Metric:
        for metric in self.metrics:
            if metric.key == key:
                return metric
        raise ConfigError(f"no metric {key!r} in the vocabulary", where=self.source)

    def mentions(self, text: str) -> list[Mention]:
        """Every metric the text names, left to right; the longest phrase wins where phrases overlap."""
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for match in self._phrase_pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            phrase = match.group(0).lower().rstrip("s")
            key = self._phrase_keys[_normal(phrase)]
            start, segment, named = match.start(), None, False
            if key == "revenue":
                segment, start, named = _segment_before(self, text, match.start())
            taken.append((start, match.end()))
            found.append(Mention(start, match.end(), key, segment, _bases_before(text, start), named))
        return sorted(found, key=lambda m: m.start)


    def topic_switch(self, text: str) -> str | None:
        """The segment a sentence turns to ("Moving to automotive.", "In gaming, …"): its name, '' when it turns to
        something that is no segment ("Moving to the rest of the P&L."), None when it turns nowhere."""
        match = _SWITCH.match(text)
        if not match:
            return None
        rest = text[match.end():]
        for name in sorted(self.segments, key=len, reverse=True):
            if re.match(rf"{re.escape(name)}(?![\w-])", rest, re.I):
                return name.lower()
        if not match.group("move"):  # "For AXG, we continue to expect …": a business's name, then a comma
            named = re.match(r"((?:[A-Z][\w&-]*\s+){0,3}[A-Z][\w&-]*)\s*,", rest)
            return named.group(1).lower() if named and is_business_name(named.group(1)) and not self.mentions(
                named.group(1)) else None
        target = re.split(r"[.,;:]", rest, maxsplit=1)[0].strip()
        if not target or len(target.split()) > 5 or _NOT_A_SEGMENT.search(target) or self.mentions(target):
            return ""
        return target.lower()  # "Moving to pro-vis.": a segment the vocabulary lacks


_SWITCH = re.compile(r"\s*(?:(?P<move>(?:now\s+|next\s+|and\s+)?(?:moving|turning|shifting|switching|going|"
                     r"let(?:'s|\s+me|\s+us)\s+(?:now\s+)?(?:move|turn|go|shift))\s+(?:on\s+|over\s+|now\s+)?to|"
                     r"starting\s+with)|in|for|within)\s+(?:our\s+|the\s+)?", re.I)


_VERB_LIKE = re.compile(r"(?:ed|ing|ly)$")  # "reported revenue", "growing revenue", "quarterly revenue"
_NOT_A_SEGMENT = re.compile(r"\b(?:Q[1-4]|FY\s*'?\d*|\d{4}|first|second|third|fourth|full|fiscal|P&L|P\s*&\s*L|"
                            r"outlook|guidance|balance\s+sheet|cash|results?|financials?|"
                            r"questions?|Q&A|expenses?|margins?|income|tax|quarter|year|capital|dividends?|"
                            r"profitability|summary|conclusion|liquidity|inventory|debt|EPS|earnings|remarks|"
                            r"rest|remainder|details?|numbers?|highlights?|operations?|business\s+update)\b", re.I)


def _normal(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase.lower()).rstrip("s")


def _segment_before(vocabulary: Vocabulary, text: str, start: int) -> tuple[str | None, int, bool]:
    """'Data Center revenue', 'our gaming segment revenue': the segment named right before a revenue phrase."""
    before = text[max(0, start - 60):start]
    for name in sorted(vocabulary.segments, key=len, reverse=True):
        match = re.search(rf"(?<![\w-]){re.escape(name)}(?:\s+(?:segment|business|group|division))?(?:\s+record)?\s+$",
                          before, re.I)
        if match:
            return name.lower(), start - (len(before) - match.start()), True
    named = _NAMED_REVENUE.search(before)  # a name the vocabulary lacks: "IoT Group revenue", "PSG's revenue"
    if named and is_business_name(named.group("name")):
        return named.group("name").strip().lower(), start - (len(before) - named.start("name")), False
    word = re.search(r"(?<![\w-])(?P<word>[a-z][\w-]*)\s+$", before)  # "processor revenue", "license revenue"
    name = word.group("word") if word else ""
    if word and not _PLAIN_REVENUE.fullmatch(name) and is_business_name(name) and not _VERB_LIKE.search(name):
        return word.group("word"), start - (len(before) - word.start("word")), False
    return None, start, False


_NAMED_REVENUE = re.compile(r"(?<![\w-])(?P<name>(?:[A-Z][\w&.-]*(?:'s)?\s+){1,4}|[\w]+-(?:centric|related|based)\s+)"
                            r"(?:segment\s+|business\s+|group\s+|division\s+|product\s+)?$")
_PLAIN_REVENUE = re.compile(
    r"total|net|quarterly|record|annual|our|the|its|their|of|in|and|company|consolidated|reported|overall|fiscal|"
    r"year|quarter|full-year|(?:first|second|third|fourth)(?:-quarter)?|sequential|strong|stronger|higher|lower|"
    r"combined|with|on|as|that|for|a|an|to|from|by|whose|see|expect|expects|expected|guide|our|this|that|these|"
    r"more|less|better|weaker|all-time|record-breaking|overall|total-company|top|which|where|is|was|be|been|"
    r"non-gaap|gaap|adjusted|same|growing|grow|growth|solid|good|great|healthy|flat|any|some|other|aggregate|"
    r"incremental|additional|recurring|deferred|organic|half|calendar|the|at|over|into|about|around|approximately|"
    r"grew|grow|drove|saw|had|see|expect|guide|delivers?|generates?|reports?|posts?|achieves?|reach|reaches|"
    r"drive|drives|record|book|books|recognize|recognizes|whose|while|when|then|so|but|also|still|only|just|"
    r"both|each|every|all|much|most|many|its|his|her|your|we|they|it|lower-than|higher-than|down|up|percentage|"
    r"percent|point|points|digit|digits|dollar|dollars|billion|million|sequential|year-over-year|year-on-year",
    re.I)
_NOT_NAME_WORDS = frozenset(
    "q1 q2 q3 q4 fy gaap non total net record our the quarterly annual first second third fourth full year fiscal "
    "company consolidated overall reported and of in quarter sequential its this that these record-breaking "
    "calendar half a an we it there those business businesses segment group january february march april may june "
    "july august september october november december addition summary total short sum closing particular "
    "general aggregate contrast fact turn for in at on with by from to as or so but if when while after before "
    "during since given based including excluding also then now today again overall single double digit digits "
    "low mid high percentage percent growth".split())


def is_business_name(words: str) -> bool:
    """Whether capitalised words before a revenue phrase name a business ("Mobileye", "IoT Group"), not a period or
    a qualifier ("Fourth-quarter", "Total", "Q3 FY24")."""
    tokens = [t.lower().removesuffix("'s") for t in re.split(r"[\s-]+", words) if t]
    return any(t not in _NOT_NAME_WORDS and not re.fullmatch(r"(?:fy)?'?\d+", t) for t in tokens)


def _bases_before(text: str, start: int) -> tuple[str, ...]:
    """The bases said in the words just before a metric: 'GAAP and non-GAAP', 'non-GAAP', none."""
    window = text[max(0, start - 40):start]
    window = re.split(r"[.;:]|--|\u2014", window)[-1]  # "our GAAP outlook -- gross margin of …": not its basis
    return tuple(dict.fromkeys("non_gaap" if m.group("non") else "gaap" for m in _BASIS.finditer(window)))


def metrics_path(data_dir: Path | None) -> Path:
    """The user's vocabulary (data_dir/metrics.toml) when it exists, else the packaged one."""
    return user_or_packaged(data_dir, PACKAGED_METRICS)


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read and validate a metric vocabulary (the packaged one by default)."""
    path = path or PACKAGED_METRICS
    where = str(path)
    raw, data = read_toml(path, what="metric vocabulary")
    entries = data.get("metrics")
    if not isinstance(entries, dict) or "revenue" not in entries:
        raise ConfigError("the vocabulary needs [metrics.<key>] tables, revenue among them", where=where)
    metrics = tuple(_metric(key, entry, where) for key, entry in entries.items())
    segments = data.get("segments", {}).get("names", [])
    if not isinstance(segments, list) or not all(isinstance(s, str) and s.strip() for s in segments):
        raise ConfigError("[segments] names must be a list of non-empty strings", where=where)
    return Vocabulary(metrics, tuple(s.strip() for s in segments), hashlib.sha256(raw).hexdigest()[:16], where)


def _metric(key: str, entry: object, where: str) -> Metric:
    if not _KEY.fullmatch(key):
        raise ConfigError(f"metric key {key!r} must be lower case letters, digits and '_'", where=where)
    if not isinstance(entry, dict):
        raise ConfigError(f"[metrics.{key}] must be a table", where=where)
    label, unit, phrases = entry.get("label"), entry.get("unit"), entry.get("phrases")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"[metrics.{key}] needs a non-empty label", where=where)
    if unit not in UNITS:
        raise ConfigError(f"[metrics.{key}] unit must be one of {UNITS}, got {unit!r}", where=where)
    if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ConfigError(f"[metrics.{key}] phrases must be a non-empty list of strings", where=where)
    return Metric(key, label.strip(), unit, tuple(p.strip() for p in phrases))
