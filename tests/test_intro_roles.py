"""Missing titles filled from the call's introduction: the real NVDA/AMD/INTC and fool.com calls, and made-up cases."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from core.analysis.sentences import speaker_group
from core.ingest.parsers import FORMATS, detect_format, parse_document
from core.ingest.parsers.intro_roles import fill_intro_roles
from core.model import Transcript, Turn

NVDA_UNTITLED_CEO = ("2023-11-21-NVDA.txt", "2024-02-21-NVDA.txt", "2024-05-22-NVDA.txt")


def _real_calls(shared: Path) -> list[Path]:
    return sorted((shared / "corpus" / "streetevents").glob("*/*.txt")) + sorted(
        (shared / "fixtures" / "foolcom").glob("*/*.html"))


@pytest.mark.parametrize("name", NVDA_UNTITLED_CEO)
def test_nvda_ceo_without_a_listed_title_gets_the_one_the_host_gives(shared_dir: Path, name: str) -> None:
    path = shared_dir / "corpus" / "streetevents" / "NVDA" / name
    transcript = parse_document(path.read_text(encoding="utf-8"), source=str(path))
    jensen = [t for t in transcript.turns if t.speaker == "Jensen Huang"]
    assert jensen
    assert all("Chief Executive Officer" in t.role for t in jensen)
    assert {speaker_group(t.kind, t.role) for t in jensen} == {"ceo"}


def test_every_filled_role_is_the_title_the_opening_gives_that_speaker(shared_dir: Path) -> None:
    calls_touched = turns_filled = 0
    for path in _real_calls(shared_dir):
        text = path.read_text(encoding="utf-8")
        as_listed = FORMATS[detect_format(text)].parse(text, source=str(path))
        filled = fill_intro_roles(as_listed)
        changed = [(before, after) for before, after in zip(as_listed.turns, filled.turns) if before != after]
        opening = " ".join(t.text for t in as_listed.turns[:4])
        for before, after in changed:
            assert before.role == "", (path.name, before.speaker, before.role, after.role)
            assert before.kind not in ("operator", "analyst"), (path.name, before.speaker)
            assert replace(after, role="") == before, path.name  # nothing but the role changed
            surname = re.escape(before.speaker.split()[-1])
            assert re.search(rf"{surname},\s+(?:our\s+)?{re.escape(after.role)}", opening), (path.name, after.role)
        calls_touched += bool(changed)
        turns_filled += len(changed)
    # Counted over 185 StreetEvents calls of NVDA, AMD and INTC and the 10 fool.com pages (none of which lacks a title).
    assert (calls_touched, turns_filled) == (14, 78)


def _call(*rows: tuple[str, str, str, str, str]) -> Transcript:
    """A made-up call from (speaker, role, kind, section, text) rows; executives speak in prepared remarks."""
    types = {"operator": "operator", "analyst": "question", "executive": "presentation", "other": "presentation"}
    turns = tuple(Turn(i, speaker, role, "", kind, section, types[kind], text)
                  for i, (speaker, role, kind, section, text) in enumerate(rows))
    return Transcript("ACME", "Acme Corp", 2025, 1, None, "Q1 2025 Acme Earnings Call", "plain", "acme.txt", turns)


def _roles(transcript: Transcript) -> list[str]:
    return [t.role for t in fill_intro_roles(transcript).turns]


def test_titles_end_before_the_next_person_and_names_match_without_initials_or_honorifics() -> None:
    call = _call(
        ("Operator", "", "operator", "prepared", "Welcome. Please go ahead, Ann Lee."),
        ("Ann Lee", "", "executive", "prepared",
         "With me are Dr. Jane Doe, our President and Chief Executive Officer and John Roe, Senior Vice President, "
         "Chief Financial Officer and Treasurer. Jane?"),
        ("Jane Q. Doe", "", "executive", "prepared", "Thanks, Ann."),
        ("John Roe", "", "executive", "prepared", "Thanks, Jane."),
    )
    assert _roles(call) == ["", "", "President and Chief Executive Officer",
                            "Senior Vice President, Chief Financial Officer and Treasurer"]


def test_a_host_or_firm_named_after_the_name_is_no_title() -> None:
    call = _call(
        ("Operator", "", "operator", "prepared", "I now hand over to Ann Lee, our host for today."),
        ("Ann Lee", "", "other", "prepared", "Thank you. Joining me is Jane Doe, Acme Holdings. Jane?"),
        ("Jane Doe", "", "executive", "prepared", "Thanks, Ann."),
    )
    assert _roles(call) == ["", "", ""]


def test_analysts_and_titles_the_source_gave_are_left_alone() -> None:
    call = _call(
        ("Operator", "", "operator", "prepared",
         "Joining us are Bob Smith, Managing Director at Big Bank, and John Roe, Chief Financial Officer."),
        ("John Roe", "CFO", "executive", "prepared", "Thank you."),
        ("Bob Smith", "", "analyst", "qa", "A question."),
    )
    assert _roles(call) == ["", "CFO", ""]


def test_only_the_first_title_from_the_opening_before_the_speaker_counts() -> None:
    call = _call(
        ("Operator", "", "operator", "prepared", "Ann Lee, Vice President of Investor Relations. Ann Lee, Chair."),
        ("Ann Lee", "", "executive", "prepared", "Thank you. Jane?"),
        ("Jane Doe", "", "executive", "prepared", "Thanks, Ann."),
        ("Ann Lee", "", "executive", "prepared", "That was Jane Doe, Chief Executive Officer. Operator?"),
        ("Operator", "", "operator", "prepared", "Now John Roe, Chief Financial Officer."),
        ("John Roe", "", "executive", "prepared", "Thanks."),
    )
    assert _roles(call) == ["", "Vice President of Investor Relations", "", "Vice President of Investor Relations",
                            "", ""]
