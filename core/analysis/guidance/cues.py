"""The phrases of spoken English the guidance reader relies on: tense cues, references to earlier outlooks,
comparisons, moves, bases, periods said in passing. Patterns only; core/analysis/guidance/sentence.py applies them."""
from __future__ import annotations

import re

FUTURE = re.compile(
    r"\b(?:expect(?:s|ed|ing|ation|ations)?|anticipat\w*|forecast\w*|outlook|guid(?:e|es|ed|ing|ance)|"
    r"project(?:s|ed|ing)?|should\s+(?:be|come|grow|increase|decline)|will\s+(?:be|grow|increase|decline|come)|"
    r"(?:are|is)\s+going\s+to|we\s+see|looking\s+for|on\s+(?:a\s+)?(?:path|track|pace)\s+(?:to|for)|plan(?:s|ning)?\s+(?:for|to|on)|target(?:s|ing)?|"
    r"estimat\w+|(?:rais(?:e|ing)|lower(?:ing)?)\s+(?:our\s+|the\s+|its\s+)?(?:[\w-]+\s+){0,3}?(?:guidance|outlook|"
    r"expectations?|forecast|range|guide)|reaffirm\w*|reiterat\w*|maintain(?:ing)?|narrow(?:ing)?|"
    r"(?:are|is)\s+likely|believe\s+(?:that\s+)?(?:revenue|gross|we)|for\s+the\s+(?:coming|next)|to\s+be)\b",
    re.I,
)
PAST = re.compile(
    r"\b(?:was|were|came\s+in|grew|rose|increased|decreased|declined|fell|dropped|reached|totall?ed|delivered|"
    r"reported|posted|achieved|ended|generated|improved|expanded|contracted|exceeded|finished|closed|"
    r"amounted|represented|set\s+a\s+record|hit|turned\s+out|came\s+out|landed|had|coming\s+in|crossed|"
    r"continued\s+to|accelerated|saw|executed|delivering|posting|generating|achieving|reporting)\b",
    re.I,
)
NOT_A_CUE = re.compile(r"\b(?:better|worse|stronger|weaker|higher|lower|more|less)[\s-]+than[\s-]+(?:we\s+)?"
                        r"(?:expected|anticipated|forecast|projected|guided)|\bas\s+(?:we\s+)?(?:expected|anticipated|"
                        r"guided|forecast)|\bin\s+line\s+with\s+(?:our\s+)?(?:expectations|outlook|guidance)|"
                        r"\b(?:compared\s+(?:to|with)|versus|than|above|below|ahead\s+of|short\s+of|exceed\w*|beat\w*)\s+"
                        r"(?:the\s+)?(?:(?:our|its|their)\s+)?(?:[\w-]+\s+){0,3}?(?:guide|guidance|outlook|expectations?|"
                        r"forecast)\b", re.I)
REFERENCE = re.compile(  # an earlier outlook recalled, not a new one
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
NEW_GUIDE = re.compile(  # "we reaffirm our revenue guidance of $76 billion": the guide given now, no reference
    r"\b(?:reaffirm\w*|reiterat\w*|maintain\w*|(?:rais|increas|updat)(?:e|es|ed|ing)|lower(?:s|ed|ing)|narrow\w*|"
    r"tighten\w*|introduc\w*|initiat\w*|provid(?:e|es|ing)|issu(?:e|es|ing)|expect\w*)\s+(?:our\s+|the\s+|its\s+|a\s+)?"
    r"(?:[\w'-]+\s+){0,4}?(?:outlook|guidance|guide|forecast)\s+(?:range\s+)?(?:to|of|at)\s+"
    r"(?:approximately\s+|about\s+|roughly\s+)?$", re.I)
KEPT_AFTER = re.compile(r"[^.;]{0,60}?\b(?:is|are|remains?)\s+(?:unchanged|intact|the\s+same|reaffirmed|reiterated)\b",
                        re.I)  # "Our expectation of … for 2012 is unchanged": the guide given again now
COMPARISON_BEFORE = re.compile(
    r"(?:\bfrom|compared\s+(?:to|with)|versus|\bvs\.?|(?<!greater\s)(?<!more\s)\bthan|(?<!just\s)(?<!slightly\s)(?<!well\s)\bover|"
    r"year[\s-]ago\s+(?:level\s+)?of|"
    r"last\s+year'?s?|prior\s+year'?s?|previous\s+quarter'?s?|prior\s+quarter'?s?)\s+"
    r"(?:a\s+|the\s+|our\s+)?(?:record\s+|approximately\s+|about\s+)?$",
    re.I,
)
COMPARISON_AFTER = re.compile(
    r"^\s*,?\s*(?:a\s+year\s+ago|last\s+year|last\s+quarter|in\s+the\s+(?:prior|previous|same|year[\s-]ago)\s+"
    r"(?:year|quarter|period)|in\s+the\s+year[\s-]ago|(?:in|for)\s+(?:Q[1-4]|the\s+\w+\s+quarter)\s+(?:of\s+)?"
    r"last\s+year|previously|a\s+quarter\s+ago|in\s+fiscal\s+(?:'?\d{2}|\d{4})\s+ago|"
    r"(?:above|below|over|higher\s+than|lower\s+than|more\s+than|less\s+than)\s+(?:the\s+)?(?:previous|prior|last|a)\s+"
    r"(?:year|quarter))",
    re.I,
)
MOVES = (r"up|down|grow\w*|grew|increas\w*|decreas\w*|declin\w*|higher|lower|ris\w*|fall\w*|contract\w*|reduc\w*|"
          r"drop\w*|expan\w*|gain\w*|improv\w*")  # the words that say an amount is a move, not a level
CHANGE_BEFORE = re.compile(rf"\b(?P<dir>{MOVES})\b[^.;,$%\d]{{0,40}}$", re.I)
SEQUENTIAL = re.compile(r"\bsequential(?:ly)?\b|quarter[\s-]+(?:over|on)[\s-]+quarter|\bq/q\b|"
                         r"from\s+(?:the\s+)?(?:prior|previous|last|third|second|first|fourth)\s+quarter", re.I)
YEAR_OVER_YEAR = re.compile(r"\byear[\s-]+(?:over|on)[\s-]+year\b|\by/y\b|\byoy\b|\bfrom\s+(?:a|"
                            r"the)\s+(?:year[\s-]ago|prior\s+year)|"
                             r"\bversus\s+(?:last|a)\s+year", re.I)
DIRECTION = re.compile(rf"\b(?:{MOVES})\b", re.I)
NEGATIVE = re.compile(r"\b(?:down|decreas\w*|declin\w*|lower|fall|falling|contract\w*|reduc\w*|drop\w*)\b", re.I)
SHARE_OF = re.compile(r"^\s*(?:of|to)\s+(?:our\s+|the\s+|total\s+)*(?:total\s+)?(?:revenue|sales|mix)", re.I)
LONG_TERM = re.compile(r"\blong(?:er)?[\s-]term\b|\bintermediate[\s-]term\b|\bultimately\b|\brule\s+of\s+thumb\b|"
                        r"\b(?:fall|flow)[\s-]through\b|\bCAGR\b|\bover\s+the\s+next\s+(?:\w+\s+){0,3}years\b|\bover\s+time\b|\btarget\s+model\b|\bfinancial\s+model\b|"
                        r"\bnext\s+(?:few|several|\w+)\s+years\b|\beventually\b|\bover\s+the\s+cycle\b|"
                        r"\bby\s+(?:fiscal\s+)?(?:20\d\d|'\d\d)\b|\bin\s+the\s+future\b", re.I)
OUTLOOK_INTRO = re.compile(r"\b(?:outlook|guidance|look(?:ing)?\s+(?:ahead|forward)|as\s+we\s+look|"
                            r"(?:turn(?:ing)?|mov(?:e|ing))\s+(?:now\s+)?to\s+(?:the\s+)?(?:full[\s-]year|fiscal|20\d\d|"
                            r"next\s+year))\b", re.I)
RUN_RATE = re.compile(r"\brun[\s-]rate\b|\bannuali[sz]ed\b|\bbacklog\b|\bpipeline\b|\bbreak[\s-]?even\b", re.I)
SEASONAL_NORM = re.compile(r"\b(?:normal|average|typical|historical|usual)\s+seasonal(?:ity)?\b[^.;$%\d]{0,40}$",
                           re.I)  # "the average seasonal decline of down 1%": a norm, not this year's
TOTAL = re.compile(r"\b(?:total|overall|company[\s-]wide|consolidated)\b|\bfor\s+the\s+company\b", re.I)
PERIOD_REVENUE = re.compile(r"\b(?:full[\s-]year|annual|quarterly|Q[1-4]|fiscal(?:\s+year)?|(?:first|second|third|"
                             r"fourth)[\s-]quarter|20\d\d)\s+(?:revenue|sales)\b", re.I)
REFERENCE_AFTER = re.compile(
    r"\s*(?:(?:[\w-]+\s+){0,2}?(?:outlook|guidance|guide|expectations?|forecast)\b|"
    r"(?:[\w-]+\s+){0,2}?(?:that\s+)?(?:was\s+|were\s+)?previously\s+(?:communicated|provided|given|discussed|announced)\b|"
    r"(?:well\s+|slightly\s+|also\s+)?"
    r"(?:above|below|ahead\s+of|short\s+of|versus|vs\.?|compared\s+(?:to|with)|than|over|under|beating|exceeding|"
    r"higher\s+than|lower\s+than|better\s+than|at\s+the\s+(?:high|low|top|upper|lower)\s+end\s+of|within)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:outlook|guidance|guide|expectations?|forecast|target)\b)", re.I)
CHANGED_TO = re.compile(r"\bto\s+(?:a\s+|an\s+)?(?:new\s+)?(?:record\s+|all-time\s+high\s+of\s+)?$", re.I)
PART_OF = re.compile(r"(?:percent(?:age)?|%|share|portion|proportion)\s+of\s+(?:our\s+|the\s+|total\s+)*$", re.I)
EXCLUDING_AFTER = re.compile(r"\s*,?\s*(?:[\w-]+,?\s+){0,4}?(?:excluding|ex-|exclusive\s+of|after\s+excluding)\b", re.I)
BUSINESS = re.compile(r"\b(?:business(?:es)?|segments?|groups?|divisions?|[\w]+-centric|units?|franchises?)\b", re.I)
ALL_ON_BASIS = re.compile(r"\b(?:all|each|both|everything|these|those)\s+(?:figures\s+|"
                          r"numbers\s+)?(?:are\s+)?on\s+an?\s+"
                           r"(?P<non>non[\s-]?GAAP|adjusted)?\s*(?:GAAP\s+)?basis\b"
                           r"|^\W*(?:(?:for|on)\s+(?:an?\s+)?|(?:our|the)\s+)(?:(?P<non_opener>non[\s-]?GAAP|adjusted)|GAAP)\b"
                           r"(?:\s+basis)?\s*(?:,|(?:outlook|guidance|results)\b)", re.I)  # "For non-GAAP, …"
ANAPHORA = re.compile(r"\W*(?:(?:at\s+the\s+mid-?point|sequentially|year[\s-]+(?:over|on)[\s-]+year|on\s+an?\s+"
                       r"[\w-]+\s+basis),?\s+)?(?:this|that|it|which)\b", re.I)  # "Sequentially, this would be …"
BY = re.compile(r"\bby\s+(?:approximately\s+|about\s+|nearly\s+|roughly\s+)?$", re.I)  # "grew … by $1.5 billion"
CHANGE_AFTER = re.compile(r"\s*(?:(?:more|less|additional|incremental|higher|lower|fewer)\b|(?:(?:in|of)\s+)?"
                           r"(?:(?!(?:driven|by|due|as|from|with|on|led|and|or|to|which|that|a|an|the|this|for)\b)[\w-]+\s+){0,3}"
                           r"(?:growth|increase|decline|headwinds?|tailwinds?|upside|downside|"
                           r"impact|benefit|reduction)\b)", re.I)
MOVE_AFTER = re.compile(r"\s*(?:(?:year[\s-]+(?:over|on)[\s-]+year|sequential|revenue|top[\s-]line)\s+)*"
                         r"(?:growth|increase|(?P<down>decline|decrease|reduction))\b", re.I)  # "46% growth"
THRESHOLD = re.compile(r"\b(?:cross(?:ed|es|ing)?|surpass(?:ed|es|ing)?|top(?:ped|ping|s)?|broke|break(?:s|ing)?|"
                        r"pass(?:ed|es|ing)?)\s+(?:above\s+|over\s+|through\s+)?(?:the\s+)?$",
                        re.I)  # "crossed the $70 billion mark": a line passed, not the level
MOVE_OF_ANOTHER = re.compile(r"\s+(?:in|of|for|at|from)\s+(?:our\s+|the\s+)?(?!(?:total\s+)?(?:revenue|sales|"
                             r"top[\s-]line)\b)"
                              r"(?!(?:quarter|year|period|fiscal|first|second|third|fourth|full|Q[1-4]|prior|previous|"
                              r"last|each|a|an)\b)(?=[A-Za-z])", re.I)
PART_REVENUE = re.compile(  # "Revenue from our gaming GPUs was up 24%", "revenue in China": a part's, not the total
    r"\s+(?:from|in)\s+(?:our\s+|the\s+)?(?!(?:the\s+)?(?:quarter|year|period|fiscal|first|second|third|fourth|"
    r"full|Q[1-4]|line|continuing|a|an|range|last|prior|previous|each|total)\b)(?=[A-Za-z])", re.I)
BASE_QUARTER = re.compile(r"[^.;$%\d]{0,25}?\b(?:from|compared\s+(?:to|with)|versus|vs\.?|over|relative\s+to)\s+"
                           r"(?:the\s+)?(?=Q[1-4]|first|second|third|fourth)", re.I)
AT_LEVEL = re.compile(r"\bat\s+(?:the\s+|a\s+)?(?:approximately\s+|about\s+|roughly\s+)?$", re.I)
LEVEL_AFTER = re.compile(r"\s*(?:of\s+)?(?:quarterly\s+|annual\s+)?(?:revenue\s+|sales\s+)?level\b", re.I)  # a what-if
LONG_AGO = re.compile(r"\b(?:years?|quarters?)\s+ago\b|\blast\s+year\b|\bprior[\s-]year\b|\ba\s+year\s+earlier\b", re.I)
VERB = r"(?:delivered|achieved|had|generated|reported|posted|grew|surpassed|saw|contributed|was|were|set|drove)"
SUBJECT = re.compile(rf"(?P<name>[\w&-]+(?:\s+[\w&-]+){{0,3}}?)\s+(?:business|businesses|group|segment|division)\b"
                      rf"[\s,]*(?:[\w-]+\s+){{0,3}}?{VERB}\b"
                      rf"|^\W*(?:(?:and|also|finally|our|the)\W+)*(?P<acronym>(?:[A-Z][\w&'-]*\s+){{0,3}}[A-Z][\w&'-]*)"
                      rf"\s+(?:\w+\s+){{0,2}}?{VERB}\b")
NOT_A_SUBJECT = re.compile(r"(?:total|overall|the\s+company|company|we|our|consolidated|revenues?|sales|net\s+sales|"
                            r"gross\s+margins?|Q[1-4]|fiscal|full|first|second|third|fourth|record|GAAP|non-GAAP|"
                            r"this|it|they|in|as|for|on|at|with|so|but|now|then|overall|total\s+revenues?|"
                            r"(?:Q[1-4]|fiscal|full[\s-]year|first|second|third|fourth)\s+(?:quarter\s+)?revenues?|"
                            r"\w+\s+revenues?)", re.I)
MOVE = re.compile(r"\W*(?:now\s+|next\s+|and\s+)?(?:moving|turning|shifting|switching|going|let(?:'s|\s+me|\s+us)\s+"
                   r"(?:now\s+)?(?:move|turn|go|shift)|starting\s+with)\b", re.I)
SWITCH_TO_PERIOD = re.compile(r"\W*(?:now\s+)?(?:let\s+me\s+|let's\s+)?(?:turn(?:ing)?|mov(?:e|ing))\s+(?:now\s+)?to\s+"
                               r"(?:the\s+)?(?:Q[1-4]|first|second|third|fourth|full|fiscal|next|coming)\b", re.I)
OPENS_WITH_PERIOD = re.compile(r"\W*(?:(?:for|in|during)\s+)?(?:(?:the|our|total)\s+)?(?:Q[1-4]|first|second|third|"
                               r"fourth|full|fiscal|annual|"
                                r"FY|20\d\d)\b", re.I)
EXCLUDING = re.compile(r"\b(?:excluding|ex-|exclusive\s+of|without\s+the\s+(?:impact|benefit)|adjusted\s+for|"
                       r"pro\s+forma|"
                        r"restated|recast|for\s+comparative\s+purposes|"
                        r"combined\s+compan(?:y|ies)|compan(?:y|ies)\s+combined|trailing\s+(?:12|twelve))\b", re.I)
BARE_BASIS = re.compile(r"\b(?P<non>non[\s-]?GAAP|adjusted)\b(?=\s+(?:was|were|at|of|came\s+in\s+at|is|would\s+be)\b)"
                         r"|\bGAAP\b(?=\s+(?:was|were|at|of|came\s+in\s+at|is|would\s+be)\b)", re.I)
RESULTS = re.compile(r"\bresults\b", re.I)
EDITORIAL = re.compile(r"\((?:sic|ph|corrected|correction|see)\b[^)]*\)", re.I)  # a transcriber's note, not speech
BOUND_PERIOD = re.compile(r"\s*,?\s*(?:in|for|during|by)\s+(?:the\s+)?", re.I)
PREMISE = re.compile(r"\bbased\s+on\s+(?:the\s+|our\s+|its\s+)?$"  # "Based on our Q4 guidance, …"
                      r"|\b(?:from|compared\s+(?:to|with)|versus|vs\.?|relative\s+to|than)\s+(?:the\s+|a\s+|our\s+)?$",
                      re.I)  # "52.9%, flat from the third quarter": the base of a comparison
RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
BASIS_AFTER = re.compile(r"^[^.;]{0,40}?\bon\s+an?\s+(?P<non>non[\s-]?GAAP|adjusted)?\s*(?:GAAP\s+)?basis", re.I)
CLAUSE_BREAK = re.compile(r";|,\s+(?:and|but|while|whereas)\s+(?=\w+\s+(?:expect|anticipate|see|believe|are|is|"
                           r"was|were|will))|\.\s")
RANGE_END_ONLY = re.compile(r"^\W*(?:to|through|up\s+to|and)\s+(?:approximately\s+|about\s+)?[$\d][^a-z]*"
                             r"(?:\s*(?:million|billion|thousand|percent|points?))?\W*$", re.I)
TOLERANCE_ONLY = re.compile(r"^\s*(?:that\s+is\s+|this\s+is\s+)?(?:plus\s*(?:or|and|/)\s*minus|\+/-|±)\s+"
                             r"(?P<width>[\d.]+)\s*(?P<unit>%|percent|basis\s+points?|bps?)\W*$", re.I)
