"""Guidance and reported results read from a call's sentences, deterministically (no model).

A sentence of management (prepared remarks or answers; never an analyst or the operator) yields an item for each
amount it ties to a metric of the vocabulary (core/metrics.toml):
- the amount's clause says whether it is guidance (expect, outlook, anticipate, will be, …) or a reported result
  (was, came in, grew, …); a reference to an earlier outlook ("above our outlook of $32.5 billion") or a comparison
  ("up from $18.1 billion a year ago") is neither and yields nothing;
- the metric is the nearest one named before the amount in its clause (or right after it: "$6 billion of revenue");
  "GAAP and non-GAAP gross margins … 73% and 73.5%, respectively" pairs bases with amounts in order;
- the period is the one its clause names, else the one the turn's outlook named last ("Turning to the outlook for the
  fourth quarter. Revenue is expected to be …"); a reported result is about the reported quarter (or, in a fourth
  quarter's call, the fiscal year); a half year, a long-term model or a period it cannot place yields nothing;
- a growth amount ("up 17% sequentially", "growth of 11% to 13%") is a growth measure of its metric; a margin's move
  in points is no item; a share of revenue ("87% of revenue") is no item.
A tolerance said on its own right after guidance ("Plus or minus 2%.") widens that item."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .amounts import COUNT, PERCENT, PER_SHARE, USD, Amount, amounts
from .metrics import Mention, Vocabulary, is_business_name
from .model import Period
from .sentences import Sentence
from .target_periods import Target, targets

MANAGEMENT = ("ceo", "cfo", "executive")
UNNAMED_SEGMENT = "a business segment"
GUIDANCE, ACTUAL = "guidance", "actual"
LEVEL, GROWTH, SEQUENTIAL = "level", "growth", "sequential_growth"

_FUTURE = re.compile(
    r"\b(?:expect(?:s|ed|ing|ation|ations)?|anticipat\w*|forecast\w*|outlook|guid(?:e|es|ed|ing|ance)|"
    r"project(?:s|ed|ing)?|should\s+(?:be|come|grow|increase|decline)|will\s+(?:be|grow|increase|decline|come)|"
    r"(?:are|is)\s+going\s+to|we\s+see|looking\s+for|on\s+(?:a\s+)?(?:path|track|pace)\s+(?:to|for)|plan(?:s|ning)?\s+(?:for|to|on)|target(?:s|ing)?|"
    r"estimat\w+|(?:rais(?:e|ing)|lower(?:ing)?)\s+(?:our\s+|the\s+|its\s+)?(?:[\w-]+\s+){0,3}?(?:guidance|outlook|"
    r"expectations?|forecast|range|guide)|reaffirm\w*|reiterat\w*|maintain(?:ing)?|narrow(?:ing)?|"
    r"(?:are|is)\s+likely|believe\s+(?:that\s+)?(?:revenue|gross|we)|for\s+the\s+(?:coming|next)|to\s+be)\b",
    re.I,
)
_PAST = re.compile(
    r"\b(?:was|were|came\s+in|grew|rose|increased|decreased|declined|fell|dropped|reached|totall?ed|delivered|"
    r"reported|posted|achieved|ended|generated|improved|expanded|contracted|exceeded|finished|closed|"
    r"amounted|represented|set\s+a\s+record|hit|turned\s+out|came\s+out|landed|had|coming\s+in|crossed|"
    r"continued\s+to|accelerated|saw|executed|delivering|posting|generating|achieving|reporting)\b",
    re.I,
)
_NOT_A_CUE = re.compile(r"\b(?:better|worse|stronger|weaker|higher|lower|more|less)[\s-]+than[\s-]+(?:we\s+)?"
                        r"(?:expected|anticipated|forecast|projected|guided)|\bas\s+(?:we\s+)?(?:expected|anticipated|"
                        r"guided|forecast)|\bin\s+line\s+with\s+(?:our\s+)?(?:expectations|outlook|guidance)|"
                        r"\b(?:compared\s+(?:to|with)|versus|than|above|below|ahead\s+of|short\s+of|exceed\w*|beat\w*)\s+"
                        r"(?:the\s+)?(?:(?:our|its|their)\s+)?(?:[\w-]+\s+){0,3}?(?:guide|guidance|outlook|expectations?|"
                        r"forecast)\b", re.I)
_REFERENCE = re.compile(  # an earlier outlook recalled, not a new one
    r"(?:above|below|ahead\s+of|exceed(?:ed|ing)?|beat(?:ing)?|in\s+line\s+with|compared\s+(?:to|with)|versus|"
    r"vs\.?|than|relative\s+to)\s+"
    r"(?:the\s+)?(?:(?:our|their|its|the)\s+)?(?:(?:prior|previous|original|earlier|initial|last|high[\s-]end|"
    r"low[\s-]end|updated)\s+)*(?:\w+\s+)?(?:outlook|guidance|guide|expectations?|forecast|range)"
    r"(?:\s+(?:of|range\s+of|for))?[^.;]{0,12}$"
    r"|(?:outlook|guidance|guide|expectations?|forecast)\s+(?:of|was|had\s+been)\s+(?:approximately\s+|about\s+)?$"
    r"|\bat\s+(?:the\s+)?(?:[\w-]+\s+){0,3}midpoint\s+(?:of\s+)?(?:[\w-]+\s+){0,3}$"
    r"|\b(?:we\s+)?(?:had\s+)?(?:forecasted|previously\s+(?:expected|guided|forecast)|originally\s+(?:expected|"
    r"guided))\b[^.;]{0,80}$"
    r"|\bas\s+(?:noted|said|mentioned|discussed|indicated)\s+(?:in|on|at|last)\b[^.;]{0,80}$"
    r"|\b(?:was|were)\s+(?:forecasting|expecting|guiding|projecting)\b[^.;]{0,80}$"
    r"|\b(?:we|they)\s+(?:actually\s+)?guided\b[^.;]{0,40}$"
    r"|\bstarted\s+the\s+year\b[^.;]{0,80}$|\b(?:we|I|he|she|they)\s+(?:had\s+)?said\b[^.;]{0,60}$"
    r"|\b(?:talked|spoken|spoke)\s+(?:a\s+lot\s+)?about\b[^.;]{0,60}$|\b(?:goal|target)\b[^.;]{0,60}$"
    r"|(?:we\s+had\s+)?(?:guided|expected|projected|forecasted)\s+(?:to\s+)?(?:approximately\s+|about\s+|at\s+)?$",
    re.I,
)
_NEW_GUIDE = re.compile(  # "we reaffirm our revenue guidance of $76 billion": the guide given now, no reference
    r"\b(?:reaffirm\w*|reiterat\w*|maintain\w*|(?:rais|increas|updat)(?:e|es|ed|ing)|lower(?:s|ed|ing)|narrow\w*|"
    r"tighten\w*|introduc\w*|initiat\w*|provid(?:e|es|ing)|issu(?:e|es|ing)|expect\w*)\s+(?:our\s+|the\s+|its\s+|a\s+)?"
    r"(?:[\w'-]+\s+){0,4}?(?:outlook|guidance|guide|forecast)\s+(?:range\s+)?(?:to|of|at)\s+"
    r"(?:approximately\s+|about\s+|roughly\s+)?$", re.I)
_COMPARISON_BEFORE = re.compile(
    r"(?:\bfrom|compared\s+(?:to|with)|versus|\bvs\.?|(?<!greater\s)(?<!more\s)\bthan|(?<!just\s)(?<!slightly\s)(?<!well\s)\bover|"
    r"year[\s-]ago\s+(?:level\s+)?of|"
    r"last\s+year'?s?|prior\s+year'?s?|previous\s+quarter'?s?|prior\s+quarter'?s?)\s+"
    r"(?:a\s+|the\s+|our\s+)?(?:record\s+|approximately\s+|about\s+)?$",
    re.I,
)
_COMPARISON_AFTER = re.compile(
    r"^\s*,?\s*(?:a\s+year\s+ago|last\s+year|last\s+quarter|in\s+the\s+(?:prior|previous|same|year[\s-]ago)\s+"
    r"(?:year|quarter|period)|in\s+the\s+year[\s-]ago|(?:in|for)\s+(?:Q[1-4]|the\s+\w+\s+quarter)\s+(?:of\s+)?"
    r"last\s+year|previously|a\s+quarter\s+ago|in\s+fiscal\s+(?:'?\d{2}|\d{4})\s+ago|"
    r"(?:above|below|over|higher\s+than|lower\s+than|more\s+than|less\s+than)\s+(?:the\s+)?(?:previous|prior|last|a)\s+"
    r"(?:year|quarter))",
    re.I,
)
_MOVES = (r"up|down|grow\w*|grew|increas\w*|decreas\w*|declin\w*|higher|lower|ris\w*|fall\w*|contract\w*|reduc\w*|"
          r"drop\w*|expan\w*|gain\w*|improv\w*")  # the words that say an amount is a move, not a level
_CHANGE_BEFORE = re.compile(rf"\b(?P<dir>{_MOVES})\b[^.;,$%\d]{{0,40}}$", re.I)
_SEQUENTIAL = re.compile(r"\bsequential(?:ly)?\b|quarter[\s-]+(?:over|on)[\s-]+quarter|\bq/q\b|"
                         r"from\s+(?:the\s+)?(?:prior|previous|last|third|second|first|fourth)\s+quarter", re.I)
_YEAR_OVER_YEAR = re.compile(r"\byear[\s-]+(?:over|on)[\s-]+year\b|\by/y\b|\byoy\b|\bfrom\s+(?:a|the)\s+(?:year[\s-]ago|prior\s+year)|"
                             r"\bversus\s+(?:last|a)\s+year", re.I)
_DIRECTION = re.compile(rf"\b(?:{_MOVES})\b", re.I)
_NEGATIVE = re.compile(r"\b(?:down|decreas\w*|declin\w*|lower|fall|falling|contract\w*|reduc\w*|drop\w*)\b", re.I)
_SHARE_OF = re.compile(r"^\s*(?:of|to)\s+(?:our\s+|the\s+|total\s+)*(?:total\s+)?(?:revenue|sales|mix)", re.I)
_LONG_TERM = re.compile(r"\blong(?:er)?[\s-]term\b|\bintermediate[\s-]term\b|\bultimately\b|\brule\s+of\s+thumb\b|"
                        r"\b(?:fall|flow)[\s-]through\b|\bCAGR\b|\bover\s+the\s+next\s+(?:\w+\s+){0,3}years\b|\bover\s+time\b|\btarget\s+model\b|\bfinancial\s+model\b|"
                        r"\bnext\s+(?:few|several|\w+)\s+years\b|\beventually\b|\bover\s+the\s+cycle\b|"
                        r"\bby\s+(?:fiscal\s+)?(?:20\d\d|'\d\d)\b|\bin\s+the\s+future\b", re.I)
_OUTLOOK_INTRO = re.compile(r"\b(?:outlook|guidance|look(?:ing)?\s+(?:ahead|forward)|as\s+we\s+look|"
                            r"(?:turn(?:ing)?|mov(?:e|ing))\s+(?:now\s+)?to\s+(?:the\s+)?(?:full[\s-]year|fiscal|20\d\d|"
                            r"next\s+year))\b", re.I)
_RUN_RATE = re.compile(r"\brun[\s-]rate\b|\bannuali[sz]ed\b|\bbacklog\b|\bpipeline\b|\bbreak[\s-]?even\b", re.I)
_TOTAL = re.compile(r"\b(?:total|overall|company[\s-]wide|consolidated)\b|\bfor\s+the\s+company\b", re.I)
_PERIOD_REVENUE = re.compile(r"\b(?:full[\s-]year|annual|quarterly|Q[1-4]|fiscal(?:\s+year)?|(?:first|second|third|"
                             r"fourth)[\s-]quarter|20\d\d)\s+(?:revenue|sales)\b", re.I)
_REFERENCE_AFTER = re.compile(
    r"\s*(?:(?:[\w-]+\s+){0,2}?(?:outlook|guidance|guide|expectations?|forecast)\b|"
    r"(?:[\w-]+\s+){0,2}?(?:that\s+)?(?:was\s+|were\s+)?previously\s+(?:communicated|provided|given|discussed|announced)\b|"
    r"(?:well\s+|slightly\s+|also\s+)?"
    r"(?:above|below|ahead\s+of|short\s+of|versus|vs\.?|compared\s+(?:to|with)|than|over|under|beating|exceeding|"
    r"higher\s+than|lower\s+than|better\s+than|at\s+the\s+(?:high|low|top|upper|lower)\s+end\s+of|within)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:outlook|guidance|guide|expectations?|forecast|target)\b)", re.I)
_CHANGED_TO = re.compile(r"\bto\s+(?:a\s+|an\s+)?(?:new\s+)?(?:record\s+|all-time\s+high\s+of\s+)?$", re.I)
_PART_OF = re.compile(r"(?:percent(?:age)?|%|share|portion|proportion)\s+of\s+(?:our\s+|the\s+|total\s+)*$", re.I)
_EXCLUDING_AFTER = re.compile(r"\s*,?\s*(?:[\w-]+,?\s+){0,4}?(?:excluding|ex-|exclusive\s+of|after\s+excluding)\b", re.I)
_BUSINESS = re.compile(r"\b(?:business(?:es)?|segments?|groups?|divisions?|[\w]+-centric|units?|franchises?)\b", re.I)
_ALL_ON_BASIS = re.compile(r"\b(?:all|each|both|everything|these|those)\s+(?:figures\s+|numbers\s+)?(?:are\s+)?on\s+an?\s+"
                           r"(?P<non>non[\s-]?GAAP|adjusted)?\s*(?:GAAP\s+)?basis\b"
                           r"|^\W*(?:(?:for|on)\s+(?:an?\s+)?|(?:our|the)\s+)(?:(?P<non_opener>non[\s-]?GAAP|adjusted)|GAAP)\b"
                           r"(?:\s+basis)?\s*(?:,|(?:outlook|guidance|results)\b)", re.I)  # "For non-GAAP, …"
_ANAPHORA = re.compile(r"\W*(?:(?:at\s+the\s+mid-?point|sequentially|year[\s-]+(?:over|on)[\s-]+year|on\s+an?\s+"
                       r"[\w-]+\s+basis),?\s+)?(?:this|that|it|which)\b", re.I)  # "Sequentially, this would be …"
_BY = re.compile(r"\bby\s+(?:approximately\s+|about\s+|nearly\s+|roughly\s+)?$", re.I)  # "grew … by $1.5 billion"
_CHANGE_AFTER = re.compile(r"\s*(?:(?:more|less|additional|incremental|higher|lower|fewer)\b|(?:(?:in|of)\s+)?"
                           r"(?:(?!(?:driven|by|due|as|from|with|on|led|and|or|to|which|that|a|an|the|this|for)\b)[\w-]+\s+){0,3}"
                           r"(?:growth|increase|decline|headwinds?|tailwinds?|upside|downside|"
                           r"impact|benefit|reduction)\b)", re.I)
_MOVE_AFTER = re.compile(r"\s*(?:(?:year[\s-]+(?:over|on)[\s-]+year|sequential|revenue|top[\s-]line)\s+)*"
                         r"(?:growth|increase|(?P<down>decline|decrease|reduction))\b", re.I)  # "46% growth"
_THRESHOLD = re.compile(r"\b(?:cross(?:ed|es|ing)?|surpass(?:ed|es|ing)?|top(?:ped|ping|s)?|broke|break(?:s|ing)?|"
                        r"pass(?:ed|es|ing)?)\s+(?:above\s+|over\s+|through\s+)?(?:the\s+)?$",
                        re.I)  # "crossed the $70 billion mark": a line passed, not the level
_MOVE_OF_ANOTHER = re.compile(r"\s+(?:in|of|for|at|from)\s+(?:our\s+|the\s+)?(?!(?:total\s+)?(?:revenue|sales|top[\s-]line)\b)"
                              r"(?!(?:quarter|year|period|fiscal|first|second|third|fourth|full|Q[1-4]|prior|previous|"
                              r"last|each|a|an)\b)(?=[A-Za-z])", re.I)
_PART_REVENUE = re.compile(  # "Revenue from our gaming GPUs was up 24%", "revenue in China": a part's, not the total
    r"\s+(?:from|in)\s+(?:our\s+|the\s+)?(?!(?:the\s+)?(?:quarter|year|period|fiscal|first|second|third|fourth|"
    r"full|Q[1-4]|line|continuing|a|an|range|last|prior|previous|each|total)\b)(?=[A-Za-z])", re.I)
_BASE_QUARTER = re.compile(r"[^.;$%\d]{0,25}?\b(?:from|compared\s+(?:to|with)|versus|vs\.?|over|relative\s+to)\s+"
                           r"(?:the\s+)?(?=Q[1-4]|first|second|third|fourth)", re.I)
_AT_LEVEL = re.compile(r"\bat\s+(?:the\s+|a\s+)?(?:approximately\s+|about\s+|roughly\s+)?$", re.I)
_LEVEL_AFTER = re.compile(r"\s*(?:of\s+)?(?:quarterly\s+|annual\s+)?(?:revenue\s+|sales\s+)?level\b", re.I)  # a what-if
_LONG_AGO = re.compile(r"\b(?:years?|quarters?)\s+ago\b|\blast\s+year\b|\bprior[\s-]year\b|\ba\s+year\s+earlier\b", re.I)
_VERB = r"(?:delivered|achieved|had|generated|reported|posted|grew|surpassed|saw|contributed|was|were|set|drove)"
_SUBJECT = re.compile(rf"(?P<name>[\w&-]+(?:\s+[\w&-]+){{0,3}}?)\s+(?:business|businesses|group|segment|division)\b"
                      rf"[\s,]*(?:[\w-]+\s+){{0,3}}?{_VERB}\b"
                      rf"|^\W*(?:(?:and|also|finally|our|the)\W+)*(?P<acronym>(?:[A-Z][\w&'-]*\s+){{0,3}}[A-Z][\w&'-]*)"
                      rf"\s+(?:\w+\s+){{0,2}}?{_VERB}\b")
_NOT_A_SUBJECT = re.compile(r"(?:total|overall|the\s+company|company|we|our|consolidated|revenues?|sales|net\s+sales|"
                            r"gross\s+margins?|Q[1-4]|fiscal|full|first|second|third|fourth|record|GAAP|non-GAAP|"
                            r"this|it|they|in|as|for|on|at|with|so|but|now|then|overall|total\s+revenues?|"
                            r"(?:Q[1-4]|fiscal|full[\s-]year|first|second|third|fourth)\s+(?:quarter\s+)?revenues?|"
                            r"\w+\s+revenues?)", re.I)
_MOVE = re.compile(r"\W*(?:now\s+|next\s+|and\s+)?(?:moving|turning|shifting|switching|going|let(?:'s|\s+me|\s+us)\s+"
                   r"(?:now\s+)?(?:move|turn|go|shift)|starting\s+with)\b", re.I)
_SWITCH_TO_PERIOD = re.compile(r"\W*(?:now\s+)?(?:let\s+me\s+|let's\s+)?(?:turn(?:ing)?|mov(?:e|ing))\s+(?:now\s+)?to\s+"
                               r"(?:the\s+)?(?:Q[1-4]|first|second|third|fourth|full|fiscal|next|coming)\b", re.I)
_OPENS_WITH_PERIOD = re.compile(r"\W*(?:(?:for|in|during)\s+)?(?:(?:the|our|total)\s+)?(?:Q[1-4]|first|second|third|fourth|full|fiscal|annual|"
                                r"FY|20\d\d)\b", re.I)
_EXCLUDING = re.compile(r"\b(?:excluding|ex-|exclusive\s+of|without\s+the\s+(?:impact|benefit)|adjusted\s+for|pro\s+forma|"
                        r"restated|recast|for\s+comparative\s+purposes|"
                        r"combined\s+compan(?:y|ies)|compan(?:y|ies)\s+combined|trailing\s+(?:12|twelve))\b", re.I)
_BARE_BASIS = re.compile(r"\b(?P<non>non[\s-]?GAAP|adjusted)\b(?=\s+(?:was|were|at|of|came\s+in\s+at|is|would\s+be)\b)"
                         r"|\bGAAP\b(?=\s+(?:was|were|at|of|came\s+in\s+at|is|would\s+be)\b)", re.I)
_RESULTS = re.compile(r"\bresults\b", re.I)
_EDITORIAL = re.compile(r"\((?:sic|ph|corrected|correction|see)\b[^)]*\)", re.I)  # a transcriber's note, not speech
_BOUND_PERIOD = re.compile(r"\s*,?\s*(?:in|for|during|by)\s+(?:the\s+)?", re.I)
_PREMISE = re.compile(r"\bbased\s+on\s+(?:the\s+|our\s+|its\s+)?$"  # "Based on our Q4 guidance, …"
                      r"|\b(?:from|compared\s+(?:to|with)|versus|vs\.?|relative\s+to|than)\s+(?:the\s+|a\s+|our\s+)?$",
                      re.I)  # "52.9%, flat from the third quarter": the base of a comparison
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_BASIS_AFTER = re.compile(r"^[^.;]{0,40}?\bon\s+an?\s+(?P<non>non[\s-]?GAAP|adjusted)?\s*(?:GAAP\s+)?basis", re.I)
_CLAUSE_BREAK = re.compile(r";|,\s+(?:and|but|while|whereas)\s+(?=\w+\s+(?:expect|anticipate|see|believe|are|is|"
                           r"was|were|will))|\.\s")
_RANGE_END_ONLY = re.compile(r"^\W*(?:to|through|up\s+to|and)\s+(?:approximately\s+|about\s+)?[$\d][^a-z]*"
                             r"(?:\s*(?:million|billion|thousand|percent|points?))?\W*$", re.I)
_TOLERANCE_ONLY = re.compile(r"^\s*(?:that\s+is\s+|this\s+is\s+)?(?:plus\s+(?:or|and)\s+minus|\+/-|±)\s+"
                             r"(?P<width>[\d.]+)\s*(?P<unit>%|percent|basis\s+points?|bps?)\W*$", re.I)


@dataclass(frozen=True)
class Item:
    """One guided or reported number of a call, with the sentence it was read from."""

    kind: str                 # guidance / actual
    metric: str
    segment: str | None
    basis: str                # gaap / non_gaap / none
    target_fiscal_year: int
    target_fiscal_quarter: int | None  # None: the whole fiscal year
    measure: str              # level / growth / sequential_growth
    low: float
    high: float
    unit: str                 # USD / % / USD/share / count
    qualitative: bool
    pos: int                  # the sentence's position in the call
    confidence: float
    flags: tuple[str, ...] = ()  # e.g. 'scale_slip', 'period_from_context'

    @property
    def key(self) -> tuple:
        """What makes two items the same number said twice."""
        return (self.kind, self.metric, self.segment, self.basis, self.target_fiscal_year,
                self.target_fiscal_quarter, self.measure, round(self.low, 6), round(self.high, 6), self.unit)


@dataclass(frozen=True)
class _Context:
    """What a turn has said so far that later sentences lean on: the period of its outlook, of its results."""

    outlook: Target | None = None
    results: Target | None = None
    said: Item | None = None  # the last item the turn's previous sentences yielded, for "This is an increase of …"


def extract(sentences: Sequence[Sentence], call: Period, vocabulary: Vocabulary, *,
            calendar_is_fiscal: bool = False) -> list[Item]:
    """Every guidance and reported item of a call's sentences, each said once (its first place)."""
    items: list[Item] = []
    context = _Context()
    last_turn = None
    for sentence in sentences:
        if sentence.turn_idx != last_turn:
            context, segment, last_turn, previous, said = _Context(), None, sentence.turn_idx, None, None
        if sentence.speaker_group not in MANAGEMENT:
            continue
        widened = _tolerance_only(sentence.text, previous) or _range_end_only(sentence.text, previous)
        if widened:
            items[items.index(previous)] = previous = widened
            continue
        switched = vocabulary.topic_switch(sentence.text)
        talking_of = (switched or None) if switched is not None else segment
        if switched is None and (_OPENS_WITH_PERIOD.match(sentence.text) or _PERIOD_REVENUE.search(sentence.text)):
            talking_of = None  # "Second-quarter revenue was …", "our full year revenue" after a segment: the company's
        found, context = _sentence_items(sentence, call, vocabulary, replace(context, said=said), calendar_is_fiscal)
        said = found[-1] if found else (said if not vocabulary.mentions(sentence.text) else None)
        if talking_of:  # "Moving to automotive. Revenue was $281 million": the segment's revenue, not the company's
            found = [replace(i, segment=talking_of) if i.metric == "revenue" and i.segment is None and not
                     _TOTAL.search(sentence.text) else i for i in found]
        segment = _segment_context(sentence.text, vocabulary, segment)
        items.extend(found)
        previous = found[-1] if found and found[-1].kind == GUIDANCE else None
    items = _segments_by_size(items)
    stated = {replace(i, basis="none").key for i in items if i.basis != "none"}
    seen, unique, ranges = set(), [], {}
    for item in items:  # once each; a number said again without its basis is the one said with it
        thing = (*item.key[:7], item.unit)  # all but the range
        first = ranges.get(thing)
        restated = first is not None and first[0] <= item.low and item.high <= first[1] and item.low == item.high
        if item.key not in seen and not (item.basis == "none" and item.key in stated) and not restated:
            seen.add(item.key)
            unique.append(item)  # "the guidance for Q3 of $6.8 billion" after "$6.8 billion plus or minus 2%": once
            ranges.setdefault(thing, (item.low, item.high))
    return unique


def _segments_by_size(items: list[Item]) -> list[Item]:
    """A company revenue well below another company revenue said for the same period on the same call belongs to
    a business the sentence does not name ("Q2 revenue was $209 million" in a segment's paragraph): every revenue
    item of its sentence is set apart as an unnamed segment's."""
    largest: dict[tuple, float] = {}
    for item in items:
        if item.metric == "revenue" and item.segment is None and item.measure == LEVEL:
            period = (item.kind, item.target_fiscal_year, item.target_fiscal_quarter)
            largest[period] = max(largest.get(period, 0.0), item.high)
    def is_small(item: Item) -> bool:
        return (item.metric == "revenue" and item.segment is None and item.measure == LEVEL
                and item.high < 0.8 * largest[(item.kind, item.target_fiscal_year, item.target_fiscal_quarter)])

    levels: dict[int, list[bool]] = {}
    for item in items:
        if item.metric == "revenue" and item.segment is None and item.measure == LEVEL:
            levels.setdefault(item.pos, []).append(is_small(item))
    small = {pos for pos, flags in levels.items() if all(flags)}  # a sentence with the company's total keeps it
    return [replace(i, segment=UNNAMED_SEGMENT) if i.metric == "revenue" and i.segment is None and (
        i.pos in small or (i.measure == LEVEL and is_small(i))) else i for i in items]


def _segment_context(text: str, vocabulary: Vocabulary, segment: str | None) -> str | None:
    """The segment a turn is talking about after this sentence: one it turns to or names, until it turns elsewhere
    or names another metric or the company's total."""
    switched = vocabulary.topic_switch(text)
    if switched is not None:  # "Moving to gaming." holds; "In gaming, …" speaks of gaming in its own sentence only
        return (switched or None) if _MOVE.match(text) else None
    mentions = vocabulary.mentions(text)
    named = {m.segment for m in mentions if m.segment and m.named}
    if named:  # "embedded segment revenue to be up, and the gaming segment to decline": a list holds no one segment
        listed = named | {name.lower() for name in vocabulary.segments
                          if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I)}
        return named.pop() if len(listed) == 1 else None
    if _TOTAL.search(text) or any(m.metric != "revenue" for m in mentions) or _OUTLOOK_INTRO.search(text):
        return None
    return segment


def _with_bare_bases(text: str, mentions: list[Mention], said: Item | None) -> list[Mention]:
    """"GAAP gross margin was 58.4% and non-GAAP was 59%": a bare basis names the metric said before it again (in
    the sentence, else the last one the turn said: "And non-GAAP was 56%."); "Gross margin was 60.4% and non-GAAP
    was 61%": the metric said first without a basis was GAAP."""
    found = list(mentions)
    for match in _BARE_BASIS.finditer(text):
        earlier = [m for m in found if m.end <= match.start()]
        if any(m.start <= match.start() < m.end for m in found):
            continue
        basis = "non_gaap" if match.group("non") else "gaap"
        if earlier:
            if not earlier[-1].bases and basis == "non_gaap":
                found[found.index(earlier[-1])] = replace(earlier[-1], bases=("gaap",))
            found.append(Mention(match.start(), match.end(), earlier[-1].metric, earlier[-1].segment, (basis,),
                                 earlier[-1].named))
        elif said is not None and not mentions and match.start() < 12:
            found.append(Mention(match.start(), match.end(), said.metric, said.segment, (basis,)))
    return sorted(found, key=lambda m: m.start)


def _tolerance_only(text: str, previous: Item | None) -> Item | None:
    """'Plus or minus 2%.' said alone right after a point guidance: that guidance widened."""
    match = _TOLERANCE_ONLY.match(text)
    if not match or previous is None or previous.low != previous.high:
        return None
    width = float(match.group("width"))
    if match.group("unit").lower().startswith(("basis", "bp")):
        width /= 100
        if previous.unit != PERCENT:
            return None
    elif previous.unit != PERCENT:
        width = abs(previous.low) * width / 100
    return replace(previous, low=previous.low - width, high=previous.high + width)


def _range_end_only(text: str, previous: Item | None) -> Item | None:
    """'To $2.5 billion.' said alone right after a point guidance (a range split across two sentences): the range
    from that point to this end."""
    match = _RANGE_END_ONLY.match(text)
    if not match or previous is None or previous.low != previous.high:
        return None
    found = amounts(text)
    if len(found) != 1 or found[0].unit != previous.unit or found[0].low != found[0].high or found[0].low <= previous.low:
        return None
    return replace(previous, high=found[0].high)


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def _sentence_items(sentence: Sentence, call: Period, vocabulary: Vocabulary, context: _Context,
                    calendar_is_fiscal: bool) -> tuple[list[Item], _Context]:
    text = sentence.text
    mentions = _with_bare_bases(text, vocabulary.mentions(text), context.said)
    first_number = re.search(r"\d", text)
    if context.said is not None and _ANAPHORA.match(text) and first_number and not any(
            m.start < first_number.start() for m in mentions):
        said = context.said  # "This would be an increase of approximately 8% year-over-year."
        mentions = [Mention(0, 0, said.metric, said.segment, () if said.basis == "none" else (said.basis,)),
                    *mentions]
    ahead = [t for t in _periods(text, call, True, calendar_is_fiscal) if t.trackable]
    opens_outlook = _OUTLOOK_INTRO.search(text) or _SWITCH_TO_PERIOD.match(text) or (
        _OPENS_WITH_PERIOD.match(text) and _FUTURE.search(text) and not mentions)  # "In Q2, we expect strong …"
    if opens_outlook and not _PAST.search(text) and ahead:
        context = _Context(outlook=ahead[0])  # "Turning to the outlook for the fourth quarter."
    else:  # "Now let me turn to our full year results."; "the specifics of the fourth quarter, where I will be …"
        said_in_past = _PAST.search(text) or _RESULTS.search(text) or not _FUTURE.search(text)
        back_to_results = _PAST.search(text) and not _FUTURE.search(text)  # "So, 2010 was the most profitable year"
        for target in _periods(text, call, False, calendar_is_fiscal):
            if target.trackable and _is_reported((target.fiscal_year, target.fiscal_quarter), call) and (
                    said_in_past or target.fiscal_quarter is not None):
                context = replace(context, results=target, outlook=None if back_to_results else context.outlook)
    if not mentions:
        return [], context
    notes = [match.span() for match in _EDITORIAL.finditer(text)]
    found = [a for a in amounts(text) if not any(start <= a.start < end for start, end in notes)]
    items: list[Item] = []
    for clause_start, clause_end in _clauses(text):
        clause_amounts = [a for a in found if clause_start <= a.start < clause_end]
        for mention, assigned in _assign(text, mentions, clause_amounts, clause_start, clause_end):
            for basis, amount in assigned:
                later = [a.start for a in clause_amounts if a.start > amount.start]
                item = _item(sentence, call, vocabulary, mention, basis, amount, (clause_start, clause_end),
                             later[0] if later else clause_end, context, calendar_is_fiscal)
                if item:
                    items.append(item)
    explicit = [i for i in items if i.kind == GUIDANCE and "period_from_context" not in i.flags]
    if explicit:  # "For the full year, we expect gross margins …": the year is the turn's period from here on
        context = replace(context, outlook=Target(0, 0, explicit[-1].target_fiscal_year,
                                                  explicit[-1].target_fiscal_quarter))
    return items, context


def _assign(text: str, mentions: list[Mention], clause_amounts: list[Amount], clause_start: int,
            clause_end: int) -> list[tuple[Mention, list[tuple[str, Amount]]]]:
    """Each amount of a clause tied to its metric mention and basis."""
    out: dict[int, list[tuple[str, Amount]]] = {}
    by_mention: dict[int, list[Amount]] = {}
    for amount in clause_amounts:
        mention = _mention_of(text, mentions, amount, clause_start)
        if mention is not None:
            by_mention.setdefault(mentions.index(mention), []).append(amount)
    for index, tied in by_mention.items():
        mention = mentions[index]
        bases = mention.bases or _basis_after(text, mention.end, clause_end) or (
            _basis_for_all(text) if mention.metric != "revenue" else ())  # revenue: one number on any basis
        if len(bases) > 1 and len(tied) == len(bases) and (_RESPECTIVELY.search(text, mention.end, clause_end)
                                                           or len(tied) > 1):
            out[index] = list(zip(bases, tied))
        elif len(bases) > 1 and len(tied) == 1:
            out[index] = [(basis, tied[0]) for basis in bases]
        else:
            out[index] = [(bases[0] if bases else "none", amount) for amount in tied]
    return [(mentions[index], pairs) for index, pairs in sorted(out.items())]


def _basis_for_all(text: str) -> tuple[str, ...]:
    """"…, EPS of $0.10, all on a non-GAAP basis", "Our GAAP outlook is as follows -- …": one basis said for every
    figure of the sentence."""
    match = _ALL_ON_BASIS.search(text)
    if not match:
        return ()
    return ("non_gaap",) if match.group("non") or match.group("non_opener") else ("gaap",)


def _basis_after(text: str, start: int, end: int) -> tuple[str, ...]:
    match = _BASIS_AFTER.match(text[start:end])
    if not match:
        return ()
    return ("non_gaap",) if match.group("non") else ("gaap",)


def _mention_of(text: str, mentions: list[Mention], amount: Amount, clause_start: int) -> Mention | None:
    """The metric an amount belongs to: the nearest named before it in its clause (no other amount's metric in
    between), else one named right after it ("$6 billion in revenue")."""
    mentions = [m for m in mentions if not _PART_OF.search(text[max(0, m.start - 30):m.start])]
    before = [m for m in mentions if clause_start <= m.start and m.end <= amount.start]
    move = _MOVE_AFTER.match(text[amount.end:]) if amount.unit == PERCENT else None
    if move and _MOVE_OF_ANOTHER.match(text[amount.end + move.end():]):
        return None  # "driven by a 13% decline in the Computing segment": another thing's move
    if _CHANGE_AFTER.match(text[amount.end:]) and not move:
        return None  # "$700 million more revenue", "$2.2 billion in revenue growth": a change, no level
    after = [m for m in mentions if m.start >= amount.end and
             re.fullmatch(r"\s*(?:(?:year[\s-]+(?:over|on)[\s-]+year|sequential)\s+)?(?:(?:growth|increase|decline|decrease)\s+)?"
                          r"(?:(?:in|of)\s+|percent(?:age)?\s+)?"
                          r"(?:total\s+|non[\s-]?GAAP\s+|GAAP\s+|adjusted\s+)*", text[amount.end:m.start], re.I)]
    if after:
        return after[0]
    if before:
        return before[-1]
    return None


def _item(sentence: Sentence, call: Period, vocabulary: Vocabulary, mention: Mention, basis: str, amount: Amount,
          clause: tuple[int, int], following: int, context: _Context, calendar_is_fiscal: bool) -> Item | None:
    text = sentence.text
    left = text[clause[0]:amount.start]
    if _not_a_value(left, text[amount.end:], text[amount.end:following]):
        return None
    kind = _kind(text, clause, amount) or (
        ACTUAL if _RESULTS.search(text) and sentence.section != "qa" else
        GUIDANCE if context.outlook is not None else
        ACTUAL if sentence.section != "qa" else None)  # answers must say which
    if kind is None:
        return None
    metric = vocabulary.metric(mention.metric)
    measure = _measure(text, clause, mention, amount, metric.unit, following)
    if measure is None:
        return None
    low, high = amount.low, amount.high
    move_after = _MOVE_AFTER.match(text[amount.end:])
    if measure != LEVEL and high > 0 and (_falling(text[max(clause[0], mention.start):amount.start]) or (
            move_after and move_after.group("down"))):
        low, high = -high, -low
    flags, confidence = [], 0.9
    target = _target(text, clause, amount, call, kind, context, calendar_is_fiscal)
    if target is None:
        return None
    period, from_context = target
    if from_context:
        flags.append("period_from_context")
        confidence -= 0.15
    if measure != LEVEL:  # "down 4% from Q4": the quarter it is compared with says which growth
        measure = _compared_with(text[amount.end:min(clause[1], amount.end + 80)], call, period) or measure
    if kind == GUIDANCE and (_LONG_TERM.search(text[clause[0]:clause[1]]) or not _ahead(period, call)):
        return None
    if kind == ACTUAL and (not _is_reported(period, call) or _LONG_AGO.search(left)):
        return None
    segment = mention.segment or (_segment_subject(text[clause[0]:mention.start]) if metric.key == "revenue"
                                  else None)
    if metric.key == "revenue" and segment is None and (_BUSINESS.search(text[mention.end:amount.start]) or (
            mention.end < amount.start and _PART_REVENUE.match(text, mention.end))):
        segment = UNNAMED_SEGMENT  # "revenue from our data-centric businesses to be up 10%"
    if amount.qualitative:
        confidence -= 0.2
    if amount.scale_slip:
        flags.append("scale_slip")
        confidence -= 0.3
    if mention.start > amount.start:
        confidence -= 0.05
    if amount.start - mention.end > 120:
        confidence -= 0.1
    return Item(kind, metric.key, segment, basis, period[0], period[1], measure, low, high,
                amount.unit, amount.qualitative, sentence.pos, round(max(confidence, 0.1), 2), tuple(flags))


def _not_a_value(left: str, right: str, to_next: str) -> bool:
    """Whether an amount is no value of its own from what is said around it: an earlier outlook recalled, a
    comparison's base, a figure excluding something, a line crossed, a what-if level ("at the $1.3 billion revenue
    level, we …")."""
    return bool((_REFERENCE.search(left) and not _NEW_GUIDE.search(left)) or _EXCLUDING.search(left)
                or _THRESHOLD.search(left) or _COMPARISON_BEFORE.search(left[-40:]) or _COMPARISON_AFTER.match(right)
                or _REFERENCE_AFTER.match(right) or _EXCLUDING_AFTER.match(to_next)
                or (_AT_LEVEL.search(left) and _LEVEL_AFTER.match(right)))


def _kind(text: str, clause: tuple[int, int], amount: Amount) -> str | None:
    """Guidance or a reported result, from the nearest tense cue before the amount in its clause (else after)."""
    left = _NOT_A_CUE.sub(_blank, text[clause[0]:amount.start])
    right = _NOT_A_CUE.sub(_blank, text[amount.end:clause[1]])
    cues = [(m.end(), GUIDANCE) for m in _FUTURE.finditer(left)] + [(m.end(), ACTUAL) for m in _PAST.finditer(left)]
    if cues:
        return max(cues)[1]
    future, past = _FUTURE.search(right), _PAST.search(right)
    if future and (not past or future.start() < past.start()):
        return GUIDANCE
    if past:
        return ACTUAL
    return None


def _segment_subject(before: str) -> str | None:
    """The business a clause's subject names before its revenue: "Our Internet of Things business achieved record
    revenue", "NEX achieved …", "Data Center delivered record segment revenue"."""
    match = _SUBJECT.search(before)
    if match:
        name = re.sub(r"^(?:(?:our|the|and|also)\s+)+", "", match.group("name") or match.group("acronym"), flags=re.I)
        if not _NOT_A_SUBJECT.fullmatch(name) and is_business_name(name):
            return name.lower()
    if re.search(r"\bsegment\b", before, re.I):
        return "segment"
    return None


def _falling(left: str) -> bool:
    """Whether the direction word nearest before a growth amount says it falls ("down 4%", "a decrease of 10%")."""
    words = list(_DIRECTION.finditer(left))
    return bool(words) and bool(_NEGATIVE.fullmatch(words[-1].group(0)))


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def _measure(text: str, clause: tuple[int, int], mention: Mention, amount: Amount, unit: str,
             following: int) -> str | None:
    """Level, growth or sequential growth; None when the amount is no value of the metric. `following` is where
    the clause's next amount starts: what is said between tells this amount's comparison ("10% year-over-year")."""
    left = text[max(clause[0], mention.end):amount.start]
    after = text[amount.end:following]
    if _SHARE_OF.match(after) or _RUN_RATE.search(text[clause[0]:clause[1]]):
        return None
    change = (_CHANGE_BEFORE.search(left[-45:]) or re.search(r"\bgrowth\b", text[mention.start:amount.start], re.I)
              or _MOVE_AFTER.match(after))
    if amount.points or (amount.qualitative and amount.high == 0 and unit == PERCENT):
        return None  # "280 basis points better", "flat from a year ago": a rate's move, no level
    if amount.unit == unit or (unit == PER_SHARE and amount.unit == USD and amount.high < 100) or (
            unit == COUNT and amount.unit == COUNT and amount.high >= 1e6):
        if (change and not _CHANGED_TO.search(left)) or _BY.search(left):
            return None  # "up $1.5 billion", a margin "up 370 basis points": a change, no level
        return LEVEL      # "decreased 10% sequentially to $958 million": the level it came to
    if amount.unit != PERCENT or amount.points or unit not in (USD, COUNT, PER_SHARE):
        return None  # a growth rate is in percent; "down 1 point" moves a rate, not an amount
    own = text[amount.start:amount.end]  # "15% sequentially, plus or minus 3%"
    if mention.start > amount.start:  # "high single-digit percentage revenue growth"
        change = change or re.search(r"\bgrowth\b", text[mention.end:mention.end + 12], re.I)
    if _SEQUENTIAL.search(own) or _SEQUENTIAL.search(after[:40]):
        return SEQUENTIAL
    if _YEAR_OVER_YEAR.search(own) or _YEAR_OVER_YEAR.search(after[:40]):
        return GROWTH
    if change:
        return SEQUENTIAL if _SEQUENTIAL.search(text[clause[0]:amount.start]) else GROWTH
    return None


def _target(text: str, clause: tuple[int, int], amount: Amount, call: Period, kind: str,
            context: _Context, calendar_is_fiscal: bool) -> tuple[tuple[int, int | None], bool] | None:
    """((fiscal year, quarter or None), whether it came from the turn's context) of an amount."""
    said = _periods(text[clause[0]:clause[1]], call, kind == GUIDANCE, calendar_is_fiscal)
    offset = amount.start - clause[0]
    before = [t for t in said if t.start <= offset]
    gap = [text[amount.end:clause[0] + t.start] for t in said]
    right_after = [t for t, between in zip(said, gap) if 0 <= len(between) <= 25]  # "58% for the year"
    bound = [t for t, between in zip(said, gap) if _BOUND_PERIOD.fullmatch(between)]  # "… 51% to 53% in Q4"
    if (right_after and not before) or bound:
        said, before = bound or right_after, []
    if said and (before or right_after or (kind == GUIDANCE and context.outlook is None)):
        target = before[-1] if before else said[0]  # a period named after the amount, when nothing else tells
        if not target.trackable:
            return None
        return (target.fiscal_year, target.fiscal_quarter), False
    earlier = _periods(text[:clause[0]], call, kind == GUIDANCE, calendar_is_fiscal)
    if earlier:  # "For the full year 2021, we expect …; we expect gross margin to be …"
        if not earlier[-1].trackable:
            return None
        return (earlier[-1].fiscal_year, earlier[-1].fiscal_quarter), False
    if kind == ACTUAL:
        if context.results is not None:
            return (context.results.fiscal_year, context.results.fiscal_quarter), False
        return (call.fiscal_year, call.fiscal_quarter), False
    if context.outlook is not None:
        return (context.outlook.fiscal_year, context.outlook.fiscal_quarter), True
    return None


def _compared_with(after: str, call: Period, period: tuple[int, int | None]) -> str | None:
    """Sequential or year-over-year growth, by the quarter an amount is compared with ("up 18% compared to the third
    quarter of 2009" in the fourth quarter's call: sequential); None when no quarter is named."""
    match = _BASE_QUARTER.match(after)
    if not match or period[1] is None:
        return None
    named = targets(after[match.end():], call, future=False)
    if not named or named[0].start != 0 or named[0].fiscal_quarter is None:
        return None
    apart = Period(*period).ordinal - Period(named[0].fiscal_year, named[0].fiscal_quarter).ordinal
    return SEQUENTIAL if apart == 1 else GROWTH if apart == 4 else None


def _periods(text: str, call: Period, future: bool, calendar_is_fiscal: bool) -> list[Target]:
    """The periods a text is about, but not one a premise names ("Based on our Q4 guidance, we expect …")."""
    return [t for t in targets(text, call, future=future, calendar_is_fiscal=calendar_is_fiscal)
            if not _PREMISE.search(text[:t.start])]


def _ahead(period: tuple[int, int | None], call: Period) -> bool:
    """Whether guidance's period is still to be reported after the call (the call's own year counts)."""
    year, quarter = period
    if quarter is None:
        return year >= call.fiscal_year
    return (year, quarter) > (call.fiscal_year, call.fiscal_quarter)


def _is_reported(period: tuple[int, int | None], call: Period) -> bool:
    """A reported result is about the reported quarter, or the fiscal year a fourth quarter's call closes."""
    year, quarter = period
    if quarter is None:
        return call.fiscal_quarter == 4 and year == call.fiscal_year
    return (year, quarter) == (call.fiscal_year, call.fiscal_quarter)
