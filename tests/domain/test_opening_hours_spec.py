"""The whole opening_hours specification, read by the library, at moments checked by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pollen.domain.territory.opening_hours import (
    describe_fr,
    french_public_holidays,
    parse,
)

HOLIDAYS = french_public_holidays(2025) | french_public_holidays(2026)
ALSACE = french_public_holidays(2025, alsace_moselle=True)
BREST = (48.3904, -4.4861)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "text",
    [
        "week 01-53/2 Mo 10:00-12:00",
        "Mo-Fr sunrise-sunset",
        "Mo-Fr 08:00-sunset; Sa (sunrise+01:00)-12:00",
        "Mo-Su 10:00-18:00; Dec 25 off",
        "Dec 24-Jan 02 off",
        "2025 Mo-Fr 10:00-12:00",
        "2025-2026 Jul-Aug off",
        "easter off",
        "Mo[1] 10:00-12:00",
        "Sa[-1] 14:00-18:00",
        'Mo-Fr 10:00-12:00 || "sur rendez-vous"',
        "Mo-Fr 18:00+",
        "Mo-Fr 10:00-12:00; PH off; PH +1 day off",
        "SH off",
    ],
)
def test_it_reads_syntax_the_old_parser_refused(text: str) -> None:
    oh = parse(text)
    assert oh.unsupported and oh.status_at(at("2025-03-03T11:00"), HOLIDAYS).code in {
        "open",
        "closed",
        "unknown",
    }


def test_it_closes_on_christmas_day_only() -> None:
    oh = parse("Mo-Su 10:00-18:00; Dec 25 off")
    assert not oh.is_open(at("2025-12-25T12:00"))
    assert oh.is_open(at("2025-12-24T12:00")) and oh.is_open(at("2025-12-26T12:00"))


def test_it_closes_on_public_holidays_the_caller_gives() -> None:
    oh = parse("Mo-Fr 09:00-18:00; PH off")
    assert oh.state_at(at("2025-07-14T10:00"), HOLIDAYS) == "closed"
    assert oh.state_at(at("2025-07-15T10:00"), HOLIDAYS) == "open"
    good_friday, boxing_day = at("2025-04-18T10:00"), at("2025-12-26T10:00")
    assert oh.is_open(good_friday, HOLIDAYS) and oh.is_open(boxing_day, HOLIDAYS)
    assert not oh.is_open(good_friday, ALSACE) and not oh.is_open(boxing_day, ALSACE)
    assert oh.is_open(at("2025-07-14T10:00"), holidays=[date(2025, 7, 15)])
    assert describe_fr(oh)[-1] == "jours fériés : fermé"


def test_it_closes_on_easter_sunday() -> None:
    oh = parse("Mo-Su 10:00-18:00; easter off")
    assert not oh.is_open(at("2025-04-20T12:00"))  # Easter Sunday 2025
    assert oh.is_open(at("2025-04-21T12:00")) and oh.is_open(at("2025-04-13T12:00"))


def test_it_follows_the_sun_at_the_place() -> None:
    oh = parse("sunrise-sunset")
    assert not oh.is_open(at("2025-06-21T05:30")) and oh.is_open(at("2025-06-21T06:00"))
    assert oh.is_open(at("2025-06-21T21:30")) and not oh.is_open(at("2025-06-21T22:30"))
    assert oh.is_open(at("2025-12-21T16:30")) and not oh.is_open(at("2025-12-21T17:30"))
    # Sunset in Brest comes about 20 minutes after Paris's (21:57 on 21 June 2025).
    assert parse("sunrise-sunset", coords=BREST).is_open(at("2025-06-21T22:05"))
    assert not oh.is_open(at("2025-06-21T22:05"))


def test_it_opens_on_odd_weeks_only() -> None:
    oh = parse("week 01-53/2 Mo 10:00-12:00")
    assert not oh.is_open(at("2025-03-03T11:00"))  # ISO week 10
    assert oh.is_open(at("2025-03-10T11:00"))  # ISO week 11
    assert oh.open_on_weekday(0) and not oh.open_on_weekday(1)


def test_it_reads_the_nth_weekday_years_fallbacks_and_open_ends() -> None:
    first_monday = parse("Mo[1] 10:00-12:00")
    assert first_monday.is_open(at("2025-03-03T11:00"))
    assert not first_monday.is_open(at("2025-03-10T11:00"))
    year = parse("2025 Mo-Fr 10:00-12:00")
    assert year.is_open(at("2025-03-03T11:00")) and not year.is_open(at("2026-03-02T11:00"))
    fallback = parse('Mo-Fr 10:00-12:00 || "sur rendez-vous"')
    assert fallback.state_at(at("2025-03-03T11:00")) == "open"
    assert fallback.state_at(at("2025-03-08T11:00")) == "unknown"
    assert parse("Mo-Fr 18:00+").state_at(at("2025-03-03T17:00")) == "closed"


def test_it_makes_a_rule_with_only_a_comment_unknown() -> None:
    oh = parse('Mo-Fr 09:00-18:00 "appeler avant"')
    assert oh.state_at(at("2025-03-03T10:00")) == "unknown"
    assert oh.state_at(at("2025-03-03T19:00")) == "closed"
    assert oh.state_at(at("2025-03-08T10:00")) == "closed"
    assert parse('Sa "sur rendez-vous"').state_at(at("2025-03-08T10:00")) == "unknown"
    assert parse('Mo-Fr 09:00-18:00 open "appeler avant"').is_open(at("2025-03-03T10:00"))
    assert parse('Mo-Fr 09:00-18:00 off "travaux"').state_at(at("2025-03-03T10:00")) == "closed"
    # A ";" inside a comment does not start a rule.
    odd = parse('Mo 10:00-12:00 "a; b"; Tu 10:00-12:00')
    assert odd.state_at(at("2025-03-03T11:00")) == "unknown"
    assert odd.state_at(at("2025-03-04T11:00")) == "open"


def test_it_reads_a_list_of_days_of_one_month_as_opening_hours_js_does() -> None:
    oh = parse("Jan 01 off; Dec 25,26 off; Mo-Su 09:00-19:00")
    assert oh.source == "Jan 01 off; Dec 25,26 off; Mo-Su 09:00-19:00"
    # The last rule replaces the earlier ones, as ";" says: open on Christmas too.
    assert oh.is_open(at("2025-12-26T12:00")) and oh.is_open(at("2025-12-27T12:00"))
    closed = parse("Mo-Su 09:00-19:00; Dec 25,26 off")
    assert not closed.is_open(at("2025-12-26T12:00")) and closed.is_open(at("2025-12-27T12:00"))


@pytest.mark.xfail(
    strict=True,
    reason="opening_hours.js reads `PH Su` as public holidays falling on a Sunday; "
    "opening-hours-py 2.1.4 as public holidays or Sundays",
)
def test_it_reads_a_holiday_then_a_weekday_as_both_at_once() -> None:
    oh = parse("Mo-Fr 10:00-12:00; PH Su 10:00-12:00")
    assert not oh.is_open(at("2025-01-19T11:00"), HOLIDAYS)  # an ordinary Sunday
