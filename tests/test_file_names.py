"""Ticker and call date read from a file's name, in the common date styles, the ticker before or after the date."""
from __future__ import annotations

import datetime as dt

import pytest

from core.ingest.parsers.file_names import NameInfo, name_info

FEB_17 = dt.date(2016, 2, 17)


@pytest.mark.parametrize("name", [
    "2016-02-17-NVDA.txt", "2016-Feb-17-NVDA.txt", "20160217-NVDA.txt", "Feb-17-2016-NVDA.txt", "17-Feb-2016-NVDA.txt",
    "NVDA-2016-02-17.txt", "NVDA_2016-Feb-17.html", "NVDA 20160217.txt", "NVDA Feb 17, 2016.txt", "nvda.2016.02.17.md",
    "2016_February_17_NVDA.txt", "/some/folder/2016-2-17-NVDA.txt", "2016-02-17-NVDA",
])
def test_common_date_styles_with_the_ticker_before_or_after(name):
    assert name_info(name) == NameInfo("NVDA", FEB_17)


@pytest.mark.parametrize(("name", "info"), [
    ("2016-02-17-BRK.B.txt", NameInfo("BRK.B", FEB_17)),
    ("2016-02-17-BRK.B", NameInfo("BRK.B", FEB_17)),  # ".B" is part of the ticker, not a file type
    ("2016-02-17.txt", NameInfo(None, FEB_17)),
    ("MAR-17-2016.txt", NameInfo(None, dt.date(2016, 3, 17))),  # a month, not a ticker
    ("MARA-2016-Mar-17.txt", NameInfo("MARA", dt.date(2016, 3, 17))),
    ("NVDA-AMD-2016-02-17.txt", NameInfo()),  # two tickers: neither
    ("NVDA-2016-13-17.txt", NameInfo()),  # no such month
    ("2016-Fex-17-NVDA.txt", NameInfo()),
    ("2016-02-17-NVDA-transcript.txt", NameInfo()),  # more than a date and a ticker
    ("upload.txt", NameInfo()),
    ("https://www.fool.com/earnings/call-transcripts/2020/07/10/x-q2-2020-earnings-call-transc.aspx", NameInfo()),
    ("", NameInfo()),
])
def test_what_a_name_does_not_say_stays_unknown(name, info):
    assert name_info(name) == info
