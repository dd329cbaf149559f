"""The demo's generated names are correct French."""

import pytest

from pollen.demo.names import fablab_name, of_place


@pytest.mark.parametrize(
    ("commune", "expected"),
    [
        ("Rennes", "de Rennes"),
        ("Aubin", "d'Aubin"),
        ("Évry-Courcouronnes", "d'Évry-Courcouronnes"),
        ("Yerres", "d'Yerres"),
        ("Le Cendre", "du Cendre"),
        ("Le Havre", "du Havre"),
        ("Les Ulis", "des Ulis"),
        ("La Rochelle", "de La Rochelle"),
        ("L'Isle-Adam", "de L'Isle-Adam"),
        ("Haguenau", "de Haguenau"),
        ("Lesneven", "de Lesneven"),
        ("Lens", "de Lens"),
    ],
)
def test_it_elides_and_contracts_de_before_a_commune(commune: str, expected: str) -> None:
    assert of_place(commune) == expected


def test_the_fablab_name_reads_as_french() -> None:
    assert fablab_name("Aubin") == "Fablab d'Aubin (fictif)"
    assert fablab_name("Le Cendre") == "Fablab du Cendre (fictif)"
