"""Markup in transcript text: tags and entities removed, timing tags kept as marks of the call's clock."""
from __future__ import annotations

import pytest

from core.ingest.parsers.markup import Line, clean_lines, join_lines, plain_text, strip_markup

SYNC = '<Sync id="L190"time="00:29:30"/>'  # as vendors write it: no blank between the attributes


def test_timing_tags_vanish_and_leave_marks_at_the_next_text():
    text, marks = strip_markup(f"Operator    [1]\n{SYNC}Our first question comes from Al. "
                               f'<Sync id="L191" time="00:29:41"/> Go ahead.')
    assert text == "Operator    [1]\nOur first question comes from Al. Go ahead."
    assert marks == ((16, 1770), (50, 1781))
    assert text[16:19] == "Our" and text[50:52] == "Go"


@pytest.mark.parametrize(("raw", "clean"), [
    ("R&amp;D rose &gt; 5% &#8212; and &#x2019;", "R&D rose > 5% \u2014 and \u2019"),
    ("AT&T and S&P 500; Q&A", "AT&T and S&P 500; Q&A"),  # no entity without its semicolon
    ("margins < 5% and <10% of sales", "margins < 5% and <10% of sales"),  # a '<' before a blank or digit is text
    ("We <b>grew</b> <!-- note --> fast", "We grew fast"),
    ("one<br/>two<p class='x'>three</p>", "one\ntwo\nthree\n"),
    ("&lt;Sync time=&quot;00:01:02&quot;/&gt;Hi", "Hi"),  # escaped markup is markup too
    ("mail <jo@acme.com> now", "mail <jo@acme.com> now"),
])
def test_tags_are_removed_and_entities_decoded(raw, clean):
    assert strip_markup(raw)[0] == clean


@pytest.mark.parametrize(("tag", "seconds"), [
    ('<Sync time="00:29:30"/>', 1770), ('<Sync time="29:30"/>', 1770), ("<Sync time='1770.5'/>", 1770),
    ('<span begin="01:00:01.250">', 3601), ("<Sync id='x'/>", None),
])
def test_clock_values(tag, seconds):
    assert strip_markup(f"{tag}Hello.")[1] == (((0, seconds),) if seconds is not None else ())


def test_a_mark_at_the_very_end_is_dropped():
    assert strip_markup(f"Bye. {SYNC} ") == ("Bye. ", ())


def test_lines_carry_their_marks_and_an_empty_line_passes_its_marks_on():
    lines = clean_lines(f'Jane Doe  [2]\r\n  {SYNC}\r\n  We grew. <Sync id="L2"time="00:30:00"/>It rose.\n')
    assert lines == [Line("Jane Doe  [2]"), Line("", ((0, 1770),)), Line("We grew. It rose.", ((9, 1800),)), Line("")]
    assert join_lines(lines[1:]) == ("We grew. It rose.", ((0, 1770), (9, 1800)))
    body, marks = join_lines([Line("", ((0, 1700),)), Line("First.", ((6, 1750),)), Line(""),
                              Line("Second.", ((0, 1770),)), Line("", ((0, 1790),))])
    assert (body, marks) == ("First.\nSecond.", ((0, 1700), (7, 1750)))  # one mark per place: the first
    assert join_lines([Line("A."), Line("B.", ((0, 5),))], sep="\n\n") == ("A.\n\nB.", ((4, 5),))


def test_line_tail_and_squeezed_keep_marks_on_their_characters():
    line = Line("Jo Bloggs:   Hello  there.", ((0, 10), (20, 12)))
    assert line.tail(10) == Line("Hello  there.", ((0, 10), (7, 12)))
    assert line.tail(10).squeezed() == Line("Hello there.", ((0, 10), (6, 12)))
    assert Line("", ((0, 3),)).squeezed() == Line("", ((0, 3),))
    assert Line(" a  b ", ((6, 4),)).squeezed() == Line("a b", ((3, 4),))


def test_plain_text_collapses_blanks():
    assert plain_text(" Jane <i>Doe</i>\n&amp; co ") == "Jane Doe & co"
