"""French sentences that keep their template: the French text, and a translation filled alike."""

from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.text import Text, gettext_noop

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
