"""Speaker identity within one call: spelling variants, operators, and kinds from roles."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..model import name_key

_OPERATOR = re.compile(r"^(the\s+)?(conference\s+)?operator$", re.I)
_ANALYST_ROLE = re.compile(r"\banalyst\b|\bresearch\b", re.I)


def is_operator_name(name: str) -> bool:
    """True for 'Operator', 'Conference Operator' and the like."""
    return bool(_OPERATOR.match(name.strip()))


def _same_person(a: str, b: str) -> bool:
    """Equal keys, or equal first and last name with middle names or initials dropped."""
    if a == b:
        return True
    ta, tb = a.split(), b.split()
    if len(ta) < 2 or len(tb) < 2:
        return False
    return ta[0] == tb[0] and ta[-1] == tb[-1]


def canonical_names(spellings: Iterable[str], *, preferred: Iterable[str] = ()) -> dict[str, str]:
    """Map every spelling to one canonical spelling per person.

    A preferred spelling (e.g. from the participant list) wins; otherwise the most frequent,
    then the longest, spelling of that person is kept.
    """
    spellings = [s for s in spellings if s.strip()]
    counts = Counter(spellings)
    preferred = [p for p in preferred if p.strip()]
    groups: list[list[str]] = []
    for spelling in list(dict.fromkeys([*preferred, *spellings])):
        key = name_key(spelling)
        for group in groups:
            if any(_same_person(key, name_key(member)) for member in group):
                group.append(spelling)
                break
        else:
            groups.append([spelling])
    mapping: dict[str, str] = {}
    preferred_set = set(preferred)
    for group in groups:
        chosen = next((s for s in group if s in preferred_set), None)
        if chosen is None:
            chosen = max(group, key=lambda s: (counts[s], len(s)))
        for member in group:
            mapping[member] = chosen
    return mapping


def kind_from_role(role: str, firm: str = "", *, company: str = "") -> str:
    """executive / analyst / other from a role and firm, when no participant list says."""
    if _ANALYST_ROLE.search(role) or _ANALYST_ROLE.search(firm):
        return "analyst"
    if company and firm and name_key(firm).split()[:1] == name_key(company).split()[:1]:
        return "executive"
    if role and not firm:
        return "executive"
    return "other"
