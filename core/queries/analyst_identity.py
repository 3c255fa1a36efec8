"""One identity per sell-side analyst across calls: spellings of one name merged ("C.J. Muse", "CJ Muse",
"Christopher James Muse"; "Matt Ramsay", "Matthew D. Ramsay"; "Suji De Silva", "Suji DeSilva"), a firm change kept
as the same person, and the firms one works for recognised under their many printings ("Barclays Capital",
"Barclays Bank PLC, Research Division").

Two spellings are one person when their surnames agree and their given names are compatible: the same, a
nickname of the other (Joe / Joseph), the start of the other (Chris / Christopher), the initials of the other's
given and middle names (CJ / Christopher James), or one letter apart. A surname one slip apart ("Gauna" / "Guana")
or given names further apart ("Vivic" / "Vivek") merge only when the two also worked for the same firm."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

_PARTICLES = frozenset("de da di del della van von der den le la du st".split())
_SUFFIXES = frozenset("jr sr ii iii iv phd cfa".split())
_NICKNAMES = [  # each set: the given names one person may be printed with
    {"joe", "joseph"}, {"jim", "jimmy", "james"}, {"mike", "michael"}, {"ben", "benjamin"},
    {"bill", "will", "william"}, {"bob", "rob", "robert"}, {"steve", "steven", "stephen"}, {"tom", "thomas"},
    {"dick", "rick", "richard"}, {"tony", "anthony"}, {"ed", "ted", "edward"}, {"kate", "katherine", "kathryn"},
    {"liz", "elizabeth"}, {"peggy", "margaret"}, {"jack", "john"}, {"hank", "henry"}, {"chuck", "charles"},
    {"sandy", "alexander", "alexandra"}, {"gus", "august", "auguste", "augustus"}, {"harry", "harold"},
    {"andy", "drew", "andrew"}, {"nick", "nicholas"},
]
_NICKNAME_OF = {name: frozenset(group) for group in _NICKNAMES for name in group}
_FIRM_NOISE = frozenset(
    "research division equity equities institutional llc lllp llp inc incorporated ltd limited plc ag sa co corp "
    "company companies group holdings the and of & securities capital markets partners global intl international "
    "investment investments services financial advisors asset management".split())


def name_parts(name: str) -> tuple[list[str], str]:
    """(given and middle names, surname) of a printed name, lower-case ASCII: 'C.J. Muse' -> (['cj'], 'muse');
    'Suji De Silva' -> (['suji'], 'desilva')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"(?<=\b[A-Za-z])\.\s*(?=[A-Za-z]\.)", "", ascii_name)  # "C.J." -> "CJ."
    tokens = [t for t in re.split(r"[^a-z]+", ascii_name.lower()) if t and t not in _SUFFIXES]
    if not tokens:
        return [], ""
    surname = [tokens.pop()]
    while tokens and len(tokens) > 1 and tokens[-1] in _PARTICLES:
        surname.insert(0, tokens.pop())
    return tokens, "".join(surname)


def _given_compatible(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return True
    first_a, first_b = a[0], b[0]
    if first_a == first_b or first_b in _NICKNAME_OF.get(first_a, ()):
        return True
    short, long_ = sorted((first_a, first_b), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    initials_a, initials_b = "".join(t[0] for t in a), "".join(t[0] for t in b)
    if (len(first_a) <= 3 and first_a == initials_b[:len(first_a)] and len(first_a) > 1) or (
            len(first_b) <= 3 and first_b == initials_a[:len(first_b)] and len(first_b) > 1):
        return True  # "CJ" and "Christopher James"
    return len(short) >= 4 and _similar(first_a, first_b) >= 0.85


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def firm_key(firm: str | None) -> str:
    """A firm's name without its legal and departmental words, lower-case: 'Wells Fargo Securities, LLC, Research
    Division' -> 'wells fargo'."""
    if not firm:
        return ""
    ascii_firm = unicodedata.normalize("NFKD", firm).encode("ascii", "ignore").decode().lower()
    ascii_firm = ascii_firm.replace("bank of america", "bofa")
    return " ".join(t for t in re.split(r"[^a-z0-9]+", ascii_firm) if t and t not in _FIRM_NOISE)


def same_firm(a: str | None, b: str | None) -> bool:
    """Whether two printed firm names are one firm ('JP Morgan Chase & Co' and 'JPMorgan'; 'Friedman Billings and
    Ramsey' and 'FBR Capital Markets'; 'Canaccord Genuity' and 'Canccord Genuity'; 'SIG' and 'Susquehanna Financial
    Group / SIG')."""
    key_a, key_b = firm_key(a), firm_key(b)
    if not key_a or not key_b:
        return False
    words_a, words_b = key_a.split(), key_b.split()
    joined_a, joined_b = "".join(words_a), "".join(words_b)
    if joined_a.startswith(joined_b) or joined_b.startswith(joined_a):
        return True
    fewer, more = sorted((set(words_a), set(words_b)), key=len)
    if fewer <= more and all(len(w) >= 3 for w in fewer):  # "Bernstein" and "Sanford C. Bernstein"
        return True
    if _similar(words_a[0], words_b[0]) >= 0.85 and min(len(words_a[0]), len(words_b[0])) >= 3:
        return True
    acronym_a, acronym_b = "".join(w[0] for w in words_a), "".join(w[0] for w in words_b)
    return (len(words_a) == 1 and words_a[0] == acronym_b) or (len(words_b) == 1 and words_b[0] == acronym_a)


def identities(printings: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """Each printed name -> the name its person is shown under (the spelling printed most often; ties: the longest),
    from the (name, firm) pairs of every question turn."""
    counts = Counter(" ".join(name.split()) for name, _ in printings if name and name.strip())
    firms: dict[str, set[str]] = {}
    for name, firm in printings:
        if name and name.strip() and firm:
            firms.setdefault(" ".join(name.split()), set()).add(firm)
    names = sorted(counts)
    parts = {name: name_parts(name) for name in names}
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    by_initial: dict[str, list[str]] = {}
    for name in names:
        by_initial.setdefault(parts[name][1][:1], []).append(name)
    for group in by_initial.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if _same_person(parts[a], parts[b], firms.get(a, set()), firms.get(b, set())):
                    parent[root(a)] = root(b)
    members: dict[str, list[str]] = {}
    for name in names:
        members.setdefault(root(name), []).append(name)
    shown = {}
    for group in members.values():
        best = max(group, key=lambda n: (counts[n], len(n), n))
        shown.update({name: best for name in group})
    return shown


def _same_person(a: tuple[list[str], str], b: tuple[list[str], str], firms_a: set[str], firms_b: set[str]) -> bool:
    (given_a, surname_a), (given_b, surname_b) = a, b
    if not surname_a or not surname_b:
        return False
    shared_firm = any(same_firm(x, y) for x in firms_a for y in firms_b)
    if surname_a == surname_b:
        if _given_compatible(given_a, given_b):
            return True
        return shared_firm and bool(given_a) and bool(given_b) and _similar(given_a[0], given_b[0]) >= 0.6
    close_surname = _similar(surname_a, surname_b) >= 0.75 and surname_a[0] == surname_b[0]
    return close_surname and shared_firm and bool(given_a) and bool(given_b) and (
        _given_compatible(given_a, given_b) or _similar(given_a[0], given_b[0]) >= 0.6)
