"""French sentences that keep their template: the French text, and a translation filled alike."""

import datetime as dt
import json
import pickle
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.text import (
    Amount,
    Day,
    Figure,
    Number,
    Share,
    Text,
    gettext_noop,
    text_of_json,
)

ENGLISH = {
    "La subvention demandée (%(asked)s) dépasse le plafond.": "The subsidy (%(asked)s) is too high.",
    "Le budget est équilibré à 100 %.": "The budget is 100 % balanced.",
}


def test_gettext_noop_leaves_the_template_as_it_is() -> None:
    assert (
        gettext_noop("Pièces manquantes : %(documents)s.") == "Pièces manquantes : %(documents)s."
    )


def test_the_french_sentence_is_the_template_filled_with_its_values() -> None:
    text = Text("La subvention demandée (%(asked)s) dépasse le plafond.", {"asked": "230 000,00 €"})
    assert str(text) == "La subvention demandée (230 000,00 €) dépasse le plafond."


def test_a_sentence_without_values_is_not_formatted_so_a_percent_sign_stays() -> None:
    text = Text("Le budget est équilibré à 100 %.")
    assert str(text) == "Le budget est équilibré à 100 %."
    assert text.params == {}
    assert text.translated(ENGLISH.__getitem__) == "The budget is 100 % balanced."


def test_the_translation_is_filled_with_the_same_values() -> None:
    text = Text("La subvention demandée (%(asked)s) dépasse le plafond.", {"asked": "230 000,00 €"})
    assert text.translated(ENGLISH.__getitem__) == "The subsidy (230 000,00 €) is too high."
    assert text.translated(lambda template: template) == str(text)


def test_texts_are_values_compared_by_template_and_values() -> None:
    assert Text("a %(x)s", {"x": "1"}) == Text("a %(x)s", {"x": "1"})
    assert Text("a %(x)s", {"x": "1"}) != Text("a %(x)s", {"x": "2"})
    assert Text("a").template == "a"


@given(st.text(alphabet=st.characters(blacklist_characters="%")), st.text())
def test_a_value_is_put_in_as_it_is(prefix: str, value: str) -> None:
    assert str(Text(prefix + "%(v)s", {"v": value})) == prefix + value


def _english_figures(figure: Figure) -> str:
    """A stand-in for the web layer's writer: tells which figure it was given, and how."""
    return f"<{type(figure).__name__} {figure[0]}>"


def test_figures_stay_numbers_until_the_sentence_is_written() -> None:
    text = Text(
        "La subvention (%(asked)s) dépasse %(share)s du coût (%(total)s habitants, le %(day)s).",
        {
            "asked": Amount(Decimal("230000")),
            "share": Share(Decimal("0.7")),
            "total": Number(122000),
            "day": Day(dt.date(2013, 9, 13)),
        },
    )

    assert str(text) == (
        "La subvention (230 000,00 €) dépasse 70 % du coût (122 000 habitants, le 13/09/2013)."
    )
    assert text.translated(lambda t: t, _english_figures) == (
        "La subvention (<Amount 230000>) dépasse <Share 0.7> du coût "
        "(<Number 122000> habitants, le <Day 2013-09-13>)."
    )


def test_a_sentence_inside_a_sentence_is_translated_and_written_with_it() -> None:
    people = Text("%(count)s habitants", {"count": Number(1200)})
    text = Text("La subvention demandée (%(asked)s) dépasse le plafond.", {"asked": people})

    assert str(text) == "La subvention demandée (1 200 habitants) dépasse le plafond."
    english = {**ENGLISH, "%(count)s habitants": "%(count)s people"}
    assert text.translated(lambda t: english.get(t, t), _english_figures) == (
        "The subsidy (<Number 1200> people) is too high."
    )


def test_a_fixed_share_keeps_its_trailing_zeros() -> None:
    assert str(Text("%(s)s", {"s": Share(Decimal("0.4"), 2, fixed=True)})) == "40,00 %"
    assert str(Text("%(s)s", {"s": Share(Decimal("0.632"), 1, fixed=True)})) == "63,2 %"
    assert str(Text("%(s)s", {"s": Share(Decimal("0.4"))})) == "40 %"


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    st.integers(min_value=0, max_value=4),
    st.dates(),
    st.booleans(),
)
def test_a_text_read_back_from_json_or_a_pickle_is_the_same(
    euros: Decimal, places: int, day: dt.date, fixed: bool
) -> None:
    text = Text(
        "%(a)s %(s)s %(n)s %(d)s %(inner)s %(word)s",
        {
            "a": Amount(euros),
            "s": Share(euros, places, fixed),
            "n": Number(euros, places),
            "d": Day(day),
            "inner": Text("%(n)s lauréats", {"n": Number(places)}),
            "word": "Bretagne",
        },
    )

    assert text_of_json(json.loads(json.dumps(text.to_json()))) == text
    # The cache pickles reports holding texts; these bytes are our own.
    assert pickle.loads(pickle.dumps(text)) == text  # noqa: S301
    assert pickle.loads(pickle.dumps(Text("Sans valeurs."))) == Text("Sans valeurs.")  # noqa: S301
