"""The fetch planner: which quarters a fetch wants, which are stored, and what to download, decided before any
download, so a fetch asks the store once, the source's discovery once, then downloads in one pass."""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ..model import Period
from .sources.base import Target

DEFAULT_LAST = 4


def last_periods(end: Period, count: int) -> list[Period]:
    """The count quarters ending with end, oldest first."""
    if count < 1:
        raise ValueError(f"the number of quarters must be at least 1, got {count}")
    return [Period.from_ordinal(o) for o in range(end.ordinal - count + 1, end.ordinal + 1)]


@dataclass(frozen=True)
class Window:
    """The quarters asked for, oldest first; for "the last N", `fallback` is the N ending a quarter earlier, taken
    when the newest quarter is not published yet."""

    requested: tuple[Period, ...]
    fallback: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What a fetch does: quarters stored (reported, not fetched), targets to download, quarters the source lacks."""

    cached: tuple[Period, ...] = ()
    targets: tuple[Target, ...] = ()
    missing: tuple[Period, ...] = ()

    @property
    def total(self) -> int:
        """How many quarter reports the fetch makes."""
        return len(self.cached) + len(self.targets) + len(self.missing)


def quarter_window(*, periods: Sequence[Period] | None, last: int | None, newest: Period) -> Window:
    """The given periods, else the `last` (default 4) quarters up to `newest` with their fallback."""
    if periods is not None:
        return Window(tuple(dict.fromkeys(periods)))
    count = last or DEFAULT_LAST
    return Window(tuple(last_periods(newest, count)),
                  tuple(last_periods(Period.from_ordinal(newest.ordinal - 1), count)))


def _todo(periods: Sequence[Period], stored: Collection[Period], refresh: bool) -> list[Period]:
    return [p for p in periods if refresh or p not in stored]


def to_locate(window: Window, *, stored: Collection[Period], refresh: bool) -> tuple[Period, ...]:
    """The quarters to ask the source's discovery for: those to fetch, and the fallback's first when there is one
    (none at all when everything is stored)."""
    todo = _todo(window.requested, stored, refresh)
    return (*todo, *window.fallback[:1]) if todo else ()


def plan_quarters(window: Window, *, stored: Collection[Period], refresh: bool,
                  located: Mapping[Period, Target]) -> Plan:
    """The plan for a window once discovery found `located`: stored quarters cached unless refresh, the rest a
    target or missing; the fallback window when the newest quarter asked for was to fetch but not found."""
    requested = window.requested
    todo = _todo(requested, stored, refresh)
    if window.fallback and requested[-1] in todo and requested[-1] not in located:
        requested = window.fallback
        todo = _todo(requested, stored, refresh)
    return Plan(tuple(p for p in requested if p not in todo), tuple(located[p] for p in todo if p in located),
                tuple(p for p in todo if p not in located))


def plan_urls(targets: Sequence[Target], *, periods: Sequence[Period] | None, stored: Collection[Period],
              refresh: bool) -> Plan:
    """The plan for targets the user named: those of quarters other than `periods` (when given) dropped, those of
    stored quarters cached unless refresh; a target whose quarter its URL does not tell is always fetched."""
    wanted = set(periods or ())
    targets = [t for t in targets if not wanted or t.period is None or t.period in wanted]
    cached = tuple(dict.fromkeys(t.period for t in targets if t.period and not refresh and t.period in stored))
    return Plan(cached, tuple(t for t in targets if t.period is None or t.period not in cached))
