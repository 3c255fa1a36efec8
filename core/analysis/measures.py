"""The measure registry: every measure of a group of analysed sentences, defined once, and the shared SQL fragments.

A measure is an expression over additive parts (counts and sums over sentences `s`). The parts are written per
call, section, speaker group (and topic) into small tables at analysis time (core/analysis/aggregates.py), so a measure
of any group is the same expression over the summed parts; roll-ups, views, the `trends` command, export, Overview
and Trends iterate over MEASURES. A measure that needs a new per-sentence value declares it as a Fact: computed from
the sentence's text at analysis time (core/analysis/call_prep.py) and stored as a column of `sentences`.

Adding a measure: its computation, one entry in MEASURES, and a migration when it needs a new column (README,
"Adding a measure").
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..model import SECTIONS
from .cues import is_forward_looking
from .specificity import states_number

# the fiscal period of the calls `c`: model.Period.ordinal and model.period_label in SQL
PERIOD_ORDINAL_SQL = "(c.fiscal_year * 4 + c.fiscal_quarter - 1)"
PERIOD_LABEL_SQL = "('FY' || c.fiscal_year || ' Q' || c.fiscal_quarter)"

# The runs of the current sentiment model: the model of the latest analysis run. Calls still scored by an earlier
# model count as not analysed (and `analyze` redoes them) so that no result mixes two models' scores.
CURRENT_RUNS_SQL = """(SELECT * FROM analysis_runs
    WHERE sentiment_model = (SELECT arg_max(sentiment_model, analyzed_at) FROM analysis_runs))"""

# the aggregate rows `s` (core/analysis/aggregates.py) of the analysed calls `c`: per section and speaker group, and per
# section, speaker group and topic
AGGREGATES_SQL, TOPIC_AGGREGATES_SQL = (
    f"{table} s JOIN calls c ON c.call_id = s.call_id JOIN {CURRENT_RUNS_SQL} r ON r.call_id = s.call_id"
    for table in ("call_aggregates", "call_topic_aggregates"))

SECTION_TONE_LABELS = {"prepared": "Prepared", "qa": "Q&A"}  # short: the label of each section's net tone
SPEAKER_SERIES = ("ceo", "cfo", "executive", "analyst")  # the groups whose tone is followed (not the operator's)


@dataclass(frozen=True)
class Part:
    """An additive part of measures: `func(value)` over the sentences `s` that meet `when`."""

    name: str
    func: str = "count"
    value: str = "*"
    when: str | None = None
    type: str = "BIGINT"

    def of_sentences(self, where: str | None = None) -> str:
        """SQL: the part over sentences `s` (and `where`)."""
        conditions = " AND ".join(c for c in (self.when, where) if c)
        return f"{self.func}({self.value})" + (f" FILTER (WHERE {conditions})" if conditions else "")

    def of_aggregates(self, where: str | None = None) -> str:
        """SQL: the part summed over aggregate rows `s` (and `where`)."""
        total = f"sum(s.{self.name})" + (f" FILTER (WHERE {where})" if where else "")
        return f"CAST({f'coalesce({total}, 0)' if self.type == 'BIGINT' else total} AS {self.type})"


@dataclass(frozen=True)
class Fact:
    """A value of each sentence computed from its text at analysis time, stored in the column of that name."""

    column: str
    compute: Callable[[str], object]
    type: str = "BOOLEAN"


@dataclass(frozen=True)
class Measure:
    """One measure: its SQL over parts (`{part}`), how to show it, and what it needs."""

    name: str
    expr: str
    label: str
    fmt: str  # count / signed / decimal / percent
    help: str
    parts: tuple[Part, ...] = ()
    fact: Fact | None = None
    headline: bool = True  # shown on Overview, Trends, `trends`; counts are not
    inverse: bool = False  # a rise is bad news

    def sql(self, part: Callable[[Part], str]) -> str:
        """The measure's SQL with each part written by `part` (Part.of_sentences or Part.of_aggregates)."""
        return "(" + self.expr.format(**{p.name: part(p) for p in PARTS.values()}) + ")"

    @property
    def decimals(self) -> int:
        """Decimals a table rounds it to."""
        return {"count": 0, "signed": 3, "decimal": 2, "percent": 3}[self.fmt]

    @property
    def printf(self) -> str:
        """The printf-style format of a value (Streamlit's NumberColumn)."""
        return {"count": "%d", "signed": "%+.3f", "decimal": "%.2f", "percent": "percent"}[self.fmt]

    def change_text(self, change: float) -> str:
        """A change as shown: '+0.125', or '+2.5 pts' for a share."""
        return f"{change * 100:+.1f} pts" if self.fmt == "percent" else f"{change:+.3f}"

    def text(self, value: float) -> str:
        """A value as shown: '+0.250', '71.43', '12.5%', '1,204'; '–' when missing."""
        if value != value or value is None:
            return "–"
        return {"count": f"{value:,.0f}", "signed": f"{value:+.3f}", "decimal": f"{value:.2f}",
                "percent": f"{value:.1%}"}[self.fmt]


MEASURES: tuple[Measure, ...] = (
    Measure("sentences", "{sentences}", "Sentences", "count", "Analysed sentences.",
            parts=(Part("sentences"),), headline=False),
    *(Measure(label, f"{{{label}}}", f"{label.title()} sentences", "count", f"Sentences the model calls {label}.",
              parts=(Part(label, when=f"s.sentiment_label = '{label}'"),), headline=False)
      for label in ("positive", "negative", "neutral")),
    Measure("net_tone", "({positive} - {negative}) / nullif({sentences}, 0)", "Net tone", "signed",
            "(positive − negative sentences) / sentences, in [-1, 1]."),
    Measure("mean_score", "{score_sum} / nullif({scored}, 0)", "Mean score", "signed",
            "Mean of p(positive) − p(negative) per sentence.",
            parts=(Part("score_sum", "sum", "s.sentiment_score", type="DOUBLE"),
                   Part("scored", "count", "s.sentiment_score")), headline=False),
    Measure("words", "{words}", "Words", "count", "Words of the sentences.",
            parts=(Part("words", "sum", "s.word_count"),), headline=False),
    Measure("uncertainty_per_1000", "1000.0 * {uncertainty_words} / nullif({words}, 0)", "Uncertainty index",
            "decimal", "Loughran–McDonald uncertainty words per 1,000 words.",
            parts=(Part("uncertainty_words", "sum", "s.lm_uncertainty"),), inverse=True),
    Measure("fls_share", "{forward_looking} / nullif({sentences}, 0)", "Forward-looking share", "percent",
            "Share of sentences with a forward-looking cue (core/analysis/cues.py).",
            parts=(Part("forward_looking", when="s.forward_looking"),),
            fact=Fact("forward_looking", is_forward_looking)),
    Measure("specificity", "{number_sentences} / nullif({sentences}, 0)", "Specificity", "percent",
            "Share of sentences that state a number (core/analysis/specificity.py).",
            parts=(Part("number_sentences", when="s.states_number"),), fact=Fact("states_number", states_number)),
)
PARTS: dict[str, Part] = {p.name: p for m in MEASURES for p in m.parts}
FACTS: tuple[Fact, ...] = tuple(m.fact for m in MEASURES if m.fact)
HEADLINE: tuple[Measure, ...] = tuple(m for m in MEASURES if m.headline)
BY_NAME: dict[str, Measure] = {m.name: m for m in MEASURES}
NET_TONE = BY_NAME["net_tone"]
NET_TONE_SQL = NET_TONE.sql(Part.of_sentences)  # over sentences `s`
SECTION_TONES = tuple(replace(NET_TONE, name=f"net_tone_{key}", label=label, help="Net tone of this section.")
                      for key, label in SECTION_TONE_LABELS.items())
# the tone gap of a call: Q&A − prepared-remarks net tone, over its per-section columns
TONE_GAP = Measure("tone_gap", "net_tone_qa - net_tone_prepared", "Q&A − prepared", "signed",
                   "Net tone of the Q&A minus net tone of the prepared remarks.")
# what a call's summary shows (Overview, `trends`): net tone, per section and their gap, the other headline measures
SUMMARY: tuple[Measure, ...] = (NET_TONE, *SECTION_TONES, TONE_GAP, *(m for m in HEADLINE if m is not NET_TONE))


def of_aggregates(measure: Measure, where: str | None = None) -> str:
    """SQL: a measure over aggregate rows `s` (and `where`)."""
    return measure.sql(lambda part: part.of_aggregates(where))


def call_columns() -> str:
    """SQL select list over a call's `call_aggregates` rows `s`: every measure, each section's net tone, the gap."""
    columns = [f"{of_aggregates(m)} AS {m.name}" for m in MEASURES]
    columns += [f"{of_aggregates(NET_TONE, f's.section = {key!r}')} AS {m.name}"
                for key, m in zip(SECTIONS, SECTION_TONES)]
    return ", ".join([*columns, f"{TONE_GAP.expr} AS {TONE_GAP.name}"])
