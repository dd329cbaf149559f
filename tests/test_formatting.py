"""One formatter for figures, following the page's language; amounts read back exactly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.money import parse_eur
from pollen.formatting import (
    for_pdf,
    format_amount,
    format_cents,
    format_date,
    format_decimal,
    format_integer,
    format_percent,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def test_it_writes_an_amount_the_french_way_with_unbreakable_spaces():
    assert format_amount(Decimal("12345.67"), language="fr") == f"12{NNBSP}345,67{NBSP}€"
    assert format_amount(Decimal("-1234567"), language="fr") == f"-1{NNBSP}234{NNBSP}567,00{NBSP}€"
    assert format_amount(Decimal("0.5"), language="fr") == f"0,50{NBSP}€"


def test_it_writes_an_amount_the_english_way():
    assert format_amount(Decimal("12345.67"), language="en") == "€12,345.67"
    assert format_amount(Decimal("-12345.6"), language="en") == "-€12,345.60"
    assert format_cents(123456, language="en") == "€1,234.56"


def test_it_follows_the_active_language():
    with translation.override("en"):
        assert format_integer(12345) == "12,345"
        assert format_percent(Decimal("0.70125")) == "70.13%"
        assert format_date(dt.date(2013, 9, 5)) == "Sept. 5, 2013"
    with translation.override("fr"):
        assert format_integer(12345) == f"12{NNBSP}345"
        assert format_percent(Decimal("0.70125")) == f"70,13{NBSP}%"
        assert format_percent(Decimal("0.7")) == f"70{NBSP}%"
        assert format_percent(0.45, 1, fixed=True) == f"45,0{NBSP}%"
        assert format_decimal(Decimal("3.14159"), 2) == "3,14"
        assert format_date(dt.date(2013, 9, 5)) == "5 septembre 2013"


def test_a_pdf_gets_spaces_its_standard_fonts_can_draw():
    text = for_pdf(format_amount(Decimal("12345"), language="fr"))
    text.encode("cp1252")  # raises on the narrow no-break space
    assert text == f"12{NBSP}345,00{NBSP}€"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"70{NNBSP}000,00{NBSP}€ · 1{NNBSP}234,56{NBSP}€ · 45{NBSP}%"),
        ("en", "€70,000.00 · €1,234.56 · 45%"),
    ],
)
def test_every_apps_filters_speak_the_page_language(language, expected):
    template = Template(
        "{% load pollen_format grants_format %}{{ amount|eur }} · {{ c|cents }} · {{ share|percent }}"
    )
    with translation.override(language):
        html = template.render(
            Context({"amount": Decimal(70000), "c": 123456, "share": Decimal("0.45")})
        )
    assert html == expected


@given(
    st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_an_amount_written_in_french_reads_back_the_same(amount):
    text = format_amount(amount, language="fr")
    assert parse_eur(text, allow_negative=True) == amount
    assert f"{NBSP}€" in text and " " not in text  # nowhere to wrap
