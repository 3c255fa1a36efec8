"""One invented earnings call (no third-party text), written out in the shapes the parsers read: StreetEvents text
and a fool.com page saved as text. The same call in both shapes must parse to the same speakers, sections and text.
"""
from __future__ import annotations

from dataclasses import dataclass

FILLER = "Demand held up in every region, and we kept our costs in line with the plan we set at the start of the year."


def filler(times: int) -> str:
    return " ".join([FILLER] * times)


@dataclass(frozen=True)
class Person:
    name: str
    firm: str
    role: str
    kind: str


DANA = Person("Dana Reyes", "Acme Widgets Inc", "Vice President, Investor Relations", "executive")
LEE = Person("Lee Okafor", "Acme Widgets Inc", "Chief Financial Officer", "executive")
SAM = Person("Sam Patel", "Northbank Securities", "Analyst", "analyst")
KIM = Person("Kim Wu", "Eastgate Capital", "Analyst", "analyst")
OPERATOR = Person("Operator", "", "", "operator")

# (speaker, section, paragraphs)
TURNS: list[tuple[Person, str, list[str]]] = [
    (OPERATOR, "prepared", ["Good day, and welcome to the Acme Widgets first quarter call. All lines are muted."]),
    (DANA, "prepared", ["Thank you. With me today is our Chief Financial Officer, Lee Okafor.",
                        "Some of what we say today looks forward and carries risk. " + filler(2)]),
    (LEE, "prepared", ["Thanks, Dana. Revenue was $1.2 billion, up 8% from a year ago. " + filler(4),
                       "For the second quarter, we expect revenue of $1.3 billion, plus or minus 2%."]),
    (OPERATOR, "qa", ["Thank you. Our first question comes from Sam Patel with Northbank Securities."]),
    (SAM, "qa", ["Thanks for taking my question. How should we think about pricing next year?"]),
    (LEE, "qa", ["Pricing should stay firm. " + filler(3)]),
    (OPERATOR, "qa", ["Our next question comes from Kim Wu with Eastgate Capital."]),
    (KIM, "qa", ["Could you talk about the new plant and when it opens?"]),
    (LEE, "qa", ["It opens in the spring, on time and on budget. " + FILLER]),
    (OPERATOR, "qa", ["That concludes today's call. You may now disconnect."]),
]
TYPES = {("operator", "prepared"): "operator", ("operator", "qa"): "operator",
         ("executive", "prepared"): "presentation", ("executive", "qa"): "answer", ("analyst", "qa"): "question"}


def streetevents_text(*, body: dict[int, list[str]] | None = None) -> str:
    """The call as a StreetEvents text; body replaces the lines of the turns it names (by index)."""
    out = ["Refinitiv StreetEvents Event Transcript", "E D I T E D   V E R S I O N", "",
           "Q1 2025 Acme Widgets Inc Earnings Call", "MAY 22, 2024 / 9:00PM GMT", "", "Corporate Participants", ""]
    for person in (DANA, LEE):
        out += [f" * {person.name}", f"   {person.firm} - {person.role}"]
    out += ["", "Conference Call Participiants", ""]
    for person in (SAM, KIM):
        out += [f" * {person.name}", f"   {person.firm} - {person.role}"]
    section = None
    for n, (person, part, paragraphs) in enumerate(TURNS, start=1):
        if part != section:
            section = part
            out += ["", "Presentation" if part == "prepared" else "Questions and Answers"]
        head = person.name if person is OPERATOR else f"{person.name},  {person.firm} - {person.role}"
        out += [f"{head}    [{n}]", *(body or {}).get(n - 1, paragraphs), ""]
    out += ["Definitions", "Our own words about what the figures mean.", "", "Disclaimer", "Not advice."]
    return "\n".join(out) + "\n"


def fool_text(*, split_headers: bool = True, trailer: bool = True) -> str:
    """The call as a fool.com page saved as text: split_headers puts the name, '--' and the role on lines of their
    own (as many copies of the page do), else 'Name -- Role' on one line; trailer adds what follows on a page."""
    def header(person: Person) -> list[str]:
        if person is OPERATOR:
            return ["Operator"]
        role = f"{person.firm} -- Analyst" if person.kind == "analyst" else person.role
        return [person.name, "--", role] if split_headers else [f"{person.name} -- {role}"]

    out = ["Acme Widgets (ACME) Q1 2025 Earnings Call Transcript", "ACME earnings call for the period ending "
           "March 31, 2024.", "Image source: The Motley Fool.", "Acme Widgets Inc", "(", "NASDAQ:ACME", ")",
           "Q1 2025 Earnings Call", "May 22, 2024", ",", "5:00 p.m. ET", "", "Contents:", "Prepared Remarks",
           "Questions and Answers", "Call Participants", ""]
    section = None
    for person, part, paragraphs in TURNS:
        if part != section:
            section = part
            out += ["Prepared Remarks:" if part == "prepared" else "Questions & Answers:", ""]
        out += [*header(person), *paragraphs, ""]
    out += ["Duration: 31 minutes", "", "Call participants:", ""]
    for person in (DANA, LEE, SAM, KIM):
        out += header(person)
    if trailer:
        out += ["", "More ACME analysis", "All earnings call transcripts", "Why you can trust us"]
    return "\n".join(out) + "\n"
